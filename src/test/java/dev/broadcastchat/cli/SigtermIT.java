package dev.broadcastchat.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * SIGTERM on the real server process ({@link Process#destroy} sends it): readiness turns 503 and
 * upgrades are refused for the drain delay, every client gets close 1001, the process exits 0
 * within the shutdown timeout, and a JSON client drained from one node carries on at another.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SigtermIT {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @Test
  void everyClientGets1001AndTheProcessExits0WithinTheTimeout() throws Exception {
    try (ChatProcess server =
        ChatProcess.jar(Map.of(), "server", "--port", "0", "--shutdown-timeout", "5s")) {
      String url = TlsCommandLineIT.listeningUrl(server);
      List<WsProbe> clients = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        clients.add(WsProbe.text(url));
        clients.add(WsProbe.json(url + "?nick=j" + i));
      }
      for (WsProbe client : clients) {
        assertThat(client.next()).contains("Welcome to chat!");
      }

      long start = System.nanoTime();
      server.terminate();
      for (WsProbe client : clients) {
        assertThat(client.closeCode()).isEqualTo(1001);
      }
      assertThat(server.waitFor(Duration.ofSeconds(15))).isZero();
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
      assertThat(server.stderr()).anyMatch(line -> line.contains("SIGTERM: shutting down"));
      assertThat(server.stderr())
          .filteredOn(line -> line.contains(" closed ") && line.contains(" code=1001 "))
          .hasSize(clients.size());
      clients.forEach(WsProbe::close);
    }
  }

  @Test
  void duringTheDrainDelayReadinessIs503AndNewUpgradesAreRefused() throws Exception {
    try (ChatProcess server =
        ChatProcess.jar(Map.of("CHAT_DRAIN_DELAY", "4s"), "server", "--port", "0")) {
      String url = TlsCommandLineIT.listeningUrl(server);
      String http = url.replace("ws://", "http://");
      try (WsProbe connected = WsProbe.text(url)) {
        connected.next();
        assertThat(status(http + "readyz")).isEqualTo(200);

        server.terminate();
        await().atMost(WAIT).until(() -> status(http + "readyz") == 503);
        assertThat(status(http + "healthz")).isEqualTo(200);
        assertThat(upgradeStatus(url)).isEqualTo(503);
        assertThat(connected.isClosed()).as("still connected while draining").isFalse();

        assertThat(connected.closeCode()).isEqualTo(1001);
      }
      assertThat(server.waitFor(WAIT)).isZero();
    }
  }

  /**
   * A JSON client drained from node A reconnects to node B with {@code since} set to the last
   * message it saw on A.
   *
   * <p>With the in-memory bus two nodes share no history, so B cannot resume from A's id: what this
   * shows is that the client is told so ({@code gap}, never a silent loss) and then gets everything
   * B kept, and B's live messages after it. That a client misses nothing across nodes that share
   * history is the Redis bus's to show (its own tests run two nodes on one Redis).
   */
  @Test
  void aJsonClientDrainedFromOneNodeIsToldOfTheGapAndGetsEverythingSentOnTheOther()
      throws Exception {
    try (ChatProcess nodeA = ChatProcess.jar(Map.of(), "server", "--port", "0");
        ChatProcess nodeB = ChatProcess.jar(Map.of(), "server", "--port", "0")) {
      String urlA = TlsCommandLineIT.listeningUrl(nodeA);
      String urlB = TlsCommandLineIT.listeningUrl(nodeB);

      WsProbe client = WsProbe.json(urlA + "?nick=roamer");
      client.nextOfType("live");
      client.say("on a");
      String lastId = client.nextOfType("message").path("id").asText();

      try (WsProbe local = WsProbe.json(urlB + "?nick=local")) {
        local.nextOfType("live");
        local.say("b1");
        local.nextOfType("message");
        local.say("b2");
        local.nextOfType("message");

        nodeA.terminate();
        assertThat(client.closeCode()).isEqualTo(1001);
        assertThat(nodeA.waitFor(WAIT)).isZero();
        client.close();

        try (WsProbe resumed =
            WsProbe.json(
                urlB + "?nick=roamer&since=" + URLEncoder.encode(lastId, StandardCharsets.UTF_8))) {
          assertThat(resumed.nextEvent().path("type").asText()).isEqualTo("welcome");
          JsonNode gap = resumed.nextEvent();
          assertThat(gap.path("type").asText()).isEqualTo("gap");
          List<String> replayed = new ArrayList<>();
          JsonNode event;
          while (!(event = resumed.nextEvent()).path("type").asText().equals("live")) {
            assertThat(event.path("type").asText()).isEqualTo("message");
            replayed.add(event.path("from").asText() + ": " + event.path("text").asText());
          }
          assertThat(replayed).containsExactly("local: b1", "local: b2");

          local.say("b3");
          JsonNode live = resumed.nextOfType("message");
          assertThat(live.path("text").asText()).isEqualTo("b3");
          assertThat(live.path("replay").asBoolean(false)).isFalse();
        }
      }
    }
  }

  private static int status(String url) throws Exception {
    return HTTP.send(
            HttpRequest.newBuilder(URI.create(url)).timeout(WAIT).build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  private static int upgradeStatus(String url) {
    WsProbe accepted;
    try {
      accepted = WsProbe.text(url);
    } catch (Exception e) {
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t instanceof WebSocketHandshakeException refused) {
          return refused.getResponse().statusCode();
        }
      }
      throw new AssertionError("upgrade failed without an HTTP status", e);
    }
    accepted.close();
    throw new AssertionError("upgrade accepted while draining");
  }
}
