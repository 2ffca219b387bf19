package dev.broadcastchat.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.broadcastchat.server.ChatServer;
import dev.broadcastchat.server.ServerConfig;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The real jar and the launcher as a user runs them: ports, exit codes, piped input. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CommandLineIT {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @Test
  void portFlagMovesTheServer() throws Exception {
    int port = ChatProcess.freePort();
    try (ChatProcess server =
        ChatProcess.jar(Map.of(), "server", "--port", Integer.toString(port))) {
      assertListeningAndWelcoming(server, port);
      server.terminate();
      assertThat(server.waitFor(WAIT)).isZero();
    }
  }

  @Test
  void chatPortEnvironmentMovesTheServerAndTheFlagWins() throws Exception {
    int envPort = ChatProcess.freePort();
    try (ChatProcess server =
        ChatProcess.jar(Map.of("CHAT_PORT", Integer.toString(envPort)), "server")) {
      assertListeningAndWelcoming(server, envPort);
      server.terminate();
      assertThat(server.waitFor(WAIT)).isZero();
    }
    int flagPort = ChatProcess.freePort();
    try (ChatProcess server =
        ChatProcess.jar(
            Map.of("CHAT_PORT", Integer.toString(envPort)),
            "server",
            "--port",
            Integer.toString(flagPort))) {
      assertListeningAndWelcoming(server, flagPort);
    }
  }

  @Test
  void launcherStartsTheServerWithItsJvmFlagsAndChatJavaOptsOverridesThem() throws Exception {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    assumeTrue(Files.isExecutable(jcmd), "this runtime has no jcmd to read a JVM's flags with");
    // The server runs on this test's JDK, the one whose jcmd reads its flags, and with only the
    // launcher's flags whatever the environment that runs the tests has set.
    String launcher =
        "unset CHAT_JAVA_OPTS; export JAVA_HOME='" + jcmd.getParent().getParent() + "'; ";
    int port = ChatProcess.freePort();
    try (ChatProcess server = ChatProcess.shell(launcher + "exec ./chat server --port " + port)) {
      assertListeningAndWelcoming(server, port);
      assertThat(jvmFlags(jcmd, server))
          .contains(
              "-XX:+UseParallelGC",
              "-XX:MaxInlineLevel=9",
              "-XX:InlineSmallCode=1500",
              YOUNG_GENERATION_48_MB);
    }
    int other = ChatProcess.freePort();
    try (ChatProcess server =
        ChatProcess.shell(
            launcher
                + "CHAT_JAVA_OPTS='-XX:+UseSerialGC -XX:MaxInlineLevel=15' exec ./chat server"
                + " --port "
                + other)) {
      assertListeningAndWelcoming(server, other);
      assertThat(jvmFlags(jcmd, server))
          .contains("-XX:+UseSerialGC", "-XX:MaxInlineLevel=15")
          .doesNotContain("-XX:+UseParallelGC", "-XX:MaxInlineLevel=9", YOUNG_GENERATION_48_MB);
    }
  }

  /** How {@code jcmd VM.flags} shows the launcher's {@code -Xmn48m}. */
  private static final String YOUNG_GENERATION_48_MB = "-XX:NewSize=" + 48 * 1024 * 1024;

  /**
   * The flags the server's JVM runs with, as {@code jcmd PID VM.flags} reports them: the launcher
   * execs the JVM, so the shell's process is the server's.
   */
  private static List<String> jvmFlags(Path jcmd, ChatProcess server) throws Exception {
    Process p =
        new ProcessBuilder(jcmd.toString(), Long.toString(server.process().pid()), "VM.flags")
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(out).isZero();
    return List.of(out.trim().split("\\s+"));
  }

  @Test
  void jarServesTheWebClientFromItsOwnResources() throws Exception {
    int port = ChatProcess.freePort();
    try (ChatProcess server =
        ChatProcess.jar(Map.of(), "server", "--port", Integer.toString(port))) {
      assertThat(server.nextLine(WAIT)).as("stderr: %s", server.stderr()).startsWith("listening");
      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<String> page =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
      assertThat(page.body()).contains("/js/app.js");
      HttpResponse<String> script =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/js/app.js")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(script.statusCode()).isEqualTo(200);
      assertThat(script.headers().firstValue("content-type"))
          .hasValue("text/javascript; charset=utf-8");
      server.terminate();
      assertThat(server.waitFor(WAIT)).isZero();
    }
  }

  @Test
  void clientPointedAtAPortWithNoServerSaysConnectionRefusedAndExits1() throws Exception {
    int port = ChatProcess.freePort();
    String url = "ws://127.0.0.1:" + port + "/";
    try (ChatProcess client = ChatProcess.jar(Map.of(), "client", url)) {
      client.process().getOutputStream().close();
      assertThat(client.waitFor(WAIT)).isEqualTo(1);
      assertThat(client.stderr())
          .singleElement()
          .asString()
          .contains(url)
          .contains("connection refused");
    }
  }

  @Test
  void clientPointedAtAHostThatDoesNotResolveSaysUnknownHostAndExits1() throws Exception {
    // .invalid never resolves (RFC 6761).
    String url = "ws://no-such-host.invalid:8080/";
    try (ChatProcess client = ChatProcess.jar(Map.of(), "client", url)) {
      client.process().getOutputStream().close();
      assertThat(client.waitFor(WAIT)).isEqualTo(1);
      assertThat(client.stderr()).singleElement().asString().contains(url).endsWith("unknown host");
    }
  }

  @Test
  void portInUseIsOneLineAndExit1() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        ChatProcess server =
            ChatProcess.jar(Map.of(), "server", "--port", Integer.toString(taken.getLocalPort()))) {
      assertThat(server.waitFor(WAIT)).isEqualTo(1);
      assertThat(server.stderr())
          .singleElement()
          .asString()
          .contains(":" + taken.getLocalPort())
          .contains("address already in use");
    }
  }

  @Test
  void unknownHostIsOneLineAndExit1() throws Exception {
    try (ChatProcess server =
        ChatProcess.jar(Map.of(), "server", "--host", "no-such-host.invalid", "--port", "0")) {
      assertThat(server.waitFor(WAIT)).isEqualTo(1);
      assertThat(server.stderr())
          .singleElement()
          .asString()
          .contains("no-such-host.invalid:0")
          .contains("unknown host");
    }
  }

  @Test
  void badOptionValueIsOneLineNamingItAndExit2() throws Exception {
    try (ChatProcess server = ChatProcess.jar(Map.of(), "server", "--port", "eighty")) {
      assertThat(server.waitFor(WAIT)).isEqualTo(2);
      assertThat(server.stderr()).singleElement().asString().contains("--port").contains("eighty");
    }
    try (ChatProcess server = ChatProcess.jar(Map.of("CHAT_PORT", "70000"), "server")) {
      assertThat(server.waitFor(WAIT)).isEqualTo(2);
      assertThat(server.stderr()).singleElement().asString().contains("port: 70000");
    }
    try (ChatProcess server = ChatProcess.jar(Map.of(), "server", "--no-such-option")) {
      assertThat(server.waitFor(WAIT)).isEqualTo(2);
      assertThat(server.stderr()).singleElement().asString().contains("--no-such-option");
    }
  }

  @Test
  void aBadRedisUrlOrPrefixIsOneLineNamingItAndExit2() throws Exception {
    try (ChatProcess server =
        ChatProcess.jar(Map.of(), "server", "--redis", "http://127.0.0.1:6379")) {
      assertThat(server.waitFor(WAIT)).isEqualTo(2);
      assertThat(server.stderr())
          .singleElement()
          .asString()
          .contains("redis: 'http://127.0.0.1:6379'")
          .contains("expected: redis://");
    }
    try (ChatProcess server =
        ChatProcess.jar(
            Map.of("CHAT_REDIS", "redis://127.0.0.1:6379", "CHAT_REDIS_PREFIX", "has space"),
            "server")) {
      assertThat(server.waitFor(WAIT)).isEqualTo(2);
      assertThat(server.stderr()).singleElement().asString().contains("redis-prefix: 'has space'");
    }
  }

  @Test
  void aServerWhoseRedisIsNotReachableYetListensAndIsNotReady() throws Exception {
    int port = ChatProcess.freePort();
    int nothingThere = ChatProcess.freePort();
    try (ChatProcess server =
        ChatProcess.jar(
            Map.of("CHAT_REDIS", "redis://127.0.0.1:" + nothingThere),
            "server",
            "--port",
            Integer.toString(port))) {
      assertThat(server.nextLine(WAIT))
          .as("stdout; stderr: %s", server.stderr())
          .isEqualTo("listening on ws://127.0.0.1:" + port + "/");
      HttpResponse<String> ready =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/readyz"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(ready.statusCode()).isEqualTo(503);
      server.terminate();
      assertThat(server.waitFor(WAIT)).isZero();
      assertThat(server.stderr())
          .as("Lettuce's choice between epoll and io_uring is not the operator's concern")
          .noneMatch(line -> line.contains("native transports are available"));
    }
  }

  @Test
  void pipedClientDeliversItsLineAndExits0() throws Exception {
    try (ChatServer server = ChatServer.start(ServerConfig.defaults("127.0.0.1", 0))) {
      BlockingQueue<String> received = new LinkedBlockingQueue<>();
      WebSocket observer = connect(server.url(), received);
      assertThat(received.poll(30, TimeUnit.SECONDS)).isEqualTo("Welcome to chat! Type a message");

      try (ChatProcess client =
          ChatProcess.shell("printf 'hi\\n' | ./chat client " + server.url())) {
        assertThat(client.waitFor(Duration.ofSeconds(90))).isZero();
        assertThat(client.stderr()).noneMatch(line -> line.contains("Exception"));
      }
      String line;
      do {
        line = received.poll(30, TimeUnit.SECONDS);
      } while (line != null && line.startsWith("* "));
      assertThat(line).matches("127\\.0\\.0\\.1:\\d+: hi");
      observer.sendClose(WebSocket.NORMAL_CLOSURE, "").join();
    }
  }

  private static void assertListeningAndWelcoming(ChatProcess server, int port) throws Exception {
    String line = server.nextLine(WAIT);
    assertThat(line)
        .as("stdout; stderr: %s", server.stderr())
        .isEqualTo("listening on ws://127.0.0.1:" + port + "/");
    BlockingQueue<String> received = new LinkedBlockingQueue<>();
    WebSocket ws = connect("ws://127.0.0.1:" + port + "/", received);
    assertThat(received.poll(30, TimeUnit.SECONDS)).isEqualTo("Welcome to chat! Type a message");
    ws.sendClose(WebSocket.NORMAL_CLOSURE, "").join();
  }

  private static WebSocket connect(String url, BlockingQueue<String> received) {
    return HttpClient.newHttpClient()
        .newWebSocketBuilder()
        .buildAsync(
            URI.create(url),
            new WebSocket.Listener() {
              private final StringBuilder partial = new StringBuilder();

              @Override
              public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                partial.append(data);
                if (last) {
                  received.add(partial.toString());
                  partial.setLength(0);
                }
                ws.request(1);
                return null;
              }
            })
        .join();
  }
}
