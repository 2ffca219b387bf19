package dev.broadcastchat.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Locale;

/**
 * The WebSocket opening request of one run (RFC 6455, 4.1), made once and sent by every connection,
 * and the check of the server's answer. The key is random per run: a server has no reason to see
 * the same key twice from different connections, and the answer still proves it read this one.
 *
 * <p>Immutable; safe to share across event loops.
 */
final class HandshakeRequest {
  /** Largest response head accepted. */
  static final int MAX_RESPONSE_BYTES = 8192;

  /** What ends an HTTP head. */
  static final ByteBuf END_OF_HEAD =
      Unpooled.unreleasableBuffer(
          Unpooled.wrappedBuffer("\r\n\r\n".getBytes(StandardCharsets.US_ASCII)).asReadOnly());

  private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

  private final byte[] request;
  private final String accept;

  private HandshakeRequest(byte[] request, String accept) {
    this.request = request;
    this.accept = accept;
  }

  /** The request for {@code uri} ({@code ws://host:port/path?query}) with a fresh random key. */
  static HandshakeRequest of(URI uri) {
    byte[] nonce = new byte[16];
    new SecureRandom().nextBytes(nonce);
    String key = Base64.getEncoder().encodeToString(nonce);
    return of(uri, key);
  }

  /** The request for {@code uri} with {@code key} as its {@code Sec-WebSocket-Key}. */
  static HandshakeRequest of(URI uri, String key) {
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    if (uri.getRawQuery() != null) {
      path += "?" + uri.getRawQuery();
    }
    int port = uri.getPort() < 0 ? 80 : uri.getPort();
    String text =
        "GET "
            + path
            + " HTTP/1.1\r\n"
            + "Host: "
            + uri.getHost()
            + (port == 80 ? "" : ":" + port)
            + "\r\n"
            + "Upgrade: websocket\r\n"
            + "Connection: Upgrade\r\n"
            + "Sec-WebSocket-Key: "
            + key
            + "\r\n"
            + "Sec-WebSocket-Version: 13\r\n"
            + "\r\n";
    return new HandshakeRequest(text.getBytes(StandardCharsets.US_ASCII), acceptFor(key));
  }

  /** The {@code Sec-WebSocket-Accept} a server must answer {@code key} with. */
  static String acceptFor(String key) {
    try {
      MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
      return Base64.getEncoder()
          .encodeToString(sha1.digest((key + GUID).getBytes(StandardCharsets.US_ASCII)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-1", e);
    }
  }

  /** The request's bytes, in a buffer of their own for one connection to write. */
  ByteBuf bytes() {
    return Unpooled.wrappedBuffer(request);
  }

  /**
   * What is wrong with {@code head}, a whole response head through its blank line, or null if it
   * accepts the upgrade: status 101 and our {@code Sec-WebSocket-Accept}.
   */
  String check(String head) {
    int lineEnd = head.indexOf("\r\n");
    String status = lineEnd < 0 ? head : head.substring(0, lineEnd);
    String[] parts = status.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/1.") || !parts[1].equals("101")) {
      return "Invalid handshake response: " + status;
    }
    int at = lineEnd + 2;
    while (at < head.length()) {
      int next = head.indexOf("\r\n", at);
      if (next < 0 || next == at) {
        break;
      }
      String line = head.substring(at, next);
      int colon = line.indexOf(':');
      if (colon > 0
          && line.substring(0, colon)
              .trim()
              .toLowerCase(Locale.ROOT)
              .equals("sec-websocket-accept")) {
        String value = line.substring(colon + 1).trim();
        return value.equals(accept)
            ? null
            : "Invalid handshake response: Sec-WebSocket-Accept "
                + value
                + " (expected: "
                + accept
                + ")";
      }
      at = next + 2;
    }
    return "Invalid handshake response: no Sec-WebSocket-Accept";
  }
}
