package dev.broadcastchat.bench;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketFrameDecoder;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * Performs a connection's WebSocket opening handshake, then hands the connection to its {@link
 * BenchClient} behind a {@link FrameReader} and leaves the pipeline. Completes {@code done} either
 * way; a handshake that takes longer than the timeout fails.
 *
 * <p>One per connection, on its event loop.
 */
final class HandshakeHandler extends SimpleChannelInboundHandler<FullHttpResponse> {
  private final WebSocketClientHandshaker handshaker;
  private final BenchClient client;
  private final Function<EventLoop, LoopStats> statsOf;
  private final Promise<BenchClient> done;
  private final long timeoutMillis;
  private ScheduledFuture<?> timeout;

  HandshakeHandler(
      WebSocketClientHandshaker handshaker,
      BenchClient client,
      Function<EventLoop, LoopStats> statsOf,
      Promise<BenchClient> done,
      long timeoutMillis) {
    this.handshaker = handshaker;
    this.client = client;
    this.statsOf = statsOf;
    this.done = done;
    this.timeoutMillis = timeoutMillis;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    timeout =
        ctx.executor()
            .schedule(
                () ->
                    fail(
                        ctx,
                        new TimeoutException(
                            "no handshake response within " + timeoutMillis + " ms")),
                timeoutMillis,
                TimeUnit.MILLISECONDS);
    handshaker
        .handshake(ctx.channel())
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                fail(ctx, f.cause());
              }
            });
    ctx.fireChannelActive();
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
    try {
      handshaker.finishHandshake(ctx.channel(), response);
    } catch (RuntimeException e) {
      fail(ctx, e);
      return;
    }
    client.attach(ctx.channel(), statsOf.apply(ctx.channel().eventLoop()));
    // Frames go to our reader instead of Netty's decoder, which makes an object and a copy of each.
    ctx.pipeline().replace(WebSocketFrameDecoder.class, "frames", new FrameReader(client));
    ctx.pipeline().remove(this);
    cancelTimeout();
    done.trySuccess(client);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    fail(ctx, new ClosedChannelException());
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    fail(ctx, cause);
  }

  private void fail(ChannelHandlerContext ctx, Throwable cause) {
    cancelTimeout();
    if (done.tryFailure(cause)) {
      ctx.close();
    }
  }

  private void cancelTimeout() {
    if (timeout != null) {
      timeout.cancel(false);
      timeout = null;
    }
  }
}
