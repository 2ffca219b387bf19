package dev.broadcastchat.room;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.broadcastchat.protocol.ServerEvent;
import io.netty.channel.DefaultEventLoop;
import io.netty.util.concurrent.EventExecutor;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class PresenceBatcherTest {
  private static final Duration INTERVAL = Duration.ofMillis(20);

  private final EventExecutor timer = new DefaultEventLoop();
  private final List<ServerEvent.Presence> events = new CopyOnWriteArrayList<>();

  /** When each event reached the sink (System.nanoTime()). */
  private final List<Long> arrivals = new CopyOnWriteArrayList<>();

  private final AtomicInteger members = new AtomicInteger();
  private final PresenceBatcher batcher =
      new PresenceBatcher(
          "lobby",
          timer,
          INTERVAL,
          members::get,
          event -> {
            arrivals.add(System.nanoTime());
            events.add(event);
          });

  @AfterEach
  void shutDownTimer() throws InterruptedException {
    timer.shutdownGracefully(0, 0, TimeUnit.SECONDS);
    assertThat(timer.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
  }

  /**
   * Holds the timer's thread until the returned latch is released, so that everything recorded
   * meanwhile lands in one interval however slow the machine is.
   */
  private CountDownLatch holdTimer() throws InterruptedException {
    return ExecutorHold.hold(timer);
  }

  /** Waits until the timer has run everything due within a few intervals from now. */
  private void awaitQuietTimer() throws Exception {
    timer
        .schedule(() -> {}, INTERVAL.toMillis() * 3, TimeUnit.MILLISECONDS)
        .get(5, TimeUnit.SECONDS);
  }

  @Test
  void coalescesAThousandJoinsInOneIntervalIntoOneEvent() throws Exception {
    members.set(1_234);
    CountDownLatch release = holdTimer();
    for (int i = 0; i < 1_000; i++) {
      batcher.joined("user" + i);
    }
    release.countDown();

    await().atMost(Duration.ofSeconds(5)).until(() -> !events.isEmpty());
    awaitQuietTimer();

    assertThat(events).hasSize(1);
    ServerEvent.Presence event = events.get(0);
    assertThat(event.room()).isEqualTo("lobby");
    assertThat(event.joined()).isTrue();
    assertThat(event.count()).isEqualTo(1_000);
    assertThat(event.nicks()).hasSize(ServerEvent.Presence.MAX_NICKS);
    assertThat(event.nicks()).startsWith("user0", "user1", "user2");
    assertThat(event.members()).isEqualTo(1_234);
  }

  @Test
  void reportsTheRoomSizeAtTheTimeOfTheNotice() throws Exception {
    CountDownLatch release = holdTimer();
    batcher.joined("alice");
    members.set(7);
    release.countDown();

    await().atMost(Duration.ofSeconds(5)).until(() -> !events.isEmpty());
    assertThat(events.get(0).members()).isEqualTo(7);
  }

  @Test
  void givesOneJoinAndOneLeaveForJoinsAndLeavesInOneInterval() throws Exception {
    members.set(3);
    CountDownLatch release = holdTimer();
    batcher.joined("alice");
    batcher.left("bob");
    batcher.joined("carol");
    batcher.left("dave");
    batcher.left("erin");
    release.countDown();

    await().atMost(Duration.ofSeconds(5)).until(() -> events.size() >= 2);
    awaitQuietTimer();

    assertThat(events).hasSize(2);
    ServerEvent.Presence joins = events.stream().filter(e -> e.joined()).findFirst().orElseThrow();
    ServerEvent.Presence leaves =
        events.stream().filter(e -> !e.joined()).findFirst().orElseThrow();
    assertThat(joins.nicks()).containsExactly("alice", "carol");
    assertThat(joins.count()).isEqualTo(2);
    assertThat(joins.members()).isEqualTo(3);
    assertThat(leaves.nicks()).containsExactly("bob", "dave", "erin");
    assertThat(leaves.count()).isEqualTo(3);
    assertThat(leaves.members()).isEqualTo(3);
  }

  @Test
  void givesNothingWhenNothingWasRecorded() throws Exception {
    awaitQuietTimer();
    assertThat(events).isEmpty();
  }

  @Test
  void startsAFreshBatchAfterEachNotice() throws Exception {
    batcher.joined("alice");
    await().atMost(Duration.ofSeconds(5)).until(() -> events.size() == 1);

    batcher.left("alice");
    await().atMost(Duration.ofSeconds(5)).until(() -> events.size() == 2);
    awaitQuietTimer();

    assertThat(events).hasSize(2);
    assertThat(events.get(0).joined()).isTrue();
    assertThat(events.get(0).nicks()).containsExactly("alice");
    assertThat(events.get(0).count()).isEqualTo(1);
    assertThat(events.get(1).joined()).isFalse();
    assertThat(events.get(1).nicks()).containsExactly("alice");
    assertThat(events.get(1).count()).isEqualTo(1);
  }

  @Test
  void aJoinRenamedBeforeItsNoticeIsAnnouncedUnderTheNewName() throws Exception {
    CountDownLatch release = holdTimer();
    batcher.joined("127.0.0.1:42544");
    batcher.joined("bob");
    batcher.renamed("127.0.0.1:42544", "alice");
    release.countDown();

    await().atMost(Duration.ofSeconds(5)).until(() -> !events.isEmpty());
    awaitQuietTimer();

    assertThat(events).hasSize(1);
    assertThat(events.get(0).nicks()).containsExactly("alice", "bob");
    assertThat(events.get(0).count()).isEqualTo(2);
  }

  @Test
  void aRenamedJoinerWhoLeavesInTheSameIntervalIsNeverAnnounced() throws Exception {
    CountDownLatch release = holdTimer();
    batcher.joined("127.0.0.1:42544");
    batcher.renamed("127.0.0.1:42544", "alice");
    batcher.left("alice");
    release.countDown();

    awaitQuietTimer();
    awaitQuietTimer();
    assertThat(events).isEmpty();
  }

  @Test
  void aRenameAfterTheJoinWasAnnouncedChangesNoNotice() throws Exception {
    batcher.joined("127.0.0.1:42544");
    await().atMost(Duration.ofSeconds(5)).until(() -> events.size() == 1);

    batcher.renamed("127.0.0.1:42544", "alice");
    batcher.left("alice");
    await().atMost(Duration.ofSeconds(5)).until(() -> events.size() == 2);

    assertThat(events.get(0).nicks()).containsExactly("127.0.0.1:42544");
    assertThat(events.get(1).joined()).isFalse();
    assertThat(events.get(1).nicks()).containsExactly("alice");
  }

  @Test
  void countsJoinsRecordedFromManyThreads() throws Exception {
    CountDownLatch release = holdTimer();
    Thread[] threads = new Thread[4];
    for (int t = 0; t < threads.length; t++) {
      String prefix = "t" + t + "-";
      threads[t] =
          new Thread(
              () -> {
                for (int i = 0; i < 500; i++) {
                  batcher.joined(prefix + i);
                }
              });
      threads[t].start();
    }
    for (Thread thread : threads) {
      thread.join();
    }
    release.countDown();

    await().atMost(Duration.ofSeconds(5)).until(() -> !events.isEmpty());
    awaitQuietTimer();

    assertThat(events).hasSize(1);
    assertThat(events.get(0).count()).isEqualTo(2_000);
    assertThat(events.get(0).nicks()).hasSize(ServerEvent.Presence.MAX_NICKS);
  }

  @Test
  void aBigRoomWaitsLongerBetweenNoticesUpToAFewSeconds() {
    long base = TimeUnit.MILLISECONDS.toNanos(250);
    assertThat(PresenceBatcher.intervalFor(base, 0)).isEqualTo(base);
    assertThat(PresenceBatcher.intervalFor(base, 1000)).isEqualTo(base);
    assertThat(PresenceBatcher.intervalFor(base, 1001)).isEqualTo(2 * base);
    assertThat(PresenceBatcher.intervalFor(base, 8000)).isEqualTo(8 * base);
    assertThat(PresenceBatcher.intervalFor(base, 19_500))
        .isEqualTo(PresenceBatcher.MAX_INTERVAL_NANOS);
    long slow = TimeUnit.SECONDS.toNanos(10);
    assertThat(PresenceBatcher.intervalFor(slow, 50_000))
        .as("a configured interval longer than the cap is kept")
        .isEqualTo(slow);
  }

  @Test
  void waitsAccordingToTheRoomSizeWhenTheBatchStarts() throws Exception {
    members.set(5 * PresenceBatcher.MEMBERS_PER_INTERVAL);
    long start = System.nanoTime();
    batcher.joined("alice");
    await().atMost(Duration.ofSeconds(5)).until(() -> events.size() == 1);
    assertThat(arrivals.get(0) - start)
        .as("five base intervals for a room of 5,000")
        .isGreaterThanOrEqualTo(5 * INTERVAL.toNanos());
  }

  @Test
  void waitsAccordingToTheRoomSizeWhenTheNoticeIsDueIfTheRoomGrewMeanwhile() throws Exception {
    CountDownLatch release = holdTimer();
    long start = System.nanoTime();
    batcher.joined("alice"); // into an empty room: one base interval
    // A crowd arrives before the notice is due (the timer is held, so it cannot be sent yet).
    members.set(5 * PresenceBatcher.MEMBERS_PER_INTERVAL);
    release.countDown();
    await().atMost(Duration.ofSeconds(5)).until(() -> events.size() == 1);
    assertThat(arrivals.get(0) - start)
        .as("five base intervals for the room of 5,000 it has become")
        .isGreaterThanOrEqualTo(5 * INTERVAL.toNanos());
    assertThat(events.get(0).count()).isEqualTo(1);
    assertThat(events.get(0).members()).isEqualTo(5 * PresenceBatcher.MEMBERS_PER_INTERVAL);
  }
}
