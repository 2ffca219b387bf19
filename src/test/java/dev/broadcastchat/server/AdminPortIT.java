package dev.broadcastchat.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code --admin-port}: metrics and health on a listener of their own, metrics off the main one.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AdminPortIT {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @RegisterExtension
  final ChatServerExtension chat =
      new ChatServerExtension(
          ServerConfig.builder().host("127.0.0.1").port(0).adminPort(0).build());

  @Test
  void servesMetricsOnTheAdminPortAndNotOnTheMainOne() throws Exception {
    InetSocketAddress admin = chat.server().adminAddress();
    assertThat(admin).isNotNull();
    assertThat(admin.getPort()).isNotEqualTo(chat.port()).isPositive();
    String adminUrl = "http://127.0.0.1:" + admin.getPort() + "/";

    TestClient client = chat.connect();
    client.nextMessage();
    Scrape scrape = Scrape.of(URI.create(adminUrl + "metrics"));
    assertThat(scrape.value("chat_connections_open{protocol=\"text\"}")).isEqualTo(1);

    assertThat(status(chat.server().httpUrl() + "metrics")).isEqualTo(404);
    assertThat(status(adminUrl + "healthz")).isEqualTo(200);
    assertThat(status(adminUrl + "readyz")).isEqualTo(200);
    assertThat(status(chat.server().httpUrl() + "healthz")).isEqualTo(200);
    assertThat(status(chat.server().httpUrl() + "readyz")).isEqualTo(200);
    assertThat(status(adminUrl)).as("no index page, no chat on the admin port").isEqualTo(404);
    assertThat(RawHttp.send(admin, "GET /readyz%zz HTTP/1.1\r\nHost: x\r\n\r\n").status())
        .isEqualTo(400);
  }

  @Test
  void withoutAnAdminPortMetricsAreOnTheMainPort() {
    try (ChatServer plain = ChatServer.start(ServerConfig.defaults("127.0.0.1", 0))) {
      assertThat(plain.adminAddress()).isNull();
      assertThat(Scrape.of(plain).has("chat_connections_open")).isTrue();
    }
  }

  private static int status(String url) throws Exception {
    return HTTP.send(
            HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }
}
