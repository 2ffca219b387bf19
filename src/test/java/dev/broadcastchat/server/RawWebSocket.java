package dev.broadcastchat.server;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;

/**
 * A WebSocket client done by hand on a plain {@link Socket}, for what the JDK's client cannot do:
 * stop reading, and show the frames exactly as the server wrote them.
 *
 * <p>It performs the RFC 6455 opening handshake, then reads frames only when asked and sends only
 * the frames it is told to, masked as a client must, but otherwise as given (fragments, bad UTF-8,
 * binary). Used from one thread.
 */
final class RawWebSocket implements AutoCloseable {
  private static final String ACCEPT_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  private static final int MAX_RESPONSE_HEAD = 8192;

  /** One frame as it came off the wire. */
  record Frame(boolean fin, int opcode, byte[] payload) {
    static final int TEXT = 0x1;
    static final int CLOSE = 0x8;

    String text() {
      return new String(payload, StandardCharsets.UTF_8);
    }

    /** The status code of a close frame, or -1 if it carries none. */
    int closeCode() {
      if (opcode != CLOSE) {
        throw new IllegalStateException("opcode: " + opcode + " (expected: a close frame)");
      }
      return payload.length < 2 ? -1 : ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF);
    }

    @Override
    public String toString() {
      String body = opcode == CLOSE ? "code " + closeCode() : payload.length + " bytes";
      return "Frame(opcode " + opcode + (fin ? ", fin, " : ", ") + body + ")";
    }
  }

  private final Socket socket;
  private final DataInputStream in;
  private static final SecureRandom MASKS = new SecureRandom();
  private final SecureRandom random = new SecureRandom();
  private String extraHeaders = "";
  private byte[] behindRequest = new byte[0];
  private String responseHead = "";

  private RawWebSocket(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
  }

  /**
   * Connects to {@code server} with a receive buffer of {@code receiveBufferSize} bytes (set before
   * connecting, so that the TCP window is that small) and completes the opening handshake.
   */
  static RawWebSocket connect(InetSocketAddress server, int receiveBufferSize) throws IOException {
    return connect(server, receiveBufferSize, "/");
  }

  /**
   * Connects to {@code server}, sends {@code preamble} (a PROXY protocol header, say) and completes
   * the opening handshake with {@code extraHeaders} (each line ending in CRLF) in the request.
   */
  static RawWebSocket connect(
      InetSocketAddress server, int receiveBufferSize, byte[] preamble, String extraHeaders)
      throws IOException {
    return open(
        server,
        receiveBufferSize,
        ws -> ws.socket.getOutputStream().write(preamble),
        "/",
        extraHeaders);
  }

  /**
   * Connects to {@code server}, sends {@code plainRequest} (a whole HTTP request, keep-alive),
   * reads its response (which must carry a Content-Length), then upgrades over the same connection
   * with {@code extraHeaders} in the request: what a proxy does when it reuses an upstream
   * connection for another client's upgrade.
   */
  static RawWebSocket connectAfterRequest(
      InetSocketAddress server, String plainRequest, String extraHeaders) throws IOException {
    return open(
        server,
        64 * 1024,
        ws -> {
          ws.socket.getOutputStream().write(plainRequest.getBytes(StandardCharsets.US_ASCII));
          String head = ws.readResponseHead();
          if (!head.startsWith("HTTP/1.1 200 ")) {
            throw new IOException("plain request refused: " + head.lines().findFirst().orElse(""));
          }
          ws.responseHead = head;
          String length = ws.responseHeader("Content-Length");
          if (length == null) {
            throw new IOException("no Content-Length in " + head);
          }
          ws.in.readNBytes(Integer.parseInt(length));
        },
        "/",
        extraHeaders);
  }

  /**
   * Connects to {@code server} and upgrades on {@code path} (with its query), sending {@code
   * headerLines} ({@code "Name: value"}) with the request.
   */
  static RawWebSocket connect(
      InetSocketAddress server, int receiveBufferSize, String path, String... headerLines)
      throws IOException {
    StringBuilder headers = new StringBuilder();
    for (String line : headerLines) {
      headers.append(line).append("\r\n");
    }
    return open(server, receiveBufferSize, ws -> {}, path, headers.toString());
  }

  /**
   * Connects to {@code server} and upgrades on {@code path}, writing {@code behindRequest} (frames,
   * say) in the same write as the request, before the 101 has come back.
   */
  static RawWebSocket connectSendingBehindRequest(
      InetSocketAddress server, String path, byte[] behindRequest) throws IOException {
    return open(server, 64 * 1024, ws -> ws.behindRequest = behindRequest, path, "");
  }

  /** What a connection does between connecting and its opening handshake. */
  private interface Prelude {
    void run(RawWebSocket ws) throws IOException;
  }

  private static RawWebSocket open(
      InetSocketAddress server,
      int receiveBufferSize,
      Prelude prelude,
      String path,
      String extraHeaders)
      throws IOException {
    Socket socket = new Socket();
    try {
      // As browsers and the JDK's WebSocket client do: each frame leaves when written, not when
      // the server has acknowledged the one before (Nagle), which under load costs whole RTOs.
      socket.setTcpNoDelay(true);
      socket.setReceiveBufferSize(receiveBufferSize);
      socket.setSoTimeout((int) TestClient.TIMEOUT.toMillis());
      socket.connect(server, (int) TestClient.TIMEOUT.toMillis());
      RawWebSocket ws = new RawWebSocket(socket);
      prelude.run(ws);
      ws.extraHeaders = extraHeaders;
      ws.handshake(server, path);
      return ws;
    } catch (IOException | RuntimeException | Error e) {
      socket.close();
      throw e;
    }
  }

  private void handshake(InetSocketAddress server, String path) throws IOException {
    byte[] nonce = new byte[16];
    random.nextBytes(nonce);
    String key = Base64.getEncoder().encodeToString(nonce);
    String request =
        "GET "
            + path
            + " HTTP/1.1\r\n"
            + "Host: "
            + server.getHostString()
            + ":"
            + server.getPort()
            + "\r\n"
            + "Upgrade: websocket\r\n"
            + "Connection: Upgrade\r\n"
            + "Sec-WebSocket-Key: "
            + key
            + "\r\n"
            + "Sec-WebSocket-Version: 13\r\n"
            + extraHeaders
            + "\r\n";
    OutputStream out = socket.getOutputStream();
    byte[] head0 = request.getBytes(StandardCharsets.US_ASCII);
    byte[] whole = Arrays.copyOf(head0, head0.length + behindRequest.length);
    System.arraycopy(behindRequest, 0, whole, head0.length, behindRequest.length);
    out.write(whole);
    out.flush();

    String head = readResponseHead();
    responseHead = head;
    String[] lines = head.split("\r\n");
    if (!lines[0].startsWith("HTTP/1.1 101 ")) {
      throw new IOException("upgrade refused: " + lines[0]);
    }
    String expectedAccept = accept(key);
    for (String line : lines) {
      int colon = line.indexOf(':');
      if (colon > 0
          && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals("sec-websocket-accept")
          && line.substring(colon + 1).trim().equals(expectedAccept)) {
        return;
      }
    }
    throw new IOException("no Sec-WebSocket-Accept: " + expectedAccept + " in " + head);
  }

  private String readResponseHead() throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        throw new EOFException("connection closed during the handshake after: " + head);
      }
      head.write(b);
      if (head.size() > MAX_RESPONSE_HEAD) {
        throw new IOException("handshake response head over " + MAX_RESPONSE_HEAD + " bytes");
      }
      matched = b == (matched % 2 == 0 ? '\r' : '\n') ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    return head.toString(StandardCharsets.ISO_8859_1);
  }

  private static String accept(String key) {
    try {
      MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
      byte[] digest = sha1.digest((key + ACCEPT_GUID).getBytes(StandardCharsets.US_ASCII));
      return Base64.getEncoder().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is missing from this JDK", e);
    }
  }

  /** The value of the handshake response's header {@code name}, or null if it has none. */
  String responseHeader(String name) {
    for (String line : responseHead.split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
        return line.substring(colon + 1).trim();
      }
    }
    return null;
  }

  /** How long {@link #readFrame} waits for bytes before it fails; 0 waits for ever. */
  void readTimeout(Duration timeout) throws IOException {
    socket.setSoTimeout((int) timeout.toMillis());
  }

  /** The local port of the connection: the port in the {@code ip:port} the server sees. */
  int localPort() {
    return socket.getLocalPort();
  }

  /**
   * The next frame, or {@code null} if the connection ended cleanly between two frames.
   *
   * @throws EOFException if it ended inside a frame
   * @throws IOException if a frame is masked (servers never mask) or the read fails or times out
   */
  Frame readFrame() throws IOException {
    int first = in.read();
    if (first < 0) {
      return null;
    }
    int second = in.readUnsignedByte();
    if ((second & 0x80) != 0) {
      throw new IOException("masked frame from the server");
    }
    long length = second & 0x7F;
    if (length == 126) {
      length = in.readUnsignedShort();
    } else if (length == 127) {
      length = in.readLong();
    }
    if (length < 0 || length > Integer.MAX_VALUE - 8) {
      throw new IOException("frame length: " + length + " (expected: fits in an array)");
    }
    boolean fin = (first & 0x80) != 0;
    int opcode = first & 0x0F;
    if ((first & 0x70) != 0) {
      throw new IOException("RSV bits set on a frame, and no extension was agreed: " + first);
    }
    if (opcode >= 0x8 && (!fin || length > 125)) {
      throw new IOException(
          "control frame " + opcode + (fin ? "" : " fragmented") + ", " + length + " bytes");
    }
    byte[] payload = new byte[(int) length];
    in.readFully(payload);
    return new Frame(fin, opcode, payload);
  }

  /**
   * Reads frames up to the first close frame and returns its code.
   *
   * @throws EOFException if the connection ends first
   */
  int readCloseCode() throws IOException {
    for (Frame frame = readFrame(); frame != null; frame = readFrame()) {
      if (frame.opcode() == Frame.CLOSE) {
        return frame.closeCode();
      }
    }
    throw new EOFException("connection ended without a close frame");
  }

  /** Sends one text message in one frame. */
  void sendText(String text) throws IOException {
    sendFrame(true, Frame.TEXT, text.getBytes(StandardCharsets.UTF_8));
  }

  /** Sends one frame, masked with a fresh key, with the given FIN bit, opcode and payload. */
  void sendFrame(boolean fin, int opcode, byte[] payload) throws IOException {
    sendFrame(fin, opcode, payload, true);
  }

  /** Sends one frame as {@link #sendFrame(boolean, int, byte[])} does, unmasked if told so. */
  void sendFrame(boolean fin, int opcode, byte[] payload, boolean masked) throws IOException {
    if (!masked) {
      ByteArrayOutputStream frame = new ByteArrayOutputStream(payload.length + 10);
      frame.write((fin ? 0x80 : 0) | (opcode & 0x0F));
      if (payload.length < 126) {
        frame.write(payload.length);
      } else {
        frame.write(126);
        frame.write(payload.length >>> 8);
        frame.write(payload.length);
      }
      frame.write(payload);
      OutputStream out = socket.getOutputStream();
      frame.writeTo(out);
      out.flush();
      return;
    }
    OutputStream out = socket.getOutputStream();
    out.write(maskedFrame(fin, opcode, payload));
    out.flush();
  }

  /** One frame as a client sends it: masked with a fresh key. */
  static byte[] maskedFrame(boolean fin, int opcode, byte[] payload) {
    ByteArrayOutputStream frame = new ByteArrayOutputStream(payload.length + 14);
    frame.write((fin ? 0x80 : 0) | (opcode & 0x0F));
    if (payload.length < 126) {
      frame.write(0x80 | payload.length);
    } else if (payload.length <= 0xFFFF) {
      frame.write(0x80 | 126);
      frame.write(payload.length >>> 8);
      frame.write(payload.length);
    } else {
      frame.write(0x80 | 127);
      for (int shift = 56; shift >= 0; shift -= 8) {
        frame.write((int) ((long) payload.length >>> shift));
      }
    }
    byte[] mask = new byte[4];
    MASKS.nextBytes(mask);
    frame.write(mask, 0, mask.length);
    for (int i = 0; i < payload.length; i++) {
      frame.write(payload[i] ^ mask[i % 4]);
    }
    return frame.toByteArray();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
