package dev.broadcastchat.bench;

/**
 * The bench's own CPU time over what it measured (the window of {@code fanout} and {@code latency},
 * the opening of {@code idle}). A load generator that runs out of its cores measures itself rather
 * than the server; this tells when that may have happened.
 *
 * @param cpu what the bench's process used meanwhile
 * @param measuredNanos how long that was
 * @param cores the processors the bench could run on ({@link Runtime#availableProcessors}: its
 *     affinity, as {@code taskset} sets it, or a container's CPU limit)
 */
record BenchCpu(ProcessCpu cpu, long measuredNanos, int cores) {
  /** The share of its cores above which the bench says it was near its limit. */
  static final double NEAR_LIMIT = 0.9;

  BenchCpu {
    if (measuredNanos <= 0) {
      throw new IllegalArgumentException("measuredNanos must be > 0, got " + measuredNanos);
    }
    if (cores <= 0) {
      throw new IllegalArgumentException("cores must be > 0, got " + cores);
    }
  }

  /** Cores' worth of CPU the bench used: 1.0 is one core busy all the time. */
  double coresUsed() {
    return cpu.totalNanos() / (double) measuredNanos;
  }

  /** Whether the bench used nearly all the CPU it could have: then the limit may be its own. */
  boolean nearLimit() {
    return coresUsed() >= NEAR_LIMIT * cores;
  }

  /**
   * Starts measuring the bench's own process; null where its CPU time cannot be read (not Linux),
   * and then there is nothing to report.
   */
  static Meter start() {
    ProcessCpu.Meter meter = ProcessCpu.meter(ProcessHandle.current().pid());
    return meter == null ? null : new Meter(meter);
  }

  /** A measurement under way. */
  static final class Meter {
    private final ProcessCpu.Meter process;

    private Meter(ProcessCpu.Meter process) {
      this.process = process;
    }

    /**
     * What the bench used since {@link #start}; null if it can no longer be read, or if that was
     * less than {@link ProcessCpu#MIN_MEASURED_NANOS} ago.
     */
    BenchCpu stop() {
      ProcessCpu.Interval used = process.stop();
      return used == null
          ? null
          : new BenchCpu(used.cpu(), used.nanos(), Runtime.getRuntime().availableProcessors());
    }
  }
}
