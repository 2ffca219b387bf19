package dev.broadcastchat.server;

import dev.broadcastchat.bus.Bus;
import dev.broadcastchat.protocol.WireProtocol;
import dev.broadcastchat.room.Rooms;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.net.InetSocketAddress;
import java.util.function.BooleanSupplier;

/**
 * Builds each connection's pipeline: the PROXY protocol header from a trusted proxy, TLS when
 * configured, HTTP with a deadline, then the WebSocket handshake and a session.
 */
final class ChatServerInitializer extends ChannelInitializer<SocketChannel> {
  static final String HTTP_HANDLER = "http-handler";
  static final String GUARD = "upgrade-guard";
  static final String DEADLINE = "handshake-deadline";

  /** Answers the upgrade request; removed once it has. */
  static final String UPGRADE = "ws-upgrade";

  /** Longest request line, largest header block, of an HTTP request. */
  static final int MAX_INITIAL_LINE = 4096;

  static final int MAX_HEADER_BYTES = 8192;

  /** Largest HTTP request body: nothing here takes one, so a small cap suffices. */
  static final int MAX_HTTP_BODY = 8192;

  private final ServerConfig config;
  private final ChannelGroup allChannels;
  private final SslContext sslContext;
  private final ServerMetrics metrics;
  private final HttpRequestHandler httpHandler;
  private final WebSocketUpgrade upgrade;
  private final UpgradeGuard guard;
  private final ConnectionLimiter limiter;
  private final Refusals refusals;
  private final SessionServices services;

  /**
   * @param sslContext the TLS context, or null for plain ws:// and http://
   * @param draining whether the server is shutting down, when upgrades are refused
   */
  ChatServerInitializer(
      ServerConfig config,
      Rooms rooms,
      Bus bus,
      ChannelGroup allChannels,
      SslContext sslContext,
      ServerMetrics metrics,
      BooleanSupplier draining,
      StaticFiles staticFiles,
      Refusals refusals) {
    this.config = config;
    this.allChannels = allChannels;
    this.sslContext = sslContext;
    this.metrics = metrics;
    this.refusals = refusals;
    this.httpHandler =
        new HttpRequestHandler(bus::ready, draining, metrics, !config.hasAdminPort(), staticFiles);
    this.limiter =
        new ConnectionLimiter(
            config.security().maxConnections(),
            config.security().maxConnectionsPerIp(),
            config.trustedProxies());
    this.guard = new UpgradeGuard(config.security(), refusals, limiter, config.trustedProxies());
    this.upgrade = webSocketUpgrade(config.maxFrameBytes(), refusals);
    KeepAlive keepAlive =
        config.pingInterval().isZero()
            ? null
            : new KeepAlive(config.pingInterval(), config.pingTimeout(), metrics);
    this.services =
        new SessionServices(
            rooms,
            bus,
            config,
            metrics,
            refusals,
            new GuestNames(),
            keepAlive,
            limiter,
            sslContext == null);
  }

  /**
   * The upgrade of every chat connection: the JSON subprotocol offered, masked frames only, no
   * extensions, frames of at most {@code maxFrameBytes}, protocol violations closed with their
   * code. UTF-8 is checked, and fragments joined, by {@link FrameIntake}, at the end of the
   * pipeline.
   */
  static WebSocketUpgrade webSocketUpgrade(int maxFrameBytes) {
    return webSocketUpgrade(maxFrameBytes, new Refusals());
  }

  /** The same, counting the requests it refuses in {@code refusals}. */
  static WebSocketUpgrade webSocketUpgrade(int maxFrameBytes, Refusals refusals) {
    return new WebSocketUpgrade(
        WireProtocol.JSON_SUBPROTOCOL,
        WebSocketDecoderConfig.newBuilder()
            .maxFramePayloadLength(maxFrameBytes)
            .allowExtensions(false)
            .allowMaskMismatch(false)
            .expectMaskedFrames(true)
            .closeOnProtocolViolation(true)
            .withUTF8Validator(false)
            .build(),
        refusals);
  }

  @Override
  protected void initChannel(SocketChannel ch) {
    allChannels.add(ch);
    ChannelPipeline p = ch.pipeline();
    InetSocketAddress peer = ch.remoteAddress();
    if (peer != null && config.trustedProxies().trusts(peer.getAddress())) {
      p.addLast("proxy-detect", new ProxyProtocolDetector(limiter, config.trustedProxies()));
    }
    if (sslContext != null) {
      SslHandler tls = sslContext.newHandler(ch.alloc());
      tls.setHandshakeTimeoutMillis(config.handshakeTimeout().toMillis());
      p.addLast("tls", tls);
    }
    p.addLast("http", new HttpServerCodec(MAX_INITIAL_LINE, MAX_HEADER_BYTES, 8192));
    p.addLast("http-aggregator", new BodyCap(refusals));
    p.addLast(
        DEADLINE, new HandshakeDeadline(config.handshakeTimeout().toMillis(), metrics, refusals));
    p.addLast(GUARD, guard);
    p.addLast(HTTP_HANDLER, httpHandler);
    p.addLast(UPGRADE, upgrade);
    p.addLast("session", new SessionHandler(services));
    // Counted once the pipeline is whole: the session handler gives the count back when the
    // channel goes inactive, and no request is read before this method returns.
    limiter.open(ch);
  }

  /**
   * Joins a request's body to it, up to {@link #MAX_HTTP_BODY}; a request with a larger one is
   * answered 413 by Netty's aggregator, and counted and logged here like every other refusal.
   */
  private static final class BodyCap extends HttpObjectAggregator {
    private final Refusals refusals;

    BodyCap(Refusals refusals) {
      super(MAX_HTTP_BODY);
      this.refusals = refusals;
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized)
        throws Exception {
      if (oversized instanceof HttpRequest) {
        refusals.refused(
            Refusals.Reason.REQUEST_TOO_LARGE, ctx.channel(), "413 request body too large");
      }
      super.handleOversizedMessage(ctx, oversized);
    }
  }
}
