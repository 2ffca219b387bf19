package dev.broadcastchat.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class BenchCpuTest {
  private static final long MS = 1_000_000;

  @Test
  void nearItsLimitAtNineTenthsOfItsCores() {
    assertThat(new BenchCpu(new ProcessCpu(1_800 * MS, 0, 0), 1_000 * MS, 2).nearLimit()).isTrue();
    assertThat(new BenchCpu(new ProcessCpu(1_700 * MS, 0, 0), 1_000 * MS, 2).nearLimit()).isFalse();
    assertThat(new BenchCpu(new ProcessCpu(950 * MS, 0, 0), 1_000 * MS, 1).coresUsed())
        .isEqualTo(0.95);
  }

  @Test
  void refusesANonPositiveTimeOrCoreCount() {
    ProcessCpu none = new ProcessCpu(0, 0, 0);
    assertThatThrownBy(() -> new BenchCpu(none, 0, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new BenchCpu(none, MS, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void measuresTheCpuThisProcessSpends() {
    BenchCpu.Meter meter = BenchCpu.start();
    assertThat(meter).as("this process's CPU can be read from /proc").isNotNull();
    // Spin until /proc shows this process busy (it counts in 10 ms ticks), at most 10 s.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    BenchCpu used;
    long sink = 0;
    do {
      for (int i = 0; i < 1_000_000; i++) {
        sink += i ^ sink;
      }
      used = meter.stop();
    } while (used.cpu().totalNanos() == 0 && System.nanoTime() < deadline);
    assertThat(sink).isNotEqualTo(42);
    assertThat(used.cpu().totalNanos()).isPositive();
    assertThat(used.measuredNanos()).isPositive();
    assertThat(used.cores()).isEqualTo(Runtime.getRuntime().availableProcessors());
    assertThat(used.coresUsed()).isBetween(0.0, used.cores() + 0.5);
  }
}
