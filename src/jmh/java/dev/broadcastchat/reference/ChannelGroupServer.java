package dev.broadcastchat.reference;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.concurrent.GlobalEventExecutor;

/**
 * A reference for the performance comparison, not part of the product: a broadcast server written
 * the common Netty way (a static {@link ChannelGroup}, one {@code writeAndFlush} of a new frame
 * object per receiver), speaking the same text protocol. Run it from the benchmarks jar: {@code
 * java -cp target/benchmarks.jar dev.broadcastchat.reference.ChannelGroupServer 9200}.
 */
public final class ChannelGroupServer {
  static final ChannelGroup ALL = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);

  private ChannelGroupServer() {}

  public static void main(String[] args) throws InterruptedException {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 9200;
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(EpollIoHandler.newFactory());
    try {
      Channel server =
          new ServerBootstrap()
              .group(group)
              .channel(EpollServerSocketChannel.class)
              .childHandler(
                  new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                      ch.pipeline()
                          .addLast(new HttpServerCodec())
                          .addLast(new HttpObjectAggregator(65536))
                          .addLast(
                              new WebSocketServerProtocolHandler(
                                  "/", null, false, 65536, false, true))
                          .addLast(new Broadcaster());
                    }
                  })
              .bind("127.0.0.1", port)
              .sync()
              .channel();
      System.out.println("listening on ws://127.0.0.1:" + port + "/");
      server.closeFuture().sync();
    } finally {
      group.shutdownGracefully();
    }
  }

  static final class Broadcaster extends SimpleChannelInboundHandler<TextWebSocketFrame> {
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
        ALL.add(ctx.channel());
        ctx.writeAndFlush(new TextWebSocketFrame("Welcome to chat! Type a message"));
      }
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame frame) {
      String line = ctx.channel().remoteAddress().toString().substring(1) + ": " + frame.text();
      ALL.writeAndFlush(new TextWebSocketFrame(line));
    }
  }
}
