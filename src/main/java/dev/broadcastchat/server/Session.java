package dev.broadcastchat.server;

import dev.broadcastchat.bus.BusUnavailableException;
import dev.broadcastchat.bus.Draft;
import dev.broadcastchat.bus.Replay;
import dev.broadcastchat.protocol.ChatMessage;
import dev.broadcastchat.protocol.ClientCommand;
import dev.broadcastchat.protocol.ErrorCode;
import dev.broadcastchat.protocol.JsonCodec;
import dev.broadcastchat.protocol.Names;
import dev.broadcastchat.protocol.SafeText;
import dev.broadcastchat.protocol.ServerEvent;
import dev.broadcastchat.protocol.TextCodec;
import dev.broadcastchat.protocol.WireProtocol;
import dev.broadcastchat.room.Batch;
import dev.broadcastchat.room.Envelope;
import dev.broadcastchat.room.Member;
import dev.broadcastchat.room.Room;
import dev.broadcastchat.room.WebSocketFrames;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.EventLoop;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.unix.Socket;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One chat connection after its handshake: who it is, which room it is in, what it may send, and
 * how broadcasts reach it (live, or held back while its replay is written).
 *
 * <p>Confined to its channel's event loop: every method runs there; completions from the bus hop
 * onto it first.
 */
final class Session extends KeepAlive.Peer implements Member {
  private static final Logger log = LoggerFactory.getLogger(Session.class);

  /** How much text may wait for a claim before reads pause: see {@link #waitingChars}. */
  private static final int WAITING_CHARS = 65_536;

  /** What a waiting frame is charged besides its text: its place in the queue. */
  private static final int FRAME_CHARGE = 64;

  /** Numbers the nick claims of every connection of this process, for their tokens. */
  private static final AtomicLong CLAIMS = new AtomicLong();

  /** How long a closing connection may take to read its close frame before it is cut. */
  static final long CLOSE_GRACE_MILLIS = 5_000;

  private final Channel channel;

  /**
   * Where encoded broadcast frames enter the pipeline: the WebSocket encoder's context, so that
   * they skip the handlers that only frame objects need and go straight towards the socket.
   */
  private final ChannelHandlerContext frameWriter;

  private final String connectionId;
  private final String addr;
  private final WireProtocol protocol;

  /** Made when the member first sends: most members of a large room only read. */
  private RateLimiter rateLimiter;

  private final Tokens.Identity identity;
  private final SessionServices services;

  /** Closes the connection when its token expires; cancelled when it closes first. */
  private java.util.concurrent.ScheduledFuture<?> expiry;

  private final long openedAtNanos = System.nanoTime();

  private Room room;
  private String lastRoomName;
  private String nick;
  private boolean closing;
  private int closeCode = -1;
  private boolean wroteSinceFlush;

  /** See {@link Member#roomSlot()}. */
  private int roomSlot = -1;

  /** What waits for the session's start (see {@link #start}); null once it has run. */
  private Runnable started;

  /** The token of this member's claim on its nick across the nodes (see Bus#claimNick), or null. */
  private String nickToken;

  /** Whether a claim on other nodes is waiting for its answer (one at a time: frames wait). */
  private boolean claimOut;

  /**
   * Frames that came while a nick was being claimed across the nodes, each as what handles it, run
   * in order once it is; null the rest of the time.
   */
  private ArrayDeque<Runnable> waiting;

  /**
   * Characters of text in {@link #waiting}, and {@link #FRAME_CHARGE} a frame. Past {@link
   * #WAITING_CHARS} reads pause until the claim is answered; below it they go on, so that a
   * connection that sends and closes at once is read to its end (a peer's close is noticed whether
   * reads pause or not, and what it sent before would be lost unread).
   */
  private int waitingChars;

  /**
   * The connection ended while a claim was out: what it sent before is still handled, once the
   * claim is answered, and then the session ends.
   */
  private boolean peerGone;

  /** Bumped on every room change, so a replay that arrives for an earlier room is dropped. */
  private int joinGeneration;

  /** False while a replay is being written: live broadcasts wait in {@link #held}. */
  private boolean live;

  /** Messages up to this sequence number are covered by the replay. */
  private long replayedThrough = Long.MIN_VALUE;

  // Both exist only while a replay is under way, null for the rest of a connection's life: an idle
  // connection's every byte counts when a server holds tens of thousands.
  private ArrayDeque<ChatMessage> replayQueue;
  private ArrayDeque<Envelope> held;
  private long heldBytes;

  Session(
      Channel channel,
      ChannelHandlerContext frameWriter,
      String addr,
      WireProtocol protocol,
      Tokens.Identity identity,
      SessionServices services) {
    this.channel = channel;
    this.frameWriter = frameWriter;
    this.connectionId = channel.id().asShortText();
    this.addr = addr;
    this.protocol = protocol;
    this.identity = identity;
    this.services = services;
  }

  @Override
  public int roomSlot() {
    return roomSlot;
  }

  @Override
  public void roomSlot(int slot) {
    roomSlot = slot;
  }

  String connectionId() {
    return connectionId;
  }

  String addr() {
    return addr;
  }

  int closeCode() {
    return closeCode;
  }

  long openedAtNanos() {
    return openedAtNanos;
  }

  /** Whether this session has sent its close frame (and reads nothing but the peer's answer). */
  boolean closing() {
    return closing;
  }

  /** The last room this connection was in, for the log line when it closes. */
  String lastRoomName() {
    return lastRoomName;
  }

  String roomName() {
    return room == null ? null : room.name();
  }

  String nick() {
    return nick;
  }

  @Override
  public EventLoop loop() {
    return channel.eventLoop();
  }

  @Override
  public WireProtocol protocol() {
    return protocol;
  }

  /** How this member is shown to others: its nick, else its address. */
  String displayName() {
    return nick != null ? nick : addr;
  }

  /**
   * Starts the session in {@code roomName} as {@code requestedNick} (null for none), resuming after
   * {@code since} (null for the kept history). A bad room or nick is answered and closed with 1008.
   * With a token, the nick is the token's subject, whatever was asked for, and the connection is
   * closed with 1008 when the token expires. {@code started} (null for nothing) runs once the
   * session is in its room, or is refused or ends before it gets there: at once with a single node,
   * after a nick's claim with a shared bus.
   */
  void start(String roomName, String requestedNick, String since, Runnable started) {
    assert loop().inEventLoop();
    this.started = started;
    lastRoomName = roomName;
    if (identity != null) {
      requestedNick = identity.nick();
      scheduleExpiry(identity.expiresAt());
    }
    String problem = Names.roomProblem(roomName);
    if (problem == null && requestedNick != null) {
      problem = nickProblem(requestedNick);
    }
    if (problem != null) {
      send(new ServerEvent.Error(ErrorCode.BAD_NAME, problem, null));
      close(WebSocketCloseStatus.POLICY_VIOLATION.code(), problem);
      started();
      return;
    }
    problem = roomLimitProblem(roomName);
    if (problem != null) {
      send(new ServerEvent.Error(ErrorCode.UNAVAILABLE, problem, null));
      close(WebSocketCloseStatus.POLICY_VIOLATION.code(), problem);
      started();
      return;
    }
    enter(roomName, requestedNick, since, true);
  }

  /** Runs what waits for the session's start, once: when it has entered its room, or will not. */
  private void started() {
    Runnable then = started;
    if (then != null) {
      started = null;
      then.run();
    }
  }

  private void scheduleExpiry(java.time.Instant expiresAt) {
    if (expiresAt == null) {
      return;
    }
    long millis = Math.max(0, expiresAt.toEpochMilli() - System.currentTimeMillis());
    expiry =
        channel
            .eventLoop()
            .schedule(
                () -> {
                  if (!closing) {
                    close(
                        WebSocketCloseStatus.POLICY_VIOLATION.code(),
                        refused(Refusals.Reason.TOKEN_EXPIRED, "token expired"));
                  }
                },
                millis,
                TimeUnit.MILLISECONDS);
  }

  /** Why {@code requested} may not be a nick here, or null. */
  private String nickProblem(String requested) {
    String problem = Names.nickProblem(requested);
    if (problem == null
        && services.config().security().hideAddresses()
        && GuestNames.looksLikeGuest(requested)) {
      problem = "bad nick: " + GuestNames.PREFIX + "names are kept for members without a nick";
    }
    return problem;
  }

  /**
   * Why this connection may not enter {@code roomName} now (too many rooms on this node, or the
   * room is full), or null. Counted and logged when refused.
   */
  private String roomLimitProblem(String roomName) {
    SecurityConfig security = services.config().security();
    Room existing = services.rooms().get(roomName);
    if (existing == null
        && services.rooms().count() >= security.maxRooms()
        // Rooms emptied since the last sweep make way at once, rather than within a minute.
        && (services.rooms().dropEmpty() == 0 || services.rooms().count() >= security.maxRooms())) {
      return refused(
          Refusals.Reason.MAX_ROOMS,
          "unavailable: too many rooms (max " + security.maxRooms() + ")");
    }
    if (existing != null && existing.occupants() >= security.maxRoomMembers()) {
      return refused(
          Refusals.Reason.ROOM_FULL,
          "unavailable: room " + roomName + " is full (max " + security.maxRoomMembers() + ")");
    }
    return null;
  }

  /** Counts and logs a refusal of this connection; returns {@code why}, the answer it gets. */
  private String refused(Refusals.Reason reason, String why) {
    services.refusals().refused(reason, connectionId, addr, why);
    return why;
  }

  private void enter(String roomName, String requestedNick, String since, boolean first) {
    joinGeneration++;
    Room target = services.rooms().enter(roomName);
    if (requestedNick == null || identity != null) {
      // With a token, every connection of one subject shows the same nick: the token proves who
      // it is.
      entered(target, requestedNick, since, first);
    } else {
      claimFirstFree(
          target, requestedNick, 1, claimed -> entered(target, claimed, since, first), target);
    }
  }

  private void entered(Room target, String claimedNick, String since, boolean first) {
    String roomName = target.name();
    nick = claimedNick;
    room = target;
    lastRoomName = roomName;
    started();
    if (first || protocol == WireProtocol.JSON) {
      send(new ServerEvent.Welcome(roomName, nick, addr, services.limits()));
    } else {
      send(new ServerEvent.Notice("* you are in " + roomName + " as " + displayName()));
    }
    live = protocol == WireProtocol.TEXT;
    replayedThrough = Long.MIN_VALUE;
    target.join(this, displayName());
    if (!live) {
      int generation = joinGeneration;
      services
          .bus()
          .replay(roomName, since)
          .whenComplete(
              (replay, error) -> onLoop(() -> onReplay(generation, since, replay, error)));
    }
    channel.flush();
  }

  /**
   * Claims {@code base}, or the first of {@code base_2}, {@code base_3}... from the {@code n}th on
   * that no member of {@code target} holds on any node, then calls {@code then} with it. {@code
   * reserved}, if not null, is the room whose place is given up should the connection end first.
   */
  private void claimFirstFree(
      Room target, String base, int n, Consumer<String> then, Room reserved) {
    int choice = n;
    while (!target.claimNick(Names.withSuffix(base, choice), this)) {
      choice++;
    }
    String candidate = Names.withSuffix(base, choice);
    int next = choice + 1;
    claimOnEveryNode(
        target,
        candidate,
        claimed -> {
          if (claimed) {
            then.accept(candidate);
          } else {
            target.releaseNick(candidate, this);
            claimFirstFree(target, base, next, then, reserved);
          }
        },
        reserved);
  }

  /**
   * Claims {@code candidate}, which this member holds in {@code target} on this node, on every
   * node, then calls {@code then} with whether it got it, on this loop. A single node answers at
   * once; a shared bus may take a round trip, and while it does the frames that come wait their
   * turn (see {@link #waitingChars}). If the bus cannot answer, the nick is held on this node
   * alone. Should the session be closed first, the claim is given up (and {@code reserved}'s place,
   * if given) and {@code then} is not called; a peer that went away meanwhile has what it sent
   * handled first, as if it were still there (see {@link #peerGone}).
   */
  private void claimOnEveryNode(
      Room target, String candidate, Consumer<Boolean> then, Room reserved) {
    String token = Long.toString(CLAIMS.incrementAndGet(), 36);
    CompletableFuture<Boolean> claim =
        services.bus().claimNick(target.name(), candidate, token).toCompletableFuture();
    if (claim.isDone()) {
      // A single node answers at once, and so does a shared bus that knows it cannot reach Redis.
      Boolean claimed = null;
      Throwable error = null;
      try {
        claimed = claim.join();
      } catch (CompletionException e) {
        error = e;
      }
      onClaimed(target, candidate, token, claimed, error, then, reserved);
      return;
    }
    claimOut = true;
    if (waiting == null) {
      waiting = new ArrayDeque<>();
    }
    claim.whenComplete(
        (claimed, error) ->
            onLoop(
                () -> {
                  claimOut = false;
                  onClaimed(target, candidate, token, claimed, error, then, reserved);
                  if (!claimOut) {
                    resumeReads();
                  }
                }));
  }

  private void onClaimed(
      Room target,
      String candidate,
      String token,
      Boolean claimed,
      Throwable error,
      Consumer<Boolean> then,
      Room reserved) {
    if (error != null) {
      services.metrics().busError();
      log.debug(
          "conn {} {} nick {} held on this node only: {}", connectionId, addr, candidate, error);
      // The token is kept: a claim that timed out may still be made, late, and must be given up
      // with the rest.
      claimed = true;
    }
    if (closing) {
      target.releaseNick(candidate, this);
      if (claimed) {
        services.bus().releaseNick(target.name(), candidate, token);
      }
      if (reserved != null) {
        reserved.unreserve();
      }
      return;
    }
    if (claimed) {
      if (nickToken != null && room != null) {
        services.bus().releaseNick(room.name(), nick, nickToken);
      }
      nickToken = token;
    }
    then.accept(claimed);
  }

  /**
   * Queues a frame's handling behind a claim, charged {@code chars} and a little more for itself;
   * past {@link #WAITING_CHARS} reads pause until the claim is answered.
   */
  private void queueBehindClaim(Runnable handling, int chars) {
    waiting.add(handling);
    waitingChars += chars + FRAME_CHARGE;
    if (waitingChars > WAITING_CHARS) {
      channel.config().setAutoRead(false);
    }
  }

  /** Handles the frames that waited for a claim, until one starts another claim. */
  private void resumeReads() {
    ArrayDeque<Runnable> frames = waiting;
    waiting = null;
    Runnable frame;
    while (!claimOut && !closing && (frame = frames.poll()) != null) {
      frame.run();
    }
    if (claimOut) {
      // What is left waits for the new claim, still counted (as the frames handled, too).
      waiting.addAll(frames);
      return;
    }
    waitingChars = 0;
    if (peerGone) {
      onClosed();
    } else {
      // Closing too: the peer's close frame is still to be read.
      channel.config().setAutoRead(true);
    }
  }

  /** A binary frame, which this server does not take: the connection is closed with 1003. */
  void onBinaryFrame() {
    assert loop().inEventLoop();
    if (waiting != null && !closing) {
      queueBehindClaim(this::onBinaryFrame, 0);
      return;
    }
    close(WebSocketCloseStatus.INVALID_MESSAGE_TYPE.code(), "binary frames are not supported");
  }

  private void onReplay(int generation, String since, Replay replay, Throwable error) {
    if (closing || generation != joinGeneration) {
      return;
    }
    if (error != null) {
      services.metrics().busError();
      send(
          new ServerEvent.Error(
              ErrorCode.UNAVAILABLE, "unavailable: history could not be read", null));
      replay = new Replay(java.util.List.of(), false, Long.MIN_VALUE);
    }
    replayedThrough = replay.throughSeq();
    if (replay.gap()) {
      send(new ServerEvent.Gap(since));
    }
    replayQueue = new ArrayDeque<>(replay.messages());
    pumpReplay();
  }

  /** Writes the replay as fast as the connection drains it, then goes live. */
  private void pumpReplay() {
    while (!replayQueue.isEmpty() && channel.isWritable()) {
      send(new ServerEvent.Message(replayQueue.pollFirst(), true));
    }
    if (!replayQueue.isEmpty()) {
      channel.flush();
      return;
    }
    replayQueue = null;
    send(new ServerEvent.Live());
    live = true;
    if (held != null) {
      Envelope envelope;
      while ((envelope = held.pollFirst()) != null) {
        try {
          services.metrics().wrote(write(envelope));
        } finally {
          envelope.release();
        }
      }
      held = null;
    }
    heldBytes = 0;
    channel.flush();
  }

  /** The channel can take more: continue a replay that was waiting for it. */
  void onWritable() {
    if (!live && replayQueue != null && !closing) {
      pumpReplay();
    }
  }

  /** One text frame from the client. */
  void onFrame(String text) {
    assert loop().inEventLoop();
    if (closing) {
      return;
    }
    if (waiting != null) {
      queueBehindClaim(() -> onFrame(text), text.length());
      return;
    }
    ClientCommand command =
        protocol == WireProtocol.JSON ? JsonCodec.decode(text) : TextCodec.parse(text);
    if (command instanceof ClientCommand.Say) {
      services.metrics().messageReceived();
    }
    if (!(command instanceof ClientCommand.Ping)) {
      if (rateLimiter == null) {
        // Full at the open, as if it had been there since.
        rateLimiter =
            new RateLimiter(services.config().rate(), services.config().burst(), openedAtNanos);
      }
      switch (rateLimiter.acquire(System.nanoTime())) {
        case ALLOWED -> {}
        case REFUSED -> {
          services.metrics().rateLimited();
          send(
              new ServerEvent.Error(
                  ErrorCode.RATE_LIMITED,
                  "slow down: at most " + services.config().rate() + " messages per second",
                  command.ref()));
          channel.flush();
          return;
        }
        case ABUSE -> {
          services.metrics().flooderClosed();
          log.info("conn {} {} closed for flooding", connectionId, addr);
          close(WebSocketCloseStatus.POLICY_VIOLATION.code(), "rate limit exceeded");
          return;
        }
      }
    }
    if (command instanceof ClientCommand.Say say) {
      say(say);
    } else if (command instanceof ClientCommand.SetNick setNick) {
      setNick(setNick.nick());
    } else if (command instanceof ClientCommand.JoinRoom join) {
      joinRoom(join.room());
    } else if (command instanceof ClientCommand.Who) {
      who();
    } else if (command instanceof ClientCommand.Ping) {
      send(new ServerEvent.Pong());
    } else if (command instanceof ClientCommand.Help) {
      send(new ServerEvent.Notice(TextCodec.HELP));
    } else if (command instanceof ClientCommand.Invalid invalid) {
      send(new ServerEvent.Error(invalid.code(), invalid.message(), invalid.ref()));
    }
    channel.flush();
  }

  private void say(ClientCommand.Say say) {
    String text = SafeText.clean(say.text());
    int bytes = ByteBufUtil.utf8Bytes(text);
    if (bytes > services.config().maxMessageBytes()) {
      send(
          new ServerEvent.Error(
              ErrorCode.TOO_LONG,
              "message too long (max " + services.config().maxMessageBytes() + " bytes)",
              say.ref()));
      return;
    }
    String ref = say.ref();
    long started = System.nanoTime();
    services
        .bus()
        .publish(new Draft(room.name(), displayName(), addr, text, say.action(), ref))
        .whenComplete(
            (message, error) -> {
              if (error == null) {
                services.metrics().published(System.nanoTime() - started);
              } else {
                services.metrics().busError();
              }
              onLoop(() -> onPublished(ref, message, error));
            });
  }

  private void onPublished(String ref, ChatMessage message, Throwable error) {
    if (closing) {
      return;
    }
    if (error != null) {
      send(new ServerEvent.Error(ErrorCode.UNAVAILABLE, unavailable(error, "send failed"), ref));
      channel.flush();
    } else if (ref != null) {
      send(new ServerEvent.Ack(ref, message.id()));
      channel.flush();
    }
  }

  /**
   * Answers with the room's members on every node; on this one alone when the bus has no others.
   */
  private void who() {
    String roomName = room.name();
    int generation = joinGeneration;
    services
        .bus()
        .who(roomName, room.who(ServerEvent.Who.MAX_NAMES))
        .whenComplete((who, error) -> onLoop(() -> onWho(generation, who, error)));
  }

  private void onWho(int generation, ServerEvent.Who who, Throwable error) {
    if (closing || generation != joinGeneration) {
      return;
    }
    if (error != null) {
      send(
          new ServerEvent.Error(
              ErrorCode.UNAVAILABLE, unavailable(error, "members could not be listed"), null));
    } else {
      send(who);
    }
    channel.flush();
  }

  /** The text of an {@code unavailable} error for {@code error}, or {@code fallback}'s. */
  private static String unavailable(Throwable error, String fallback) {
    Throwable cause =
        error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    return "unavailable: "
        + (cause instanceof BusUnavailableException ? cause.getMessage() : fallback);
  }

  private void setNick(String requested) {
    if (identity != null) {
      send(
          new ServerEvent.Error(
              ErrorCode.FORBIDDEN,
              refused(
                  Refusals.Reason.NICK_FORBIDDEN,
                  "forbidden: your nick is " + nick + ", set by your token"),
              null));
      return;
    }
    String problem = nickProblem(requested);
    if (problem != null) {
      send(new ServerEvent.Error(ErrorCode.BAD_NAME, problem, null));
      return;
    }
    if (requested.equals(nick)) {
      send(new ServerEvent.Notice("* you are already known as " + nick));
      return;
    }
    if (!room.claimNick(requested, this)) {
      nickTaken(requested);
      return;
    }
    Room current = room;
    boolean sameKey = nick != null && Names.nickKey(nick).equals(Names.nickKey(requested));
    claimOnEveryNode(
        current,
        requested,
        claimed -> {
          if (claimed) {
            renamed(requested, sameKey);
          } else {
            if (!sameKey) {
              current.releaseNick(requested, this);
            }
            nickTaken(requested);
            channel.flush();
          }
        },
        null);
  }

  private void nickTaken(String requested) {
    send(new ServerEvent.Error(ErrorCode.NICK_TAKEN, "nick " + requested + " is taken", null));
  }

  /** {@code requested} is now this member's on every node: the rename takes effect. */
  private void renamed(String requested, boolean sameKey) {
    String before = displayName();
    if (nick != null && !sameKey) {
      room.releaseNick(nick, this);
    }
    nick = requested;
    room.rename(this, nick);
    ServerEvent.NickChange change = new ServerEvent.NickChange(room.name(), before, nick);
    int generation = joinGeneration;
    services
        .bus()
        .publishEvent(room.name(), change)
        .whenComplete(
            (published, error) -> {
              if (error != null) {
                onLoop(() -> onNickNotPublished(generation, change, error));
              }
            });
  }

  /**
   * The rename stands (this node shows the new nick, and the other nodes' lists catch up once the
   * bus is back), but the notice that would have confirmed it was lost, or is late: the member
   * hears of it here, and that the others may not have been told.
   */
  private void onNickNotPublished(int generation, ServerEvent.NickChange change, Throwable error) {
    if (closing || generation != joinGeneration) {
      return;
    }
    send(change);
    send(
        new ServerEvent.Error(
            ErrorCode.UNAVAILABLE,
            unavailable(error, "the other nodes could not be reached")
                + "; the others may not have been told of the new nick",
            null));
    channel.flush();
  }

  private void joinRoom(String roomName) {
    String problem = Names.roomProblem(roomName);
    if (problem != null) {
      send(new ServerEvent.Error(ErrorCode.BAD_NAME, problem, null));
      return;
    }
    if (roomName.equals(room.name())) {
      send(new ServerEvent.Notice("* you are in " + roomName + " as " + displayName()));
      return;
    }
    if (identity != null && !identity.allows(roomName)) {
      send(
          new ServerEvent.Error(
              ErrorCode.FORBIDDEN,
              refused(
                  Refusals.Reason.ROOM_FORBIDDEN,
                  "forbidden: room " + roomName + " is not allowed by your token"),
              null));
      return;
    }
    problem = roomLimitProblem(roomName);
    if (problem != null) {
      send(new ServerEvent.Error(ErrorCode.UNAVAILABLE, problem, null));
      return;
    }
    String keepNick = nick;
    leaveRoom();
    enter(roomName, keepNick, null, false);
  }

  @Override
  public int deliver(Batch batch) {
    assert loop().inEventLoop();
    if (closing) {
      return 0;
    }
    long minSeq = batch.minSeq();
    if (live && (minSeq == Envelope.NO_SEQ || minSeq > replayedThrough)) {
      // The common case: the whole batch, joined, in one write.
      ByteBuf frames = batch.frames(protocol);
      if (frames != null && !slowConsumer()) {
        int bytes = frames.readableBytes();
        int written = writeStraight(frames);
        if (written < bytes) {
          ByteBuf rest =
              written == 0
                  ? frames.retainedDuplicate()
                  : frames.retainedSlice(frames.readerIndex() + written, bytes - written);
          frameWriter.write(rest, frameWriter.voidPromise());
          wroteSinceFlush = true;
        }
        return bytes;
      }
      return 0;
    }
    int bytes = 0;
    for (int i = 0; i < batch.size() && !closing; i++) {
      bytes += deliver(batch.get(i));
    }
    return bytes;
  }

  /**
   * One broadcast, for a member that is replaying or whose replay overlaps the batch; returns the
   * bytes written now.
   */
  private int deliver(Envelope envelope) {
    if (envelope.seq() != Envelope.NO_SEQ && envelope.seq() <= replayedThrough) {
      return 0;
    }
    if (envelope.frame(protocol) == null) {
      return 0;
    }
    if (!live) {
      if (held == null) {
        held = new ArrayDeque<>();
      }
      held.addLast(envelope.retain());
      heldBytes += envelope.frameBytes(protocol);
      if (heldBytes > services.config().maxQueuedBytes()) {
        closeSlowConsumer();
      }
      return 0;
    }
    return slowConsumer() ? 0 : write(envelope);
  }

  /**
   * Whether this member has fallen too far behind (and is now being closed). Only a member whose
   * channel is unwritable is looked at closely: what this drain wrote to it so far is flushed
   * first, so that only a receiver the kernel cannot take more from counts as slow.
   */
  private boolean slowConsumer() {
    if (channel.isWritable()) {
      return false;
    }
    channel.flush();
    wroteSinceFlush = false;
    if (queuedBytes() > services.config().maxQueuedBytes()) {
      closeSlowConsumer();
      return true;
    }
    return false;
  }

  /**
   * Writes {@code frames} to the socket directly, the way Netty's epoll transport would after a
   * flush, when nothing is queued in the channel before them: a broadcast to a live receiver then
   * costs no pipeline pass, outbound entry, duplicate or flush. Only where frames reach the socket
   * as they are (epoll, no TLS), and only on the channel's loop, which is where the channel closes:
   * an open channel's socket is its own. Returns the bytes the kernel took, 0 when the frames are
   * to go through the pipeline (not such a channel, something queued, the socket full, an error).
   */
  private int writeStraight(ByteBuf frames) {
    if (!services.plainSockets()
        || !(channel instanceof EpollSocketChannel epoll)
        || !frames.hasMemoryAddress()
        || !channel.isActive()) {
      return 0;
    }
    ChannelOutboundBuffer queued = channel.unsafe().outboundBuffer();
    if (queued == null || queued.totalPendingWriteBytes() != 0) {
      return 0;
    }
    try {
      // send(2), as Netty does: write(2) on a socket also passes through the file layer.
      return ((Socket) epoll.fd())
          .sendAddress(frames.memoryAddress(), frames.readerIndex(), frames.writerIndex());
    } catch (IOException | RuntimeException e) {
      // Any error leaves the frames to the pipeline, whose write meets it again and handles it.
      return 0;
    }
  }

  /** Writes the envelope's frame unless the replay covered it; returns the bytes written. */
  private int write(Envelope envelope) {
    ByteBuf frame = envelope.frame(protocol);
    if (frame != null && (envelope.seq() == Envelope.NO_SEQ || envelope.seq() > replayedThrough)) {
      frameWriter.write(frame.retainedDuplicate(), frameWriter.voidPromise());
      wroteSinceFlush = true;
      return frame.readableBytes();
    }
    return 0;
  }

  @Override
  public void flush() {
    assert loop().inEventLoop();
    if (wroteSinceFlush) {
      wroteSinceFlush = false;
      channel.flush();
    }
  }

  @Override
  public void missed() {
    assert loop().inEventLoop();
    if (closing) {
      return;
    }
    log.info(
        "conn {} {} missed messages that cannot be replayed; closing so it resumes",
        connectionId,
        addr);
    send(
        new ServerEvent.Error(
            ErrorCode.UNAVAILABLE, "unavailable: messages were lost; reconnect to resume", null));
    close(WebSocketCloseStatus.TRY_AGAIN_LATER.code(), "messages were lost; resume");
  }

  private void closeSlowConsumer() {
    services.metrics().slowConsumerClosed();
    log.info(
        "conn {} {} slow consumer: over {} queued bytes, closing",
        connectionId,
        addr,
        services.config().maxQueuedBytes());
    close(WebSocketCloseStatus.TRY_AGAIN_LATER.code(), "slow consumer");
  }

  private long queuedBytes() {
    ChannelOutboundBuffer buffer = channel.unsafe().outboundBuffer();
    return buffer == null ? 0 : buffer.totalPendingWriteBytes();
  }

  /** Writes one event for this connection alone, without flushing. */
  void send(ServerEvent event) {
    if (protocol == WireProtocol.JSON) {
      byte[] json = JsonCodec.encode(event);
      services.metrics().wrote(WebSocketFrames.wireBytes(json.length));
      channel.write(new TextWebSocketFrame(Unpooled.wrappedBuffer(json)), channel.voidPromise());
    } else {
      String line = TextCodec.encode(event);
      if (line != null) {
        TextWebSocketFrame frame = new TextWebSocketFrame(line);
        services.metrics().wrote(WebSocketFrames.wireBytes(frame.content().readableBytes()));
        channel.write(frame, channel.voidPromise());
      }
    }
  }

  /**
   * Leaves the room, sends a close frame with {@code code} behind whatever is still queued, and
   * ends the connection when the peer answers it or after {@link #CLOSE_GRACE_MILLIS}.
   */
  void close(int code, String reason) {
    assert loop().inEventLoop();
    if (closing) {
      return;
    }
    closing = true;
    closeCode = code;
    leaveRoom();
    // The connection stays open for the peer's answering close frame (onCloseFrame ends it): cut
    // at once, a peer still sending would get a reset instead of our close code.
    ChannelFuture closeSent = channel.writeAndFlush(closeFrame(code, reason));
    channel
        .eventLoop()
        .schedule(() -> endUnanswered(closeSent), CLOSE_GRACE_MILLIS, TimeUnit.MILLISECONDS);
  }

  /**
   * Ends a connection whose peer did not answer our close frame in time. If the frame itself is
   * still queued behind what the peer never read, the end is a reset: the kernel then drops those
   * bytes instead of holding them, and the peer learns that the connection ended. A peer that read
   * everything and only failed to answer gets an orderly end.
   */
  private void endUnanswered(ChannelFuture closeSent) {
    if (!channel.isActive()) {
      return;
    }
    if (!closeSent.isDone()) {
      channel.config().setOption(ChannelOption.SO_LINGER, 0);
    }
    channel.close();
  }

  /** Pings the peer, unless the connection is closing; returns whether it did. */
  @Override
  boolean ping() {
    assert loop().inEventLoop();
    if (closing) {
      return false;
    }
    channel.writeAndFlush(new PingWebSocketFrame(), channel.voidPromise());
    return true;
  }

  @Override
  void noAnswer(long timeoutMillis) {
    assert loop().inEventLoop();
    if (!channel.isActive()) {
      return;
    }
    log.debug("conn {} no answer to a ping within {} ms, closing", connectionId, timeoutMillis);
    abort(WebSocketCloseStatus.ENDPOINT_UNAVAILABLE.code(), "no answer to ping");
  }

  /**
   * Answers the peer's ping with {@code appData}. Only while the connection takes writes, so that a
   * peer that pings without reading the pongs cannot make the server queue them without end; and
   * not once our close frame is sent, after which nothing may follow it.
   */
  void pong(ByteBuf appData) {
    assert loop().inEventLoop();
    if (closing || !channel.isWritable()) {
      return;
    }
    channel.writeAndFlush(new PongWebSocketFrame(appData.retain()), channel.voidPromise());
  }

  /**
   * Sends a close frame with {@code code} and ends the connection at once, without waiting for the
   * peer's answer: for a peer that has stopped answering, which would not send one.
   */
  void abort(int code, String reason) {
    assert loop().inEventLoop();
    if (!closing) {
      closing = true;
      closeCode = code;
      leaveRoom();
      channel.writeAndFlush(closeFrame(code, reason), channel.voidPromise());
    }
    channel.close();
  }

  /** The peer sent a close frame: answer it with the same code and end. */
  void onCloseFrame(int code) {
    assert loop().inEventLoop();
    if (waiting != null && !closing) {
      // After the frames before it; the code counts at once, for the connection's log line.
      if (closeCode < 0) {
        closeCode = code;
      }
      queueBehindClaim(() -> onCloseFrame(code), 0);
      return;
    }
    if (closeCode < 0) {
      closeCode = code;
    }
    if (closing) {
      // The peer answered a close of ours: the closing handshake is complete.
      channel.close();
      return;
    }
    closing = true;
    leaveRoom();
    int answer = code >= 1000 && code != 1005 && code != 1006 && code != 1015 ? code : 1000;
    channel.writeAndFlush(closeFrame(answer, "")).addListener(ChannelFutureListener.CLOSE);
  }

  /**
   * A close frame in a buffer of the channel's pooled allocator: Netty's own constructor takes an
   * unpooled direct buffer, allocated and freed in native memory for every connection that ends.
   */
  private CloseWebSocketFrame closeFrame(int code, String reason) {
    ByteBuf payload = channel.alloc().buffer(2 + ByteBufUtil.utf8MaxBytes(reason));
    payload.writeShort(code);
    ByteBufUtil.writeUtf8(payload, reason);
    services.metrics().wrote(WebSocketFrames.wireBytes(payload.readableBytes()));
    return new CloseWebSocketFrame(true, 0, payload);
  }

  /**
   * The connection is gone, whatever ended it. While a nick's claim is out, what the peer sent
   * before waits for it and is handled first; this then runs again, from {@link #resumeReads}.
   */
  void onClosed() {
    assert loop().inEventLoop();
    if (claimOut && !closing) {
      // What the peer sent before it went waits for the claim; it is handled, then this runs again.
      peerGone = true;
      started();
      return;
    }
    closing = true;
    started();
    if (expiry != null) {
      expiry.cancel(false);
      expiry = null;
    }
    leaveRoom();
  }

  /** Records a close code sent by someone else on this connection's behalf (the decoder). */
  void noteCloseCode(int code) {
    if (closeCode < 0) {
      closeCode = code;
    }
  }

  private void leaveRoom() {
    if (room != null) {
      room.leave(this);
      room.releaseNick(nick, this);
      if (nickToken != null) {
        services.bus().releaseNick(room.name(), nick, nickToken);
        nickToken = null;
      }
      room = null;
    }
    replayQueue = null;
    if (held != null) {
      Envelope envelope;
      while ((envelope = held.pollFirst()) != null) {
        envelope.release();
      }
      held = null;
    }
    heldBytes = 0;
  }

  private void onLoop(Runnable task) {
    if (loop().inEventLoop()) {
      task.run();
    } else {
      loop().execute(task);
    }
  }
}
