package dev.broadcastchat.bench;

import io.netty.util.concurrent.Future;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The {@code fanout} and {@code latency} scenarios: every client in one room, a few of them sending
 * (closed loop, or open loop at a fixed rate), for a warm-up and then a measured window; then a
 * drain for what is still in flight, and the count of what arrived, how late, and what did not.
 *
 * <p>Runs on the caller's thread, which only waits and reads the loops' figures through tasks.
 */
final class FanoutBench {
  /** How often the drain checks whether everything arrived. */
  private static final long DRAIN_POLL_MILLIS = 10;

  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

  private final BenchConfig config;
  private final BenchLoops loops;
  private final Consumer<String> progress;
  private final String label;

  FanoutBench(BenchConfig config, BenchLoops loops, Consumer<String> progress) {
    this.config = config;
    this.loops = loops;
    this.progress = progress;
    this.label = config.scenario().cliName();
  }

  DeliveryResult run() throws InterruptedException {
    Run run = Run.start(config.size());
    URI url = Bench.withRoom(config.url());
    Connector connector =
        new Connector(
            loops,
            url,
            config.sources(),
            config.concurrency(),
            config.clients(),
            () -> new BenchClient(run, config.senders()));
    try (Crowd crowd = Crowd.open(connector, url, label, config.clients(), progress)) {
      List<BenchClient> all = crowd.clients();
      // The stalled clients are the last ones opened; they never read and are not receivers.
      int stalled = Math.min(config.stalled(), Math.max(0, all.size() - config.senders()));
      List<BenchClient> clients = all.subList(0, all.size() - stalled);
      List<BenchClient> stalledClients = all.subList(all.size() - stalled, all.size());
      stall(stalledClients);
      int receivers = clients.size();
      int senders = Math.min(config.senders(), receivers);
      long start = run.now();
      long windowStart = start + config.warmup().toNanos();
      Window window = new Window(windowStart, windowStart + config.duration().toNanos());
      loops.collect(
          stats -> {
            stats.begin(window);
            return null;
          });
      for (int i = 0; i < senders; i++) {
        BenchClient client = clients.get(i);
        Sender sender = newSender(i, senders, run, client);
        client.channel().eventLoop().execute(() -> client.startSending(sender, window, start));
      }
      WindowCpu cpu = reportEachSecond(run, start, window);
      Tally totals = drain(run, window, receivers, stalledClients);
      // Counted once: the count and the close code must come from the same clients.
      List<BenchClient> stalledClosed =
          stalledClients.stream().filter(BenchClient::closedByServer).toList();
      return new DeliveryResult(
          config.scenario(),
          url,
          config.clients(),
          receivers,
          senders,
          config.size(),
          config.openLoop() ? config.rate() : 0,
          config.warmup(),
          Duration.ofNanos(window.lengthNanos()),
          totals.windowSent(),
          totals.windowDeliveries(),
          LatencySummary.of(totals.latency()),
          totals.lost(receivers),
          totals.windowDuplicates(),
          crowd.failed(),
          crowd.firstFailure(),
          totals.dropped(),
          totals.firstDrop(),
          totals.serverErrors(),
          totals.firstServerError(),
          stalled,
          stalledClosed.size(),
          stalledClosed.stream()
              .mapToInt(BenchClient::closeCode)
              .filter(code -> code >= 0)
              .findFirst()
              .orElse(-1),
          (int) stalledClosed.stream().filter(BenchClient::closedWithoutCloseFrame).count(),
          cpu.server(),
          cpu.bench());
    }
  }

  /** Makes {@code clients} stop reading, and waits until each has. */
  private static void stall(List<BenchClient> clients) throws InterruptedException {
    List<Future<?>> done = new ArrayList<>();
    for (BenchClient client : clients) {
      done.add(client.channel().eventLoop().submit(client::stall));
    }
    for (Future<?> f : done) {
      f.await();
    }
  }

  private Sender newSender(int index, int senders, Run run, BenchClient client) {
    if (!config.openLoop()) {
      return new ClosedLoopSender(index, run, client.channel(), client.stats());
    }
    // Spread the senders' first messages over one period, so that they do not all send at once.
    long phase = index * (SECOND / config.rate()) / senders;
    return new OpenLoopSender(index, run, client.channel(), client.stats(), config.rate(), phase);
  }

  /** The server's and the bench's CPU over the window; either null where it was not read. */
  private record WindowCpu(ServerCpu server, BenchCpu bench) {}

  /**
   * Until the window ends, a line each second: deliveries per second, p99, what was lost. Returns
   * the CPU the bench and (with {@code --pid}) the server used over the window.
   */
  private WindowCpu reportEachSecond(Run run, long start, Window window)
      throws InterruptedException {
    long lastNanos = start;
    long lastDeliveries = 0;
    BenchCpu.Meter benchCpu = null;
    ProcessCpu.Meter serverCpu = null;
    long deliveriesBefore = 0;
    boolean windowBegun = false;
    for (long tick = start + SECOND; ; tick += SECOND) {
      long until = Math.min(tick, window.end());
      if (!windowBegun && window.start() <= until) {
        sleepUntil(run, window.start());
        if (config.pid() != BenchConfig.NO_PID) {
          deliveriesBefore = deliveriesSoFar();
          serverCpu = ProcessCpu.meter(config.pid());
        }
        benchCpu = BenchCpu.start();
        windowBegun = true;
      }
      sleepUntil(run, until);
      if (tick >= window.end()) {
        BenchCpu bench = benchCpu == null ? null : benchCpu.stop();
        if (serverCpu == null) {
          return new WindowCpu(null, bench);
        }
        // Read in the same order as at the start, so that the two intervals are shifted alike by
        // the time the loops take to answer.
        long deliveries = deliveriesSoFar() - deliveriesBefore;
        ProcessCpu.Interval server = serverCpu.stop();
        return new WindowCpu(
            server == null ? null : new ServerCpu(server.cpu(), server.nanos(), deliveries), bench);
      }
      long now = run.now();
      Tally t = loops.sum(LoopStats::progress);
      double perSecond = (t.deliveries() - lastDeliveries) * 1e9 / Math.max(1, now - lastNanos);
      lastNanos = now;
      lastDeliveries = t.deliveries();
      LatencySummary latency = LatencySummary.of(t.latency());
      StringBuilder line =
          new StringBuilder(
              String.format(
                  Locale.ROOT,
                  "%s %s%ds: %,.0f deliveries/s, p99 %.2f ms, lost %,d",
                  label,
                  now < window.start() ? "warm-up " : "",
                  Math.round((now - start) / 1e9),
                  perSecond,
                  LatencySummary.millis(latency.p99()),
                  t.skipped()));
      if (t.duplicates() > 0) {
        line.append(String.format(Locale.ROOT, ", duplicated %,d", t.duplicates()));
      }
      if (t.dropped() > 0) {
        line.append(String.format(Locale.ROOT, ", dropped %,d", t.dropped()));
      }
      if (t.serverErrors() > 0) {
        line.append(String.format(Locale.ROOT, ", server errors %,d", t.serverErrors()));
      }
      progress.accept(line.toString());
    }
  }

  /** Every receiver's first arrivals so far, whenever their messages were sent. */
  private long deliveriesSoFar() throws InterruptedException {
    long sum = 0;
    for (long loop : loops.collect(LoopStats::deliveries)) {
      sum += loop;
    }
    return sum;
  }

  private static void sleepUntil(Run run, long nanos) throws InterruptedException {
    long now = run.now();
    if (nanos > now) {
      TimeUnit.NANOSECONDS.sleep(nanos - now);
    }
  }

  /**
   * Waits after the window until every message sent in it reached every receiver, or the drain time
   * is up, and returns the totals. Then has the stalled clients read what they were sent, and waits
   * as long again at most until the server has closed each of them.
   */
  private Tally drain(Run run, Window window, int receivers, List<BenchClient> stalled)
      throws InterruptedException {
    long deadline = window.end() + config.drain().toNanos();
    while (run.now() < deadline && !loops.sum(LoopStats::progress).complete(receivers)) {
      TimeUnit.MILLISECONDS.sleep(DRAIN_POLL_MILLIS);
    }
    Tally totals = loops.sum(LoopStats::totals);
    if (!stalled.isEmpty()) {
      awaitStalledClosed(run, stalled);
    }
    return totals;
  }

  /**
   * A stalled client cannot see that the server closed it: the close frame waits behind what it
   * never read, and the connection ends only when the server gives up on the closing handshake
   * (this server resets it 5 s later). Reading what was queued for them finds those close frames,
   * each decided while its client did not read: once reading, it keeps up.
   */
  private void awaitStalledClosed(Run run, List<BenchClient> stalled) throws InterruptedException {
    List<Future<?>> reading = new ArrayList<>();
    for (BenchClient client : stalled) {
      reading.add(client.channel().eventLoop().submit(client::readWhatWasQueued));
    }
    for (Future<?> f : reading) {
      f.await();
    }
    long deadline = run.now() + config.drain().toNanos();
    while (run.now() < deadline && !stalled.stream().allMatch(BenchClient::closedByServer)) {
      TimeUnit.MILLISECONDS.sleep(DRAIN_POLL_MILLIS);
    }
  }
}
