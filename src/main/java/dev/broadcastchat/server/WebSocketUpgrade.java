package dev.broadcastchat.server;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker13;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;

/**
 * Answers an upgrade request that got this far (the guard let it through) and turns the connection
 * into a WebSocket one (RFC 6455, version 13): the 101 response, then the frame codecs in place of
 * HTTP, and a {@link WebSocketServerProtocolHandler.HandshakeComplete} event for whatever handles
 * the connection from there on.
 *
 * <p>Unlike Netty's {@code WebSocketServerProtocolHandler}, the response is written but not
 * flushed: whoever handles the event writes its first frames behind it and flushes once, so that a
 * new connection costs one write instead of two. A request of another version gets 426 with the
 * version this server speaks; a malformed one gets 400 and is closed. Stateless and shared.
 */
@ChannelHandler.Sharable
final class WebSocketUpgrade extends SimpleChannelInboundHandler<FullHttpRequest> {
  static final String FRAME_ENCODER = "ws-encoder";
  static final String FRAME_DECODER = "ws-decoder";

  private final String subprotocols;
  private final WebSocketDecoderConfig decoderConfig;

  /**
   * @param subprotocols the subprotocols offered, comma-separated, or null for none
   * @param decoderConfig how incoming frames are read and checked
   */
  WebSocketUpgrade(String subprotocols, WebSocketDecoderConfig decoderConfig) {
    this.subprotocols = subprotocols;
    this.decoderConfig = decoderConfig;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    String version = request.headers().get(HttpHeaderNames.SEC_WEBSOCKET_VERSION);
    if (!WebSocketVersion.V13.toHttpHeaderValue().equals(version)) {
      WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel());
      return;
    }
    Handshake handshake = new Handshake(request.uri(), subprotocols, decoderConfig);
    FullHttpResponse response;
    try {
      response = handshake.response(request);
    } catch (WebSocketHandshakeException e) {
      HttpRequestHandler.respond(
          ctx, request, HttpResponseStatus.BAD_REQUEST, e.getMessage() + "\n", false);
      return;
    }
    ChannelPipeline p = ctx.pipeline();
    ChannelHandlerContext http = p.context(HttpServerCodec.class);
    if (p.get(HttpObjectAggregator.class) != null) {
      p.remove(HttpObjectAggregator.class);
    }
    p.addBefore(http.name(), FRAME_ENCODER, new WebSocket13FrameEncoder(false));
    p.addBefore(http.name(), FRAME_DECODER, new WebSocket13FrameDecoder(decoderConfig));
    // Encoded by the HTTP codec on its way out, then left in the outbound buffer unflushed.
    ctx.write(response);
    p.remove(http.name());
    p.remove(this);
    p.context(FRAME_DECODER)
        .fireUserEventTriggered(
            new WebSocketServerProtocolHandler.HandshakeComplete(
                request.uri(), request.headers(), handshake.selectedSubprotocol()));
    // The response leaves now at the latest, with whatever the event's handlers wrote behind it.
    ctx.channel().flush();
  }

  /** Netty's version 13 handshake, for its checks and its response only. */
  private static final class Handshake extends WebSocketServerHandshaker13 {
    Handshake(String uri, String subprotocols, WebSocketDecoderConfig decoderConfig) {
      super(uri, subprotocols, decoderConfig);
    }

    FullHttpResponse response(FullHttpRequest request) {
      return newHandshakeResponse(request, null);
    }
  }
}
