package dev.broadcastchat.room;

import dev.broadcastchat.protocol.ServerEvent;
import io.netty.util.concurrent.EventExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.IntSupplier;

/**
 * Coalesces one room's joins and leaves into at most one notice of each kind per interval, so that
 * a crowd joining costs one broadcast per tick instead of one per joiner (and no room ever pays
 * quadratic work for presence).
 *
 * <p>Thread-safe: {@link #joined} and {@link #left} may be called from any loop.
 */
final class PresenceBatcher {
  private final String room;
  private final EventExecutor timer;
  private final long intervalNanos;
  private final IntSupplier members;
  private final Consumer<ServerEvent.Presence> sink;

  private final Batch joins = new Batch();
  private final Batch leaves = new Batch();
  private boolean scheduled;

  PresenceBatcher(
      String room,
      EventExecutor timer,
      Duration interval,
      IntSupplier members,
      Consumer<ServerEvent.Presence> sink) {
    this.room = room;
    this.timer = timer;
    this.intervalNanos = interval.toNanos();
    this.members = members;
    this.sink = sink;
  }

  void joined(String name) {
    record(joins, name);
  }

  void left(String name) {
    synchronized (this) {
      // Joined and left within one tick: nobody needs to hear of either.
      if (joins.cancel(name)) {
        return;
      }
    }
    record(leaves, name);
  }

  private void record(Batch batch, String name) {
    boolean schedule;
    synchronized (this) {
      batch.add(name);
      schedule = !scheduled;
      scheduled = true;
    }
    if (schedule) {
      try {
        timer.schedule(this::flush, intervalNanos, TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException shuttingDown) {
        synchronized (this) {
          scheduled = false;
        }
      }
    }
  }

  private void flush() {
    ServerEvent.Presence joined;
    ServerEvent.Presence left;
    synchronized (this) {
      scheduled = false;
      int now = members.getAsInt();
      joined = joins.drainInto(room, true, now);
      left = leaves.drainInto(room, false, now);
    }
    if (left != null) {
      sink.accept(left);
    }
    if (joined != null) {
      sink.accept(joined);
    }
  }

  /** Names (at most {@link ServerEvent.Presence#MAX_NICKS}) and a count; guarded by the batcher. */
  private static final class Batch {
    private final List<String> names = new ArrayList<>();
    private int count;

    /** Takes back one join of {@code name} if this batch lists it. */
    boolean cancel(String name) {
      if (names.remove(name)) {
        count--;
        return true;
      }
      return false;
    }

    void add(String name) {
      if (names.size() < ServerEvent.Presence.MAX_NICKS) {
        names.add(name);
      }
      count++;
    }

    ServerEvent.Presence drainInto(String room, boolean joined, int members) {
      if (count == 0) {
        return null;
      }
      ServerEvent.Presence event = new ServerEvent.Presence(room, joined, names, count, members);
      names.clear();
      count = 0;
      return event;
    }
  }
}
