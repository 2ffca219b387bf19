package dev.broadcastchat.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * CPU time a process used between two {@linkplain Sample samples}, in all and in the threads a JVM
 * compiles and collects on, read from {@code /proc} (Linux). It tells whether a server measured
 * while it was still compiling: a JVM's JIT compiler works on the same core as the server's event
 * loop until the code it runs is compiled.
 *
 * <p>Threads are told apart by name: HotSpot's {@code C1 CompilerThread0} and {@code C2
 * CompilerThread0} (and JVMCI's), OpenJ9's {@code JIT Compilation Thread}; the collectors' worker
 * threads ({@code GC Thread#0}, G1's, ZGC's, Shenandoah's, OpenJ9's {@code GC Worker}). The serial
 * collector works in HotSpot's {@code VM Thread}, which does other work too, so its time is not
 * counted as the collector's. A process that is not a JVM has neither, and all its time counts as
 * other.
 *
 * <p>The compiler's and collector's time is summed thread by thread, so that a thread that ends
 * between the samples (HotSpot stops compiler threads it no longer needs, where it has more than
 * one) takes none of the others' time away; what it used after the first sample is not counted,
 * which makes those two figures lower bounds. The total is the process's own, which keeps the time
 * of ended threads.
 *
 * <p>The kernel's part is the process's system time: its system calls and page faults and, on a
 * kernel built without IRQ time accounting ({@code CONFIG_IRQ_TIME_ACCOUNTING}, which would count
 * them apart from any process), the soft interrupts the kernel runs while they are under way. On
 * loopback those include the receiving side's TCP, since a send raises the receiver's soft
 * interrupt on the sender's core.
 *
 * @param totalNanos all the process's threads, those that have ended included
 * @param compilerNanos its JIT compiler threads
 * @param collectorNanos its garbage collector's threads
 * @param kernelNanos all its threads' time in the kernel, those that have ended included
 */
record ProcessCpu(long totalNanos, long compilerNanos, long collectorNanos, long kernelNanos) {
  /**
   * Clock ticks per second in {@code /proc/.../stat} ({@code USER_HZ}): 100 on every Linux
   * architecture the JDK runs on.
   */
  private static final long TICKS_PER_SECOND = 100;

  private static final long NANOS_PER_TICK = 1_000_000_000L / TICKS_PER_SECOND;

  /**
   * The shortest time a {@link Meter} reports on: {@code /proc} counts CPU time in 10 ms ticks, so
   * over less a share of a core would be mostly rounding.
   */
  static final long MIN_MEASURED_NANOS = 100_000_000;

  private static final List<String> COMPILER_NAMES =
      List.of("C1 CompilerThre", "C2 CompilerThre", "JVMCI CompilerT", "JIT Compilation");

  private static final List<String> COLLECTOR_NAMES =
      List.of("GC Thread", "GC Worker", "G1 ", "ZWorker", "ZDriver", "ZDirector", "Shenandoah");

  /**
   * A process's CPU time at one moment, in clock ticks, and that of each of its compiler and
   * collector threads by thread id.
   *
   * @param totalTicks all the process's threads, those that have ended included
   * @param compilerTicks utime + stime of each compiler thread, by thread id
   * @param collectorTicks utime + stime of each collector thread, by thread id
   * @param kernelTicks stime of all the process's threads, those that have ended included
   */
  record Sample(
      long totalTicks,
      Map<Long, Long> compilerTicks,
      Map<Long, Long> collectorTicks,
      long kernelTicks) {
    Sample {
      compilerTicks = Map.copyOf(compilerTicks);
      collectorTicks = Map.copyOf(collectorTicks);
    }

    /**
     * What was used between {@code earlier} and this sample. The threads and the process are read a
     * moment apart and each rounded to whole ticks, so over a short time the threads' growth can
     * exceed the process's by a tick or two; the total is then taken as their sum, so that no share
     * is over the whole. The kernel's part comes from the same line as the process's total, and
     * Linux never lets either of the two times it adds go back, so it is never more than the total.
     */
    ProcessCpu since(Sample earlier) {
      long compiler = used(compilerTicks, earlier.compilerTicks);
      long collector = used(collectorTicks, earlier.collectorTicks);
      long total = Math.max(totalTicks - earlier.totalTicks, compiler + collector);
      long kernel = kernelTicks - earlier.kernelTicks;
      return new ProcessCpu(
          total * NANOS_PER_TICK,
          compiler * NANOS_PER_TICK,
          collector * NANOS_PER_TICK,
          kernel * NANOS_PER_TICK);
    }

    /** Each thread's growth since {@code earlier}, summed; a thread new since then counts whole. */
    private static long used(Map<Long, Long> now, Map<Long, Long> earlier) {
      long sum = 0;
      for (Map.Entry<Long, Long> thread : now.entrySet()) {
        sum += Math.max(0, thread.getValue() - earlier.getOrDefault(thread.getKey(), 0L));
      }
      return sum;
    }
  }

  /**
   * Samples process {@code pid}'s CPU time now.
   *
   * @throws UncheckedIOException if it cannot be read (no such process, not Linux)
   */
  static Sample sample(long pid) {
    return sample(Path.of("/proc"), pid);
  }

  /** As {@link #sample(long)}, from a {@code /proc} tree at {@code proc}. */
  static Sample sample(Path proc, long pid) {
    Path process = proc.resolve(Long.toString(pid));
    Map<Long, Long> compiler = new HashMap<>();
    Map<Long, Long> collector = new HashMap<>();
    try (DirectoryStream<Path> tasks = Files.newDirectoryStream(process.resolve("task"))) {
      for (Path task : tasks) {
        String stat;
        try {
          stat = Files.readString(task.resolve("stat"));
        } catch (IOException ended) {
          // The thread ended since the listing (no such file, or ESRCH from a stat file it left
          // as it ended): its time is in the process's total.
          continue;
        }
        String name = name(stat);
        if (startsWithAny(name, COMPILER_NAMES)) {
          compiler.put(threadId(stat), ticks(fieldsAfterName(stat)));
        } else if (startsWithAny(name, COLLECTOR_NAMES)) {
          collector.put(threadId(stat), ticks(fieldsAfterName(stat)));
        }
      }
      // Read after the threads, so that the total is never less than their sum.
      String[] fields = fieldsAfterName(Files.readString(process.resolve("stat")));
      return new Sample(ticks(fields), compiler, collector, kernelTicks(fields));
    } catch (IOException e) {
      throw cannotRead(process, e);
    } catch (DirectoryIteratorException e) {
      throw cannotRead(process, e.getCause());
    } catch (RuntimeException e) {
      throw new UncheckedIOException(
          new IOException("cannot parse " + process + "'s stat: " + e.getMessage(), e));
    }
  }

  /**
   * Starts measuring process {@code pid}; null where its CPU time cannot be read (no such process,
   * not Linux), and then there is nothing to report.
   */
  static Meter meter(long pid) {
    try {
      return new Meter(pid, sample(pid), System.nanoTime());
    } catch (UncheckedIOException e) {
      return null;
    }
  }

  /**
   * What a process used over a measured time.
   *
   * @param cpu its CPU time meanwhile
   * @param nanos how long that was, by the clock
   */
  record Interval(ProcessCpu cpu, long nanos) {}

  /** A measurement of one process under way. */
  static final class Meter {
    private final long pid;
    private final Sample before;
    private final long startNanos;

    private Meter(long pid, Sample before, long startNanos) {
      this.pid = pid;
      this.before = before;
      this.startNanos = startNanos;
    }

    /**
     * What the process used since {@link #meter}; null if it can no longer be read (it ended), or
     * if that was less than {@link #MIN_MEASURED_NANOS} ago.
     */
    Interval stop() {
      long elapsed = System.nanoTime() - startNanos;
      if (elapsed < MIN_MEASURED_NANOS) {
        return null;
      }
      try {
        return new Interval(sample(pid).since(before), elapsed);
      } catch (UncheckedIOException e) {
        return null;
      }
    }
  }

  private static UncheckedIOException cannotRead(Path process, IOException e) {
    return new UncheckedIOException("cannot read " + process + ": " + e.getMessage(), e);
  }

  /** The compiler threads' share of the whole, 0 to 1; 0 if nothing was used. */
  double compilerShare() {
    return totalNanos > 0 ? (double) compilerNanos / totalNanos : 0;
  }

  /** The kernel's share of the whole, 0 to 1; 0 if nothing was used. */
  double kernelShare() {
    return totalNanos > 0 ? (double) kernelNanos / totalNanos : 0;
  }

  /** The name in a stat line: between the first '(' and the last ')', as it may hold either. */
  private static String name(String stat) {
    return stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
  }

  /** The thread's id: the first field. */
  private static long threadId(String stat) {
    return Long.parseLong(stat.substring(0, stat.indexOf(' ')));
  }

  /** utime + stime: the 14th and 15th fields of a stat line, the 12th and 13th after the name. */
  private static long ticks(String[] fieldsAfterName) {
    return Long.parseLong(fieldsAfterName[11]) + kernelTicks(fieldsAfterName);
  }

  /** stime: the 15th field of a stat line, the 13th after the name. */
  private static long kernelTicks(String[] fieldsAfterName) {
    return Long.parseLong(fieldsAfterName[12]);
  }

  /** The fields of a stat line that follow the name, which may hold spaces and parentheses. */
  private static String[] fieldsAfterName(String stat) {
    return stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
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
