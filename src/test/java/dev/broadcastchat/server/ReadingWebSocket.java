package dev.broadcastchat.server;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link RawWebSocket} read by a thread of its own, as a browser reads one: every complete
 * message (fragments joined, UTF-8 checked strictly) goes to a {@link Listener}, pings are
 * answered, and the server's close frame is recorded and answered. Framing the server gets wrong
 * (RSV bits, a fragmented or oversized control frame, a stray continuation, a new message inside a
 * fragmented one) fails the connection, as a browser would. The test clients are built on it rather
 * than on the JDK's {@code java.net.http.WebSocket}, which under load now and then failed a
 * connection with "Invalid UTF-8 in frame TEXT" while the bytes the server had sent, recorded by a
 * relay in between, were all valid frames of valid UTF-8.
 *
 * <p>Thread-safe: sends are serialised; the listener is called on the reader thread only.
 */
final class ReadingWebSocket implements AutoCloseable {
  /** What the reader thread hands on. */
  interface Listener {
    /** A complete text message; throwing ends the connection as failed. */
    void onText(String text) throws IOException;

    /** A complete binary message; throwing ends the connection as failed. */
    void onBinary(byte[] payload) throws IOException;
  }

  private static final int CONTINUATION = 0x0;
  private static final int BINARY = 0x2;
  private static final int PING = 0x9;
  private static final int PONG = 0xA;

  private final RawWebSocket webSocket;
  private final Listener listener;
  private final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
  private boolean closeSent;

  private ReadingWebSocket(RawWebSocket webSocket, Listener listener, String threadName) {
    this.webSocket = webSocket;
    this.listener = listener;
    Thread reader = new Thread(this::read, threadName);
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * Opens a WebSocket to {@code uri} (ws:// only, its path and query kept) with {@code headerLines}
   * ({@code "Name: value"}) in the request, and starts reading it.
   *
   * @throws IOException if the connection or the upgrade fails
   */
  static ReadingWebSocket open(URI uri, Listener listener, String threadName, String... headerLines)
      throws IOException {
    if (!"ws".equals(uri.getScheme())) {
      throw new IllegalArgumentException("ws:// only: " + uri);
    }
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    if (uri.getRawQuery() != null) {
      path += "?" + uri.getRawQuery();
    }
    RawWebSocket webSocket =
        RawWebSocket.connect(
            new InetSocketAddress(uri.getHost(), uri.getPort()), 256 * 1024, path, headerLines);
    webSocket.readTimeout(Duration.ZERO);
    return new ReadingWebSocket(webSocket, listener, threadName);
  }

  /** A header of the server's 101 response, or null. */
  String responseHeader(String name) {
    return webSocket.responseHeader(name);
  }

  /** Sends one text message in one frame. */
  synchronized void sendText(String text) throws IOException {
    webSocket.sendText(text);
  }

  /** Starts the closing handshake, unless a close frame was already sent. */
  synchronized void sendClose(int code, String reason) throws IOException {
    if (closeSent) {
      return;
    }
    closeSent = true;
    byte[] why = reason.getBytes(StandardCharsets.UTF_8);
    byte[] payload = new byte[2 + why.length];
    payload[0] = (byte) (code >> 8);
    payload[1] = (byte) code;
    System.arraycopy(why, 0, payload, 2, why.length);
    webSocket.sendFrame(true, RawWebSocket.Frame.CLOSE, payload);
  }

  /**
   * The close code the server sent (1005 when its close frame carried none); completed
   * exceptionally when the connection ended or failed without one.
   */
  CompletableFuture<Integer> closeCode() {
    return closeCode;
  }

  /** Ends the connection at once, without a closing handshake. */
  @Override
  public void close() {
    try {
      webSocket.close();
    } catch (IOException e) {
      // Gone either way.
    }
  }

  private synchronized void sendPong(byte[] payload) throws IOException {
    if (!closeSent) {
      webSocket.sendFrame(true, PONG, payload);
    }
  }

  private void read() {
    ByteArrayOutputStream message = new ByteArrayOutputStream();
    int messageOpcode = -1; // the opcode of the message being put together, or -1 between messages
    try {
      for (RawWebSocket.Frame frame = webSocket.readFrame();
          frame != null;
          frame = webSocket.readFrame()) {
        int opcode = frame.opcode();
        switch (opcode) {
          case RawWebSocket.Frame.TEXT, BINARY, CONTINUATION -> {
            if (opcode == CONTINUATION && messageOpcode < 0) {
              throw new IOException("a continuation frame with no message to continue");
            }
            if (opcode != CONTINUATION && messageOpcode >= 0) {
              throw new IOException("a new message inside a fragmented one: " + frame);
            }
            if (opcode != CONTINUATION) {
              messageOpcode = opcode;
            }
            message.write(frame.payload());
            if (frame.fin()) {
              byte[] bytes = message.toByteArray();
              int type = messageOpcode;
              message.reset();
              messageOpcode = -1;
              if (type == BINARY) {
                listener.onBinary(bytes);
              } else {
                listener.onText(strictUtf8(bytes));
              }
            }
          }
          case PING -> sendPong(frame.payload());
          case PONG -> {}
          case RawWebSocket.Frame.CLOSE -> {
            int code = frame.closeCode();
            closeCode.complete(code < 0 ? 1005 : code);
            try {
              sendClose(code < 0 ? 1000 : code, "");
            } catch (IOException e) {
              // The server may already have ended the connection; its code is recorded.
            }
          }
          default -> throw new IOException("unexpected frame: " + frame);
        }
      }
      closeCode.completeExceptionally(new EOFException("connection ended without a close frame"));
    } catch (Throwable e) {
      // A listener's assertion too: whoever waits on the close code learns why.
      closeCode.completeExceptionally(e);
    } finally {
      // However reading ended, nothing answers pings any more: end the connection too.
      close();
    }
  }

  private static String strictUtf8(byte[] bytes) throws CharacterCodingException {
    return StandardCharsets.UTF_8
        .newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT)
        .decode(ByteBuffer.wrap(bytes))
        .toString();
  }
}
