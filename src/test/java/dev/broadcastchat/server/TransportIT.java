package dev.broadcastchat.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.broadcastchat.server.RawWebSocket.Frame;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The server's behaviour does not depend on its transport ({@code --transport}): each that loads on
 * this machine broadcasts to everyone with the sender's address, serves HTTP, bounds a slow
 * consumer with 1013 while the reader that keeps up gets everything, and closes cleanly. The rest
 * of the suite runs on the default (epoll).
 */
class TransportIT {
  private static final String WELCOME = "Welcome to chat! Type a message";
  private static final int TRY_AGAIN_LATER = 1013;
  private static final long MAX_QUEUED_BYTES = 64 * 1024;
  private static final String TEXT = "x".repeat(1000);
  private static final String TCP = "/proc/net/tcp";
  private static final String TCP6 = "/proc/net/tcp6";

  /** Local addresses as /proc/net/tcp and tcp6 print them: each 32-bit word in host order. */
  private static final String IPV4_LOOPBACK = "0100007F";

  private static final String MAPPED_IPV4_LOOPBACK = "0000000000000000FFFF00000100007F";
  private static final String IPV6_LOOPBACK = "00000000000000000000000001000000";

  private static ChatServer start(Transport transport, ServerConfig base) {
    Throwable cause = transport.unavailabilityCause();
    assumeTrue(cause == null, () -> transport.cliName() + " does not load here: " + cause);
    return ChatServer.start(base.toBuilder().transport(transport).build());
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  @Timeout(30)
  void broadcastsToEveryoneIncludingTheSenderAndServesHttp(Transport transport) throws Exception {
    try (ChatServer server = start(transport, ServerConfig.defaults("127.0.0.1", 0))) {
      assertThat(server.listenerClass()).isEqualTo(transport.serverChannel());
      List<TestClient> clients = new ArrayList<>();
      try {
        for (int i = 0; i < 3; i++) {
          TestClient client = TestClient.connect(URI.create(server.url()));
          clients.add(client);
          assertThat(client.nextMessage()).isEqualTo(WELCOME);
        }
        List<String> addresses = new ArrayList<>();
        for (TestClient client : clients) {
          addresses.add(client.address());
        }
        for (int c = 0; c < clients.size(); c++) {
          clients.get(c).send("hello from " + c);
          for (TestClient receiver : clients) {
            assertThat(receiver.nextChatMessage())
                .isEqualTo(addresses.get(c) + ": hello from " + c);
          }
        }

        HttpResponse<String> health =
            HttpClient.newHttpClient()
                .send(
                    HttpRequest.newBuilder(URI.create(server.httpUrl() + "healthz")).build(),
                    HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).isEqualTo("ok\n");

        clients.get(0).sendClose(1000, "bye");
        assertThat(clients.get(0).closeCode()).isEqualTo(1000);
        clients.get(1).send("still here");
        for (TestClient receiver : clients.subList(1, clients.size())) {
          assertThat(receiver.nextChatMessage()).isEqualTo(addresses.get(1) + ": still here");
        }
      } finally {
        clients.forEach(TestClient::abort);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  @Timeout(30)
  void turnsNagleOffOnEveryConnectionItAccepts(Transport transport) throws Exception {
    // The server leaves TCP_NODELAY to Netty's socket channels, which set it themselves: this
    // reads it back from each accepted socket.
    try (ChatServer server = start(transport, ServerConfig.defaults("127.0.0.1", 0));
        TestClient client = TestClient.connect(URI.create(server.url()))) {
      assertThat(client.nextMessage()).isEqualTo(WELCOME);
      List<Channel> accepted = new ArrayList<>();
      server.acceptedChannels().forEach(accepted::add);
      assertThat(accepted).isNotEmpty();
      for (Channel channel : accepted) {
        assertThat(channel.config().getOption(ChannelOption.TCP_NODELAY))
            .as("TCP_NODELAY of %s", channel)
            .isTrue();
      }
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = Transport.class,
      names = {"EPOLL", "NIO"})
  @Timeout(30)
  void listensOnAnIpv4SocketForAnIpv4Address(Transport transport) throws Exception {
    assumeTrue(Files.exists(Path.of(TCP)), "no " + TCP + " here");
    try (ChatServer server = start(transport, ServerConfig.defaults("127.0.0.1", 0))) {
      // The kernel lists IPv4 sockets in /proc/net/tcp, IPv6 ones (dual-stack too, with the
      // address mapped) in tcp6.
      assertThat(listening(TCP, IPV4_LOOPBACK, server.port())).isTrue();
      assertThat(listening(TCP6, MAPPED_IPV4_LOOPBACK, server.port())).isFalse();
      try (TestClient client = TestClient.connect(URI.create(server.url()))) {
        assertThat(client.nextMessage()).isEqualTo(WELCOME);
        assertThat(client.address()).startsWith("127.0.0.1:");
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  @Timeout(30)
  void listensOnAnIpv6Address(Transport transport) throws Exception {
    assumeTrue(hasIpv6Loopback(), "no IPv6 loopback here");
    try (ChatServer server = start(transport, ServerConfig.defaults("::1", 0))) {
      assertThat(server.address().getAddress()).isEqualTo(InetAddress.getByName("::1"));
      assertThat(server.url()).isEqualTo("ws://[::1]:" + server.port() + "/");
      assertThat(listening(TCP6, IPV6_LOOPBACK, server.port())).isTrue();
      try (TestClient client = TestClient.connect(URI.create(server.url()))) {
        assertThat(client.nextMessage()).isEqualTo(WELCOME);
        client.send("over IPv6");
        assertThat(client.nextChatMessage()).isEqualTo(client.address() + ": over IPv6");
        assertThat(client.address()).startsWith("[0:0:0:0:0:0:0:1]:");
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  @Timeout(30)
  void theIpv4WildcardServesIpv4AndIpv6Clients(Transport transport) throws Exception {
    // 0.0.0.0 has always been bound as the dual-stack wildcard, as the JDK and Netty do.
    assumeTrue(hasIpv6Loopback(), "no IPv6 loopback here");
    try (ChatServer server = start(transport, ServerConfig.defaults("0.0.0.0", 0))) {
      assertThat(server.url()).isEqualTo("ws://0.0.0.0:" + server.port() + "/");
      for (String host : List.of("127.0.0.1", "[::1]")) {
        try (TestClient client =
            TestClient.connect(URI.create("ws://" + host + ":" + server.port() + "/"))) {
          assertThat(client.nextMessage()).as("welcome over %s", host).isEqualTo(WELCOME);
        }
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  @Timeout(30)
  void theIpv6WildcardIsPrintedAsItIsWritten(Transport transport) throws Exception {
    assumeTrue(hasIpv6Loopback(), "no IPv6 loopback here");
    try (ChatServer server = start(transport, ServerConfig.defaults("::", 0))) {
      assertThat(server.url()).isEqualTo("ws://[::]:" + server.port() + "/");
      assertThat(server.httpUrl()).isEqualTo("http://[::]:" + server.port() + "/");
    }
  }

  private static boolean hasIpv6Loopback() throws IOException {
    Path interfaces = Path.of("/proc/net/if_inet6");
    return Files.exists(interfaces)
        && Files.readAllLines(interfaces).stream()
            .anyMatch(line -> line.startsWith("00000000000000000000000000000001 "));
  }

  /**
   * Whether {@code table} (/proc/net/tcp or tcp6) has a socket listening on local {@code address}
   * (in the table's hex form) and {@code port}.
   */
  private static boolean listening(String table, String address, int port) throws IOException {
    String local = address + String.format(":%04X", port);
    return Files.readAllLines(Path.of(table)).stream()
        .skip(1)
        .map(line -> line.trim().split("\\s+"))
        .anyMatch(f -> f[1].equals(local) && f[3].equals("0A"));
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  @Timeout(60)
  void closesASlowConsumerWith1013WhileTheReaderGetsEverything(Transport transport)
      throws Exception {
    ServerConfig config =
        ServerConfig.defaults("127.0.0.1", 0)
            .withMaxQueuedBytes(MAX_QUEUED_BYTES)
            .withRate(0, ServerConfig.DEFAULT_BURST);
    try (ChatServer server = start(transport, config);
        TestClient sender = TestClient.connect(URI.create(server.url()))) {
      assertThat(sender.nextMessage()).isEqualTo(WELCOME);
      // Learnt before the slow consumer joins, so that it never sees the marker this sends.
      String me = sender.address();
      try (RawWebSocket slow = RawWebSocket.connect(server.address(), 4096)) {
        floodUntilDropped(server, sender, me, slow);
      }
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> Scrape.of(server).value("chat_slow_consumers_closed_total") == 1);
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  @Timeout(60)
  void aReaderThatFallsBehindGetsEveryMessageWholeAndInOrder(Transport transport) throws Exception {
    ServerConfig config =
        ServerConfig.defaults("127.0.0.1", 0)
            .withMaxQueuedBytes(64L << 20)
            .withRate(0, ServerConfig.DEFAULT_BURST)
            .toBuilder()
            .pingInterval(Duration.ZERO)
            .build();
    // 6 MB for a reader with a 4 KiB receive buffer that reads a fifth as fast as messages come,
    // more than the kernel's largest send buffer (4 MiB here): its socket fills, a write is cut
    // short, and from then on broadcasts wait in the channel while each read makes a little room
    // in the socket. On epoll a broadcast that went straight to the socket then would overtake
    // those waiting; one that was cut short and then written again whole would repeat bytes.
    int messages = 6_000;
    try (ChatServer server = start(transport, config);
        TestClient sender = TestClient.connect(URI.create(server.url()))) {
      assertThat(sender.nextMessage()).isEqualTo(WELCOME);
      String me = sender.address();
      try (RawWebSocket slow = RawWebSocket.connect(server.address(), 4096)) {
        assertThat(slow.readFrame().text()).isEqualTo(WELCOME);
        InOrder got = new InOrder(me);
        for (int sent = 0; sent < messages; sent += 50) {
          for (int i = 0; i < 50; i++) {
            sender.send(sent + i + " " + TEXT);
          }
          assertThat(sender.nextChatMessages(50)).hasSize(50);
          for (int i = 0; i < 10; i++) {
            got.check(slow.readFrame());
          }
        }
        while (got.next < messages) {
          got.check(slow.readFrame());
        }
      }
      assertThat(Scrape.of(server).value("chat_slow_consumers_closed_total")).isZero();
    }
  }

  /** Checks that the frames a reader gets carry {@code sender}'s messages whole and in order. */
  private static final class InOrder {
    final String sender;
    int next;

    InOrder(String sender) {
      this.sender = sender;
    }

    void check(Frame f) {
      assertThat(f).as("frame after message %d", next - 1).isNotNull();
      assertThat(f.opcode()).as("frame after message %d: %s", next - 1, f).isEqualTo(Frame.TEXT);
      assertThat(f.fin()).isTrue();
      // Presence notices may come between the messages.
      if (f.text().startsWith(sender + ": ")) {
        assertThat(f.text()).isEqualTo(sender + ": " + next + " " + TEXT);
        next++;
      }
    }
  }

  /**
   * Sends from {@code sender} in windows read back by the sender itself, so that only {@code slow},
   * which never reads, falls behind, until the server has closed it; then checks what it got.
   */
  private static void floodUntilDropped(
      ChatServer server, TestClient sender, String me, RawWebSocket slow) throws IOException {
    assertThat(slow.readFrame().text()).isEqualTo(WELCOME);
    int sent = 0;
    while (Scrape.of(server).value("chat_slow_consumers_closed_total") == 0) {
      assertThat(sent).as("messages sent before the slow consumer was closed").isLessThan(20_000);
      for (int i = 0; i < 50; i++) {
        sender.send(sent + i + " " + TEXT);
      }
      List<String> echoes = sender.nextChatMessages(50);
      for (int i = 0; i < 50; i++) {
        assertThat(echoes.get(i)).isEqualTo(me + ": " + (sent + i) + " " + TEXT);
      }
      sent += 50;
    }
    sender.send("last");
    assertThat(sender.nextChatMessage()).isEqualTo(me + ": last");

    List<Frame> frames = new ArrayList<>();
    for (Frame f = slow.readFrame(); f != null; f = slow.readFrame()) {
      frames.add(f);
    }
    Frame last = frames.get(frames.size() - 1);
    assertThat(last.opcode()).as("last frame before EOF: %s", last).isEqualTo(Frame.CLOSE);
    assertThat(last.closeCode()).isEqualTo(TRY_AGAIN_LATER);
    // Presence notices may come between the messages; the messages come in order, none missing.
    List<String> texts =
        frames.subList(0, frames.size() - 1).stream()
            .map(Frame::text)
            .filter(t -> t.startsWith(me + ": "))
            .toList();
    for (int i = 0; i < texts.size(); i++) {
      assertThat(texts.get(i))
          .as("message %d the slow consumer got", i)
          .isEqualTo(me + ": " + i + " " + TEXT);
    }
    assertThat(texts.size()).isLessThan(sent);
  }
}
