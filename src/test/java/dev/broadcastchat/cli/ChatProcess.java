package dev.broadcastchat.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** The real jar (or the launcher) run as a process, with its output collected line by line. */
final class ChatProcess implements AutoCloseable {
  private final Process process;
  private final BlockingQueue<String> stdout = new LinkedBlockingQueue<>();
  private final List<String> stdoutSoFar = new CopyOnWriteArrayList<>();
  private final List<String> stderr = new CopyOnWriteArrayList<>();
  private final Thread outReader;
  private final Thread errReader;

  private ChatProcess(Process process) {
    this.process = process;
    this.outReader =
        pump(
            process.getInputStream(),
            line -> {
              stdoutSoFar.add(line);
              stdout.add(line);
            });
    this.errReader = pump(process.getErrorStream(), stderr::add);
    outReader.start();
    errReader.start();
  }

  /** {@code java -jar target/chat.jar ARGS}. */
  static ChatProcess jar(Map<String, String> env, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(javaBin(), "-jar", jarPath().toString()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().putAll(env);
    return new ChatProcess(pb.start());
  }

  /** {@code bash -c SCRIPT} in the project directory, where {@code ./chat} is the launcher. */
  static ChatProcess shell(String script) throws IOException {
    ProcessBuilder pb = new ProcessBuilder("bash", "-c", script);
    pb.directory(launcherPath().getParent().toFile());
    return new ChatProcess(pb.start());
  }

  static Path jarPath() {
    Path jar = Path.of(System.getProperty("chat.jar", "target/chat.jar"));
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("no jar at " + jar + ": run the tests through 'mvn verify'");
    }
    return jar;
  }

  /** A port nothing listens on right now, for a server process to bind. */
  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  static Path launcherPath() {
    return Path.of(System.getProperty("chat.launcher", "chat")).toAbsolutePath();
  }

  private static String javaBin() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private static Thread pump(InputStream in, java.util.function.Consumer<String> sink) {
    Thread t =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                  sink.accept(line);
                }
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            });
    t.setDaemon(true);
    return t;
  }

  /** The next stdout line, waiting at most {@code timeout}; null if none came. */
  String nextLine(Duration timeout) throws InterruptedException {
    return stdout.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Waits for the process to end and returns its exit code; kills it after {@code timeout}. */
  int waitFor(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("process still running after " + timeout + "; stderr: " + stderr);
    }
    outReader.join(timeout.toMillis());
    errReader.join(timeout.toMillis());
    return process.exitValue();
  }

  /**
   * Waits for the next stdout line that {@code matches}, skipping others, and returns it; fails
   * after {@code timeout} naming what it saw.
   */
  String awaitLine(java.util.function.Predicate<String> matches, String what, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<String> skipped = new ArrayList<>();
    while (true) {
      long left = deadline - System.nanoTime();
      String line = left > 0 ? stdout.poll(left, TimeUnit.NANOSECONDS) : null;
      if (line == null) {
        throw new AssertionError(
            "no stdout line "
                + what
                + " within "
                + timeout
                + "; saw "
                + skipped
                + "; stderr "
                + stderr);
      }
      if (matches.test(line)) {
        return line;
      }
      skipped.add(line);
    }
  }

  /** Writes {@code line} to its stdin, as if typed. */
  void type(String line) throws IOException {
    java.io.OutputStream in = process.getOutputStream();
    in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    in.flush();
  }

  /** Closes its stdin: the end of input. */
  void endInput() throws IOException {
    process.getOutputStream().close();
  }

  /** Everything it printed on stdout so far, whether read or not. */
  List<String> stdoutSoFar() {
    return List.copyOf(stdoutSoFar);
  }

  /** Everything it printed on stderr so far. */
  List<String> stderr() {
    return List.copyOf(stderr);
  }

  /**
   * Sends SIGTERM. Through the process handle: {@link Process#destroy} sends the same signal but
   * also closes our ends of the pipes, and what the process prints while it shuts down is lost.
   */
  void terminate() {
    process.toHandle().destroy();
  }

  Process process() {
    return process;
  }

  /** Kills it and whatever it started (a script's servers) that is still running. */
  @Override
  public void close() {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
  }
}
