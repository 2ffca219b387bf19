package dev.broadcastchat.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ServerCpuTest {
  private static final long MS = 1_000_000;

  @Test
  void givesCoresUsedAndCpuPerDelivery() {
    ServerCpu cpu = new ServerCpu(new ProcessCpu(4_680 * MS, 0, 0, 0), 5_000 * MS, 1_000_000);
    assertThat(cpu.coresUsed()).isEqualTo(0.936);
    assertThat(cpu.delivered()).isTrue();
    assertThat(cpu.microsPerDelivery()).isEqualTo(4.68);
  }

  @Test
  void hasNoCostPerDeliveryWhenNothingArrived() {
    ServerCpu cpu = new ServerCpu(new ProcessCpu(100 * MS, 0, 0, 0), 1_000 * MS, 0);
    assertThat(cpu.delivered()).isFalse();
    assertThat(cpu.microsPerDelivery()).isZero();
  }

  @Test
  void refusesANonPositiveTimeOrNegativeDeliveries() {
    ProcessCpu none = new ProcessCpu(0, 0, 0, 0);
    assertThatThrownBy(() -> new ServerCpu(none, 0, 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ServerCpu(none, MS, -1))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
