package dev.broadcastchat.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Browser pages from other sites may not connect: only the server's own origin and local pages by
 * default, the listed ones when configured; tools without an Origin unless one is required.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OriginIT {
  @RegisterExtension final ChatServerExtension chat = new ChatServerExtension();

  private static int status(ChatServer server, String... headers) throws Exception {
    InetSocketAddress address = server.address();
    return RawHttp.send(address, RawHttp.upgrade(address, "/", headers)).status();
  }

  @Test
  void localPagesAndTheServersOwnOriginMayConnectByDefault() throws Exception {
    ChatServer server = chat.server();
    try (Bystanders bystanders = Bystanders.join(server)) {
      bystanders.during(
          () -> {
            assertThat(status(server, "Origin: http://localhost:3000")).isEqualTo(101);
            assertThat(status(server, "Origin: https://127.0.0.1")).isEqualTo(101);
            assertThat(status(server, "Origin: http://[::1]:8000")).isEqualTo(101);
            assertThat(status(server, "Origin: http://127.0.0.1:" + server.port())).isEqualTo(101);
          });
    }
  }

  @Test
  void aPageFromAnotherSiteIsRefusedWith403() throws Exception {
    ChatServer server = chat.server();
    try (Bystanders bystanders = Bystanders.join(server)) {
      bystanders.during(
          () -> {
            InetSocketAddress address = server.address();
            RawHttp.Response response =
                RawHttp.send(
                    address, RawHttp.upgrade(address, "/", "Origin: https://evil.example"));
            assertThat(response.status()).isEqualTo(403);
            assertThat(response.body()).isEqualTo("origin not allowed\n");
            assertThat(status(server, "Origin: null")).isEqualTo(403);
            assertThat(status(server, "Origin: http://localhost.evil.example")).isEqualTo(403);
          });
    }
    assertThat(server.refusals().get(Refusals.Reason.ORIGIN)).isEqualTo(3);
  }

  @Test
  void toolsWithoutAnOriginMayConnect() throws Exception {
    ChatServer server = chat.server();
    try (Bystanders bystanders = Bystanders.join(server)) {
      bystanders.during(() -> assertThat(status(server)).isEqualTo(101));
    }
  }

  @Test
  void requireOriginRefusesToolsAndAllowedOriginsReplaceTheDefaults() throws Exception {
    try (ChatServer server =
        ChatServer.start(
            ServerConfig.defaults("127.0.0.1", 0)
                .withSecurity(
                    SecurityConfig.DEFAULTS.withOrigins(
                        List.of("https://chat.example.com", "http://127.0.0.1:1"), true)))) {
      // The test client sends no Origin.
      assertThatThrownBy(() -> JsonTestClient.connect(server))
          .isInstanceOf(AssertionError.class)
          .hasMessageContaining("open");
      assertThat(status(server)).isEqualTo(403);
      assertThat(status(server, "Origin: https://chat.example.com")).isEqualTo(101);
      assertThat(status(server, "Origin: http://127.0.0.1:1")).isEqualTo(101);
      assertThat(status(server, "Origin: http://localhost:3000")).isEqualTo(403);
      assertThat(status(server, "Origin: http://127.0.0.1:" + server.port())).isEqualTo(101);
    }
  }
}
