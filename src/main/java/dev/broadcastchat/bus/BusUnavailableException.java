package dev.broadcastchat.bus;

/** The bus cannot take messages now (for example Redis is unreachable); nothing was sent. */
public final class BusUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public BusUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
