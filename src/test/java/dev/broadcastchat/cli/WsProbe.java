package dev.broadcastchat.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A WebSocket client for process tests, on the JDK's {@link WebSocket} and Jackson trees alone: it
 * queues every text message and records the close code the server sent.
 *
 * <p>Thread-safe: the JDK calls the listener on its own threads; {@link #send} serialises senders.
 */
final class WsProbe implements AutoCloseable {
  static final Duration WAIT = Duration.ofSeconds(20);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private final BlockingQueue<String> messages = new LinkedBlockingQueue<>();
  private final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
  private final WebSocket ws;

  private WsProbe(URI uri, boolean json) throws Exception {
    WebSocket.Builder builder = HTTP.newWebSocketBuilder().connectTimeout(WAIT);
    if (json) {
      builder.subprotocols("chat.v1.json");
    }
    ws = builder.buildAsync(uri, new Listener()).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** A plain-text client. */
  static WsProbe text(String url) throws Exception {
    return new WsProbe(URI.create(url), false);
  }

  /** A JSON-protocol client. */
  static WsProbe json(String url) throws Exception {
    return new WsProbe(URI.create(url), true);
  }

  synchronized void send(String text) throws Exception {
    ws.sendText(text, true).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Sends a JSON {@code say}. */
  void say(String text) throws Exception {
    send(JSON.createObjectNode().put("type", "say").put("text", text).toString());
  }

  /** The next text message; fails after {@link #WAIT}. */
  String next() throws InterruptedException {
    String message = messages.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    if (message == null) {
      throw new AssertionError("no message within " + WAIT);
    }
    return message;
  }

  /** The next JSON event that is not presence. */
  JsonNode nextEvent() throws InterruptedException {
    return nextEvent(e -> true);
  }

  /** The next JSON event, presence skipped, that {@code wanted} accepts; others in between fail. */
  JsonNode nextEvent(Predicate<JsonNode> wanted) throws InterruptedException {
    while (true) {
      JsonNode event = parse(next());
      String type = event.path("type").asText();
      if (type.equals("join") || type.equals("leave")) {
        continue;
      }
      if (!wanted.test(event)) {
        throw new AssertionError("unexpected event " + event);
      }
      return event;
    }
  }

  /** The next JSON event of {@code type}, skipping any others. */
  JsonNode nextOfType(String type) throws InterruptedException {
    while (true) {
      JsonNode event = parse(next());
      if (event.path("type").asText().equals(type)) {
        return event;
      }
    }
  }

  /** The close code the server sent, waiting at most {@link #WAIT}. */
  int closeCode() throws Exception {
    return closeCode.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
  }

  boolean isClosed() {
    return closeCode.isDone();
  }

  @Override
  public void close() {
    ws.abort();
  }

  private static JsonNode parse(String text) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private final class Listener implements WebSocket.Listener {
    private final StringBuilder partial = new StringBuilder();

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        messages.add(partial.toString());
        partial.setLength(0);
      }
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      closeCode.complete(statusCode);
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      closeCode.completeExceptionally(error);
    }
  }
}
