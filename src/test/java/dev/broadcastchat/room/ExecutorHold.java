package dev.broadcastchat.room;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/** Holds an executor's thread in a task of its own, so that what it is given meanwhile waits. */
final class ExecutorHold {
  /** Longest a hold lasts if a test never releases it, so that the executor can still stop. */
  private static final long MAX_HOLD_SECONDS = 30;

  private ExecutorHold() {}

  /**
   * Returns once {@code executor}'s thread is held; it stays held until the returned latch is
   * counted down.
   */
  static CountDownLatch hold(Executor executor) throws InterruptedException {
    CountDownLatch held = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    executor.execute(
        () -> {
          held.countDown();
          try {
            release.await(MAX_HOLD_SECONDS, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    if (!held.await(5, TimeUnit.SECONDS)) {
      throw new IllegalStateException("the executor did not pick up the hold within 5 s");
    }
    return release;
  }
}
