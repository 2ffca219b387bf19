package dev.broadcastchat.server;

/** A token that does not let its holder in; the message says why without echoing the token. */
public final class BadTokenException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  BadTokenException(String reason) {
    super(reason, null, false, false);
  }
}
