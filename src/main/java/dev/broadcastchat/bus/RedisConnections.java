package dev.broadcastchat.bus;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.MaintNotificationsConfig;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.protocol.ProtocolVersion;
import io.lettuce.core.pubsub.RedisPubSubListener;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.pubsub.api.async.RedisPubSubAsyncCommands;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import io.netty.util.concurrent.EventExecutor;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's two connections to Redis: one for commands and scripts, one subscribed to the channels
 * of the rooms the node has members in.
 *
 * <p>Both are opened in the background, retrying until Redis answers, so that a node starts (and
 * serves, answering {@code unavailable}) while Redis is still down. Once open, Lettuce reconnects
 * them on its own, waiting at most {@link RedisBusOptions#reconnectCap()} between attempts. While a
 * connection is down its commands are rejected at once rather than queued and replayed later
 * ({@code REJECT_COMMANDS}): a sender told that its message failed must never see it appear
 * afterwards. Commands in flight when a connection drops are cancelled, not resent, for the same
 * reason; every command times out after {@link RedisBusOptions#commandTimeout()}.
 *
 * <p>Thread-safe. The callbacks given to the constructor run on Lettuce's threads.
 */
final class RedisConnections implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RedisConnections.class);

  /** First pause before retrying the initial connection; it doubles up to the cap. */
  private static final long FIRST_RETRY_MILLIS = 20;

  /** Commands waiting for a connection's socket past this many are refused. */
  private static final int REQUEST_QUEUE_SIZE = 65_536;

  /** Lettuce's switch for io_uring, read once when its transports are first looked at. */
  private static final String LETTUCE_IO_URING = "io.lettuce.core.iouring";

  static {
    // Where both native transports load, Lettuce runs on epoll and logs a warning saying so each
    // time it makes its event loops. Turning io_uring off for Lettuce makes the same choice
    // without the warning; a -Dio.lettuce.core.iouring given to the JVM wins.
    if (System.getProperty(LETTUCE_IO_URING) == null) {
      System.setProperty(LETTUCE_IO_URING, "false");
    }
  }

  private final RedisBusOptions options;
  private final String where;
  private final EventExecutor timer;
  private final ClientResources resources;
  private final RedisClient client;
  private final RedisURI commandUri;
  private final RedisURI subscriberUri;
  private volatile RedisPubSubListener<String, String> listener;
  private volatile Consumer<RedisAsyncCommands<String, String>> commandsConnected;
  private volatile Runnable subscriberConnected;
  private final AtomicBoolean outageLogged = new AtomicBoolean();
  private final AtomicLong reconnects = new AtomicLong();

  private volatile StatefulRedisConnection<String, String> commands;
  private volatile StatefulRedisPubSubConnection<String, String> subscriber;
  private volatile boolean closed;

  /**
   * @param options where Redis is and how patient to be
   * @param nodeId shown in Redis's client list ({@code CLIENT LIST}) as {@code chat-NODE-cmd} and
   *     {@code chat-NODE-sub}
   * @param timer schedules the retries of the first connection
   */
  RedisConnections(RedisBusOptions options, String nodeId, EventExecutor timer) {
    this.options = options;
    this.where = options.where();
    this.timer = timer;
    this.resources =
        DefaultClientResources.builder()
            .ioThreadPoolSize(2)
            .computationThreadPoolSize(2)
            .reconnectDelay(reconnectDelay(options.reconnectCap()))
            .build();
    this.client = RedisClient.create(resources);
    client.setOptions(clientOptions(options.commandTimeout()));
    this.commandUri = uri(options, "chat-" + nodeId + "-cmd");
    this.subscriberUri = uri(options, "chat-" + nodeId + "-sub");
  }

  /**
   * Lettuce's pause before each reconnect attempt: doubling from a few milliseconds, with jitter so
   * that many nodes do not return at the same instant, and never longer than {@code cap} (Lettuce's
   * own default grows to 30 s, leaving a node dark long after Redis is back).
   */
  static Delay reconnectDelay(Duration cap) {
    return Delay.equalJitter(Duration.ofMillis(10), cap, FIRST_RETRY_MILLIS, TimeUnit.MILLISECONDS);
  }

  static ClientOptions clientOptions(Duration commandTimeout) {
    return ClientOptions.builder()
        .protocolVersion(ProtocolVersion.RESP3)
        .maintNotificationsConfig(MaintNotificationsConfig.disabled())
        .autoReconnect(true)
        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
        .timeoutOptions(TimeoutOptions.enabled(commandTimeout))
        .socketOptions(
            SocketOptions.builder().connectTimeout(commandTimeout).keepAlive(true).build())
        .suspendReconnectOnProtocolFailure(false)
        .requestQueueSize(REQUEST_QUEUE_SIZE)
        .build();
  }

  private static RedisURI uri(RedisBusOptions options, String clientName) {
    RedisURI uri = RedisURI.create(options.url());
    uri.setTimeout(options.commandTimeout());
    uri.setClientName(clientName);
    return uri;
  }

  /**
   * Starts connecting, in the background; call it once.
   *
   * @param listener hears what the subscribed channels carry
   * @param commandsConnected told each time the command connection is (re)established
   * @param subscriberConnected told each time the subscriber connection is (re)established, after
   *     Lettuce has sent its own re-subscriptions
   */
  synchronized void start(
      RedisPubSubListener<String, String> listener,
      Consumer<RedisAsyncCommands<String, String>> commandsConnected,
      Runnable subscriberConnected) {
    if (this.listener != null) {
      throw new IllegalStateException("redis connections: already started");
    }
    this.listener = listener;
    this.commandsConnected = commandsConnected;
    this.subscriberConnected = subscriberConnected;
    connectCommands(0);
    connectSubscriber(0);
  }

  /** {@code host:port} of Redis, for messages. */
  String where() {
    return where;
  }

  /** Whether both connections are up. */
  boolean ready() {
    StatefulRedisConnection<String, String> c = commands;
    StatefulRedisPubSubConnection<String, String> s = subscriber;
    return !closed && c != null && c.isOpen() && s != null && s.isOpen();
  }

  /** How many times a connection came back after it was lost (the first connects not counted). */
  long reconnects() {
    return reconnects.get();
  }

  /** The command connection, or a stage failed with {@link BusUnavailableException}. */
  CompletionStage<RedisAsyncCommands<String, String>> commands() {
    StatefulRedisConnection<String, String> c = commands;
    if (closed || c == null || !c.isOpen()) {
      return CompletableFuture.failedFuture(unavailable(null));
    }
    return CompletableFuture.completedFuture(c.async());
  }

  /** Whether the subscriber connection is up. */
  boolean subscriberOpen() {
    StatefulRedisPubSubConnection<String, String> s = subscriber;
    return !closed && s != null && s.isOpen();
  }

  /**
   * The subscriber connection (which also runs reads), or a stage failed with {@link
   * BusUnavailableException}.
   */
  CompletionStage<RedisPubSubAsyncCommands<String, String>> subscriber() {
    StatefulRedisPubSubConnection<String, String> s = subscriber;
    if (closed || s == null || !s.isOpen()) {
      return CompletableFuture.failedFuture(unavailable(null));
    }
    return CompletableFuture.completedFuture(s.async());
  }

  /** What a caller is told when Redis could not take or answer a command. */
  BusUnavailableException unavailable(Throwable error) {
    Throwable cause = error == null ? null : RedisScript.unwrap(error);
    if (cause instanceof BusUnavailableException already) {
      return already;
    }
    if (cause instanceof RedisCommandTimeoutException) {
      return new BusUnavailableException(
          "redis at "
              + where
              + " did not answer within "
              + options.commandTimeout().toMillis()
              + " ms",
          cause);
    }
    return new BusUnavailableException("redis at " + where + " is unreachable", cause);
  }

  private void connectCommands(int attempt) {
    if (closed) {
      return;
    }
    client
        .connectAsync(StringCodec.UTF8, commandUri)
        .whenComplete(
            (connection, error) -> {
              if (error != null) {
                retry("commands", error, attempt, () -> connectCommands(attempt + 1));
                return;
              }
              if (closed) {
                connection.closeAsync();
                return;
              }
              connection.addListener(
                  new StateListener(
                      "commands", () -> commandsConnected.accept(connection.async())));
              commands = connection;
              connected("commands");
              commandsConnected.accept(connection.async());
            });
  }

  private void connectSubscriber(int attempt) {
    if (closed) {
      return;
    }
    client
        .connectPubSubAsync(StringCodec.UTF8, subscriberUri)
        .whenComplete(
            (connection, error) -> {
              if (error != null) {
                retry("subscriber", error, attempt, () -> connectSubscriber(attempt + 1));
                return;
              }
              if (closed) {
                connection.closeAsync();
                return;
              }
              connection.addListener(listener);
              connection.addListener(new StateListener("subscriber", subscriberConnected));
              subscriber = connection;
              connected("subscriber");
              subscriberConnected.run();
            });
  }

  private void retry(String which, Throwable error, int attempt, Runnable again) {
    if (closed) {
      return;
    }
    if (outageLogged.compareAndSet(false, true)) {
      log.warn(
          "redis at {} {}; retrying at least every {} ms",
          where,
          whyNotConnected(error),
          options.reconnectCap().toMillis());
    } else {
      log.debug(
          "redis at {} {} connection attempt {} failed: {}",
          where,
          which,
          attempt,
          whyNotConnected(error),
          error);
    }
    long delay =
        Math.min(options.reconnectCap().toMillis(), FIRST_RETRY_MILLIS << Math.min(attempt, 20));
    try {
      timer.schedule(again, delay, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException shuttingDown) {
      log.debug("redis {} connection: not retried, shutting down", which);
    }
  }

  /**
   * Why a connection attempt failed, from its innermost cause: Lettuce's own exception only says
   * "Unable to connect" whatever happened. Where Redis answered with an error (a wrong password's
   * {@code WRONGPASS}, {@code NOAUTH}, {@code LOADING}) the network is fine and Redis refused;
   * anything else (refused or timed-out socket, unknown host) left Redis unreachable. Redis's
   * replies and the socket errors name at most the host and port, never the password.
   */
  static String whyNotConnected(Throwable error) {
    Throwable deepest = error;
    for (int depth = 0; depth < 32 && deepest.getCause() != null; depth++) {
      deepest = deepest.getCause();
    }
    String message = deepest.getMessage();
    if (message == null || message.isBlank()) {
      message = deepest.getClass().getSimpleName();
    }
    if (deepest instanceof RedisCommandExecutionException) {
      return "refused: "
          + (message.endsWith(".") ? message.substring(0, message.length() - 1) : message);
    }
    return "unreachable (" + message + ")";
  }

  private void connected(String which) {
    log.info("redis at {}: {} connection up", where, which);
    if (commands != null && subscriber != null) {
      outageLogged.set(false);
    }
  }

  /**
   * Closes both connections and Lettuce's threads, waiting a little for them; call it from a thread
   * that may block (never an event loop).
   */
  @Override
  public void close() {
    closed = true;
    StatefulRedisPubSubConnection<String, String> s = subscriber;
    StatefulRedisConnection<String, String> c = commands;
    if (s != null) {
      s.close();
    }
    if (c != null) {
      c.close();
    }
    client.shutdown(0, 2, TimeUnit.SECONDS);
    resources.shutdown(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
  }

  /** Logs a connection's ups and downs once each and passes the ups on. */
  private final class StateListener implements RedisConnectionStateListener {
    private final String which;
    private final Runnable onUp;

    StateListener(String which, Runnable onUp) {
      this.which = which;
      this.onUp = onUp;
    }

    @Override
    public void onRedisConnected(RedisChannelHandler<?, ?> connection, SocketAddress address) {
      if (closed) {
        return;
      }
      reconnects.incrementAndGet();
      log.info("redis at {}: {} connection back", where, which);
      onUp.run();
    }

    @Override
    public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
      if (!closed) {
        log.warn("redis at {}: {} connection lost; reconnecting", where, which);
      }
    }
  }
}
