package dev.broadcastchat.client;

import java.util.concurrent.CompletionStage;

/**
 * One chat from the first connection to the exit code: takes the lines typed, shows what arrives.
 * Implementations are thread-safe; the input methods are called from the input thread.
 */
interface Session {

  /** Starts with the first connection, already open. */
  void start(Link first);

  /** One line typed. */
  void onLine(String line);

  /** The input ended (end of file, Ctrl-D, or {@code /quit}). */
  void onInputEnd();

  /** Completes with the process exit code once the chat is over. */
  CompletionStage<Integer> exitCode();
}
