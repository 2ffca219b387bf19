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
 * <p>A notice is written to every member, so a big room waits longer between notices: the interval
 * grows by one base interval per {@link #MEMBERS_PER_INTERVAL} members, up to {@link
 * #MAX_INTERVAL_NANOS}. The interval is the one for the room's size when the notice is due, not
 * when its batch began: a room that grows fast while a notice waits (a crowd reconnecting at once)
 * waits longer still, rather than writing a notice sized for a few thousand members to many
 * thousands. A room of up to 20,000 members then costs at most a few thousand presence writes per
 * second however fast it grows (a bigger one a notice every 5 s), and 20,000 clients joining one
 * room cost about what 20 do.
 *
 * <p>Thread-safe: {@link #joined}, {@link #left} and {@link #renamed} may be called from any loop.
 * The sink is called under the batcher's lock, one notice at a time.
 */
final class PresenceBatcher {
  /** Members for which a notice waits one more base interval. */
  static final int MEMBERS_PER_INTERVAL = 1000;

  /** Longest wait between two notices, however big the room. */
  static final long MAX_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(5);

  private final String room;
  private final EventExecutor timer;
  private final long intervalNanos;
  private final IntSupplier members;
  private final Consumer<ServerEvent.Presence> sink;

  private final Batch joins = new Batch();
  private final Batch leaves = new Batch();
  private boolean scheduled;

  /** When the pending batch began (its first join or leave); valid while {@link #scheduled}. */
  private long batchStart;

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

  /**
   * A member now shown as {@code after} was shown as {@code before}. If its join has not been
   * announced yet, the join will name it {@code after}: the nick change that the member's session
   * announces meanwhile then reaches the others before they have heard of {@code before} at all,
   * and a join naming {@code before} after it would leave them a member who is not there.
   */
  void renamed(String before, String after) {
    synchronized (this) {
      joins.rename(before, after);
    }
  }

  private void record(Batch batch, String name) {
    boolean schedule;
    synchronized (this) {
      batch.add(name);
      schedule = !scheduled;
      if (schedule) {
        scheduled = true;
        batchStart = System.nanoTime();
      }
    }
    if (schedule) {
      flushIn(intervalFor(intervalNanos, members.getAsInt()));
    }
  }

  private void flushIn(long delayNanos) {
    // Only a schedule from outside the timer's loop can be refused; one from flush() on a loop that
    // is shutting down is cancelled with it, and its notice dropped, like any notice still pending
    // when the server stops.
    try {
      timer.schedule(this::flush, delayNanos, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException shuttingDown) {
      synchronized (this) {
        scheduled = false;
      }
    }
  }

  /** The wait before the next notice of a room of {@code members}, for a base interval. */
  static long intervalFor(long baseNanos, int members) {
    long steps = Math.max(1, (members + MEMBERS_PER_INTERVAL - 1) / MEMBERS_PER_INTERVAL);
    return Math.max(baseNanos, Math.min(MAX_INTERVAL_NANOS, baseNanos * steps));
  }

  private void flush() {
    long wait;
    synchronized (this) {
      int now = members.getAsInt();
      // The wait the room's size asks for now: longer than was scheduled if it grew meanwhile.
      wait = batchStart + intervalFor(intervalNanos, now) - System.nanoTime();
      if (wait <= 0) {
        scheduled = false;
        ServerEvent.Presence joined = joins.drainInto(room, true, now);
        ServerEvent.Presence left = leaves.drainInto(room, false, now);
        // Handed on under the lock, so that a rename that finds its join gone from the batch is
        // announced after that join, never before it.
        if (left != null) {
          sink.accept(left);
        }
        if (joined != null) {
          sink.accept(joined);
        }
      }
    }
    if (wait > 0) {
      flushIn(wait);
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

    /** Lists {@code before} as {@code after} if this batch lists it. */
    void rename(String before, String after) {
      int i = names.indexOf(before);
      if (i >= 0) {
        names.set(i, after);
      }
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
