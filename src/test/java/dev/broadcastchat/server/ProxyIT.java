package dev.broadcastchat.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
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
