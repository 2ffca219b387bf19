package dev.broadcastchat.server;

import io.netty.channel.Channel;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How often the server refused something, by reason: the numbers behind {@code /metrics}, and the
 * one place that logs each refusal, in one line at INFO ({@code conn ID ADDR refused: WHY}).
 * Counted from any thread; thread-safe and lock-free.
 */
public final class Refusals {
  private static final Logger log = LoggerFactory.getLogger(Refusals.class);

  /** Why a connection, request or message was refused. */
  public enum Reason {
    /** Missing, bad or expired token at the upgrade (401). */
    UNAUTHORIZED,
    /** A room the token does not allow, at the upgrade (403) or on join. */
    ROOM_FORBIDDEN,
    /** {@code /nick} while the token fixes the nick. */
    NICK_FORBIDDEN,
    /** An Origin that may not upgrade, or none when one is required (403). */
    ORIGIN,
    /** Over {@code --max-connections} (503). */
    MAX_CONNECTIONS,
    /** Over {@code --max-connections-per-ip} (429). */
    MAX_CONNECTIONS_PER_IP,
    /** No complete request within the handshake timeout. */
    HANDSHAKE_TIMEOUT,
    /** A request line, header block or body over the cap (414, 431, 413). */
    REQUEST_TOO_LARGE,
    /**
     * A request the HTTP decoder could not read, or an upgrade request that breaks RFC 6455 (400).
     */
    BAD_REQUEST,
    /** An upgrade request for a WebSocket version other than 13 (426). */
    WEBSOCKET_VERSION,
    /** A new room over {@code --max-rooms}. */
    MAX_ROOMS,
    /** A room at {@code --max-room-members}. */
    ROOM_FULL,
    /** A connection whose token expired while it was open (1008). */
    TOKEN_EXPIRED;

    /** The name in metrics, e.g. {@code max_connections_per_ip}. */
    public String metricName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final AtomicLongArray counts = new AtomicLongArray(Reason.values().length);

  /** Counts one refusal. */
  public void count(Reason reason) {
    counts.incrementAndGet(reason.ordinal());
  }

  /**
   * Counts one refusal of the connection {@code connectionId} from {@code address} and logs it.
   *
   * @param why what the client was answered: an HTTP status and its body ({@code 401 token
   *     expired}), or an error's message ({@code forbidden: ...}), or what was done instead
   */
  void refused(Reason reason, String connectionId, String address, String why) {
    count(reason);
    log.info("conn {} {} refused: {}", connectionId, address, why);
  }

  /** The same for a connection not yet upgraded, named by its channel. */
  void refused(Reason reason, Channel channel, String why) {
    refused(
        reason,
        channel.id().asShortText(),
        SessionHandler.formatAddress(channel.remoteAddress()),
        why);
  }

  /** Refusals for {@code reason} so far. */
  public long get(Reason reason) {
    return counts.get(reason.ordinal());
  }

  /** Every reason with its count; a moment's snapshot. */
  public Map<Reason, Long> snapshot() {
    Map<Reason, Long> map = new EnumMap<>(Reason.class);
    for (Reason r : Reason.values()) {
      map.put(r, counts.get(r.ordinal()));
    }
    return map;
  }
}
