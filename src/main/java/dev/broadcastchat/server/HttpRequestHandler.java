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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers plain HTTP requests (health, readiness, metrics, the web client's files) and passes
 * WebSocket upgrades on to the handshake, or refuses them with 503 while the server shuts down.
 * Stateless and shared by every connection of one listener.
 *
 * <p>On the main port it serves {@code /metrics} only when no admin port is configured; on the
 * admin port it serves health, readiness and metrics, and takes no upgrades and no files.
 */
@ChannelHandler.Sharable
final class HttpRequestHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
  private static final Logger log = LoggerFactory.getLogger(HttpRequestHandler.class);

  private final BooleanSupplier ready;
  private final BooleanSupplier draining;
  private final ServerMetrics metrics;
  private final boolean servesMetrics;
  private final StaticFiles staticFiles;

  /**
   * @param ready whether the server can deliver now (readiness)
   * @param draining whether the server is shutting down (readiness 503, upgrades refused)
   * @param metrics the meters, counted and served
   * @param servesMetrics whether {@code /metrics} is answered here (else 404)
   * @param staticFiles the web client's files, for the main port; null on the admin port, which
   *     then serves no files and takes no upgrades
   */
  HttpRequestHandler(
      BooleanSupplier ready,
      BooleanSupplier draining,
      ServerMetrics metrics,
      boolean servesMetrics,
      StaticFiles staticFiles) {
    super(false);
    this.ready = ready;
    this.draining = draining;
    this.metrics = metrics;
    this.servesMetrics = servesMetrics;
    this.staticFiles = staticFiles;
  }

  private boolean takesUpgrades() {
    return staticFiles != null;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    if (!request.decoderResult().isSuccess()) {
      request.release();
      respond(ctx, null, HttpResponseStatus.BAD_REQUEST, "bad request\n", false);
      return;
    }
    if (takesUpgrades() && isUpgrade(request)) {
      if (draining.getAsBoolean()) {
        request.release();
        metrics.upgradeRefused();
        respond(ctx, null, HttpResponseStatus.SERVICE_UNAVAILABLE, "shutting down\n", false);
        return;
      }
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
    QueryStringDecoder uri = RequestUri.decode(request.uri());
    if (uri == null) {
      respond(
          ctx,
          request,
          HttpResponseStatus.BAD_REQUEST,
          "bad request: malformed percent-encoding in the URI\n",
          false);
      return;
    }
    String path = uri.path();
    switch (path) {
      case "/healthz" -> respond(ctx, request, HttpResponseStatus.OK, "ok\n", keepAlive);
      case "/readyz" -> {
        if (draining.getAsBoolean()) {
          respond(
              ctx, request, HttpResponseStatus.SERVICE_UNAVAILABLE, "shutting down\n", keepAlive);
        } else if (ready.getAsBoolean()) {
          respond(ctx, request, HttpResponseStatus.OK, "ready\n", keepAlive);
        } else {
          respond(ctx, request, HttpResponseStatus.SERVICE_UNAVAILABLE, "not ready\n", keepAlive);
        }
      }
      case "/metrics" -> {
        if (servesMetrics) {
          respond(
              ctx,
              request,
              HttpResponseStatus.OK,
              ServerMetrics.CONTENT_TYPE,
              metrics.scrape(),
              keepAlive);
        } else {
          respond(ctx, request, HttpResponseStatus.NOT_FOUND, "not found\n", keepAlive);
        }
      }
      default -> {
        FullHttpResponse file = staticFiles == null ? null : staticFiles.respond(request, path);
        if (file == null) {
          respond(ctx, request, HttpResponseStatus.NOT_FOUND, "not found\n", keepAlive);
        } else {
          write(ctx, file, keepAlive);
        }
      }
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (takesUpgrades()) {
      // On the main port the session handler, at the end of the pipeline, decides.
      ctx.fireExceptionCaught(cause);
      return;
    }
    if (Disconnects.isOrdinary(cause)) {
      log.debug("admin conn {} ended: {}", ctx.channel().id().asShortText(), cause.toString());
    } else {
      log.warn("admin conn {} failed", ctx.channel().id().asShortText(), cause);
    }
    ctx.close();
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
    respond(ctx, request, status, "text/plain; charset=utf-8", body, keepAlive);
  }

  static void respond(
      ChannelHandlerContext ctx,
      FullHttpRequest request,
      HttpResponseStatus status,
      String contentType,
      String body,
      boolean keepAlive) {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ByteBuf content =
        request != null && HttpMethod.HEAD.equals(request.method())
            ? Unpooled.EMPTY_BUFFER
            : Unpooled.wrappedBuffer(bytes);
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
    response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
    response.headers().set("X-Content-Type-Options", "nosniff");
    // RFC 9110 asks each of these statuses to say what would have been accepted.
    if (HttpResponseStatus.METHOD_NOT_ALLOWED.equals(status)) {
      response.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
    } else if (HttpResponseStatus.UNAUTHORIZED.equals(status)) {
      response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer");
    }
    HttpUtil.setContentLength(response, bytes.length);
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
