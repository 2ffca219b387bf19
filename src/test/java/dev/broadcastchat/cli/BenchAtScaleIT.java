package dev.broadcastchat.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.management.UnixOperatingSystemMXBean;
import dev.broadcastchat.server.Transport;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The idle scenario at the scale docs/PERFORMANCE.md measures, 19,500 connections from 10 loopback
 * addresses in one room, run as users run it: the server and the bench each a process of its own.
 * The bench runs on one processor, so one event loop opens and closes every connection; closing
 * them all at once used to overflow that loop's io_uring completion queue and print warnings.
 */
class BenchAtScaleIT {
  private static final int CONNECTIONS = 19_500;
  private static final Duration WAIT = Duration.ofSeconds(60);

  @Test
  @Timeout(240)
  void opensHoldsAndClosesNineteenThousandFiveHundredConnectionsWithoutAWarning() throws Exception {
    Throwable cause = Transport.IO_URING.unavailabilityCause();
    assumeTrue(cause == null, () -> "io_uring does not load here: " + cause);
    long maxFiles =
        ((UnixOperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
            .getMaxFileDescriptorCount();
    assumeTrue(
        maxFiles > CONNECTIONS + 200,
        () -> "a process may open " + maxFiles + " files here, too few for " + CONNECTIONS);
    int port = ChatProcess.freePort();
    try (ChatProcess server =
        ChatProcess.jar(
            Map.of(), "server", "--port", Integer.toString(port), "--log-level", "warn")) {
      assertThat(server.nextLine(WAIT))
          .as("stdout; stderr: %s", server.stderr())
          .isEqualTo("listening on ws://127.0.0.1:" + port + "/");
      try (ChatProcess bench =
          ChatProcess.jar(
              Map.of("JAVA_TOOL_OPTIONS", "-XX:ActiveProcessorCount=1"),
              "bench",
              "idle",
              "--transport",
              "io_uring",
              "--url",
              "ws://127.0.0.1:" + port + "/",
              "--connections",
              Integer.toString(CONNECTIONS),
              "--warmup",
              "1s",
              "--hold",
              "1s",
              "--json")) {
        String json =
            bench.awaitLine(
                line -> line.startsWith("{"), "with the result", Duration.ofSeconds(180));
        assertThat(bench.waitFor(WAIT)).as("exit code; stderr: %s", bench.stderr()).isZero();
        JsonNode result = new ObjectMapper().readTree(json);
        assertThat(result.get("opened").asInt()).isEqualTo(CONNECTIONS);
        assertThat(result.get("failed").asInt()).isZero();
        assertThat(result.get("dropped").asInt()).isZero();
        assertThat(bench.stderr())
            .as("the bench's stderr with --json")
            .allMatch(line -> line.startsWith("Picked up JAVA_TOOL_OPTIONS"));
      }
      assertThat(server.stderr()).as("the server's stderr at WARN").isEmpty();
    }
  }
}
