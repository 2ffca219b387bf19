package dev.broadcastchat.bench;

import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * Counts taken from one event loop's {@link LoopStats}, or their sum over all loops. Immutable once
 * made (the histogram is a copy no one records into).
 *
 * @param deliveries messages received for the first time, whenever sent
 * @param windowDeliveries of those, the ones sent in the measured window
 * @param windowDuplicates messages sent in the window that arrived again, or after a later one
 * @param windowSent messages sent in the window
 * @param skipped messages a receiver never saw before a later one of the same sender, whenever sent
 * @param duplicates messages that arrived again or out of order, whenever sent
 * @param dropped connections that ended without the bench closing them
 * @param serverErrors frames starting with {@code "! "}: the server refused something
 * @param firstServerError the first of those, or null
 * @param firstDrop why the first dropped connection ended, or null
 * @param sendersRunning senders that have not stopped yet
 * @param latency latencies: of the last interval for progress, of the window for totals
 */
record Tally(
    long deliveries,
    long windowDeliveries,
    long windowDuplicates,
    long windowSent,
    long skipped,
    long duplicates,
    long dropped,
    long serverErrors,
    String firstServerError,
    String firstDrop,
    int sendersRunning,
    Histogram latency) {

  /** The sum of {@code tallies}, the first non-null text of each kind kept. */
  static Tally sum(List<Tally> tallies) {
    long deliveries = 0;
    long windowDeliveries = 0;
    long windowDuplicates = 0;
    long windowSent = 0;
    long skipped = 0;
    long duplicates = 0;
    long dropped = 0;
    long serverErrors = 0;
    String firstServerError = null;
    String firstDrop = null;
    int sendersRunning = 0;
    Histogram latency = LatencySummary.newHistogram();
    for (Tally t : tallies) {
      deliveries += t.deliveries;
      windowDeliveries += t.windowDeliveries;
      windowDuplicates += t.windowDuplicates;
      windowSent += t.windowSent;
      skipped += t.skipped;
      duplicates += t.duplicates;
      dropped += t.dropped;
      serverErrors += t.serverErrors;
      firstServerError = firstServerError != null ? firstServerError : t.firstServerError;
      firstDrop = firstDrop != null ? firstDrop : t.firstDrop;
      sendersRunning += t.sendersRunning;
      latency.add(t.latency);
    }
    return new Tally(
        deliveries,
        windowDeliveries,
        windowDuplicates,
        windowSent,
        skipped,
        duplicates,
        dropped,
        serverErrors,
        firstServerError,
        firstDrop,
        sendersRunning,
        latency);
  }

  /**
   * Deliveries of window messages that never happened: each of the {@code windowSent} messages was
   * due once at each of the {@code receivers}.
   */
  long lost(int receivers) {
    return Math.max(0, windowSent * receivers - windowDeliveries);
  }

  /**
   * Whether every sender has stopped and every window message reached every one of the {@code
   * receivers}.
   */
  boolean complete(int receivers) {
    return sendersRunning == 0 && windowDeliveries >= windowSent * receivers;
  }
}
