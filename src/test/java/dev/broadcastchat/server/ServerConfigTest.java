package dev.broadcastchat.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ServerConfigTest {

  @Test
  void theOperationsDefaultsAreTheDocumentedOnes() {
    ServerConfig config = ServerConfig.defaults("127.0.0.1", 8080);
    assertThat(config.drainDelay()).isZero();
    assertThat(config.pingInterval()).isEqualTo(Duration.ofSeconds(30));
    assertThat(config.pingTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(config.handshakeTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(config.tls()).isFalse();
    assertThat(config.hasAdminPort()).isFalse();
    assertThat(config.trustedProxies().isEmpty()).isTrue();
  }

  @Test
  void describesEveryOptionAsItIsWritten() {
    ServerConfig config =
        ServerConfig.builder()
            .drainDelay(Duration.ofMillis(1500))
            .pingInterval(Duration.ZERO)
            .trustedProxies(TrustedProxies.parse("10.0.0.0/8, ::1"))
            .adminPort(9090)
            .tls(Path.of("/c.pem"), Path.of("/k.pem"))
            .build();
    assertThat(ChatServer.summary(config))
        .contains("host=127.0.0.1 port=8080 redis=none redis-prefix=chat: history=100 room-ttl=1h")
        .contains("shutdown-timeout=10s drain-delay=1500ms")
        .contains("tls-cert=/c.pem tls-key=/k.pem ping-interval=off ping-timeout=30s")
        .contains("handshake-timeout=10s trusted-proxies=10.0.0.0/8,::1 admin-port=9090");
  }

  @Test
  void describesTheSecurityOptionsWithTheSecretMasked() {
    String secret = "a-signing-secret-of-at-least-32-bytes";
    ServerConfig config =
        ServerConfig.builder()
            .security(
                new SecurityConfig(
                    secret,
                    List.of("https://chat.example.com", "http://10.0.0.7:8080"),
                    true,
                    true,
                    500,
                    20,
                    300,
                    1000))
            .build();
    assertThat(ChatServer.summary(config))
        .contains(
            "ping-timeout=30s auth-secret=**** allowed-origins=https://chat.example.com,"
                + "http://10.0.0.7:8080 require-origin=true hide-addresses=true"
                + " max-connections=500 max-connections-per-ip=20 handshake-timeout=10s")
        .contains("admin-port=none max-rooms=300 max-room-members=1000 transport=")
        .endsWith(" log-level=info")
        .doesNotContain(secret);
    assertThat(ChatServer.summary(ServerConfig.defaults("127.0.0.1", 8080)))
        .contains(
            "auth-secret=none allowed-origins=own+local require-origin=false"
                + " hide-addresses=false max-connections=100000 max-connections-per-ip=0")
        .contains("max-rooms=10000 max-room-members=50000");
  }

  @Test
  void theTransportIsEpollUnlessAnotherIsNamed() {
    assertThat(ServerConfig.defaults("127.0.0.1", 8080).transport())
        .isEqualTo(Transport.platformDefault());
    assertThat(Transport.parse(null)).isEqualTo(Transport.platformDefault());
    assertThat(Transport.parse(" ")).isEqualTo(Transport.platformDefault());
    assertThat(Transport.parse("io_uring")).isEqualTo(Transport.IO_URING);
    assertThat(Transport.parse("EPOLL")).isEqualTo(Transport.EPOLL);
    assertThat(Transport.parse("nio")).isEqualTo(Transport.NIO);
    assertThatThrownBy(() -> Transport.parse("io-uring"))
        .hasMessage("transport: 'io-uring' (expected: epoll, io_uring, nio)");
    ServerConfig nio = ServerConfig.builder().transport(Transport.NIO).build();
    assertThat(ChatServer.summary(nio)).contains(" transport=nio ");
  }

  @Test
  void refusesATransportThatDoesNotLoadHereNamingThoseThatDo() {
    assertThat(
            Transport.unavailableMessage(
                Transport.IO_URING,
                new UnsupportedOperationException("io_uring_setup: Operation not permitted"),
                List.of(Transport.EPOLL, Transport.NIO)))
        .isEqualTo(
            "transport: io_uring does not load here (java.lang.UnsupportedOperationException:"
                + " io_uring_setup: Operation not permitted); epoll or nio do");
    assertThat(
            Transport.unavailableMessage(
                Transport.EPOLL, new UnsatisfiedLinkError("no epoll"), List.of(Transport.NIO)))
        .endsWith("); nio does");
    for (Transport t : Transport.values()) {
      if (t.unavailabilityCause() == null) {
        assertThat(ServerConfig.builder().transport(t).build().transport()).isEqualTo(t);
      } else {
        assertThatThrownBy(() -> ServerConfig.builder().transport(t).build())
            .hasMessageStartingWith("transport: " + t.cliName() + " does not load here (");
      }
    }
    assertThat(Transport.NIO.unavailabilityCause()).as("NIO is the JDK's own").isNull();
  }

  @Test
  void masksSecrets() {
    assertThat(ServerConfig.mask("hunter2")).isEqualTo("****");
    assertThat(ServerConfig.mask(null)).isEqualTo("none");
    assertThat(ServerConfig.maskUrlPassword("redis://:hunter2@redis.internal:6379/0"))
        .isEqualTo("redis://:****@redis.internal:6379/0");
    assertThat(ServerConfig.maskUrlPassword("rediss://app:hunter2@[::1]:6380"))
        .isEqualTo("rediss://app:****@[::1]:6380");
    assertThat(ServerConfig.maskUrlPassword("redis://hunter2@h")).isEqualTo("redis://****@h");
    assertThat(ServerConfig.maskUrlPassword("redis://h:6379")).isEqualTo("redis://h:6379");
    ServerConfig config = ServerConfig.builder().redis("redis://:hunter2@h:6379").build();
    assertThat(ChatServer.summary(config))
        .contains("redis=redis://:****@h:6379")
        .doesNotContain("hunter2");
  }

  @Test
  void allowsWholeOriginsAndTheWildcardAlone() {
    SecurityConfig security =
        SecurityConfig.DEFAULTS.withOrigins(
            List.of(
                "https://Chat.Example.com/",
                "http://chat.example.com:8080",
                "http://[::1]:3000",
                "http://10.0.0.7",
                "*"),
            false);
    assertThat(security.allowedOrigins())
        .containsExactly(
            "https://chat.example.com",
            "http://chat.example.com:8080",
            "http://[::1]:3000",
            "http://10.0.0.7",
            "*");
  }

  @Test
  void refusesOneTlsFileWithoutTheOther() {
    assertThatThrownBy(() -> ServerConfig.builder().tls(null, Path.of("/k.pem")).build())
        .hasMessage("tls-key: /k.pem given without --tls-cert (expected: both or neither)");
  }

  @Test
  void refusesAnAdminPortEqualToTheMainOne() {
    assertThatThrownBy(() -> ServerConfig.builder().port(9000).adminPort(9000).build())
        .hasMessage("admin-port: 9000 (expected: a port other than --port)");
    assertThat(ServerConfig.builder().port(0).adminPort(0).build().adminPort()).isZero();
  }

  @Test
  void refusesTimeoutsThatCannotWork() {
    assertThatThrownBy(() -> ServerConfig.builder().pingTimeout(Duration.ZERO).build())
        .hasMessage("ping-timeout: 0s (expected: > 0)");
    assertThatThrownBy(() -> ServerConfig.builder().drainDelay(Duration.ofSeconds(-1)).build())
        .hasMessageStartingWith("drain-delay: ");
  }

  @Test
  void ioUringLoopsGetTheLargestCompletionQueueUnlessTheJvmWasGivenOne() {
    Throwable cause = Transport.IO_URING.unavailabilityCause();
    assumeTrue(cause == null, () -> "io_uring does not load here: " + cause);
    assertThat(Transport.ioUringConfig().getCqSize())
        .isEqualTo(Transport.IO_URING_COMPLETION_QUEUE);
    System.setProperty("io.netty.iouring.cqSize", "8192");
    try {
      assertThat(Transport.ioUringConfig().getCqSize())
          .as("Netty's own, from its system property")
          .isNotEqualTo(Transport.IO_URING_COMPLETION_QUEUE);
    } finally {
      System.clearProperty("io.netty.iouring.cqSize");
    }
  }
}
