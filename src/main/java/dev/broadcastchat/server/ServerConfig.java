package dev.broadcastchat.server;

import java.time.Duration;
import java.util.Objects;

/**
 * Everything a server needs to know, built once at the edge (flags and environment) and validated
 * here.
 *
 * @param host address to bind
 * @param port port to bind, 0 for any free port
 * @param maxFrameBytes largest WebSocket frame or reassembled message accepted at all
 * @param maxQueuedBytes unwritten bytes a receiver may fall behind before it is closed with 1013
 * @param shutdownTimeout how long closing waits for connections to go
 */
public record ServerConfig(
    String host, int port, int maxFrameBytes, long maxQueuedBytes, Duration shutdownTimeout) {

  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 8080;
  public static final int DEFAULT_MAX_FRAME_BYTES = 65536;
  public static final long DEFAULT_MAX_QUEUED_BYTES = 1 << 20;
  public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(10);

  public ServerConfig {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(shutdownTimeout, "shutdownTimeout");
    if (host.isBlank()) {
      throw new IllegalArgumentException("host: '' (expected: an address or host name)");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port: " + port + " (expected: 0..65535)");
    }
    if (maxFrameBytes < 125) {
      throw new IllegalArgumentException(
          "max-frame-bytes: " + maxFrameBytes + " (expected: >= 125)");
    }
    if (maxQueuedBytes < 1024) {
      throw new IllegalArgumentException(
          "max-queued-bytes: " + maxQueuedBytes + " (expected: >= 1024)");
    }
    if (shutdownTimeout.isNegative()) {
      throw new IllegalArgumentException(
          "shutdown-timeout: " + shutdownTimeout + " (expected: >= 0)");
    }
  }

  /** The defaults, listening on {@code host:port}. */
  public static ServerConfig defaults(String host, int port) {
    return new ServerConfig(
        host, port, DEFAULT_MAX_FRAME_BYTES, DEFAULT_MAX_QUEUED_BYTES, DEFAULT_SHUTDOWN_TIMEOUT);
  }
}
