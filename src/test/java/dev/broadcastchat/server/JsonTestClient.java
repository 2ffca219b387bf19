package dev.broadcastchat.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * A client of the JSON protocol for tests, on the JDK's {@link WebSocket} and a plain Jackson tree:
 * it shares no code with the server. Every event received is queued in arrival order.
 *
 * <p>Thread-safe: the JDK delivers events on its own threads; {@link #send} serialises senders.
 */
final class JsonTestClient implements AutoCloseable {
  static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private final BlockingQueue<JsonNode> events = new LinkedBlockingQueue<>();
  private final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
  private final WebSocket webSocket;

  private JsonTestClient(URI uri) {
    this.webSocket =
        await(
            HTTP.newWebSocketBuilder()
                .subprotocols("chat.v1.json")
                .connectTimeout(TIMEOUT)
                .buildAsync(uri, new Listener()),
            "open " + uri);
  }

  /**
   * Connects to {@code server} with query parameters given as name, value pairs (a null value
   * leaves the parameter out).
   */
  static JsonTestClient connect(ChatServer server, String... params) {
    StringBuilder url = new StringBuilder(server.url());
    char sep = '?';
    for (int i = 0; i < params.length; i += 2) {
      if (params[i + 1] == null) {
        continue;
      }
      url.append(sep)
          .append(params[i])
          .append('=')
          .append(URLEncoder.encode(params[i + 1], StandardCharsets.UTF_8));
      sep = '&';
    }
    return new JsonTestClient(URI.create(url.toString()));
  }

  /** Connects to {@code uri}, query parameters included. */
  static JsonTestClient connect(URI uri) {
    return new JsonTestClient(uri);
  }

  /** The negotiated subprotocol. */
  String subprotocol() {
    return webSocket.getSubprotocol();
  }

  /** Sends a JSON object made of name, value pairs. */
  void send(Object... fields) {
    ObjectNode node = MAPPER.createObjectNode();
    for (int i = 0; i < fields.length; i += 2) {
      node.set((String) fields[i], MAPPER.valueToTree(fields[i + 1]));
    }
    sendRaw(node.toString());
  }

  /** Sends {@code text} as it is. */
  synchronized void sendRaw(String text) {
    await(webSocket.sendText(text, true), "send");
  }

  /** Sends a chat message. */
  void say(String text) {
    send("type", "say", "text", text);
  }

  /** The next event of any type. */
  JsonNode next() {
    try {
      JsonNode event = events.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      if (event == null) {
        throw new AssertionError("no event within " + TIMEOUT + closeNote());
      }
      return event;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** The next event of any type, or null if none comes within {@code timeout}. */
  JsonNode poll(Duration timeout) {
    try {
      return events.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** The next event of {@code type}, skipping presence events (join, leave) on the way. */
  JsonNode next(String type) {
    return nextMatching(e -> e.path("type").asText().equals(type), "a " + type + " event");
  }

  /** The next event that is not presence, of whatever type. */
  /** The next message from {@code from}, skipping events of other kinds and others' messages. */
  JsonNode nextMessageFrom(String from) {
    return nextMatching(
        e -> e.path("type").asText().equals("message") && e.path("from").asText().equals(from),
        "a message from " + from);
  }

  JsonNode nextNonPresence() {
    return nextMatching(e -> !isPresence(e), "a non-presence event");
  }

  private JsonNode nextMatching(Predicate<JsonNode> wanted, String what) {
    while (true) {
      JsonNode event = next();
      if (wanted.test(event)) {
        return event;
      }
      if (!isPresence(event)) {
        throw new AssertionError("expected " + what + " but got " + event);
      }
    }
  }

  /** The next {@code n} message events (presence skipped), as their text. */
  List<String> nextMessageTexts(int n) {
    List<String> texts = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      texts.add(next("message").path("text").asText());
    }
    return texts;
  }

  /** Takes the welcome, the replay (returned) and the live marker. */
  List<JsonNode> welcomeAndReplay() {
    next("welcome");
    return replayUntilLive();
  }

  /** Takes message events up to the live marker; a gap, if one comes first, is returned too. */
  List<JsonNode> replayUntilLive() {
    List<JsonNode> replay = new ArrayList<>();
    while (true) {
      JsonNode event = nextNonPresence();
      String type = event.path("type").asText();
      if (type.equals("live")) {
        return replay;
      }
      if (!type.equals("message") && !type.equals("gap")) {
        throw new AssertionError("expected replay or live but got " + event);
      }
      replay.add(event);
    }
  }

  /** Events received and not yet taken, without waiting. */
  List<JsonNode> pending() {
    List<JsonNode> pending = new ArrayList<>();
    events.drainTo(pending);
    return pending;
  }

  /** The close code the server sent. */
  int closeCode() {
    return await(closeCode, "close frame from the server");
  }

  /** Whether the connection has ended (a close frame came, or it failed). */
  boolean isClosed() {
    return closeCode.isDone();
  }

  void sendClose() {
    await(webSocket.sendClose(WebSocket.NORMAL_CLOSURE, ""), "send close");
  }

  @Override
  public void close() {
    webSocket.abort();
  }

  static boolean isPresence(JsonNode event) {
    String type = event.path("type").asText();
    return type.equals("join") || type.equals("leave");
  }

  private String closeNote() {
    return closeCode.isDone() ? " (closed with " + closeCode.getNow(-1) + ")" : "";
  }

  private static <T> T await(CompletionStage<T> stage, String what) {
    try {
      return stage.toCompletableFuture().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    } catch (ExecutionException e) {
      throw new AssertionError(what + " failed: " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new AssertionError(what + ": nothing within " + TIMEOUT, e);
    }
  }

  private final class Listener implements WebSocket.Listener {
    private final StringBuilder partial = new StringBuilder();

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        try {
          events.add(MAPPER.readTree(partial.toString()));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
          throw new UncheckedIOException(e);
        } finally {
          partial.setLength(0);
        }
      }
      ws.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
      closeCode.complete(statusCode);
      return null;
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
      closeCode.completeExceptionally(error);
    }
  }
}
