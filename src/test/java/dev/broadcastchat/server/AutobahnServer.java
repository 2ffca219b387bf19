package dev.broadcastchat.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.util.List;

/**
 * The server the Autobahn|Testsuite fuzzing client runs against (bound to the integration-test
 * phase in the pom): our production HTTP codec, upgrade guard, upgrade and decoder settings
 * (masking, protocol violations closed with their code) and frame intake (UTF-8 checked as it
 * arrives, fragments joined), with an echo at the end instead of a chat session, answering pings as
 * it does. For this server only: binary is echoed, caps are 20 MiB, there is no rate limit and 64
 * MiB may wait to be written, since the suite sends frames and bursts that large.
 */
public final class AutobahnServer {
  static final int MAX_BYTES = 20 * 1024 * 1024;

  private AutobahnServer() {}

  /** Listens on every address at port {@code args[0]} until interrupted. */
  public static void main(String[] args) throws InterruptedException {
    int port = Integer.parseInt(args[0]);
    Transport transport = Transport.platformDefault();
    EventLoopGroup boss = transport.newGroup(1);
    EventLoopGroup workers = transport.newGroup(2);
    SecurityConfig security = SecurityConfig.DEFAULTS.withOrigins(List.of("*"), false);
    Refusals refusals = new Refusals();
    ServerMetrics metrics = new ServerMetrics(PooledByteBufAllocator.DEFAULT);
    UpgradeGuard guard =
        new UpgradeGuard(
            security,
            refusals,
            new ConnectionLimiter(Integer.MAX_VALUE, 0, TrustedProxies.NONE),
            TrustedProxies.NONE);
    try {
      Channel channel =
          new ServerBootstrap()
              .group(boss, workers)
              .channel(transport.serverChannel())
              .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
              .childOption(ChannelOption.TCP_NODELAY, true)
              .childOption(
                  ChannelOption.WRITE_BUFFER_WATER_MARK,
                  new WriteBufferWaterMark(32 * 1024 * 1024, 64 * 1024 * 1024))
              .childHandler(
                  new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                      ch.pipeline()
                          .addLast(
                              new HttpServerCodec(
                                  ChatServerInitializer.MAX_INITIAL_LINE,
                                  ChatServerInitializer.MAX_HEADER_BYTES,
                                  8192),
                              new HttpObjectAggregator(ChatServerInitializer.MAX_HTTP_BODY),
                              new HandshakeDeadline(10_000, metrics, refusals),
                              guard,
                              ChatServerInitializer.webSocketUpgrade(MAX_BYTES),
                              new Echo());
                    }
                  })
              .bind(port)
              .sync()
              .channel();
      channel.closeFuture().sync();
    } finally {
      workers.shutdownGracefully();
      boss.shutdownGracefully();
    }
  }

  /**
   * Echoes text and binary messages; answers a close frame with its code and ends. Takes frames
   * through {@link FrameIntake} as the chat session does.
   */
  private static final class Echo extends ChannelInboundHandlerAdapter {
    private boolean assembling;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (!(msg instanceof WebSocketFrame frame)) {
        ctx.fireChannelRead(msg);
        return;
      }
      if (!assembling && !FrameIntake.admit(ctx, frame, MAX_BYTES)) {
        assembling = true;
        return;
      }
      if (frame instanceof TextWebSocketFrame || frame instanceof BinaryWebSocketFrame) {
        ctx.writeAndFlush(frame);
        return;
      }
      try {
        if (frame instanceof PingWebSocketFrame) {
          // As the chat session answers pings (Session.pong).
          if (ctx.channel().isWritable()) {
            ctx.writeAndFlush(new PongWebSocketFrame(frame.content().retain()));
          }
        } else if (frame instanceof CloseWebSocketFrame close) {
          int code = close.statusCode();
          CloseWebSocketFrame answer =
              code < 0 ? new CloseWebSocketFrame() : new CloseWebSocketFrame(code, "");
          ctx.writeAndFlush(answer).addListener(ChannelFutureListener.CLOSE);
        }
      } finally {
        frame.release();
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
