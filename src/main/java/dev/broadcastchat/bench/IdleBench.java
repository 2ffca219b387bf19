package dev.broadcastchat.bench;

import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The {@code idle} scenario: opens many connections that only read, as fast as the server takes
 * them, holds them open, and reads the server's resident memory before and after, and its CPU time
 * while they opened.
 *
 * <p>The warm-up opens and closes waves of connections first, not counted, so that the connections
 * per second measure a server (and a load generator) whose code is compiled, not a cold JIT.
 *
 * <p>Runs on the caller's thread, which only waits and reads the loops' figures through tasks.
 */
final class IdleBench {
  /** Connections in one warm-up wave, at most. */
  static final int WARMUP_WAVE = 2000;

  /**
   * The warm-up tries this many times the connections the run measures. The JIT compilers (the
   * bench's own and the server's) compile a method only after thousands of calls, and then work
   * through a queue on a busy core. Against a server that was not the limit, after one run's worth
   * the bench's compiler still took 0.45 to 1.07 s of the measured opening (five runs), after three
   * 0.06 to 0.11 s (six runs; docs/performance-log.md, "The opening with a faster load generator,
   * and a warm-up of three runs' worth").
   */
  static final int WARMUP_RUNS = 3;

  /**
   * The warm-up starts no new wave after this long (or after --warmup, if that is longer), even if
   * it has not yet tried {@link #WARMUP_RUNS} times the connections the run measures.
   */
  static final Duration WARMUP_CAP = Duration.ofSeconds(60);

  private final BenchConfig config;
  private final BenchLoops loops;
  private final Consumer<String> progress;

  IdleBench(BenchConfig config, BenchLoops loops, Consumer<String> progress) {
    this.config = config;
    this.loops = loops;
    this.progress = progress;
  }

  IdleResult run() throws InterruptedException {
    Run run = Run.start(config.size());
    URI url = Bench.withRoom(config.url());
    long rssBeforeWarmup = rss();
    boolean warmedUp = warmUp(run, url);
    if (warmedUp) {
      // The warm-up's garbage collected now, between the phases, so that the opening measured
      // starts with an empty young generation: with the launcher's, big enough for what opening
      // the connections allocates here, none of this process's own pauses falls into it.
      System.gc();
    }
    long rssBefore = warmedUp && rssBeforeWarmup >= 0 ? rss() : rssBeforeWarmup;
    Connector connector = readers(run, url, config.connections());
    ProcessCpu.Sample cpuBefore = cpu();
    BenchCpu.Meter benchCpu = BenchCpu.start();
    try (Crowd crowd = Crowd.open(connector, url, "idle", config.connections(), progress)) {
      BenchCpu benchCpuOpening = benchCpu == null ? null : benchCpu.stop();
      ProcessCpu.Sample cpuAfter = cpuBefore == null ? null : cpu();
      progress.accept(
          String.format(
              Locale.ROOT,
              "idle: %,d open in %.2f s, %,d failed",
              crowd.size(),
              crowd.openNanos() / 1e9,
              crowd.failed()));
      hold(crowd);
      long rssAfter = rssBefore < 0 ? -1 : rss();
      Tally t = loops.sum(LoopStats::progress);
      return new IdleResult(
          url,
          config.connections(),
          crowd.size(),
          crowd.failed(),
          crowd.firstFailure(),
          Duration.ofNanos(crowd.openNanos()),
          config.hold(),
          t.dropped(),
          t.firstDrop(),
          config.pid(),
          rssBeforeWarmup,
          rssBefore,
          rssAfter,
          cpuAfter == null ? null : cpuAfter.since(cpuBefore),
          benchCpuOpening);
    }
  }

  /** A connector for {@code total} connections that only read. */
  private Connector readers(Run run, URI url, int total) {
    return new Connector(
        loops, url, config.sources(), config.concurrency(), total, () -> new BenchClient(run, 0));
  }

  /**
   * Opens and closes waves of connections for the warm-up time and until it has tried {@link
   * #WARMUP_RUNS} times as many as the run measures (no new wave after {@link #WARMUP_CAP});
   * returns whether it opened any (none if the warm-up is 0).
   */
  private boolean warmUp(Run run, URI url) throws InterruptedException {
    if (config.warmup().isZero()) {
      return false;
    }
    long start = System.nanoTime();
    long end = start + config.warmup().toNanos();
    long cap = start + Math.max(config.warmup().toNanos(), WARMUP_CAP.toNanos());
    int wave = Math.min(config.connections(), WARMUP_WAVE);
    long opened = 0;
    long tried = 0;
    long toTry = (long) WARMUP_RUNS * config.connections();
    // For --warmup at least, and until WARMUP_RUNS times as many connections have been tried as
    // will be measured: a shorter warm-up leaves the opening path to be compiled while the measured
    // connections open. Bounded in time, for a server that opens slowly. (A wave of which none
    // opens ends the run: Crowd.open throws.)
    while ((end - System.nanoTime() > 0 || tried < toTry) && cap - System.nanoTime() > 0) {
      try (Crowd crowd = Crowd.open(readers(run, url, wave), url, "idle warm-up", wave, progress)) {
        opened += crowd.size();
        tried += wave;
      }
      progress.accept(
          String.format(
              Locale.ROOT,
              "idle warm-up %ds: %,d opened and closed",
              TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start),
              opened));
    }
    return opened > 0;
  }

  /** Keeps the connections open for the hold time, with a line each second. */
  private void hold(Crowd crowd) throws InterruptedException {
    long start = System.nanoTime();
    long end = start + config.hold().toNanos();
    for (long tick = start + TimeUnit.SECONDS.toNanos(1); ; tick += TimeUnit.SECONDS.toNanos(1)) {
      long now = System.nanoTime();
      long until = Math.min(tick, end);
      if (until > now) {
        TimeUnit.NANOSECONDS.sleep(until - now);
      }
      if (tick >= end) {
        return;
      }
      Tally t = loops.sum(LoopStats::progress);
      progress.accept(
          String.format(
              Locale.ROOT,
              "idle hold %ds: %,d open, %,d dropped",
              TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start),
              crowd.size() - t.dropped(),
              t.dropped()));
    }
  }

  /** The server's CPU time so far, or null without a pid or if it cannot be read. */
  private ProcessCpu.Sample cpu() {
    if (config.pid() == BenchConfig.NO_PID) {
      return null;
    }
    try {
      return ProcessCpu.sample(config.pid());
    } catch (UncheckedIOException e) {
      progress.accept("idle: " + e.getMessage());
      return null;
    }
  }

  /** The server's resident memory in bytes, or -1 without a pid or if it cannot be read. */
  private long rss() {
    if (config.pid() == BenchConfig.NO_PID) {
      return -1;
    }
    try {
      return ProcessMemory.residentBytes(config.pid());
    } catch (UncheckedIOException e) {
      progress.accept("idle: " + e.getMessage());
      return -1;
    }
  }
}
