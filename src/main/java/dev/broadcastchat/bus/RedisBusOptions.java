package dev.broadcastchat.bus;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link RedisBus} reaches Redis and how it paces itself. Immutable; validated here.
 *
 * @param url {@code redis://[user:password@]HOST[:PORT][/DB]} or {@code rediss://...} (TLS)
 * @param prefix put before every key and channel name, so that several deployments can share one
 *     Redis
 * @param history messages kept per room (the stream is capped near this)
 * @param roomTtl how long a room's log outlives its last message and its last member (zero keeps it
 *     until Redis is emptied)
 * @param commandTimeout how long a command may wait for its answer before the caller is told that
 *     Redis is unavailable
 * @param reconnectCap the longest pause between two attempts to reconnect
 * @param heartbeat how often this node refreshes its member records and checks its subscriptions
 * @param memberTtl how long a member record outlives its last refresh: the bound within which the
 *     members of a node that died without a goodbye stop being listed
 */
public record RedisBusOptions(
    String url,
    String prefix,
    int history,
    Duration roomTtl,
    Duration commandTimeout,
    Duration reconnectCap,
    Duration heartbeat,
    Duration memberTtl) {

  public static final String DEFAULT_PREFIX = "chat:";
  public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(2);
  public static final Duration DEFAULT_RECONNECT_CAP = Duration.ofSeconds(1);
  public static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(3);
  public static final Duration DEFAULT_MEMBER_TTL = Duration.ofSeconds(10);

  /** Longest prefix accepted. */
  public static final int MAX_PREFIX_LENGTH = 64;

  public RedisBusOptions {
    checkUrl(url);
    checkPrefix(prefix);
    Objects.requireNonNull(roomTtl, "roomTtl");
    Objects.requireNonNull(commandTimeout, "commandTimeout");
    Objects.requireNonNull(reconnectCap, "reconnectCap");
    Objects.requireNonNull(heartbeat, "heartbeat");
    Objects.requireNonNull(memberTtl, "memberTtl");
    check(history >= 0, "history", history, ">= 0");
    check(!roomTtl.isNegative(), "room-ttl", roomTtl, ">= 0");
    check(isPositive(commandTimeout), "redis command timeout", commandTimeout, "> 0");
    check(isPositive(reconnectCap), "redis reconnect cap", reconnectCap, "> 0");
    check(isPositive(heartbeat), "redis heartbeat", heartbeat, "> 0");
    check(
        memberTtl.compareTo(heartbeat.multipliedBy(2)) >= 0,
        "redis member ttl",
        memberTtl,
        ">= twice the heartbeat, " + heartbeat.multipliedBy(2));
  }

  /** The defaults for everything but the URL, the prefix, the history and the room TTL. */
  public static RedisBusOptions of(String url, String prefix, int history, Duration roomTtl) {
    return new RedisBusOptions(
        url,
        prefix,
        history,
        roomTtl,
        DEFAULT_COMMAND_TIMEOUT,
        DEFAULT_RECONNECT_CAP,
        DEFAULT_HEARTBEAT,
        DEFAULT_MEMBER_TTL);
  }

  /** These options with other timings; tests use it to keep their waits short. */
  public RedisBusOptions withTimings(
      Duration commandTimeout, Duration reconnectCap, Duration heartbeat, Duration memberTtl) {
    return new RedisBusOptions(
        url, prefix, history, roomTtl, commandTimeout, reconnectCap, heartbeat, memberTtl);
  }

  /**
   * Checks a Redis URL the way the bus will use it.
   *
   * @throws IllegalArgumentException naming the option and the value when it is not one
   */
  public static void checkUrl(String url) {
    Objects.requireNonNull(url, "url");
    String expected = "redis://HOST[:PORT][/DB] or rediss://HOST[:PORT][/DB]";
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("redis: '" + url + "' (expected: " + expected + ")", e);
    }
    String scheme = uri.getScheme();
    if (scheme == null
        || !(scheme.equals("redis") || scheme.equals("rediss"))
        || uri.getHost() == null
        || uri.getHost().isEmpty()
        || uri.getPort() == 0
        || uri.getPort() > 65535) {
      throw new IllegalArgumentException("redis: '" + url + "' (expected: " + expected + ")");
    }
  }

  /**
   * Checks a key prefix.
   *
   * @throws IllegalArgumentException naming the option and the value when it is not one
   */
  public static void checkPrefix(String prefix) {
    Objects.requireNonNull(prefix, "prefix");
    boolean ok = prefix.length() <= MAX_PREFIX_LENGTH;
    for (int i = 0; ok && i < prefix.length(); i++) {
      char c = prefix.charAt(i);
      // Braces would break the hash tags that keep a room's keys together.
      ok = c > ' ' && c < 0x7f && c != '{' && c != '}';
    }
    if (!ok) {
      throw new IllegalArgumentException(
          "redis-prefix: '"
              + prefix
              + "' (expected: at most "
              + MAX_PREFIX_LENGTH
              + " printable ASCII characters, no spaces or braces)");
    }
  }

  /** {@code host:port} of the URL, for messages: never the password. */
  String where() {
    URI uri = URI.create(url);
    int port = uri.getPort() < 0 ? 6379 : uri.getPort();
    String host = uri.getHost();
    return (host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
  }

  private static boolean isPositive(Duration d) {
    return !d.isNegative() && !d.isZero();
  }

  private static void check(boolean ok, String option, Object value, String expected) {
    if (!ok) {
      throw new IllegalArgumentException(option + ": " + value + " (expected: " + expected + ")");
    }
  }
}
