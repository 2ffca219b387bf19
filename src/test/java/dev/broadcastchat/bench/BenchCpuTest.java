package dev.broadcastchat.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class BenchCpuTest {
  private static final long MS = 1_000_000;

  @Test
  void nearItsLimitAtNineTenthsOfItsCores() {
    assertThat(new BenchCpu(new ProcessCpu(1_800 * MS, 0, 0, 0), 1_000 * MS, 2).nearLimit())
        .isTrue();
    assertThat(new BenchCpu(new ProcessCpu(1_700 * MS, 0, 0, 0), 1_000 * MS, 2).nearLimit())
        .isFalse();
    assertThat(new BenchCpu(new ProcessCpu(950 * MS, 0, 0, 0), 1_000 * MS, 1).coresUsed())
        .isEqualTo(0.95);
  }

  @Test
  void refusesANonPositiveTimeOrCoreCount() {
    ProcessCpu none = new ProcessCpu(0, 0, 0, 0);
    assertThatThrownBy(() -> new BenchCpu(none, 0, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new BenchCpu(none, MS, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void measuresTheCpuThisProcessSpends() {
    assumeTrue(Files.isReadable(Path.of("/proc/self/stat")), "no /proc here");
    BenchCpu.Meter meter = BenchCpu.start();
    assertThat(meter).as("this process's CPU can be read from /proc").isNotNull();
    // Spin until /proc shows at least 200 ms of this process's CPU (it counts in 10 ms ticks, so
    // the share is then right within a tenth), at most 20 s.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    BenchCpu used;
    long sink = 0;
    do {
      for (int i = 0; i < 1_000_000; i++) {
        sink += i ^ sink;
      }
      used = meter.stop();
    } while ((used == null || used.cpu().totalNanos() < 200 * MS) && System.nanoTime() < deadline);
    assertThat(sink).isNotEqualTo(42);
    assertThat(used).isNotNull();
    assertThat(used.cpu().totalNanos()).isGreaterThanOrEqualTo(200 * MS);
    assertThat(used.coresUsed()).isBetween(0.1, used.cores() + 0.2);
  }

  @Test
  void reportsNothingOverLessThanATenthOfASecond() {
    assumeTrue(Files.isReadable(Path.of("/proc/self/stat")), "no /proc here");
    BenchCpu.Meter meter = BenchCpu.start();
    assertThat(meter).isNotNull();
    assertThat(meter.stop()).isNull();
  }
}
