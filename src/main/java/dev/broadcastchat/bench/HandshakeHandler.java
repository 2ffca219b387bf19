package dev.broadcastchat.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakeException;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * Performs a connection's WebSocket opening handshake, then hands the connection to its {@link
 * BenchClient} behind a {@link FrameReader} and leaves the pipeline. Completes {@code done} either
 * way; a handshake that takes longer than the timeout fails.
 *
 * <p>The request is the same bytes for every connection of a run ({@link HandshakeRequest}), and
 * the response is checked where it lies in the receive buffer (status 101 and the expected {@code
 * Sec-WebSocket-Accept}) without an HTTP codec: opening connections as fast as a server takes them
 * must not make the load generator the limit.
 *
 * <p>One per connection, on its event loop.
 */
final class HandshakeHandler extends ChannelInboundHandlerAdapter {
  private final HandshakeRequest request;
  private final BenchClient client;
  private final Function<EventLoop, LoopStats> statsOf;
  private final Promise<BenchClient> done;
  private final long timeoutMillis;
  private ScheduledFuture<?> timeout;
  private ByteBuf head;

  HandshakeHandler(
      HandshakeRequest request,
      BenchClient client,
      Function<EventLoop, LoopStats> statsOf,
      Promise<BenchClient> done,
      long timeoutMillis) {
    this.request = request;
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
    ctx.writeAndFlush(request.bytes())
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                fail(ctx, f.cause());
              }
            });
    ctx.fireChannelActive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ByteBuf in)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (head == null) {
      head = in;
    } else {
      // The response came in pieces (rare): gather them in one composite, grown in place.
      if (!(head instanceof CompositeByteBuf)) {
        head = ctx.alloc().compositeBuffer().addComponent(true, head);
      }
      ((CompositeByteBuf) head).addComponent(true, in);
    }
    int end = ByteBufUtil.indexOf(HandshakeRequest.END_OF_HEAD, head);
    if (end < 0) {
      if (head.readableBytes() > HandshakeRequest.MAX_RESPONSE_BYTES) {
        fail(ctx, new WebSocketClientHandshakeException("response head too long"));
      }
      return;
    }
    int headLength = end - head.readerIndex() + HandshakeRequest.END_OF_HEAD.readableBytes();
    String problem =
        request.check(head.toString(head.readerIndex(), headLength, StandardCharsets.ISO_8859_1));
    if (problem != null) {
      fail(ctx, new WebSocketClientHandshakeException(problem));
      return;
    }
    ByteBuf rest = head.skipBytes(headLength);
    head = null;
    client.attach(ctx.channel(), statsOf.apply(ctx.channel().eventLoop()));
    ctx.pipeline().replace(this, "frames", new FrameReader(client));
    cancelTimeout();
    done.trySuccess(client);
    // Frames the server sent right behind its response (a welcome) go to the reader.
    if (rest.isReadable()) {
      ctx.fireChannelRead(rest);
    } else {
      rest.release();
    }
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    if (head != null) {
      head.release();
      head = null;
    }
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
