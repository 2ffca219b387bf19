package dev.broadcastchat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.broadcastchat.server.ChatServer;
import dev.broadcastchat.server.ServerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The real client jar, driven through a pipe, against in-process servers speaking the JSON
 * protocol: its own lines, a server restart on the same port, lines typed while it is down.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClientReconnectIT {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String WELCOME = "Welcome to chat! Type a message";

  private final List<AutoCloseable> toClose = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  @Test
  void pipedClientShowsItsOwnLineAndTheAnswersToItsCommandsBeforeExiting0() throws Exception {
    ChatServer server = start(ServerConfig.defaults("127.0.0.1", 0));
    try (ChatProcess client =
        ChatProcess.shell("printf 'hi\\n/who\\n' | ./chat client " + server.url() + " --nick p")) {
      assertThat(client.waitFor(Duration.ofSeconds(90))).isZero();
      assertThat(client.stdoutSoFar()).first().isEqualTo(WELCOME);
      assertThat(client.stdoutSoFar()).anyMatch(said("p", "hi")).contains("* 1 in lobby: p");
      assertThat(client.stderr()).isEmpty();
    }
  }

  @Test
  void aPipedFileFasterThanTheServersRateIsPacedAndDeliveredWhole() throws Exception {
    ChatServer server = start(ServerConfig.defaults("127.0.0.1", 0).withRate(10, 5));
    try (ChatProcess client =
        ChatProcess.shell(
            "seq 1 30 | sed 's/^/line /' | ./chat client " + server.url() + " --nick p")) {
      assertThat(client.waitFor(Duration.ofSeconds(90))).isZero();
      for (int i = 1; i <= 30; i++) {
        assertThat(client.stdoutSoFar()).anyMatch(said("p", "line " + i));
      }
      assertThat(client.stderr()).isEmpty();
    }
  }

  @Test
  void aLineTooLongIsRefusedBeforeItIsSentTheRestGoesOutAndTheExitCodeSaysSo() throws Exception {
    ChatServer server =
        start(ServerConfig.defaults("127.0.0.1", 0).withMaxMessageBytes(10).withMaxFrameBytes(256));
    try (ChatProcess client =
        ChatProcess.shell(
            "printf '%s\\nafter\\n' \"$(head -c 100 /dev/zero | tr '\\0' x)\" | ./chat client "
                + server.url()
                + " --nick p")) {
      assertThat(client.waitFor(Duration.ofSeconds(90))).isEqualTo(1);
      assertThat(client.stdoutSoFar()).anyMatch(said("p", "after"));
      assertThat(client.stderr())
          .containsExactly("! message too long (max 10 bytes)", "1 message was refused, see above");
    }
  }

  @Test
  void withAServerThatAcceptsNoSubprotocolItFallsBackToPlainText() throws Exception {
    try (TextOnlyServer server = new TextOnlyServer();
        ChatProcess client = ChatProcess.jar(Map.of(), "client", server.url(), "--nick", "t")) {
      client.awaitLine(WELCOME::equals, "welcoming", WAIT);
      client.type("/nick raw");
      client.type("hello");
      client.awaitLine(
          line -> line.matches("127\\.0\\.0\\.1:\\d+: hello"), "with the raw echo", WAIT);
      client.endInput();
      assertThat(client.waitFor(WAIT)).isZero();
      assertThat(server.received).containsExactly("/nick raw", "hello");
      assertThat(client.stderr()).isEmpty();
    }
  }

  @Test
  void theCliClientDrivenThroughAPipeReconnectsAfterAServerRestartAndSaysSo() throws Exception {
    ServerConfig config = ServerConfig.defaults("127.0.0.1", ChatProcess.freePort());
    ChatServer first = start(config);
    try (ChatProcess client = ChatProcess.jar(Map.of(), "client", first.url(), "--nick", "x")) {
      client.awaitLine(WELCOME::equals, "welcoming", WAIT);
      client.type("before the restart");
      client.awaitLine(said("x", "before the restart"), "with its own line", WAIT);

      stop(first);
      client.awaitLine(
          line -> line.startsWith("* connection lost ("), "saying the connection was lost", WAIT);
      ChatServer second = start(config);
      client.awaitLine("* reconnected"::equals, "saying it reconnected", WAIT);

      client.type("after the restart");
      Observer observer = Observer.connect(second.url());
      assertThat(observer.awaitMessage("x", "after the restart")).isNotNull();
      client.awaitLine(said("x", "after the restart"), "with its line after the restart", WAIT);

      client.endInput();
      assertThat(client.waitFor(WAIT)).isZero();
      assertThat(client.stderr()).isEmpty();
    }
  }

  @Test
  void aLineTypedWhileTheServerIsDownIsDeliveredExactlyOnceAfterItReturns() throws Exception {
    ServerConfig config = ServerConfig.defaults("127.0.0.1", ChatProcess.freePort());
    ChatServer first = start(config);
    try (ChatProcess client = ChatProcess.jar(Map.of(), "client", first.url(), "--nick", "y")) {
      client.awaitLine(WELCOME::equals, "welcoming", WAIT);
      stop(first);
      client.awaitLine(
          line -> line.startsWith("* connection lost ("), "saying the connection was lost", WAIT);
      client.type("typed while down");

      ChatServer second = start(config);
      client.awaitLine(said("y", "typed while down"), "with the line typed while down", WAIT);
      client.type("marker");
      client.awaitLine(said("y", "marker"), "with the marker sent after it", WAIT);

      assertThat(client.stdoutSoFar()).filteredOn(said("y", "typed while down")).hasSize(1);
      Observer observer = Observer.connect(second.url());
      assertThat(observer.replayedTexts()).containsExactly("typed while down", "marker");

      client.endInput();
      assertThat(client.waitFor(WAIT)).isZero();
    }
  }

  /** Closes {@code server} now (clients get 1001), and not again after the test. */
  private void stop(ChatServer server) {
    toClose.remove(server);
    server.close();
  }

  private ChatServer start(ServerConfig config) {
    ChatServer server = ChatServer.start(config);
    toClose.add(server);
    return server;
  }

  /** {@code [HH:mm] NICK: TEXT}, as the client shows a message. */
  private static Predicate<String> said(String nick, String text) {
    Pattern pattern = Pattern.compile("\\[\\d\\d:\\d\\d\\] " + Pattern.quote(nick + ": " + text));
    return line -> pattern.matcher(line).matches();
  }

  /** Another client, sharing none of the client's code: JDK WebSocket, Jackson trees. */
  private static final class Observer implements WebSocket.Listener {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final BlockingQueue<JsonNode> events = new LinkedBlockingQueue<>();
    private final StringBuilder partial = new StringBuilder();

    static Observer connect(String url) {
      Observer observer = new Observer();
      HttpClient.newHttpClient()
          .newWebSocketBuilder()
          .subprotocols("chat.v1.json")
          .buildAsync(URI.create(url), observer)
          .join();
      return observer;
    }

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        try {
          events.add(JSON.readTree(partial.toString()));
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        partial.setLength(0);
      }
      ws.request(1);
      return null;
    }

    /** The texts of the messages replayed before {@code live}. */
    List<String> replayedTexts() throws InterruptedException {
      List<String> texts = new ArrayList<>();
      JsonNode event;
      while ((event = next()) != null && !event.path("type").asText().equals("live")) {
        if (event.path("type").asText().equals("message")) {
          texts.add(event.path("text").asText());
        }
      }
      assertThat(event).as("a live event").isNotNull();
      return texts;
    }

    /** Waits for the message {@code text} from {@code from}, replayed or live. */
    JsonNode awaitMessage(String from, String text) throws InterruptedException {
      JsonNode event;
      while ((event = next()) != null) {
        if (event.path("type").asText().equals("message")
            && event.path("from").asText().equals(from)
            && event.path("text").asText().equals(text)) {
          return event;
        }
      }
      throw new AssertionError("no message " + from + ": " + text + " within " + WAIT);
    }

    private JsonNode next() throws InterruptedException {
      return events.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }
  }
}
