package dev.broadcastchat.server;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.DateFormatter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.util.Date;
import java.util.Locale;

/**
 * Answers {@code GET} and {@code HEAD} for the web client's files: the content type, validators
 * (ETag, Last-Modified) and a {@code 304} when the client's copy is current, gzip when the client
 * accepts it (precompressed in {@link WebAssets}, so that no compressor ever sits in a pipeline
 * that may become a WebSocket), and the page's security headers.
 *
 * <p>Stateless apart from the immutable assets; safe on any thread.
 */
final class StaticFiles {
  /**
   * The page's scripts and styles come from this server only and nothing inline runs; it may talk
   * to WebSocket servers ({@code 'self'} alone does not cover {@code ws:} in every browser).
   */
  static final String CONTENT_SECURITY_POLICY =
      "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self' ws: wss:; "
          + "img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

  /**
   * File names carry no version, so a browser revalidates every time; an unchanged file costs a
   * {@code 304} with no body.
   */
  static final String CACHE_CONTROL = "no-cache";

  private final WebAssets assets;

  StaticFiles(WebAssets assets) {
    this.assets = assets;
  }

  /** The response to {@code request} for URL path {@code path}, or null when there is no file. */
  FullHttpResponse respond(HttpRequest request, String path) {
    WebAssets.Asset asset = assets.find(path);
    if (asset == null) {
      return null;
    }
    HttpHeaders headers = request.headers();
    boolean gzip =
        asset.gzipped() != null && acceptsGzip(headers.get(HttpHeaderNames.ACCEPT_ENCODING));
    byte[] body = gzip ? asset.gzipped() : asset.body();
    String etag = gzip ? asset.gzipEtag() : asset.etag();

    boolean notModified;
    String ifNoneMatch = headers.get(HttpHeaderNames.IF_NONE_MATCH);
    if (ifNoneMatch != null) {
      notModified = matches(ifNoneMatch, etag);
    } else {
      String ifModifiedSince = headers.get(HttpHeaderNames.IF_MODIFIED_SINCE);
      Date since = ifModifiedSince == null ? null : DateFormatter.parseHttpDate(ifModifiedSince);
      notModified = since != null && asset.lastModifiedMillis() <= since.getTime();
    }

    boolean withBody = !notModified && !HttpMethod.HEAD.equals(request.method());
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            notModified ? HttpResponseStatus.NOT_MODIFIED : HttpResponseStatus.OK,
            withBody ? Unpooled.wrappedBuffer(body) : Unpooled.EMPTY_BUFFER);
    HttpHeaders out = response.headers();
    out.set(HttpHeaderNames.ETAG, etag);
    out.set(
        HttpHeaderNames.LAST_MODIFIED, DateFormatter.format(new Date(asset.lastModifiedMillis())));
    out.set(HttpHeaderNames.CACHE_CONTROL, CACHE_CONTROL);
    if (asset.gzipped() != null) {
      out.set(HttpHeaderNames.VARY, HttpHeaderNames.ACCEPT_ENCODING);
    }
    if (!notModified) {
      out.set(HttpHeaderNames.CONTENT_TYPE, asset.contentType());
      if (gzip) {
        out.set(HttpHeaderNames.CONTENT_ENCODING, HttpHeaderValues.GZIP);
      }
      HttpUtil.setContentLength(response, body.length);
    }
    addSecurityHeaders(out);
    return response;
  }

  /** Headers every response of the web client carries. */
  static void addSecurityHeaders(HttpHeaders headers) {
    headers.set("Content-Security-Policy", CONTENT_SECURITY_POLICY);
    headers.set("X-Content-Type-Options", "nosniff");
    headers.set("Referrer-Policy", "no-referrer");
  }

  /**
   * Whether an {@code Accept-Encoding} value allows gzip: {@code gzip} or {@code *} listed with a
   * quality above zero (and gzip not refused by name).
   */
  static boolean acceptsGzip(String acceptEncoding) {
    if (acceptEncoding == null) {
      return false;
    }
    Boolean gzip = null;
    boolean any = false;
    for (String part : acceptEncoding.split(",")) {
      String[] pieces = part.split(";");
      String coding = pieces[0].trim().toLowerCase(Locale.ROOT);
      boolean accepted = quality(pieces) > 0;
      if (coding.equals("gzip") || coding.equals("x-gzip")) {
        gzip = accepted;
      } else if (coding.equals("*")) {
        any = accepted;
      }
    }
    return gzip != null ? gzip : any;
  }

  private static double quality(String[] pieces) {
    for (int i = 1; i < pieces.length; i++) {
      String parameter = pieces[i].trim();
      if (parameter.startsWith("q=") || parameter.startsWith("Q=")) {
        try {
          return Double.parseDouble(parameter.substring(2).trim());
        } catch (NumberFormatException e) {
          return 0;
        }
      }
    }
    return 1;
  }

  /**
   * Whether an {@code If-None-Match} list names {@code etag} (weak comparison, as RFC 9110 asks).
   */
  static boolean matches(String ifNoneMatch, String etag) {
    String wanted = opaque(etag);
    for (String candidate : ifNoneMatch.split(",")) {
      String tag = candidate.trim();
      if (tag.equals("*") || opaque(tag).equals(wanted)) {
        return true;
      }
    }
    return false;
  }

  private static String opaque(String tag) {
    return tag.startsWith("W/") ? tag.substring(2) : tag;
  }
}
