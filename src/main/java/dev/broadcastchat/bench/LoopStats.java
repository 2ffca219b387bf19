package dev.broadcastchat.bench;

import io.netty.channel.EventLoop;
import org.HdrHistogram.Histogram;

/**
 * The figures of the connections on one event loop. Confined to that loop: its connections record
 * into it, and the run reads it through tasks it submits there ({@link #progress}, {@link
 * #totals}), so that counting costs no atomic operation.
 */
final class LoopStats {
  private final EventLoop loop;
  private Window window = Window.NONE;
  private long deliveries;
  private long windowDeliveries;
  private long windowDuplicates;
  private long windowSent;
  private long skipped;
  private long duplicates;
  private long dropped;
  private long serverErrors;
  private int sendersRunning;
  private String firstServerError;
  private String firstDrop;
  private final Histogram interval = LatencySummary.newHistogram();
  private final Histogram measured = LatencySummary.newHistogram();

  LoopStats(EventLoop loop) {
    this.loop = loop;
  }

  EventLoop loop() {
    return loop;
  }

  /** Opens the measured window: from now on messages sent in it are counted. */
  void begin(Window window) {
    assert loop.inEventLoop();
    this.window = window;
  }

  /** The measured window, {@link Window#NONE} before {@link #begin}. */
  Window window() {
    return window;
  }

  /** Notes that a sender on this loop started. */
  void senderStarted() {
    assert loop.inEventLoop();
    sendersRunning++;
  }

  /** Notes that a sender on this loop stopped for good. */
  void senderStopped() {
    assert loop.inEventLoop();
    sendersRunning--;
  }

  /** Counts a message sent (or meant to be sent) at {@code sentNanos}. */
  void sent(long sentNanos) {
    assert loop.inEventLoop();
    if (window.contains(sentNanos)) {
      windowSent++;
    }
  }

  /**
   * Counts a message received for the first time, sent at {@code sentNanos} and read at {@code
   * readNanos}, after {@code skipped} of its sender's messages this receiver never saw.
   */
  void received(long sentNanos, long readNanos, long skipped) {
    assert loop.inEventLoop();
    long latency = readNanos - sentNanos;
    deliveries++;
    this.skipped += skipped;
    LatencySummary.record(interval, latency);
    if (window.contains(sentNanos)) {
      windowDeliveries++;
      LatencySummary.record(measured, latency);
    }
  }

  /** Counts a message that arrived again, or after a later one of its sender. */
  void duplicate(long sentNanos) {
    assert loop.inEventLoop();
    duplicates++;
    if (window.contains(sentNanos)) {
      windowDuplicates++;
    }
  }

  /** Counts an error line from the server. */
  void serverError(String text) {
    assert loop.inEventLoop();
    if (serverErrors++ == 0) {
      firstServerError = text;
    }
  }

  /** Counts a connection that ended without the bench closing it. */
  void dropped(String why) {
    assert loop.inEventLoop();
    if (dropped++ == 0) {
      firstDrop = why;
    }
  }

  /** Messages that reached a receiver for the first time so far, whenever they were sent. */
  long deliveries() {
    assert loop.inEventLoop();
    return deliveries;
  }

  /** The counts so far, with the latencies recorded since the last call. */
  Tally progress() {
    assert loop.inEventLoop();
    Histogram copy = interval.copy();
    interval.reset();
    return tally(copy);
  }

  /** The counts so far, with the latencies of the messages sent in the window. */
  Tally totals() {
    assert loop.inEventLoop();
    return tally(measured.copy());
  }

  private Tally tally(Histogram latency) {
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
}
