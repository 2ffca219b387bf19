package dev.broadcastchat.server;

/**
 * A TLS certificate or key file is missing, unreadable, not PEM, or the key does not match the
 * certificate; the message names the file and the problem in one line.
 */
public final class TlsFilesException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  TlsFilesException(String message) {
    super(message);
  }

  TlsFilesException(String message, Throwable cause) {
    super(message, cause);
  }
}
