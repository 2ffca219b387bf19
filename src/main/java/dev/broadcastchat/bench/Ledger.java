package dev.broadcastchat.bench;

import java.util.Arrays;

/**
 * What one receiver has seen from each sender: the sequence number it expects next. Each sender's
 * messages must arrive exactly once and in order; the first one seen sets where a sender starts (a
 * receiver may join after a sender began).
 *
 * <p>Confined to the receiver's event loop.
 */
final class Ledger {
  /** {@link #accept} of a message that is not after the last one seen from its sender. */
  static final long DUPLICATE = -1;

  private static final long NOTHING_SEEN = -1;

  private final long[] next;

  Ledger(int senders) {
    next = new long[senders];
    Arrays.fill(next, NOTHING_SEEN);
  }

  /** How many senders this ledger follows. */
  int senders() {
    return next.length;
  }

  /**
   * Notes that message {@code seq} of {@code sender} arrived.
   *
   * @return how many of the sender's messages were skipped before it (0 when in order), or {@link
   *     #DUPLICATE} if it is not after the last one seen: seen already, or arriving after a later
   *     one (then it was counted as skipped too)
   */
  long accept(int sender, long seq) {
    long expected = next[sender];
    if (expected == NOTHING_SEEN) {
      next[sender] = seq + 1;
      return 0;
    }
    if (seq < expected) {
      return DUPLICATE;
    }
    next[sender] = seq + 1;
    return seq - expected;
  }
}
