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
 * <p>Owns its event loop groups, its rooms and its bus, and releases them in reverse order on
 * close. Thread-safe.
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
  private final Transport transport;
  private final EventLoopGroup bossGroup;
  private final EventLoopGroup workerGroup;
  private final ChannelGroup allChannels;
  private final Bus bus;
  private final Channel serverChannel;
  private final AtomicBoolean closed = new AtomicBoolean();
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

  private ChatServer(ServerConfig config, BusHooks hooks) {
    this.config = config;
    // Read before any thread starts: serving a file is then a lookup, never I/O on a loop.
    StaticFiles staticFiles = new StaticFiles(WebAssets.load(ChatServer.class.getClassLoader()));
    this.transport = Transport.best();
    this.bossGroup = transport.newGroup(1);
    this.workerGroup = transport.newGroup(Runtime.getRuntime().availableProcessors());
    this.allChannels = new DefaultChannelGroup("connections", GlobalEventExecutor.INSTANCE);
    ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    Rooms rooms = new Rooms(workerGroup, alloc, ServerConfig.PRESENCE_INTERVAL);
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
      memoryBus = new InMemoryBus(delivery, Clock.systemUTC(), config.history(), config.roomTtl());
      this.bus = hooks.bus(memoryBus);
    } else {
      memoryBus = null;
      RedisBus redisBus;
      try {
        redisBus =
            RedisBus.start(hooks.redisOptions(config.redisBusOptions()), delivery, rooms::who);
      } catch (RuntimeException e) {
        shutdownGroups();
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
            memoryBus.expire(name -> rooms.get(name) != null);
          }
        },
        sweepMillis,
        sweepMillis,
        TimeUnit.MILLISECONDS);
    try {
      this.serverChannel = bind(alloc, rooms, staticFiles);
    } catch (RuntimeException e) {
      bus.close();
      shutdownGroups();
      throw e;
    }
  }

  /**
   * Starts a server and returns once it listens.
   *
   * @throws ServerStartException if it cannot bind
   */
  public static ChatServer start(ServerConfig config) {
    return new ChatServer(config, BusHooks.NONE);
  }

  /** Starts a server whose bus a test stands around. */
  static ChatServer start(ServerConfig config, BusHooks hooks) {
    return new ChatServer(config, hooks);
  }

  private Channel bind(ByteBufAllocator alloc, Rooms rooms, StaticFiles staticFiles) {
    ServerBootstrap bootstrap =
        new ServerBootstrap()
            .group(bossGroup, workerGroup)
            .channel(transport.serverChannel())
            .option(ChannelOption.SO_BACKLOG, 4096)
            .option(ChannelOption.SO_REUSEADDR, true)
            .childOption(ChannelOption.ALLOCATOR, alloc)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, waterMark(config.maxQueuedBytes()))
            .childHandler(
                new ChatServerInitializer(config, rooms, bus, allChannels, staticFiles, refusals));
    try {
      return bootstrap.bind(config.host(), config.port()).syncUninterruptibly().channel();
    } catch (Exception e) {
      String where = config.host() + ":" + config.port();
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

  /** {@code ws://host:port/} for the bound address. */
  public String url() {
    return "ws://" + SessionHandler.formatAddress(address()) + "/";
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
   * Stops listening, closes every connection with 1001, waits for them to go (at most the shutdown
   * timeout) and releases the event loops.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    serverChannel.close().syncUninterruptibly();
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
    log.info("stopped");
  }

  private void shutdownGroups() {
    workerGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    bossGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
