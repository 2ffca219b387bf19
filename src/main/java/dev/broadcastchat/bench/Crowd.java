package dev.broadcastchat.bench;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The open connections of a run: opened together (with a progress line each second while that takes
 * long), closed together with 1000.
 *
 * <p>Used from the run's thread.
 */
final class Crowd implements AutoCloseable {
  /** How long opening may take in all; what is not open by then has failed. */
  static final long OPEN_TIMEOUT_MILLIS = 60_000;

  /** How long closing waits for the connections to go before the loops shut down anyway. */
  static final long CLOSE_TIMEOUT_MILLIS = 5_000;

  /**
   * Connections being closed at once, at most. An event loop runs its queued tasks before it looks
   * at I/O again, so closing every connection at once put thousands of closes into one turn; on
   * io_uring their completions overflowed the loop's completion queue.
   */
  static final int CLOSING_AT_ONCE = 512;

  private final List<BenchClient> clients;
  private final int failed;
  private final String firstFailure;
  private final long openNanos;

  private Crowd(List<BenchClient> clients, int failed, String firstFailure, long openNanos) {
    this.clients = clients;
    this.failed = failed;
    this.firstFailure = firstFailure;
    this.openNanos = openNanos;
  }

  /**
   * Opens the connections of {@code connector}, telling {@code progress} how far it got each
   * second.
   *
   * @throws CannotConnectException if not one could be opened
   */
  static Crowd open(
      Connector connector, URI url, String label, int total, Consumer<String> progress)
      throws InterruptedException {
    long start = System.nanoTime();
    connector.start();
    long deadline = start + TimeUnit.MILLISECONDS.toNanos(OPEN_TIMEOUT_MILLIS);
    while (!connector.await(1000)) {
      if (System.nanoTime() - deadline >= 0) {
        break;
      }
      progress.accept(
          String.format(
              Locale.ROOT,
              "%s connecting %ds: %,d of %,d open, %,d failed",
              label,
              TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start),
              connector.openedCount(),
              total,
              connector.failedCount()));
    }
    long openNanos = System.nanoTime() - start;
    List<BenchClient> clients = connector.finish();
    Crowd crowd =
        new Crowd(clients, connector.failedAtFinish(), connector.firstFailure(), openNanos);
    if (clients.isEmpty()) {
      throw new CannotConnectException(url, String.valueOf(connector.firstFailure()));
    }
    return crowd;
  }

  /** The open connections, in the order they opened. */
  List<BenchClient> clients() {
    return clients;
  }

  int size() {
    return clients.size();
  }

  /** Connections asked for that did not open. */
  int failed() {
    return failed;
  }

  /** Why the first one that failed did, or null. */
  String firstFailure() {
    return firstFailure;
  }

  /** How long opening took, from the first connect to the last handshake done or failed. */
  long openNanos() {
    return openNanos;
  }

  /**
   * Closes every connection with 1000, {@link #CLOSING_AT_ONCE} at a time, and waits (a bounded
   * time) until they are closed. Past that time the rest are all asked to close at once, and not
   * waited for.
   */
  @Override
  public void close() {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_TIMEOUT_MILLIS);
    Semaphore closing = new Semaphore(CLOSING_AT_ONCE);
    CountDownLatch closed = new CountDownLatch(clients.size());
    boolean waiting = true;
    try {
      for (BenchClient client : clients) {
        waiting = waiting && closing.tryAcquire(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
        client
            .channel()
            .eventLoop()
            .execute(
                () ->
                    client
                        .close()
                        .addListener(
                            f -> {
                              closing.release();
                              closed.countDown();
                            }));
      }
      if (waiting) {
        closed.await(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
