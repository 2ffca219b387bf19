package dev.broadcastchat.server;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;

/**
 * Finds dead peers (a laptop closed, a NAT that forgot the connection): after {@code interval} of
 * read silence a connection is pinged; if nothing at all (a pong, a frame, any byte) arrives within
 * {@code timeout} after that, it is closed with 1001 at once, without waiting for an answer.
 *
 * <p>One per server. Instead of a timer and a handler per connection, one task per event loop
 * sweeps that loop's connections every {@link #tick}: a watched connection costs a few fields and a
 * read costs setting a flag, which matters when a server holds tens of thousands of idle
 * connections. Pings and timeouts are therefore up to one tick late. A loop's sweep only runs while
 * it has connections to watch.
 */
final class KeepAlive {
  /** The longest a ping or a timeout may be late. */
  static final Duration MAX_TICK = Duration.ofSeconds(1);

  /** The shortest sweep period, however short the interval and timeout. */
  static final Duration MIN_TICK = Duration.ofMillis(5);

  private final long intervalNanos;
  private final long timeoutNanos;
  private final long tickNanos;
  private final ServerMetrics metrics;
  private final ConcurrentMap<EventExecutor, Sweep> sweeps = new ConcurrentHashMap<>();

  KeepAlive(Duration interval, Duration timeout, ServerMetrics metrics) {
    if (interval.isZero() || interval.isNegative() || timeout.isZero() || timeout.isNegative()) {
      throw new IllegalArgumentException("interval and timeout must be positive");
    }
    this.intervalNanos = interval.toNanos();
    this.timeoutNanos = timeout.toNanos();
    this.tickNanos = tick(interval, timeout).toNanos();
    this.metrics = metrics;
  }

  /**
   * How often a loop's connections are looked at: a quarter of the shorter of interval and timeout,
   * so that neither is ever more than a quarter late, within {@link #MIN_TICK} and {@link
   * #MAX_TICK}.
   */
  static Duration tick(Duration interval, Duration timeout) {
    Duration quarter = (interval.compareTo(timeout) < 0 ? interval : timeout).dividedBy(4);
    if (quarter.compareTo(MIN_TICK) < 0) {
      return MIN_TICK;
    }
    return quarter.compareTo(MAX_TICK) > 0 ? MAX_TICK : quarter;
  }

  /**
   * Starts watching {@code peer}, whose connection is served by {@code loop}; runs on that loop.
   */
  void watch(Peer peer, EventExecutor loop) {
    assert loop.inEventLoop();
    if (peer.sweep == null) {
      sweeps.computeIfAbsent(loop, Sweep::new).add(peer);
    }
  }

  /** Stops watching {@code peer}, if it is watched; runs on its loop. */
  void unwatch(Peer peer) {
    if (peer.sweep != null) {
      peer.sweep.remove(peer);
    }
  }

  /** Connections watched on {@code loop}. */
  int watched(EventExecutor loop) {
    Sweep sweep = sweeps.get(loop);
    return sweep == null ? 0 : sweep.peers.size();
  }

  /**
   * What the sweep knows of one connection, kept in the connection's own object rather than in one
   * of its own. Confined to the connection's event loop.
   */
  abstract static class Peer {
    private Sweep sweep;
    private int slot = -1;
    private boolean read;
    private boolean pinged;
    private long silentSinceNanos;
    private long pingedAtNanos;

    /** Something arrived from the peer, so it is alive. Cheap enough for every read. */
    final void markRead() {
      read = true;
    }

    /** Sends a ping, unless the connection is closing; returns whether it did. */
    abstract boolean ping();

    /** The peer answered nothing within {@code timeoutMillis} of a ping: end the connection. */
    abstract void noAnswer(long timeoutMillis);
  }

  /** One loop's watched connections and the task that looks at them. Confined to that loop. */
  private final class Sweep implements Runnable {
    private final EventExecutor loop;
    private final List<Peer> peers = new ArrayList<>();
    private final List<Peer> expired = new ArrayList<>();
    private ScheduledFuture<?> task;

    Sweep(EventExecutor loop) {
      this.loop = loop;
    }

    void add(Peer peer) {
      peer.sweep = this;
      peer.slot = peers.size();
      peer.read = false;
      peer.pinged = false;
      peer.silentSinceNanos = System.nanoTime();
      peers.add(peer);
      if (task == null) {
        task = loop.scheduleAtFixedRate(this, tickNanos, tickNanos, TimeUnit.NANOSECONDS);
      }
    }

    /** Swaps the last peer into {@code peer}'s slot: O(1), order does not matter. */
    void remove(Peer peer) {
      Peer last = peers.remove(peers.size() - 1);
      if (last != peer) {
        peers.set(peer.slot, last);
        last.slot = peer.slot;
      }
      peer.sweep = null;
      peer.slot = -1;
      if (peers.isEmpty()) {
        task.cancel(false);
        task = null;
      }
    }

    @Override
    public void run() {
      long now = System.nanoTime();
      // Backwards, and the list re-checked each step: a failed ping may close a connection and so
      // take it out of the list while this loop runs.
      for (int i = peers.size() - 1; i >= 0; i--) {
        if (i >= peers.size()) {
          continue;
        }
        Peer peer = peers.get(i);
        if (peer.read) {
          peer.read = false;
          peer.pinged = false;
          peer.silentSinceNanos = now;
        } else if (peer.pinged) {
          if (now - peer.pingedAtNanos >= timeoutNanos) {
            expired.add(peer);
          }
        } else if (now - peer.silentSinceNanos >= intervalNanos && peer.ping()) {
          peer.pinged = true;
          peer.pingedAtNanos = now;
          metrics.pingSent();
        }
      }
      long timeoutMillis = TimeUnit.NANOSECONDS.toMillis(timeoutNanos);
      for (Peer peer : expired) {
        if (peer.sweep == this) {
          remove(peer);
          metrics.pingTimedOut();
          peer.noAnswer(timeoutMillis);
        }
      }
      expired.clear();
    }
  }
}
