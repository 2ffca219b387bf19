package dev.broadcastchat.bench;

import java.net.URI;

/** Not one connection of a run could be opened, so there is nothing to measure. */
public final class CannotConnectException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  CannotConnectException(URI url, String why) {
    super("cannot connect to " + url + ": " + why);
  }
}
