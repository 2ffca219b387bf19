package dev.broadcastchat.server;

import dev.broadcastchat.bus.Bus;
import dev.broadcastchat.protocol.WireProtocol;
import dev.broadcastchat.room.Rooms;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a completed handshake into a {@link Session} and routes the connection's frames to it. One
 * per connection, on the connection's event loop.
 */
final class SessionHandler extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(SessionHandler.class);
  static final String DEFAULT_ROOM = "lobby";

  private final Rooms rooms;
  private final Bus bus;
  private final ServerConfig config;
  private final Refusals refusals;
  private final GuestNames guestNames;
  private Session session;
  private String peer;

  SessionHandler(
      Rooms rooms, Bus bus, ServerConfig config, Refusals refusals, GuestNames guestNames) {
    this.rooms = rooms;
    this.bus = bus;
    this.config = config;
    this.refusals = refusals;
    this.guestNames = guestNames;
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete handshake) {
      // What only the handshake needed goes, so that frames pass through a lean pipeline.
      for (String name :
          new String[] {
            ChatServerInitializer.HTTP_HANDLER,
            ChatServerInitializer.GUARD,
            ChatServerInitializer.DEADLINE
          }) {
        if (ctx.pipeline().get(name) != null) {
          ctx.pipeline().remove(name);
        }
      }
      peer = formatAddress(ctx.channel().remoteAddress());
      String shown = config.security().hideAddresses() ? guestNames.nameOf(peer) : peer;
      WireProtocol protocol = WireProtocol.forSubprotocol(handshake.selectedSubprotocol());
      QueryStringDecoder query = new QueryStringDecoder(handshake.requestUri());
      session =
          new Session(
              ctx.channel(),
              ctx.pipeline().context(WebSocketFrameEncoder.class),
              shown,
              protocol,
              bus,
              rooms,
              config,
              ctx.channel().attr(UpgradeGuard.IDENTITY).get(),
              refusals);
      String room = param(query, "room");
      session.start(
          room == null ? DEFAULT_ROOM : room, param(query, "nick"), param(query, "since"));
      log.info(
          "conn {} open {} room={} nick={} proto={}",
          session.connectionId(),
          peer,
          session.roomName(),
          session.nick() == null ? "-" : session.nick(),
          protocol.name().toLowerCase(java.util.Locale.ROOT));
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof WebSocketFrame frame) || session == null) {
      ctx.fireChannelRead(msg);
      return;
    }
    try {
      if (frame instanceof TextWebSocketFrame text) {
        session.onFrame(text.text());
      } else if (frame instanceof CloseWebSocketFrame close) {
        session.onCloseFrame(close.statusCode());
      } else if (frame instanceof BinaryWebSocketFrame) {
        session.close(
            WebSocketCloseStatus.INVALID_MESSAGE_TYPE.code(), "binary frames are not supported");
      }
    } finally {
      ReferenceCountUtil.release(frame);
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (session != null && ctx.channel().isWritable()) {
      session.onWritable();
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (session != null) {
      session.onClosed();
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - session.openedAtNanos());
      int code = session.closeCode();
      log.info(
          "conn {} closed {} code={} duration={}ms",
          session.connectionId(),
          peer,
          code < 0 ? "none" : Integer.toString(code),
          millis);
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    String id = ctx.channel().id().asShortText();
    if (session != null) {
      if (cause instanceof CorruptedWebSocketFrameException corrupted) {
        session.noteCloseCode(corrupted.closeStatus().code());
      } else if (cause instanceof TooLongFrameException) {
        // A fragmented message grew past the cap while being reassembled.
        session.close(WebSocketCloseStatus.MESSAGE_TOO_BIG.code(), "message too big");
        log.debug("conn {} {}", id, cause.getMessage());
        return;
      }
    }
    if (Disconnects.isOrdinary(cause)) {
      log.debug("conn {} ended: {}", id, cause.toString());
    } else {
      log.warn("conn {} failed", id, cause);
    }
    ctx.close();
  }

  /**
   * Closes {@code channel}: a chat connection with a close frame carrying {@code code}, anything
   * else (a plain HTTP connection, a handshake under way) at once. Runs on the channel's loop.
   */
  static void closeConnection(Channel channel, int code, String reason) {
    assert channel.eventLoop().inEventLoop();
    SessionHandler handler = channel.pipeline().get(SessionHandler.class);
    if (handler != null && handler.session != null) {
      handler.session.close(code, reason);
    } else {
      channel.close();
    }
  }

  private static String param(QueryStringDecoder query, String name) {
    var values = query.parameters().get(name);
    return values == null || values.isEmpty() ? null : values.get(0);
  }

  static String formatAddress(SocketAddress address) {
    if (address instanceof InetSocketAddress inet) {
      String host =
          inet.getAddress() != null ? inet.getAddress().getHostAddress() : inet.getHostString();
      if (host.indexOf(':') >= 0) {
        host = "[" + host + "]";
      }
      return host + ":" + inet.getPort();
    }
    return String.valueOf(address);
  }
}
