package dev.broadcastchat.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class EventFormatTest {
  private static final ZoneId ZONE = ZoneId.of("Europe/Paris");
  private static final long AT_14_05 =
      LocalDateTime.of(2025, 11, 25, 14, 5, 59).atZone(ZONE).toInstant().toEpochMilli();

  private final EventFormat format = new EventFormat(ZONE);

  private static ServerEvent.Message message(String from, String text, boolean action) {
    return new ServerEvent.Message(
        "id-1", "lobby", from, "1.2.3.4:5", text, AT_14_05, action, false);
  }

  @Test
  void showsAMessageWithItsLocalTimeAndSender() {
    assertThat(format.message(message("alice", "hello", false))).isEqualTo("[14:05] alice: hello");
    assertThat(new EventFormat(ZoneId.of("UTC")).message(message("alice", "hello", false)))
        .isEqualTo("[13:05] alice: hello");
  }

  @Test
  void showsAnActionWithAStar() {
    assertThat(format.message(message("alice", "waves", true))).isEqualTo("[14:05] * alice waves");
  }

  @Test
  void indentsContinuationLinesSoNoneCanPassForAnotherSender() {
    assertThat(format.message(message("alice", "one\r\n[14:05] mallory: fake\rthree\n", false)))
        .isEqualTo("[14:05] alice: one\n    [14:05] mallory: fake\n    three\n    ");
    assertThat(EventFormat.indentContinuations("127.0.0.1:5: hi")).isEqualTo("127.0.0.1:5: hi");
  }

  @Test
  void replacesControlCharactersThatATerminalWouldObey() {
    assertThat(format.message(message("bob", "\u001b[2Jgone\u0007\ttab", false)))
        .isEqualTo("[14:05] bob: \uFFFD[2Jgone\uFFFD\ttab");
  }

  @Test
  void showsOneTwoOrManyJoinsAndLeaves() {
    assertThat(format.presence(new ServerEvent.Presence(true, "lobby", List.of("alice"), 1, 3)))
        .isEqualTo("* alice joined lobby");
    assertThat(
            format.presence(new ServerEvent.Presence(true, "lobby", List.of("alice", "bob"), 2, 3)))
        .isEqualTo("* alice and bob joined lobby");
    List<String> twenty =
        IntStream.range(0, 20).mapToObj(i -> "n" + i).collect(Collectors.toList());
    assertThat(format.presence(new ServerEvent.Presence(true, "lobby", twenty, 38, 40)))
        .isEqualTo("* n0 and 37 others joined lobby");
    assertThat(format.presence(new ServerEvent.Presence(false, "lobby", List.of("bob"), 1, 2)))
        .isEqualTo("* bob left lobby");
    assertThat(
            format.presence(new ServerEvent.Presence(false, "dev", List.of("a", "b", "c"), 3, 0)))
        .isEqualTo("* a and 2 others left dev");
  }

  @Test
  void showsNickChanges() {
    assertThat(format.nickChange(new ServerEvent.NickChange("lobby", "alice", "bob")))
        .isEqualTo("* alice is now known as bob");
  }

  @Test
  void showsWhoWithCountAndNamesAndHowManyMoreThereAre() {
    assertThat(format.who(new ServerEvent.Who("lobby", List.of("a", "b", "c"), 3)))
        .isEqualTo("* 3 in lobby: a, b, c");
    assertThat(format.who(new ServerEvent.Who("lobby", List.of("a", "b"), 150)))
        .isEqualTo("* 150 in lobby: a, b and 148 more");
  }

  @Test
  void showsErrorsWithABang() {
    assertThat(
            format.error(
                new ServerEvent.Error("too_long", "message too long (max 4096 bytes)", "r-1")))
        .isEqualTo("! message too long (max 4096 bytes)");
    assertThat(format.error(new ServerEvent.Error("unavailable", null, null)))
        .isEqualTo("! unavailable");
  }

  @Test
  void showsNoticesAsNotices() {
    assertThat(format.notice(new ServerEvent.Notice("* you are in dev as a")))
        .isEqualTo("* you are in dev as a");
    assertThat(format.notice(new ServerEvent.Notice("server restarting soon")))
        .isEqualTo("* server restarting soon");
  }

  @Test
  void showsTheWelcomeSentenceAndWhereYouAre() {
    ServerEvent.Welcome welcome =
        new ServerEvent.Welcome("dev", "alice_2", "1.2.3.4:5", "Welcome to chat! Type a message");
    assertThat(format.welcome(welcome)).isEqualTo("Welcome to chat! Type a message");
    assertThat(format.whereYouAre(welcome)).isEqualTo("* you are in dev as alice_2");
    assertThat(format.whereYouAre(new ServerEvent.Welcome("dev", null, "1.2.3.4:5", "")))
        .isEqualTo("* you are in dev as 1.2.3.4:5");
  }
}
