package dev.broadcastchat.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Behind a proxy: the address shown (and used for per-IP decisions) is the user's when the TCP peer
 * is a trusted proxy, from its X-Forwarded-For header or its PROXY protocol header, and the peer's
 * own otherwise.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProxyIT {

  @Test
  void xForwardedForFromATrustedProxyChangesTheShownAddress() throws Exception {
    try (ChatServer server = start("127.0.0.1")) {
      try (RawWebSocket ws = connect(server, "X-Forwarded-For: 203.0.113.7\r\n")) {
        assertThat(echo(ws, "hello")).isEqualTo("203.0.113.7:" + ws.localPort() + ": hello");
      }
    }
  }

  @Test
  void theRightMostUntrustedEntryIsTheClientWhateverItClaimedBeforeIt() throws Exception {
    // The client sent "X-Forwarded-For: 10.9.9.9" itself; two proxies appended what they saw.
    try (ChatServer server = start("127.0.0.1,198.51.100.0/24");
        RawWebSocket ws =
            connect(
                server,
                "X-Forwarded-For: 10.9.9.9, 203.0.113.7\r\nX-Forwarded-For: 198.51.100.4\r\n")) {
      assertThat(echo(ws, "hi")).isEqualTo("203.0.113.7:" + ws.localPort() + ": hi");
    }
  }

  @Test
  void xForwardedForFromAnUntrustedPeerIsIgnored() throws Exception {
    try (ChatServer server = start("10.0.0.0/8,::1");
        RawWebSocket ws = connect(server, "X-Forwarded-For: 203.0.113.7\r\n")) {
      assertThat(echo(ws, "hello")).isEqualTo("127.0.0.1:" + ws.localPort() + ": hello");
    }
    try (ChatServer server = start("");
        RawWebSocket ws = connect(server, "X-Forwarded-For: 203.0.113.7\r\n")) {
      assertThat(echo(ws, "hello")).isEqualTo("127.0.0.1:" + ws.localPort() + ": hello");
    }
  }

  @Test
  void aProxyProtocolHeaderFromATrustedProxyGivesTheUsersAddressAndPort() throws Exception {
    try (ChatServer server = start("127.0.0.1")) {
      byte[] v1 =
          "PROXY TCP4 192.0.2.9 127.0.0.1 5555 8080\r\n".getBytes(StandardCharsets.US_ASCII);
      try (RawWebSocket ws = RawWebSocket.connect(server.address(), 64 * 1024, v1, "")) {
        assertThat(echo(ws, "via haproxy")).isEqualTo("192.0.2.9:5555: via haproxy");
      }
      byte[] v6 = "PROXY TCP6 2001:db8::5 ::1 4444 8080\r\n".getBytes(StandardCharsets.US_ASCII);
      try (RawWebSocket ws = RawWebSocket.connect(server.address(), 64 * 1024, v6, "")) {
        assertThat(echo(ws, "six")).isEqualTo("[2001:db8:0:0:0:0:0:5]:4444: six");
      }
      // A trusted proxy may also connect without the header (its own health checks, say).
      try (RawWebSocket ws = connect(server, "")) {
        assertThat(echo(ws, "plain")).isEqualTo("127.0.0.1:" + ws.localPort() + ": plain");
      }
    }
  }

  @Test
  void aProxyProtocolHeaderFromAnUntrustedPeerIsNotBelieved() throws Exception {
    try (ChatServer server = start("10.0.0.1")) {
      byte[] v1 =
          "PROXY TCP4 192.0.2.9 127.0.0.1 5555 8080\r\n".getBytes(StandardCharsets.US_ASCII);
      // To a server that does not expect it, the header is a malformed HTTP request.
      assertThatThrownBy(() -> RawWebSocket.connect(server.address(), 64 * 1024, v1, ""))
          .isInstanceOf(IOException.class);
    }
  }

  @Test
  void thePerAddressLimitCountsTheForwardedClientNotTheProxy() throws Exception {
    try (ChatServer server = startWithPerIpLimit("127.0.0.1", 2)) {
      String alice = "X-Forwarded-For: 203.0.113.7\r\n";
      try (RawWebSocket first = connect(server, alice);
          RawWebSocket second = connect(server, alice)) {
        assertThatThrownBy(() -> connect(server, alice))
            .isInstanceOf(IOException.class)
            .hasMessageContaining("429");
        // Others behind the same proxy have their own allowance, and so does the proxy itself.
        try (RawWebSocket bob = connect(server, "X-Forwarded-For: 203.0.113.8\r\n");
            RawWebSocket bob2 = connect(server, "X-Forwarded-For: 203.0.113.8\r\n");
            RawWebSocket probe = connect(server, "")) {
          assertThat(echo(bob, "bob")).isEqualTo("203.0.113.8:" + bob.localPort() + ": bob");
          assertThat(echo(probe, "probe")).startsWith("127.0.0.1:");
        }
        assertThat(echo(second, "still here")).startsWith("203.0.113.7:");
      }
      // A closed connection gives its place back (the close is seen on the server's loop).
      Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .ignoreExceptions() // a 429 while the server has not yet seen the close
          .untilAsserted(
              () -> {
                try (RawWebSocket again = connect(server, alice)) {
                  assertThat(echo(again, "back")).startsWith("203.0.113.7:");
                }
              });
      assertThat(server.refusals().get(Refusals.Reason.MAX_CONNECTIONS_PER_IP)).isPositive();
    }
  }

  @Test
  void thePerAddressLimitCountsTheSourceAProxyProtocolHeaderNames() throws Exception {
    try (ChatServer server = startWithPerIpLimit("127.0.0.1", 1)) {
      byte[] carol =
          "PROXY TCP4 192.0.2.9 127.0.0.1 5555 8080\r\n".getBytes(StandardCharsets.US_ASCII);
      byte[] dave =
          "PROXY TCP4 192.0.2.10 127.0.0.1 5556 8080\r\n".getBytes(StandardCharsets.US_ASCII);
      try (RawWebSocket first = RawWebSocket.connect(server.address(), 64 * 1024, carol, "");
          RawWebSocket other = RawWebSocket.connect(server.address(), 64 * 1024, dave, "")) {
        assertThatThrownBy(() -> RawWebSocket.connect(server.address(), 64 * 1024, carol, ""))
            .isInstanceOf(IOException.class)
            .hasMessageContaining("429");
        assertThat(echo(other, "dave")).isEqualTo("192.0.2.10:5556: dave");
        assertThat(echo(first, "carol")).isEqualTo("192.0.2.9:5555: carol");
      }
    }
  }

  @Test
  void aConnectionAProxyReusesForAnotherClientCountsAgainstThatClient() throws Exception {
    try (ChatServer server = startWithPerIpLimit("127.0.0.1", 1)) {
      String alice = "X-Forwarded-For: 203.0.113.7\r\n";
      String bob = "X-Forwarded-For: 203.0.113.8\r\n";
      String aliceHealthCheck =
          "GET /healthz HTTP/1.1\r\nHost: chat\r\n" + alice + "Connection: keep-alive\r\n\r\n";
      // The proxy first carried alice's plain request, then bob's upgrade, over one connection.
      try (RawWebSocket reused =
          RawWebSocket.connectAfterRequest(server.address(), aliceHealthCheck, bob)) {
        assertThat(echo(reused, "bob")).startsWith("203.0.113.8:");
        // The connection is bob's now: alice has her place, bob has none left.
        try (RawWebSocket aliceOwn = connect(server, alice)) {
          assertThat(echo(aliceOwn, "alice")).startsWith("203.0.113.7:");
        }
        assertThatThrownBy(() -> connect(server, bob))
            .isInstanceOf(IOException.class)
            .hasMessageContaining("429");
      }
    }
  }

  @Test
  void aProxyProtocolConnectionCountsBeforeItsFirstRequestEnds() throws Exception {
    try (ChatServer server = startWithPerIpLimit("127.0.0.1", 1);
        Socket slow = new Socket()) {
      byte[] carol =
          "PROXY TCP4 192.0.2.9 127.0.0.1 5555 8080\r\n".getBytes(StandardCharsets.US_ASCII);
      slow.connect(server.address());
      // Carol's first connection sends the header and only the start of a request, and waits.
      slow.getOutputStream().write(carol);
      slow.getOutputStream().write("GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
      slow.getOutputStream().flush();
      Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () -> {
                try (RawWebSocket second =
                    RawWebSocket.connect(server.address(), 64 * 1024, carol, "")) {
                  throw new AssertionError("a second connection from carol opened");
                } catch (IOException refused) {
                  assertThat(refused).hasMessageContaining("429");
                }
              });
    }
  }

  @Test
  void thePerAddressLimitCountsAnUntrustedPeerByItsOwnAddressWhateverItForwards() throws Exception {
    try (ChatServer server = startWithPerIpLimit("10.0.0.1", 1);
        RawWebSocket first = connect(server, "X-Forwarded-For: 203.0.113.7\r\n")) {
      assertThatThrownBy(() -> connect(server, "X-Forwarded-For: 203.0.113.8\r\n"))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("429");
      assertThat(echo(first, "one")).startsWith("127.0.0.1:");
    }
  }

  private static ChatServer startWithPerIpLimit(String trusted, int perIp) {
    return ChatServer.start(
        ServerConfig.builder()
            .host("127.0.0.1")
            .port(0)
            .trustedProxies(TrustedProxies.parse(trusted))
            .security(SecurityConfig.DEFAULTS.withConnectionLimits(1000, perIp))
            .build());
  }

  private static ChatServer start(String trusted) {
    return ChatServer.start(
        ServerConfig.builder()
            .host("127.0.0.1")
            .port(0)
            .trustedProxies(TrustedProxies.parse(trusted))
            .build());
  }

  private static RawWebSocket connect(ChatServer server, String headers) throws IOException {
    return RawWebSocket.connect(server.address(), 64 * 1024, new byte[0], headers);
  }

  /** Sends {@code text} and returns how the server broadcast it back. */
  private static String echo(RawWebSocket ws, String text) throws IOException {
    ws.sendText(text);
    while (true) {
      RawWebSocket.Frame frame = ws.readFrame();
      if (frame == null || frame.opcode() != RawWebSocket.Frame.TEXT) {
        throw new AssertionError("no echo of " + text + ", got " + frame);
      }
      String line = frame.text();
      if (line.endsWith(": " + text)) {
        return line;
      }
    }
  }
}
