package dev.broadcastchat.cli;

import dev.broadcastchat.server.ChatServer;
import dev.broadcastchat.server.SecurityConfig;
import dev.broadcastchat.server.ServerConfig;
import dev.broadcastchat.server.TlsFilesException;
import dev.broadcastchat.server.Transport;
import dev.broadcastchat.server.TrustedProxies;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/** {@code chat server}: runs a server until SIGTERM or SIGINT. */
@Command(
    name = "server",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    sortOptions = false,
    description = "Run a chat server. Every option also reads the environment variable named.",
    footer = {
      "",
      "Prints 'listening on ws://HOST:PORT/' (wss:// with TLS) on stdout once bound.",
      "SIGTERM or SIGINT: /readyz turns 503 and upgrades are refused for --drain-delay, then",
      "the listener closes, every connection is closed with 1001 (waiting at most",
      "--shutdown-timeout) and the process exits 0. See docs/OPERATIONS.md."
    })
final class ServerCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(ServerCommand.class);

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--host",
      defaultValue = "${env:CHAT_HOST:-" + ServerConfig.DEFAULT_HOST + "}",
      description = "Address to bind (default: ${DEFAULT-VALUE}; env CHAT_HOST).")
  String host;

  @Option(
      names = "--port",
      defaultValue = "${env:CHAT_PORT:-" + ServerConfig.DEFAULT_PORT + "}",
      description = "Port to bind, 0 for any free port (default: ${DEFAULT-VALUE}; env CHAT_PORT).")
  int port;

  @Option(
      names = "--redis",
      paramLabel = "URL",
      defaultValue = "${env:CHAT_REDIS}",
      description =
          "Share rooms with other nodes through the Redis at URL, e.g. redis://127.0.0.1:6379"
              + " (default: none, rooms live in this process; env CHAT_REDIS).")
  String redis;

  @Option(
      names = "--redis-prefix",
      defaultValue = "${env:CHAT_REDIS_PREFIX:-" + ServerConfig.DEFAULT_REDIS_PREFIX + "}",
      description =
          "Put before every Redis key and channel, so that deployments can share one Redis"
              + " (default: ${DEFAULT-VALUE}; env CHAT_REDIS_PREFIX).")
  String redisPrefix;

  @Option(
      names = "--history",
      defaultValue = "${env:CHAT_HISTORY:-" + ServerConfig.DEFAULT_HISTORY + "}",
      description = "Messages kept per room (default: ${DEFAULT-VALUE}; env CHAT_HISTORY).")
  int history;

  @Option(
      names = "--room-ttl",
      defaultValue = "${env:CHAT_ROOM_TTL:-1h}",
      converter = DurationConverter.class,
      description =
          "How long an empty room's history is kept after its last message, 0 for as long as"
              + " the process (or Redis) keeps it (default: ${DEFAULT-VALUE}; env CHAT_ROOM_TTL).")
  Duration roomTtl;

  @Option(
      names = "--max-message-bytes",
      defaultValue =
          "${env:CHAT_MAX_MESSAGE_BYTES:-" + ServerConfig.DEFAULT_MAX_MESSAGE_BYTES + "}",
      description =
          "Longest chat message, in UTF-8 bytes of its text; longer ones are refused"
              + " (default: ${DEFAULT-VALUE}; env CHAT_MAX_MESSAGE_BYTES).")
  int maxMessageBytes;

  @Option(
      names = "--max-frame-bytes",
      defaultValue = "${env:CHAT_MAX_FRAME_BYTES:-" + ServerConfig.DEFAULT_MAX_FRAME_BYTES + "}",
      description =
          "Largest WebSocket frame or message accepted; larger ones close with 1009; at least"
              + " --max-message-bytes (default: ${DEFAULT-VALUE}; env CHAT_MAX_FRAME_BYTES).")
  int maxFrameBytes;

  @Option(
      names = "--rate",
      defaultValue = "${env:CHAT_RATE:-" + ServerConfig.DEFAULT_RATE + "}",
      description =
          "Messages per second per connection, 0 for no limit"
              + " (default: ${DEFAULT-VALUE}; env CHAT_RATE).")
  int rate;

  @Option(
      names = "--burst",
      defaultValue = "${env:CHAT_BURST:-" + ServerConfig.DEFAULT_BURST + "}",
      description =
          "Messages a connection may send at once before --rate applies"
              + " (default: ${DEFAULT-VALUE}; env CHAT_BURST).")
  int burst;

  @Option(
      names = "--max-queued-bytes",
      defaultValue = "${env:CHAT_MAX_QUEUED_BYTES:-" + ServerConfig.DEFAULT_MAX_QUEUED_BYTES + "}",
      description =
          "Unwritten bytes a receiver may fall behind before it is closed with 1013"
              + " (default: ${DEFAULT-VALUE}; env CHAT_MAX_QUEUED_BYTES).")
  long maxQueuedBytes;

  @Option(
      names = "--shutdown-timeout",
      defaultValue = "${env:CHAT_SHUTDOWN_TIMEOUT:-10s}",
      converter = DurationConverter.class,
      description =
          "How long shutdown waits for connections to close (default: ${DEFAULT-VALUE};"
              + " env CHAT_SHUTDOWN_TIMEOUT).")
  Duration shutdownTimeout;

  @Option(
      names = "--drain-delay",
      defaultValue = "${env:CHAT_DRAIN_DELAY:-0s}",
      converter = DurationConverter.class,
      description =
          "On SIGTERM, how long /readyz answers 503 and new connections are refused before the"
              + " connections are closed (default: ${DEFAULT-VALUE}; env CHAT_DRAIN_DELAY).")
  Duration drainDelay;

  @Option(
      names = "--tls-cert",
      paramLabel = "FILE",
      defaultValue = "${env:CHAT_TLS_CERT}",
      description =
          "PEM certificate chain; with --tls-key serves wss:// and https://"
              + " (default: none; env CHAT_TLS_CERT).")
  Path tlsCert;

  @Option(
      names = "--tls-key",
      paramLabel = "FILE",
      defaultValue = "${env:CHAT_TLS_KEY}",
      description =
          "PEM private key of --tls-cert, unencrypted PKCS#8 (or PKCS#1 RSA)"
              + " (default: none; env CHAT_TLS_KEY).")
  Path tlsKey;

  @Option(
      names = "--ping-interval",
      defaultValue = "${env:CHAT_PING_INTERVAL:-30s}",
      converter = DurationConverter.class,
      description =
          "Read silence after which a connection is pinged, 0 for never"
              + " (default: ${DEFAULT-VALUE}; env CHAT_PING_INTERVAL).")
  Duration pingInterval;

  @Option(
      names = "--ping-timeout",
      defaultValue = "${env:CHAT_PING_TIMEOUT:-30s}",
      converter = DurationConverter.class,
      description =
          "How long a pinged connection may stay silent before it is closed"
              + " (default: ${DEFAULT-VALUE}; env CHAT_PING_TIMEOUT).")
  Duration pingTimeout;

  @Option(
      names = "--auth-secret",
      defaultValue = "${env:CHAT_AUTH_SECRET}",
      description =
          "Require a token (JWT HS256 signed with this secret, at least 32 bytes) on every"
              + " connection; see 'chat token' (default: none; env CHAT_AUTH_SECRET).")
  String authSecret;

  @Option(
      names = "--allowed-origins",
      defaultValue = "${env:CHAT_ALLOWED_ORIGINS:-}",
      description =
          "Comma-separated origins (scheme://host[:port]) whose pages may connect besides the"
              + " server's own, * for any (default: the server's own and localhost, 127.0.0.1,"
              + " [::1] on any port; env CHAT_ALLOWED_ORIGINS).")
  String allowedOrigins;

  @Option(
      names = "--require-origin",
      defaultValue = "${env:CHAT_REQUIRE_ORIGIN:-false}",
      description =
          "Refuse upgrades without an Origin header, i.e. from tools rather than browsers"
              + " (default: ${DEFAULT-VALUE}; env CHAT_REQUIRE_ORIGIN).")
  boolean requireOrigin;

  @Option(
      names = "--hide-addresses",
      defaultValue = "${env:CHAT_HIDE_ADDRESSES:-false}",
      description =
          "Show members without a nick as guest-XXXXXXXX instead of their ip:port"
              + " (default: ${DEFAULT-VALUE}; env CHAT_HIDE_ADDRESSES).")
  boolean hideAddresses;

  @Option(
      names = "--max-connections",
      defaultValue = "${env:CHAT_MAX_CONNECTIONS:-" + SecurityConfig.DEFAULT_MAX_CONNECTIONS + "}",
      description =
          "Open connections at most; more get HTTP 503"
              + " (default: ${DEFAULT-VALUE}; env CHAT_MAX_CONNECTIONS).")
  int maxConnections;

  @Option(
      names = "--max-connections-per-ip",
      defaultValue =
          "${env:CHAT_MAX_CONNECTIONS_PER_IP:-"
              + SecurityConfig.DEFAULT_MAX_CONNECTIONS_PER_IP
              + "}",
      description =
          "Open connections from one address at most, 0 for no limit; more get HTTP 429."
              + " Behind a proxy named in --trusted-proxies, the address is the client's it"
              + " forwards; an IPv6 client counts by its /64"
              + " (default: ${DEFAULT-VALUE}; env CHAT_MAX_CONNECTIONS_PER_IP).")
  int maxConnectionsPerIp;

  @Option(
      names = "--handshake-timeout",
      defaultValue = "${env:CHAT_HANDSHAKE_TIMEOUT:-10s}",
      converter = DurationConverter.class,
      description =
          "How long a connection may take to send its upgrade request (or an idle HTTP"
              + " connection may wait between requests) before it is closed"
              + " (default: ${DEFAULT-VALUE}; env CHAT_HANDSHAKE_TIMEOUT).")
  Duration handshakeTimeout;

  @Option(
      names = "--trusted-proxies",
      paramLabel = "LIST",
      defaultValue = "${env:CHAT_TRUSTED_PROXIES}",
      description =
          "Comma-separated addresses or CIDRs of proxies whose X-Forwarded-For (or PROXY"
              + " protocol header) gives the client's address (default: none;"
              + " env CHAT_TRUSTED_PROXIES).")
  String trustedProxies;

  @Option(
      names = "--admin-port",
      defaultValue = "${env:CHAT_ADMIN_PORT}",
      description =
          "Serve /metrics, /healthz and /readyz on this port of --host too; /metrics on the"
              + " main port is then 404, /healthz and /readyz stay there"
              + " (default: none; env CHAT_ADMIN_PORT).")
  Integer adminPort;

  @Option(
      names = "--max-rooms",
      defaultValue = "${env:CHAT_MAX_ROOMS:-" + SecurityConfig.DEFAULT_MAX_ROOMS + "}",
      description =
          "Rooms this node holds at most; without Redis, also the rooms whose history is kept"
              + " (default: ${DEFAULT-VALUE}; env CHAT_MAX_ROOMS).")
  int maxRooms;

  @Option(
      names = "--max-room-members",
      defaultValue =
          "${env:CHAT_MAX_ROOM_MEMBERS:-" + SecurityConfig.DEFAULT_MAX_ROOM_MEMBERS + "}",
      description =
          "Members one room holds at most on this node"
              + " (default: ${DEFAULT-VALUE}; env CHAT_MAX_ROOM_MEMBERS).")
  int maxRoomMembers;

  @Option(
      names = "--transport",
      paramLabel = "NAME",
      defaultValue = "${env:CHAT_TRANSPORT}",
      description =
          "How sockets talk to the kernel: epoll, io_uring (recent Linux: more fan-out for less"
              + " CPU, a few hundred bytes more per idle connection) or nio"
              + " (default: epoll, nio where epoll does not load; env CHAT_TRANSPORT).")
  String transport;

  @Option(
      names = "--log-level",
      defaultValue = "${env:CHAT_LOG_LEVEL:-info}",
      description =
          "trace, debug, info, warn, error or off (default: ${DEFAULT-VALUE}; env CHAT_LOG_LEVEL).")
  String logLevel;

  @Override
  public Integer call() {
    LogLevels.setRootLevel(logLevel);
    if (maxFrameBytes < maxMessageBytes) {
      // Messages between the two would be cut off with 1009 rather than refused with too_long.
      throw new UsageException(
          "max-frame-bytes: "
              + maxFrameBytes
              + " (expected: at least max-message-bytes, "
              + maxMessageBytes
              + ", so that a message short enough to send fits in a frame)");
    }
    if (adminPort != null && adminPort < 0) {
      // The configuration's "none" is -1; here none is the option left out, so -1 is as bad as -5.
      throw new UsageException("admin-port: " + adminPort + " (expected: 0..65535)");
    }
    ServerConfig config;
    try {
      config =
          ServerConfig.builder()
              .host(host)
              .port(port)
              .history(history)
              .roomTtl(roomTtl)
              .maxMessageBytes(maxMessageBytes)
              .maxFrameBytes(maxFrameBytes)
              .rate(rate)
              .burst(burst)
              .maxQueuedBytes(maxQueuedBytes)
              .shutdownTimeout(shutdownTimeout)
              .drainDelay(drainDelay)
              .tls(tlsCert, tlsKey)
              .pingInterval(pingInterval)
              .pingTimeout(pingTimeout)
              .handshakeTimeout(handshakeTimeout)
              .trustedProxies(TrustedProxies.parse(trustedProxies))
              .adminPort(adminPort == null ? ServerConfig.NO_ADMIN_PORT : adminPort)
              .redis(redis == null || redis.isBlank() ? null : redis)
              .redisPrefix(redisPrefix)
              .transport(Transport.parse(transport))
              .security(
                  new SecurityConfig(
                      authSecret == null || authSecret.isEmpty() ? null : authSecret,
                      allowedOrigins.isBlank()
                          ? List.of()
                          : Arrays.asList(allowedOrigins.split(",")),
                      requireOrigin,
                      hideAddresses,
                      maxConnections,
                      maxConnectionsPerIp,
                      maxRooms,
                      maxRoomMembers))
              .build();
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
    CountDownLatch stop = new CountDownLatch(1);
    String[] signalName = new String[1];
    for (String name : new String[] {"TERM", "INT"}) {
      Signal.handle(
          new Signal(name),
          signal -> {
            if (stop.getCount() == 0) {
              // A second signal (a second Ctrl-C) while shutting down: the operator will not wait,
              // even if logging fails (its classes gone with a jar rebuilt under the server).
              try {
                log.warn("SIG{} again: exiting without waiting for connections", signal.getName());
              } finally {
                Runtime.getRuntime().halt(Main.EXIT_FAILURE);
              }
            }
            signalName[0] = "SIG" + signal.getName();
            stop.countDown();
          });
    }
    ChatServer server;
    try {
      server = ChatServer.start(config);
    } catch (TlsFilesException e) {
      throw new UsageException(e.getMessage());
    }
    try (server) {
      PrintWriter out = spec.commandLine().getOut();
      out.println("listening on " + server.url());
      out.flush();
      stop.await();
      log.info("{}: shutting down", signalName[0]);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }
}
