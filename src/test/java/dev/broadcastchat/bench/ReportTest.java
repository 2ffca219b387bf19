package dev.broadcastchat.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ReportTest {
  private static final long MS = 1_000_000;

  private static DeliveryResult fanout(long lost) {
    return fanout(lost, null);
  }

  private static DeliveryResult fanout(long lost, BenchCpu benchCpu) {
    return fanout(lost, null, benchCpu);
  }

  private static DeliveryResult fanout(long lost, ServerCpu serverCpu, BenchCpu benchCpu) {
    return fanout(lost, serverCpu, benchCpu, 0);
  }

  private static DeliveryResult fanout(
      long lost, ServerCpu serverCpu, BenchCpu benchCpu, int withoutCloseFrame) {
    return new DeliveryResult(
        Scenario.FANOUT,
        URI.create("ws://127.0.0.1:8080/?room=bench"),
        1010,
        1000,
        10,
        64,
        0,
        Duration.ofSeconds(2),
        Duration.ofSeconds(10),
        10_000,
        10_000_000 - lost,
        new LatencySummary(10_000_000 - lost, MS, 2 * MS, 3 * MS, 4 * MS, 1.5 * MS),
        lost,
        0,
        0,
        null,
        0,
        null,
        0,
        null,
        10,
        10,
        1013,
        withoutCloseFrame,
        serverCpu,
        benchCpu);
  }

  @Test
  void jsonCarriesEveryFigure() throws Exception {
    JsonNode json = new ObjectMapper().readTree(Report.json(fanout(0)));
    assertThat(json.get("scenario").asText()).isEqualTo("fanout");
    assertThat(json.get("deliveries").asLong()).isEqualTo(10_000_000);
    assertThat(json.get("deliveries_per_s").asDouble()).isEqualTo(1_000_000.0);
    assertThat(json.get("messages_per_s").asDouble()).isEqualTo(1_000.0);
    assertThat(json.get("latency_ms").get("p99").asDouble()).isEqualTo(2.0);
    assertThat(json.get("latency_ms").get("p999").asDouble()).isEqualTo(3.0);
    assertThat(json.get("lost").asLong()).isZero();
    assertThat(json.get("stalled").asInt()).isEqualTo(10);
    assertThat(json.get("stalled_closed").asInt()).isEqualTo(10);
    assertThat(json.get("stalled_close_code").asInt()).isEqualTo(1013);
    assertThat(json.get("stalled_without_close_frame").asInt()).isZero();
    assertThat(json.get("passed").asBoolean()).isTrue();
  }

  @Test
  void theTableEndsWithTheVerdict() {
    assertThat(Report.table(fanout(0)))
        .contains("1,000,000/s")
        .contains("p99 2.000 ms")
        .contains("1,010 in one room, 10 sending closed-loop")
        .contains("10 never read; 10 closed by the server (1013)")
        .endsWith("result            ok" + System.lineSeparator());
    assertThat(Report.table(fanout(5))).contains("FAILED: 5 deliveries lost");
  }

  @Test
  void saysHowManyStalledClientsEndedWithoutACloseFrame() throws Exception {
    DeliveryResult r = fanout(0, null, null, 4);
    assertThat(Report.table(r))
        .contains("10 never read; 10 closed by the server (1013), 4 of them without a close frame");
    assertThat(
            new ObjectMapper().readTree(Report.json(r)).get("stalled_without_close_frame").asInt())
        .isEqualTo(4);
  }

  private static IdleResult idle(ProcessCpu serverCpu) {
    return idle(serverCpu, null);
  }

  private static IdleResult idle(ProcessCpu serverCpu, BenchCpu benchCpu) {
    return new IdleResult(
        URI.create("ws://127.0.0.1:8080/?room=bench"),
        1000,
        1000,
        0,
        null,
        Duration.ofMillis(500),
        Duration.ofSeconds(5),
        0,
        null,
        42,
        90_000_000,
        100_000_000,
        103_000_000,
        serverCpu,
        benchCpu);
  }

  @Test
  void saysHowMuchOfItsCoresTheBenchUsedInTheWindow() throws Exception {
    BenchCpu busy = new BenchCpu(new ProcessCpu(9_700 * MS, 400 * MS, 0, 0), 10_000 * MS, 1);
    JsonNode json = new ObjectMapper().readTree(Report.json(fanout(0, busy)));
    assertThat(json.get("bench_cpu_s").asDouble()).isEqualTo(9.7);
    assertThat(json.get("bench_cores_used").asDouble()).isEqualTo(0.97);
    assertThat(json.get("bench_cores").asInt()).isEqualTo(1);
    assertThat(json.get("bench_compiler_cpu_s").asDouble()).isEqualTo(0.4);
    assertThat(json.get("bench_near_cpu_limit").asBoolean()).isTrue();
    assertThat(Report.table(fanout(0, busy)))
        .contains(
            "bench CPU         9.70 s in the 10.00 s window: 0.97 of 1 core (JIT compiler 0.40 s)")
        .contains("the bench was near its CPU limit: what it measured may be its own limit");
  }

  @Test
  void givesTheServersCpuOverTheWindowInCoresAndPerDelivery() throws Exception {
    ServerCpu server =
        new ServerCpu(
            new ProcessCpu(7_500 * MS, 300 * MS, 100 * MS, 6_000 * MS), 10_000 * MS, 2_000_000);
    JsonNode json = new ObjectMapper().readTree(Report.json(fanout(0, server, null)));
    assertThat(json.get("server_cpu_window_s").asDouble()).isEqualTo(7.5);
    assertThat(json.get("server_cores_used").asDouble()).isEqualTo(0.75);
    assertThat(json.get("server_cpu_per_delivery_us").asDouble()).isEqualTo(3.75);
    assertThat(json.get("server_deliveries_in_window").asLong()).isEqualTo(2_000_000);
    assertThat(json.get("server_compiler_cpu_window_s").asDouble()).isEqualTo(0.3);
    assertThat(json.get("server_collector_cpu_window_s").asDouble()).isEqualTo(0.1);
    assertThat(json.get("server_kernel_cpu_window_s").asDouble()).isEqualTo(6.0);
    assertThat(json.get("server_kernel_share").asDouble()).isEqualTo(0.8);
    assertThat(Report.table(fanout(0, server, null)))
        .contains(
            "server CPU        7.50 s in the 10.00 s window: 0.75 of a core (80% in the kernel),"
                + " 3.75 us a delivery (2,000,000 arrived) (JIT compiler 0.30 s, collector"
                + " 0.10 s)");
  }

  @Test
  void aServerThatDeliveredNothingHasNoCostPerDelivery() throws Exception {
    ServerCpu server = new ServerCpu(new ProcessCpu(200 * MS, 0, 0, 0), 1_000 * MS, 0);
    JsonNode json = new ObjectMapper().readTree(Report.json(fanout(0, server, null)));
    assertThat(json.get("server_cores_used").asDouble()).isEqualTo(0.2);
    assertThat(json.get("server_cpu_per_delivery_us").isNull()).isTrue();
    assertThat(Report.table(fanout(0, server, null)))
        .contains("0.20 of a core (0% in the kernel), no delivery arrived");
  }

  @Test
  void withoutThePidTheServersCpuIsLeftOut() throws Exception {
    JsonNode json = new ObjectMapper().readTree(Report.json(fanout(0)));
    assertThat(json.get("server_cpu_window_s").isNull()).isTrue();
    assertThat(json.get("server_kernel_share").isNull()).isTrue();
    assertThat(json.get("server_kernel_cpu_window_s").isNull()).isTrue();
    assertThat(json.get("server_cpu_per_delivery_us").isNull()).isTrue();
    assertThat(Report.table(fanout(0))).doesNotContain("server CPU");
  }

  @Test
  void aBenchWithCoresToSpareSaysNothingOfALimit() throws Exception {
    BenchCpu spare = new BenchCpu(new ProcessCpu(250 * MS, 0, 0, 0), 500 * MS, 2);
    JsonNode json = new ObjectMapper().readTree(Report.json(idle(null, spare)));
    assertThat(json.get("bench_cores_used").asDouble()).isEqualTo(0.5);
    assertThat(json.get("bench_near_cpu_limit").asBoolean()).isFalse();
    assertThat(Report.table(idle(null, spare)))
        .contains("bench CPU         0.25 s in the 0.50 s opening: 0.50 of 2 cores")
        .doesNotContain("near its CPU limit");
  }

  @Test
  void withoutTheBenchsCpuItsFiguresAreLeftOut() throws Exception {
    JsonNode json = new ObjectMapper().readTree(Report.json(fanout(0)));
    assertThat(json.get("bench_cpu_s").isNull()).isTrue();
    assertThat(json.get("bench_near_cpu_limit").isNull()).isTrue();
    assertThat(Report.table(fanout(0))).doesNotContain("bench CPU");
  }

  @Test
  void idleReportsMemoryPerConnection() throws Exception {
    IdleResult idle = idle(null);
    JsonNode json = new ObjectMapper().readTree(Report.json(idle));
    assertThat(json.get("connections_per_s").asDouble()).isEqualTo(2000.0);
    assertThat(json.get("rss_per_connection_bytes").asDouble()).isEqualTo(3000.0);
    assertThat(json.get("rss_per_connection_from_cold_bytes").asDouble()).isEqualTo(13000.0);
    assertThat(json.get("passed").asBoolean()).isTrue();
    assertThat(Report.table(idle))
        .contains("3,000 bytes per connection")
        .contains("13,000 bytes per connection counted from before the warm-up (90.0 MB)");
  }

  @Test
  void idleSaysWhenTheServerWasStillCompiling() throws Exception {
    IdleResult compiling = idle(new ProcessCpu(1_200 * MS, 600 * MS, 100 * MS, 300 * MS));
    JsonNode json = new ObjectMapper().readTree(Report.json(compiling));
    assertThat(json.get("server_cpu_open_s").asDouble()).isEqualTo(1.2);
    assertThat(json.get("server_cpu_per_connection_us").asDouble()).isEqualTo(1200.0);
    assertThat(json.get("server_compiler_cpu_open_s").asDouble()).isEqualTo(0.6);
    assertThat(json.get("server_collector_cpu_open_s").asDouble()).isEqualTo(0.1);
    assertThat(json.get("server_kernel_cpu_open_s").asDouble()).isEqualTo(0.3);
    assertThat(json.get("server_kernel_share").asDouble()).isEqualTo(0.25);
    assertThat(json.get("server_still_compiling").asBoolean()).isTrue();
    assertThat(Report.table(compiling))
        .contains(
            "1.20 s while they opened (1200 us a connection, 25% in the kernel): 0.60 s JIT"
                + " compiler (50%), 0.10 s collector")
        .contains("the server was still compiling; a longer --warmup measures it warm");

    IdleResult warm = idle(new ProcessCpu(500 * MS, 50 * MS, 100 * MS, 0));
    JsonNode stillCompiling =
        new ObjectMapper().readTree(Report.json(warm)).get("server_still_compiling");
    assertThat(stillCompiling.isBoolean()).isTrue();
    assertThat(stillCompiling.asBoolean()).isFalse();
    assertThat(Report.table(warm))
        .contains(
            "0.50 s while they opened (500 us a connection, 0% in the kernel): 0.05 s JIT"
                + " compiler (10%), 0.10 s collector")
        .doesNotContain("still compiling");
  }

  @Test
  void idleWithoutThePidLeavesTheServerCpuOut() throws Exception {
    IdleResult unmeasured = idle(null);
    JsonNode json = new ObjectMapper().readTree(Report.json(unmeasured));
    assertThat(json.get("server_cpu_open_s").isNull()).isTrue();
    assertThat(json.get("server_kernel_share").isNull()).isTrue();
    assertThat(json.get("server_kernel_cpu_open_s").isNull()).isTrue();
    assertThat(json.get("server_cpu_per_connection_us").isNull()).isTrue();
    assertThat(json.get("server_still_compiling").isNull()).isTrue();
    assertThat(Report.table(unmeasured)).doesNotContain("server CPU");
  }
}
