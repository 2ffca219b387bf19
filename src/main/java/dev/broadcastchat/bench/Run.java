package dev.broadcastchat.bench;

import java.util.concurrent.ThreadLocalRandom;

/**
 * What every connection of one run shares: the run's id (in every token), its clock and the size of
 * its messages. Immutable.
 *
 * @param id a random number that tells this run's tokens from any other's
 * @param originNanos {@link System#nanoTime()} when the run began; token times count from here
 * @param size bytes of each message's text
 */
record Run(int id, long originNanos, int size) {

  /** A run beginning now. */
  static Run start(int size) {
    return new Run(
        ThreadLocalRandom.current().nextInt(1, Integer.MAX_VALUE), System.nanoTime(), size);
  }

  /** Nanoseconds since the run began. */
  long now() {
    return System.nanoTime() - originNanos;
  }

  /** {@code nanoTime}, a value of {@link System#nanoTime()}, as nanoseconds since the run began. */
  long since(long nanoTime) {
    return nanoTime - originNanos;
  }
}
