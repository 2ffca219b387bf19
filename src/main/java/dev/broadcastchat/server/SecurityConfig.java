package dev.broadcastchat.server;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;

/**
 * What the server refuses, and how much of everything it takes: tokens, origins, addresses shown,
 * and the caps against floods. Part of {@link ServerConfig}; validated here.
 *
 * @param authSecret HMAC secret that tokens (JWT HS256) must be signed with, or null for no auth
 * @param allowedOrigins origins allowed to upgrade besides the server's own; empty for the default
 *     (http(s)://localhost, 127.0.0.1 and [::1] on any port), {@code *} for any
 * @param requireOrigin whether an upgrade without an {@code Origin} header is refused
 * @param hideAddresses whether members without a nick are shown by an anonymous name instead of
 *     their {@code ip:port}
 * @param maxConnections open connections the server takes at most
 * @param maxConnectionsPerIp open connections from one address at most, 0 for no limit
 * @param maxRooms rooms this node holds at most
 * @param maxRoomMembers members one room holds at most on this node
 */
public record SecurityConfig(
    String authSecret,
    List<String> allowedOrigins,
    boolean requireOrigin,
    boolean hideAddresses,
    int maxConnections,
    int maxConnectionsPerIp,
    int maxRooms,
    int maxRoomMembers) {

  public static final int DEFAULT_MAX_CONNECTIONS = 100_000;
  public static final int DEFAULT_MAX_CONNECTIONS_PER_IP = 0;
  public static final int DEFAULT_MAX_ROOMS = 10_000;
  public static final int DEFAULT_MAX_ROOM_MEMBERS = 50_000;

  /** Shortest secret accepted: HS256 wants at least 256 bits of key. */
  public static final int MIN_SECRET_BYTES = 32;

  /** No auth, the default origins, addresses shown, and the default caps. */
  public static final SecurityConfig DEFAULTS =
      new SecurityConfig(
          null,
          List.of(),
          false,
          false,
          DEFAULT_MAX_CONNECTIONS,
          DEFAULT_MAX_CONNECTIONS_PER_IP,
          DEFAULT_MAX_ROOMS,
          DEFAULT_MAX_ROOM_MEMBERS);

  public SecurityConfig {
    allowedOrigins =
        allowedOrigins == null
            ? List.of()
            : allowedOrigins.stream()
                .map(String::strip)
                .filter(o -> !o.isEmpty())
                .map(SecurityConfig::normalizeOrigin)
                .toList();
    if (authSecret != null
        && authSecret.getBytes(java.nio.charset.StandardCharsets.UTF_8).length < MIN_SECRET_BYTES) {
      throw new IllegalArgumentException(
          "auth-secret: "
              + authSecret.length()
              + " characters (expected: at least "
              + MIN_SECRET_BYTES
              + " bytes)");
    }
    for (String origin : allowedOrigins) {
      if (!origin.equals("*") && !isOrigin(origin)) {
        throw new IllegalArgumentException(
            "allowed-origins: "
                + origin
                + " (expected: * or http(s)://host[:port], without a path or a wildcard)");
      }
    }
    check(maxConnections >= 1, "max-connections", maxConnections, ">= 1");
    check(maxConnectionsPerIp >= 0, "max-connections-per-ip", maxConnectionsPerIp, ">= 0");
    check(maxRooms >= 1, "max-rooms", maxRooms, ">= 1");
    check(maxRoomMembers >= 1, "max-room-members", maxRoomMembers, ">= 1");
  }

  /** Whether connections must present a token. */
  public boolean authRequired() {
    return authSecret != null;
  }

  public SecurityConfig withAuthSecret(String secret) {
    return new SecurityConfig(
        secret,
        allowedOrigins,
        requireOrigin,
        hideAddresses,
        maxConnections,
        maxConnectionsPerIp,
        maxRooms,
        maxRoomMembers);
  }

  public SecurityConfig withOrigins(List<String> origins, boolean require) {
    return new SecurityConfig(
        authSecret,
        origins,
        require,
        hideAddresses,
        maxConnections,
        maxConnectionsPerIp,
        maxRooms,
        maxRoomMembers);
  }

  public SecurityConfig withHideAddresses(boolean hide) {
    return new SecurityConfig(
        authSecret,
        allowedOrigins,
        requireOrigin,
        hide,
        maxConnections,
        maxConnectionsPerIp,
        maxRooms,
        maxRoomMembers);
  }

  public SecurityConfig withConnectionLimits(int total, int perIp) {
    return new SecurityConfig(
        authSecret,
        allowedOrigins,
        requireOrigin,
        hideAddresses,
        total,
        perIp,
        maxRooms,
        maxRoomMembers);
  }

  public SecurityConfig withRoomLimits(int rooms, int membersPerRoom) {
    return new SecurityConfig(
        authSecret,
        allowedOrigins,
        requireOrigin,
        hideAddresses,
        maxConnections,
        maxConnectionsPerIp,
        rooms,
        membersPerRoom);
  }

  @Override
  public String toString() {
    // The secret stays out of logs and error messages.
    return "SecurityConfig[auth="
        + authRequired()
        + ", allowedOrigins="
        + allowedOrigins
        + ", requireOrigin="
        + requireOrigin
        + ", hideAddresses="
        + hideAddresses
        + ", maxConnections="
        + maxConnections
        + ", maxConnectionsPerIp="
        + maxConnectionsPerIp
        + ", maxRooms="
        + maxRooms
        + ", maxRoomMembers="
        + maxRoomMembers
        + "]";
  }

  /**
   * Whether {@code origin} (normalized) is one a browser could send: {@code http} or {@code https},
   * a host name or IP address (no {@code *}: only whole origins match), an optional port, and
   * nothing else (no user, path, query or fragment).
   */
  private static boolean isOrigin(String origin) {
    URI uri;
    try {
      uri = new URI(origin);
    } catch (URISyntaxException e) {
      return false;
    }
    // A host that is not a valid name or address (such as *.example.com) leaves getHost() null.
    return ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
        && uri.getHost() != null
        && uri.getPort() <= 65535
        && uri.getRawUserInfo() == null
        && uri.getRawPath().isEmpty()
        && uri.getRawQuery() == null
        && uri.getRawFragment() == null;
  }

  /** {@code scheme://host[:port]} in lower case without a trailing slash. */
  static String normalizeOrigin(String origin) {
    String o = origin.strip().toLowerCase(Locale.ROOT);
    while (o.endsWith("/")) {
      o = o.substring(0, o.length() - 1);
    }
    return o;
  }

  private static void check(boolean ok, String option, Object value, String expected) {
    if (!ok) {
      throw new IllegalArgumentException(option + ": " + value + " (expected: " + expected + ")");
    }
  }
}
