package dev.broadcastchat.server;

import dev.broadcastchat.bus.RedisBusOptions;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
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
 * @param drainDelay how long closing reports not ready and refuses upgrades before it closes the
 *     listener and the connections, so that a load balancer stops sending new clients first
 * @param tlsCert PEM certificate chain to serve wss:// and https:// with, or null for plain
 * @param tlsKey PEM (PKCS#8) private key of {@code tlsCert}, or null for plain
 * @param pingInterval read silence after which a connection is pinged; zero turns pings off
 * @param pingTimeout how long a pinged connection may stay silent before it is closed
 * @param handshakeTimeout how long a connection may take to complete its upgrade, and how long a
 *     plain HTTP connection may stay idle between requests
 * @param trustedProxies peers whose {@code X-Forwarded-For} (or PROXY protocol header) is believed
 * @param adminPort port of a separate listener for metrics and health, 0 for any free port, or
 *     {@link #NO_ADMIN_PORT} to serve them on the main port
 * @param redis the Redis to share rooms through ({@code redis://HOST:PORT}), or null for none (the
 *     in-memory bus)
 * @param redisPrefix put before every Redis key and channel name, so that deployments can share one
 *     Redis
 * @param security auth, origins, privacy and the caps against floods
 * @param transport how the sockets talk to the kernel; it must load on this machine
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
    Duration drainDelay,
    Path tlsCert,
    Path tlsKey,
    Duration pingInterval,
    Duration pingTimeout,
    Duration handshakeTimeout,
    TrustedProxies trustedProxies,
    int adminPort,
    String redis,
    String redisPrefix,
    SecurityConfig security,
    Transport transport) {

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
  public static final Duration DEFAULT_DRAIN_DELAY = Duration.ZERO;
  public static final Duration DEFAULT_PING_INTERVAL = Duration.ofSeconds(30);
  public static final Duration DEFAULT_PING_TIMEOUT = Duration.ofSeconds(30);
  public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

  /** {@link #adminPort} when metrics and health are served on the main port. */
  public static final int NO_ADMIN_PORT = -1;

  public static final String DEFAULT_REDIS_PREFIX = RedisBusOptions.DEFAULT_PREFIX;

  /** How often a room announces joins and leaves at most. */
  public static final Duration PRESENCE_INTERVAL = Duration.ofMillis(250);

  public ServerConfig {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(roomTtl, "roomTtl");
    Objects.requireNonNull(shutdownTimeout, "shutdownTimeout");
    Objects.requireNonNull(drainDelay, "drainDelay");
    Objects.requireNonNull(pingInterval, "pingInterval");
    Objects.requireNonNull(pingTimeout, "pingTimeout");
    Objects.requireNonNull(handshakeTimeout, "handshakeTimeout");
    Objects.requireNonNull(trustedProxies, "trustedProxies");
    Objects.requireNonNull(redisPrefix, "redisPrefix");
    Objects.requireNonNull(security, "security");
    Objects.requireNonNull(transport, "transport");
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
    check(!drainDelay.isNegative(), "drain-delay", drainDelay, ">= 0");
    check(!pingInterval.isNegative(), "ping-interval", pingInterval, ">= 0 (0 turns pings off)");
    check(positive(pingTimeout), "ping-timeout", pingTimeout, "> 0");
    // Counted in whole milliseconds by the deadline that enforces it.
    check(
        !handshakeTimeout.isNegative() && handshakeTimeout.toMillis() >= 1,
        "handshake-timeout",
        handshakeTimeout,
        ">= 1ms");
    check(
        adminPort == NO_ADMIN_PORT || (adminPort >= 0 && adminPort <= 65535),
        "admin-port",
        adminPort,
        "0..65535");
    check(adminPort <= 0 || adminPort != port, "admin-port", adminPort, "a port other than --port");
    if ((tlsCert == null) != (tlsKey == null)) {
      throw new IllegalArgumentException(
          tlsCert == null
              ? "tls-key: " + tlsKey + " given without --tls-cert (expected: both or neither)"
              : "tls-cert: " + tlsCert + " given without --tls-key (expected: both or neither)");
    }
    if (redis != null) {
      RedisBusOptions.checkUrl(redis);
    }
    RedisBusOptions.checkPrefix(redisPrefix);
    transport.requireAvailable();
  }

  private static boolean positive(Duration d) {
    return !d.isNegative() && !d.isZero();
  }

  /** The Redis bus's options, or null when rooms are not shared (no {@link #redis}). */
  public RedisBusOptions redisBusOptions() {
    return redis == null ? null : RedisBusOptions.of(redis, redisPrefix, history, roomTtl);
  }

  private static void check(boolean ok, String option, Object value, String expected) {
    if (!ok) {
      String shown =
          value instanceof Duration d && !d.isNegative() ? formatExactly(d) : value.toString();
      throw new IllegalArgumentException(option + ": " + shown + " (expected: " + expected + ")");
    }
  }

  /** Whether the server speaks TLS (wss:// and https://). */
  public boolean tls() {
    return tlsCert != null;
  }

  /** Whether metrics and health have a listener of their own. */
  public boolean hasAdminPort() {
    return adminPort != NO_ADMIN_PORT;
  }

  /**
   * The effective configuration as option names and values, in the order of {@code --help}, for the
   * startup log line. Secrets are masked: the Redis URL's password, and the signing secret with
   * {@link #mask}; any other secret option must be masked when it is added. The log level is not
   * part of the configuration: the startup line adds it.
   */
  public Map<String, String> describe() {
    Map<String, String> d = new LinkedHashMap<>();
    d.put("host", host);
    d.put("port", Integer.toString(port));
    d.put("redis", redis == null ? "none" : maskUrlPassword(redis));
    d.put("redis-prefix", redisPrefix);
    d.put("history", Integer.toString(history));
    d.put("room-ttl", format(roomTtl));
    d.put("max-message-bytes", Integer.toString(maxMessageBytes));
    d.put("max-frame-bytes", Integer.toString(maxFrameBytes));
    d.put("rate", Integer.toString(rate));
    d.put("burst", Integer.toString(burst));
    d.put("max-queued-bytes", Long.toString(maxQueuedBytes));
    d.put("shutdown-timeout", format(shutdownTimeout));
    d.put("drain-delay", format(drainDelay));
    d.put("tls-cert", tlsCert == null ? "none" : tlsCert.toString());
    d.put("tls-key", tlsKey == null ? "none" : tlsKey.toString());
    d.put("ping-interval", pingInterval.isZero() ? "off" : format(pingInterval));
    d.put("ping-timeout", format(pingTimeout));
    d.put("auth-secret", mask(security.authSecret()));
    d.put(
        "allowed-origins",
        security.allowedOrigins().isEmpty()
            ? "own+local"
            : String.join(",", security.allowedOrigins()));
    d.put("require-origin", Boolean.toString(security.requireOrigin()));
    d.put("hide-addresses", Boolean.toString(security.hideAddresses()));
    d.put("max-connections", Integer.toString(security.maxConnections()));
    d.put("max-connections-per-ip", Integer.toString(security.maxConnectionsPerIp()));
    d.put("handshake-timeout", format(handshakeTimeout));
    d.put("trusted-proxies", trustedProxies.isEmpty() ? "none" : trustedProxies.toString());
    d.put("admin-port", hasAdminPort() ? Integer.toString(adminPort) : "none");
    d.put("max-rooms", Integer.toString(security.maxRooms()));
    d.put("max-room-members", Integer.toString(security.maxRoomMembers()));
    d.put("transport", transport.cliName());
    return d;
  }

  /**
   * {@code url} with the password in its user info replaced by {@code ****} ({@code
   * redis://:****@host}, {@code redis://user:****@host}; a user info without a colon is taken as a
   * password, as Redis clients do).
   */
  static String maskUrlPassword(String url) {
    int scheme = url.indexOf("://");
    int at = url.indexOf('@');
    int slash = scheme < 0 ? -1 : url.indexOf('/', scheme + 3);
    if (scheme < 0 || at < 0 || (slash >= 0 && at > slash)) {
      return url;
    }
    String userInfo = url.substring(scheme + 3, at);
    int colon = userInfo.indexOf(':');
    String masked = colon < 0 ? "****" : userInfo.substring(0, colon + 1) + "****";
    return url.substring(0, scheme + 3) + masked + url.substring(at);
  }

  /** {@code 250ms}, {@code 10s}, {@code 5m}, {@code 1h}: as the options are written. */
  static String format(Duration d) {
    long millis = d.toMillis();
    if (millis == 0) {
      return "0s";
    }
    if (millis % 3_600_000 == 0) {
      return millis / 3_600_000 + "h";
    }
    if (millis % 60_000 == 0) {
      return millis / 60_000 + "m";
    }
    if (millis % 1000 == 0) {
      return millis / 1000 + "s";
    }
    return millis + "ms";
  }

  /** Like {@link #format}, but a duration that is not a whole number of ms shows its fraction. */
  private static String formatExactly(Duration d) {
    if (d.toNanos() % 1_000_000 == 0) {
      return format(d);
    }
    return BigDecimal.valueOf(d.toNanos(), 6).stripTrailingZeros().toPlainString() + "ms";
  }

  /** {@code ****} for a secret that is set, {@code none} for one that is not. */
  public static String mask(String secret) {
    return secret == null || secret.isEmpty() ? "none" : "****";
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
    b.drainDelay = drainDelay;
    b.tlsCert = tlsCert;
    b.tlsKey = tlsKey;
    b.pingInterval = pingInterval;
    b.pingTimeout = pingTimeout;
    b.handshakeTimeout = handshakeTimeout;
    b.trustedProxies = trustedProxies;
    b.adminPort = adminPort;
    b.redis = redis;
    b.redisPrefix = redisPrefix;
    b.security = security;
    b.transport = transport;
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
    private Duration drainDelay = DEFAULT_DRAIN_DELAY;
    private Path tlsCert;
    private Path tlsKey;
    private Duration pingInterval = DEFAULT_PING_INTERVAL;
    private Duration pingTimeout = DEFAULT_PING_TIMEOUT;
    private Duration handshakeTimeout = DEFAULT_HANDSHAKE_TIMEOUT;
    private TrustedProxies trustedProxies = TrustedProxies.NONE;
    private int adminPort = NO_ADMIN_PORT;
    private String redis;
    private String redisPrefix = DEFAULT_REDIS_PREFIX;
    private SecurityConfig security = SecurityConfig.DEFAULTS;
    private Transport transport = Transport.platformDefault();

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

    public Builder drainDelay(Duration drainDelay) {
      this.drainDelay = drainDelay;
      return this;
    }

    /** PEM certificate chain and private key, both or neither (null). */
    public Builder tls(Path cert, Path key) {
      this.tlsCert = cert;
      this.tlsKey = key;
      return this;
    }

    public Builder pingInterval(Duration pingInterval) {
      this.pingInterval = pingInterval;
      return this;
    }

    public Builder pingTimeout(Duration pingTimeout) {
      this.pingTimeout = pingTimeout;
      return this;
    }

    public Builder handshakeTimeout(Duration handshakeTimeout) {
      this.handshakeTimeout = handshakeTimeout;
      return this;
    }

    public Builder trustedProxies(TrustedProxies trustedProxies) {
      this.trustedProxies = trustedProxies;
      return this;
    }

    /** A separate listener for metrics and health; {@link #NO_ADMIN_PORT} for none. */
    public Builder adminPort(int adminPort) {
      this.adminPort = adminPort;
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

    public Builder transport(Transport transport) {
      this.transport = transport;
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
          drainDelay,
          tlsCert,
          tlsKey,
          pingInterval,
          pingTimeout,
          handshakeTimeout,
          trustedProxies,
          adminPort,
          redis,
          redisPrefix,
          security,
          transport);
    }
  }
}
