package dev.broadcastchat.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds dead peers (a laptop closed, a NAT that forgot the connection): after {@code interval} of
 * read silence it sends a ping; if nothing at all (a pong, a frame) arrives within {@code timeout}
 * after that, the connection is closed with 1001 at once, without waiting for an answer.
 *
 * <p>Added at the head of a chat connection's pipeline once its handshake is complete, so that any
 * byte read counts as a sign of life. One per connection, on its event loop.
 */
final class KeepAlive extends IdleStateHandler {
  private static final Logger log = LoggerFactory.getLogger(KeepAlive.class);

  private final long timeoutMillis;
  private final ServerMetrics metrics;
  private ScheduledFuture<?> deadline;

  KeepAlive(long intervalMillis, long timeoutMillis, ServerMetrics metrics) {
    super(intervalMillis, 0, 0, TimeUnit.MILLISECONDS);
    this.timeoutMillis = timeoutMillis;
    this.metrics = metrics;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
    if (deadline != null) {
      deadline.cancel(false);
      deadline = null;
    }
    super.channelRead(ctx, msg);
  }

  @Override
  protected void channelIdle(ChannelHandlerContext ctx, IdleStateEvent evt) {
    if (evt.state() != IdleState.READER_IDLE || deadline != null) {
      return;
    }
    if (!SessionHandler.ping(ctx.channel())) {
      return;
    }
    metrics.pingSent();
    deadline = ctx.executor().schedule(() -> expire(ctx), timeoutMillis, TimeUnit.MILLISECONDS);
  }

  private void expire(ChannelHandlerContext ctx) {
    deadline = null;
    if (!ctx.channel().isActive()) {
      return;
    }
    metrics.pingTimedOut();
    log.debug(
        "conn {} no answer to a ping within {} ms, closing",
        ctx.channel().id().asShortText(),
        timeoutMillis);
    SessionHandler.abortConnection(
        ctx.channel(), WebSocketCloseStatus.ENDPOINT_UNAVAILABLE.code(), "no answer to ping");
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) throws Exception {
    if (deadline != null) {
      deadline.cancel(false);
      deadline = null;
    }
    super.handlerRemoved(ctx);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    if (deadline != null) {
      deadline.cancel(false);
      deadline = null;
    }
    super.channelInactive(ctx);
  }
}
