package dev.broadcastchat.client;

/** A connection could not be opened; the message is one line fit to show the user. */
public final class ConnectFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String reason;
  private final boolean permanent;

  ConnectFailure(String url, String reason, boolean permanent, Throwable cause) {
    super("cannot connect to " + url + ": " + reason, cause);
    this.reason = reason;
    this.permanent = permanent;
  }

  /** Why, in a few words: {@code connection refused}. */
  String reason() {
    return reason;
  }

  /** True when trying again cannot help (the server refused the upgrade, a bad URL). */
  boolean permanent() {
    return permanent;
  }
}
