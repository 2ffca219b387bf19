package dev.broadcastchat.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

/**
 * The web client's files, read from the classpath folder {@value #ROOT} once, when the server
 * starts, and held in memory: each with its content type, a strong ETag made from its bytes, its
 * modification time and, when that is smaller, a gzip variant. So serving a file is a map lookup,
 * with no file I/O and no compression on an event loop.
 *
 * <p>Immutable once loaded; safe to share between threads.
 */
final class WebAssets {
  /** The classpath folder holding the web client. */
  static final String ROOT = "web";

  /** The file {@code GET /} serves. */
  static final String INDEX = "/index.html";

  private static final Map<String, String> CONTENT_TYPES =
      Map.of(
          "html", "text/html; charset=utf-8",
          "css", "text/css; charset=utf-8",
          "js", "text/javascript; charset=utf-8",
          "json", "application/json",
          "svg", "image/svg+xml",
          "png", "image/png",
          "ico", "image/x-icon",
          "txt", "text/plain; charset=utf-8");

  private static final String DEFAULT_CONTENT_TYPE = "application/octet-stream";

  /**
   * One file, ready to send.
   *
   * @param path its URL path, {@code /js/app.js}
   * @param contentType the Content-Type to send
   * @param body its bytes
   * @param gzipped its gzip-compressed bytes, or null when compressing does not make it smaller
   * @param etag the strong entity tag of {@code body}, quoted
   * @param gzipEtag the entity tag of {@code gzipped}, quoted, or null
   * @param lastModifiedMillis when it last changed, in epoch milliseconds, whole seconds
   */
  record Asset(
      String path,
      String contentType,
      byte[] body,
      byte[] gzipped,
      String etag,
      String gzipEtag,
      long lastModifiedMillis) {}

  private final Map<String, Asset> byPath;

  private WebAssets(Map<String, Asset> byPath) {
    this.byPath = Map.copyOf(byPath);
  }

  /**
   * Reads every file under {@value #ROOT} on {@code loader}'s classpath, from a folder (a build's
   * classes) or from a jar.
   *
   * @throws IllegalStateException if the web client is not on the classpath
   * @throws UncheckedIOException if a file cannot be read
   */
  static WebAssets load(ClassLoader loader) {
    URL index = loader.getResource(ROOT + INDEX);
    if (index == null) {
      throw new IllegalStateException(
          "web client: " + ROOT + INDEX + " not found (expected: on the classpath)");
    }
    Map<String, Asset> assets = new HashMap<>();
    try {
      if ("jar".equals(index.getProtocol())) {
        readJar(index, assets);
      } else {
        readFolder(Path.of(index.toURI()).getParent(), assets);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("web client: cannot read " + index, e);
    } catch (URISyntaxException e) {
      throw new IllegalStateException("web client: bad location " + index, e);
    }
    return new WebAssets(assets);
  }

  private static void readJar(URL index, Map<String, Asset> assets) throws IOException {
    JarURLConnection connection = (JarURLConnection) index.openConnection();
    connection.setUseCaches(false);
    try (JarFile jar = connection.getJarFile()) {
      Enumeration<JarEntry> entries = jar.entries();
      while (entries.hasMoreElements()) {
        JarEntry entry = entries.nextElement();
        if (entry.isDirectory() || !entry.getName().startsWith(ROOT + "/")) {
          continue;
        }
        try (InputStream in = jar.getInputStream(entry)) {
          String path = entry.getName().substring(ROOT.length());
          assets.put(path, asset(path, in.readAllBytes(), entry.getTime()));
        }
      }
    }
  }

  private static void readFolder(Path root, Map<String, Asset> assets) throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      for (Path file : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
        StringBuilder path = new StringBuilder();
        for (Path part : root.relativize(file)) {
          path.append('/').append(part);
        }
        long modified = Files.getLastModifiedTime(file).toMillis();
        assets.put(path.toString(), asset(path.toString(), Files.readAllBytes(file), modified));
      }
    }
  }

  static Asset asset(String path, byte[] body, long modifiedMillis) {
    String type = contentType(path);
    byte[] gzipped = compressible(type) ? gzip(body) : null;
    if (gzipped != null && gzipped.length >= body.length) {
      gzipped = null;
    }
    String tag = tag(body);
    return new Asset(
        path,
        type,
        body,
        gzipped,
        "\"" + tag + "\"",
        gzipped == null ? null : "\"" + tag + "-gz\"",
        Math.max(0, modifiedMillis - Math.floorMod(modifiedMillis, 1000L)));
  }

  /** The file for URL path {@code path} ({@code /} is the index page), or null. */
  Asset find(String path) {
    return byPath.get("/".equals(path) ? INDEX : path);
  }

  /** How many files there are. */
  int size() {
    return byPath.size();
  }

  static String contentType(String path) {
    int dot = path.lastIndexOf('.');
    String extension = dot < 0 ? "" : path.substring(dot + 1).toLowerCase(Locale.ROOT);
    return CONTENT_TYPES.getOrDefault(extension, DEFAULT_CONTENT_TYPE);
  }

  private static boolean compressible(String contentType) {
    return contentType.startsWith("text/")
        || contentType.startsWith("application/json")
        || contentType.startsWith("image/svg+xml");
  }

  private static byte[] gzip(byte[] body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(body.length / 2 + 64);
    try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
      gzip.write(body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static String tag(byte[] body) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(body);
      return Base64.getUrlEncoder().withoutPadding().encodeToString(digest).substring(0, 22);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256: missing (expected: in every JDK)", e);
    }
  }
}
