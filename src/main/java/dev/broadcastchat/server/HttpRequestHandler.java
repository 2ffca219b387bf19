package dev.broadcastchat.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;

/**
 * Answers plain HTTP requests (health, readiness, the web client's files) and passes WebSocket
 * upgrades on to the handshake. Stateless and shared by every connection.
 */
@ChannelHandler.Sharable
final class HttpRequestHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
  private final BooleanSupplier ready;
  private final StaticFiles staticFiles;

  HttpRequestHandler(BooleanSupplier ready, StaticFiles staticFiles) {
    super(false);
    this.ready = ready;
    this.staticFiles = staticFiles;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    if (!request.decoderResult().isSuccess()) {
      request.release();
      respond(ctx, null, HttpResponseStatus.BAD_REQUEST, "bad request\n", false);
      return;
    }
    if (isUpgrade(request)) {
      ctx.fireChannelRead(request);
      return;
    }
    try {
      serve(ctx, request);
    } finally {
      request.release();
    }
  }

  private void serve(ChannelHandlerContext ctx, FullHttpRequest request) {
    boolean keepAlive = HttpUtil.isKeepAlive(request);
    if (!HttpMethod.GET.equals(request.method()) && !HttpMethod.HEAD.equals(request.method())) {
      respond(
          ctx, request, HttpResponseStatus.METHOD_NOT_ALLOWED, "method not allowed\n", keepAlive);
      return;
    }
    String path = new QueryStringDecoder(request.uri()).path();
    switch (path) {
      case "/healthz" -> respond(ctx, request, HttpResponseStatus.OK, "ok\n", keepAlive);
      case "/readyz" -> {
        if (ready.getAsBoolean()) {
          respond(ctx, request, HttpResponseStatus.OK, "ready\n", keepAlive);
        } else {
          respond(ctx, request, HttpResponseStatus.SERVICE_UNAVAILABLE, "not ready\n", keepAlive);
        }
      }
      default -> {
        FullHttpResponse file = staticFiles.respond(request, path);
        if (file == null) {
          respond(ctx, request, HttpResponseStatus.NOT_FOUND, "not found\n", keepAlive);
        } else {
          write(ctx, file, keepAlive);
        }
      }
    }
  }

  static boolean isUpgrade(FullHttpRequest request) {
    return request
        .headers()
        .containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true);
  }

  static void respond(
      ChannelHandlerContext ctx,
      FullHttpRequest request,
      HttpResponseStatus status,
      String body,
      boolean keepAlive) {
    ByteBuf content =
        request != null && HttpMethod.HEAD.equals(request.method())
            ? Unpooled.EMPTY_BUFFER
            : Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
    response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
    response.headers().set("X-Content-Type-Options", "nosniff");
    HttpUtil.setContentLength(response, body.getBytes(StandardCharsets.UTF_8).length);
    write(ctx, response, keepAlive);
  }

  private static void write(
      ChannelHandlerContext ctx, FullHttpResponse response, boolean keepAlive) {
    HttpUtil.setKeepAlive(response, keepAlive);
    var future = ctx.writeAndFlush(response);
    if (!keepAlive) {
      future.addListener(ChannelFutureListener.CLOSE);
    }
  }
}
