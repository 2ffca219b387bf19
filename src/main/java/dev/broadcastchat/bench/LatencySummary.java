package dev.broadcastchat.bench;

import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Percentiles of a run's delivery latencies, in nanoseconds: from when a message was sent (closed
 * loop) or meant to be sent (open loop, so that a stalled server cannot hide its stall) to when a
 * receiver read it.
 *
 * @param count deliveries measured
 * @param p50 median
 * @param p99 99th percentile
 * @param p999 99.9th percentile
 * @param max largest
 * @param mean arithmetic mean
 */
public record LatencySummary(long count, long p50, long p99, long p999, long max, double mean) {

  /** Longest latency told apart; longer ones are recorded as this. */
  static final long HIGHEST_NANOS = TimeUnit.MINUTES.toNanos(1);

  /** Latencies are told apart to within a microsecond (and three significant digits). */
  private static final long LOWEST_NANOS = 1000;

  private static final int SIGNIFICANT_DIGITS = 3;

  /** An empty histogram of latencies in nanoseconds. */
  static Histogram newHistogram() {
    return new Histogram(LOWEST_NANOS, HIGHEST_NANOS, SIGNIFICANT_DIGITS);
  }

  /** Records {@code nanos}, clamped to what the histogram tracks. */
  static void record(Histogram histogram, long nanos) {
    histogram.recordValue(Math.max(0, Math.min(nanos, HIGHEST_NANOS)));
  }

  /** The summary of {@code histogram}; all zero when it is empty. */
  static LatencySummary of(Histogram histogram) {
    if (histogram.getTotalCount() == 0) {
      return new LatencySummary(0, 0, 0, 0, 0, 0);
    }
    return new LatencySummary(
        histogram.getTotalCount(),
        histogram.getValueAtPercentile(50),
        histogram.getValueAtPercentile(99),
        histogram.getValueAtPercentile(99.9),
        histogram.getMaxValue(),
        histogram.getMean());
  }

  /** {@code nanos} in milliseconds. */
  static double millis(long nanos) {
    return nanos / 1e6;
  }
}
