package dev.broadcastchat.cli;

/** A bad option value found after parsing (for example by a configuration's validation); exit 2. */
final class UsageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  UsageException(String message) {
    super(message);
  }
}
