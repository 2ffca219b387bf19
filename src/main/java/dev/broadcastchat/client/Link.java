package dev.broadcastchat.client;

import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * What a session needs of one open connection: its subprotocol, its messages in order, sends in
 * order, and how it ended. {@link Connection} is the real one; tests use fakes.
 *
 * <p>Implementations are thread-safe: {@link #send}, {@link #close} and {@link #abort} may be
 * called from any thread.
 */
interface Link {

  /** How a connection ended. */
  record Ended(int code, String reason, Throwable error, boolean byUs) {

    /** Why it ended, in a few words: {@code closed by the server: 1001 shutting down}. */
    String describe() {
      if (error != null) {
        return reason;
      }
      StringBuilder sb = new StringBuilder("closed by the server: ").append(code);
      if (reason != null && !reason.isEmpty()) {
        sb.append(' ').append(reason);
      }
      return sb.toString();
    }
  }

  /** The subprotocol the server accepted, {@code ""} when none. */
  String subprotocol();

  /**
   * Starts delivering the received text messages, one at a time and in order, to {@code sink};
   * nothing is delivered before this is called.
   */
  void start(Consumer<String> sink);

  /** Completes once the connection has ended, for whatever reason. */
  CompletionStage<Ended> ended();

  /** Sends one text message after every message sent before it. */
  void send(String text);

  /** Starts a normal close (1000) after everything already sent. */
  void close();

  /** Drops the connection without a closing handshake. */
  void abort();
}
