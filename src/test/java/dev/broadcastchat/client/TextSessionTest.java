package dev.broadcastchat.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Plain text, with a server that accepted no subprotocol: lines and frames pass as they are. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class TextSessionTest {
  private final FakeConsole console = new FakeConsole();
  private final TextSession session = new TextSession("ws://h:1/", console);
  private final FakeLink link = new FakeLink("");

  @Test
  void sendsLinesRawAndShowsFramesRawWithContinuationsIndented() throws Exception {
    session.start(link);
    session.onLine("/nick alice");
    session.onLine("//x");
    link.deliver("Welcome to chat! Type a message");
    link.deliver("alice: two\nlines");
    assertThat(link.nextSent()).isEqualTo("/nick alice");
    assertThat(link.nextSent()).isEqualTo("//x");
    assertThat(console.nextShown()).isEqualTo("Welcome to chat! Type a message");
    assertThat(console.nextShown()).isEqualTo("alice: two\n    lines");
  }

  @Test
  void endOfInputClosesAndExits0() throws Exception {
    session.start(link);
    session.onLine("bye");
    session.onInputEnd();
    link.deliver("127.0.0.1:5: bye");
    assertThat(session.exitCode().toCompletableFuture().get(10, TimeUnit.SECONDS)).isZero();
    assertThat(link.sent).containsExactly("bye");
    assertThat(link.closed).isDone();
  }

  @Test
  void endOfInputWaitsForTheEchoOfWhatWasSentThenCloses() throws Exception {
    session.start(link);
    session.onLine("first");
    session.onLine("/who");
    session.onLine("//second");
    session.onInputEnd();
    link.deliver("127.0.0.1:5: first");
    link.deliver("bob: second");
    assertThat(link.closed).as("the echo of /second has not come").isNotDone();

    link.deliver("127.0.0.1:5: /second");
    assertThat(session.exitCode().toCompletableFuture().get(10, TimeUnit.SECONDS)).isZero();
    assertThat(link.closed).isDone();
  }

  @Test
  void quitEndsTheInput() throws Exception {
    session.start(link);
    session.onLine("/quit");
    assertThat(session.exitCode().toCompletableFuture().get(10, TimeUnit.SECONDS)).isZero();
    assertThat(link.sent).isEmpty();
  }

  @Test
  void aLostConnectionIsOneLineOnStderrAndExit1() throws Exception {
    session.start(link);
    link.serverCloses(1001, "server shutting down");
    assertThat(session.exitCode().toCompletableFuture().get(10, TimeUnit.SECONDS)).isEqualTo(1);
    assertThat(console.errors)
        .containsExactly(
            "connection to ws://h:1/ lost (closed by the server: 1001 server shutting down)");
  }
}
