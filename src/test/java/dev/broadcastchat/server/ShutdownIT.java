package dev.broadcastchat.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.spi.ILoggingEvent;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Graceful shutdown in process: during the drain delay readiness is 503, upgrades are refused and
 * the connections still chat; then every connection is closed with 1001. The process-level
 * counterpart, with SIGTERM, is {@code cli.ShutdownIT}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ShutdownIT {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final Duration DRAIN = Duration.ofSeconds(3);

  @RegisterExtension
  @Order(1)
  final CapturedLogs logs = new CapturedLogs();

  @Test
  void drainsThenClosesEveryConnectionWith1001() throws Exception {
    ChatServer server =
        ChatServer.start(
            ServerConfig.builder().host("127.0.0.1").port(0).drainDelay(DRAIN).build());
    TestClient text = TestClient.connect(URI.create(server.url()));
    assertThat(text.nextMessage()).startsWith("Welcome");
    JsonTestClient json = JsonTestClient.connect(server, "nick", "j");
    json.welcomeAndReplay();
    assertThat(status(server, "readyz")).isEqualTo(200);

    CompletableFuture<Void> closing = CompletableFuture.runAsync(server::close);
    await().atMost(Duration.ofSeconds(5)).until(() -> status(server, "readyz") == 503);
    assertThat(status(server, "healthz")).isEqualTo(200);
    assertThat(upgradeStatus(server)).as("a new upgrade is refused").isEqualTo(503);
    // Those already connected keep chatting until the drain delay is over.
    text.send("still draining");
    assertThat(text.nextChatMessage()).endsWith(": still draining");
    assertThat(text.isClosed()).isFalse();

    assertThat(text.closeCode()).isEqualTo(1001);
    assertThat(json.closeCode()).isEqualTo(1001);
    closing.get(20, TimeUnit.SECONDS);
  }

  @Test
  void logsTheEffectiveConfigurationAndEachConnection() {
    try (ChatServer server = ChatServer.start(ServerConfig.defaults("127.0.0.1", 0))) {
      assertThat(logs.firstContaining("listening on " + server.url(), "ping-interval=30s"))
          .map(ILoggingEvent::getFormattedMessage)
          .hasValueSatisfying(line -> assertThat(line).contains("drain-delay=0s", "tls-cert=none"));
      TestClient client = TestClient.connect(URI.create(server.url() + "?room=ops"));
      String addr = client.address();
      client.sendClose(1000, "");
      assertThat(client.closeCode()).isEqualTo(1000);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  logs.firstContaining("closed " + addr, "room=ops", "proto=text", "code=1000")
                      .isPresent());
      String id = "conn [0-9a-f]{8} ";
      assertLine("open " + addr, id + "open \\Q" + addr + "\\E room=ops nick=- proto=text");
      assertLine(
          "closed " + addr,
          id + "closed \\Q" + addr + "\\E room=ops proto=text code=1000 duration=[0-9]+ms");

      // A nick is logged as it is, braces and all.
      JsonTestClient json = JsonTestClient.connect(server, "nick", "{}x", "room", "r2");
      json.welcomeAndReplay();
      // The welcome is written before the line is logged: it can arrive first.
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> logs.firstContaining(" open ", "room=r2").isPresent());
      assertThat(logs.firstContaining(" open ", "room=r2"))
          .map(ILoggingEvent::getFormattedMessage)
          .hasValueSatisfying(line -> assertThat(line).endsWith(" room=r2 nick={}x proto=json"));
      json.sendClose();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () -> logs.firstContaining(" closed ", "room=r2 proto=json code=1000").isPresent());
    }
  }

  /** The first logged line containing {@code part} is all of {@code regex}. */
  private void assertLine(String part, String regex) {
    assertThat(logs.firstContaining(part))
        .map(ILoggingEvent::getFormattedMessage)
        .hasValueSatisfying(line -> assertThat(line).matches(regex));
  }

  /** The HTTP status with which {@code server} refuses an upgrade; fails if it accepts it. */
  private static int upgradeStatus(ChatServer server) {
    try {
      HTTP.newWebSocketBuilder()
          .buildAsync(URI.create(server.url()), new java.net.http.WebSocket.Listener() {})
          .get(10, TimeUnit.SECONDS)
          .abort();
    } catch (Exception e) {
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t instanceof WebSocketHandshakeException refused) {
          return refused.getResponse().statusCode();
        }
      }
      throw new AssertionError("upgrade failed without an HTTP status", e);
    }
    throw new AssertionError("upgrade accepted");
  }

  private static int status(ChatServer server, String path) throws Exception {
    return HTTP.send(
            HttpRequest.newBuilder(URI.create(server.httpUrl() + path)).build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }
}
