package dev.broadcastchat.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Each limit gets its stated answer, and the other members of the room notice nothing. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LimitsIT {
  private static final int MAX_MESSAGE = 100;
  private static final int MAX_FRAME = 1000;

  @RegisterExtension
  final ChatServerExtension chat =
      new ChatServerExtension(
          ServerConfig.defaults("127.0.0.1", 0)
              .withMaxMessageBytes(MAX_MESSAGE)
              .withMaxFrameBytes(MAX_FRAME)
              .withRate(5, 5));

  @Test
  void aMessageOverTheMaximumIsRefusedAndNothingIsBroadcast() {
    try (JsonTestClient sender = JsonTestClient.connect(chat.server());
        JsonTestClient observer = JsonTestClient.connect(chat.server())) {
      sender.welcomeAndReplay();
      observer.welcomeAndReplay();
      sender.send("type", "say", "text", "é".repeat(MAX_MESSAGE / 2 + 1), "ref", "long");
      JsonNode error = sender.next("error");
      assertThat(error.path("code").asText()).isEqualTo("too_long");
      assertThat(error.path("ref").asText()).isEqualTo("long");
      assertThat(error.path("message").asText()).isEqualTo("message too long (max 100 bytes)");

      sender.say("x".repeat(MAX_MESSAGE));
      assertThat(observer.next("message").path("text").asText()).hasSize(MAX_MESSAGE);
      assertThat(sender.next("message").path("text").asText()).hasSize(MAX_MESSAGE);
    }
    TestClient text = chat.connect();
    text.nextMessage();
    text.send("y".repeat(MAX_MESSAGE + 1));
    assertThat(skipPresence(text)).isEqualTo("! message too long (max 100 bytes)");
  }

  @Test
  void aFrameOverTheMaximumClosesWith1009AndOthersCarryOn() {
    try (JsonTestClient observer = JsonTestClient.connect(chat.server())) {
      observer.welcomeAndReplay();
      TestClient big = chat.connect();
      big.nextMessage();
      big.send("z".repeat(MAX_FRAME + 1));
      assertThat(big.closeCode()).isEqualTo(1009);
      observer.say("fine");
      assertThat(observer.next("message").path("text").asText()).isEqualTo("fine");
    }
  }

  @Test
  void aBinaryFrameClosesWith1003() throws Exception {
    try (RawWebSocket raw = RawWebSocket.connect(chat.server().address(), 65536)) {
      raw.readFrame(); // welcome
      raw.sendFrame(true, 0x2, new byte[] {1, 2, 3});
      assertThat(raw.readCloseCode()).isEqualTo(1003);
    }
  }

  @Test
  void nothingFollowsTheServersCloseFrameWhateverThePeerSendsAfterIt() throws Exception {
    try (RawWebSocket raw = RawWebSocket.connect(chat.server().address(), 65536)) {
      raw.readFrame(); // welcome
      raw.sendFrame(true, 0x2, new byte[] {1, 2, 3}); // closed with 1003 for it...
      raw.sendFrame(true, 0x1, new byte[] {(byte) 0xC0, (byte) 0x80}); // ...then not UTF-8
      RawWebSocket.Frame close = raw.readFrame();
      assertThat(close.opcode()).isEqualTo(RawWebSocket.Frame.CLOSE);
      assertThat(close.closeCode()).isEqualTo(1003);
      raw.sendFrame(true, RawWebSocket.Frame.CLOSE, new byte[] {0x03, (byte) 0xEB});
      assertThat(raw.readFrame()).as("a frame after the server's close frame").isNull();
    }
  }

  @Test
  void invalidUtf8ClosesWith1007InOneFrameOrSplitAcrossFragments() throws Exception {
    try (JsonTestClient observer = JsonTestClient.connect(chat.server())) {
      observer.welcomeAndReplay();
      // One frame (0xED 0xA0 0x80 would be a UTF-16 surrogate: UTF-8 in shape, but not UTF-8),
      // then a character cut off by the end of the message's last fragment.
      byte[][][] messages = {
        {{'o', 'k', (byte) 0xED, (byte) 0xA0, (byte) 0x80}},
        {{'o', 'k', (byte) 0xE2, (byte) 0x82}, {(byte) 0x28}}
      };
      for (byte[][] fragments : messages) {
        try (RawWebSocket raw = RawWebSocket.connect(chat.server().address(), 65536)) {
          raw.readFrame();
          for (int i = 0; i < fragments.length; i++) {
            raw.sendFrame(i == fragments.length - 1, i == 0 ? 0x1 : 0x0, fragments[i]);
          }
          assertThat(raw.readCloseCode()).isEqualTo(1007);
        }
      }
      observer.say("unharmed");
      assertThat(observer.next("message").path("text").asText()).isEqualTo("unharmed");
    }
  }

  @Test
  void aMessageInFragmentsArrivesWholeAndSoDoTheOnesAfterIt() throws Exception {
    try (JsonTestClient observer = JsonTestClient.connect(chat.server())) {
      observer.welcomeAndReplay();
      try (RawWebSocket raw = RawWebSocket.connect(chat.server().address(), 65536)) {
        raw.readFrame();
        byte[] e = "é".getBytes(StandardCharsets.UTF_8);
        // "café!" in three fragments, the é split between two of them, a ping in between.
        raw.sendFrame(false, 0x1, new byte[] {'c', 'a', 'f', e[0]});
        raw.sendFrame(true, 0x9, new byte[] {'p'});
        raw.sendFrame(false, 0x0, new byte[] {e[1]});
        raw.sendFrame(true, 0x0, new byte[] {'!'});
        assertThat(observer.next("message").path("text").asText()).isEqualTo("café!");
        raw.sendText("and again");
        assertThat(observer.next("message").path("text").asText()).isEqualTo("and again");
        raw.sendFrame(false, 0x1, "x".repeat(MAX_MESSAGE / 2).getBytes(StandardCharsets.UTF_8));
        raw.sendFrame(true, 0x0, "y".getBytes(StandardCharsets.UTF_8));
        assertThat(observer.next("message").path("text").asText())
            .isEqualTo("x".repeat(MAX_MESSAGE / 2) + "y");
      }
    }
  }

  @Test
  void aClientOverTheRateIsToldAndAFloodIsClosedWith1008() {
    try (JsonTestClient observer = JsonTestClient.connect(chat.server());
        JsonTestClient flooder = JsonTestClient.connect(chat.server())) {
      observer.welcomeAndReplay();
      flooder.welcomeAndReplay();
      for (int i = 0; i < 8; i++) {
        flooder.send("type", "say", "text", "burst-" + i, "ref", "b" + i);
      }
      int acked = 0;
      int limited = 0;
      while (acked + limited < 8) {
        JsonNode e = flooder.nextNonPresence();
        switch (e.path("type").asText()) {
          case "ack" -> acked++;
          case "error" -> {
            assertThat(e.path("code").asText()).isEqualTo("rate_limited");
            assertThat(e.path("ref").asText()).startsWith("b");
            limited++;
          }
          case "message" -> {}
          default -> throw new AssertionError("unexpected " + e);
        }
      }
      assertThat(acked).isGreaterThanOrEqualTo(5);
      assertThat(limited).isPositive();
      assertThat(observer.nextMessageTexts(acked)).allMatch(t -> t.startsWith("burst-"));

      for (int i = 0; i < 200; i++) {
        try {
          flooder.say("flood");
        } catch (AssertionError closedAlready) {
          break;
        }
      }
      assertThat(flooder.closeCode()).isEqualTo(1008);
    }
  }

  private static String skipPresence(TestClient client) {
    while (true) {
      String line = client.nextMessage();
      if (!line.contains(" joined ") && !line.contains(" left ")) {
        return line;
      }
    }
  }
}
