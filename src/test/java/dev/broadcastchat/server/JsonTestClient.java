package dev.broadcastchat.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
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
 * A client of the JSON protocol for tests, on {@link ReadingWebSocket} (a plain socket) and a plain
 * Jackson tree: it shares no code with the server. Every event received is queued in arrival order
 * by the reader thread, which also answers pings and close frames as any client does.
 *
 * <p>Thread-safe: {@link #send} serialises senders; events are taken from any thread.
 */
final class JsonTestClient implements AutoCloseable {
  static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final BlockingQueue<JsonNode> events = new LinkedBlockingQueue<>();
  private final ReadingWebSocket webSocket;

  private JsonTestClient(URI uri) {
    try {
      webSocket =
          ReadingWebSocket.open(
              uri,
              new ReadingWebSocket.Listener() {
                @Override
                public void onText(String text) throws IOException {
                  events.add(MAPPER.readTree(text));
                }

                @Override
                public void onBinary(byte[] payload) throws IOException {
                  throw new IOException("a binary message of " + payload.length + " bytes");
                }
              },
              "json-test-client",
              "Sec-WebSocket-Protocol: chat.v1.json");
    } catch (IOException e) {
      throw new AssertionError("open " + uri + " failed: " + e, e);
    }
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

  /** The negotiated subprotocol, or null if none was. */
  String subprotocol() {
    return webSocket.responseHeader("Sec-WebSocket-Protocol");
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
    try {
      webSocket.sendText(text);
    } catch (IOException e) {
      throw new AssertionError("send failed: " + e, e);
    }
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

  /** The next message from {@code from}, skipping events of other kinds and others' messages. */
  JsonNode nextMessageFrom(String from) {
    while (true) {
      JsonNode event = next();
      if (event.path("type").asText().equals("message")
          && event.path("from").asText().equals(from)) {
        return event;
      }
    }
  }

  /**
   * The next event of {@code type}, skipping presence and chat messages on the way: for a member of
   * a room where others (bystanders) may speak at any moment.
   */
  JsonNode nextAmidChat(String type) {
    return nextMatching(
        e -> e.path("type").asText().equals(type),
        e -> isPresence(e) || e.path("type").asText().equals("message"),
        "a " + type + " event");
  }

  /** The next event that is not presence, of whatever type. */
  JsonNode nextNonPresence() {
    return nextMatching(e -> !isPresence(e), "a non-presence event");
  }

  private JsonNode nextMatching(Predicate<JsonNode> wanted, String what) {
    return nextMatching(wanted, JsonTestClient::isPresence, what);
  }

  private JsonNode nextMatching(
      Predicate<JsonNode> wanted, Predicate<JsonNode> skippable, String what) {
    while (true) {
      JsonNode event = next();
      if (wanted.test(event)) {
        return event;
      }
      if (!skippable.test(event)) {
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
    return await(webSocket.closeCode(), "close frame from the server");
  }

  /** Whether the connection has ended (a close frame came, or it failed). */
  boolean isClosed() {
    return webSocket.closeCode().isDone();
  }

  /** Starts the closing handshake with 1000. */
  void sendClose() {
    try {
      webSocket.sendClose(1000, "");
    } catch (IOException e) {
      throw new AssertionError("send close failed: " + e, e);
    }
  }

  /** Ends the connection at once, without a closing handshake. */
  @Override
  public void close() {
    webSocket.close();
  }

  static boolean isPresence(JsonNode event) {
    String type = event.path("type").asText();
    return type.equals("join") || type.equals("leave");
  }

  private String closeNote() {
    CompletableFuture<Integer> code = webSocket.closeCode();
    if (!code.isDone()) {
      return "";
    }
    return code.isCompletedExceptionally()
        ? " (connection failed: " + code.handle((c, e) -> e.toString()).join() + ")"
        : " (closed with " + code.join() + ")";
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
}
