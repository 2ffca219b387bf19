package dev.broadcastchat.server;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.util.ReferenceCountUtil;

/**
 * Bounds what a ping flood costs: a ping is answered (by the WebSocket handler behind this one)
 * only while the connection takes writes, so a peer that pings without reading the pongs cannot
 * make the server queue them without end. Stateless and shared by every connection.
 */
@ChannelHandler.Sharable
final class PingGuard extends ChannelInboundHandlerAdapter {
  static final PingGuard INSTANCE = new PingGuard();

  private PingGuard() {}

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof PingWebSocketFrame && !ctx.channel().isWritable()) {
      ReferenceCountUtil.release(msg);
      return;
    }
    ctx.fireChannelRead(msg);
  }
}
