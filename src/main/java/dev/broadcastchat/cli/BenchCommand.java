package dev.broadcastchat.cli;

import dev.broadcastchat.bench.Bench;
import dev.broadcastchat.bench.BenchConfig;
import dev.broadcastchat.bench.BenchResult;
import dev.broadcastchat.bench.Report;
import dev.broadcastchat.bench.Scenario;
import dev.broadcastchat.server.Transport;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code chat bench}: the load generator. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    usageHelpWidth = 100,
    sortOptions = false,
    description = {
      "Measure a server that speaks the text protocol (this one or any other) over loopback.",
      "",
      "SCENARIO is one of:",
      "  fanout   --clients connections in one room, --senders of them sending closed-loop (each",
      "           sends its next message when its last one came back) for --duration after",
      "           --warmup: deliveries/s, messages/s, latency percentiles, lost, duplicated.",
      "           With --stalled N, N of the clients never read: the others' figures show what",
      "           slow consumers cost them, and the server should close the stalled ones (1013).",
      "           After the window they read what they were sent, uncounted, to find that close.",
      "  latency  the same, each sender at --rate messages/s (open loop): latency under a given",
      "           load, measured from when each message was due.",
      "           With --pid, both report the server's CPU over the window: how much of a",
      "           core it used and its CPU per delivery, which compares servers fairly where",
      "           the bench runs out of its own core first, and how much of it was the",
      "           kernel's: its system calls and, where the kernel charges soft interrupts",
      "           to them, on loopback the receivers' TCP too.",
      "  idle     --connections idle connections opened as fast as the server takes them, held",
      "           for --hold: connections/s, failures, and with --pid the server's resident",
      "           memory per connection and its CPU (JIT compiler, collector, kernel) while they",
      "           opened.",
      "           Waves of connections are opened and closed first, not counted, for",
      "           --warmup and until three times as many were tried as are measured (no new",
      "           wave after 60 s, or after --warmup if longer), so that a cold JIT, the",
      "           server's or the bench's, is not measured.",
      ""
    },
    footer = {
      "",
      "Every connection joins ?room=bench (unless the URL names a room). Each message carries a",
      "token (B:run:sender:seq:time:, padded with dots to --size) found wherever the server puts",
      "it in its frame. A progress line goes to stderr each second, a table to stdout at the end",
      "(--json: one JSON object instead, and no progress). Exit 0 when every message arrived",
      "exactly once and in order and every connection opened and stayed open, 1 otherwise, 2 for",
      "a bad option."
    })
final class BenchCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(
      index = "0",
      paramLabel = "SCENARIO",
      converter = ScenarioConverter.class,
      completionCandidates = ScenarioNames.class,
      description = "fanout, latency or idle.")
  Scenario scenario;

  @Option(
      names = "--url",
      defaultValue = BenchConfig.DEFAULT_URL,
      description = "Server URL, ws:// on a loopback address (default: ${DEFAULT-VALUE}).")
  String url;

  @Option(
      names = "--clients",
      defaultValue = "" + BenchConfig.DEFAULT_CLIENTS,
      description = "fanout, latency: connections in the room (default: ${DEFAULT-VALUE}).")
  int clients;

  @Option(
      names = "--senders",
      defaultValue = "" + BenchConfig.DEFAULT_SENDERS,
      description = "fanout, latency: how many of them send (default: ${DEFAULT-VALUE}).")
  int senders;

  @Option(
      names = "--duration",
      defaultValue = "10s",
      converter = DurationConverter.class,
      description = "fanout, latency: the measured window (default: ${DEFAULT-VALUE}).")
  Duration duration;

  @Option(
      names = "--warmup",
      defaultValue = "5s",
      converter = DurationConverter.class,
      description =
          "fanout, latency: sending before the window; idle: opening and closing connections"
              + " before the measured ones, for this long and until three times as many were"
              + " tried (no new wave after 60 s, or after this if longer); not counted (default:"
              + " ${DEFAULT-VALUE}).")
  Duration warmup;

  @Option(
      names = "--stalled",
      defaultValue = "0",
      description =
          "fanout, latency: how many of the clients never read (slow consumers); they are not"
              + " counted as receivers (default: ${DEFAULT-VALUE}).")
  int stalled;

  @Option(
      names = "--size",
      defaultValue = "" + BenchConfig.DEFAULT_SIZE,
      description =
          "fanout, latency: bytes of each message's text, at least its token"
              + " (default: ${DEFAULT-VALUE}).")
  int size;

  @Option(
      names = "--rate",
      defaultValue = "" + BenchConfig.DEFAULT_RATE,
      description = "latency: messages per second per sender (default: ${DEFAULT-VALUE}).")
  int rate;

  @Option(
      names = "--drain",
      defaultValue = "2s",
      converter = DurationConverter.class,
      description =
          "fanout, latency: how long to wait after the window for messages in flight; what has"
              + " not arrived by then is lost. With --stalled, as long again at most for the"
              + " server's close of the stalled clients (default: ${DEFAULT-VALUE}).")
  Duration drain;

  @Option(
      names = "--connections",
      defaultValue = "" + BenchConfig.DEFAULT_CONNECTIONS,
      description = "idle: connections to open (default: ${DEFAULT-VALUE}).")
  int connections;

  @Option(
      names = "--hold",
      defaultValue = "5s",
      converter = DurationConverter.class,
      description = "idle: how long to hold them open (default: ${DEFAULT-VALUE}).")
  Duration hold;

  @Option(
      names = "--pid",
      description =
          "The server's process id on this machine. fanout, latency: report its CPU over the"
              + " window, in cores and per delivery. idle: its resident memory per connection and"
              + " its CPU time while the connections opened. All three: the kernel's share of"
              + " that CPU.")
  Long pid;

  @Option(
      names = "--concurrency",
      defaultValue = "" + BenchConfig.DEFAULT_CONCURRENCY,
      description =
          "Connects and handshakes under way at once, at most (default: ${DEFAULT-VALUE}).")
  int concurrency;

  @Option(
      names = "--sources",
      defaultValue = "" + BenchConfig.DEFAULT_SOURCES,
      description =
          "Loopback source addresses to spread connections over: 127.0.0.1 to 127.0.0.N"
              + " (default: ${DEFAULT-VALUE}).")
  int sources;

  @Option(
      names = "--transport",
      paramLabel = "NAME",
      description =
          "How the bench's sockets talk to the kernel: io_uring, epoll or nio (default: io_uring,"
              + " else epoll, else nio, the first that loads).")
  String transport;

  @Option(names = "--json", description = "Print one JSON object with every figure, no progress.")
  boolean json;

  /** Options that only some scenarios use; giving one to another scenario is a usage error. */
  private static final Map<String, Set<Scenario>> SCENARIO_OPTIONS =
      Map.ofEntries(
          Map.entry("--clients", EnumSet.of(Scenario.FANOUT, Scenario.LATENCY)),
          Map.entry("--senders", EnumSet.of(Scenario.FANOUT, Scenario.LATENCY)),
          Map.entry("--stalled", EnumSet.of(Scenario.FANOUT, Scenario.LATENCY)),
          Map.entry("--duration", EnumSet.of(Scenario.FANOUT, Scenario.LATENCY)),
          Map.entry("--size", EnumSet.of(Scenario.FANOUT, Scenario.LATENCY)),
          Map.entry("--drain", EnumSet.of(Scenario.FANOUT, Scenario.LATENCY)),
          Map.entry("--rate", EnumSet.of(Scenario.LATENCY)),
          Map.entry("--connections", EnumSet.of(Scenario.IDLE)),
          Map.entry("--hold", EnumSet.of(Scenario.IDLE)));

  @Override
  public Integer call() throws InterruptedException {
    BenchConfig config = config();
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Consumer<String> progress =
        json
            ? line -> {}
            : line -> {
              err.println(line);
              err.flush();
            };
    BenchResult result = Bench.run(config, progress);
    out.print(json ? Report.json(result) + System.lineSeparator() : Report.table(result));
    out.flush();
    if (!result.passed()) {
      err.println("chat: bench failed: " + result.problems());
      err.flush();
      return Main.EXIT_FAILURE;
    }
    return 0;
  }

  BenchConfig config() {
    CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
    for (Map.Entry<String, Set<Scenario>> e : SCENARIO_OPTIONS.entrySet()) {
      if (parsed.hasMatchedOption(e.getKey()) && !e.getValue().contains(scenario)) {
        throw new UsageException(
            e.getKey()
                + ": not used by "
                + scenario.cliName()
                + " (expected with: "
                + names(e.getValue())
                + ")");
      }
    }
    if (pid != null && !Files.isReadable(Path.of("/proc", Long.toString(pid), "status"))) {
      throw new UsageException("pid: " + pid + " (expected: a running process on this machine)");
    }
    try {
      return new BenchConfig(
          scenario,
          parseUrl(url),
          clients,
          senders,
          stalled,
          duration,
          warmup,
          size,
          rate,
          drain,
          connections,
          hold,
          pid == null ? BenchConfig.NO_PID : pid,
          concurrency,
          sources,
          Runtime.getRuntime().availableProcessors(),
          transport == null || transport.isBlank()
              ? BenchConfig.defaultTransport()
              : Transport.parse(transport));
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
  }

  private static URI parseUrl(String url) {
    try {
      URI uri = new URI(url);
      return uri.getPath() == null || uri.getPath().isEmpty() ? uri.resolve("/") : uri;
    } catch (URISyntaxException e) {
      throw new UsageException("url: " + url + " (expected: ws://HOST:PORT/)");
    }
  }

  private static String names(Set<Scenario> scenarios) {
    List<String> names = new ArrayList<>();
    for (Scenario s : scenarios) {
      names.add(s.cliName());
    }
    return String.join(", ", names);
  }

  /** Reads a scenario by its lower-case name. */
  static final class ScenarioConverter implements CommandLine.ITypeConverter<Scenario> {
    @Override
    public Scenario convert(String value) {
      for (Scenario s : Scenario.values()) {
        if (s.cliName().equals(value.toLowerCase(Locale.ROOT))) {
          return s;
        }
      }
      throw new CommandLine.TypeConversionException(
          "'" + value + "' is not a scenario (expected: fanout, latency or idle)");
    }
  }

  /** The scenario names, for completion and help. */
  static final class ScenarioNames implements Iterable<String> {
    @Override
    public Iterator<String> iterator() {
      return List.of("fanout", "latency", "idle").iterator();
    }
  }
}
