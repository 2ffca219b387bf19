package dev.broadcastchat.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Every example of docs/PROTOCOL.md, read and written. */
class JsonCodecTest {
  private final JsonCodec codec = new JsonCodec();

  @Test
  void readsTheLimitsAWelcomeAnnouncesAndPassesOverUnusableOnes() {
    String welcome =
        "{\"type\":\"welcome\",\"room\":\"lobby\",\"nick\":\"alice\",\"addr\":\"127.0.0.1:50312\","
            + "\"text\":\"Welcome to chat! Type a message\",\"limits\":";
    assertThat(codec.decode(welcome + "{\"rate\":20,\"burst\":40,\"bytes\":4096}}"))
        .isEqualTo(
            new ServerEvent.Welcome(
                "lobby",
                "alice",
                "127.0.0.1:50312",
                "Welcome to chat! Type a message",
                new ServerEvent.Limits(20, 40, 4096)));
    for (String bad : List.of("{\"rate\":20,\"burst\":0}", "{\"rate\":-1}", "7")) {
      assertThat(((ServerEvent.Welcome) codec.decode(welcome + bad + "}")).limits())
          .as(bad)
          .isNull();
    }
  }

  @Test
  void readsWelcomeWithAndWithoutNick() {
    assertThat(
            codec.decode(
                "{\"type\":\"welcome\",\"room\":\"lobby\",\"nick\":\"alice\","
                    + "\"addr\":\"127.0.0.1:50312\",\"text\":\"Welcome to chat! Type a message\"}"))
        .isEqualTo(
            new ServerEvent.Welcome(
                "lobby", "alice", "127.0.0.1:50312", "Welcome to chat! Type a message"));
    assertThat(
            codec.decode(
                "{\"type\":\"welcome\",\"room\":\"lobby\",\"nick\":null,\"addr\":\"1.2.3.4:5\","
                    + "\"text\":\"hi\"}"))
        .isEqualTo(new ServerEvent.Welcome("lobby", null, "1.2.3.4:5", "hi"));
  }

  @Test
  void readsReplayedAndLiveMessages() {
    assertThat(
            codec.decode(
                "{\"type\":\"message\",\"id\":\"k2x9f0-41\",\"room\":\"lobby\",\"from\":\"bob\","
                    + "\"addr\":\"127.0.0.1:50318\",\"text\":\"earlier\",\"ts\":1764096000000,"
                    + "\"action\":false,\"replay\":true}"))
        .isEqualTo(
            new ServerEvent.Message(
                "k2x9f0-41",
                "lobby",
                "bob",
                "127.0.0.1:50318",
                "earlier",
                1764096000000L,
                false,
                true));
    assertThat(
            codec.decode(
                "{\"type\":\"message\",\"id\":\"k2x9f0-42\",\"room\":\"lobby\",\"from\":\"alice\","
                    + "\"addr\":\"127.0.0.1:50312\",\"text\":\"waves\",\"ts\":1764096000123,"
                    + "\"action\":true}"))
        .isEqualTo(
            new ServerEvent.Message(
                "k2x9f0-42",
                "lobby",
                "alice",
                "127.0.0.1:50312",
                "waves",
                1764096000123L,
                true,
                false));
  }

  @Test
  void readsLiveGapAckAndPong() {
    assertThat(codec.decode("{\"type\":\"live\"}")).isEqualTo(new ServerEvent.Live());
    assertThat(
            codec.decode(
                "{\"type\":\"gap\",\"since\":\"k2x9f0-3\",\"text\":\"older messages were missed\"}"))
        .isEqualTo(new ServerEvent.Gap("k2x9f0-3", "older messages were missed"));
    assertThat(codec.decode("{\"type\":\"ack\",\"ref\":\"c1-17\",\"id\":\"k2x9f0-42\"}"))
        .isEqualTo(new ServerEvent.Ack("c1-17", "k2x9f0-42"));
    assertThat(codec.decode("{\"type\":\"pong\"}")).isEqualTo(new ServerEvent.Pong());
    assertThat(codec.decode("{\"type\":\"notice\",\"text\":\"* you are in lobby as a\"}"))
        .isEqualTo(new ServerEvent.Notice("* you are in lobby as a"));
  }

  @Test
  void readsPresenceNickChangesAndWho() {
    assertThat(
            codec.decode(
                "{\"type\":\"join\",\"room\":\"lobby\",\"nicks\":[\"alice\",\"bob\"],"
                    + "\"count\":2,\"members\":5}"))
        .isEqualTo(new ServerEvent.Presence(true, "lobby", List.of("alice", "bob"), 2, 5));
    assertThat(
            codec.decode(
                "{\"type\":\"leave\",\"room\":\"lobby\",\"nicks\":[\"127.0.0.1:50318\"],"
                    + "\"count\":1,\"members\":4}"))
        .isEqualTo(new ServerEvent.Presence(false, "lobby", List.of("127.0.0.1:50318"), 1, 4));
    assertThat(
            codec.decode(
                "{\"type\":\"nick\",\"room\":\"lobby\",\"from\":\"127.0.0.1:50312\",\"to\":\"alice\"}"))
        .isEqualTo(new ServerEvent.NickChange("lobby", "127.0.0.1:50312", "alice"));
    assertThat(
            codec.decode(
                "{\"type\":\"who\",\"room\":\"lobby\",\"members\":[\"alice\",\"bob\"],\"count\":2}"))
        .isEqualTo(new ServerEvent.Who("lobby", List.of("alice", "bob"), 2));
  }

  @Test
  void readsErrorsWithAndWithoutRef() {
    assertThat(
            codec.decode(
                "{\"type\":\"error\",\"code\":\"too_long\","
                    + "\"message\":\"message too long (max 4096 bytes)\",\"ref\":\"c1-18\"}"))
        .isEqualTo(new ServerEvent.Error("too_long", "message too long (max 4096 bytes)", "c1-18"));
    assertThat(codec.decode("{\"type\":\"error\",\"code\":\"bad_name\",\"message\":\"bad nick\"}"))
        .isEqualTo(new ServerEvent.Error("bad_name", "bad nick", null));
  }

  @Test
  void ignoresUnknownFieldsAndReadsUnknownTypesAsUnknown() {
    assertThat(codec.decode("{\"type\":\"live\",\"extra\":{\"a\":[1,2]}}"))
        .isEqualTo(new ServerEvent.Live());
    assertThat(codec.decode("{\"type\":\"typing\",\"from\":\"bob\"}"))
        .isEqualTo(new ServerEvent.Unknown("typing"));
  }

  @Test
  void refusesWhatIsNotAnEventNamingWhatIsWrong() {
    assertThatThrownBy(() -> codec.decode("bob: hello"))
        .isInstanceOf(MalformedEventException.class)
        .hasMessageContaining("not JSON");
    assertThatThrownBy(() -> codec.decode("[1,2]"))
        .isInstanceOf(MalformedEventException.class)
        .hasMessageContaining("not a JSON object");
    assertThatThrownBy(() -> codec.decode("{\"type\":\"ack\",\"ref\":\"c1\"}"))
        .isInstanceOf(MalformedEventException.class)
        .hasMessageContaining("id: missing");
    assertThatThrownBy(() -> codec.decode("{\"text\":\"no type\"}"))
        .isInstanceOf(MalformedEventException.class)
        .hasMessageContaining("type: missing");
  }

  @Test
  void writesEveryRequest() {
    assertThat(codec.encode(new ClientRequest.Say("hello", "c1-17", false)))
        .isEqualTo("{\"type\":\"say\",\"text\":\"hello\",\"ref\":\"c1-17\"}");
    assertThat(codec.encode(new ClientRequest.Say("waves", "c1-18", true)))
        .isEqualTo("{\"type\":\"say\",\"text\":\"waves\",\"ref\":\"c1-18\",\"action\":true}");
    assertThat(codec.encode(new ClientRequest.SetNick("alice")))
        .isEqualTo("{\"type\":\"nick\",\"nick\":\"alice\"}");
    assertThat(codec.encode(new ClientRequest.Join("dev")))
        .isEqualTo("{\"type\":\"join\",\"room\":\"dev\"}");
    assertThat(codec.encode(new ClientRequest.Who())).isEqualTo("{\"type\":\"who\"}");
    assertThat(codec.encode(new ClientRequest.Ping())).isEqualTo("{\"type\":\"ping\"}");
  }

  @Test
  void writesTextThatNeedsEscapingAsValidJson() {
    String text = "line \"one\"\nline\ttwo \\ \u0001 é 😀";
    String frame = codec.encode(new ClientRequest.Say(text, "r-1", false));
    assertThat(frame).doesNotContain("\n");
    assertThat(
            codec.decode(
                frame.replace(
                    "\"type\":\"say\"", "\"type\":\"message\",\"id\":\"1\",\"from\":\"a\"")))
        .extracting(e -> ((ServerEvent.Message) e).text())
        .isEqualTo(text);
  }
}
