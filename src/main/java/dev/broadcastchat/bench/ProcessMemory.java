package dev.broadcastchat.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads a process's resident memory from {@code /proc/PID/status} (Linux). */
final class ProcessMemory {
  private ProcessMemory() {}

  /**
   * The resident set size of process {@code pid}, in bytes.
   *
   * @throws UncheckedIOException if it cannot be read (no such process, not Linux)
   */
  static long residentBytes(long pid) {
    Path status = Path.of("/proc", Long.toString(pid), "status");
    try {
      for (String line : Files.readAllLines(status)) {
        if (line.startsWith("VmRSS:")) {
          String kb = line.substring("VmRSS:".length()).trim();
          return Long.parseLong(kb.substring(0, kb.indexOf(' '))) * 1024;
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + status + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      throw new UncheckedIOException(
          new IOException("cannot parse VmRSS in " + status + ": " + e.getMessage(), e));
    }
    throw new UncheckedIOException(new IOException("no VmRSS line in " + status));
  }
}
