package dev.broadcastchat.bench;

import dev.broadcastchat.server.Transport;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * The bench's event loops, one per thread, and the figures kept on each. Created and closed by one
 * run; {@link #collect} may be called from any thread but a loop's own.
 */
final class BenchLoops implements AutoCloseable {
  /** How long a loop may take to answer {@link #collect}. */
  private static final long COLLECT_TIMEOUT_SECONDS = 10;

  private final ClientTransport transport;
  private final EventLoopGroup group;
  private final Map<EventExecutor, LoopStats> stats = new IdentityHashMap<>();

  BenchLoops(int threads, Transport transport) {
    this.transport = ClientTransport.of(transport);
    this.group = this.transport.newGroup(threads);
    for (EventExecutor executor : group) {
      stats.put(executor, new LoopStats((EventLoop) executor));
    }
  }

  ClientTransport transport() {
    return transport;
  }

  EventLoopGroup group() {
    return group;
  }

  /** The figures of {@code loop}, one of this group's. */
  LoopStats statsOf(EventLoop loop) {
    LoopStats s = stats.get(loop);
    if (s == null) {
      throw new IllegalArgumentException("loop: " + loop + " (expected: one of the bench's)");
    }
    return s;
  }

  /** Runs {@code task} on every loop with that loop's figures, and returns what each gave. */
  <T> List<T> collect(Function<LoopStats, T> task) throws InterruptedException {
    List<io.netty.util.concurrent.Future<T>> futures = new ArrayList<>();
    for (LoopStats s : stats.values()) {
      futures.add(s.loop().submit(() -> task.apply(s)));
    }
    List<T> results = new ArrayList<>(futures.size());
    for (io.netty.util.concurrent.Future<T> future : futures) {
      try {
        results.add(future.get(COLLECT_TIMEOUT_SECONDS, TimeUnit.SECONDS));
      } catch (ExecutionException e) {
        throw new IllegalStateException("a bench loop failed: " + e.getCause(), e.getCause());
      } catch (TimeoutException e) {
        throw new IllegalStateException(
            "a bench loop did not answer within " + COLLECT_TIMEOUT_SECONDS + " s", e);
      }
    }
    return results;
  }

  /** The sum of every loop's {@code snapshot}. */
  Tally sum(Function<LoopStats, Tally> snapshot) throws InterruptedException {
    return Tally.sum(collect(snapshot));
  }

  @Override
  public void close() {
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
