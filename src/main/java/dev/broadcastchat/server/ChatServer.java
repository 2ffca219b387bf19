package dev.broadcastchat.server;

import dev.broadcastchat.bus.Bus;
import dev.broadcastchat.bus.InMemoryBus;
import dev.broadcastchat.bus.RedisBus;
import dev.broadcastchat.bus.RedisBusOptions;
import dev.broadcastchat.protocol.ChatMessage;
import dev.broadcastchat.protocol.ServerEvent;
import dev.broadcastchat.room.Rooms;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.ssl.SslContext;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running chat server: binds on {@link #start}, stops on {@link #close}.
 *
 * <p>Owns its event loop groups, its rooms, its bus and its meters, and releases them in reverse
 * order on close. Closing is graceful: first {@link #drain} (readiness 503, upgrades refused) for
 * the drain delay, then the listeners close and every connection is closed with 1001. Thread-safe.
 */
public final class ChatServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ChatServer.class);

  /**
   * A connection stops being writable (and a replay pauses) past this many unwritten bytes, or half
   * the slow-consumer bound if that is less, so that a paced replay never trips the bound.
   */
  static final int HIGH_WATER_MARK = 128 * 1024;

  static WriteBufferWaterMark waterMark(long maxQueuedBytes) {
    int high = (int) Math.min(HIGH_WATER_MARK, maxQueuedBytes / 2);
    return new WriteBufferWaterMark(high / 4, high);
  }

  private final ServerConfig config;
  private final ServerMetrics metrics;
  private final Transport transport;
  private final EventLoopGroup workerGroup;
  private final ChannelGroup allChannels;
  private final Bus bus;
  private final Channel serverChannel;
  private final Channel adminChannel;
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile boolean draining;
  private final Refusals refusals = new Refusals();

  /**
   * Where a test may stand around the bus: between it and the rooms, between the sessions and it,
   * and over the Redis timings. Production code uses {@link #NONE}.
   */
  interface BusHooks {
    BusHooks NONE = new BusHooks() {};

    default Bus.Delivery delivery(Bus.Delivery delivery) {
      return delivery;
    }

    default Bus bus(Bus bus) {
      return bus;
    }

    default RedisBusOptions redisOptions(RedisBusOptions options) {
      return options;
    }
  }

  private ChatServer(ServerConfig config, SslContext sslContext, BusHooks hooks) {
    this.config = config;
    // Read before any thread starts: serving a file is then a lookup, never I/O on a loop.
    StaticFiles staticFiles = new StaticFiles(WebAssets.load(ChatServer.class.getClassLoader()));
    this.transport = config.transport();
    // No acceptor thread of its own: the listeners live on one of the connections' loops, so an
    // accepted connection that lands on that loop is registered in place rather than handed over
    // through another thread's task queue and wake-up. On one core that hand-over cost a context
    // switch per batch of accepts (docs/performance-log.md, "What limits connections per second,
    // found").
    this.workerGroup = transport.newGroup(Runtime.getRuntime().availableProcessors());
    this.allChannels = new DefaultChannelGroup("connections", GlobalEventExecutor.INSTANCE);
    PooledByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    this.metrics = new ServerMetrics(alloc);
    Rooms rooms = new Rooms(workerGroup, alloc, ServerConfig.PRESENCE_INTERVAL, metrics);
    metrics.rooms(rooms::count);
    metrics.refusals(refusals);
    Bus.Delivery delivery =
        hooks.delivery(
            new Bus.Delivery() {
              @Override
              public void deliver(ChatMessage message) {
                rooms.deliver(message);
              }

              @Override
              public void deliverEvent(String room, ServerEvent event) {
                rooms.deliverEvent(room, event);
              }

              @Override
              public void missed(String room) {
                rooms.missed(room);
              }
            });
    InMemoryBus memoryBus;
    if (config.redis() == null) {
      memoryBus =
          new InMemoryBus(
              delivery,
              Clock.systemUTC(),
              config.history(),
              config.roomTtl(),
              config.security().maxRooms(),
              rooms::occupied);
      this.bus = hooks.bus(memoryBus);
    } else {
      memoryBus = null;
      RedisBus redisBus;
      try {
        redisBus =
            RedisBus.start(hooks.redisOptions(config.redisBusOptions()), delivery, rooms::who);
      } catch (RuntimeException e) {
        shutdownGroups();
        metrics.close();
        throw new ServerStartException("cannot use redis: " + e.getMessage(), e);
      }
      this.bus = hooks.bus(redisBus);
    }
    rooms.presenceSink(presence -> bus.publishEvent(presence.room(), presence));
    rooms.occupancyListener(bus::occupancyChanged);
    long sweepMillis = Math.max(1000, Math.min(60_000, config.roomTtl().toMillis()));
    workerGroup.scheduleWithFixedDelay(
        () -> {
          rooms.dropEmpty();
          if (memoryBus != null) {
            memoryBus.expire(rooms::occupied);
          }
        },
        sweepMillis,
        sweepMillis,
        TimeUnit.MILLISECONDS);
    Channel admin = null;
    try {
      this.serverChannel = bind(alloc, rooms, sslContext, staticFiles);
      if (config.hasAdminPort()) {
        admin = bindAdmin(alloc);
      }
    } catch (RuntimeException e) {
      if (admin != null) {
        admin.close().syncUninterruptibly();
      }
      bus.close();
      shutdownGroups();
      metrics.close();
      throw e;
    }
    this.adminChannel = admin;
  }

  /**
   * Starts a server and returns once it listens. The TLS files, if any, are checked before anything
   * starts.
   *
   * @throws TlsFilesException if a TLS file is missing, unreadable or wrong; nothing was started
   * @throws ServerStartException if it cannot bind
   */
  public static ChatServer start(ServerConfig config) {
    return start(config, BusHooks.NONE);
  }

  /** Starts a server whose bus a test stands around. */
  static ChatServer start(ServerConfig config, BusHooks hooks) {
    SslContext sslContext =
        config.tls() ? ServerTls.context(config.tlsCert(), config.tlsKey()) : null;
    ChatServer server = new ChatServer(config, sslContext, hooks);
    log.info("listening on {} with {}", server.url(), summary(config));
    return server;
  }

  /**
   * {@code host=127.0.0.1 port=8080 ... log-level=info}: the effective configuration, secrets
   * masked, and the level the server logs at.
   */
  static String summary(ServerConfig config) {
    StringBuilder sb = new StringBuilder();
    config
        .describe()
        .forEach((k, v) -> sb.append(sb.length() == 0 ? "" : " ").append(k).append('=').append(v));
    return sb.append(" log-level=").append(logLevel()).toString();
  }

  /** The level this server logs at, named as {@code --log-level} names it, which sets it. */
  private static String logLevel() {
    if (log.isTraceEnabled()) {
      return "trace";
    }
    if (log.isDebugEnabled()) {
      return "debug";
    }
    if (log.isInfoEnabled()) {
      return "info";
    }
    if (log.isWarnEnabled()) {
      return "warn";
    }
    return log.isErrorEnabled() ? "error" : "off";
  }

  private Channel bind(
      ByteBufAllocator alloc, Rooms rooms, SslContext sslContext, StaticFiles staticFiles) {
    ServerBootstrap bootstrap =
        new ServerBootstrap()
            .group(workerGroup)
            .option(ChannelOption.SO_BACKLOG, 4096)
            .option(ChannelOption.SO_REUSEADDR, true)
            .childOption(ChannelOption.ALLOCATOR, alloc)
            // No TCP_NODELAY here: Netty's socket channels set it on every accepted socket
            // themselves, on each transport, and setting it again is a system call a connection.
            .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, waterMark(config.maxQueuedBytes()))
            .childHandler(
                new ChatServerInitializer(
                    config,
                    rooms,
                    bus,
                    allChannels,
                    sslContext,
                    metrics,
                    () -> draining,
                    staticFiles,
                    refusals));
    if (transport != Transport.IO_URING) {
      // Read-buffer sizing kept per event loop, not per connection: sound where a loop reads one
      // connection from start to end before the next (epoll, NIO). io_uring submits a read when it
      // starts and finishes it when the kernel completes it, many connections' reads interleaved
      // in one turn, so it keeps Netty's sizing per connection.
      bootstrap.childOption(ChannelOption.RCVBUF_ALLOCATOR, new PerLoopRecvAllocator());
    }
    return bind(bootstrap, config.port());
  }

  private Channel bindAdmin(ByteBufAllocator alloc) {
    ServerBootstrap bootstrap =
        new ServerBootstrap()
            .group(workerGroup)
            .option(ChannelOption.SO_REUSEADDR, true)
            .childOption(ChannelOption.ALLOCATOR, alloc)
            .childHandler(
                new AdminInitializer(
                    config, allChannels, metrics, () -> bus.ready(), () -> draining));
    Channel channel = bind(bootstrap, config.adminPort());
    log.info("admin on http://{}/", SessionHandler.formatAddress(channel.localAddress()));
    return channel;
  }

  private Channel bind(ServerBootstrap bootstrap, int port) {
    String where = config.host() + ":" + port;
    InetSocketAddress at = new InetSocketAddress(config.host(), port);
    if (at.isUnresolved()) {
      throw new ServerStartException("cannot listen on " + where + ": unknown host", null);
    }
    try {
      bootstrap.channelFactory(transport.serverChannelFactory(at.getAddress()));
      return bootstrap.bind(at).syncUninterruptibly().channel();
    } catch (Exception e) {
      if (isAddressInUse(e)) {
        throw new ServerStartException("cannot listen on " + where + ": address already in use", e);
      }
      throw new ServerStartException("cannot listen on " + where + ": " + e.getMessage(), e);
    }
  }

  private static boolean isAddressInUse(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof BindException
          || (t.getMessage() != null && t.getMessage().contains("Address already in use"))) {
        return true;
      }
    }
    return false;
  }

  /** The address the server really bound (with the real port when 0 was asked for). */
  public InetSocketAddress address() {
    return (InetSocketAddress) serverChannel.localAddress();
  }

  /** The port the server really bound. */
  public int port() {
    return address().getPort();
  }

  /** {@code ws://host:port/} for the bound address, {@code wss://} with TLS. */
  public String url() {
    return (config.tls() ? "wss://" : "ws://") + authority() + "/";
  }

  /** {@code http://host:port/} (or https) for plain HTTP requests to the main port. */
  public String httpUrl() {
    return (config.tls() ? "https://" : "http://") + authority() + "/";
  }

  /**
   * {@code host:port} of the bound address as an operator writes it: {@code 127.0.0.1:8080}, {@code
   * 0.0.0.0:8080}, {@code [::]:8080}, {@code [::1]:8080} (IPv6 in its compressed form).
   */
  private String authority() {
    InetSocketAddress bound = address();
    if (bound.getAddress().isAnyLocalAddress()) {
      // A socket bound to 0.0.0.0 is the dual-stack wildcard, which the JDK reports as ::.
      return (NetUtil.isValidIpV4Address(config.host()) ? "0.0.0.0" : "[::]")
          + ":"
          + bound.getPort();
    }
    return NetUtil.toSocketAddressString(bound);
  }

  /** The admin listener's address, or null when there is none. */
  public InetSocketAddress adminAddress() {
    return adminChannel == null ? null : (InetSocketAddress) adminChannel.localAddress();
  }

  /** The class of the listening channel: which transport really accepts connections. */
  Class<?> listenerClass() {
    return serverChannel.getClass();
  }

  /** The connections the server has accepted and not yet closed, for tests. */
  Iterable<Channel> acceptedChannels() {
    return allChannels;
  }

  /** WebSocket connections open now. */
  public int openConnections() {
    return metrics.openConnections();
  }

  /** Whether {@link #drain} was called: readiness is 503 and upgrades are refused. */
  public boolean draining() {
    return draining;
  }

  /**
   * Starts shutting down without closing anything yet: {@code /readyz} answers 503 and new upgrades
   * are refused with 503, so that a load balancer stops sending clients here.
   */
  public void drain() {
    if (!draining) {
      draining = true;
      log.info("draining: not ready, refusing new connections");
    }
  }

  /** What the server refused so far, by reason. */
  public Refusals refusals() {
    return refusals;
  }

  /** The configuration the server runs with. */
  public ServerConfig config() {
    return config;
  }

  /** Whether the server can deliver now (what {@code /readyz} answers). */
  public boolean ready() {
    return bus.ready();
  }

  /**
   * Shuts down gracefully: {@link #drain}s for the drain delay, stops listening, closes every
   * connection with 1001, waits for them to go (at most the shutdown timeout) and releases the bus,
   * the event loops and the meters. Blocks; call it from outside the event loops.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    drain();
    if (!config.drainDelay().isZero()) {
      log.info(
          "waiting {} for the load balancer to notice", ServerConfig.format(config.drainDelay()));
      sleepUninterruptibly(config.drainDelay().toMillis());
    }
    serverChannel.close().syncUninterruptibly();
    if (adminChannel != null) {
      adminChannel.close().syncUninterruptibly();
    }
    log.info(
        "closing {} connections with 1001, waiting up to {}",
        metrics.openConnections(),
        ServerConfig.format(config.shutdownTimeout()));
    for (Channel channel : allChannels) {
      channel
          .eventLoop()
          .execute(
              () ->
                  SessionHandler.closeConnection(
                      channel,
                      WebSocketCloseStatus.ENDPOINT_UNAVAILABLE.code(),
                      "server shutting down"));
    }
    boolean drained =
        allChannels
            .newCloseFuture()
            .awaitUninterruptibly(config.shutdownTimeout().toMillis(), TimeUnit.MILLISECONDS);
    if (!drained) {
      allChannels.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
    }
    bus.close();
    shutdownGroups();
    metrics.close();
    log.info("stopped");
  }

  private static void sleepUninterruptibly(long millis) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    boolean interrupted = false;
    long left;
    while ((left = deadline - System.nanoTime()) > 0) {
      try {
        TimeUnit.NANOSECONDS.sleep(left);
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private void shutdownGroups() {
    workerGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
