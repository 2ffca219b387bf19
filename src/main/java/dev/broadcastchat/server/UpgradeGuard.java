package dev.broadcastchat.server;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;

/**
 * Decides, from the request alone, whether a connection may upgrade: within the connection limits,
 * from an allowed origin, with a valid token for the room it asks for. Refusals are answered with a
 * status and a one-line body, logged in one line and counted, and the connection is closed. A plain
 * HTTP request over the connection limits (a health probe, a scrape) is still answered, on a
 * connection that then closes.
 *
 * <p>Sits right after the HTTP aggregator, so it also answers requests the decoder could not read
 * (a request line or header block over the cap). Stateless and shared by every connection.
 */
@ChannelHandler.Sharable
final class UpgradeGuard extends SimpleChannelInboundHandler<FullHttpRequest> {
  /** The identity a token proved, for the session to take its nick and rooms from. */
  static final AttributeKey<Tokens.Identity> IDENTITY = AttributeKey.valueOf("chat.identity");

  /** The cookie a browser may carry its token in. */
  static final String TOKEN_COOKIE = "chat_token";

  private static final HttpResponseStatus HEADERS_TOO_LARGE =
      HttpResponseStatus.valueOf(431, "Request Header Fields Too Large");

  private final SecurityConfig security;
  private final Tokens tokens;
  private final Refusals refusals;
  private final ConnectionLimiter limiter;
  private final TrustedProxies trustedProxies;

  /**
   * @param limiter what counts a connection from a trusted proxy against its client's address
   * @param trustedProxies the proxies whose headers name the client
   */
  UpgradeGuard(
      SecurityConfig security,
      Refusals refusals,
      ConnectionLimiter limiter,
      TrustedProxies trustedProxies) {
    super(false);
    this.security = security;
    this.tokens = security.authRequired() ? new Tokens(security.authSecret()) : null;
    this.refusals = refusals;
    this.limiter = limiter;
    this.trustedProxies = trustedProxies;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    String refusal = check(ctx, request);
    if (refusal == null) {
      ctx.fireChannelRead(request);
    } else {
      request.release();
    }
  }

  /** Answers and returns a reason if the request is refused, else null. */
  private String check(ChannelHandlerContext ctx, FullHttpRequest request) {
    if (!request.decoderResult().isSuccess()) {
      if (!ctx.channel().isActive()) {
        // The connection ended mid-request (the handshake deadline closed it, or the client went):
        // there is no one to answer, and the deadline counted it if it was the one.
        return "closed before the request was complete";
      }
      Throwable cause = request.decoderResult().cause();
      if (cause instanceof TooLongHttpLineException) {
        return refuse(
            ctx,
            Refusals.Reason.REQUEST_TOO_LARGE,
            HttpResponseStatus.REQUEST_URI_TOO_LONG,
            "request line too long");
      }
      if (cause instanceof TooLongHttpHeaderException || cause instanceof TooLongFrameException) {
        return refuse(
            ctx, Refusals.Reason.REQUEST_TOO_LARGE, HEADERS_TOO_LARGE, "request headers too large");
      }
      return refuse(
          ctx, Refusals.Reason.BAD_REQUEST, HttpResponseStatus.BAD_REQUEST, "bad request");
    }
    QueryStringDecoder uri = RequestUri.decode(request.uri());
    if (uri == null) {
      return refuse(
          ctx,
          Refusals.Reason.BAD_REQUEST,
          HttpResponseStatus.BAD_REQUEST,
          "bad request: malformed percent-encoding in the URI");
    }
    ConnectionLimiter.Verdict verdict = ConnectionLimiter.verdict(ctx.channel());
    if (verdict == ConnectionLimiter.Verdict.CLIENT_PENDING) {
      // Through a trusted proxy: each request names the client the connection counts for now (a
      // proxy may carry several clients' requests over one connection, one after another).
      InetSocketAddress client =
          ClientAddress.of(
              ctx.channel(),
              trustedProxies,
              request.headers().getAll(SessionHandler.X_FORWARDED_FOR));
      verdict = limiter.countAs(ctx.channel(), client.getAddress());
    }
    boolean upgrade = HttpRequestHandler.isUpgrade(request);
    if (verdict != ConnectionLimiter.Verdict.OK && !upgrade) {
      // A probe, a scrape or the page on a full node: answered, then the connection closes, so
      // that a liveness probe never fails a node for being busy and no connection is held.
      HttpUtil.setKeepAlive(request, false);
      return null;
    }
    if (verdict == ConnectionLimiter.Verdict.TOO_MANY) {
      return refuse(
          ctx,
          Refusals.Reason.MAX_CONNECTIONS,
          HttpResponseStatus.SERVICE_UNAVAILABLE,
          "too many connections");
    }
    if (verdict == ConnectionLimiter.Verdict.TOO_MANY_FROM_ADDRESS) {
      return refuse(
          ctx,
          Refusals.Reason.MAX_CONNECTIONS_PER_IP,
          HttpResponseStatus.TOO_MANY_REQUESTS,
          "too many connections from your address");
    }
    if (!upgrade) {
      return null;
    }
    String origin = request.headers().get(HttpHeaderNames.ORIGIN);
    if (!originAllowed(origin, request.headers().get(HttpHeaderNames.HOST), ctx)) {
      return refuse(
          ctx,
          Refusals.Reason.ORIGIN,
          HttpResponseStatus.FORBIDDEN,
          origin == null ? "origin required" : "origin not allowed");
    }
    if (tokens != null) {
      Tokens.Identity identity;
      try {
        identity = tokens.verify(token(request, uri));
      } catch (BadTokenException e) {
        return refuse(
            ctx, Refusals.Reason.UNAUTHORIZED, HttpResponseStatus.UNAUTHORIZED, e.getMessage());
      }
      String room = RequestUri.param(uri, "room");
      if (!identity.allows(room == null ? SessionHandler.DEFAULT_ROOM : room)) {
        return refuse(
            ctx,
            Refusals.Reason.ROOM_FORBIDDEN,
            HttpResponseStatus.FORBIDDEN,
            "room not allowed by token");
      }
      ctx.channel().attr(IDENTITY).set(identity);
    }
    return null;
  }

  private String refuse(
      ChannelHandlerContext ctx, Refusals.Reason reason, HttpResponseStatus status, String why) {
    refusals.refused(reason, ctx.channel(), status.code() + " " + why);
    HttpRequestHandler.respond(ctx, null, status, why + "\n", false);
    return why;
  }

  /**
   * The token from {@code ?token=}, else {@code Authorization: Bearer}, else the cookie; an empty
   * one (a page's {@code ?token=} left blank) counts as none.
   */
  static String token(FullHttpRequest request, QueryStringDecoder uri) {
    String fromQuery = RequestUri.param(uri, "token");
    if (fromQuery != null && !fromQuery.isEmpty()) {
      return fromQuery;
    }
    String authorization = request.headers().get(HttpHeaderNames.AUTHORIZATION);
    if (authorization != null
        && authorization.regionMatches(true, 0, "Bearer ", 0, "Bearer ".length())) {
      return authorization.substring("Bearer ".length()).strip();
    }
    for (String header : request.headers().getAll(HttpHeaderNames.COOKIE)) {
      for (Cookie cookie : ServerCookieDecoder.LAX.decode(header)) {
        if (TOKEN_COOKIE.equals(cookie.name())) {
          return cookie.value();
        }
      }
    }
    return null;
  }

  /**
   * Whether a browser page from {@code origin} may upgrade. No Origin (a tool, not a browser) is
   * allowed unless required. The server's own origin is always allowed: as bound, and by default
   * also as the Host header names it; by default so is any page on localhost, 127.0.0.1 or [::1].
   */
  boolean originAllowed(String origin, String host, ChannelHandlerContext ctx) {
    if (origin == null) {
      return !security.requireOrigin();
    }
    List<String> allowed = security.allowedOrigins();
    String normalized = SecurityConfig.normalizeOrigin(origin);
    if (allowed.contains("*") || allowed.contains(normalized)) {
      return true;
    }
    URI uri;
    try {
      uri = new URI(normalized);
    } catch (URISyntaxException e) {
      return false;
    }
    String scheme = uri.getScheme();
    String originHost = uri.getHost();
    if (originHost == null
        || !("http".equals(scheme) || "https".equals(scheme))
        || uri.getRawPath() != null && !uri.getRawPath().isEmpty()) {
      return false;
    }
    int port = uri.getPort() >= 0 ? uri.getPort() : ("https".equals(scheme) ? 443 : 80);
    String authority = originHost + ":" + port;
    if (ctx.channel().localAddress() instanceof InetSocketAddress local
        && authority.equals(SessionHandler.formatAddress(local).toLowerCase(Locale.ROOT))) {
      return true;
    }
    if (!allowed.isEmpty()) {
      return false;
    }
    if (originHost.equals("localhost")
        || originHost.equals("127.0.0.1")
        || originHost.equals("[::1]")) {
      return true;
    }
    if (host == null) {
      return false;
    }
    String hostHeader = host.strip().toLowerCase(Locale.ROOT);
    boolean hasPort = hostHeader.lastIndexOf(':') > hostHeader.lastIndexOf(']');
    return authority.equals(hasPort ? hostHeader : hostHeader + ":" + port);
  }
}
