package dev.broadcastchat.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * CPU time a process has used, in all and in the threads a JVM compiles and collects on, read from
 * {@code /proc} (Linux). The difference of two readings tells whether a server measured while it
 * was still compiling: a JVM's JIT compiler works on the same core as the server's event loop until
 * the code it runs is compiled.
 *
 * <p>Threads are told apart by name: HotSpot's {@code C1 CompilerThread0} and {@code C2
 * CompilerThread0} (and JVMCI's), OpenJ9's {@code JIT Compilation Thread}; the collectors' worker
 * threads ({@code GC Thread#0}, G1's, ZGC's, Shenandoah's, OpenJ9's {@code GC Worker}). A process
 * that is not a JVM has neither, and all its time counts as other.
 *
 * @param totalNanos all the process's threads, those that have ended included
 * @param compilerNanos its JIT compiler threads
 * @param collectorNanos its garbage collector's threads
 */
record ProcessCpu(long totalNanos, long compilerNanos, long collectorNanos) {
  /**
   * Clock ticks per second in {@code /proc/.../stat} ({@code USER_HZ}): 100 on every Linux
   * architecture the JDK runs on.
   */
  private static final long TICKS_PER_SECOND = 100;

  private static final long NANOS_PER_TICK = 1_000_000_000L / TICKS_PER_SECOND;

  private static final List<String> COMPILER_NAMES =
      List.of("C1 CompilerThre", "C2 CompilerThre", "JVMCI CompilerT", "JIT Compilation");

  private static final List<String> COLLECTOR_NAMES =
      List.of(
          "GC Thread",
          "GC Worker",
          "G1 ",
          "ZWorker",
          "ZDriver",
          "ZDirector",
          "Shenandoah",
          "ParGC");

  /**
   * Reads process {@code pid}'s CPU time now.
   *
   * @throws UncheckedIOException if it cannot be read (no such process, not Linux)
   */
  static ProcessCpu read(long pid) {
    return read(Path.of("/proc"), pid);
  }

  /** As {@link #read(long)}, from a {@code /proc} tree at {@code proc}. */
  static ProcessCpu read(Path proc, long pid) {
    Path process = proc.resolve(Long.toString(pid));
    long compiler = 0;
    long collector = 0;
    try (DirectoryStream<Path> tasks = Files.newDirectoryStream(process.resolve("task"))) {
      for (Path task : tasks) {
        String stat;
        try {
          stat = Files.readString(task.resolve("stat"));
        } catch (NoSuchFileException ended) {
          continue; // the thread ended since the listing; its time is in the process's total
        }
        String name = name(stat);
        if (startsWithAny(name, COMPILER_NAMES)) {
          compiler += ticks(stat);
        } else if (startsWithAny(name, COLLECTOR_NAMES)) {
          collector += ticks(stat);
        }
      }
      // Read after the threads, so that the total is never less than their sum.
      long total = ticks(Files.readString(process.resolve("stat")));
      return new ProcessCpu(
          total * NANOS_PER_TICK, compiler * NANOS_PER_TICK, collector * NANOS_PER_TICK);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + process + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      throw new UncheckedIOException(
          new IOException("cannot parse " + process + "'s stat: " + e.getMessage(), e));
    }
  }

  /** What was used between {@code earlier} and this reading. */
  ProcessCpu since(ProcessCpu earlier) {
    return new ProcessCpu(
        totalNanos - earlier.totalNanos,
        compilerNanos - earlier.compilerNanos,
        collectorNanos - earlier.collectorNanos);
  }

  /** The compiler threads' share of the whole, 0 to 1; 0 if nothing was used. */
  double compilerShare() {
    return totalNanos > 0 ? (double) compilerNanos / totalNanos : 0;
  }

  /** The name in a stat line: between the first '(' and the last ')', as it may hold either. */
  private static String name(String stat) {
    return stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
  }

  /** utime + stime: the 14th and 15th fields, the 12th and 13th after the name. */
  private static long ticks(String stat) {
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
    return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
  }

  private static boolean startsWithAny(String name, List<String> prefixes) {
    for (String prefix : prefixes) {
      if (name.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }
}
