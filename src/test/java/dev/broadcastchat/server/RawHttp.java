package dev.broadcastchat.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;

/**
 * Sends bytes to a server over a plain socket and reads what comes back until the server closes,
 * for requests no HTTP client would send: malformed, huge, or refused upgrades.
 */
final class RawHttp {
  /** A response as the server wrote it. */
  record Response(int status, String head, String body) {}

  private RawHttp() {}

  /** An upgrade request for {@code path} with the usual handshake headers and {@code extra}. */
  static String upgrade(InetSocketAddress server, String path, String... extra) {
    StringBuilder sb =
        new StringBuilder("GET ")
            .append(path)
            .append(" HTTP/1.1\r\nHost: ")
            .append(server.getHostString())
            .append(':')
            .append(server.getPort())
            .append("\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n")
            .append("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n")
            .append("Sec-WebSocket-Version: 13\r\n");
    for (String header : extra) {
      sb.append(header).append("\r\n");
    }
    return sb.append("\r\n").toString();
  }

  /** Sends {@code request} and reads the response head and whatever follows until the close. */
  static Response send(InetSocketAddress server, String request) throws IOException {
    return send(server, request.getBytes(StandardCharsets.ISO_8859_1));
  }

  static Response send(InetSocketAddress server, byte[] request) throws IOException {
    try (Socket socket = new Socket()) {
      socket.setSoTimeout((int) TestClient.TIMEOUT.toMillis());
      socket.connect(server, (int) TestClient.TIMEOUT.toMillis());
      OutputStream out = socket.getOutputStream();
      try {
        out.write(request);
        out.flush();
      } catch (SocketException closedWhileSending) {
        // The server may answer and close before it has read everything: read the answer.
      }
      return read(socket.getInputStream());
    }
  }

  /** Reads a response head, and the body up to Content-Length or the close. */
  static Response read(InputStream in) throws IOException {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    byte[] buf = new byte[4096];
    int headEnd = -1;
    int contentLength = -1;
    while (true) {
      int n;
      try {
        n = in.read(buf);
      } catch (SocketException reset) {
        n = -1;
      }
      if (n < 0) {
        break;
      }
      all.write(buf, 0, n);
      String text = all.toString(StandardCharsets.ISO_8859_1);
      if (headEnd < 0 && (headEnd = text.indexOf("\r\n\r\n")) >= 0) {
        for (String line : text.substring(0, headEnd).split("\r\n")) {
          if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
            contentLength = Integer.parseInt(line.substring(15).strip());
          }
        }
        if (text.startsWith("HTTP/1.1 101")) {
          break;
        }
      }
      if (headEnd >= 0 && contentLength >= 0 && all.size() >= headEnd + 4 + contentLength) {
        break;
      }
    }
    String text = all.toString(StandardCharsets.ISO_8859_1);
    if (text.isEmpty()) {
      return new Response(-1, "", "");
    }
    int end = text.indexOf("\r\n\r\n");
    String head = end < 0 ? text : text.substring(0, end);
    String body = end < 0 ? "" : text.substring(end + 4);
    String[] statusLine = head.split(" ", 3);
    return new Response(Integer.parseInt(statusLine[1]), head, body);
  }
}
