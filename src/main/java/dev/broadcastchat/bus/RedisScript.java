package dev.broadcastchat.bus;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * One Lua script the bus runs in Redis, with its source (a resource beside this class) and its
 * SHA-1.
 *
 * <p>{@link #run} sends {@code EVALSHA}; a Redis that does not know the script (after a restart, a
 * failover or {@code SCRIPT FLUSH}) answers {@code NOSCRIPT}, and the script is then sent whole
 * with {@code EVAL}, which also loads it for the next call. Immutable and thread-safe.
 */
final class RedisScript {
  private final String name;
  private final String source;
  private final String sha;

  private RedisScript(String name, String source) {
    this.name = name;
    this.source = source;
    this.sha = sha1(source);
  }

  /** Loads {@code NAME.lua} from beside this class. */
  static RedisScript load(String name) {
    String resource = name + ".lua";
    try (InputStream in = RedisScript.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("script " + resource + ": not on the class path");
      }
      return new RedisScript(name, new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("script " + resource + ": cannot be read", e);
    }
  }

  String name() {
    return name;
  }

  String sha() {
    return sha;
  }

  String source() {
    return source;
  }

  /**
   * Runs the script; the stage completes on a Lettuce thread with its result, or exceptionally with
   * what Redis or Lettuce reported.
   */
  <T> CompletionStage<T> run(
      RedisAsyncCommands<String, String> redis,
      ScriptOutputType type,
      String[] keys,
      String... args) {
    CompletableFuture<T> first = redis.<T>evalsha(sha, type, keys, args).toCompletableFuture();
    return first.exceptionallyCompose(
        error -> {
          Throwable cause = unwrap(error);
          if (cause instanceof RedisNoScriptException) {
            return redis.<T>eval(source, type, keys, args);
          }
          return CompletableFuture.failedFuture(cause);
        });
  }

  /**
   * Runs the script with {@code EVAL}, its source sent every time: for calls whose order among each
   * other must hold, which a {@code NOSCRIPT} answer to {@link #run}, sent again later, would
   * break.
   */
  <T> CompletionStage<T> runInOrder(
      RedisAsyncCommands<String, String> redis,
      ScriptOutputType type,
      String[] keys,
      String... args) {
    return redis.<T>eval(source, type, keys, args);
  }

  static Throwable unwrap(Throwable error) {
    Throwable t = error;
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  private static String sha1(String text) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-1");
      return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is missing from this JVM", e);
    }
  }

  @Override
  public String toString() {
    return "script " + name + " (" + sha + ")";
  }
}
