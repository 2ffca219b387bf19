package dev.broadcastchat.client;

import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import javax.net.ssl.SSLHandshakeException;

/**
 * One WebSocket connection of the client over the JDK's {@link WebSocket}: sends text messages in
 * order and hands every received message to a sink.
 *
 * <p>Thread-safe: {@link #send} may be called from any thread; the sink is called on the
 * WebSocket's own thread, one message at a time.
 */
final class Connection implements Link {
  private final WebSocket webSocket;
  private final Listener listener;
  private CompletableFuture<WebSocket> sending;

  private Connection(WebSocket webSocket, Listener listener) {
    this.webSocket = webSocket;
    this.listener = listener;
    this.sending = CompletableFuture.completedFuture(webSocket);
  }

  /**
   * Opens a connection to {@code uri}, asking for {@code subprotocols} (the server may accept none
   * of them). Fails with a {@link ConnectFailure} that says why in one line.
   */
  static CompletableFuture<Link> open(
      HttpClient http, URI uri, List<String> subprotocols, Duration connectTimeout) {
    Listener listener = new Listener();
    WebSocket.Builder builder = http.newWebSocketBuilder().connectTimeout(connectTimeout);
    if (!subprotocols.isEmpty()) {
      builder.subprotocols(
          subprotocols.get(0), subprotocols.subList(1, subprotocols.size()).toArray(String[]::new));
    }
    CompletableFuture<WebSocket> opening;
    try {
      opening = builder.buildAsync(uri, listener);
    } catch (IllegalArgumentException e) {
      opening = CompletableFuture.failedFuture(e);
    }
    return opening.handle(
        (ws, failure) -> {
          if (failure != null) {
            Throwable cause = unwrap(failure);
            String why = describe(cause);
            if (closedUnanswered(cause) && "ws".equalsIgnoreCase(uri.getScheme())) {
              why += " (is it a wss:// server?)";
            }
            throw new ConnectFailure(uri.toString(), why, isPermanent(cause), cause);
          }
          return new Connection(ws, listener);
        });
  }

  @Override
  public String subprotocol() {
    String subprotocol = webSocket.getSubprotocol();
    return subprotocol == null ? "" : subprotocol;
  }

  @Override
  public void start(Consumer<String> sink) {
    listener.sink = sink;
    webSocket.request(1);
  }

  @Override
  public CompletionStage<Ended> ended() {
    return listener.ended;
  }

  @Override
  public synchronized void send(String text) {
    sending = sending.thenCompose(ws -> ws.sendText(text, true));
    sending.whenComplete(this::abortIfFailed);
  }

  @Override
  public synchronized void close() {
    listener.closingByUs = true;
    sending = sending.thenCompose(ws -> ws.sendClose(WebSocket.NORMAL_CLOSURE, ""));
    sending.whenComplete(this::abortIfFailed);
  }

  /** A send that failed means the connection is gone, even if no read has noticed yet. */
  private void abortIfFailed(WebSocket ws, Throwable failure) {
    if (failure != null) {
      listener.ended.complete(new Ended(1006, describe(failure), failure, listener.closingByUs));
      webSocket.abort();
    }
  }

  @Override
  public void abort() {
    listener.closingByUs = true;
    webSocket.abort();
    listener.ended.complete(new Ended(1006, "aborted", null, true));
  }

  /** One line saying why a connection could not be opened or was lost. */
  static String describe(Throwable failure) {
    Throwable cause = unwrap(failure);
    if (cause instanceof ConnectException) {
      return unresolved(cause) ? "unknown host" : "connection refused";
    }
    if (cause instanceof WebSocketHandshakeException handshake) {
      int status = handshake.getResponse().statusCode();
      return status == 101
          ? "the server's answer to the WebSocket upgrade is not a valid one (HTTP 101)"
          : "the server refused the WebSocket upgrade (HTTP " + status + ")";
    }
    if (cause instanceof HttpConnectTimeoutException) {
      return "timed out";
    }
    if (closedUnanswered(cause)) {
      return "the server closed the connection without answering";
    }
    if (cause instanceof SSLHandshakeException) {
      return untrusted(cause)
          ? "the server's certificate is not trusted (--insecure accepts a self-signed one)"
          : "TLS handshake failed: " + cause.getMessage();
    }
    String message = cause.getMessage();
    return message == null || message.isBlank() ? cause.getClass().getSimpleName() : message;
  }

  /**
   * Whether the server closed the connection before any HTTP answer: what a TLS server does with a
   * plain request, among others. The JDK's client says so only in the words of its header parser.
   */
  private static boolean closedUnanswered(Throwable cause) {
    return cause instanceof EOFException
        || (cause instanceof IOException
            && String.valueOf(cause.getMessage()).contains("received no bytes"));
  }

  /**
   * True when trying again cannot help: the server answered the upgrade with a client error (401,
   * 403, 404...), or the URL itself is unusable.
   */
  private static boolean isPermanent(Throwable cause) {
    if (cause instanceof WebSocketHandshakeException handshake) {
      int status = handshake.getResponse().statusCode();
      return status >= 400 && status < 500 && status != 408 && status != 429;
    }
    return cause instanceof IllegalArgumentException || untrusted(cause);
  }

  /** Whether the connection failed because the host name did not resolve. */
  private static boolean unresolved(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof UnresolvedAddressException || t instanceof UnknownHostException) {
        return true;
      }
    }
    return false;
  }

  /** Whether the TLS handshake failed because the certificate could not be verified. */
  private static boolean untrusted(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof java.security.cert.CertificateException) {
        return true;
      }
    }
    String message = cause.getMessage();
    return cause instanceof SSLHandshakeException
        && message != null
        && (message.contains("PKIX") || message.contains("certification path"));
  }

  private static Throwable unwrap(Throwable failure) {
    Throwable cause = failure;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }

  /** Reassembles partial messages and reports the end; asks for one message at a time. */
  private static final class Listener implements WebSocket.Listener {
    final CompletableFuture<Ended> ended = new CompletableFuture<>();
    private final StringBuilder partial = new StringBuilder();
    volatile Consumer<String> sink;
    volatile boolean closingByUs;

    @Override
    public void onOpen(WebSocket ws) {
      // Nothing is requested until start(): no message can reach a session not yet listening.
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
      ended.complete(new Ended(statusCode, reason, null, closingByUs));
      return null;
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
      ended.complete(new Ended(1006, describe(error), error, closingByUs));
    }
  }
}
