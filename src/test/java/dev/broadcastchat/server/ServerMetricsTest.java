package dev.broadcastchat.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;

class ServerMetricsTest {
  @Test
  void exportsEveryRefusalReasonAsItsOwnSeries() {
    Refusals refusals = new Refusals();
    ServerMetrics metrics = new ServerMetrics(PooledByteBufAllocator.DEFAULT);
    try {
      metrics.refusals(refusals);
      refusals.count(Refusals.Reason.ORIGIN);
      refusals.count(Refusals.Reason.ORIGIN);
      refusals.count(Refusals.Reason.MAX_CONNECTIONS_PER_IP);

      String scrape = metrics.scrape();
      assertThat(scrape)
          .contains("chat_refusals_total{reason=\"origin\"} 2.0")
          .contains("chat_refusals_total{reason=\"max_connections_per_ip\"} 1.0")
          .contains("chat_refusals_total{reason=\"unauthorized\"} 0.0");
      for (Refusals.Reason reason : Refusals.Reason.values()) {
        assertThat(scrape).contains("reason=\"" + reason.metricName() + "\"");
      }
    } finally {
      metrics.close();
    }
  }
}
