package dev.broadcastchat.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.channel.embedded.EmbeddedChannel;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The loss and duplicate accounting of a run: what counts, and how it adds up. */
class LoopStatsTest {
  private final EmbeddedChannel channel = new EmbeddedChannel();
  private final Window window = new Window(1_000, 2_000);

  @AfterEach
  void finish() {
    assertFalse(channel.finish());
  }

  private LoopStats stats() {
    LoopStats stats = new LoopStats(channel.eventLoop());
    stats.begin(window);
    return stats;
  }

  @Test
  void countsOnlyMessagesSentInTheWindow() {
    LoopStats stats = stats();
    stats.sent(999);
    stats.sent(1_000);
    stats.sent(1_999);
    stats.sent(2_000);
    stats.received(999, 1_500, 0);
    stats.received(1_000, 1_500, 0);
    stats.received(1_999, 2_500, 0);
    stats.received(2_000, 2_500, 0);
    Tally t = stats.totals();
    assertThat(t.windowSent()).isEqualTo(2);
    assertThat(t.windowDeliveries()).isEqualTo(2);
    assertThat(t.deliveries()).as("whenever sent").isEqualTo(4);
    assertThat(t.latency().getTotalCount()).as("latencies of window messages only").isEqualTo(2);
    assertThat(t.lost(1)).isZero();
  }

  @Test
  void nothingCountsBeforeTheWindowBegins() {
    LoopStats stats = new LoopStats(channel.eventLoop());
    stats.sent(1_500);
    stats.received(1_500, 1_600, 0);
    Tally t = stats.totals();
    assertThat(t.windowSent()).isZero();
    assertThat(t.windowDeliveries()).isZero();
    assertThat(t.deliveries()).isEqualTo(1);
  }

  @Test
  void whatDidNotArriveIsLostAtEveryReceiver() {
    LoopStats a = stats();
    LoopStats b = stats();
    for (int i = 0; i < 10; i++) {
      a.sent(1_100 + i);
    }
    for (int i = 0; i < 10; i++) {
      a.received(1_100 + i, 1_900, 0);
      if (i != 3) {
        b.received(1_100 + i, 1_900, i == 4 ? 1 : 0);
      }
    }
    Tally sum = Tally.sum(List.of(a.totals(), b.totals()));
    assertThat(sum.windowSent()).isEqualTo(10);
    assertThat(sum.windowDeliveries()).isEqualTo(19);
    assertThat(sum.lost(2)).as("10 messages due at 2 receivers, 19 arrived").isEqualTo(1);
    assertThat(sum.skipped()).isEqualTo(1);
    assertThat(sum.complete(2)).isFalse();
    assertThat(sum.complete(1)).isTrue();
  }

  @Test
  void duplicatesAreCountedApartAndNotAsDeliveries() {
    LoopStats stats = stats();
    stats.sent(1_500);
    stats.received(1_500, 1_600, 0);
    stats.duplicate(1_500);
    stats.duplicate(500);
    Tally t = stats.totals();
    assertThat(t.windowDeliveries()).isEqualTo(1);
    assertThat(t.windowDuplicates()).isEqualTo(1);
    assertThat(t.duplicates()).isEqualTo(2);
    assertThat(t.lost(1)).isZero();
  }

  @Test
  void aRunningSenderKeepsTheRunIncomplete() {
    LoopStats stats = stats();
    stats.senderStarted();
    assertThat(stats.totals().complete(1)).isFalse();
    stats.senderStopped();
    assertThat(stats.totals().complete(1)).isTrue();
  }

  @Test
  void progressHandsOverTheLatenciesSinceTheLastCall() {
    LoopStats stats = stats();
    stats.received(1_500, 2_500, 0);
    assertThat(stats.progress().latency().getTotalCount()).isEqualTo(1);
    assertThat(stats.progress().latency().getTotalCount()).isZero();
    assertThat(stats.totals().latency().getTotalCount()).isEqualTo(1);
  }

  @Test
  void keepsTheFirstServerErrorAndDrop() {
    LoopStats a = stats();
    LoopStats b = stats();
    b.serverError("! slow down");
    b.serverError("! again");
    b.dropped("closed by the server with 1013");
    a.dropped("connection reset");
    Tally sum = Tally.sum(List.of(a.totals(), b.totals()));
    assertThat(sum.serverErrors()).isEqualTo(2);
    assertThat(sum.firstServerError()).isEqualTo("! slow down");
    assertThat(sum.dropped()).isEqualTo(2);
    assertThat(sum.firstDrop()).isEqualTo("connection reset");
  }
}
