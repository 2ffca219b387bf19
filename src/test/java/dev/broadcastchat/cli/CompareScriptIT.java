package dev.broadcastchat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/references/compare.sh, the script behind docs/PERFORMANCE.md's series, run as its readers
 * run it: a fresh server for every run, one JSON line per run, medians at the end, and a clear
 * answer when something is wrong.
 */
class CompareScriptIT {
  private static final Duration WAIT = Duration.ofSeconds(100);

  @TempDir Path dir;

  @Test
  @Timeout(150)
  void runsAFreshServerEachRoundAndWritesOneLinePerRun() throws Exception {
    Path out = dir.resolve("idle.jsonl");
    try (ChatProcess compare =
        ChatProcess.shell(
            "docs/references/compare.sh --rounds 2 --servers chat --out "
                + out
                + " idle --connections 200 --warmup 0s --hold 0s")) {
      assertThat(compare.waitFor(WAIT)).as("exit code; stderr: %s", compare.stderr()).isZero();
      List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
      assertThat(lines).hasSize(2);
      ObjectMapper json = new ObjectMapper();
      List<Integer> pids = new ArrayList<>();
      for (int i = 0; i < lines.size(); i++) {
        JsonNode run = json.readTree(lines.get(i));
        assertThat(run.get("server").asText()).isEqualTo("chat");
        assertThat(run.get("round").asInt()).isEqualTo(i + 1);
        assertThat(run.get("bench_exit").asInt()).isZero();
        assertThat(run.get("server_cpu_s").isNumber()).as("server CPU in %s", run).isTrue();
        JsonNode bench = run.get("bench");
        assertThat(bench.get("scenario").asText()).isEqualTo("idle");
        assertThat(bench.get("opened").asInt()).isEqualTo(200);
        assertThat(bench.get("failed").asInt()).isZero();
        assertThat(bench.get("rss_after_bytes").asLong())
            .as("the bench was given the server's pid")
            .isPositive();
        pids.add(bench.get("server_pid").asInt());
      }
      assertThat(pids.get(0)).as("each round's server is a new process").isNotEqualTo(pids.get(1));
      assertThat(compare.stdoutSoFar())
          .anySatisfy(line -> assertThat(line).startsWith("| chat | 2 of 2 | "));
    }
  }

  @Test
  @Timeout(150)
  void givesEachFanoutRunTheServersCpuOverTheWindow() throws Exception {
    Path out = dir.resolve("fanout.jsonl");
    try (ChatProcess compare =
        ChatProcess.shell(
            "docs/references/compare.sh --rounds 1 --servers chat --out "
                + out
                + " fanout --clients 20 --senders 2 --warmup 0s --duration 1s --drain 2s")) {
      assertThat(compare.waitFor(WAIT)).as("exit code; stderr: %s", compare.stderr()).isZero();
      List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
      assertThat(lines).hasSize(1);
      JsonNode bench = new ObjectMapper().readTree(lines.get(0)).get("bench");
      assertThat(bench.get("deliveries").asLong()).isPositive();
      assertThat(bench.get("server_deliveries_in_window").asLong())
          .as("the bench was given the server's pid: %s", bench)
          .isPositive();
      assertThat(bench.get("server_cpu_per_delivery_us").asDouble()).isPositive();
      assertThat(bench.get("server_cores_used").asDouble()).isPositive();
      // Every write is a system call: part of the server's time, and only part, is the kernel's.
      assertThat(bench.get("server_kernel_share").asDouble()).isGreaterThan(0).isLessThan(1);
      assertThat(compare.stdoutSoFar())
          .anySatisfy(line -> assertThat(line).contains("server_kernel_share"))
          .anySatisfy(line -> assertThat(line).contains("server_cpu_per_delivery_us"))
          .anySatisfy(line -> assertThat(line).startsWith("| chat | 1 of 1 | "));
    }
  }

  @Test
  @Timeout(150)
  void refusesAnUnknownOrRepeatedServerOrAPidWithOneLineAndExitCode2() throws Exception {
    try (ChatProcess compare =
        ChatProcess.shell("docs/references/compare.sh --servers nginx idle")) {
      assertThat(compare.waitFor(WAIT)).isEqualTo(2);
      assertThat(compare.stderr())
          .containsExactly(
              "compare: unknown server 'nginx' (expected chat, chat-io_uring, channelgroup or"
                  + " writefloor)");
    }
    try (ChatProcess compare =
        ChatProcess.shell("docs/references/compare.sh --servers chat,chat idle")) {
      assertThat(compare.waitFor(WAIT)).isEqualTo(2);
      assertThat(compare.stderr()).containsExactly("compare: --servers names chat twice");
    }
    try (ChatProcess compare =
        ChatProcess.shell("docs/references/compare.sh --servers chat idle --pid 1")) {
      assertThat(compare.waitFor(WAIT)).isEqualTo(2);
      assertThat(compare.stderr())
          .containsExactly(
              "compare: --pid is given to the bench by the script, the pid of each run's server");
    }
  }

  @Test
  @Timeout(150)
  void aServerThatDoesNotStartIsNamedAndTheExitCodeIs1() throws Exception {
    Path out = dir.resolve("broken.jsonl");
    try (ChatProcess compare =
        ChatProcess.shell(
            "CHAT_JAVA_OPTS=-XX:+NoSuchFlag docs/references/compare.sh --rounds 1 --servers chat"
                + " --out "
                + out
                + " idle --connections 10")) {
      assertThat(compare.waitFor(WAIT)).isEqualTo(1);
      assertThat(compare.stderr())
          .anySatisfy(
              line ->
                  assertThat(line)
                      .startsWith("compare: chat-1: the server did not start listening; see "));
      List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
      assertThat(lines).hasSize(1);
      JsonNode run = new ObjectMapper().readTree(lines.get(0));
      assertThat(run.get("error").asText()).isEqualTo("the server did not start listening");
      assertThat(run.get("bench").isNull()).isTrue();
      assertThat(compare.stdoutSoFar())
          .anySatisfy(line -> assertThat(line).startsWith("| chat | 0 of 1 | "));
    }
  }
}
