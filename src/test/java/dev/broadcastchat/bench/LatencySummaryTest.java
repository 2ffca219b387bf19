package dev.broadcastchat.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class LatencySummaryTest {
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

  @Test
  void reportsPercentilesOfWhatWasRecorded() {
    Histogram h = LatencySummary.newHistogram();
    for (long ms = 1; ms <= 1000; ms++) {
      LatencySummary.record(h, ms * MS);
    }
    LatencySummary s = LatencySummary.of(h);
    assertThat(s.count()).isEqualTo(1000);
    assertThat((double) s.p50()).isCloseTo(500 * MS, within(0.001 * 500 * MS));
    assertThat((double) s.p99()).isCloseTo(990 * MS, within(0.001 * 990 * MS));
    assertThat((double) s.p999()).isCloseTo(999 * MS, within(0.001 * 999 * MS));
    assertThat((double) s.max()).isCloseTo(1000 * MS, within(0.001 * 1000 * MS));
    assertThat(s.mean()).isCloseTo(500.5 * MS, within(0.001 * 500 * MS));
    assertThat(s.p50()).isLessThanOrEqualTo(s.p99());
    assertThat(s.p99()).isLessThanOrEqualTo(s.p999());
    assertThat(s.p999()).isLessThanOrEqualTo(s.max());
  }

  @Test
  void aFewSlowDeliveriesShowInTheTailOnly() {
    Histogram h = LatencySummary.newHistogram();
    for (int i = 0; i < 9_990; i++) {
      LatencySummary.record(h, MS);
    }
    for (int i = 0; i < 10; i++) {
      LatencySummary.record(h, 100 * MS);
    }
    LatencySummary s = LatencySummary.of(h);
    assertThat((double) s.p50()).isCloseTo(MS, within(0.001 * MS));
    assertThat((double) s.p99()).isCloseTo(MS, within(0.001 * MS));
    assertThat((double) s.max()).isCloseTo(100 * MS, within(0.001 * 100 * MS));
  }

  @Test
  void clampsWhatTheHistogramCannotHold() {
    Histogram h = LatencySummary.newHistogram();
    LatencySummary.record(h, -5);
    LatencySummary.record(h, TimeUnit.HOURS.toNanos(1));
    LatencySummary s = LatencySummary.of(h);
    assertThat(s.count()).isEqualTo(2);
    assertThat((double) s.max())
        .isCloseTo(LatencySummary.HIGHEST_NANOS, within(0.001 * LatencySummary.HIGHEST_NANOS));
  }

  @Test
  void anEmptyHistogramIsAllZero() {
    assertThat(LatencySummary.of(LatencySummary.newHistogram()))
        .isEqualTo(new LatencySummary(0, 0, 0, 0, 0, 0));
  }
}
