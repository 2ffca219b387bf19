package dev.broadcastchat.bench;

/**
 * The measured part of a run, in nanoseconds since the run began: a message counts when it was sent
 * (closed loop) or meant to be sent (open loop) at or after {@code start} and before {@code end},
 * whenever it arrives.
 */
record Window(long start, long end) {
  /** A window nothing falls in, before a run begins. */
  static final Window NONE = new Window(Long.MAX_VALUE, Long.MAX_VALUE);

  Window {
    if (end < start) {
      throw new IllegalArgumentException(
          "window: " + start + ".." + end + " (expected: start <= end)");
    }
  }

  boolean contains(long nanos) {
    return nanos >= start && nanos < end;
  }

  long lengthNanos() {
    return end - start;
  }
}
