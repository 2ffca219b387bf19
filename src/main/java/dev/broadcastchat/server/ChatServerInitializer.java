package dev.broadcastchat.server;

import dev.broadcastchat.bus.Bus;
import dev.broadcastchat.protocol.WireProtocol;
import dev.broadcastchat.room.Rooms;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;

/** Builds each connection's pipeline: HTTP first, then the WebSocket handshake and a session. */
final class ChatServerInitializer extends ChannelInitializer<SocketChannel> {
  static final String HTTP_HANDLER = "http-handler";
  static final String GUARD = "upgrade-guard";
  static final String DEADLINE = "handshake-deadline";

  /** Longest request line, largest header block, of an HTTP request. */
  static final int MAX_INITIAL_LINE = 4096;

  static final int MAX_HEADER_BYTES = 8192;

  /** Largest HTTP request body: nothing here takes one, so a small cap suffices. */
  static final int MAX_HTTP_BODY = 8192;

  private final ServerConfig config;
  private final Rooms rooms;
  private final Bus bus;
  private final ChannelGroup allChannels;
  private final HttpRequestHandler httpHandler;
  private final WebSocketServerProtocolConfig wsConfig;
  private final UpgradeGuard guard;
  private final ConnectionLimiter limiter;
  private final Refusals refusals;
  private final GuestNames guestNames = new GuestNames();

  ChatServerInitializer(
      ServerConfig config,
      Rooms rooms,
      Bus bus,
      ChannelGroup allChannels,
      StaticFiles staticFiles,
      Refusals refusals) {
    this.config = config;
    this.rooms = rooms;
    this.bus = bus;
    this.allChannels = allChannels;
    this.refusals = refusals;
    this.httpHandler = new HttpRequestHandler(bus::ready, staticFiles);
    this.guard = new UpgradeGuard(config.security(), refusals);
    this.limiter =
        new ConnectionLimiter(
            config.security().maxConnections(), config.security().maxConnectionsPerIp());
    this.wsConfig = webSocketConfig(config.maxFrameBytes(), config.security().handshakeTimeout());
  }

  /**
   * The handshake and decoder settings of every chat connection: masked frames only, no extensions,
   * UTF-8 checked as it arrives, protocol violations closed with their code.
   */
  static WebSocketServerProtocolConfig webSocketConfig(
      int maxFrameBytes, java.time.Duration handshakeTimeout) {
    return WebSocketServerProtocolConfig.newBuilder()
        .websocketPath("/")
        .checkStartsWith(true)
        .subprotocols(WireProtocol.JSON_SUBPROTOCOL)
        .handleCloseFrames(false)
        // No close frame of Netty's own when a connection is closed: the session sends its code,
        // and a peer that broke the protocol in its close frame gets 1002 or a dropped
        // connection, never a 1000 that says all was well.
        .sendCloseFrame(null)
        .dropPongFrames(true)
        .handshakeTimeoutMillis(handshakeTimeout.toMillis())
        .decoderConfig(
            WebSocketDecoderConfig.newBuilder()
                .maxFramePayloadLength(maxFrameBytes)
                .allowExtensions(false)
                .allowMaskMismatch(false)
                .expectMaskedFrames(true)
                .closeOnProtocolViolation(true)
                .withUTF8Validator(true)
                .build())
        .build();
  }

  @Override
  protected void initChannel(SocketChannel ch) {
    allChannels.add(ch);
    ch.attr(UpgradeGuard.VERDICT).set(limiter.open(ch));
    ChannelPipeline p = ch.pipeline();
    p.addLast("http", new HttpServerCodec(MAX_INITIAL_LINE, MAX_HEADER_BYTES, 8192));
    p.addLast("http-aggregator", new HttpObjectAggregator(MAX_HTTP_BODY));
    p.addLast(
        DEADLINE, new HandshakeDeadline(config.security().handshakeTimeout().toMillis(), refusals));
    p.addLast(GUARD, guard);
    p.addLast(HTTP_HANDLER, httpHandler);
    p.addLast("ping-guard", PingGuard.INSTANCE);
    p.addLast("ws", new WebSocketServerProtocolHandler(wsConfig));
    p.addLast("ws-aggregator", new WebSocketFrameAggregator(config.maxFrameBytes()));
    p.addLast("session", new SessionHandler(rooms, bus, config, refusals, guestNames));
  }
}
