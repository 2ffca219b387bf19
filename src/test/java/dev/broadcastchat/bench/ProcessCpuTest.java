package dev.broadcastchat.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessCpuTest {
  private static final long TICK = 10_000_000;

  /** A process that has used nothing yet: what a first sample is measured from. */
  private static final ProcessCpu.Sample NOTHING = new ProcessCpu.Sample(0, Map.of(), Map.of(), 0);

  @TempDir Path proc;

  /** A stat line as Linux writes it, with {@code utime} and {@code stime} in clock ticks. */
  private static String stat(long tid, String name, long utime, long stime) {
    return tid
        + " ("
        + name
        + ") S 1 1 0 0 -1 4194368 100 0 0 0 "
        + utime
        + " "
        + stime
        + " 0 0 20 0 20 0 12345 100000 2000 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0"
        + " 0 0 0 0\n";
  }

  private void task(long pid, long tid, String name, long utime, long stime) throws IOException {
    Path dir = Files.createDirectories(proc.resolve(pid + "/task/" + tid));
    Files.writeString(dir.resolve("stat"), stat(tid, name, utime, stime));
  }

  private void deleteTask(long pid, long tid) throws IOException {
    Path dir = proc.resolve(pid + "/task/" + tid);
    Files.delete(dir.resolve("stat"));
    Files.delete(dir);
  }

  @Test
  void sortsTheThreadsOfAJvmByName() throws IOException {
    task(7, 7, "java", 50, 10);
    task(7, 8, "C2 CompilerThre", 120, 5);
    task(7, 9, "C1 CompilerThre", 30, 2);
    task(7, 10, "GC Thread#0", 8, 4);
    task(7, 11, "G1 Conc#0", 1, 0);
    task(7, 12, "multiThreadIoEv", 200, 300);
    task(7, 13, "a (strange) name)", 3, 3);
    task(7, 14, "VM Thread", 6, 6);
    // The process's total also holds threads that have ended: more than the sum of those left.
    Files.writeString(proc.resolve("7/stat"), stat(7, "java", 500, 400));

    ProcessCpu cpu = ProcessCpu.sample(proc, 7).since(NOTHING);

    assertThat(cpu.totalNanos()).isEqualTo(900 * TICK);
    assertThat(cpu.compilerNanos()).isEqualTo((125 + 32) * TICK);
    assertThat(cpu.collectorNanos()).isEqualTo((12 + 1) * TICK);
    // The kernel's part is the process's own system time, ended threads included.
    assertThat(cpu.kernelNanos()).isEqualTo(400 * TICK);
    assertThat(cpu.kernelShare()).isEqualTo(400.0 / 900);
  }

  @Test
  void whatWasUsedBetweenTwoSamplesIsSummedThreadByThread() throws IOException {
    task(7, 8, "C2 CompilerThre", 100, 0);
    task(7, 9, "C2 CompilerThre", 300, 0);
    task(7, 10, "GC Thread#0", 10, 0);
    Files.writeString(proc.resolve("7/stat"), stat(7, "java", 800, 200));
    ProcessCpu.Sample before = ProcessCpu.sample(proc, 7);

    // Compiler thread 9 ends (the JVM stops compiler threads it no longer needs), thread 11
    // starts, thread 8 goes on working; the process's total keeps what thread 9 used.
    deleteTask(7, 9);
    task(7, 8, "C2 CompilerThre", 150, 10);
    task(7, 11, "C2 CompilerThre", 20, 0);
    task(7, 10, "GC Thread#0", 15, 0);
    Files.writeString(proc.resolve("7/stat"), stat(7, "java", 850, 350));
    ProcessCpu between = ProcessCpu.sample(proc, 7).since(before);

    assertThat(between)
        .isEqualTo(new ProcessCpu(200 * TICK, (60 + 20) * TICK, 5 * TICK, 150 * TICK));
    assertThat(between.compilerShare()).isEqualTo(0.4);
    assertThat(between.kernelShare()).isEqualTo(0.75);
    assertThat(new ProcessCpu(0, 0, 0, 0).compilerShare()).isZero();
    assertThat(new ProcessCpu(0, 0, 0, 0).kernelShare()).isZero();
  }

  @Test
  void readsThisJvmsOwnCompilerThreads() {
    ProcessCpu sinceStart = ProcessCpu.sample(ProcessHandle.current().pid()).since(NOTHING);

    // This JVM has loaded and run the test framework: its compilers have done some work, and its
    // other threads (the one running this test among them) more.
    assertThat(sinceStart.compilerNanos()).isPositive();
    assertThat(sinceStart.totalNanos())
        .isGreaterThan(sinceStart.compilerNanos() + sinceStart.collectorNanos());
    // Starting a JVM takes the kernel's time too (mapping and touching the heap, reading the
    // class path), and part of a whole is never more than it.
    assertThat(sinceStart.kernelNanos()).isPositive().isLessThan(sinceStart.totalNanos());
  }

  @Test
  void theWholeIsNeverLessThanItsParts() throws IOException {
    // Read a moment after its threads and rounded on its own, the process's total can lag their
    // sum by a tick over a short time.
    task(7, 8, "C2 CompilerThre", 100, 0);
    Files.writeString(proc.resolve("7/stat"), stat(7, "java", 1_000, 0));
    ProcessCpu.Sample before = ProcessCpu.sample(proc, 7);
    task(7, 8, "C2 CompilerThre", 103, 0);
    Files.writeString(proc.resolve("7/stat"), stat(7, "java", 1_002, 0));

    ProcessCpu between = ProcessCpu.sample(proc, 7).since(before);

    assertThat(between).isEqualTo(new ProcessCpu(3 * TICK, 3 * TICK, 0, 0));
    assertThat(between.compilerShare()).isEqualTo(1.0);
  }

  @Test
  void aProcessThatIsNotThereCannotBeRead() {
    assertThatThrownBy(() -> ProcessCpu.sample(proc, 99))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("99");
  }
}
