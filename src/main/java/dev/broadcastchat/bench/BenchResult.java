package dev.broadcastchat.bench;

/** What a bench run measured; {@link Report} shows it as a table or as JSON. */
public sealed interface BenchResult permits DeliveryResult, IdleResult {
  /**
   * Whether the run saw no fault: every message arrived exactly once and in order, every connection
   * opened and stayed open.
   */
  default boolean passed() {
    return problems().isEmpty();
  }

  /** What went wrong, in one line; empty when the run {@link #passed}. */
  String problems();
}
