package dev.broadcastchat.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class TextCodecTest {

  private static ChatMessage message(String from, String text, boolean action) {
    return new ChatMessage(
        "e1-7", 7, "lobby", from, "127.0.0.1:50312", text, 1_764_096_000_123L, action);
  }

  private static List<String> names(int n) {
    return IntStream.rangeClosed(1, n).mapToObj(i -> "user" + i).toList();
  }

  // --- parse ---------------------------------------------------------------------------------

  @Test
  void parsesPlainTextAsASay() {
    assertThat(TextCodec.parse("hello world"))
        .isEqualTo(new ClientCommand.Say("hello world", null, false));
  }

  @Test
  void parsesTextExactlyAsSentIncludingLineBreaksAndMarkup() {
    String text = "  <b>one</b>\ntwo & \"three\"  ";
    assertThat(TextCodec.parse(text)).isEqualTo(new ClientCommand.Say(text, null, false));
  }

  @Test
  void parsesDoubleSlashAsALiteralSlash() {
    assertThat(TextCodec.parse("//x")).isEqualTo(new ClientCommand.Say("/x", null, false));
    assertThat(TextCodec.parse("//nick bob"))
        .isEqualTo(new ClientCommand.Say("/nick bob", null, false));
  }

  @Test
  void parsesMeAsAnActionSay() {
    assertThat(TextCodec.parse("/me waves")).isEqualTo(new ClientCommand.Say("waves", null, true));
  }

  @Test
  void parsesNickWithItsArgument() {
    assertThat(TextCodec.parse("/nick alice")).isEqualTo(new ClientCommand.SetNick("alice"));
  }

  @Test
  void parsesJoinWithItsArgument() {
    assertThat(TextCodec.parse("/join dev")).isEqualTo(new ClientCommand.JoinRoom("dev"));
  }

  @Test
  void stripsSurroundingBlanksFromACommandArgument() {
    assertThat(TextCodec.parse("/join   dev  ")).isEqualTo(new ClientCommand.JoinRoom("dev"));
  }

  @Test
  void parsesNickWithoutArgumentAsAnEmptyNickForNamesToRefuse() {
    ClientCommand command = TextCodec.parse("/nick");
    assertThat(command).isEqualTo(new ClientCommand.SetNick(""));
    assertThat(Names.nickProblem(((ClientCommand.SetNick) command).nick())).isNotNull();
  }

  @Test
  void parsesWho() {
    assertThat(TextCodec.parse("/who")).isEqualTo(new ClientCommand.Who());
  }

  @Test
  void parsesHelp() {
    assertThat(TextCodec.parse("/help")).isEqualTo(new ClientCommand.Help());
  }

  @Test
  void answersAnUnknownCommandWithAPointerToHelp() {
    assertThat(TextCodec.parse("/x"))
        .isEqualTo(
            new ClientCommand.Invalid(ErrorCode.UNKNOWN_TYPE, "unknown command /x, try /help"));
    assertThat(TextCodec.parse("/dance with me"))
        .isEqualTo(
            new ClientCommand.Invalid(ErrorCode.UNKNOWN_TYPE, "unknown command /dance, try /help"));
  }

  @Test
  void shortensAHugeUnknownCommandNameInTheError() {
    ClientCommand command = TextCodec.parse("/" + "x".repeat(10_000));
    assertThat(command).isInstanceOf(ClientCommand.Invalid.class);
    assertThat(((ClientCommand.Invalid) command).message()).hasSizeLessThan(100);
  }

  // --- encode --------------------------------------------------------------------------------

  @Test
  void encodesAMessageAsSenderColonText() {
    assertThat(TextCodec.encode(new ServerEvent.Message(message("alice", "hello", false), false)))
        .isEqualTo("alice: hello");
  }

  @Test
  void encodesAMessageFromAMemberWithoutNickWithItsAddress() {
    assertThat(
            TextCodec.encode(
                new ServerEvent.Message(message("127.0.0.1:50312", "hello", false), false)))
        .isEqualTo("127.0.0.1:50312: hello");
  }

  @Test
  void encodesTextUnescaped() {
    assertThat(
            TextCodec.encode(new ServerEvent.Message(message("bob", "<i>&amp;</i>", false), false)))
        .isEqualTo("bob: <i>&amp;</i>");
  }

  @Test
  void encodesAnActionAsANoticeLine() {
    assertThat(TextCodec.encode(new ServerEvent.Message(message("alice", "waves", true), false)))
        .isEqualTo("* alice waves");
  }

  @Test
  void encodesAReplayedMessageLikeALiveOne() {
    assertThat(TextCodec.encode(new ServerEvent.Message(message("alice", "hi", false), true)))
        .isEqualTo("alice: hi");
  }

  @Test
  void encodesWelcomeAsTheWelcomeSentence() {
    assertThat(TextCodec.encode(new ServerEvent.Welcome("lobby", "alice", "127.0.0.1:1")))
        .isEqualTo("Welcome to chat! Type a message");
  }

  @Test
  void encodesOneJoin() {
    assertThat(TextCodec.encode(new ServerEvent.Presence("lobby", true, List.of("alice"), 1, 5)))
        .isEqualTo("* alice joined lobby");
  }

  @Test
  void encodesTwoJoinsByName() {
    assertThat(
            TextCodec.encode(
                new ServerEvent.Presence("lobby", true, List.of("alice", "bob"), 2, 5)))
        .isEqualTo("* alice and bob joined lobby");
  }

  @Test
  void encodesACrowdOfJoinsAsTheFirstNameAndACount() {
    assertThat(TextCodec.encode(new ServerEvent.Presence("lobby", true, names(20), 38, 40)))
        .isEqualTo("* user1 and 37 others joined lobby");
  }

  @Test
  void encodesOneLeave() {
    assertThat(TextCodec.encode(new ServerEvent.Presence("lobby", false, List.of("alice"), 1, 4)))
        .isEqualTo("* alice left lobby");
  }

  @Test
  void encodesTwoLeavesByName() {
    assertThat(
            TextCodec.encode(
                new ServerEvent.Presence("lobby", false, List.of("alice", "bob"), 2, 3)))
        .isEqualTo("* alice and bob left lobby");
  }

  @Test
  void encodesACrowdOfLeavesAsTheFirstNameAndACount() {
    assertThat(TextCodec.encode(new ServerEvent.Presence("lobby", false, names(20), 38, 2)))
        .isEqualTo("* user1 and 37 others left lobby");
  }

  @Test
  void encodesANickChange() {
    assertThat(TextCodec.encode(new ServerEvent.NickChange("lobby", "127.0.0.1:50312", "alice")))
        .isEqualTo("* 127.0.0.1:50312 is now known as alice");
  }

  @Test
  void encodesWhoWithEveryName() {
    assertThat(
            TextCodec.encode(
                new ServerEvent.Who("lobby", List.of("alice", "bob", "127.0.0.1:50312"), 3)))
        .isEqualTo("* 3 in lobby: alice, bob, 127.0.0.1:50312");
  }

  @Test
  void encodesWhoOnABigRoomWithHowManyMore() {
    String line = TextCodec.encode(new ServerEvent.Who("lobby", names(100), 150));
    assertThat(line).startsWith("* 150 in lobby: user1, user2, ").endsWith("user100 and 50 more");
  }

  @Test
  void encodesAnErrorAsABangLine() {
    assertThat(
            TextCodec.encode(
                new ServerEvent.Error(
                    ErrorCode.TOO_LONG, "message too long (max 4096 bytes)", "c1")))
        .isEqualTo("! message too long (max 4096 bytes)");
  }

  @Test
  void encodesEveryErrorCodeWithABangPrefix() {
    for (ErrorCode code : ErrorCode.values()) {
      assertThat(TextCodec.encode(new ServerEvent.Error(code, "why", null))).startsWith("! ");
    }
  }

  @Test
  void encodesANoticeAsItsText() {
    assertThat(TextCodec.encode(new ServerEvent.Notice("* you are in dev as alice")))
        .isEqualTo("* you are in dev as alice");
  }

  @Test
  void helpIsOnlyNoticeLines() {
    assertThat(TextCodec.HELP.split("\n")).allSatisfy(line -> assertThat(line).startsWith("* "));
    assertThat(TextCodec.encode(new ServerEvent.Notice(TextCodec.HELP)))
        .contains("/nick", "/join", "/who", "/me", "/help", "//");
  }

  @Test
  void sendsNothingToTextClientsForLiveGapAckAndPong() {
    assertThat(TextCodec.encode(new ServerEvent.Live())).isNull();
    assertThat(TextCodec.encode(new ServerEvent.Gap("e1-3"))).isNull();
    assertThat(TextCodec.encode(new ServerEvent.Ack("c1", "e1-7"))).isNull();
    assertThat(TextCodec.encode(new ServerEvent.Pong())).isNull();
  }
}
