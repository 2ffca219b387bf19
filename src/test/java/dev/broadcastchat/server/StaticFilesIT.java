package dev.broadcastchat.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The web client's files over plain HTTP: types, validators, 304s, gzip, security headers. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StaticFilesIT {
  @RegisterExtension static final ChatServerExtension chat = new ChatServerExtension();

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  private static final Pattern IMPORT = Pattern.compile("from '(\\./[\\w.-]+\\.js)'");

  @Test
  void rootServesThePageWithItsSecurityHeaders() throws Exception {
    HttpResponse<String> page = get("/", "Accept", "text/html");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(header(page, "content-type")).isEqualTo("text/html; charset=utf-8");
    assertThat(header(page, "content-security-policy"))
        .isEqualTo(StaticFiles.CONTENT_SECURITY_POLICY)
        .contains("script-src 'self'")
        .contains("object-src 'none'")
        .contains("frame-ancestors 'none'")
        .doesNotContain("unsafe-inline");
    assertThat(header(page, "x-content-type-options")).isEqualTo("nosniff");
    assertThat(header(page, "referrer-policy")).isEqualTo("no-referrer");
    assertThat(header(page, "cache-control")).isEqualTo("no-cache");
    assertThat(header(page, "etag")).matches("\"[A-Za-z0-9_-]+\"");
    assertThat(header(page, "last-modified")).endsWith("GMT");
    assertThat(page.body())
        .contains("<script type=\"module\" src=\"/js/app.js\"></script>")
        .doesNotContain("<script>")
        .doesNotContain("style=");
    assertThat(get("/index.html").body()).isEqualTo(page.body());
  }

  @Test
  void everyFileThePageLoadsIsServedWithItsContentType() throws Exception {
    assertThat(header(get("/chat.css"), "content-type")).isEqualTo("text/css; charset=utf-8");
    assertThat(header(get("/favicon.svg"), "content-type")).isEqualTo("image/svg+xml");
    // Follow the module graph from the entry point: every import must resolve.
    Deque<String> pending = new ArrayDeque<>(java.util.List.of("/js/app.js"));
    Set<String> seen = new HashSet<>();
    while (!pending.isEmpty()) {
      String path = pending.pop();
      if (!seen.add(path)) {
        continue;
      }
      HttpResponse<String> module = get(path);
      assertThat(module.statusCode()).as(path).isEqualTo(200);
      assertThat(header(module, "content-type"))
          .as(path)
          .isEqualTo("text/javascript; charset=utf-8");
      assertThat(module.body()).as(path).doesNotContain("innerHTML").doesNotContain("eval(");
      Matcher imports = IMPORT.matcher(module.body());
      while (imports.find()) {
        pending.add("/js/" + imports.group(1).substring(2));
      }
    }
    assertThat(seen).contains("/js/connection.js", "/js/view.js", "/js/linkify.js");
  }

  @Test
  void aCurrentCopyGets304ByEntityTagOrDate() throws Exception {
    HttpResponse<String> first = get("/js/app.js");
    String etag = header(first, "etag");
    String lastModified = header(first, "last-modified");

    HttpResponse<String> byTag = get("/js/app.js", "If-None-Match", etag);
    assertThat(byTag.statusCode()).isEqualTo(304);
    assertThat(byTag.body()).isEmpty();
    assertThat(header(byTag, "etag")).isEqualTo(etag);
    assertThat(header(byTag, "cache-control")).isEqualTo("no-cache");

    assertThat(get("/js/app.js", "If-None-Match", "W/" + etag).statusCode()).isEqualTo(304);
    assertThat(get("/js/app.js", "If-None-Match", "\"other\"").statusCode()).isEqualTo(200);

    assertThat(get("/js/app.js", "If-Modified-Since", lastModified).statusCode()).isEqualTo(304);
    assertThat(get("/js/app.js", "If-Modified-Since", "Thu, 01 Jan 1970 00:00:00 GMT").statusCode())
        .isEqualTo(200);
    // If-None-Match wins over If-Modified-Since.
    assertThat(
            get("/js/app.js", "If-None-Match", "\"other\"", "If-Modified-Since", lastModified)
                .statusCode())
        .isEqualTo(200);
  }

  @Test
  void gzipWhenTheClientAcceptsIt() throws Exception {
    HttpResponse<byte[]> plain = getBytes("/js/connection.js");
    assertThat(plain.headers().firstValue("content-encoding")).isEmpty();

    HttpResponse<byte[]> zipped = getBytes("/js/connection.js", "Accept-Encoding", "gzip, br");
    assertThat(zipped.statusCode()).isEqualTo(200);
    assertThat(header(zipped, "content-encoding")).isEqualTo("gzip");
    assertThat(header(zipped, "vary")).containsIgnoringCase("accept-encoding");
    assertThat(header(zipped, "content-type")).isEqualTo("text/javascript; charset=utf-8");
    assertThat(zipped.body().length).isLessThan(plain.body().length);
    assertThat(gunzip(zipped.body())).isEqualTo(plain.body());
    assertThat(header(zipped, "etag")).isNotEqualTo(header(plain, "etag"));
    assertThat(
            getBytes(
                    "/js/connection.js",
                    "Accept-Encoding",
                    "gzip",
                    "If-None-Match",
                    header(zipped, "etag"))
                .statusCode())
        .isEqualTo(304);

    HttpResponse<byte[]> refused = getBytes("/js/connection.js", "Accept-Encoding", "gzip;q=0");
    assertThat(refused.headers().firstValue("content-encoding")).isEmpty();
    assertThat(refused.body()).isEqualTo(plain.body());
  }

  @Test
  void headGivesTheHeadersAndNoBody() throws Exception {
    HttpResponse<String> head =
        HTTP.send(
            request("/chat.css").method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.body()).isEmpty();
    assertThat(header(head, "content-length"))
        .isEqualTo(
            Integer.toString(get("/chat.css").body().getBytes(StandardCharsets.UTF_8).length));
  }

  @Test
  void unknownPathsAre404AndHealthStillAnswers() throws Exception {
    for (String path :
        new String[] {
          "/nope", "/js/nope.js", "/js/", "/web/index.html", "/%2e%2e/pom.xml", "/js"
        }) {
      HttpResponse<String> missing = get(path);
      assertThat(missing.statusCode()).as(path).isEqualTo(404);
      assertThat(header(missing, "content-type")).isEqualTo("text/plain; charset=utf-8");
    }
    assertThat(get("/healthz").statusCode()).isEqualTo(200);
    assertThat(get("/readyz").statusCode()).isEqualTo(200);
    assertThat(get("/?room=lobby&nick=x").statusCode()).isEqualTo(200);
    HttpResponse<String> post =
        HTTP.send(
            request("/").POST(HttpRequest.BodyPublishers.ofString("x")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(header(post, "allow")).isEqualTo("GET, HEAD");
  }

  @Test
  void anUpgradeThatAcceptsGzipIsStillAPlainWebSocket() throws Exception {
    CompletableFuture<String> first = new CompletableFuture<>();
    WebSocket ws =
        HTTP.newWebSocketBuilder()
            .header("Accept-Encoding", "gzip")
            .buildAsync(
                chat.uri(),
                new WebSocket.Listener() {
                  @Override
                  public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                    first.complete(data.toString());
                    return null;
                  }
                })
            .get(10, TimeUnit.SECONDS);
    try {
      assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo("Welcome to chat! Type a message");
    } finally {
      ws.abort();
    }
  }

  private static HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + chat.port() + path))
        .timeout(Duration.ofSeconds(10));
  }

  private static HttpResponse<String> get(String path, String... headers) throws Exception {
    HttpRequest.Builder builder = request(path);
    for (int i = 0; i < headers.length; i += 2) {
      builder.header(headers[i], headers[i + 1]);
    }
    return HTTP.send(builder.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<byte[]> getBytes(String path, String... headers) throws Exception {
    HttpRequest.Builder builder = request(path);
    for (int i = 0; i < headers.length; i += 2) {
      builder.header(headers[i], headers[i + 1]);
    }
    return HTTP.send(builder.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private static String header(HttpResponse<?> response, String name) {
    return response
        .headers()
        .firstValue(name)
        .orElseThrow(() -> new AssertionError("no " + name + " header in " + response.headers()));
  }

  private static byte[] gunzip(byte[] bytes) throws IOException {
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
      return in.readAllBytes();
    }
  }
}
