package dev.broadcastchat.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code GET /metrics}: Prometheus text whose values move as clients connect and chat. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MetricsIT {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @RegisterExtension
  final ChatServerExtension chat =
      new ChatServerExtension(ServerConfig.defaults("127.0.0.1", 0).withRate(2, 2));

  @Test
  void countsConnectionsMessagesDeliveriesAndBytes() {
    Scrape before = Scrape.of(chat.server());
    assertThat(before.value("chat_connections_open{protocol=\"text\"}")).isZero();

    TestClient alice = chat.connect();
    TestClient bob = chat.connect();
    JsonTestClient carol = JsonTestClient.connect(chat.server(), "nick", "carol");
    carol.welcomeAndReplay();
    alice.send("one");
    alice.nextChatMessage();
    bob.nextChatMessage();
    carol.next("message");

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              Scrape after = Scrape.of(chat.server());
              assertThat(after.value("chat_connections_open{protocol=\"text\"}")).isEqualTo(2);
              assertThat(after.value("chat_connections_open{protocol=\"json\"}")).isEqualTo(1);
              assertThat(delta(before, after, "chat_connections_total{protocol=\"text\"}"))
                  .isEqualTo(2);
              assertThat(delta(before, after, "chat_connections_total{protocol=\"json\"}"))
                  .isEqualTo(1);
              assertThat(delta(before, after, "chat_messages_received_total")).isEqualTo(1);
              // One message, three receivers (the sender included).
              assertThat(delta(before, after, "chat_messages_delivered_total")).isEqualTo(3);
              assertThat(delta(before, after, "chat_outbound_bytes_total"))
                  .isGreaterThan(3 * "one".length());
              assertThat(delta(before, after, "chat_bus_publish_seconds_count")).isEqualTo(1);
              assertThat(after.value("chat_bus_publish_seconds_bucket{le=\"+Inf\"}")).isEqualTo(1);
              assertThat(after.value("chat_rooms")).isEqualTo(1);
            });

    alice.sendClose(1000, "bye");
    assertThat(alice.closeCode()).isEqualTo(1000);
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              Scrape after = Scrape.of(chat.server());
              assertThat(after.value("chat_connections_open{protocol=\"text\"}")).isEqualTo(1);
              assertThat(delta(before, after, "chat_connections_closed_total{code=\"1000\"}"))
                  .isEqualTo(1);
            });
  }

  @Test
  void countsAFrameWrittenToOneClientWithItsHeader() {
    try (JsonTestClient carol = JsonTestClient.connect(chat.server(), "nick", "carol")) {
      carol.welcomeAndReplay();
      carol.next("join"); // its own, coalesced: nothing else is due to it now
      Scrape before = Scrape.of(chat.server());
      carol.send("type", "ping");
      carol.next("pong");
      Scrape after = Scrape.of(chat.server());
      // {"type":"pong"} is 15 bytes, behind a 2-byte header.
      assertThat(delta(before, after, "chat_outbound_bytes_total")).isEqualTo(17);
    }
  }

  @Test
  void countsRateLimitRejections() {
    Scrape before = Scrape.of(chat.server());
    TestClient flooder = chat.connect();
    for (int i = 0; i < 4; i++) {
      flooder.send("m" + i);
    }
    assertThat(flooder.nextChatMessages(4)).anyMatch(m -> m.startsWith("! slow down"));
    Scrape after = Scrape.of(chat.server());
    assertThat(delta(before, after, "chat_rate_limited_total")).isGreaterThanOrEqualTo(1);
    assertThat(delta(before, after, "chat_messages_received_total")).isEqualTo(4);
  }

  @Test
  void includesJvmAndNettyPoolMetrics() {
    Scrape scrape = Scrape.of(chat.server());
    assertThat(scrape.value("netty_pool_used_memory_bytes{memory=\"direct\"}")).isPositive();
    assertThat(scrape.has("netty_pool_used_memory_bytes")).isTrue();
    assertThat(scrape.has("netty_pool_pinned_memory_bytes")).isTrue();
    assertThat(scrape.has("jvm_memory_used_bytes")).isTrue();
    assertThat(scrape.has("jvm_gc_memory_allocated_bytes_total")).isTrue();
    assertThat(scrape.has("jvm_threads_live_threads")).isTrue();
    assertThat(scrape.has("process_uptime_seconds")).isTrue();
  }

  @Test
  void aHeadRequestGetsTheHeadersWithoutTheBody() throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(chat.server().httpUrl() + "metrics"))
                    .method("HEAD", HttpRequest.BodyPublishers.noBody())
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEmpty();
  }

  private static double delta(Scrape before, Scrape after, String sample) {
    return after.value(sample) - before.value(sample);
  }
}
