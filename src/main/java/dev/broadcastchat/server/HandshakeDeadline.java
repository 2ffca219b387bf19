package dev.broadcastchat.server;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes a connection that does not finish an HTTP request in time: one that connects and sends
 * half a request (or nothing), and a plain HTTP keep-alive connection left idle after a response.
 *
 * <p>The clock starts when the connection opens and again after each response other than the
 * upgrade's; it stops while a complete request is being answered. Removed once the WebSocket
 * handshake is complete (keepalive pings take over). Sits between the HTTP codec and the request
 * handler; one per connection, on its event loop.
 */
final class HandshakeDeadline extends ChannelDuplexHandler {
  private static final Logger log = LoggerFactory.getLogger(HandshakeDeadline.class);

  private final long timeoutMillis;
  private final ServerMetrics metrics;

  /** Where a stalled handshake is counted and logged; null on the admin listener. */
  private final Refusals refusals;

  private ScheduledFuture<?> timer;

  /** Whether a request was answered: an idle keep-alive connection is not a stalled handshake. */
  private boolean answered;

  /** For the admin listener, whose stalled requests are no refusal of a chat connection. */
  HandshakeDeadline(long timeoutMillis, ServerMetrics metrics) {
    this(timeoutMillis, metrics, null);
  }

  HandshakeDeadline(long timeoutMillis, ServerMetrics metrics, Refusals refusals) {
    this.timeoutMillis = timeoutMillis;
    this.metrics = metrics;
    this.refusals = refusals;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    if (ctx.channel().isActive()) {
      start(ctx);
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    start(ctx);
    ctx.fireChannelActive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof FullHttpRequest) {
      cancel();
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (msg instanceof HttpResponse response
        && !HttpResponseStatus.SWITCHING_PROTOCOLS.equals(response.status())) {
      answered = true;
      start(ctx);
    }
    ctx.write(msg, promise);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    cancel();
    ctx.fireChannelInactive();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    cancel();
  }

  private void start(ChannelHandlerContext ctx) {
    cancel();
    timer = ctx.executor().schedule(() -> expire(ctx), timeoutMillis, TimeUnit.MILLISECONDS);
  }

  private void expire(ChannelHandlerContext ctx) {
    timer = null;
    if (ctx.channel().isActive()) {
      if (!answered) {
        metrics.handshakeTimedOut();
      }
      if (!answered && refusals != null) {
        refusals.refused(
            Refusals.Reason.HANDSHAKE_TIMEOUT,
            ctx.channel(),
            "no complete request within " + timeoutMillis + " ms, closed");
      } else {
        log.debug(
            "conn {} {} closed: no complete request within {} ms",
            ctx.channel().id().asShortText(),
            SessionHandler.formatAddress(ctx.channel().remoteAddress()),
            timeoutMillis);
      }
      ctx.close();
    }
  }

  private void cancel() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }
}
