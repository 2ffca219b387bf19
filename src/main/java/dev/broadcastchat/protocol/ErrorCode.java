package dev.broadcastchat.protocol;

import java.util.Locale;

/** The {@code code} of an {@code error} event. */
public enum ErrorCode {
  TOO_LONG,
  RATE_LIMITED,
  BAD_NAME,
  NICK_TAKEN,
  BAD_JSON,
  UNKNOWN_TYPE,
  UNAVAILABLE,
  FORBIDDEN;

  /** The name on the wire, e.g. {@code too_long}. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
