package dev.broadcastchat.server;

import dev.broadcastchat.protocol.WireProtocol;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
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
  static final String X_FORWARDED_FOR = "X-Forwarded-For";

  /** See {@link #logLine()}. */
  private static final ThreadLocal<StringBuilder> LOG_LINE =
      ThreadLocal.withInitial(() -> new StringBuilder(256));

  private final SessionServices services;
  private Session session;
  private String peer;

  /**
   * Whether a fragmented message has arrived, and the handlers that join fragments are in place.
   */
  private boolean assembling;

  SessionHandler(SessionServices services) {
    this.services = services;
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete handshake) {
      // What only the handshake needed goes, so that frames pass through a lean pipeline and an
      // idle connection holds as little as possible. Answering pings is this handler's.
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
      Tokens.Identity identity =
          ctx.channel().hasAttr(UpgradeGuard.IDENTITY)
              ? ctx.channel().attr(UpgradeGuard.IDENTITY).getAndSet(null)
              : null;
      WireProtocol protocol = WireProtocol.forSubprotocol(handshake.selectedSubprotocol());
      // Never null: the upgrade guard has answered a URI that does not decode with 400.
      QueryStringDecoder query = RequestUri.decode(handshake.requestUri());
      InetSocketAddress client =
          ClientAddress.of(
              ctx.channel(),
              services.config().trustedProxies(),
              handshake.requestHeaders().getAll(X_FORWARDED_FOR));
      // The client's own address (behind a trusted proxy, the one it forwarded) is what the logs
      // and per-IP limits use; with --hide-addresses others see a stable guest name instead.
      peer = formatAddress(client);
      String shown =
          services.config().security().hideAddresses() ? services.guestNames().nameOf(peer) : peer;
      session =
          new Session(
              ctx.channel(),
              ctx.pipeline().context(WebSocketFrameEncoder.class),
              shown,
              protocol,
              identity,
              services);
      services.metrics().connectionOpened(protocol);
      String room = RequestUri.param(query, "room");
      KeepAlive keepAlive = services.keepAlive();
      if (keepAlive != null) {
        keepAlive.watch(session, ctx.executor());
      }
      Session started = session;
      session.start(
          room == null ? DEFAULT_ROOM : room,
          RequestUri.param(query, "nick"),
          RequestUri.param(query, "since"),
          log.isInfoEnabled() ? () -> logOpen(ctx, started, peer, client, protocol) : null);
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  /** The line that says a connection opened, once it has its room and nick (or was refused). */
  private static void logOpen(
      ChannelHandlerContext ctx,
      Session session,
      String peer,
      SocketAddress client,
      WireProtocol protocol) {
    SocketAddress tcpPeer = ctx.channel().remoteAddress();
    StringBuilder line =
        logLine().append("conn ").append(session.connectionId()).append(" open ").append(peer);
    if (!client.equals(tcpPeer)) {
      line.append(" via ").append(formatAddress(tcpPeer));
    }
    line.append(" room=")
        .append(session.lastRoomName())
        .append(" nick=")
        .append(session.nick() == null ? "-" : session.nick())
        .append(" proto=")
        .append(protocol.logName());
    log.info(line.toString());
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof WebSocketFrame frame) || session == null) {
      ctx.fireChannelRead(msg);
      return;
    }
    if (session.closing() && !(frame instanceof CloseWebSocketFrame)) {
      // Our close frame is out: until the peer's answer, what it sends is neither checked nor
      // answered (RFC 6455, 5.5.1), so that nothing follows our close frame.
      frame.release();
      return;
    }
    if (!assembling && !FrameIntake.admit(ctx, frame, services.config().maxFrameBytes())) {
      assembling = true; // the frame went through the fragment handlers, and so will the rest
      return;
    }
    try {
      if (frame instanceof TextWebSocketFrame text) {
        session.onFrame(text.text());
      } else if (frame instanceof CloseWebSocketFrame close) {
        session.onCloseFrame(close.statusCode());
      } else if (frame instanceof PingWebSocketFrame) {
        session.pong(frame.content());
      } else if (frame instanceof PongWebSocketFrame) {
        // An answer to our ping, or unasked (RFC 6455, 5.5.3): that it arrived is all that counts.
      } else if (frame instanceof BinaryWebSocketFrame) {
        session.onBinaryFrame();
      }
    } finally {
      ReferenceCountUtil.release(frame);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    // Any bytes read count as a sign of life, a frame still incomplete included.
    if (session != null) {
      session.markRead();
    }
    ctx.fireChannelReadComplete();
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
    // First, so nothing below can keep the place this connection was counted for when it opened.
    services.limiter().close(ctx.channel());
    if (session != null) {
      KeepAlive keepAlive = services.keepAlive();
      if (keepAlive != null) {
        keepAlive.unwatch(session);
      }
      session.onClosed();
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - session.openedAtNanos());
      int code = session.closeCode();
      services.metrics().connectionClosed(session.protocol(), code);
      if (log.isInfoEnabled()) {
        StringBuilder line =
            logLine()
                .append("conn ")
                .append(session.connectionId())
                .append(" closed ")
                .append(peer)
                .append(" room=")
                .append(session.lastRoomName())
                .append(" proto=")
                .append(session.protocol().logName())
                .append(" code=");
        if (code < 0) {
          line.append("none");
        } else {
          line.append(code);
        }
        log.info(line.append(" duration=").append(millis).append("ms").toString());
      }
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
   * This thread's builder for a connection's log line, emptied: a line is logged for every
   * connection opened and closed, and built here it leaves only its string behind, where the
   * logger's own formatting of "{}" arguments leaves a builder and a map per argument as well. The
   * line is logged as a message without arguments, so braces in a nick stay as they are.
   */
  private static StringBuilder logLine() {
    StringBuilder line = LOG_LINE.get();
    if (line.capacity() > 1024) {
      line = new StringBuilder(256);
      LOG_LINE.set(line);
    }
    line.setLength(0);
    return line;
  }

  /**
   * Closes {@code channel}: a chat connection with a close frame carrying {@code code}, anything
   * else (a plain HTTP connection, a handshake under way) at once. Runs on the channel's loop.
   */
  static void closeConnection(Channel channel, int code, String reason) {
    assert channel.eventLoop().inEventLoop();
    Session session = sessionOf(channel);
    if (session != null) {
      session.close(code, reason);
    } else {
      channel.close();
    }
  }

  private static Session sessionOf(Channel channel) {
    SessionHandler handler = channel.pipeline().get(SessionHandler.class);
    return handler == null ? null : handler.session;
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
