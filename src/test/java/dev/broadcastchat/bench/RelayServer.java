package dev.broadcastchat.bench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A chat server that is not ours, for tests: it relays every text frame to every connection as JSON
 * ({@code {"from":"...","text":"..."}}), dropping every {@code dropEvery}-th message if asked to,
 * and remembers the addresses its connections came from. Joining, it holds what arrives for a few
 * milliseconds and relays it as one frame, one message per line, as some servers do.
 *
 * <p>One event loop thread, so that every connection sees the same order. Closed by the test.
 */
final class RelayServer implements AutoCloseable {
  private final EventLoopGroup group =
      new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final ChannelGroup members = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
  private final Set<InetAddress> sources = ConcurrentHashMap.newKeySet();
  private static final long JOIN_MILLIS = 5;

  private final int dropEvery;
  private final boolean joining;
  private final Channel server;
  private final StringBuilder held = new StringBuilder();
  private long received;
  private volatile int framesJoiningSeveral;

  /** A server on a free loopback port that drops every {@code dropEvery}-th message (0: none). */
  RelayServer(int dropEvery) {
    this(dropEvery, false);
  }

  /**
   * A server as {@link #RelayServer(int)}; {@code joining}, it sends what arrived within {@value
   * #JOIN_MILLIS} ms as one frame.
   */
  RelayServer(int dropEvery, boolean joining) {
    this.dropEvery = dropEvery;
    this.joining = joining;
    this.server =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    sources.add(ch.remoteAddress().getAddress());
                    ch.pipeline()
                        .addLast(new HttpServerCodec())
                        .addLast(new HttpObjectAggregator(8192))
                        .addLast(
                            new WebSocketServerProtocolHandler(
                                "/", null, false, 65536, false, true))
                        .addLast(new Relay());
                  }
                })
            .bind(InetAddress.getLoopbackAddress(), 0)
            .syncUninterruptibly()
            .channel();
  }

  String url() {
    return "ws://127.0.0.1:" + ((InetSocketAddress) server.localAddress()).getPort() + "/";
  }

  /** How many frames relayed carried more than one message. */
  int framesJoiningSeveral() {
    return framesJoiningSeveral;
  }

  /** The addresses connections came from. */
  Set<InetAddress> sources() {
    return sources;
  }

  @Override
  public void close() {
    server.close().syncUninterruptibly();
    members.close().awaitUninterruptibly();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  private final class Relay extends SimpleChannelInboundHandler<TextWebSocketFrame> {
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
        members.add(ctx.channel());
      }
      ctx.fireUserEventTriggered(evt);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame frame) {
      received++;
      if (dropEvery > 0 && received % dropEvery == 0) {
        return;
      }
      String text = frame.text().replace("\\", "\\\\").replace("\"", "\\\"");
      String line =
          "{\"from\":\"" + ctx.channel().remoteAddress() + "\",\"text\":\"" + text + "\"}";
      if (!joining) {
        members.writeAndFlush(new TextWebSocketFrame(line));
        return;
      }
      if (held.length() == 0) {
        ctx.executor().schedule(this::sendHeld, JOIN_MILLIS, TimeUnit.MILLISECONDS);
      } else {
        held.append('\n');
      }
      held.append(line);
    }

    private void sendHeld() {
      if (held.indexOf("\n") >= 0) {
        framesJoiningSeveral++; // only the one event loop writes it
      }
      members.writeAndFlush(new TextWebSocketFrame(held.toString()));
      held.setLength(0);
    }
  }
}
