package dev.broadcastchat.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** Shows a {@link BenchResult}: a table for people, one JSON object for machines. */
public final class Report {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Report() {}

  /** The figures as a table of lines, ending with a line saying whether the run passed. */
  public static String table(BenchResult result) {
    StringBuilder out = new StringBuilder();
    if (result instanceof DeliveryResult r) {
      row(out, "scenario", r.scenario().cliName() + " against " + r.url());
      row(
          out,
          "clients",
          // The stalled clients are in the room too, though not receivers.
          fmt("%,d in one room, %d sending ", r.receivers() + r.stalled(), r.senders())
              + (r.rate() == 0 ? "closed-loop" : fmt("%,d messages/s each (open loop)", r.rate())));
      row(out, "message size", fmt("%,d bytes", r.size()));
      row(
          out,
          "measured",
          fmt("%.1f s after a %.1f s warm-up", seconds(r.duration()), seconds(r.warmup())));
      row(out, "messages", fmt("%,d  (%,.0f/s)", r.messages(), r.messagesPerSecond()));
      row(out, "deliveries", fmt("%,d  (%,.0f/s)", r.deliveries(), r.deliveriesPerSecond()));
      LatencySummary l = r.latency();
      row(
          out,
          "latency",
          fmt(
              "p50 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, max %.3f ms",
              LatencySummary.millis(l.p50()),
              LatencySummary.millis(l.p99()),
              LatencySummary.millis(l.p999()),
              LatencySummary.millis(l.max())));
      row(out, "lost", fmt("%,d", r.lost()));
      row(out, "duplicated", fmt("%,d", r.duplicated()));
      row(out, "connect failures", withFirst(r.connectFailures(), r.firstConnectFailure()));
      row(out, "dropped", withFirst(r.dropped(), r.firstDrop()));
      row(out, "server errors", withFirst(r.serverErrors(), r.firstServerError()));
      if (r.stalled() > 0) {
        row(
            out,
            "stalled",
            fmt("%,d never read; %,d closed by the server", r.stalled(), r.stalledClosed())
                + (r.stalledCloseCode() >= 0 ? fmt(" (%d)", r.stalledCloseCode()) : "")
                + (r.stalledWithoutCloseFrame() > 0
                    ? fmt(", %,d of them without a close frame", r.stalledWithoutCloseFrame())
                    : ""));
      }
      ServerCpu server = r.serverCpu();
      if (server != null) {
        row(
            out,
            "server CPU",
            fmt(
                "%.2f s in the %.2f s window: %.2f of a core (%.0f%% in the kernel), %s"
                    + " (JIT compiler %.2f s, collector %.2f s)",
                server.cpu().totalNanos() / 1e9,
                server.measuredNanos() / 1e9,
                server.coresUsed(),
                server.cpu().kernelShare() * 100,
                server.delivered()
                    ? fmt(
                        "%.2f us a delivery (%,d arrived)",
                        server.microsPerDelivery(), server.deliveries())
                    : "no delivery arrived",
                server.cpu().compilerNanos() / 1e9,
                server.cpu().collectorNanos() / 1e9));
      }
    } else if (result instanceof IdleResult r) {
      row(out, "scenario", "idle against " + r.url());
      row(out, "opened", fmt("%,d of %,d", r.opened(), r.connections()));
      row(
          out,
          "opening took",
          fmt("%.2f s  (%,.0f connections/s)", seconds(r.openTime()), r.connectionsPerSecond()));
      row(out, "failed", withFirst(r.failed(), r.firstFailure()));
      row(out, "held", fmt("%.1f s", seconds(r.hold())));
      row(out, "dropped", withFirst(r.dropped(), r.firstDrop()));
      if (r.hasMemory()) {
        row(
            out,
            "server memory",
            fmt(
                "%,.0f bytes per connection  (pid %d resident %,.1f MB before, %,.1f MB after)",
                r.rssPerConnection(), r.pid(), r.rssBefore() / 1e6, r.rssAfter() / 1e6));
        if (r.rssBeforeWarmup() >= 0 && r.rssBeforeWarmup() != r.rssBefore()) {
          row(
              out,
              "",
              fmt(
                  "%,.0f bytes per connection counted from before the warm-up (%,.1f MB)",
                  r.rssPerConnectionFromCold(), r.rssBeforeWarmup() / 1e6));
        }
      } else {
        row(out, "server memory", "not measured (give --pid of the server)");
      }
      ProcessCpu cpu = r.serverCpu();
      if (cpu != null) {
        row(
            out,
            "server CPU",
            fmt(
                "%.2f s while they opened (%.0f us a connection, %.0f%% in the kernel): %.2f s"
                    + " JIT compiler (%.0f%%), %.2f s collector",
                cpu.totalNanos() / 1e9,
                r.serverCpuPerConnectionMicros(),
                cpu.kernelShare() * 100,
                cpu.compilerNanos() / 1e9,
                cpu.compilerShare() * 100,
                cpu.collectorNanos() / 1e9));
        if (r.serverStillCompiling()) {
          row(out, "", "the server was still compiling; a longer --warmup measures it warm");
        }
      }
    }
    BenchCpu bench = benchCpu(result);
    if (bench != null) {
      row(
          out,
          "bench CPU",
          fmt(
              "%.2f s in the %.2f s %s: %.2f of %d core%s (JIT compiler %.2f s)",
              bench.cpu().totalNanos() / 1e9,
              bench.measuredNanos() / 1e9,
              result instanceof IdleResult ? "opening" : "window",
              bench.coresUsed(),
              bench.cores(),
              bench.cores() == 1 ? "" : "s",
              bench.cpu().compilerNanos() / 1e9));
      if (bench.nearLimit()) {
        row(out, "", "the bench was near its CPU limit: what it measured may be its own limit");
      }
    }
    row(out, "result", result.passed() ? "ok" : "FAILED: " + result.problems());
    return out.toString();
  }

  /** The figures as one JSON object on one line. */
  public static String json(BenchResult result) {
    Map<String, Object> m = new LinkedHashMap<>();
    if (result instanceof DeliveryResult r) {
      m.put("scenario", r.scenario().cliName());
      m.put("url", r.url().toString());
      m.put("clients", r.clients());
      m.put("receivers", r.receivers());
      m.put("senders", r.senders());
      m.put("rate_per_sender", r.rate() == 0 ? null : r.rate());
      m.put("size_bytes", r.size());
      m.put("warmup_s", seconds(r.warmup()));
      m.put("duration_s", seconds(r.duration()));
      m.put("messages", r.messages());
      m.put("messages_per_s", round(r.messagesPerSecond(), 1));
      m.put("deliveries", r.deliveries());
      m.put("deliveries_per_s", round(r.deliveriesPerSecond(), 1));
      LatencySummary l = r.latency();
      Map<String, Object> latency = new LinkedHashMap<>();
      latency.put("p50", round(LatencySummary.millis(l.p50()), 3));
      latency.put("p99", round(LatencySummary.millis(l.p99()), 3));
      latency.put("p999", round(LatencySummary.millis(l.p999()), 3));
      latency.put("max", round(LatencySummary.millis(l.max()), 3));
      latency.put("mean", round(l.mean() / 1e6, 3));
      m.put("latency_ms", latency);
      m.put("lost", r.lost());
      m.put("duplicated", r.duplicated());
      m.put("connect_failures", r.connectFailures());
      m.put("first_connect_failure", r.firstConnectFailure());
      m.put("dropped", r.dropped());
      m.put("first_drop", r.firstDrop());
      m.put("server_errors", r.serverErrors());
      m.put("first_server_error", r.firstServerError());
      m.put("stalled", r.stalled());
      m.put("stalled_closed", r.stalledClosed());
      m.put("stalled_close_code", r.stalledCloseCode() >= 0 ? r.stalledCloseCode() : null);
      m.put("stalled_without_close_frame", r.stalledWithoutCloseFrame());
      ServerCpu server = r.serverCpu();
      m.put(
          "server_cpu_window_s", server == null ? null : round(server.cpu().totalNanos() / 1e9, 2));
      m.put("server_cores_used", server == null ? null : round(server.coresUsed(), 3));
      m.put(
          "server_cpu_per_delivery_us",
          server == null || !server.delivered() ? null : round(server.microsPerDelivery(), 3));
      m.put("server_deliveries_in_window", server == null ? null : server.deliveries());
      m.put(
          "server_compiler_cpu_window_s",
          server == null ? null : round(server.cpu().compilerNanos() / 1e9, 2));
      m.put(
          "server_collector_cpu_window_s",
          server == null ? null : round(server.cpu().collectorNanos() / 1e9, 2));
      m.put(
          "server_kernel_cpu_window_s",
          server == null ? null : round(server.cpu().kernelNanos() / 1e9, 2));
      m.put("server_kernel_share", server == null ? null : round(server.cpu().kernelShare(), 3));
    } else if (result instanceof IdleResult r) {
      m.put("scenario", Scenario.IDLE.cliName());
      m.put("url", r.url().toString());
      m.put("connections", r.connections());
      m.put("opened", r.opened());
      m.put("failed", r.failed());
      m.put("first_failure", r.firstFailure());
      m.put("open_s", round(seconds(r.openTime()), 3));
      m.put("connections_per_s", round(r.connectionsPerSecond(), 1));
      m.put("hold_s", seconds(r.hold()));
      m.put("dropped", r.dropped());
      m.put("first_drop", r.firstDrop());
      m.put("server_pid", r.pid() == BenchConfig.NO_PID ? null : r.pid());
      m.put("rss_before_warmup_bytes", r.rssBeforeWarmup() >= 0 ? r.rssBeforeWarmup() : null);
      m.put("rss_before_bytes", r.hasMemory() ? r.rssBefore() : null);
      m.put("rss_after_bytes", r.hasMemory() ? r.rssAfter() : null);
      m.put("rss_per_connection_bytes", r.hasMemory() ? round(r.rssPerConnection(), 1) : null);
      m.put(
          "rss_per_connection_from_cold_bytes",
          r.hasMemory() && r.rssBeforeWarmup() >= 0
              ? round(r.rssPerConnectionFromCold(), 1)
              : null);
      ProcessCpu cpu = r.serverCpu();
      m.put("server_cpu_open_s", cpu == null ? null : round(cpu.totalNanos() / 1e9, 2));
      m.put(
          "server_cpu_per_connection_us",
          cpu == null ? null : round(r.serverCpuPerConnectionMicros(), 1));
      m.put("server_compiler_cpu_open_s", cpu == null ? null : round(cpu.compilerNanos() / 1e9, 2));
      m.put(
          "server_collector_cpu_open_s", cpu == null ? null : round(cpu.collectorNanos() / 1e9, 2));
      m.put("server_kernel_cpu_open_s", cpu == null ? null : round(cpu.kernelNanos() / 1e9, 2));
      m.put("server_kernel_share", cpu == null ? null : round(cpu.kernelShare(), 3));
      m.put("server_still_compiling", cpu == null ? null : r.serverStillCompiling());
    }
    BenchCpu bench = benchCpu(result);
    m.put("bench_cpu_s", bench == null ? null : round(bench.cpu().totalNanos() / 1e9, 2));
    m.put("bench_cores_used", bench == null ? null : round(bench.coresUsed(), 2));
    m.put("bench_cores", bench == null ? null : bench.cores());
    m.put(
        "bench_compiler_cpu_s", bench == null ? null : round(bench.cpu().compilerNanos() / 1e9, 2));
    m.put("bench_near_cpu_limit", bench == null ? null : bench.nearLimit());
    m.put("passed", result.passed());
    m.put("problems", result.problems());
    try {
      return JSON.writeValueAsString(m);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a map of numbers and strings did not serialize", e);
    }
  }

  private static BenchCpu benchCpu(BenchResult result) {
    if (result instanceof DeliveryResult r) {
      return r.benchCpu();
    }
    return ((IdleResult) result).benchCpu();
  }

  private static void row(StringBuilder out, String name, String value) {
    out.append(String.format(Locale.ROOT, "%-17s %s%n", name, value));
  }

  private static String withFirst(long count, String first) {
    return count == 0 || first == null ? fmt("%,d", count) : fmt("%,d  (first: %s)", count, first);
  }

  private static String fmt(String format, Object... args) {
    return String.format(Locale.ROOT, format, args);
  }

  private static double seconds(java.time.Duration d) {
    return d.toNanos() / 1e9;
  }

  private static double round(double value, int decimals) {
    double scale = Math.pow(10, decimals);
    return Math.round(value * scale) / scale;
  }
}
