package dev.broadcastchat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** Bad bench options: exit 2 with one line naming the option, and nothing started. */
class BenchCommandTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cl = Main.newCommandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    return cl.execute(args);
  }

  @Test
  void anUnknownScenarioIsAUsageError() {
    assertThat(run("bench", "flood")).isEqualTo(Main.EXIT_USAGE);
    assertThat(err.toString()).contains("'flood' is not a scenario").hasLineCount(1);
  }

  @Test
  void anOptionOfAnotherScenarioIsAUsageError() {
    assertThat(run("bench", "fanout", "--rate", "50")).isEqualTo(Main.EXIT_USAGE);
    assertThat(err.toString())
        .isEqualTo(
            "chat: --rate: not used by fanout (expected with: latency)" + System.lineSeparator());
  }

  @Test
  void aServerOffLoopbackIsAUsageError() {
    assertThat(run("bench", "idle", "--url", "ws://192.0.2.7:8080/")).isEqualTo(Main.EXIT_USAGE);
    assertThat(err.toString()).startsWith("chat: url: ws://192.0.2.7:8080/").hasLineCount(1);
  }

  @Test
  void moreSendersThanClientsIsAUsageError() {
    assertThat(run("bench", "fanout", "--clients", "5", "--senders", "6"))
        .isEqualTo(Main.EXIT_USAGE);
    assertThat(err.toString())
        .isEqualTo("chat: senders: 6 (expected: 1..clients (5))" + System.lineSeparator());
  }

  @Test
  void anUnknownTransportIsAUsageError() {
    assertThat(run("bench", "idle", "--transport", "kqueue")).isEqualTo(Main.EXIT_USAGE);
    assertThat(err.toString())
        .isEqualTo(
            "chat: transport: 'kqueue' (expected: epoll, io_uring, nio)" + System.lineSeparator());
  }

  @ParameterizedTest
  @ValueSource(strings = {"fanout", "latency", "idle"})
  void everyScenarioTakesAPidAndOneThatIsNotRunningIsAUsageError(String scenario) {
    assertThat(run("bench", scenario, "--pid", "999999999")).isEqualTo(Main.EXIT_USAGE);
    assertThat(err.toString())
        .isEqualTo(
            "chat: pid: 999999999 (expected: a running process on this machine)"
                + System.lineSeparator());
  }

  @ParameterizedTest
  @ValueSource(strings = {"fanout", "latency", "idle"})
  void everyScenarioTakesTheServersPid(String scenario) {
    long pid = ProcessHandle.current().pid();
    CommandLine cl = Main.newCommandLine();
    cl.parseArgs("bench", scenario, "--pid", Long.toString(pid));
    BenchCommand bench = cl.getSubcommands().get("bench").getCommand();
    assertThat(bench.config().pid()).isEqualTo(pid);
  }

  @Test
  void helpNamesEveryScenarioAndDefault() {
    assertThat(run("bench", "--help")).isZero();
    assertThat(out.toString())
        .contains("fanout", "latency", "idle")
        .contains("--clients", "default: 1000")
        .contains("--url", "ws://127.0.0.1:8080/");
  }
}
