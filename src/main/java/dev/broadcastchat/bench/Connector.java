package dev.broadcastchat.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakeException;
import io.netty.util.concurrent.ImmediateEventExecutor;
import io.netty.util.concurrent.Promise;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Opens the connections of a run, WebSocket handshake included, with at most {@code concurrency} of
 * them under way at once, so that a crowd arrives in waves as fast as the server takes it instead
 * of as a SYN flood. The i-th connection leaves from the i-th loopback source address (round
 * robin), so that more connections fit than one address has ports.
 *
 * <p>Single use: {@link #start}, {@link #await}, then {@link #finish}. Those and the counters may
 * be called from any thread; connections complete on their event loops.
 */
final class Connector {
  static final int CONNECT_TIMEOUT_MILLIS = 10_000;
  static final long HANDSHAKE_TIMEOUT_MILLIS = 10_000;

  private final BenchLoops loops;
  private final URI uri;
  private final InetSocketAddress server;
  private final List<InetAddress> sources;
  private final int concurrency;
  private final int total;
  private final Supplier<BenchClient> newClient;
  private final Bootstrap bootstrap;
  private final HandshakeRequest request;

  private final AtomicInteger next = new AtomicInteger();
  private final AtomicInteger failed = new AtomicInteger();
  private final CountDownLatch done;
  private final List<BenchClient> opened = new ArrayList<>();
  private String firstFailure;
  private boolean finished;

  /**
   * A connector for {@code total} connections to {@code uri}, each served by a client made by
   * {@code newClient}.
   */
  Connector(
      BenchLoops loops,
      URI uri,
      int sourceCount,
      int concurrency,
      int total,
      Supplier<BenchClient> newClient) {
    this.loops = loops;
    this.uri = uri;
    this.server = BenchConfig.serverAddress(uri);
    this.sources = sources(server.getAddress(), sourceCount);
    this.concurrency = concurrency;
    this.total = total;
    this.newClient = newClient;
    this.done = new CountDownLatch(total);
    this.request = HandshakeRequest.of(uri);
    this.bootstrap =
        loops
            .transport()
            .configure(new Bootstrap())
            .group(loops.group())
            .channelFactory(() -> loops.transport().newChannel(server.getAddress()))
            // Netty's socket channels set TCP_NODELAY themselves; setting it again is a system
            // call per connection.
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MILLIS);
  }

  /**
   * The source addresses: 127.0.0.1, 127.0.0.2, ... for an IPv4 loopback server (Linux routes all
   * of 127/8 to the loopback interface), else the server's own address.
   */
  static List<InetAddress> sources(InetAddress server, int count) {
    List<InetAddress> list = new ArrayList<>(count);
    if (!(server instanceof Inet4Address)) {
      list.add(server);
      return list;
    }
    for (int i = 1; i <= count; i++) {
      try {
        list.add(InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) i}));
      } catch (UnknownHostException e) {
        throw new IllegalStateException("a four-byte address was refused", e);
      }
    }
    return list;
  }

  /** Starts opening connections; returns at once. */
  void start() {
    for (int i = 0; i < Math.min(concurrency, total); i++) {
      openNext();
    }
  }

  private void openNext() {
    int i = next.getAndIncrement();
    if (i >= total || isFinished()) {
      return;
    }
    BenchClient client = newClient.get();
    Promise<BenchClient> handshaken = ImmediateEventExecutor.INSTANCE.newPromise();
    handshaken.addListener(
        f -> {
          if (f.isSuccess()) {
            opened(client);
          } else {
            failed(f.cause());
          }
          done.countDown();
          openNext();
        });
    InetSocketAddress source = new InetSocketAddress(sources.get(i % sources.size()), 0);
    ChannelFuture connect =
        bootstrap
            .clone()
            .handler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    ChannelPipeline p = ch.pipeline();
                    // Masks and frames what the bench writes (RFC 6455, 5.3).
                    p.addLast("ws-encoder", new WebSocket13FrameEncoder(true));
                    p.addLast(
                        "handshake",
                        new HandshakeHandler(
                            request, client, loops::statsOf, handshaken, HANDSHAKE_TIMEOUT_MILLIS));
                  }
                })
            .connect(server, source);
    connect.addListener(
        f -> {
          if (!f.isSuccess()) {
            handshaken.tryFailure(f.cause());
          }
        });
  }

  private synchronized boolean isFinished() {
    return finished;
  }

  private void opened(BenchClient client) {
    boolean late;
    synchronized (this) {
      late = finished;
      if (!late) {
        opened.add(client);
      }
    }
    if (late) {
      client.close();
    }
  }

  private void failed(Throwable cause) {
    failed.incrementAndGet();
    synchronized (this) {
      if (firstFailure == null) {
        firstFailure = describe(cause);
      }
    }
  }

  /** Waits until every connection is open or failed, at most {@code millis}; true if all are. */
  boolean await(long millis) throws InterruptedException {
    return done.await(millis, TimeUnit.MILLISECONDS);
  }

  /** Connections open so far. */
  synchronized int openedCount() {
    return opened.size();
  }

  /** Connections that could not be opened so far. */
  int failedCount() {
    return failed.get();
  }

  /** Why the first connection that failed did, or null. */
  synchronized String firstFailure() {
    return firstFailure;
  }

  /**
   * Stops opening connections and returns those that are open. Any still under way are abandoned:
   * closed if they open later, and counted as failed by {@link #failedAtFinish}.
   */
  synchronized List<BenchClient> finish() {
    finished = true;
    if (opened.size() + failed.get() < total && firstFailure == null) {
      firstFailure = "not open when connecting ended";
    }
    return List.copyOf(opened);
  }

  /** After {@link #finish}: connections asked for that are not among those it returned. */
  synchronized int failedAtFinish() {
    return total - opened.size();
  }

  /** One line saying why a connection failed. */
  static String describe(Throwable cause) {
    if (cause instanceof ConnectTimeoutException) {
      return "connect timed out";
    }
    if (cause instanceof ConnectException
        && cause.getMessage() != null
        && cause.getMessage().contains("refused")) {
      return "connection refused";
    }
    if (cause instanceof WebSocketClientHandshakeException) {
      return "the server refused the WebSocket upgrade: " + cause.getMessage();
    }
    if (cause instanceof TimeoutException) {
      return "handshake timed out: " + cause.getMessage();
    }
    if (cause instanceof ClosedChannelException) {
      return "closed by the server during the handshake";
    }
    String message = cause.getMessage();
    return message == null || message.isBlank() ? cause.getClass().getSimpleName() : message;
  }
}
