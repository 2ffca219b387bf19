package dev.broadcastchat.server;

import dev.broadcastchat.bus.RedisBusOptions;
import java.time.Duration;
import java.util.Objects;

/**
 * Everything a server needs to know, built once at the edge (flags and environment) and validated
 * here.
 *
 * @param host address to bind
 * @param port port to bind, 0 for any free port
 * @param history messages kept per room
 * @param roomTtl how long an empty room's history is kept after its last message
 * @param maxMessageBytes longest chat message, in UTF-8 bytes of its text
 * @param maxFrameBytes largest WebSocket frame or reassembled message accepted at all
 * @param rate messages per second per connection, 0 for no limit
 * @param burst messages a connection may send at once before the rate applies
 * @param maxQueuedBytes unwritten bytes a receiver may fall behind before it is closed with 1013
 * @param shutdownTimeout how long closing waits for connections to go
 * @param redis the Redis to share rooms through ({@code redis://HOST:PORT}), or null for none (the
 *     in-memory bus)
 * @param redisPrefix put before every Redis key and channel name, so that deployments can share one
 *     Redis
 * @param security auth, origins, privacy and the caps against floods
 */
public record ServerConfig(
    String host,
    int port,
    int history,
    Duration roomTtl,
    int maxMessageBytes,
    int maxFrameBytes,
    int rate,
    int burst,
    long maxQueuedBytes,
    Duration shutdownTimeout,
    String redis,
    String redisPrefix,
    SecurityConfig security) {

  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 8080;
  public static final int DEFAULT_HISTORY = 100;
  public static final Duration DEFAULT_ROOM_TTL = Duration.ofHours(1);
  public static final int DEFAULT_MAX_MESSAGE_BYTES = 4096;
  public static final int DEFAULT_MAX_FRAME_BYTES = 65536;
  public static final int DEFAULT_RATE = 20;
  public static final int DEFAULT_BURST = 40;
  public static final long DEFAULT_MAX_QUEUED_BYTES = 1 << 20;
  public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(10);
  public static final String DEFAULT_REDIS_PREFIX = RedisBusOptions.DEFAULT_PREFIX;

  /** How often a room announces joins and leaves at most. */
  public static final Duration PRESENCE_INTERVAL = Duration.ofMillis(250);

  public ServerConfig {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(roomTtl, "roomTtl");
    Objects.requireNonNull(shutdownTimeout, "shutdownTimeout");
    Objects.requireNonNull(redisPrefix, "redisPrefix");
    Objects.requireNonNull(security, "security");
    if (host.isBlank()) {
      throw new IllegalArgumentException("host: '' (expected: an address or host name)");
    }
    check(port >= 0 && port <= 65535, "port", port, "0..65535");
    check(history >= 0, "history", history, ">= 0");
    check(!roomTtl.isNegative(), "room-ttl", roomTtl, ">= 0");
    check(maxMessageBytes >= 1, "max-message-bytes", maxMessageBytes, ">= 1");
    check(maxFrameBytes >= 125, "max-frame-bytes", maxFrameBytes, ">= 125");
    check(rate >= 0, "rate", rate, ">= 0");
    check(burst >= 1, "burst", burst, ">= 1");
    check(maxQueuedBytes >= 1024, "max-queued-bytes", maxQueuedBytes, ">= 1024");
    check(!shutdownTimeout.isNegative(), "shutdown-timeout", shutdownTimeout, ">= 0");
    if (redis != null) {
      RedisBusOptions.checkUrl(redis);
    }
    RedisBusOptions.checkPrefix(redisPrefix);
  }

  /** The Redis bus's options, or null when rooms are not shared (no {@link #redis}). */
  public RedisBusOptions redisBusOptions() {
    return redis == null ? null : RedisBusOptions.of(redis, redisPrefix, history, roomTtl);
  }

  private static void check(boolean ok, String option, Object value, String expected) {
    if (!ok) {
      throw new IllegalArgumentException(option + ": " + value + " (expected: " + expected + ")");
    }
  }

  /** The defaults, listening on {@code host:port}. */
  public static ServerConfig defaults(String host, int port) {
    return builder().host(host).port(port).build();
  }

  /** A builder holding the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this configuration. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.host = host;
    b.port = port;
    b.history = history;
    b.roomTtl = roomTtl;
    b.maxMessageBytes = maxMessageBytes;
    b.maxFrameBytes = maxFrameBytes;
    b.rate = rate;
    b.burst = burst;
    b.maxQueuedBytes = maxQueuedBytes;
    b.shutdownTimeout = shutdownTimeout;
    b.redis = redis;
    b.redisPrefix = redisPrefix;
    b.security = security;
    return b;
  }

  /** This configuration, sharing rooms through the Redis at {@code url} under {@code prefix}. */
  public ServerConfig withRedis(String url, String prefix) {
    return toBuilder().redis(url).redisPrefix(prefix).build();
  }

  public ServerConfig withHistory(int history) {
    return toBuilder().history(history).build();
  }

  public ServerConfig withMaxMessageBytes(int maxMessageBytes) {
    return toBuilder().maxMessageBytes(maxMessageBytes).build();
  }

  public ServerConfig withMaxFrameBytes(int maxFrameBytes) {
    return toBuilder().maxFrameBytes(maxFrameBytes).build();
  }

  public ServerConfig withRate(int rate, int burst) {
    return toBuilder().rate(rate).burst(burst).build();
  }

  public ServerConfig withSecurity(SecurityConfig security) {
    return toBuilder().security(security).build();
  }

  public ServerConfig withMaxQueuedBytes(long maxQueuedBytes) {
    return toBuilder().maxQueuedBytes(maxQueuedBytes).build();
  }

  /** Collects options; {@link #build} validates them. Not thread-safe. */
  public static final class Builder {
    private String host = DEFAULT_HOST;
    private int port = DEFAULT_PORT;
    private int history = DEFAULT_HISTORY;
    private Duration roomTtl = DEFAULT_ROOM_TTL;
    private int maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;
    private int maxFrameBytes = DEFAULT_MAX_FRAME_BYTES;
    private int rate = DEFAULT_RATE;
    private int burst = DEFAULT_BURST;
    private long maxQueuedBytes = DEFAULT_MAX_QUEUED_BYTES;
    private Duration shutdownTimeout = DEFAULT_SHUTDOWN_TIMEOUT;
    private String redis;
    private String redisPrefix = DEFAULT_REDIS_PREFIX;
    private SecurityConfig security = SecurityConfig.DEFAULTS;

    private Builder() {}

    public Builder host(String host) {
      this.host = host;
      return this;
    }

    public Builder port(int port) {
      this.port = port;
      return this;
    }

    public Builder history(int history) {
      this.history = history;
      return this;
    }

    public Builder roomTtl(Duration roomTtl) {
      this.roomTtl = roomTtl;
      return this;
    }

    public Builder maxMessageBytes(int maxMessageBytes) {
      this.maxMessageBytes = maxMessageBytes;
      return this;
    }

    public Builder maxFrameBytes(int maxFrameBytes) {
      this.maxFrameBytes = maxFrameBytes;
      return this;
    }

    public Builder rate(int rate) {
      this.rate = rate;
      return this;
    }

    public Builder burst(int burst) {
      this.burst = burst;
      return this;
    }

    public Builder maxQueuedBytes(long maxQueuedBytes) {
      this.maxQueuedBytes = maxQueuedBytes;
      return this;
    }

    public Builder shutdownTimeout(Duration shutdownTimeout) {
      this.shutdownTimeout = shutdownTimeout;
      return this;
    }

    /** The Redis to share rooms through, or null for none. */
    public Builder redis(String redis) {
      this.redis = redis;
      return this;
    }

    public Builder redisPrefix(String redisPrefix) {
      this.redisPrefix = redisPrefix;
      return this;
    }

    public Builder security(SecurityConfig security) {
      this.security = security;
      return this;
    }

    /**
     * The configuration.
     *
     * @throws IllegalArgumentException naming the first option whose value is out of range
     */
    public ServerConfig build() {
      return new ServerConfig(
          host,
          port,
          history,
          roomTtl,
          maxMessageBytes,
          maxFrameBytes,
          rate,
          burst,
          maxQueuedBytes,
          shutdownTimeout,
          redis,
          redisPrefix,
          security);
    }
  }
}
