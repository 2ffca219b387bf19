package dev.broadcastchat.bench;

import dev.broadcastchat.server.Transport;
import io.netty.channel.uring.IoUring;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Objects;

/**
 * Everything a bench run needs, built once from the command line and validated here. Options a
 * scenario does not use are carried but ignored.
 *
 * @param scenario what to measure
 * @param url the server, a {@code ws://} URL on a loopback address; {@code room=bench} is added to
 *     its query unless it names a room
 * @param clients connections in the room (fanout, latency)
 * @param senders how many of them send (fanout, latency)
 * @param stalled how many of them never read, so that the server must deal with slow consumers;
 *     they are not receivers (fanout, latency)
 * @param duration how long the measured window lasts (fanout, latency)
 * @param warmup how long senders run before the window opens (fanout, latency), or connections are
 *     opened and closed before the measured ones (idle); not counted
 * @param size bytes of each message's text, at least its token (fanout, latency)
 * @param rate messages per second per sender (latency)
 * @param drain how long to wait after the window for messages still in flight, and then, with
 *     stalled clients, at most as long again for the server's close of them (fanout, latency)
 * @param connections idle connections to open (idle)
 * @param hold how long they stay open once all are (idle)
 * @param pid the server's process, to read its CPU time (every scenario) and its resident memory
 *     (idle); {@link #NO_PID} for none
 * @param concurrency connects and handshakes in flight at most
 * @param sources loopback source addresses to spread connections over (127.0.0.1, .2, ...)
 * @param threads event loop threads
 * @param transport how the bench's sockets talk to the kernel; it must load on this machine
 */
public record BenchConfig(
    Scenario scenario,
    URI url,
    int clients,
    int senders,
    int stalled,
    Duration duration,
    Duration warmup,
    int size,
    int rate,
    Duration drain,
    int connections,
    Duration hold,
    long pid,
    int concurrency,
    int sources,
    int threads,
    Transport transport) {

  public static final String DEFAULT_URL = "ws://127.0.0.1:8080/";
  public static final int DEFAULT_CLIENTS = 1000;
  public static final int DEFAULT_SENDERS = 10;
  public static final Duration DEFAULT_DURATION = Duration.ofSeconds(10);
  public static final Duration DEFAULT_WARMUP = Duration.ofSeconds(5);
  public static final int DEFAULT_SIZE = 64;
  public static final int DEFAULT_RATE = 20;
  public static final Duration DEFAULT_DRAIN = Duration.ofSeconds(2);
  public static final int DEFAULT_CONNECTIONS = 10_000;
  public static final Duration DEFAULT_HOLD = Duration.ofSeconds(5);
  public static final int DEFAULT_CONCURRENCY = 256;
  public static final int DEFAULT_SOURCES = 10;

  /** No server process given: resident memory is not reported. */
  public static final long NO_PID = 0;

  /** Largest message the bench sends. */
  public static final int MAX_SIZE = 1 << 20;

  /** Highest rate per sender: one message per microsecond. */
  public static final int MAX_RATE = 1_000_000;

  public BenchConfig {
    Objects.requireNonNull(scenario, "scenario");
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(duration, "duration");
    Objects.requireNonNull(warmup, "warmup");
    Objects.requireNonNull(drain, "drain");
    Objects.requireNonNull(hold, "hold");
    Objects.requireNonNull(transport, "transport");
    serverAddress(url);
    check(clients >= 1, "clients", clients, ">= 1");
    check(senders >= 1 && senders <= clients, "senders", senders, "1..clients (" + clients + ")");
    check(
        stalled >= 0 && senders + stalled <= clients,
        "stalled",
        stalled,
        "0..clients - senders (" + (clients - senders) + ")");
    check(duration.toMillis() >= 1, "duration", duration, ">= 1ms");
    check(!warmup.isNegative(), "warmup", warmup, ">= 0");
    check(size >= 1 && size <= MAX_SIZE, "size", size, "1.." + MAX_SIZE);
    check(rate >= 1 && rate <= MAX_RATE, "rate", rate, "1.." + MAX_RATE);
    check(!drain.isNegative(), "drain", drain, ">= 0");
    check(connections >= 1, "connections", connections, ">= 1");
    check(!hold.isNegative(), "hold", hold, ">= 0");
    check(pid >= 0, "pid", pid, "a process id");
    check(concurrency >= 1, "concurrency", concurrency, ">= 1");
    check(sources >= 1 && sources <= 254, "sources", sources, "1..254");
    check(threads >= 1, "threads", threads, ">= 1");
    transport.requireAvailable();
  }

  /**
   * The address {@code url} points at.
   *
   * @throws IllegalArgumentException if it is not a {@code ws://} URL on a loopback address
   */
  static InetSocketAddress serverAddress(URI url) {
    String expected = " (expected: ws://HOST:PORT/ with HOST a loopback address such as 127.0.0.1)";
    if (!"ws".equalsIgnoreCase(url.getScheme()) || url.getHost() == null) {
      throw new IllegalArgumentException("url: " + url + expected);
    }
    InetAddress address;
    try {
      address = InetAddress.getByName(url.getHost());
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("url: " + url + " (unknown host)" + expected, e);
    }
    if (!address.isLoopbackAddress()) {
      throw new IllegalArgumentException("url: " + url + expected);
    }
    return new InetSocketAddress(address, url.getPort() < 0 ? 80 : url.getPort());
  }

  private static void check(boolean ok, String option, Object value, String expected) {
    if (!ok) {
      throw new IllegalArgumentException(option + ": " + value + " (expected: " + expected + ")");
    }
  }

  /** The defaults for {@code scenario} against {@code url}. */
  public static BenchConfig defaults(Scenario scenario, URI url) {
    return new BenchConfig(
        scenario,
        url,
        DEFAULT_CLIENTS,
        DEFAULT_SENDERS,
        0,
        DEFAULT_DURATION,
        DEFAULT_WARMUP,
        DEFAULT_SIZE,
        DEFAULT_RATE,
        DEFAULT_DRAIN,
        DEFAULT_CONNECTIONS,
        DEFAULT_HOLD,
        NO_PID,
        DEFAULT_CONCURRENCY,
        DEFAULT_SOURCES,
        Runtime.getRuntime().availableProcessors(),
        defaultTransport());
  }

  /**
   * io_uring where it loads, else the platform's default (epoll, else NIO). Measured on 2 cores
   * with one loop (docs/performance-log.md, "io_uring"), an io_uring bench opened 3 to 22% more
   * connections a second than an epoll one and took 24 to 30% more fan-out deliveries: each turn of
   * its loop hands the kernel all its connects, reads and writes in one system call instead of one
   * each, so its own core runs out later.
   */
  public static Transport defaultTransport() {
    return IoUring.isAvailable() ? Transport.IO_URING : Transport.platformDefault();
  }

  public BenchConfig withTransport(Transport transport) {
    Copy c = new Copy(this);
    c.transport = transport;
    return c.build();
  }

  /** Whether senders send at a fixed rate rather than closed-loop. */
  public boolean openLoop() {
    return scenario == Scenario.LATENCY;
  }

  public BenchConfig withClients(int clients, int senders) {
    Copy c = new Copy(this);
    c.clients = clients;
    c.senders = senders;
    return c.build();
  }

  public BenchConfig withStalled(int stalled) {
    Copy c = new Copy(this);
    c.stalled = stalled;
    return c.build();
  }

  public BenchConfig withTiming(Duration warmup, Duration duration, Duration drain) {
    Copy c = new Copy(this);
    c.warmup = warmup;
    c.duration = duration;
    c.drain = drain;
    return c.build();
  }

  public BenchConfig withSize(int size) {
    Copy c = new Copy(this);
    c.size = size;
    return c.build();
  }

  public BenchConfig withRate(int rate) {
    Copy c = new Copy(this);
    c.rate = rate;
    return c.build();
  }

  public BenchConfig withIdle(int connections, Duration hold, long pid) {
    Copy c = new Copy(this);
    c.connections = connections;
    c.hold = hold;
    c.pid = pid;
    return c.build();
  }

  /** The server's process, to read its CPU time over what the run measures. */
  public BenchConfig withPid(long pid) {
    Copy c = new Copy(this);
    c.pid = pid;
    return c.build();
  }

  public BenchConfig withConnecting(int concurrency, int sources) {
    Copy c = new Copy(this);
    c.concurrency = concurrency;
    c.sources = sources;
    return c.build();
  }

  /**
   * A config's values, to change a few and make a new config of them: the one place besides the
   * command line that lists every component, so that a new one is added here and nowhere else.
   */
  private static final class Copy {
    final Scenario scenario;
    final URI url;
    int clients;
    int senders;
    int stalled;
    Duration duration;
    Duration warmup;
    int size;
    int rate;
    Duration drain;
    int connections;
    Duration hold;
    long pid;
    int concurrency;
    int sources;
    final int threads;
    Transport transport;

    Copy(BenchConfig c) {
      scenario = c.scenario;
      url = c.url;
      clients = c.clients;
      senders = c.senders;
      stalled = c.stalled;
      duration = c.duration;
      warmup = c.warmup;
      size = c.size;
      rate = c.rate;
      drain = c.drain;
      connections = c.connections;
      hold = c.hold;
      pid = c.pid;
      concurrency = c.concurrency;
      sources = c.sources;
      threads = c.threads;
      transport = c.transport;
    }

    BenchConfig build() {
      return new BenchConfig(
          scenario,
          url,
          clients,
          senders,
          stalled,
          duration,
          warmup,
          size,
          rate,
          drain,
          connections,
          hold,
          pid,
          concurrency,
          sources,
          threads,
          transport);
    }
  }
}
