package dev.broadcastchat.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class StaticFilesTest {

  @Test
  void gzipIsAcceptedWhenListedOrCoveredByAStarWithAPositiveQuality() {
    assertThat(StaticFiles.acceptsGzip("gzip, deflate, br")).isTrue();
    assertThat(StaticFiles.acceptsGzip("br;q=1.0, GZIP;q=0.5")).isTrue();
    assertThat(StaticFiles.acceptsGzip("*")).isTrue();
    assertThat(StaticFiles.acceptsGzip("x-gzip")).isTrue();
    assertThat(StaticFiles.acceptsGzip(null)).isFalse();
    assertThat(StaticFiles.acceptsGzip("identity")).isFalse();
    assertThat(StaticFiles.acceptsGzip("gzip;q=0")).isFalse();
    assertThat(StaticFiles.acceptsGzip("*, gzip;q=0")).isFalse();
    assertThat(StaticFiles.acceptsGzip("gzip;q=nonsense")).isFalse();
  }

  @Test
  void ifNoneMatchComparesEntityTagsWeakly() {
    assertThat(StaticFiles.matches("\"abc\"", "\"abc\"")).isTrue();
    assertThat(StaticFiles.matches("W/\"abc\"", "\"abc\"")).isTrue();
    assertThat(StaticFiles.matches("\"x\", \"abc\"", "\"abc\"")).isTrue();
    assertThat(StaticFiles.matches("*", "\"abc\"")).isTrue();
    assertThat(StaticFiles.matches("\"abcd\"", "\"abc\"")).isFalse();
  }

  @Test
  void contentTypesFollowTheExtension() {
    assertThat(WebAssets.contentType("/index.html")).isEqualTo("text/html; charset=utf-8");
    assertThat(WebAssets.contentType("/js/app.js")).isEqualTo("text/javascript; charset=utf-8");
    assertThat(WebAssets.contentType("/chat.CSS")).isEqualTo("text/css; charset=utf-8");
    assertThat(WebAssets.contentType("/favicon.svg")).isEqualTo("image/svg+xml");
    assertThat(WebAssets.contentType("/LICENSE")).isEqualTo("application/octet-stream");
  }

  @Test
  void gzipVariantIsKeptOnlyWhenItIsSmaller() {
    WebAssets.Asset big = WebAssets.asset("/a.js", "x".repeat(2000).getBytes(), 1_234_567L);
    assertThat(big.gzipped()).isNotNull().hasSizeLessThan(big.body().length);
    assertThat(big.gzipEtag()).isNotEqualTo(big.etag()).startsWith("\"").endsWith("-gz\"");
    assertThat(big.lastModifiedMillis()).isEqualTo(1_234_000L);

    WebAssets.Asset tiny = WebAssets.asset("/b.js", "x".getBytes(), 0);
    assertThat(tiny.gzipped()).isNull();
    assertThat(tiny.gzipEtag()).isNull();

    WebAssets.Asset image = WebAssets.asset("/c.png", new byte[4000], 0);
    assertThat(image.gzipped()).as("binary images are not compressed again").isNull();
  }

  @Test
  void theWebClientIsOnTheClasspathWithTheIndexAtTheRoot() {
    WebAssets assets = WebAssets.load(getClass().getClassLoader());
    assertThat(assets.find("/")).isNotNull().isSameAs(assets.find("/index.html"));
    assertThat(assets.find("/js/app.js")).isNotNull();
    assertThat(assets.find("/nope")).isNull();
    assertThat(assets.find("/../index.html")).isNull();
  }

  @Test
  void headAnswersWithTheHeadersOfGetAndNoBody() {
    StaticFiles files = new StaticFiles(WebAssets.load(getClass().getClassLoader()));
    FullHttpResponse get = files.respond(request(HttpMethod.GET), "/");
    FullHttpResponse head = files.respond(request(HttpMethod.HEAD), "/");
    try {
      assertThat(head.status()).isEqualTo(HttpResponseStatus.OK);
      assertThat(head.content().readableBytes()).isZero();
      assertThat(head.headers().get(HttpHeaderNames.CONTENT_LENGTH))
          .isEqualTo(Integer.toString(get.content().readableBytes()));
      assertThat(head.headers().get(HttpHeaderNames.ETAG))
          .isEqualTo(get.headers().get(HttpHeaderNames.ETAG));
      assertThat(get.content().toString(StandardCharsets.UTF_8)).contains("<!doctype html>");
    } finally {
      get.release();
      head.release();
    }
  }

  private static DefaultFullHttpRequest request(HttpMethod method) {
    return new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, "/");
  }
}
