package dev.broadcastchat.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.broadcastchat.cli.Main;
import dev.broadcastchat.server.ChatServer;
import dev.broadcastchat.server.ServerConfig;
import dev.broadcastchat.server.Transport;
import io.netty.util.ResourceLeakDetector;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Short runs of every scenario against real servers: ours, and one that frames and drops. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BenchIT {
  private static final int CLIENTS = 20;
  private static final int SENDERS = 4;
  private static final int BULKY_STALLED = 3;
  private static final Pattern WARM_UP_LINE =
      Pattern.compile("idle warm-up \\d+s: ([\\d,]+) opened and closed");
  private static ChatServer server;

  private final List<String> progress = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void startServer() {
    server = ChatServer.start(ServerConfig.defaults("127.0.0.1", 0).withRate(0, 40));
  }

  @AfterAll
  static void stopServer() {
    server.close();
  }

  private static BenchConfig config(Scenario scenario, String url) {
    return BenchConfig.defaults(scenario, URI.create(url))
        .withClients(CLIENTS, SENDERS)
        .withTiming(Duration.ofMillis(300), Duration.ofMillis(1500), Duration.ofSeconds(2));
  }

  private static void assertConsistent(DeliveryResult r) {
    assertThat(r.receivers()).isEqualTo(CLIENTS);
    assertThat(r.senders()).isEqualTo(SENDERS);
    assertThat(r.messages()).isPositive();
    assertThat(r.deliveries()).isEqualTo(r.messages() * CLIENTS);
    assertThat(r.lost()).isZero();
    assertThat(r.duplicated()).isZero();
    assertThat(r.connectFailures()).isZero();
    assertThat(r.dropped()).isZero();
    assertThat(r.serverErrors()).isZero();
    LatencySummary l = r.latency();
    assertThat(l.count()).isEqualTo(r.deliveries());
    assertThat(l.p50()).isPositive();
    assertThat(l.p50()).isLessThanOrEqualTo(l.p99());
    assertThat(l.p99()).isLessThanOrEqualTo(l.p999());
    assertThat(l.p999()).isLessThanOrEqualTo(l.max());
    assertThat(r.passed()).as(r.problems()).isTrue();
  }

  @Test
  void fanoutCountsEveryMessageAtEveryReceiver() throws Exception {
    BenchResult result = Bench.run(config(Scenario.FANOUT, server.url()), progress::add);
    DeliveryResult r = (DeliveryResult) result;
    assertConsistent(r);
    assertThat(r.rate()).isZero();
    BenchCpu bench = r.benchCpu();
    assertThat(bench).as("the bench's own CPU over the window").isNotNull();
    assertThat(bench.cpu().totalNanos()).isPositive();
    assertThat(bench.measuredNanos())
        .isBetween(r.duration().toNanos() - 50_000_000, r.duration().toNanos() + 250_000_000);
    assertThat(bench.coresUsed()).isLessThanOrEqualTo(bench.cores() + 0.1);
    assertThat(r.serverCpu()).as("not read without the server's pid").isNull();
    assertThat(progress).anyMatch(line -> line.matches("fanout 1s: [\\d,]+ deliveries/s.*"));
  }

  @Test
  void withThePidTheServersCpuOverTheWindowIsMeasured() throws Exception {
    // The server runs in this process, so its figure includes the bench's: what is checked here is
    // that it is read over the window and divided by what arrived in it.
    long pid = ProcessHandle.current().pid();
    DeliveryResult r =
        (DeliveryResult)
            Bench.run(
                config(Scenario.LATENCY, server.url()).withRate(50).withPid(pid), progress::add);
    assertConsistent(r);
    ServerCpu cpu = r.serverCpu();
    assertThat(cpu).as("the server's CPU over the window").isNotNull();
    assertThat(cpu.measuredNanos())
        .as("over the window, not the warm-up")
        .isBetween(r.duration().toNanos() - 50_000_000, r.duration().toNanos() + 250_000_000);
    assertThat(cpu.cpu().totalNanos()).isPositive();
    assertThat(cpu.cpu().kernelNanos()).isBetween(0L, cpu.cpu().totalNanos());
    // Open loop at a fixed rate: what arrives in the window is about what was sent in it, give or
    // take the messages in flight at either end; with the warm-up's it would be a fifth more.
    assertThat(cpu.deliveries()).isBetween(r.deliveries() * 85 / 100, r.deliveries() * 115 / 100);
    assertThat(r.benchCpu()).isNotNull();
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void countsEveryMessageAndConnectionOverEveryTransport(Transport transport) throws Exception {
    Throwable cause = transport.unavailabilityCause();
    assumeTrue(cause == null, () -> transport.cliName() + " does not load here: " + cause);
    DeliveryResult fanout =
        (DeliveryResult)
            Bench.run(
                config(Scenario.FANOUT, server.url()).withTransport(transport), progress::add);
    assertConsistent(fanout);
    IdleResult idle =
        (IdleResult)
            Bench.run(
                BenchConfig.defaults(Scenario.IDLE, URI.create(server.url()))
                    .withIdle(300, Duration.ofMillis(200), BenchConfig.NO_PID)
                    .withTiming(Duration.ZERO, Duration.ofSeconds(1), Duration.ZERO)
                    .withTransport(transport),
                progress::add);
    assertThat(idle.opened()).isEqualTo(300);
    assertThat(idle.failed()).isZero();
    assertThat(idle.dropped()).isZero();
    assertThat(idle.passed()).as(idle.problems()).isTrue();
  }

  @Test
  void theDefaultTransportIsTheFastestThatLoads() {
    Transport expected =
        Transport.IO_URING.unavailabilityCause() == null
            ? Transport.IO_URING
            : Transport.platformDefault();
    assertThat(BenchConfig.defaults(Scenario.IDLE, URI.create(server.url())).transport())
        .isEqualTo(expected);
  }

  @Test
  void latencySendsAtTheGivenRate() throws Exception {
    int rate = 50;
    BenchConfig config = config(Scenario.LATENCY, server.url()).withRate(rate);
    DeliveryResult r = (DeliveryResult) Bench.run(config, progress::add);
    assertConsistent(r);
    double perSender = rate * r.duration().toNanos() / 1e9;
    assertThat(r.messages())
        .as("each sender sends what falls due in the window")
        .isBetween((long) perSender * SENDERS - SENDERS, (long) perSender * SENDERS + SENDERS);
  }

  @Test
  void idleOpensHoldsAndClosesEveryConnection() throws Exception {
    long pid = ProcessHandle.current().pid();
    BenchConfig config =
        BenchConfig.defaults(Scenario.IDLE, URI.create(server.url()))
            .withIdle(300, Duration.ofMillis(1200), pid)
            .withTiming(Duration.ofMillis(300), Duration.ofSeconds(1), Duration.ZERO);
    IdleResult r = (IdleResult) Bench.run(config, progress::add);
    assertThat(progress)
        .as("the warm-up opened and closed at least one wave before the measured connections")
        .anyMatch(line -> line.matches("idle warm-up \\d+s: [1-9][\\d,]* opened and closed"));
    assertThat(r.opened()).isEqualTo(300);
    assertThat(r.failed()).isZero();
    assertThat(r.dropped()).isZero();
    assertThat(r.connectionsPerSecond()).isPositive();
    assertThat(r.hasMemory()).isTrue();
    assertThat(r.pid()).isEqualTo(pid);
    assertThat(r.serverCpu()).as("the server's CPU while the connections opened").isNotNull();
    assertThat(r.serverCpu().totalNanos()).isPositive();
    assertThat(r.passed()).as(r.problems()).isTrue();
    assertThat(progress).anyMatch(line -> line.startsWith("idle hold 1s: 300 open, 0 dropped"));
  }

  @Test
  void idleWarmsUpWithThreeTimesTheConnectionsItMeasures() throws Exception {
    int connections = IdleBench.WARMUP_WAVE + 500;
    BenchConfig config =
        BenchConfig.defaults(Scenario.IDLE, URI.create(server.url()))
            .withIdle(connections, Duration.ZERO, BenchConfig.NO_PID)
            .withTiming(Duration.ofMillis(1), Duration.ofSeconds(1), Duration.ZERO);
    IdleResult r = (IdleResult) Bench.run(config, progress::add);
    assertThat(r.opened()).isEqualTo(connections);
    List<Long> warmedUp =
        progress.stream()
            .map(WARM_UP_LINE::matcher)
            .filter(Matcher::matches)
            .map(m -> Long.parseLong(m.group(1).replace(",", "")))
            .toList();
    // Waves of 2,000 until three runs' worth (7,500) were tried: four.
    assertThat(warmedUp)
        .as("a 1 ms warm-up still tries three runs' worth of connections, in waves")
        .containsExactly(2_000L, 4_000L, 6_000L, 8_000L);
  }

  @Test
  void stalledClientsAreNotReceiversAndTheServerClosesThem() throws Exception {
    // The stalled clients never read, so they never answer the server's pings either: with a
    // short keepalive the server ends them within a second or two whatever the machine's speed,
    // where filling their socket buffers until the slow-consumer bound trips (SlowConsumerIT)
    // would take a volume of messages that a loaded machine may not reach in the run. The load
    // is offered at a fixed, modest rate (not closed-loop flat out): the clients that do read
    // must answer every ping in time, and behind a flat-out fan-out a ping can wait in a
    // reader's queue longer than a short timeout on a busy machine.
    ChatServer pinging =
        ChatServer.start(
            ServerConfig.builder()
                .host("127.0.0.1")
                .port(0)
                .rate(0)
                .pingInterval(Duration.ofMillis(300))
                // The stalled clients must be ended before their receive buffers fill (at about
                // 128 KB they do, some 6 s into this run's 20 KB/s), or the server's FIN waits
                // behind data they never read.
                .pingTimeout(Duration.ofSeconds(1))
                .build());
    try {
      int stalled = 3;
      BenchConfig config =
          BenchConfig.defaults(Scenario.LATENCY, URI.create(pinging.url()))
              .withClients(CLIENTS, SENDERS)
              .withStalled(stalled)
              .withRate(50)
              .withTiming(Duration.ofMillis(300), Duration.ofSeconds(2), Duration.ofSeconds(10));
      DeliveryResult r = (DeliveryResult) Bench.run(config, progress::add);
      assertThat(r.receivers()).isEqualTo(CLIENTS - stalled);
      assertThat(r.stalled()).isEqualTo(stalled);
      assertThat(r.deliveries()).as(r.toString()).isEqualTo(r.messages() * (CLIENTS - stalled));
      assertThat(r.lost()).isZero();
      assertThat(r.dropped()).as("the clients that read answered every ping").isZero();
      assertThat(r.stalledClosed()).as(r.toString()).isEqualTo(stalled);
      assertThat(r.passed()).as(r.problems()).isTrue();
    } finally {
      pinging.close();
    }
  }

  @Test
  void countsStalledClientsClosedBehindWhatTheyNeverRead() throws Exception {
    // The server closes each stalled client with 1013 within the window. That close frame waits
    // behind what the client never read, and the server resets the connection only 5 s later,
    // after this run's short drain: the bench must read past what was queued to find the close.
    DeliveryResult r =
        runWithBulkyStalledClients(Duration.ofSeconds(3), BenchConfig.defaultTransport());
    assertThat(r.stalledClosed()).as(r.toString()).isEqualTo(BULKY_STALLED);
    assertThat(r.stalledCloseCode()).isEqualTo(1013);
    assertThat(r.stalledWithoutCloseFrame()).as(r.toString()).isZero();
  }

  @Test
  void countsStalledClientsTheServerResetBeforeTheRunEnded() throws Exception {
    // The window outlasts by seconds the server's 5 s wait for the stalled clients' answer to its
    // close, so it resets them while they still do not read. io_uring's channel does not see that
    // reset until it writes (Netty 4.2.18), so this is the transport to try.
    Throwable cause = Transport.IO_URING.unavailabilityCause();
    assumeTrue(cause == null, () -> "io_uring does not load here: " + cause);
    DeliveryResult r = runWithBulkyStalledClients(Duration.ofSeconds(10), Transport.IO_URING);
    assertThat(r.stalledClosed()).as(r.toString()).isEqualTo(BULKY_STALLED);
    assertThat(r.stalledCloseCode())
        .as("the reset dropped the close frame queued behind what they never read")
        .isEqualTo(-1);
    assertThat(r.stalledWithoutCloseFrame()).as(r.toString()).isEqualTo(BULKY_STALLED);
  }

  /**
   * A latency run of 60 KB messages with {@link #BULKY_STALLED} stalled clients, against a server
   * that takes them: the stalled clients' socket buffers fill within a second or two, and the
   * server closes each with 1013 once its queue passes --max-queued-bytes. The offered rate is
   * fixed so that the clients that do read keep up and are not closed as slow consumers too. Some 5
   * MB must reach each stalled client (4 MB of it fills the kernel's buffers), which the paranoid
   * leak detection of the test run, recording every read of every buffer, makes too slow: this run
   * samples as the server does by default.
   */
  private DeliveryResult runWithBulkyStalledClients(Duration window, Transport transport)
      throws Exception {
    ResourceLeakDetector.Level leakLevel = ResourceLeakDetector.getLevel();
    ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.SIMPLE);
    ChatServer bulky =
        ChatServer.start(
            ServerConfig.builder()
                .host("127.0.0.1")
                .port(0)
                .rate(0)
                .maxMessageBytes(64 * 1024)
                .build());
    try {
      BenchConfig config =
          BenchConfig.defaults(Scenario.LATENCY, URI.create(bulky.url()))
              .withClients(CLIENTS, SENDERS)
              .withStalled(BULKY_STALLED)
              .withSize(60_000)
              .withRate(20)
              .withTiming(Duration.ofMillis(300), window, Duration.ofSeconds(1))
              .withTransport(transport);
      DeliveryResult r = (DeliveryResult) Bench.run(config, progress::add);
      assertThat(r.deliveries())
          .as(r.toString())
          .isEqualTo(r.messages() * (CLIENTS - BULKY_STALLED));
      assertThat(r.lost()).isZero();
      assertThat(r.dropped()).as(r.toString()).isZero();
      assertThat(r.passed()).as(r.problems()).isTrue();
      return r;
    } finally {
      bulky.close();
      ResourceLeakDetector.setLevel(leakLevel);
    }
  }

  @Test
  void findsTokensInAServerThatWrapsMessagesInJson() throws Exception {
    try (RelayServer relay = new RelayServer(0)) {
      DeliveryResult r =
          (DeliveryResult) Bench.run(config(Scenario.FANOUT, relay.url()), progress::add);
      assertConsistent(r);
    }
  }

  @Test
  void countsEveryMessageOfAFrameThatJoinsSeveral() throws Exception {
    try (RelayServer relay = new RelayServer(0, true)) {
      DeliveryResult r =
          (DeliveryResult)
              Bench.run(config(Scenario.LATENCY, relay.url()).withRate(100), progress::add);
      assertConsistent(r);
      assertThat(r.messages()).as("messages joined into frames").isGreaterThan(SENDERS * 100L);
      assertThat(relay.framesJoiningSeveral()).as("frames that joined several").isPositive();
    }
  }

  @Test
  void spreadsConnectionsOverLoopbackSourceAddresses() throws Exception {
    try (RelayServer relay = new RelayServer(0)) {
      BenchConfig config =
          BenchConfig.defaults(Scenario.IDLE, URI.create(relay.url()))
              .withIdle(30, Duration.ZERO, BenchConfig.NO_PID)
              .withTiming(Duration.ZERO, Duration.ofSeconds(1), Duration.ZERO)
              .withConnecting(8, 5);
      IdleResult r = (IdleResult) Bench.run(config, progress::add);
      assertThat(r.opened()).isEqualTo(30);
      assertThat(relay.sources())
          .extracting(InetAddress::getHostAddress)
          .containsExactlyInAnyOrder(
              "127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5");
    }
  }

  @Test
  void reportsLossWhenTheServerDropsMessages() throws Exception {
    try (RelayServer lossy = new RelayServer(10)) {
      DeliveryResult r =
          (DeliveryResult)
              Bench.run(config(Scenario.LATENCY, lossy.url()).withRate(40), progress::add);
      assertThat(r.messages()).isPositive();
      assertThat(r.lost())
          .as("every 10th message reached no one")
          .isBetween(r.messages() / 10 * CLIENTS - CLIENTS, r.messages() / 10 * CLIENTS + CLIENTS);
      assertThat(r.deliveries() + r.lost()).isEqualTo(r.messages() * CLIENTS);
      assertThat(r.duplicated()).isZero();
      assertThat(r.passed()).isFalse();
      assertThat(r.problems()).contains("deliveries lost");
    }
  }

  @Test
  void namesTheServersErrorsWhenItRefusedMessages() throws Exception {
    // As users start the server, with its per-connection rate limit: closed-loop senders spend
    // the burst at once and are refused until it refills, and a refused message reaches no one.
    try (ChatServer limited =
        ChatServer.start(ServerConfig.defaults("127.0.0.1", 0).withRate(20, 40))) {
      DeliveryResult r =
          (DeliveryResult) Bench.run(config(Scenario.FANOUT, limited.url()), progress::add);
      assertThat(r.lost()).as("deliveries of refused messages").isPositive();
      assertThat(r.serverErrors()).isPositive();
      assertThat(r.passed()).isFalse();
      assertThat(r.problems())
          .contains("deliveries lost, and the server answered with ")
          .contains("(first: ! slow down: at most 20 messages per second)");
    }
  }

  @Test
  void theCommandExits1OnLossAnd0Otherwise() {
    String[] common = {
      "--clients",
      "10",
      "--senders",
      "2",
      "--warmup",
      "200ms",
      "--duration",
      "1s",
      "--drain",
      "1500ms",
      "--json"
    };
    try (RelayServer lossy = new RelayServer(10)) {
      assertThat(Main.run(args("fanout", lossy.url(), common))).isEqualTo(Main.EXIT_FAILURE);
    }
    assertThat(Main.run(args("fanout", server.url(), common))).isZero();
  }

  @Test
  void aServerThatIsNotThereCannotBeMeasured() throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = free.getLocalPort();
    }
    BenchConfig config = config(Scenario.FANOUT, "ws://127.0.0.1:" + port + "/");
    assertThatThrownBy(() -> Bench.run(config, progress::add))
        .isInstanceOf(CannotConnectException.class)
        .hasMessageContaining("ws://127.0.0.1:" + port + "/?room=bench")
        .hasMessageEndingWith("connection refused");
  }

  private static String[] args(String scenario, String url, String[] common) {
    String[] args = new String[common.length + 4];
    args[0] = "bench";
    args[1] = scenario;
    args[2] = "--url";
    args[3] = url;
    System.arraycopy(common, 0, args, 4, common.length);
    return args;
  }
}
