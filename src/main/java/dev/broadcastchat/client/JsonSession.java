package dev.broadcastchat.client;

import dev.broadcastchat.protocol.SafeText;
import dev.broadcastchat.protocol.WireProtocol;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.random.RandomGenerator;

/**
 * A chat over the JSON protocol that survives lost connections: it remembers the id of the last
 * message shown and, when a connection is lost, reconnects with jittered backoff and {@code
 * since=ID} until {@code reconnectTimeout}, so that the replay is exactly what was missed. Every
 * say waits in the {@link Outbox} until its ack; after a reconnect the unacked ones are sent again
 * with the same refs (the server dedupes by ref). Lines typed while no connection is live are held
 * and sent, in order, once one is. At the end of input it waits (at most {@link #DRAIN_TIMEOUT})
 * until every say was acked and shown, any replay is over, and a last {@code ping} has its {@code
 * pong} (so the answers to commands sent before it have arrived), then closes with 1000.
 *
 * <p>Threading: all state is owned by one thread of the session's own ({@code chat-session}), which
 * it starts and stops; the entry points and the connections' callbacks hop onto it.
 */
final class JsonSession implements Session, ServerEvent.Handler {
  /** How long the end of input waits for says to be acked and shown. */
  static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(5);

  /**
   * After this long without a frame from the server the client pings; after twice this long the
   * connection is taken for lost (a dead peer or network can leave TCP silent for many minutes).
   */
  static final Duration KEEPALIVE = Duration.ofSeconds(20);

  /** How long the client waits for the server to answer its close. */
  static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

  private static final String RATE_LIMITED = "rate_limited";

  /** Close codes after which connecting again cannot help: the server refuses what we send. */
  private static final Set<Integer> FINAL_CLOSE_CODES = Set.of(1002, 1003, 1007, 1008, 1009, 1010);

  /**
   * How long things may take.
   *
   * @param reconnectTimeout how long a lost connection is retried; zero gives up at once
   * @param keepalive silence after which the client pings; twice this and the connection is lost
   */
  record Timing(Duration reconnectTimeout, Duration drainTimeout, Duration keepalive) {
    Timing {
      if (keepalive.isZero() || keepalive.isNegative()) {
        throw new IllegalArgumentException("keepalive: " + keepalive + " (expected: > 0)");
      }
    }

    /** The defaults, with {@code reconnectTimeout}. */
    static Timing of(Duration reconnectTimeout) {
      return new Timing(reconnectTimeout, DRAIN_TIMEOUT, KEEPALIVE);
    }
  }

  /** Opens connections; the real one is {@link Connection#open}. */
  interface Connector {
    /** Opens a connection to {@code url}; fails with a {@link ConnectFailure}. */
    CompletableFuture<Link> open(URI url);
  }

  private final URI url;
  private final String shownUrl;
  private final Timing timing;
  private final Console console;
  private final Connector connector;
  private final JsonCodec codec = new JsonCodec();
  private final EventFormat format;
  private final Outbox outbox;
  private final Backoff backoff;
  private final ScheduledThreadPoolExecutor loop;
  private final CompletableFuture<Integer> exitCode = new CompletableFuture<>();
  private volatile Thread loopThread;

  private Link link;
  private int generation;
  private boolean resumed;
  private boolean live;
  private boolean replaying;

  /** Pings sent on this link, and pongs seen: the server answers a link's pings in order. */
  private long pingsSent;

  private long pongsSeen;

  /** The number of the ping sent once everything else was settled; 0 before it is sent. */
  private long finalPing;

  /**
   * Commands (nick, join, who) sent and not yet seen through, oldest first. Each is followed by a
   * ping, whose pong the server sends after answering it: a command whose pong did not come before
   * the connection was lost is sent again after the reconnect, in its place among the unacked says,
   * so that a say typed after a {@code /join} never goes to the room it left.
   */
  private final Deque<Command> commands = new ArrayDeque<>();

  private int welcomesOnLink;
  private boolean welcomed;
  private String room;
  private String nick;
  private String addr;
  private String askedNick;
  private String lastShownId;
  private final Deque<TypedLine> held = new ArrayDeque<>();

  /**
   * After a reconnect, the unacked says ({@link ClientRequest.Say}) and the commands not seen
   * through ({@link Command}) to send again, in their first order, before anything {@link #held}.
   */
  private final Deque<Object> resends = new ArrayDeque<>();

  /**
   * A say ({@link ClientRequest.Say}) or command ({@link Command}) the server refused as over its
   * rate, to send again before anything else; null when there is none. Only the last frame sent is
   * sent again: one with frames after it would land behind them, perhaps in another room.
   */
  private Object retry;

  /** The last say or command sent on this link (pings aside). */
  private Object lastSent;

  /** What the server said this connection may send; null until a welcome says it. */
  private ServerEvent.Limits limits;

  /**
   * Frames the server's rate limit would take now, as this client counts them ({@link #limits}).
   */
  private double tokens;

  private long tokensAtNanos;
  private ScheduledFuture<?> nextSend;

  /**
   * The nick this client had before a reconnect gave it a suffix instead (its lost connection still
   * held the nick): asked for again once the holder is seen leaving. Null when there is none.
   */
  private String nickToTakeBack;

  /** Says the server refused for good (too long, unavailable, ...), for the exit code. */
  private int refused;

  /** When a say last went out or was acked: the end of input waits as long as there is progress. */
  private long progressNanos;

  private boolean inputEnded;
  private boolean closing;
  private int exitAfterClose;
  private long lastHeardNanos;
  private long giveUpAtNanos;
  private Link.Ended lostBecause;

  /**
   * Whether a connection was lost and no session has stayed live for a keepalive period since: a
   * server that takes the upgrade and then breaks the connection, before the replay ends or soon
   * after, has not brought the session back, so its losses neither restart the reconnect timeout
   * nor shorten the backoff.
   */
  private boolean outage;

  /** When the session last went live during an {@link #outage}; -1 if it has not. */
  private long liveDuringOutageNanos = -1;

  private String lastAttemptFailure;
  private ScheduledFuture<?> nextAttempt;

  /**
   * @param url the URL the first connection was opened to (with {@code nick} and {@code room})
   * @param shownUrl the URL as the user gave it, for messages
   * @param askedNick the nick asked for, or null
   */
  JsonSession(
      URI url,
      String shownUrl,
      String askedNick,
      Timing timing,
      Console console,
      Connector connector,
      ZoneId zone,
      RandomGenerator random) {
    this.url = url;
    this.shownUrl = shownUrl;
    this.askedNick = askedNick;
    this.timing = timing;
    this.console = console;
    this.connector = connector;
    this.format = new EventFormat(zone);
    this.outbox = Outbox.withRandomRefs(random);
    this.backoff = new Backoff(random);
    this.loop =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "chat-session");
              t.setDaemon(true);
              loopThread = t;
              return t;
            });
    loop.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    loop.setRemoveOnCancelPolicy(true);
  }

  @Override
  public void start(Link first) {
    long period = timing.keepalive().toNanos() / 2;
    hop(
        () -> {
          attach(first, false);
          loop.scheduleWithFixedDelay(this::checkAlive, period, period, TimeUnit.NANOSECONDS);
        });
  }

  @Override
  public void onLine(String line) {
    hop(() -> typed(line));
  }

  @Override
  public void onInputEnd() {
    hop(this::inputEnded);
  }

  @Override
  public CompletionStage<Integer> exitCode() {
    return exitCode;
  }

  private boolean inLoop() {
    return Thread.currentThread() == loopThread;
  }

  /** Runs {@code task} on the session's thread; false once the session is over. */
  private boolean hop(Runnable task) {
    try {
      loop.execute(task);
      return true;
    } catch (RejectedExecutionException e) {
      return false;
    }
  }

  private void attach(Link newLink, boolean isResumed) {
    assert inLoop();
    int gen = ++generation;
    link = newLink;
    resumed = isResumed;
    live = false;
    replaying = true;
    pingsSent = 0;
    pongsSeen = 0;
    finalPing = 0;
    lastSent = null;
    for (Command command : commands) {
      command.pong = Long.MAX_VALUE; // not sent on this link yet: no pong of its sees it through
    }
    welcomesOnLink = 0;
    lastHeardNanos = System.nanoTime();
    newLink.ended().whenComplete((ended, failure) -> hop(() -> onEnded(gen, ended)));
    newLink.start(frame -> hop(() -> onFrame(gen, frame)));
  }

  private void onFrame(int gen, String frame) {
    assert inLoop();
    if (gen != generation) {
      return;
    }
    lastHeardNanos = System.nanoTime();
    ServerEvent event;
    try {
      event = codec.decode(frame);
    } catch (MalformedEventException e) {
      console.error("! unreadable event from the server: " + EventFormat.clean(e.getMessage()));
      return;
    }
    event.accept(this);
  }

  @Override
  public void on(ServerEvent.Welcome welcome) {
    welcomesOnLink++;
    if (welcomesOnLink == 1) {
      limits = welcome.limits();
      // The server's allowance is full when a connection opens; this client's is a little less.
      tokens = allowance();
      tokensAtNanos = System.nanoTime();
    }
    replaying = true;
    room = welcome.room();
    nick = welcome.nick();
    addr = welcome.addr();
    boolean suffixed = askedNick != null && !askedNick.equalsIgnoreCase(String.valueOf(nick));
    if (!welcomed) {
      welcomed = true;
      console.show(format.welcome(welcome));
      if (suffixed) {
        console.show(format.whereYouAre(welcome));
      }
    } else if (welcomesOnLink > 1) {
      // After a join: the new room's replay follows, and ids of the old room mean nothing there.
      lastShownId = null;
      nickToTakeBack = null;
      console.show(format.whereYouAre(welcome));
    } else {
      console.show("* reconnected");
      if (suffixed) {
        console.show(format.whereYouAre(welcome));
        // Most likely held by this client's own lost connection, until the server sees it gone.
        nickToTakeBack = askedNick;
      }
    }
  }

  @Override
  public void on(ServerEvent.Message message) {
    console.show(format.message(message));
    lastShownId = message.id();
    outbox.shown(message.id());
    drainIfSettled();
  }

  @Override
  public void on(ServerEvent.Live ignored) {
    replaying = false;
    if (live) {
      drainIfSettled();
      return;
    }
    live = true;
    if (outage) {
      liveDuringOutageNanos = System.nanoTime();
    }
    if (resumed) {
      resend();
    }
    pump();
  }

  @Override
  public void on(ServerEvent.Gap gap) {
    console.show(EventFormat.GAP);
  }

  @Override
  public void on(ServerEvent.Ack ack) {
    if (outbox.ack(ack.ref(), ack.id())) {
      progressNanos = System.nanoTime();
    }
    drainIfSettled();
  }

  @Override
  public void on(ServerEvent.Presence presence) {
    console.show(format.presence(presence));
    if (!presence.joined()
        && !inputEnded
        && nickToTakeBack != null
        && presence.nicks().stream().anyMatch(nickToTakeBack::equalsIgnoreCase)) {
      held.add(new TypedLine.Nick(nickToTakeBack));
      nickToTakeBack = null;
      pump();
    }
  }

  @Override
  public void on(ServerEvent.NickChange change) {
    String me = nick != null ? nick : addr;
    if (me != null && me.equalsIgnoreCase(change.from())) {
      nick = change.to();
      askedNick = change.to();
      nickToTakeBack = null;
    }
    console.show(format.nickChange(change));
  }

  @Override
  public void on(ServerEvent.Who who) {
    console.show(format.who(who));
  }

  @Override
  public void on(ServerEvent.Pong pong) {
    pongsSeen++;
    while (!commands.isEmpty() && commands.peekFirst().pong <= pongsSeen) {
      commands.pollFirst();
    }
    if (finalPing > 0 && pongsSeen >= finalPing) {
      drainIfSettled();
    }
  }

  @Override
  public void on(ServerEvent.Error error) {
    ClientRequest.Say say = error.ref() == null ? null : outbox.unacked(error.ref());
    if (RATE_LIMITED.equals(error.code())) {
      // A say names itself; a command does not, but it is the oldest not seen through, since the
      // server answers in order and a ping is never refused as too fast.
      Object refusedOne = say != null ? say : commands.peekFirst();
      if (refusedOne != null && refusedOne == lastSent) {
        // Sent faster than the server takes them after all: sent again once it does.
        retry = refusedOne;
        lastSent = null;
        tokens = 0;
        tokensAtNanos = System.nanoTime();
        pump();
        return;
      }
    }
    console.error(format.error(error));
    if (say != null) {
      outbox.drop(error.ref());
      refused++;
      drainIfSettled();
    }
  }

  @Override
  public void on(ServerEvent.Notice notice) {
    console.show(format.notice(notice));
  }

  @Override
  public void on(ServerEvent.Unknown unknown) {
    // A newer server's event: nothing this client can show.
  }

  private void typed(String line) {
    assert inLoop();
    if (inputEnded) {
      return;
    }
    TypedLine typed = TypedLine.parse(line);
    if (typed instanceof TypedLine.Quit) {
      inputEnded();
    } else if (typed instanceof TypedLine.Help) {
      console.show(TypedLine.HELP);
    } else if (typed instanceof TypedLine.Unknown unknown) {
      console.error("! unknown command " + unknown.command() + ", try /help");
    } else if (typed instanceof TypedLine.Misused misused) {
      console.error("! usage: " + misused.usage());
    } else if (typed instanceof TypedLine.Say say && tooLong(say.text())) {
      console.error("! message too long (max " + limits.bytes() + " bytes)");
      refused++;
    } else if (!(typed instanceof TypedLine.Blank)) {
      held.add(typed);
      pump();
    }
  }

  /** Whether the server said it takes no message as long as {@code text}. */
  private boolean tooLong(String text) {
    return limits != null
        && limits.bytes() > 0
        // As the server measures it: after the characters it removes.
        && SafeText.clean(text).getBytes(StandardCharsets.UTF_8).length > limits.bytes();
  }

  /**
   * Sends what waits, oldest first (says refused as over the rate, then what a reconnect sends
   * again, then lines typed), as fast as the server's rate allows, and comes back when it allows
   * more.
   */
  private void pump() {
    assert inLoop();
    if (link == null || !live || closing) {
      return;
    }
    while (retry != null || !resends.isEmpty() || !held.isEmpty()) {
      if (!takeToken()) {
        if (nextSend == null) {
          long wait = (long) Math.ceil((1 - tokens) / rateAllowed() * 1e9);
          nextSend =
              loop.schedule(
                  () -> {
                    nextSend = null;
                    pump();
                  },
                  Math.max(wait, 1_000_000),
                  TimeUnit.NANOSECONDS);
        }
        return;
      }
      if (retry != null || !resends.isEmpty()) {
        Object next = retry != null ? retry : resends.pollFirst();
        retry = null;
        if (next instanceof Command command) {
          send(command);
        } else {
          sendSay((ClientRequest.Say) next);
        }
      } else {
        send(held.poll());
      }
    }
    drainIfSettled();
  }

  /** Takes one frame's worth of the rate allowance; false if there is none yet. */
  private boolean takeToken() {
    if (limits == null || limits.rate() == 0) {
      return true;
    }
    long now = System.nanoTime();
    tokens = Math.min(allowance(), tokens + (now - tokensAtNanos) * rateAllowed() / 1e9);
    tokensAtNanos = now;
    if (tokens < 1) {
      return false;
    }
    tokens--;
    return true;
  }

  /**
   * The burst this client allows itself: a little under the server's, since frames sent apart may
   * arrive together.
   */
  private double allowance() {
    return limits == null ? 0 : Math.max(1, limits.burst() - 2);
  }

  /** The rate this client allows itself: a tenth under the server's. */
  private double rateAllowed() {
    return limits.rate() * 0.9;
  }

  private void sendSay(ClientRequest.Say say) {
    link.send(codec.encode(say));
    lastSent = say;
    progressNanos = System.nanoTime();
  }

  private void send(TypedLine typed) {
    assert inLoop() && link != null && live;
    if (typed instanceof TypedLine.Say say) {
      sendSay(outbox.add(say.text(), say.action()));
      return;
    }
    ClientRequest request;
    if (typed instanceof TypedLine.Nick n) {
      request = new ClientRequest.SetNick(n.nick());
    } else if (typed instanceof TypedLine.Join join) {
      request = new ClientRequest.Join(join.room());
    } else if (typed instanceof TypedLine.Who) {
      request = new ClientRequest.Who();
    } else {
      throw new IllegalArgumentException("line: " + typed + " (expected: one to send)");
    }
    Command command = new Command(request, outbox.issued());
    commands.addLast(command);
    send(command);
  }

  /** Sends {@code command} on the link, with the ping whose pong will see it through. */
  private void send(Command command) {
    link.send(codec.encode(command.request));
    lastSent = command;
    command.pong = ping();
  }

  /** Sends a ping; returns its number on this link. */
  private long ping() {
    link.send(codec.encode(new ClientRequest.Ping()));
    return ++pingsSent;
  }

  /**
   * After a reconnect: the says still unacked and the commands not seen through, in the order they
   * were first sent (a say after a {@code /join} must follow the join again).
   */
  private void resend() {
    resends.clear();
    retry = null;
    Deque<Command> pending = new ArrayDeque<>(commands);
    for (ClientRequest.Say say : outbox.unacked()) {
      long number = outbox.number(say.ref());
      while (!pending.isEmpty() && pending.peekFirst().saysBefore < number) {
        resends.addLast(pending.pollFirst());
      }
      resends.addLast(say);
    }
    resends.addAll(pending);
  }

  /** A command sent, with how many says were made before it and the pong that sees it through. */
  private static final class Command {
    final ClientRequest request;
    final long saysBefore;
    long pong;

    Command(ClientRequest request, long saysBefore) {
      this.request = request;
      this.saysBefore = saysBefore;
    }
  }

  private void inputEnded() {
    assert inLoop();
    if (inputEnded) {
      return;
    }
    inputEnded = true;
    progressNanos = System.nanoTime();
    loop.schedule(this::drainTimedOut, timing.drainTimeout().toMillis(), TimeUnit.MILLISECONDS);
    drainIfSettled();
  }

  private void drainIfSettled() {
    assert inLoop();
    if (!inputEnded
        || closing
        || !held.isEmpty()
        || !resends.isEmpty()
        || retry != null
        || !outbox.settled()) {
      return;
    }
    if (link == null) {
      closeAndExit(refusedExitCode());
    } else if (!live) {
      return;
    } else if (finalPing == 0) {
      // The server answers a connection's frames in order: the pong comes after the answers to
      // everything sent before it (a join's replay may still follow; live ends it).
      finalPing = ping();
    } else if (pongsSeen >= finalPing && !replaying) {
      closeAndExit(refusedExitCode());
    }
  }

  /** 1 after saying how many says the server refused, if it refused any; else 0. */
  private int refusedExitCode() {
    if (refused == 0) {
      return 0;
    }
    console.error(
        refused + (refused == 1 ? " message was" : " messages were") + " refused, see above");
    return 1;
  }

  private void drainTimedOut() {
    assert inLoop();
    if (closing) {
      return;
    }
    long sinceProgress = System.nanoTime() - progressNanos;
    if (live && sinceProgress < timing.drainTimeout().toNanos()) {
      // Still sending (as fast as the server's rate allows) and being answered: wait on.
      loop.schedule(
          this::drainTimedOut,
          timing.drainTimeout().toNanos() - sinceProgress,
          TimeUnit.NANOSECONDS);
      return;
    }
    if (!reportUnconfirmed("within " + human(timing.drainTimeout()))) {
      closeAndExit(refusedExitCode());
      return;
    }
    closeAndExit(1);
  }

  /**
   * Says on stderr how many messages the server has not confirmed ({@code when}), if any; returns
   * whether there were any.
   */
  private boolean reportUnconfirmed(String when) {
    long unconfirmed =
        outbox.unackedCount() + held.stream().filter(TypedLine.Say.class::isInstance).count();
    if (unconfirmed == 0) {
      return false;
    }
    console.error(
        unconfirmed
            + (unconfirmed == 1 ? " message was" : " messages were")
            + " not confirmed by "
            + shownUrl
            + " "
            + when
            + " and may not have been delivered");
    return true;
  }

  private void closeAndExit(int code) {
    assert inLoop();
    closing = true;
    exitAfterClose = code;
    cancelNextAttempt();
    if (link == null) {
      finish(code);
      return;
    }
    Link closingLink = link;
    closingLink.close();
    loop.schedule(
        () -> {
          closingLink.abort();
          finish(code);
        },
        CLOSE_TIMEOUT.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  private void onEnded(int gen, Link.Ended ended) {
    assert inLoop();
    if (gen != generation) {
      return;
    }
    link = null;
    live = false;
    if (closing || ended.byUs()) {
      finish(exitAfterClose);
      return;
    }
    lost(ended);
  }

  /** Pings a quiet server, and gives up on a connection that stayed silent even so. */
  private void checkAlive() {
    assert inLoop();
    if (link == null || closing) {
      return;
    }
    long silent = System.nanoTime() - lastHeardNanos;
    if (silent >= 2 * timing.keepalive().toNanos()) {
      Link dead = link;
      generation++;
      link = null;
      live = false;
      dead.abort();
      lost(
          new Link.Ended(
              1006,
              "no answer for " + human(timing.keepalive().multipliedBy(2)),
              new TimeoutException(),
              false));
    } else if (silent >= timing.keepalive().toNanos()) {
      ping();
    }
  }

  private void lost(Link.Ended ended) {
    assert inLoop();
    boolean finalClose = ended.error() == null && FINAL_CLOSE_CODES.contains(ended.code());
    if (finalClose || timing.reconnectTimeout().isZero()) {
      console.error("connection to " + shownUrl + " lost (" + ended.describe() + ")");
      reportUnconfirmed("before the connection was lost");
      finish(1);
      return;
    }
    if (outage
        && (liveDuringOutageNanos < 0
            || System.nanoTime() - liveDuringOutageNanos < timing.keepalive().toNanos())) {
      lastAttemptFailure = ended.describe();
      scheduleAttempt("* connection lost again (" + ended.describe() + "), reconnecting");
      return;
    }
    outage = true;
    liveDuringOutageNanos = -1;
    lostBecause = ended;
    lastAttemptFailure = null;
    giveUpAtNanos = System.nanoTime() + timing.reconnectTimeout().toNanos();
    backoff.reset();
    scheduleAttempt("* connection lost (" + ended.describe() + "), reconnecting");
  }

  private void scheduleAttempt(String notice) {
    assert inLoop();
    long remaining = giveUpAtNanos - System.nanoTime();
    if (remaining <= 0) {
      giveUp();
      return;
    }
    long delay = Math.min(backoff.next().toNanos(), remaining);
    console.show(notice + " in " + seconds(delay));
    nextAttempt = loop.schedule(this::attempt, delay, TimeUnit.NANOSECONDS);
  }

  private void attempt() {
    assert inLoop();
    nextAttempt = null;
    connector
        .open(reconnectUrl())
        .whenComplete(
            (opened, failure) -> {
              if (!hop(() -> attempted(opened, failure)) && opened != null) {
                opened.abort();
              }
            });
  }

  private void attempted(Link opened, Throwable failure) {
    assert inLoop();
    if (closing || exitCode.isDone()) {
      if (opened != null) {
        opened.abort();
      }
      return;
    }
    if (failure != null) {
      Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
      ConnectFailure connectFailure =
          cause instanceof ConnectFailure f
              ? f
              : new ConnectFailure(shownUrl, String.valueOf(cause), false, cause);
      lastAttemptFailure = connectFailure.reason();
      if (connectFailure.permanent()) {
        console.error(
            "connection to "
                + shownUrl
                + " lost ("
                + lostBecause.describe()
                + "); cannot reconnect: "
                + connectFailure.reason());
        finish(1);
        return;
      }
      scheduleAttempt("* cannot reconnect (" + connectFailure.reason() + "), retrying");
      return;
    }
    if (!WireProtocol.JSON_SUBPROTOCOL.equals(opened.subprotocol())) {
      opened.abort();
      console.error(
          "connection to "
              + shownUrl
              + " lost; the server came back without "
              + WireProtocol.JSON_SUBPROTOCOL);
      finish(1);
      return;
    }
    attach(opened, true);
  }

  private void giveUp() {
    assert inLoop();
    console.error(
        "connection to "
            + shownUrl
            + " lost ("
            + lostBecause.describe()
            + "); no reconnect within "
            + human(timing.reconnectTimeout())
            + (lastAttemptFailure == null ? "" : " (last try: " + lastAttemptFailure + ")"));
    reportUnconfirmed("before giving up");
    finish(1);
  }

  /** The URL to resume at: the nick and room we are in now, after the last message shown. */
  private URI reconnectUrl() {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("nick", askedNick);
    params.put("room", room);
    params.put("since", lastShownId);
    return ChatUrl.withParams(url, params);
  }

  private void cancelNextAttempt() {
    if (nextAttempt != null) {
      nextAttempt.cancel(false);
      nextAttempt = null;
    }
  }

  private void finish(int code) {
    assert inLoop();
    if (exitCode.isDone()) {
      return;
    }
    cancelNextAttempt();
    if (link != null) {
      link.abort();
      link = null;
    }
    loop.shutdown();
    exitCode.complete(code);
  }

  static String seconds(long nanos) {
    return String.format(Locale.ROOT, "%.1f s", nanos / 1e9);
  }

  static String human(Duration d) {
    if (d.toMillis() % 60_000 == 0 && !d.isZero()) {
      return d.toMinutes() + "m";
    }
    if (d.toMillis() % 1000 == 0) {
      return d.toSeconds() + "s";
    }
    return d.toMillis() + "ms";
  }
}
