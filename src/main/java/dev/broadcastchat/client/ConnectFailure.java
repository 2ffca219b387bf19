package dev.broadcastchat.client;

/** A connection could not be opened; the message is one line fit to show the user. */
public final class ConnectFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  ConnectFailure(String message, Throwable cause) {
    super(message, cause);
  }
}
