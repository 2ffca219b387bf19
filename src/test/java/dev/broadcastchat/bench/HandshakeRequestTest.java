package dev.broadcastchat.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class HandshakeRequestTest {
  /** The example of RFC 6455, 1.3. */
  private static final String KEY = "dGhlIHNhbXBsZSBub25jZQ==";

  private static final String ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

  private final HandshakeRequest request =
      HandshakeRequest.of(URI.create("ws://127.0.0.1:9100/?room=bench"), KEY);

  @Test
  void answersTheKeyOfTheRfcExample() {
    assertThat(HandshakeRequest.acceptFor(KEY)).isEqualTo(ACCEPT);
  }

  @Test
  void asksForTheUrlsPathAndQuery() {
    ByteBuf bytes = request.bytes();
    try {
      assertThat(bytes.toString(StandardCharsets.US_ASCII))
          .isEqualTo(
              "GET /?room=bench HTTP/1.1\r\n"
                  + "Host: 127.0.0.1:9100\r\n"
                  + "Upgrade: websocket\r\n"
                  + "Connection: Upgrade\r\n"
                  + "Sec-WebSocket-Key: "
                  + KEY
                  + "\r\n"
                  + "Sec-WebSocket-Version: 13\r\n"
                  + "\r\n");
    } finally {
      bytes.release();
    }
  }

  @Test
  void acceptsA101WithTheRightAcceptWhateverTheHeaderCase() {
    assertThat(
            request.check(
                "HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: upgrade\r\n"
                    + "sec-websocket-accept: "
                    + ACCEPT
                    + "\r\n\r\n"))
        .isNull();
  }

  @Test
  void refusesAnotherStatusAWrongAcceptOrNone() {
    assertThat(request.check("HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n"))
        .isEqualTo("Invalid handshake response: HTTP/1.1 403 Forbidden");
    assertThat(
            request.check(
                "HTTP/1.1 101 Switching Protocols\r\nSec-WebSocket-Accept: bm9wZQ==\r\n\r\n"))
        .startsWith("Invalid handshake response: Sec-WebSocket-Accept bm9wZQ==");
    assertThat(request.check("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n"))
        .isEqualTo("Invalid handshake response: no Sec-WebSocket-Accept");
  }
}
