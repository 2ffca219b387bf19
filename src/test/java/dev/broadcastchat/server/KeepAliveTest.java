package dev.broadcastchat.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The keepalive sweep on a real event loop, with peers that count what is done to them. */
class KeepAliveTest {
  private static final Duration INTERVAL = Duration.ofMillis(40);
  private static final Duration TIMEOUT = Duration.ofMillis(60);
  private static final Duration WAIT = Duration.ofSeconds(10);

  private EventLoop loop;
  private ServerMetrics metrics;
  private KeepAlive keepAlive;

  @BeforeEach
  void start() {
    loop = new DefaultEventLoop();
    metrics = new ServerMetrics(PooledByteBufAllocator.DEFAULT);
    keepAlive = new KeepAlive(INTERVAL, TIMEOUT, metrics);
  }

  @AfterEach
  void stop() throws Exception {
    loop.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS).sync();
    metrics.close();
  }

  /** A peer that answers pings only when told to, and remembers being given up on. */
  private static final class Peer extends KeepAlive.Peer {
    final AtomicInteger pings = new AtomicInteger();
    final AtomicInteger givenUp = new AtomicInteger();
    volatile boolean closing;
    volatile boolean answers;

    @Override
    boolean ping() {
      if (closing) {
        return false;
      }
      pings.incrementAndGet();
      if (answers) {
        // The pong, read before the next sweep.
        markRead();
      }
      return true;
    }

    @Override
    void noAnswer(long timeoutMillis) {
      assertThat(timeoutMillis).isEqualTo(TIMEOUT.toMillis());
      givenUp.incrementAndGet();
    }
  }

  private <T> T onLoop(Callable<T> task) throws Exception {
    return loop.submit(task).get();
  }

  private void watch(Peer peer) throws Exception {
    onLoop(
        () -> {
          keepAlive.watch(peer, loop);
          return null;
        });
  }

  @Test
  void aSilentPeerIsPingedThenGivenUpOnAndNoLongerWatched() throws Exception {
    Peer peer = new Peer();
    watch(peer);
    assertThat(onLoop(() -> keepAlive.watched(loop))).isEqualTo(1);

    await().atMost(WAIT).until(() -> peer.givenUp.get() == 1);
    assertThat(peer.pings).hasValue(1);
    assertThat(onLoop(() -> keepAlive.watched(loop))).isZero();
    assertThat(metrics.scrape())
        .contains("chat_keepalive_pings_total 1.0")
        .contains("chat_keepalive_timeouts_total 1.0");
  }

  @Test
  void aReadAfterAPingCountsAsTheAnswer() throws Exception {
    Peer peer = new Peer();
    peer.answers = true;
    watch(peer);

    // Each answered ping is followed, after the next silence, by another instead of the end.
    await().atMost(WAIT).until(() -> peer.pings.get() >= 3);
    assertThat(peer.givenUp).hasValue(0);
    assertThat(onLoop(() -> keepAlive.watched(loop))).isEqualTo(1);
  }

  @Test
  void aClosingPeerIsNeitherPingedNorGivenUpOn() throws Exception {
    Peer closing = new Peer();
    closing.closing = true;
    Peer silent = new Peer();
    watch(closing);
    watch(silent);

    // Once the silent peer has been given up on, the closing one has been swept many times over.
    await().atMost(WAIT).until(() -> silent.givenUp.get() == 1);
    assertThat(closing.pings).hasValue(0);
    assertThat(closing.givenUp).hasValue(0);
    assertThat(onLoop(() -> keepAlive.watched(loop))).isEqualTo(1);
  }

  @Test
  void unwatchedPeersLeaveTheSweepInAnyOrder() throws Exception {
    Peer[] peers = {new Peer(), new Peer(), new Peer(), new Peer()};
    for (Peer peer : peers) {
      watch(peer);
    }
    onLoop(
        () -> {
          keepAlive.unwatch(peers[1]);
          keepAlive.unwatch(peers[1]);
          keepAlive.unwatch(peers[3]);
          return null;
        });
    assertThat(onLoop(() -> keepAlive.watched(loop))).isEqualTo(2);

    await().atMost(WAIT).until(() -> peers[0].givenUp.get() == 1 && peers[2].givenUp.get() == 1);
    assertThat(peers[1].pings).hasValue(0);
    assertThat(peers[3].pings).hasValue(0);
    assertThat(onLoop(() -> keepAlive.watched(loop))).isZero();

    // The sweep stopped with its last peer; a new one starts it again.
    Peer late = new Peer();
    watch(late);
    await().atMost(WAIT).until(() -> late.givenUp.get() == 1);
  }

  @Test
  void theTickIsAQuarterOfTheShorterPeriodWithinItsBounds() {
    assertThat(KeepAlive.tick(Duration.ofSeconds(30), Duration.ofSeconds(30)))
        .isEqualTo(KeepAlive.MAX_TICK);
    assertThat(KeepAlive.tick(Duration.ofMillis(200), Duration.ofMillis(300)))
        .isEqualTo(Duration.ofMillis(50));
    assertThat(KeepAlive.tick(Duration.ofSeconds(2), Duration.ofMillis(800)))
        .isEqualTo(Duration.ofMillis(200));
    assertThat(KeepAlive.tick(Duration.ofMillis(8), Duration.ofMillis(8)))
        .isEqualTo(KeepAlive.MIN_TICK);
  }
}
