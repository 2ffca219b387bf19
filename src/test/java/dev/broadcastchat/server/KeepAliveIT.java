package dev.broadcastchat.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Dead peers and stalled handshakes are dropped: a connection that stops answering pings is closed,
 * one that answers stays; a half-sent upgrade request and an idle HTTP connection are closed within
 * the handshake timeout.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class KeepAliveIT {
  private static final Duration PING_INTERVAL = Duration.ofMillis(200);

  /**
   * Long enough that a test client stalled for a moment on a loaded machine still answers in time
   * (its pong, its upgrade), short enough to keep the tests quick.
   */
  private static final Duration PING_TIMEOUT = Duration.ofSeconds(1);

  private static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(2);

  /** Far more than any bound under test, far less than a test's timeout. */
  private static final Duration WAIT = Duration.ofSeconds(10);

  @RegisterExtension
  final ChatServerExtension chat =
      new ChatServerExtension(
          ServerConfig.builder()
              .host("127.0.0.1")
              .port(0)
              .pingInterval(PING_INTERVAL)
              .pingTimeout(PING_TIMEOUT)
              .handshakeTimeout(HANDSHAKE_TIMEOUT)
              .build());

  @Test
  void aPeerThatStopsAnsweringPingsIsClosedWith1001() throws Exception {
    try (RawWebSocket silent = RawWebSocket.connect(chat.server().address(), 64 * 1024)) {
      // It answers nothing from here on; the server gives up on it. (Waiting first to see it
      // counted as open would miss it if the test stalled for as long as it lives.)
      RawWebSocket.Frame frame = silent.readFrame();
      while (frame != null && frame.opcode() == RawWebSocket.Frame.TEXT) {
        frame = silent.readFrame();
      }
      assertThat(frame).isNotNull();
      assertThat(frame.opcode()).as("a ping first").isEqualTo(0x9);
      assertThat(silent.readCloseCode()).isEqualTo(1001);
      assertThat(silent.readFrame()).as("then the end of the connection").isNull();
    }
    await().atMost(WAIT).until(() -> chat.server().openConnections() == 0);
    Scrape scrape = Scrape.of(chat.server());
    assertThat(scrape.value("chat_keepalive_timeouts_total")).isEqualTo(1);
  }

  @Test
  void aPingIsAnsweredWithAPongCarryingItsPayload() throws Exception {
    try (RawWebSocket raw = RawWebSocket.connect(chat.server().address(), 64 * 1024)) {
      byte[] payload = "are you there?".getBytes(StandardCharsets.UTF_8);
      raw.sendFrame(true, 0x9, payload);
      RawWebSocket.Frame pong = next(raw, f -> f.opcode() == 0xA);
      assertThat(pong.payload()).isEqualTo(payload);
      // An unasked pong is allowed (RFC 6455, 5.5.3): the connection goes on.
      raw.sendFrame(true, 0xA, new byte[0]);
      raw.sendText("still here");
      next(raw, f -> f.opcode() == RawWebSocket.Frame.TEXT && f.text().endsWith(": still here"));
    }
  }

  /**
   * The next frame {@code wanted} takes, answering the server's pings and skipping everything else
   * (the welcome, presence notices) on the way.
   */
  private static RawWebSocket.Frame next(
      RawWebSocket raw, java.util.function.Predicate<RawWebSocket.Frame> wanted)
      throws IOException {
    while (true) {
      RawWebSocket.Frame frame = raw.readFrame();
      assertThat(frame).as("a frame before the end of the connection").isNotNull();
      if (wanted.test(frame)) {
        return frame;
      }
      assertThat(frame.opcode()).as("no close before what is awaited").isNotEqualTo(0x8);
      if (frame.opcode() == 0x9) {
        raw.sendFrame(true, 0xA, frame.payload());
      }
    }
  }

  @Test
  void aPeerThatAnswersPingsStaysConnected() {
    TestClient client = chat.connect();
    assertThat(client.nextMessage()).startsWith("Welcome");
    // The test client answers every ping with a pong, as browsers do.
    await()
        .atMost(WAIT)
        .until(() -> Scrape.of(chat.server()).value("chat_keepalive_pings_total") >= 3);
    assertThat(client.isClosed()).isFalse();
    client.send("still here");
    assertThat(client.nextChatMessage()).endsWith(": still here");
    assertThat(Scrape.of(chat.server()).value("chat_keepalive_timeouts_total")).isZero();
  }

  @Test
  void aHalfSentUpgradeRequestIsDroppedWithinTheHandshakeTimeout() throws Exception {
    try (Socket socket = connect()) {
      send(socket, "GET /?room=lobby HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n");
      long start = System.nanoTime();
      assertThat(socket.getInputStream().read()).as("end of stream").isEqualTo(-1);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(WAIT);
    }
    assertThat(Scrape.of(chat.server()).value("chat_handshake_timeouts_total")).isEqualTo(1);
  }

  @Test
  void aConnectionThatSendsNothingIsDropped() throws Exception {
    try (Socket socket = connect()) {
      assertThat(socket.getInputStream().read()).as("end of stream").isEqualTo(-1);
    }
  }

  @Test
  void anIdleKeepAliveHttpConnectionIsClosedAfterItsLastResponse() throws Exception {
    try (Socket socket = connect()) {
      send(socket, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
      String head = readResponse(socket.getInputStream());
      assertThat(head).startsWith("HTTP/1.1 200 ").contains("ok");
      send(socket, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
      assertThat(readResponse(socket.getInputStream())).startsWith("HTTP/1.1 200 ");
      assertThat(socket.getInputStream().read()).as("end of stream").isEqualTo(-1);
    }
  }

  private Socket connect() throws IOException {
    Socket socket = new Socket("127.0.0.1", chat.port());
    socket.setSoTimeout((int) WAIT.toMillis());
    return socket;
  }

  private static void send(Socket socket, String text) throws IOException {
    OutputStream out = socket.getOutputStream();
    out.write(text.getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  /** Reads one response with a body of {@code Content-Length} bytes. */
  private static String readResponse(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    try {
      while (!sb.toString().contains("\r\n\r\n")) {
        int b = in.read();
        if (b < 0) {
          break;
        }
        sb.append((char) b);
      }
      String head = sb.toString().toLowerCase(java.util.Locale.ROOT);
      int at = head.indexOf("content-length:");
      int length =
          at < 0 ? 0 : Integer.parseInt(head.substring(at + 15, head.indexOf("\r\n", at)).trim());
      for (int i = 0; i < length; i++) {
        sb.append((char) in.read());
      }
    } catch (SocketTimeoutException e) {
      throw new AssertionError("response incomplete: " + sb, e);
    }
    return sb.toString();
  }
}
