package dev.broadcastchat.server;

import dev.broadcastchat.bus.RedisServer;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs a real {@link ChatServer} in this JVM, bound to a free port, for integration tests, with the
 * in-memory bus or (given {@link BusKind#REDIS}) the Redis bus, against one redis-server shared by
 * the whole test run, each server under a key prefix of its own so that none sees another's rooms.
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

  /** How long a Redis-backed server may take to connect before a test starts. */
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(20);

  private static final AtomicInteger PREFIXES = new AtomicInteger();

  private final BusKind bus;
  private final ServerConfig config;
  private final List<TestClient> clients = new CopyOnWriteArrayList<>();
  private final List<ChatServer> extraServers = new CopyOnWriteArrayList<>();
  private RedisServer redis;
  private ChatServer server;
  private boolean perClass;

  /** A server with the default limits on {@code 127.0.0.1}, any free port. */
  ChatServerExtension() {
    this(ServerConfig.defaults("127.0.0.1", 0));
  }

  /** A server with {@code config}; give it port 0 so that tests never collide. */
  ChatServerExtension(ServerConfig config) {
    this(BusKind.MEMORY, config);
  }

  /** A server with {@code config} and the {@code bus} asked for. */
  ChatServerExtension(BusKind bus, ServerConfig config) {
    this.bus = bus;
    this.config = config;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    perClass = true;
    server = start(context, config);
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    if (server == null) {
      server = start(context, config);
    }
  }

  private ChatServer start(ExtensionContext context, ServerConfig base) {
    if (bus == BusKind.REDIS && redis == null) {
      redis =
          context
              .getRoot()
              .getStore(ExtensionContext.Namespace.GLOBAL)
              .getOrComputeIfAbsent(RedisServer.class, k -> RedisServer.start(), RedisServer.class);
    }
    return start(base);
  }

  private ChatServer start(ServerConfig base) {
    if (bus == BusKind.MEMORY) {
      return ChatServer.start(base);
    }
    return awaitReady(
        ChatServer.start(base.withRedis(redis.url(), "t" + PREFIXES.incrementAndGet() + ":")));
  }

  private ChatServer awaitReady(ChatServer started) {
    if (bus == BusKind.MEMORY) {
      return started;
    }
    try {
      Awaitility.await("server connected to redis at " + redis.url())
          .atMost(READY_TIMEOUT)
          .until(started::ready);
    } catch (RuntimeException | Error e) {
      started.close();
      throw e;
    }
    return started;
  }

  /**
   * Starts another server with {@code other} and this extension's bus; it is closed after the test.
   */
  ChatServer startAnother(ServerConfig other) {
    ChatServer another = start(other);
    extraServers.add(another);
    return another;
  }

  /** The bus the servers run with. */
  BusKind bus() {
    return bus;
  }

  @Override
  public void afterEach(ExtensionContext context) {
    try {
      abortClients();
      for (ChatServer another : extraServers) {
        another.close();
      }
      extraServers.clear();
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
   * the same port with the same configuration, as an operator's restart would. An in-memory server
   * comes back with no history; one on the Redis bus comes back to the rooms it had.
   */
  ChatServer restart() {
    ChatServer running = server();
    ServerConfig same = running.config().toBuilder().port(running.port()).build();
    server = null;
    running.close();
    server = awaitReady(ChatServer.start(same));
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
