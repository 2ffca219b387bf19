package dev.broadcastchat.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The session against a server played by the test: replay, acks, reconnects, the outbox. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class JsonSessionTest {
  private static final URI URL = URI.create("ws://h:1/?nick=alice");
  private static final String WELCOME =
      "{\"type\":\"welcome\",\"room\":\"lobby\",\"nick\":\"alice\",\"addr\":\"1.2.3.4:5\","
          + "\"text\":\"Welcome to chat! Type a message\"}";
  private static final String LIVE = "{\"type\":\"live\"}";
  private static final String PING = "{\"type\":\"ping\"}";
  private static final String PONG = "{\"type\":\"pong\"}";

  /** One reconnect attempt: the URL asked for, and the outcome the test decides. */
  private record Attempt(URI url, CompletableFuture<Link> result) {}

  private final FakeConsole console = new FakeConsole();
  private final BlockingQueue<Attempt> attempts = new LinkedBlockingQueue<>();
  private final JsonCodec codec = new JsonCodec();
  private JsonSession session;

  private JsonSession session(Duration reconnectTimeout, Duration drainTimeout) {
    return session(new JsonSession.Timing(reconnectTimeout, drainTimeout, Duration.ofMinutes(1)));
  }

  private JsonSession session(JsonSession.Timing timing) {
    session =
        new JsonSession(
            URL,
            URL.toString(),
            "alice",
            timing,
            console,
            url -> {
              CompletableFuture<Link> result = new CompletableFuture<>();
              attempts.add(new Attempt(url, result));
              return result;
            },
            ZoneOffset.UTC,
            new Random(7));
    return session;
  }

  private JsonSession session() {
    return session(Duration.ofMinutes(2), Duration.ofSeconds(5));
  }

  @AfterEach
  void endSession() {
    if (session != null && !session.exitCode().toCompletableFuture().isDone()) {
      session.onInputEnd();
    }
  }

  private static String message(String id, String from, String text, boolean replay) {
    return "{\"type\":\"message\",\"id\":\""
        + id
        + "\",\"room\":\"lobby\",\"from\":\""
        + from
        + "\",\"addr\":\"1.2.3.4:6\",\"text\":\""
        + text
        + "\",\"ts\":0,\"action\":false,\"replay\":"
        + replay
        + "}";
  }

  private static String ack(String ref, String id) {
    return "{\"type\":\"ack\",\"ref\":\"" + ref + "\",\"id\":\"" + id + "\"}";
  }

  private ClientRequest.Say nextSay(FakeLink link) throws InterruptedException {
    String frame = link.nextSent();
    assertThat(frame).as("a frame sent").isNotNull().contains("\"type\":\"say\"");
    String text = frame.replaceAll(".*\"text\":\"([^\"]*)\".*", "$1");
    String ref = frame.replaceAll(".*\"ref\":\"([^\"]*)\".*", "$1");
    return new ClientRequest.Say(text, ref, frame.contains("\"action\":true"));
  }

  /** Answers the ping the session sends once everything else is settled. */
  private static void answerFinalPing(FakeLink link) throws InterruptedException {
    String frame;
    while ((frame = link.nextSent()) != null && !frame.equals("{\"type\":\"ping\"}")) {
      // skip what was sent before it
    }
    assertThat(frame).as("the final ping").isNotNull();
    link.deliver("{\"type\":\"pong\"}");
  }

  private int exitCode() throws Exception {
    return session.exitCode().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** A live session on {@code link}, its welcome line read. */
  private FakeLink liveLink() throws InterruptedException {
    return liveLink(WELCOME);
  }

  /** A live session on a link whose welcome is {@code welcome}, its welcome line read. */
  private FakeLink liveLink(String welcome) throws InterruptedException {
    FakeLink link = FakeLink.json();
    session.start(link);
    link.deliver(welcome);
    link.deliver(LIVE);
    assertThat(console.nextShown()).isEqualTo("Welcome to chat! Type a message");
    return link;
  }

  @Test
  void showsTheWelcomeAndTheReplayAndHoldsTypedLinesUntilLive() throws Exception {
    session();
    FakeLink link = FakeLink.json();
    session.start(link);
    session.onLine("hi");
    link.deliver(WELCOME);
    link.deliver(message("m1", "bob", "earlier", true));
    assertThat(console.nextShown()).isEqualTo("Welcome to chat! Type a message");
    assertThat(console.nextShown()).isEqualTo("[00:00] bob: earlier");
    assertThat(link.sent).as("nothing is sent during the replay").isEmpty();

    link.deliver(LIVE);
    assertThat(nextSay(link).text()).isEqualTo("hi");
  }

  @Test
  void atEndOfInputWaitsUntilTheOwnMessageWasAckedAndShownThenClosesAndExits0() throws Exception {
    session();
    FakeLink link = liveLink();
    session.onLine("hi");
    session.onInputEnd();
    ClientRequest.Say say = nextSay(link);
    link.deliver(ack(say.ref(), "m1"));
    link.deliver("{\"type\":\"who\",\"room\":\"lobby\",\"members\":[\"alice\"],\"count\":1}");
    assertThat(console.nextShown()).isEqualTo("* 1 in lobby: alice");
    assertThat(session.exitCode().toCompletableFuture()).as("acked, not yet shown").isNotDone();

    link.deliver(message("m1", "alice", "hi", false));
    answerFinalPing(link);
    assertThat(exitCode()).isZero();
    assertThat(console.everything).contains("[00:00] alice: hi");
    assertThat(link.closed).isDone();
  }

  @Test
  void reconnectsAfterTheLastMessageShownAndResendsUnackedSaysWithTheirRefs() throws Exception {
    session();
    FakeLink first = liveLink();
    first.deliver(message("m1", "bob", "before", false));
    assertThat(console.nextShown()).isEqualTo("[00:00] bob: before");
    session.onLine("one");
    ClientRequest.Say one = nextSay(first);

    first.serverCloses(1001, "server shutting down");
    assertThat(console.nextShown())
        .matches(
            "\\* connection lost \\(closed by the server: 1001 server shutting down\\),"
                + " reconnecting in \\d\\.\\d s");
    session.onLine("two");
    Attempt attempt = attempts.poll(10, TimeUnit.SECONDS);
    assertThat(attempt).isNotNull();
    assertThat(attempt.url()).hasToString("ws://h:1/?nick=alice&room=lobby&since=m1");

    FakeLink second = FakeLink.json();
    attempt.result().complete(second);
    second.deliver(WELCOME);
    second.deliver(message("m2", "bob", "missed", true));
    assertThat(console.nextShown()).isEqualTo("* reconnected");
    assertThat(console.nextShown()).isEqualTo("[00:00] bob: missed");
    assertThat(second.sent).as("nothing is sent before live").isEmpty();

    second.deliver(LIVE);
    assertThat(nextSay(second)).isEqualTo(one);
    ClientRequest.Say two = nextSay(second);
    assertThat(two.text()).isEqualTo("two");
    assertThat(two.ref()).isNotEqualTo(one.ref());
    assertThat(first.sent).isEmpty();
  }

  @Test
  void aSayAckedWithAnIdAlreadyShownIsSettled() throws Exception {
    session();
    FakeLink first = liveLink();
    session.onLine("one");
    ClientRequest.Say one = nextSay(first);
    first.deliver(message("m1", "alice", "one", false));
    assertThat(console.nextShown()).isEqualTo("[00:00] alice: one");
    first.serverCloses(1006, "");
    Attempt attempt = attempts.poll(10, TimeUnit.SECONDS);
    FakeLink second = FakeLink.json();
    attempt.result().complete(second);
    second.deliver(WELCOME);
    second.deliver(LIVE);
    assertThat(nextSay(second)).isEqualTo(one);
    session.onInputEnd();
    second.deliver(ack(one.ref(), "m1"));
    answerFinalPing(second);
    assertThat(exitCode()).isZero();
  }

  @Test
  void reconnectsToTheRoomAndNickItHasNow() throws Exception {
    session();
    FakeLink link = liveLink();
    session.onLine("/nick bob");
    assertThat(link.nextSent()).isEqualTo("{\"type\":\"nick\",\"nick\":\"bob\"}");
    assertThat(link.nextSent()).isEqualTo(PING);
    link.deliver("{\"type\":\"nick\",\"room\":\"lobby\",\"from\":\"alice\",\"to\":\"bob\"}");
    link.deliver(PONG);
    assertThat(console.nextShown()).isEqualTo("* alice is now known as bob");
    link.deliver(message("m1", "carol", "in lobby", false));
    session.onLine("/join dev");
    assertThat(link.nextSent()).isEqualTo("{\"type\":\"join\",\"room\":\"dev\"}");
    assertThat(link.nextSent()).isEqualTo(PING);
    link.deliver(
        "{\"type\":\"welcome\",\"room\":\"dev\",\"nick\":\"bob\",\"addr\":\"1.2.3.4:5\","
            + "\"text\":\"Welcome to chat! Type a message\"}");
    link.deliver(LIVE);
    link.deliver(PONG);
    assertThat(console.nextShown()).isEqualTo("[00:00] carol: in lobby");
    assertThat(console.nextShown()).isEqualTo("* you are in dev as bob");

    link.serverCloses(1013, "too slow");
    Attempt attempt = attempts.poll(10, TimeUnit.SECONDS);
    assertThat(attempt.url()).hasToString("ws://h:1/?nick=bob&room=dev");
  }

  @Test
  void aJoinLostWithItsConnectionIsSentAgainBeforeTheSaysTypedAfterIt() throws Exception {
    session();
    FakeLink first = liveLink();
    session.onLine("before");
    ClientRequest.Say before = nextSay(first);
    session.onLine("/join secret");
    assertThat(first.nextSent()).isEqualTo("{\"type\":\"join\",\"room\":\"secret\"}");
    assertThat(first.nextSent()).isEqualTo(PING);
    session.onLine("for the secret room only");
    ClientRequest.Say after = nextSay(first);
    session.onLine("/who");
    assertThat(first.nextSent()).isEqualTo("{\"type\":\"who\"}");
    assertThat(first.nextSent()).isEqualTo(PING);
    // The connection was dead already: none of it reached the server.
    first.breaks("Connection reset");

    Attempt attempt = attempts.poll(10, TimeUnit.SECONDS);
    assertThat(attempt.url()).hasToString("ws://h:1/?nick=alice&room=lobby");
    FakeLink second = FakeLink.json();
    attempt.result().complete(second);
    second.deliver(WELCOME);
    second.deliver(LIVE);
    assertThat(nextSay(second)).isEqualTo(before);
    assertThat(second.nextSent()).isEqualTo("{\"type\":\"join\",\"room\":\"secret\"}");
    assertThat(second.nextSent()).isEqualTo(PING);
    assertThat(nextSay(second)).isEqualTo(after);
    assertThat(second.nextSent()).isEqualTo("{\"type\":\"who\"}");
    assertThat(second.nextSent()).isEqualTo(PING);

    // Seen through this time: a later reconnect does not send them again.
    second.deliver(PONG);
    second.deliver(PONG);
    second.deliver(ack(before.ref(), "m1"));
    second.deliver(ack(after.ref(), "s1"));
    second.breaks("Connection reset");
    FakeLink third = FakeLink.json();
    attempts.poll(10, TimeUnit.SECONDS).result().complete(third);
    third.deliver(WELCOME);
    third.deliver(LIVE);
    session.onLine("/who");
    assertThat(third.nextSent()).isEqualTo("{\"type\":\"who\"}");
  }

  @Test
  void aNickSuffixedOnReconnectIsAskedForAgainOnceItsHolderLeaves() throws Exception {
    session();
    FakeLink first = liveLink();
    first.breaks("Connection reset");
    FakeLink second = FakeLink.json();
    attempts.poll(10, TimeUnit.SECONDS).result().complete(second);
    // The lost connection is still the server's alice: this one is alice_2 for now.
    second.deliver(WELCOME.replace("\"nick\":\"alice\"", "\"nick\":\"alice_2\""));
    second.deliver(LIVE);
    second.deliver(
        "{\"type\":\"leave\",\"room\":\"lobby\",\"nicks\":[\"bob\",\"ALICE\"],\"count\":2,"
            + "\"members\":1}");
    assertThat(second.nextSent()).isEqualTo("{\"type\":\"nick\",\"nick\":\"alice\"}");
    assertThat(second.nextSent()).isEqualTo(PING);
  }

  @Test
  void atEndOfInputWaitsForTheAnswersToCommandsSentBeforeIt() throws Exception {
    session();
    FakeLink link = liveLink();
    session.onLine("/join dev");
    session.onLine("/who");
    session.onInputEnd();
    assertThat(link.nextSent()).isEqualTo("{\"type\":\"join\",\"room\":\"dev\"}");
    assertThat(link.nextSent()).isEqualTo(PING);
    assertThat(link.nextSent()).isEqualTo("{\"type\":\"who\"}");
    assertThat(link.nextSent()).isEqualTo(PING);
    link.deliver(
        "{\"type\":\"welcome\",\"room\":\"dev\",\"nick\":\"alice\",\"addr\":\"1.2.3.4:5\","
            + "\"text\":\"Welcome to chat! Type a message\"}");
    link.deliver(PONG);
    link.deliver("{\"type\":\"who\",\"room\":\"dev\",\"members\":[\"alice\"],\"count\":1}");
    link.deliver(PONG);
    answerFinalPing(link);
    assertThat(console.nextShown()).isEqualTo("* you are in dev as alice");
    assertThat(console.nextShown()).isEqualTo("* 1 in dev: alice");
    link.deliver(message("d1", "bob", "in dev", true));
    assertThat(console.nextShown()).isEqualTo("[00:00] bob: in dev");
    assertThat(session.exitCode().toCompletableFuture())
        .as("the new room's replay is still running")
        .isNotDone();

    link.deliver(LIVE);
    assertThat(exitCode()).isZero();
  }

  @Test
  void showsNoticesAsTheServerWordsThem() throws Exception {
    session();
    FakeLink link = liveLink();
    link.deliver("{\"type\":\"notice\",\"text\":\"* you are in lobby as alice\"}");
    assertThat(console.nextShown()).isEqualTo("* you are in lobby as alice");
  }

  @Test
  void saysWhenOlderMessagesWereMissed() throws Exception {
    session();
    FakeLink link = liveLink();
    link.deliver("{\"type\":\"gap\",\"since\":\"m0\",\"text\":\"older messages were missed\"}");
    assertThat(console.nextShown()).isEqualTo("* some older messages were missed");
  }

  @Test
  void givesUpAfterTheReconnectTimeoutWithOneLineOnStderrAndExit1() throws Exception {
    session(Duration.ofSeconds(1), Duration.ofSeconds(5));
    FakeLink link = liveLink();
    link.serverCloses(1001, "server shutting down");
    while (!session.exitCode().toCompletableFuture().isDone()) {
      Attempt attempt = attempts.poll(100, TimeUnit.MILLISECONDS);
      if (attempt != null) {
        attempt
            .result()
            .completeExceptionally(
                new ConnectFailure(URL.toString(), "connection refused", false, null));
      }
    }
    assertThat(exitCode()).isEqualTo(1);
    assertThat(console.errors)
        .singleElement()
        .asString()
        .contains(URL.toString())
        .contains("1001 server shutting down")
        .contains("no reconnect within 1s")
        .contains("connection refused");
    assertThat(console.shown).anyMatch(line -> line.startsWith("* cannot reconnect ("));
  }

  @Test
  void aServerThatTakesTheUpgradeAndBreaksTheSessionIsGivenUpOnAfterTheReconnectTimeout()
      throws Exception {
    session(Duration.ofSeconds(2), Duration.ofSeconds(5));
    FakeLink link = liveLink();
    link.serverCloses(1001, "server shutting down");
    int reconnects = 0;
    while (!session.exitCode().toCompletableFuture().isDone()) {
      Attempt attempt = attempts.poll(100, TimeUnit.MILLISECONDS);
      if (attempt != null) {
        // The upgrade succeeds, and the connection breaks before the session goes live.
        FakeLink broken = FakeLink.json();
        attempt.result().complete(broken);
        broken.breaks("java.net.ProtocolException: invalid frame");
        reconnects++;
      }
    }
    assertThat(exitCode()).isEqualTo(1);
    assertThat(console.errors)
        .singleElement()
        .asString()
        .contains("1001 server shutting down")
        .contains("no reconnect within 2s")
        .contains("invalid frame");
    // Backing off as from a refused connection: 250-500 ms, 0.5-1 s, 1-2 s within the 2 s.
    assertThat(reconnects).isBetween(1, 4);
  }

  @Test
  void aServerThatGoesLiveAndBreaksAtOnceIsGivenUpOnAfterTheReconnectTimeout() throws Exception {
    session(Duration.ofSeconds(2), Duration.ofSeconds(5));
    FakeLink link = liveLink();
    link.serverCloses(1001, "server shutting down");
    int reconnects = 0;
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!session.exitCode().toCompletableFuture().isDone() && System.nanoTime() < deadline) {
      Attempt attempt = attempts.poll(100, TimeUnit.MILLISECONDS);
      if (attempt != null) {
        // The session comes back, and is lost again well within a keepalive period (1 min).
        FakeLink flaky = FakeLink.json();
        attempt.result().complete(flaky);
        flaky.deliver(WELCOME);
        flaky.deliver(LIVE);
        flaky.breaks("java.io.IOException: connection reset");
        reconnects++;
      }
    }
    assertThat(session.exitCode().toCompletableFuture()).as("given up").isDone();
    assertThat(exitCode()).isEqualTo(1);
    assertThat(console.errors).singleElement().asString().contains("no reconnect within 2s");
    assertThat(reconnects).isBetween(1, 4);
    assertThat(console.shown).anyMatch(line -> line.startsWith("* connection lost again ("));
  }

  @Test
  void withNoReconnectALostConnectionSaysHowManyMessagesWereNotConfirmed() throws Exception {
    session(Duration.ZERO, Duration.ofSeconds(5));
    FakeLink link = liveLink();
    session.onLine("unconfirmed");
    nextSay(link);
    link.breaks("Connection reset");
    assertThat(exitCode()).isEqualTo(1);
    assertThat(console.errors)
        .containsExactly(
            "connection to ws://h:1/?nick=alice lost (Connection reset)",
            "1 message was not confirmed by ws://h:1/?nick=alice before the connection was lost"
                + " and may not have been delivered");
  }

  @Test
  void aCloseThatRetryingCannotHelpEndsAtOnce() throws Exception {
    session();
    FakeLink link = liveLink();
    link.deliver("{\"type\":\"error\",\"code\":\"bad_name\",\"message\":\"bad nick: *x\"}");
    link.serverCloses(1008, "bad nick");
    assertThat(exitCode()).isEqualTo(1);
    assertThat(console.errors)
        .containsExactly(
            "! bad nick: *x",
            "connection to " + URL + " lost (closed by the server: 1008 bad nick)");
    assertThat(attempts).isEmpty();
  }

  @Test
  void aServerThatRefusesTheUpgradeOnReconnectEndsIt() throws Exception {
    session();
    FakeLink link = liveLink();
    link.serverCloses(1001, "");
    attempts
        .poll(10, TimeUnit.SECONDS)
        .result()
        .completeExceptionally(
            new ConnectFailure(URL.toString(), "the server refused (HTTP 401)", true, null));
    assertThat(exitCode()).isEqualTo(1);
    assertThat(console.errors).singleElement().asString().contains("HTTP 401");
  }

  @Test
  void aServerThatComesBackWithoutJsonEndsIt() throws Exception {
    session();
    FakeLink link = liveLink();
    link.serverCloses(1001, "");
    FakeLink text = new FakeLink("");
    attempts.poll(10, TimeUnit.SECONDS).result().complete(text);
    assertThat(exitCode()).isEqualTo(1);
    assertThat(console.errors).singleElement().asString().contains("chat.v1.json");
    assertThat(text.closed).isDone();
  }

  @Test
  void anErrorNamingASayIsShownAndDropsIt() throws Exception {
    session();
    FakeLink link = liveLink();
    session.onLine("x".repeat(10));
    ClientRequest.Say say = nextSay(link);
    session.onInputEnd();
    link.deliver(
        "{\"type\":\"error\",\"code\":\"too_long\",\"message\":\"message too long (max 4 bytes)\","
            + "\"ref\":\""
            + say.ref()
            + "\"}");
    answerFinalPing(link);
    assertThat(exitCode()).as("a script can tell that not everything went out").isEqualTo(1);
    assertThat(console.errors)
        .containsExactly("! message too long (max 4 bytes)", "1 message was refused, see above");
  }

  /** A live session whose welcome announced {@code limits}. */
  private FakeLink liveLinkWithLimits(String limits) throws InterruptedException {
    return liveLink(WELCOME.replace("}", ",\"limits\":" + limits + "}"));
  }

  @Test
  void sendsNoFasterThanTheRateTheWelcomeAnnounced() throws Exception {
    session();
    // A burst of 3 is 1 for the client, and a rate of 1 a second 0.9: one now, the next in 1.1 s.
    FakeLink link = liveLinkWithLimits("{\"rate\":1,\"burst\":3,\"bytes\":4096}");
    session.onLine("one");
    session.onLine("two");
    assertThat(nextSay(link).text()).isEqualTo("one");
    assertThat(link.sent.poll(300, TimeUnit.MILLISECONDS)).as("sent at once").isNull();
    assertThat(nextSay(link).text()).isEqualTo("two");
  }

  @Test
  void aSayRefusedAsOverTheRateIsSentAgainWithItsRefAndNotShownAsAnError() throws Exception {
    session();
    FakeLink link = liveLinkWithLimits("{\"rate\":50,\"burst\":40,\"bytes\":4096}");
    session.onLine("hello");
    ClientRequest.Say say = nextSay(link);
    link.deliver(
        "{\"type\":\"error\",\"code\":\"rate_limited\",\"message\":\"slow down\",\"ref\":\""
            + say.ref()
            + "\"}");
    assertThat(nextSay(link)).isEqualTo(say);
    session.onInputEnd();
    link.deliver(ack(say.ref(), "m1"));
    link.deliver(message("m1", "alice", "hello", false));
    answerFinalPing(link);
    assertThat(exitCode()).isZero();
    assertThat(console.errors).isEmpty();
  }

  private static String rateLimited(String ref) {
    return "{\"type\":\"error\",\"code\":\"rate_limited\",\"message\":\"slow down\""
        + (ref == null ? "" : ",\"ref\":\"" + ref + "\"")
        + "}";
  }

  @Test
  void aSayRefusedAsOverTheRateWithFramesSentAfterItIsReportedNotSentBehindThem() throws Exception {
    session();
    FakeLink link = liveLinkWithLimits("{\"rate\":50,\"burst\":40,\"bytes\":4096}");
    session.onLine("first");
    ClientRequest.Say first = nextSay(link);
    session.onLine("second");
    ClientRequest.Say second = nextSay(link);
    link.deliver(rateLimited(first.ref()));
    session.onInputEnd();
    link.deliver(ack(second.ref(), "m2"));
    link.deliver(message("m2", "alice", "second", false));
    answerFinalPing(link);
    assertThat(exitCode()).isEqualTo(1);
    assertThat(console.errors).containsExactly("! slow down", "1 message was refused, see above");
  }

  @Test
  void aCommandRefusedAsOverTheRateIsSentAgain() throws Exception {
    session();
    FakeLink link = liveLinkWithLimits("{\"rate\":50,\"burst\":40,\"bytes\":4096}");
    session.onLine("/join dev");
    assertThat(link.nextSent()).isEqualTo("{\"type\":\"join\",\"room\":\"dev\"}");
    assertThat(link.nextSent()).isEqualTo(PING);
    link.deliver(rateLimited(null));
    link.deliver(PONG);
    assertThat(link.nextSent()).isEqualTo("{\"type\":\"join\",\"room\":\"dev\"}");
    assertThat(link.nextSent()).isEqualTo(PING);
    assertThat(console.errors).isEmpty();
  }

  @Test
  void aLineLongerThanTheWelcomeAllowsIsRefusedHereAndTheSessionGoesOn() throws Exception {
    session();
    FakeLink link = liveLinkWithLimits("{\"rate\":0,\"burst\":0,\"bytes\":4}");
    session.onLine("ééé");
    session.onLine("ok");
    assertThat(nextSay(link).text()).as("the long line is not sent").isEqualTo("ok");
    assertThat(console.errors).containsExactly("! message too long (max 4 bytes)");
  }

  @Test
  void endOfInputGivesUpWaitingForAnAckAfterTheDrainTimeoutWithExit1() throws Exception {
    session(Duration.ofMinutes(2), Duration.ofMillis(200));
    FakeLink link = liveLink();
    session.onLine("lost in the void");
    nextSay(link);
    session.onInputEnd();
    assertThat(exitCode()).isEqualTo(1);
    assertThat(console.errors)
        .singleElement()
        .asString()
        .contains("1 message was not confirmed by " + URL);
    assertThat(link.closed).isDone();
  }

  @Test
  void answersHelpUnknownCommandsAndMisuseLocally() throws Exception {
    session();
    FakeLink link = liveLink();
    session.onLine("/help");
    session.onLine("/x");
    session.onLine("/me");
    session.onLine("");
    session.onLine("/who");
    assertThat(link.nextSent()).isEqualTo("{\"type\":\"who\"}");
    assertThat(console.nextShown()).startsWith("* /nick NAME");
    assertThat(console.errors)
        .containsExactly("! unknown command /x, try /help", "! usage: /me ACTION");
  }

  @Test
  void quitEndsLikeTheEndOfInput() throws Exception {
    session();
    FakeLink link = liveLink();
    session.onLine("/me waves");
    ClientRequest.Say say = nextSay(link);
    assertThat(say.action()).isTrue();
    session.onLine("/quit");
    session.onLine("ignored after quit");
    link.deliver(message("m1", "alice", "waves", false).replace("false", "true"));
    link.deliver(ack(say.ref(), "m1"));
    assertThat(link.nextSent()).isEqualTo("{\"type\":\"ping\"}");
    link.deliver("{\"type\":\"pong\"}");
    assertThat(exitCode()).isZero();
    assertThat(console.everything).contains("[00:00] * alice waves");
    assertThat(link.sent).as("nothing typed after /quit").isEmpty();
  }

  @Test
  void endOfInputWhileDisconnectedWithNothingPendingExits0() throws Exception {
    session();
    FakeLink link = liveLink();
    link.serverCloses(1001, "");
    await().until(() -> !attempts.isEmpty());
    session.onInputEnd();
    assertThat(exitCode()).isZero();
  }

  @Test
  void pingsAQuietServerAndReconnectsWhenItStaysSilent() throws Exception {
    session(
        new JsonSession.Timing(
            Duration.ofMinutes(2), Duration.ofSeconds(5), Duration.ofMillis(300)));
    FakeLink link = liveLink();
    assertThat(link.nextSent()).isEqualTo("{\"type\":\"ping\"}");
    assertThat(console.nextShown())
        .matches("\\* connection lost \\(no answer for 600ms\\), reconnecting in \\d\\.\\d s");
    assertThat(link.closed).isDone();
    Attempt attempt = attempts.poll(10, TimeUnit.SECONDS);
    assertThat(attempt).isNotNull();
    FakeLink second = FakeLink.json();
    attempt.result().complete(second);
    second.deliver(WELCOME);
    assertThat(console.nextShown()).isEqualTo("* reconnected");
  }

  @Test
  void showsPresenceAndSkipsWhatItCannotRead() throws Exception {
    session();
    FakeLink link = liveLink();
    link.deliver("not json");
    link.deliver("{\"type\":\"typing\"}");
    link.deliver(
        "{\"type\":\"join\",\"room\":\"lobby\",\"nicks\":[\"bob\"],\"count\":1,\"members\":2}");
    assertThat(console.nextShown()).isEqualTo("* bob joined lobby");
    assertThat(console.errors).singleElement().asString().startsWith("! unreadable event");
    assertThat(codec.decode(LIVE)).isEqualTo(new ServerEvent.Live());
  }
}
