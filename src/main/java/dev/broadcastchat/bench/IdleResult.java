package dev.broadcastchat.bench;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What an {@code idle} run measured.
 *
 * @param url the server, with the room the run used
 * @param connections connections asked for
 * @param opened connections that opened (handshake done)
 * @param failed connections that did not
 * @param firstFailure why the first of those failed, or null
 * @param openTime from the first connect to the last handshake done or failed
 * @param hold how long they were held open
 * @param dropped connections that ended before the bench closed them
 * @param firstDrop why the first of those ended, or null
 * @param pid the server process whose memory was read, {@link BenchConfig#NO_PID} for none
 * @param rssBeforeWarmup its resident memory in bytes before the warm-up, -1 if not read
 * @param rssBefore its resident memory in bytes after the warm-up, before the first measured
 *     connection, -1 if not read
 * @param rssAfter its resident memory in bytes at the end of the hold, -1 if not read
 * @param serverCpu the CPU time the server used while the measured connections opened, null if not
 *     read
 * @param benchCpu the bench's own CPU while they opened, null if not read
 */
public record IdleResult(
    URI url,
    int connections,
    int opened,
    int failed,
    String firstFailure,
    Duration openTime,
    Duration hold,
    long dropped,
    String firstDrop,
    long pid,
    long rssBeforeWarmup,
    long rssBefore,
    long rssAfter,
    ProcessCpu serverCpu,
    BenchCpu benchCpu)
    implements BenchResult {

  /**
   * The JIT compiler's share of the server's CPU while the connections opened above which the
   * report says the server was still compiling. Opening 19,500 connections after a 20 s warm-up it
   * was 7 to 8%; after a 5 s one (the default until 75c6d71), 41 to 47% (docs/performance-log.md).
   */
  static final double STILL_COMPILING_SHARE = 0.25;

  /** Whether the server's JIT compiler took much of its CPU while the connections opened. */
  public boolean serverStillCompiling() {
    return serverCpu != null && serverCpu.compilerShare() > STILL_COMPILING_SHARE;
  }

  /**
   * The server's CPU time per connection opened while they opened, in microseconds; what to compare
   * when the bench, not the server, ran out of its core first. 0 without figures.
   */
  public double serverCpuPerConnectionMicros() {
    return serverCpu != null && opened > 0 ? serverCpu.totalNanos() / 1e3 / opened : 0;
  }

  /** Connections opened per second while opening. */
  public double connectionsPerSecond() {
    return opened * 1e9 / Math.max(1, openTime.toNanos());
  }

  /** Whether the server's resident memory was read before and after. */
  public boolean hasMemory() {
    return rssBefore >= 0 && rssAfter >= 0;
  }

  /** The server's resident memory growth per open connection, in bytes; 0 without figures. */
  public double rssPerConnection() {
    return hasMemory() && opened > 0 ? (double) (rssAfter - rssBefore) / opened : 0;
  }

  /**
   * The server's resident memory growth per open connection counted from before the warm-up, in
   * bytes: includes what the warm-up made resident (heap the collector had not touched yet, pools);
   * 0 without figures.
   */
  public double rssPerConnectionFromCold() {
    return hasMemory() && rssBeforeWarmup >= 0 && opened > 0
        ? (double) (rssAfter - rssBeforeWarmup) / opened
        : 0;
  }

  @Override
  public String problems() {
    List<String> problems = new ArrayList<>();
    if (failed > 0) {
      problems.add(
          String.format(Locale.ROOT, "%,d connections failed (first: %s)", failed, firstFailure));
    }
    if (dropped > 0) {
      problems.add(
          String.format(Locale.ROOT, "%,d connections dropped (first: %s)", dropped, firstDrop));
    }
    return String.join(", ", problems);
  }
}
