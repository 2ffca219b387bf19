package dev.broadcastchat.bench;

import io.netty.channel.Channel;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Sends at a fixed rate whatever the server does, until the window ends. Each message is stamped
 * with the time it was due, not the time it went out, so that a late timer or a stalled connection
 * shows as latency instead of being left out (no coordinated omission); if the loop falls behind it
 * sends what is due at once.
 *
 * <p>Confined to the connection's event loop.
 */
final class OpenLoopSender extends Sender {
  private final long rate;
  private final long phaseNanos;
  private long firstNanos;
  private long sent;
  private ScheduledFuture<?> timer;

  /**
   * A sender of {@code rate} messages per second, starting {@code phaseNanos} after the run's start
   * so that senders do not all send at the same instant.
   */
  OpenLoopSender(int index, Run run, Channel channel, LoopStats stats, int rate, long phaseNanos) {
    super(index, run, channel, stats);
    this.rate = rate;
    this.phaseNanos = phaseNanos;
  }

  @Override
  void begin(long startNanos) {
    firstNanos = startNanos + phaseNanos;
    tick();
  }

  /** When message {@code k} is due, in nanoseconds since the origin. */
  private long due(long k) {
    return firstNanos + k * TimeUnit.SECONDS.toNanos(1) / rate;
  }

  private void tick() {
    timer = null;
    if (!running()) {
      return;
    }
    long now = run().now();
    boolean wrote = false;
    long next;
    while ((next = due(sent)) <= now && next < window.end()) {
      if (write(next) < 0) {
        return;
      }
      sent++;
      wrote = true;
    }
    if (wrote) {
      channel.flush();
    }
    if (next >= window.end()) {
      stop();
      return;
    }
    timer = channel.eventLoop().schedule(this::tick, next - now, TimeUnit.NANOSECONDS);
  }

  @Override
  void onEcho(long seq, long readNanos) {
    // The pace is fixed: what comes back changes nothing.
  }

  @Override
  void stopped() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }
}
