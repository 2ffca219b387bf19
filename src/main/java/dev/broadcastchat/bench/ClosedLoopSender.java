package dev.broadcastchat.bench;

import io.netty.channel.Channel;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Sends its next message as soon as its last one came back, until the window ends: the load follows
 * what the server can take. A message that does not come back within {@link #GIVE_UP_NANOS} is
 * given up (a server that lost it would otherwise stop the sender for good).
 *
 * <p>Confined to the connection's event loop.
 */
final class ClosedLoopSender extends Sender {
  /** How long a sender waits for its message before it sends the next one anyway. */
  static final long GIVE_UP_NANOS = TimeUnit.SECONDS.toNanos(1);

  private static final long CHECK_MILLIS = 100;

  private long awaiting = -1;
  private long sentAt;
  private ScheduledFuture<?> watchdog;

  ClosedLoopSender(int index, Run run, Channel channel, LoopStats stats) {
    super(index, run, channel, stats);
  }

  @Override
  void begin(long startNanos) {
    watchdog =
        channel
            .eventLoop()
            .scheduleAtFixedRate(
                this::checkStalled, CHECK_MILLIS, CHECK_MILLIS, TimeUnit.MILLISECONDS);
    sendNext();
  }

  @Override
  void onEcho(long seq, long readNanos) {
    if (seq == awaiting && running()) {
      sendNext();
    }
  }

  private void checkStalled() {
    if (running() && run().now() - sentAt >= GIVE_UP_NANOS) {
      sendNext();
    }
  }

  private void sendNext() {
    long now = run().now();
    if (now >= window.end()) {
      stop();
      return;
    }
    sentAt = now;
    awaiting = write(now);
    channel.flush();
  }

  @Override
  void stopped() {
    if (watchdog != null) {
      watchdog.cancel(false);
      watchdog = null;
    }
  }
}
