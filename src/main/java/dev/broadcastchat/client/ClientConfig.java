package dev.broadcastchat.client;

import dev.broadcastchat.protocol.Names;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * What a client needs to know, built once from the command line and validated here. Immutable.
 *
 * @param url server URL, {@code ws://} or {@code wss://}; its query parameters are kept
 * @param nick nick to ask for, or null to keep the URL's (if any)
 * @param room room to join, or null to keep the URL's (default {@code lobby})
 * @param reconnectTimeout how long a lost connection is retried before the client gives up; zero
 *     gives up at once
 * @param insecure trust any certificate a wss:// server shows, and any host name in it (for a
 *     self-signed certificate); off by default
 */
public record ClientConfig(
    URI url, String nick, String room, Duration reconnectTimeout, boolean insecure) {
  public static final Duration DEFAULT_RECONNECT_TIMEOUT = Duration.ofMinutes(2);

  /** A configuration that checks the server's certificate (the default). */
  public ClientConfig(URI url, String nick, String room, Duration reconnectTimeout) {
    this(url, nick, room, reconnectTimeout, false);
  }

  public ClientConfig {
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(reconnectTimeout, "reconnectTimeout");
    if (reconnectTimeout.isNegative()) {
      throw new IllegalArgumentException(
          "reconnect-timeout: " + reconnectTimeout + " (expected: >= 0)");
    }
    if (nick != null && nick.isEmpty()) {
      throw new IllegalArgumentException("nick: '' (expected: 1 to 32 characters)");
    }
    if (room != null && room.isEmpty()) {
      throw new IllegalArgumentException("room: '' (expected: 1 to 64 characters)");
    }
    // Refused here rather than by the server after connecting: a bad value, one line, exit 2.
    if (nick != null && Names.nickProblem(nick) != null) {
      throw new IllegalArgumentException("nick: '" + nick + "' (" + Names.nickProblem(nick) + ")");
    }
    if (room != null && Names.roomProblem(room) != null) {
      throw new IllegalArgumentException("room: '" + room + "' (" + Names.roomProblem(room) + ")");
    }
  }
}
