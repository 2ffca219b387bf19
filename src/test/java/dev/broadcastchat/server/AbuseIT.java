package dev.broadcastchat.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What an attacker without credentials can try: broken handshakes, broken frames, floods of pings
 * and connections, silence. Each gets its stated answer while two bystanders in the lobby keep
 * chatting and receive every message.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AbuseIT {
  private static final int MAX_FRAME = 1000;
  private static final int PER_IP = 6;
  private static final Duration HANDSHAKE_TIMEOUT = Duration.ofMillis(500);

  @RegisterExtension final CapturedLogs logs = new CapturedLogs();

  @RegisterExtension
  final ChatServerExtension chat =
      new ChatServerExtension(
          ServerConfig.defaults("127.0.0.1", 0)
              .withMaxFrameBytes(MAX_FRAME)
              .withSecurity(
                  SecurityConfig.DEFAULTS
                      .withConnectionLimits(1000, PER_IP)
                      .withRoomLimits(3, 1000)
                      .withHideAddresses(true))
              .toBuilder()
              .handshakeTimeout(HANDSHAKE_TIMEOUT)
              .build());

  private Bystanders bystanders;

  @BeforeEach
  void bystanders() {
    bystanders = Bystanders.join(chat.server());
  }

  @AfterEach
  void leave() {
    bystanders.close();
  }

  private InetSocketAddress address() {
    return chat.server().address();
  }

  private RawHttp.Response send(String request) throws IOException {
    return RawHttp.send(address(), request);
  }

  @Test
  void malformedHandshakesGetA4xxAnswer() throws Exception {
    String host = "Host: 127.0.0.1\r\n";
    bystanders.during(
        () -> {
          RawHttp.Response noKey =
              send(
                  "GET / HTTP/1.1\r\n"
                      + host
                      + "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                      + "Sec-WebSocket-Version: 13\r\n\r\n");
          assertThat(noKey.status()).isEqualTo(400);
          RawHttp.Response badVersion =
              send(
                  "GET / HTTP/1.1\r\n"
                      + host
                      + "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                      + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                      + "Sec-WebSocket-Version: 99\r\n\r\n");
          assertThat(badVersion.status()).isEqualTo(426);
          assertThat(badVersion.head()).containsIgnoringCase("Sec-WebSocket-Version: 13");
          assertThat(send("\u0001\u0002garbage \u00ff\r\n\r\n").status()).isEqualTo(400);
          RawHttp.Response hugeHeaders =
              send(
                  "GET / HTTP/1.1\r\n"
                      + host
                      + "X-Filler: "
                      + "x".repeat(ChatServerInitializer.MAX_HEADER_BYTES + 10)
                      + "\r\n\r\n");
          assertThat(hugeHeaders.status()).isEqualTo(431);
          RawHttp.Response longLine =
              send(
                  "GET /"
                      + "y".repeat(ChatServerInitializer.MAX_INITIAL_LINE + 10)
                      + " HTTP/1.1\r\n"
                      + host
                      + "\r\n");
          assertThat(longLine.status()).isEqualTo(414);
        });
    assertThat(chat.server().refusals().get(Refusals.Reason.REQUEST_TOO_LARGE)).isEqualTo(2);
    // Each counted once, under its reason: the missing key and the garbage, and the version.
    assertThat(chat.server().refusals().get(Refusals.Reason.BAD_REQUEST)).isEqualTo(2);
    assertThat(chat.server().refusals().get(Refusals.Reason.WEBSOCKET_VERSION)).isEqualTo(1);
    assertThat(logs.firstContaining("refused: 400 not a WebSocket request: missing key"))
        .isPresent();
    assertThat(logs.firstContaining("refused: 426 unsupported WebSocket version: 99")).isPresent();
  }

  @Test
  void aMalformedPercentEscapeInTheUriGetsA400() throws Exception {
    bystanders.during(
        () -> {
          for (String path : List.of("/?room=%zz", "/?nick=%", "/?since=%zz", "/?%zz=1")) {
            RawHttp.Response upgrade = send(RawHttp.upgrade(address(), path));
            assertThat(upgrade.status()).as(path).isEqualTo(400);
            assertThat(upgrade.body()).contains("malformed percent-encoding");
          }
          assertThat(send("GET /%zz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").status()).isEqualTo(400);
        });
    assertThat(chat.server().refusals().get(Refusals.Reason.BAD_REQUEST)).isEqualTo(5);
  }

  @Test
  void anUnmaskedClientFrameClosesWith1002() throws Exception {
    bystanders.during(
        () -> {
          try (RawWebSocket raw = RawWebSocket.connect(address(), 65536)) {
            raw.readFrame();
            raw.sendFrame(true, 0x1, "hello".getBytes(StandardCharsets.UTF_8), false);
            assertThat(raw.readCloseCode()).isEqualTo(1002);
          }
        });
  }

  @Test
  void aFragmentedMessageOverTheCapClosesWith1009() throws Exception {
    bystanders.during(
        () -> {
          try (RawWebSocket raw = RawWebSocket.connect(address(), 65536)) {
            raw.readFrame();
            byte[] part = "z".repeat(MAX_FRAME * 6 / 10).getBytes(StandardCharsets.UTF_8);
            raw.sendFrame(false, 0x1, part);
            raw.sendFrame(true, 0x0, part);
            assertThat(raw.readCloseCode()).isEqualTo(1009);
          }
        });
  }

  @Test
  void aMalformedCloseFrameEndsTheConnection() throws Exception {
    bystanders.during(
        () -> {
          try (RawWebSocket raw = RawWebSocket.connect(address(), 65536)) {
            raw.readFrame();
            raw.sendFrame(true, RawWebSocket.Frame.CLOSE, new byte[] {3});
            assertThat(raw.readCloseCode()).isEqualTo(1002);
          }
          // A code RFC 6455 does not allow: nothing to answer with, the connection just ends.
          try (RawWebSocket raw = RawWebSocket.connect(address(), 65536)) {
            raw.readFrame();
            raw.sendFrame(true, RawWebSocket.Frame.CLOSE, new byte[] {0x03, (byte) 0xe7});
            assertThatThrownBy(raw::readCloseCode).isInstanceOf(EOFException.class);
          }
        });
  }

  @Test
  void aContinuationWithoutAStartClosesWith1002() throws Exception {
    bystanders.during(
        () -> {
          try (RawWebSocket raw = RawWebSocket.connect(address(), 65536)) {
            raw.readFrame();
            raw.sendFrame(true, 0x0, "orphan".getBytes(StandardCharsets.UTF_8));
            assertThat(raw.readCloseCode()).isEqualTo(1002);
          }
        });
  }

  @Test
  void aControlFrameOver125BytesClosesWith1002() throws Exception {
    bystanders.during(
        () -> {
          try (RawWebSocket raw = RawWebSocket.connect(address(), 65536)) {
            raw.readFrame();
            raw.sendFrame(true, 0x9, new byte[126]);
            assertThat(raw.readCloseCode()).isEqualTo(1002);
          }
        });
  }

  @Test
  void invalidUtf8SplitAcrossFragmentsClosesWith1007() throws Exception {
    bystanders.during(
        () -> {
          try (RawWebSocket raw = RawWebSocket.connect(address(), 65536)) {
            raw.readFrame();
            raw.sendFrame(false, 0x1, new byte[] {'o', 'k', (byte) 0xF0, (byte) 0x9F});
            raw.sendFrame(true, 0x0, new byte[] {(byte) 0x41});
            assertThat(raw.readCloseCode()).isEqualTo(1007);
          }
        });
  }

  @Test
  void aPingFloodIsAnsweredOnlyAsFastAsItIsRead() throws Exception {
    bystanders.during(
        () -> {
          try (RawWebSocket raw = RawWebSocket.connect(address(), 4096)) {
            raw.readFrame();
            byte[] payload = new byte[125];
            for (int i = 0; i < 20_000; i++) {
              raw.sendFrame(true, 0x9, payload);
            }
            // The flooder is still served: once it reads, pongs (and a pong for a last ping) come.
            raw.sendFrame(true, 0x9, "last".getBytes(StandardCharsets.UTF_8));
            // The bystanders' chat and presence notices reach it too, between the pongs.
            RawWebSocket.Frame frame = raw.readFrame();
            while (frame != null && frame.opcode() == RawWebSocket.Frame.TEXT) {
              frame = raw.readFrame();
            }
            assertThat(frame).isNotNull();
            assertThat(frame.opcode()).isEqualTo(0xA);
          }
        });
  }

  @Test
  void aClientOpeningConnectionsIsRefusedPastThePerAddressLimit() throws Exception {
    InetAddress attacker = InetAddress.getByName("127.0.0.2");
    bystanders.during(
        () -> assertThat(upgrades(attacker, PER_IP + 1)).isEqualTo(placesThenOneRefused()));
    assertThat(chat.server().refusals().get(Refusals.Reason.MAX_CONNECTIONS_PER_IP)).isEqualTo(1);
  }

  @Test
  void connectionsGiveTheirPlacesBackWhenTheyClose() throws Exception {
    InetAddress client = InetAddress.getByName("127.0.0.3");
    List<Integer> full = placesThenOneRefused();
    assertThat(upgrades(client, PER_IP + 1)).isEqualTo(full);
    // Once the server has seen them close, the same address fits as many again and no more: a
    // place kept would refuse one sooner, the refused one giving back a place it was not counted
    // for would let one more in.
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(() -> assertThat(upgrades(client, PER_IP + 1)).isEqualTo(full));
    assertThat(chat.server().refusals().get(Refusals.Reason.MAX_CONNECTIONS_PER_IP)).isPositive();
  }

  /** What {@code PER_IP + 1} upgrades from one address get: 101 for each place, then 429. */
  private static List<Integer> placesThenOneRefused() {
    List<Integer> statuses = new ArrayList<>();
    for (int i = 0; i < PER_IP; i++) {
      statuses.add(101);
    }
    statuses.add(429);
    return statuses;
  }

  /**
   * The status each of {@code count} upgrades from {@code from} got, all open at once, then closed.
   */
  private List<Integer> upgrades(InetAddress from, int count) throws IOException {
    List<Socket> open = new ArrayList<>();
    List<Integer> statuses = new ArrayList<>();
    try {
      for (int i = 0; i < count; i++) {
        Socket socket = connectFrom(from);
        open.add(socket);
        statuses.add(request(socket, RawHttp.upgrade(address(), "/")).status());
      }
    } finally {
      for (Socket socket : open) {
        socket.close();
      }
    }
    return statuses;
  }

  @Test
  void plainRequestsFromAnAddressAtItsLimitAreAnsweredOnAConnectionThatThenCloses()
      throws Exception {
    InetAddress client = InetAddress.getByName("127.0.0.4");
    List<Socket> open = new ArrayList<>();
    try {
      for (int i = 0; i < PER_IP; i++) {
        open.add(connectFrom(client));
        assertThat(request(open.get(i), RawHttp.upgrade(address(), "/")).status()).isEqualTo(101);
      }
      // A liveness probe or a scrape must not fail because the node is busy.
      for (String path : List.of("/healthz", "/readyz", "/metrics", "/")) {
        try (Socket probe = connectFrom(client)) {
          RawHttp.Response answer =
              request(probe, "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
          assertThat(answer.status()).as(path).isEqualTo(200);
          assertThat(answer.head().toLowerCase(Locale.ROOT)).contains("connection: close");
          assertThat(readUntilClosed(probe.getInputStream())).isEqualTo(-1);
        }
      }
      try (Socket more = connectFrom(client)) {
        assertThat(request(more, RawHttp.upgrade(address(), "/")).status()).isEqualTo(429);
      }
    } finally {
      for (Socket socket : open) {
        socket.close();
      }
    }
    assertThat(chat.server().refusals().get(Refusals.Reason.MAX_CONNECTIONS_PER_IP)).isEqualTo(1);
  }

  private Socket connectFrom(InetAddress from) throws IOException {
    Socket socket = new Socket();
    socket.bind(new InetSocketAddress(from, 0));
    socket.setSoTimeout(10_000);
    socket.connect(address());
    return socket;
  }

  private static RawHttp.Response request(Socket socket, String request) throws IOException {
    socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
    return RawHttp.read(socket.getInputStream());
  }

  @Test
  void aClientThatSendsNothingIsDroppedWithinTheHandshakeTimeout() throws Exception {
    bystanders.during(
        () -> {
          try (Socket silent = new Socket();
              Socket slow = new Socket()) {
            silent.setSoTimeout(5_000);
            slow.setSoTimeout(5_000);
            silent.connect(address());
            slow.connect(address());
            slow.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n".getBytes());
            long start = System.nanoTime();
            assertThat(readUntilClosed(silent.getInputStream())).isEqualTo(-1);
            assertThat(readUntilClosed(slow.getInputStream())).isEqualTo(-1);
            assertThat(Duration.ofNanos(System.nanoTime() - start))
                .isLessThan(HANDSHAKE_TIMEOUT.multipliedBy(6));
          }
        });
    assertThat(chat.server().refusals().get(Refusals.Reason.HANDSHAKE_TIMEOUT)).isEqualTo(2);
    assertThat(logs.lines(Level.INFO))
        .filteredOn(line -> line.contains("refused: no complete request within 500 ms"))
        .hasSize(2);
    // The half-sent request is not also counted as a bad one the server answered.
    assertThat(chat.server().refusals().get(Refusals.Reason.BAD_REQUEST)).isZero();
  }

  private static int readUntilClosed(InputStream in) throws IOException {
    try {
      while (in.read() >= 0) {
        // Nothing is expected, but whatever comes is skipped.
      }
      return -1;
    } catch (java.net.SocketException reset) {
      return -1;
    }
  }

  @Test
  void membersWithoutANickAreShownByAnAnonymousNameThatCannotBeTaken() throws Exception {
    bystanders.during(
        () -> {
          try (JsonTestClient anon = JsonTestClient.connect(chat.server())) {
            JsonNode welcome = anon.next("welcome");
            assertThat(welcome.path("addr").asText()).matches("guest-[0-9a-f]{8}");
            anon.replayUntilLive();
            anon.say("who am i");
            // The bystanders chat in the same room: only our own message counts.
            JsonNode message = anon.nextMessageFrom(welcome.path("addr").asText());
            assertThat(message.path("from").asText()).isEqualTo(welcome.path("addr").asText());
            assertThat(message.path("addr").asText()).isEqualTo(welcome.path("addr").asText());
            anon.send("type", "nick", "nick", "guest-0123abcd");
            assertThat(anon.nextAmidChat("error").path("code").asText()).isEqualTo("bad_name");
          }
        });
  }

  @Test
  void controlCharactersAreRemovedFromChatText() throws Exception {
    bystanders.during(
        () -> {
          try (JsonTestClient sender = JsonTestClient.connect(chat.server(), "nick", "sly")) {
            sender.welcomeAndReplay();
            sender.say("a\u001b[31mred\r\u202Eevil\u0000\tok\nline two\u0085");
            assertThat(sender.nextMessageFrom("sly").path("text").asText())
                .isEqualTo("a[31mredevil\tok\nline two");
          }
        });
  }

  @Test
  void aNewRoomPastTheCapIsRefused() throws Exception {
    bystanders.during(
        () -> {
          try (JsonTestClient a = JsonTestClient.connect(chat.server(), "room", "a");
              JsonTestClient b = JsonTestClient.connect(chat.server(), "room", "b")) {
            a.welcomeAndReplay();
            b.welcomeAndReplay();
            try (JsonTestClient c = JsonTestClient.connect(chat.server(), "room", "c")) {
              JsonNode error = c.next("error");
              assertThat(error.path("code").asText()).isEqualTo("unavailable");
              assertThat(error.path("message").asText()).contains("too many rooms");
              assertThat(c.closeCode()).isEqualTo(1008);
            }
            a.send("type", "join", "room", "d");
            assertThat(a.next("error").path("message").asText()).contains("too many rooms");
          }
        });
    assertThat(chat.server().refusals().get(Refusals.Reason.MAX_ROOMS)).isEqualTo(2);
    assertThat(logs.lines(Level.INFO))
        .filteredOn(line -> line.contains("refused: unavailable: too many rooms (max 3)"))
        .hasSize(2);
  }

  @Test
  void aFullRoomIsRefusedAtConnectAndOnJoin() throws Exception {
    ChatServer small =
        chat.startAnother(
            ServerConfig.defaults("127.0.0.1", 0)
                .withSecurity(SecurityConfig.DEFAULTS.withRoomLimits(100, 1)));
    try (JsonTestClient first = JsonTestClient.connect(small, "room", "small");
        JsonTestClient other = JsonTestClient.connect(small, "room", "other")) {
      first.welcomeAndReplay();
      other.welcomeAndReplay();
      try (JsonTestClient late = JsonTestClient.connect(small, "room", "small")) {
        JsonNode error = late.next("error");
        assertThat(error.path("code").asText()).isEqualTo("unavailable");
        assertThat(late.closeCode()).isEqualTo(1008);
      }
      other.send("type", "join", "room", "small");
      assertThat(other.next("error").path("message").asText())
          .isEqualTo("unavailable: room small is full (max 1)");
    }
    assertThat(small.refusals().get(Refusals.Reason.ROOM_FULL)).isEqualTo(2);
    assertThat(logs.lines(Level.INFO))
        .filteredOn(line -> line.contains("refused: unavailable: room small is full (max 1)"))
        .hasSize(2);
  }

  @Test
  void aRequestBodyOverTheCapGetsA413() throws Exception {
    bystanders.during(
        () -> {
          RawHttp.Response tooLarge =
              send(
                  "POST /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: "
                      + (ChatServerInitializer.MAX_HTTP_BODY + 1)
                      + "\r\n\r\n"
                      + "d".repeat(100));
          assertThat(tooLarge.status()).isEqualTo(413);
        });
    assertThat(chat.server().refusals().get(Refusals.Reason.REQUEST_TOO_LARGE)).isEqualTo(1);
    assertThat(logs.firstContaining("refused: 413 request body too large"))
        .hasValueSatisfying(line -> assertThat(line.getLevel()).isEqualTo(Level.INFO));
  }

  @Test
  void roomsEmptiedMakeWayForNewOnesAtOnce() throws Exception {
    int before = chat.server().openConnections();
    try (JsonTestClient a = JsonTestClient.connect(chat.server(), "room", "a");
        JsonTestClient b = JsonTestClient.connect(chat.server(), "room", "b")) {
      a.welcomeAndReplay();
      b.welcomeAndReplay();
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> chat.server().openConnections() == before);
    // Well within the minute between two sweeps of empty rooms.
    try (JsonTestClient c = JsonTestClient.connect(chat.server(), "room", "c")) {
      assertThat(c.next().path("type").asText()).isEqualTo("welcome");
    }
    assertThat(chat.server().refusals().get(Refusals.Reason.MAX_ROOMS)).isZero();
  }
}
