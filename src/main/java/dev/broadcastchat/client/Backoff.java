package dev.broadcastchat.client;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Delays between reconnect attempts: exponential with jitter, so that the clients of a restarted
 * server do not all return at once. The n-th delay is drawn uniformly from the upper half of {@code
 * min(CAP, FIRST_MAX * 2^n)}: 250-500 ms, 0.5-1 s, 1-2 s, ... up to 2.5-5 s.
 *
 * <p>Not thread-safe: owned by its session.
 */
final class Backoff {
  static final Duration FIRST_MAX = Duration.ofMillis(500);
  static final Duration CAP = Duration.ofSeconds(5);

  private final RandomGenerator random;
  private int attempts;

  Backoff(RandomGenerator random) {
    this.random = random;
  }

  /** The delay before the next attempt. */
  Duration next() {
    long upper = FIRST_MAX.toMillis() << Math.min(attempts, 20);
    upper = Math.min(upper, CAP.toMillis());
    attempts++;
    long lower = upper / 2;
    return Duration.ofMillis(lower + random.nextLong(upper - lower + 1));
  }

  /** Starts again from the shortest delay, after a connection succeeded. */
  void reset() {
    attempts = 0;
  }
}
