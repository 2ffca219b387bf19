package dev.broadcastchat.client;

import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * One WebSocket connection of the client: sends lines in order and hands every received message to
 * a sink.
 *
 * <p>Thread-safe: {@link #send} may be called from any thread; the sink is called on the
 * WebSocket's own thread, one message at a time.
 */
public final class Connection {
  /** How the connection ended. */
  public record Ended(int code, String reason, Throwable error, boolean byUs) {}

  private final URI uri;
  private final WebSocket webSocket;
  private final CompletableFuture<Ended> ended;
  private CompletableFuture<WebSocket> sending;
  private volatile boolean closingByUs;

  private Connection(URI uri, WebSocket webSocket, CompletableFuture<Ended> ended) {
    this.uri = uri;
    this.webSocket = webSocket;
    this.ended = ended;
    this.sending = CompletableFuture.completedFuture(webSocket);
  }

  /**
   * Opens a connection to {@code uri}.
   *
   * @throws ConnectFailure if it cannot be opened, with a one-line reason
   */
  public static Connection open(URI uri, Consumer<String> sink, Duration connectTimeout) {
    CompletableFuture<Ended> ended = new CompletableFuture<>();
    Listener listener = new Listener(sink, ended);
    HttpClient http = HttpClient.newBuilder().connectTimeout(connectTimeout).build();
    WebSocket ws;
    try {
      ws = http.newWebSocketBuilder().buildAsync(uri, listener).join();
    } catch (CompletionException e) {
      throw new ConnectFailure("cannot connect to " + uri + ": " + describe(e.getCause()), e);
    }
    Connection connection = new Connection(uri, ws, ended);
    listener.connection = connection;
    return connection;
  }

  /** The URL this connection was opened to. */
  public URI uri() {
    return uri;
  }

  /** Completes once the connection has ended, for whatever reason. */
  public CompletionStage<Ended> ended() {
    return ended;
  }

  /** Sends one text message after every message sent before it. */
  public synchronized CompletionStage<WebSocket> send(String text) {
    sending = sending.thenCompose(ws -> ws.sendText(text, true));
    return sending;
  }

  /** Starts a normal close (1000) after everything already sent. */
  public synchronized CompletionStage<WebSocket> close() {
    closingByUs = true;
    sending = sending.thenCompose(ws -> ws.sendClose(WebSocket.NORMAL_CLOSURE, ""));
    return sending;
  }

  /** Drops the connection without a closing handshake. */
  public void abort() {
    closingByUs = true;
    webSocket.abort();
    ended.complete(new Ended(1006, "aborted", null, true));
  }

  static String describe(Throwable cause) {
    if (cause instanceof ConnectException) {
      return "connection refused";
    }
    if (cause instanceof WebSocketHandshakeException handshake) {
      return "the server refused the WebSocket upgrade (HTTP "
          + handshake.getResponse().statusCode()
          + ")";
    }
    if (cause instanceof java.net.http.HttpConnectTimeoutException) {
      return "timed out";
    }
    String message = cause.getMessage();
    return message == null || message.isBlank() ? cause.getClass().getSimpleName() : message;
  }

  /** Reassembles partial messages and reports the end. */
  private static final class Listener implements WebSocket.Listener {
    private final Consumer<String> sink;
    private final CompletableFuture<Ended> ended;
    private final StringBuilder partial = new StringBuilder();
    volatile Connection connection;

    Listener(Consumer<String> sink, CompletableFuture<Ended> ended) {
      this.sink = sink;
      this.ended = ended;
    }

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        String message = partial.toString();
        partial.setLength(0);
        sink.accept(message);
      }
      ws.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
      ws.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
      Connection c = connection;
      ended.complete(new Ended(statusCode, reason, null, c != null && c.closingByUs));
      return null;
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
      Connection c = connection;
      ended.complete(new Ended(1006, describe(error), error, c != null && c.closingByUs));
    }
  }
}
