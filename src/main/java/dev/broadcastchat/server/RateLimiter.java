package dev.broadcastchat.server;

/**
 * A token bucket per connection ({@code rate} per second, {@code burst} at most), plus a count of
 * recent refusals that tells a client over the limit once from one that keeps flooding.
 *
 * <p>Not thread-safe: owned by one session, used on its loop. {@code rate} 0 turns it off.
 */
final class RateLimiter {
  /** Window in which refusals are counted towards abuse. */
  static final long ABUSE_WINDOW_NANOS = 10_000_000_000L;

  private final double ratePerNano;
  private final double burst;
  private final int abuseThreshold;
  private double tokens;
  private long lastRefill;
  private long windowStart;
  private int refusalsInWindow;

  /** What {@link #acquire} decided. */
  enum Verdict {
    ALLOWED,
    REFUSED,
    ABUSE
  }

  RateLimiter(int rate, int burst, long nowNanos) {
    this.ratePerNano = rate / 1e9;
    this.burst = Math.max(burst, 1);
    // Refusing more than two bursts' worth within the window is flooding, not a slip.
    this.abuseThreshold = 2 * Math.max(burst, rate);
    this.tokens = this.burst;
    this.lastRefill = nowNanos;
    this.windowStart = nowNanos;
  }

  Verdict acquire(long nowNanos) {
    if (ratePerNano == 0) {
      return Verdict.ALLOWED;
    }
    tokens = Math.min(burst, tokens + (nowNanos - lastRefill) * ratePerNano);
    lastRefill = nowNanos;
    if (tokens >= 1) {
      tokens -= 1;
      return Verdict.ALLOWED;
    }
    if (nowNanos - windowStart > ABUSE_WINDOW_NANOS) {
      windowStart = nowNanos;
      refusalsInWindow = 0;
    }
    return ++refusalsInWindow > abuseThreshold ? Verdict.ABUSE : Verdict.REFUSED;
  }
}
