package dev.broadcastchat.server;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A chat client of the text protocol for tests, on {@link ReadingWebSocket} (a plain socket), so
 * that it shares no code with the server it checks.
 *
 * <p>Every complete text message (partial frames reassembled) is queued in arrival order and taken
 * with {@link #nextMessage}; {@link #nextChatMessage} takes the next one that is not a notice (a
 * line starting with {@code "* "}, such as the coalesced join and leave lines), which is what the
 * seed's client would show. The close code the server sent is recorded. {@link #address()} learns
 * how the server sees this client by sending a marker ({@value #WHOAMI} and a random token) and
 * reading back its {@code ip:port:} prefix. Marker broadcasts, this client's or another's, are
 * never queued, so that identifying clients does not disturb what a test counts.
 *
 * <p>Thread-safe: messages are received on the socket's reader thread; every method here may be
 * called from any thread.
 */
final class TestClient implements AutoCloseable {
  /** How long any single wait lasts before the test fails. */
  static final Duration TIMEOUT = Duration.ofSeconds(10);

  /** The text of an identification marker, followed by the client's token. */
  static final String WHOAMI = "whoami ";

  private static final Pattern MARKER = Pattern.compile("(.+): " + WHOAMI + "([0-9a-f-]{36})");

  private final BlockingQueue<String> messages = new LinkedBlockingQueue<>();
  private final CompletableFuture<String> address = new CompletableFuture<>();
  private final String token = UUID.randomUUID().toString();
  private final ReadingWebSocket webSocket;
  private boolean identifying;

  private TestClient(URI uri) {
    try {
      this.webSocket =
          ReadingWebSocket.open(
              uri,
              new ReadingWebSocket.Listener() {
                @Override
                public void onText(String text) {
                  received(text);
                }

                @Override
                public void onBinary(byte[] payload) {
                  messages.add("<binary frame of " + payload.length + " bytes>");
                }
              },
              "test-client");
    } catch (IOException e) {
      throw new AssertionError("open " + uri + " failed: " + e, e);
    }
    // Once the connection has ended, no echo of the marker can come.
    webSocket
        .closeCode()
        .whenComplete(
            (code, failure) ->
                address.completeExceptionally(
                    failure != null ? failure : new IllegalStateException("closed with " + code)));
  }

  /** Opens a WebSocket to {@code uri}; returns once the handshake is done. */
  static TestClient connect(URI uri) {
    return new TestClient(uri);
  }

  /** Sends one text message. */
  void send(String text) {
    try {
      webSocket.sendText(text);
    } catch (IOException e) {
      throw new AssertionError("send failed: " + e, e);
    }
  }

  /** The next message of any kind, waiting at most {@link #TIMEOUT}. */
  String nextMessage() {
    return nextMessage(TIMEOUT);
  }

  /** The next message of any kind, waiting at most {@code timeout}. */
  String nextMessage(Duration timeout) {
    try {
      String message = messages.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (message == null) {
        throw new AssertionError("no message within " + timeout + closeNote());
      }
      return message;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while waiting for a message", e);
    }
  }

  /** The next {@code n} messages of any kind, each waited for at most {@link #TIMEOUT}. */
  List<String> nextMessages(int n) {
    List<String> received = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      received.add(nextMessage());
    }
    return received;
  }

  /**
   * The next message that is not a notice, waiting at most {@link #TIMEOUT} for each; notices
   * before it are dropped. Errors ({@code "! "}) are returned, so that a test sees them.
   */
  String nextChatMessage() {
    while (true) {
      String message = nextMessage();
      if (!isNotice(message)) {
        return message;
      }
    }
  }

  /** The next {@code n} messages that are not notices. */
  List<String> nextChatMessages(int n) {
    List<String> received = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      received.add(nextChatMessage());
    }
    return received;
  }

  /** Messages received and not yet taken, notices left out, without waiting. */
  List<String> pendingChatMessages() {
    List<String> pending = new ArrayList<>();
    messages.drainTo(pending);
    pending.removeIf(TestClient::isNotice);
    return pending;
  }

  /** Whether {@code message} is a notice of the text protocol (joins, leaves, command results). */
  static boolean isNotice(String message) {
    return message.startsWith("* ");
  }

  /**
   * The {@code ip:port} the server sees for this client, learned on first call from the echo of a
   * marker; other messages keep their places in the queue.
   */
  String address() {
    synchronized (this) {
      if (!identifying) {
        identifying = true;
        send(WHOAMI + token);
      }
    }
    return await(address, "echo of this client's marker");
  }

  /** The local port of this client's connection, as the server reports it. */
  int localPort() {
    String addr = address();
    return Integer.parseInt(addr.substring(addr.lastIndexOf(':') + 1));
  }

  /** Starts the closing handshake with {@code code}. */
  void sendClose(int code, String reason) {
    try {
      webSocket.sendClose(code, reason);
    } catch (IOException e) {
      throw new AssertionError("send close failed: " + e, e);
    }
  }

  /** The close code the server sent, waiting at most {@link #TIMEOUT} for it. */
  int closeCode() {
    return await(webSocket.closeCode(), "close frame from the server");
  }

  /** Whether a close frame has come from the server (or the connection failed). */
  boolean isClosed() {
    return webSocket.closeCode().isDone();
  }

  /** Drops the connection at once, without a closing handshake. */
  void abort() {
    webSocket.close();
  }

  @Override
  public void close() {
    abort();
  }

  private String closeNote() {
    CompletableFuture<Integer> code = webSocket.closeCode();
    if (!code.isDone()) {
      return "";
    }
    try {
      return " (closed by the server with " + code.getNow(null) + ")";
    } catch (RuntimeException e) {
      return " (connection failed: " + e.getCause() + ")";
    }
  }

  private static <T> T await(CompletionStage<T> stage, String what) {
    try {
      return stage.toCompletableFuture().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted waiting for " + what, e);
    } catch (ExecutionException e) {
      throw new AssertionError(what + " failed: " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new AssertionError(what + ": nothing within " + TIMEOUT, e);
    }
  }

  /** On the reader thread: queues {@code message}, or takes it as a marker's echo. */
  private void received(String message) {
    Matcher marker = message.contains(": " + WHOAMI) ? MARKER.matcher(message) : null;
    if (marker == null || !marker.matches()) {
      messages.add(message);
    } else if (marker.group(2).equals(token)) {
      address.complete(marker.group(1));
    }
  }
}
