package dev.broadcastchat.bus;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;

/**
 * A real {@code redis-server} for tests, on a free port of 127.0.0.1 and in a directory of its own,
 * persisting every write before answering it ({@code appendonly yes}, {@code appendfsync always}),
 * so that a test can kill it, start it again on the same port and data, and expect nothing
 * acknowledged to be lost. Never skipped when redis-server is missing: {@link #start} fails, saying
 * how to install it.
 *
 * <p>Used from test threads; {@link #commands()} is a Lettuce connection of the test's own, for
 * looking inside Redis and for doing to it what an operator (or a failure) would.
 */
public final class RedisServer implements AutoCloseable {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(20);
  private static final List<String> LOCATIONS =
      List.of("/usr/bin/redis-server", "/usr/local/bin/redis-server", "/usr/sbin/redis-server");

  private final String binary;
  private final Path dir;
  private final int port;
  private final String password;
  private Process process;
  private RedisClient client;
  private StatefulRedisConnection<String, String> connection;

  private RedisServer(String binary, Path dir, int port, String password) {
    this.binary = binary;
    this.dir = dir;
    this.port = port;
    this.password = password;
  }

  /** Starts a fresh server; returns once it answers PING. */
  public static RedisServer start() {
    return start("");
  }

  /**
   * Starts a fresh server that serves only clients authenticated with {@code password} ({@code
   * requirepass}); returns once it answers PING, with {@code NOAUTH} as it will.
   */
  public static RedisServer requiringPassword(String password) {
    if (password.isEmpty()) {
      throw new IllegalArgumentException("password: empty (expected: at least one character)");
    }
    return start(password);
  }

  private static RedisServer start(String password) {
    try {
      RedisServer server =
          new RedisServer(binary(), Files.createTempDirectory("chat-redis-"), freePort(), password);
      server.launch();
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException("redis-server could not be started", e);
    }
  }

  /** {@code redis://127.0.0.1:PORT}, with the password where the server requires one. */
  public String url() {
    return urlWithPassword(password);
  }

  /** {@code redis://:PASSWORD@127.0.0.1:PORT}, or {@link #url()}'s form for an empty password. */
  public String urlWithPassword(String password) {
    return password.isEmpty()
        ? "redis://127.0.0.1:" + port
        : "redis://:" + password + "@127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  /** Whether the process runs (it may be stopped with {@link #pause}). */
  public boolean alive() {
    return process != null && process.isAlive();
  }

  /** Kills the process at once (SIGKILL), as a crash would; waits until it is gone. */
  public void kill() {
    if (process != null) {
      process.destroyForcibly();
      try {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          throw new IllegalStateException(
              "redis-server on port " + port + ": still alive after SIGKILL");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted waiting for redis-server to die", e);
      }
    }
  }

  /** Starts the server again, on the same port and data; returns once it answers PING. */
  public void restart() {
    if (alive()) {
      throw new IllegalStateException("redis-server on port " + port + ": still running");
    }
    launch();
  }

  /** Stops the process (SIGSTOP): it keeps its connections and answers nothing. */
  public void pause() {
    signal("STOP");
  }

  /** Lets a paused process go on (SIGCONT). */
  public void resume() {
    signal("CONT");
  }

  /** A connection of the test's own (reconnecting after a restart). */
  public RedisCommands<String, String> commands() {
    if (connection == null) {
      client = RedisClient.create(RedisURI.create(url()));
      connection = client.connect();
    }
    return connection.sync();
  }

  private void launch() {
    List<String> command =
        new ArrayList<>(
            List.of(
                binary,
                "--port",
                Integer.toString(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--dir",
                dir.toString(),
                "--daemonize",
                "no",
                "--logfile",
                dir.resolve("redis.log").toString()));
    if (!password.isEmpty()) {
      command.addAll(List.of("--requirepass", password));
    }
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("stdout.log").toFile()));
    try {
      process = pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + binary, e);
    }
    awaitPong();
  }

  private void awaitPong() {
    Awaitility.await("redis-server on port " + port + " answering PING")
        .atMost(START_TIMEOUT)
        .pollInterval(Duration.ofMillis(20))
        .until(
            () -> {
              if (!process.isAlive()) {
                throw new IllegalStateException(
                    "redis-server on port "
                        + port
                        + " exited with "
                        + process.exitValue()
                        + "; see "
                        + dir.resolve("redis.log"));
              }
              return pong();
            });
  }

  private boolean pong() {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
      socket.setSoTimeout(1000);
      OutputStream out = socket.getOutputStream();
      out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      byte[] reply = new byte[7];
      int n = in.read(reply);
      String answer = n > 0 ? new String(reply, 0, n, StandardCharsets.US_ASCII) : "";
      return answer.startsWith("+PONG") || (!password.isEmpty() && answer.startsWith("-NOAUTH"));
    } catch (IOException notYet) {
      return false;
    }
  }

  private void signal(String signal) {
    try {
      Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).start();
      if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new IllegalStateException("kill -" + signal + " " + process.pid() + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("kill -" + signal + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted sending SIG" + signal, e);
    }
  }

  /** Stops the server and removes its data. */
  @Override
  public void close() {
    if (connection != null) {
      connection.close();
      client.shutdown(0, 1, TimeUnit.SECONDS);
    }
    if (process != null && alive()) {
      resume();
    }
    kill();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot remove " + dir, e);
    }
  }

  private static String binary() {
    for (String location : LOCATIONS) {
      if (Files.isExecutable(Path.of(location))) {
        return location;
      }
    }
    String path = System.getenv("PATH");
    if (path != null) {
      for (String entry : path.split(File.pathSeparator)) {
        Path candidate = Path.of(entry, "redis-server");
        if (Files.isExecutable(candidate)) {
          return candidate.toString();
        }
      }
    }
    throw new IllegalStateException(
        "redis-server is not installed, and the Redis tests need it: run ./test.sh, which"
            + " installs it, or apt-get install -y redis-server");
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
