package dev.broadcastchat.bench;

/**
 * The server's CPU time over the measured window of {@code fanout} and {@code latency}, read from
 * {@code /proc} when the bench is given the server's {@code --pid}: how much of a core the server
 * needed, and what each delivery cost it. Where the bench runs out of its own core first,
 * deliveries per second and latency measure the bench as much as the server; the server's CPU per
 * delivery at a fixed offered rate still compares servers fairly.
 *
 * @param cpu what the server's process used over the window
 * @param measuredNanos how long the window lasted, by the clock
 * @param deliveries messages that reached a receiver for the first time during the window, whenever
 *     they were sent: the work the server did meanwhile
 */
record ServerCpu(ProcessCpu cpu, long measuredNanos, long deliveries) {
  ServerCpu {
    if (measuredNanos <= 0) {
      throw new IllegalArgumentException("measuredNanos must be > 0, got " + measuredNanos);
    }
    if (deliveries < 0) {
      throw new IllegalArgumentException("deliveries must be >= 0, got " + deliveries);
    }
  }

  /** Cores' worth of CPU the server used: 1.0 is one core busy all the window. */
  double coresUsed() {
    return cpu.totalNanos() / (double) measuredNanos;
  }

  /** Whether any delivery arrived in the window, so that a cost per delivery means something. */
  boolean delivered() {
    return deliveries > 0;
  }

  /** Microseconds of the server's CPU per delivery; 0 if none arrived. */
  double microsPerDelivery() {
    return delivered() ? cpu.totalNanos() / 1e3 / deliveries : 0;
  }
}
