package dev.broadcastchat.server;

import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs a real {@link ChatServer} in this JVM, bound to a free port, for integration tests.
 *
 * <p>Register it with {@code @RegisterExtension}: in a {@code static} field one server serves the
 * whole class (JUnit calls {@code beforeAll} only for static fields); in an instance field every
 * test gets a fresh one. Clients made with {@link #connect()} are aborted after each test, before
 * the server is closed.
 *
 * <p>Used from the JUnit thread only, apart from {@link #connect()}, which may be called from any
 * thread.
 */
final class ChatServerExtension
    implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {

  private final ServerConfig config;
  private final List<TestClient> clients = new CopyOnWriteArrayList<>();
  private ChatServer server;
  private boolean perClass;

  /** A server with the default limits on {@code 127.0.0.1}, any free port. */
  ChatServerExtension() {
    this(ServerConfig.defaults("127.0.0.1", 0));
  }

  /** A server with {@code config}; give it port 0 so that tests never collide. */
  ChatServerExtension(ServerConfig config) {
    this.config = config;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    perClass = true;
    server = ChatServer.start(config);
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    if (server == null) {
      server = ChatServer.start(config);
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    try {
      abortClients();
    } finally {
      if (!perClass) {
        stopServer();
      }
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    try {
      abortClients();
    } finally {
      stopServer();
    }
  }

  /** The running server. */
  ChatServer server() {
    if (server == null) {
      throw new IllegalStateException("server: not running (expected: inside a test)");
    }
    return server;
  }

  /** The port the server bound. */
  int port() {
    return server().port();
  }

  /** The server's {@code ws://} address. */
  URI uri() {
    return URI.create(server().url());
  }

  /**
   * Stops the server ({@link ChatServer#close}: every connection gets 1001) and starts a new one on
   * the same port, as an operator's restart would. An in-memory server comes back with no history.
   */
  ChatServer restart() {
    int port = port();
    ChatServer running = server;
    server = null;
    running.close();
    server = ChatServer.start(config.toBuilder().port(port).build());
    return server;
  }

  /** Opens a WebSocket to the server; it is aborted after the test if still open. */
  TestClient connect() {
    TestClient client = TestClient.connect(uri());
    clients.add(client);
    return client;
  }

  private void abortClients() {
    for (TestClient client : clients) {
      client.abort();
    }
    clients.clear();
  }

  private void stopServer() {
    if (server != null) {
      ChatServer running = server;
      server = null;
      running.close();
    }
  }
}
