package dev.broadcastchat.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.CodingErrorAction;
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
 * A client of the JSON protocol for tests, on {@link RawWebSocket} (a plain socket) and a plain
 * Jackson tree: it shares no code with the server. Every event received is queued in arrival order
 * by a reader thread, which also answers pings and close frames as any client does.
 *
 * <p>Not the JDK's {@code java.net.http.WebSocket}: under load, that client now and then failed a
 * connection with "Invalid UTF-8 in frame TEXT" while the bytes the server had sent, recorded by a
 * relay in between, were all valid frames of valid UTF-8.
 *
 * <p>Thread-safe: {@link #send} serialises senders; events are taken from any thread.
 */
final class JsonTestClient implements AutoCloseable {
  static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final int PING = 0x9;
  private static final int PONG = 0xA;
  private static final int CONTINUATION = 0x0;

  private final BlockingQueue<JsonNode> events = new LinkedBlockingQueue<>();
  private final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
  private final RawWebSocket webSocket;
  private boolean closeSent;

  private JsonTestClient(URI uri) {
    if (!"ws".equals(uri.getScheme())) {
      throw new IllegalArgumentException("ws:// only: " + uri);
    }
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    if (uri.getRawQuery() != null) {
      path += "?" + uri.getRawQuery();
    }
    try {
      webSocket =
          RawWebSocket.connect(
              new InetSocketAddress(uri.getHost(), uri.getPort()),
              256 * 1024,
              path,
              "Sec-WebSocket-Protocol: chat.v1.json");
      webSocket.readTimeout(Duration.ZERO);
    } catch (IOException e) {
      throw new AssertionError("open " + uri + " failed: " + e, e);
    }
    Thread reader = new Thread(this::read, "json-test-client");
    reader.setDaemon(true);
    reader.start();
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
    return await(closeCode, "close frame from the server");
  }

  /** Whether the connection has ended (a close frame came, or it failed). */
  boolean isClosed() {
    return closeCode.isDone();
  }

  /** Starts the closing handshake with 1000. */
  void sendClose() {
    try {
      sendCloseFrame(1000);
    } catch (IOException e) {
      throw new AssertionError("send close failed: " + e, e);
    }
  }

  private synchronized void sendCloseFrame(int code) throws IOException {
    if (!closeSent) {
      closeSent = true;
      webSocket.sendFrame(
          true, RawWebSocket.Frame.CLOSE, new byte[] {(byte) (code >> 8), (byte) code});
    }
  }

  private synchronized void sendPong(byte[] payload) throws IOException {
    if (!closeSent) {
      webSocket.sendFrame(true, PONG, payload);
    }
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

  /**
   * The reader thread: queues each text message, answers pings, records the server's close code and
   * answers its close frame; a failure (a reset, bad UTF-8) completes the close code exceptionally.
   */
  private void read() {
    ByteArrayOutputStream message = new ByteArrayOutputStream();
    try {
      for (RawWebSocket.Frame frame = webSocket.readFrame();
          frame != null;
          frame = webSocket.readFrame()) {
        switch (frame.opcode()) {
          case RawWebSocket.Frame.TEXT, CONTINUATION -> {
            message.write(frame.payload());
            if (frame.fin()) {
              String text =
                  StandardCharsets.UTF_8
                      .newDecoder()
                      .onMalformedInput(CodingErrorAction.REPORT)
                      .onUnmappableCharacter(CodingErrorAction.REPORT)
                      .decode(ByteBuffer.wrap(message.toByteArray()))
                      .toString();
              message.reset();
              events.add(MAPPER.readTree(text));
            }
          }
          case PING -> sendPong(frame.payload());
          case PONG -> {}
          case RawWebSocket.Frame.CLOSE -> {
            int code = frame.closeCode();
            closeCode.complete(code < 0 ? 1005 : code);
            try {
              sendCloseFrame(code < 0 ? 1000 : code);
            } catch (IOException e) {
              // The server may already have ended the connection; its code is recorded.
            }
          }
          default -> throw new IOException("unexpected frame: " + frame);
        }
      }
      closeCode.completeExceptionally(new EOFException("connection ended without a close frame"));
    } catch (IOException e) {
      closeCode.completeExceptionally(e);
    }
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
}
