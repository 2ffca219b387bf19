package dev.broadcastchat.client;

import dev.broadcastchat.protocol.WireProtocol;
import java.net.URI;
import java.net.http.HttpClient;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The interactive client: connects asking for the JSON protocol, and chats in it (reconnecting when
 * a connection is lost) or, when the server accepts no subprotocol, in plain text.
 *
 * <p>{@link #run} blocks until the chat is over and returns the exit code. Typed lines are read on
 * a daemon thread of their own; the session shows what arrives on threads of its own.
 */
public final class ChatClient {
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

  /** The JDK HTTP client's switch for host name checks of server certificates. */
  static final String DISABLE_HOSTNAME_VERIFICATION =
      "jdk.internal.httpclient.disableHostnameVerification";

  private final ClientConfig config;
  private final Console console;

  public ChatClient(ClientConfig config, Console console) {
    this.config = config;
    this.console = console;
  }

  /**
   * Connects, chats until input ends or the connection is lost for good, and returns the exit code.
   *
   * @throws ConnectFailure if the first connection cannot be opened
   */
  public int run() throws InterruptedException {
    URI url = firstUrl(config);
    String shownUrl = ChatUrl.shown(config.url());
    HttpClient http = httpClient(config);
    JsonSession.Connector connector =
        u -> Connection.open(http, u, List.of(WireProtocol.JSON_SUBPROTOCOL), CONNECT_TIMEOUT);

    Link first;
    try {
      first = connector.open(url).join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof ConnectFailure failure) {
        throw new ConnectFailure(shownUrl, failure.reason(), failure.permanent(), failure);
      }
      throw e;
    }
    Session session =
        WireProtocol.JSON_SUBPROTOCOL.equals(first.subprotocol())
            ? new JsonSession(
                url,
                shownUrl,
                config.nick(),
                JsonSession.Timing.of(config.reconnectTimeout()),
                console,
                connector,
                ZoneId.systemDefault(),
                new SecureRandom())
            : new TextSession(shownUrl, console);
    session.start(first);

    Thread reader = new Thread(() -> readInput(session), "chat-input");
    reader.setDaemon(true);
    reader.start();
    try {
      return session.exitCode().toCompletableFuture().get();
    } catch (ExecutionException e) {
      throw new IllegalStateException("the chat session failed", e.getCause());
    }
  }

  /**
   * The HTTP client every connection is opened with: checking the server's certificate and host
   * name, unless the configuration says {@code insecure}.
   */
  static HttpClient httpClient(ClientConfig config) {
    HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT);
    if (config.insecure()) {
      // The JDK's client reads this once, when its first client is built: it must be set first.
      System.setProperty(DISABLE_HOSTNAME_VERIFICATION, "true");
      builder.sslContext(TrustAll.sslContext());
    }
    return builder.build();
  }

  /** The server URL with {@code nick} and {@code room} set when given. */
  static URI firstUrl(ClientConfig config) {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("nick", config.nick());
    params.put("room", config.room());
    return ChatUrl.withParams(config.url(), params);
  }

  private void readInput(Session session) {
    try {
      String line;
      while ((line = console.readLine()) != null) {
        session.onLine(line);
      }
    } finally {
      session.onInputEnd();
    }
  }
}
