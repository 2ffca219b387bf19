package dev.broadcastchat.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NamesTest {

  // --- rooms ---------------------------------------------------------------------------------

  @ParameterizedTest
  @ValueSource(strings = {"lobby", "a", "Dev-Team_2.0", "...", "0", "room.with.dots"})
  void acceptsRoomsOfLettersDigitsDashUnderscoreAndDot(String room) {
    assertThat(Names.roomProblem(room)).isNull();
  }

  /** Every UTF-16 unit, alone and between allowed ones: only [A-Za-z0-9._-] makes a room name. */
  @Test
  void acceptsExactlyLettersDigitsDashUnderscoreAndDotOfAllCharacters() {
    for (int c = 0; c <= Character.MAX_VALUE; c++) {
      String ch = String.valueOf((char) c);
      boolean allowed = ch.matches("[A-Za-z0-9._-]");
      assertThat(Names.roomProblem(ch) == null).as("U+%04X", c).isEqualTo(allowed);
      assertThat(Names.roomProblem("a" + ch + "b") == null).as("a U+%04X b", c).isEqualTo(allowed);
    }
  }

  @Test
  void acceptsARoomOf64Characters() {
    assertThat(Names.roomProblem("r".repeat(64))).isNull();
  }

  @Test
  void refusesARoomOf65Characters() {
    assertThat(Names.roomProblem("r".repeat(65))).startsWith("bad room: ");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "my room",
        " lobby",
        "lobby ",
        "a/b",
        "/",
        "a\\b",
        "lobby\n",
        "a:b",
        "lobby?x=1",
        "caf\u00e9",
        "\u0440\u0443\u0441",
        "\uff41"
      })
  void refusesRoomsWithOtherCharacters(String room) {
    assertThat(Names.roomProblem(room)).startsWith("bad room: ");
  }

  @Test
  void refusesANullRoom() {
    assertThat(Names.roomProblem(null)).isNotNull();
  }

  @Test
  void explainsWhatARoomMayBe() {
    assertThat(Names.roomProblem("a b")).contains("64").contains("letters, digits");
  }

  // --- nicks ---------------------------------------------------------------------------------

  @ParameterizedTest
  @ValueSource(
      strings = {
        "alice",
        "a",
        "Jos\u00e9",
        "J\u00f6rg",
        "\u0410\u043b\u0438\u0441\u0430",
        "\u674e\u5a1c",
        "\ud83d\ude00",
        "cat\ud83d\udc31",
        "alice_2",
        "a.b-c",
        "x*y",
        "wow!",
        "<b>",
        "127.0.0.1"
      })
  void acceptsPrintableNicks(String nick) {
    assertThat(Names.nickProblem(nick)).isNull();
  }

  @Test
  void acceptsANickOf32CodePoints() {
    assertThat(Names.nickProblem("n".repeat(32))).isNull();
  }

  @Test
  void countsCodePointsNotCharsSo32EmojiFit() {
    String emoji = "\ud83d\ude00".repeat(32);
    assertThat(emoji.length()).isEqualTo(64);
    assertThat(Names.nickProblem(emoji)).isNull();
  }

  @Test
  void refusesANickOf33CodePoints() {
    assertThat(Names.nickProblem("n".repeat(33))).startsWith("bad nick: ");
    assertThat(Names.nickProblem("\ud83d\ude00".repeat(33))).startsWith("bad nick: ");
  }

  @Test
  void aSuffixedChoiceIsShortenedByWholeCodePointsToStayAValidNick() {
    assertThat(Names.withSuffix("alice", 1)).isEqualTo("alice");
    assertThat(Names.withSuffix("alice", 2)).isEqualTo("alice_2");
    assertThat(Names.withSuffix("n".repeat(32), 12)).isEqualTo("n".repeat(29) + "_12");
    String emoji = "\ud83d\ude00".repeat(32);
    String suffixed = Names.withSuffix(emoji, 2);
    assertThat(suffixed).isEqualTo("\ud83d\ude00".repeat(30) + "_2");
    assertThat(Names.nickProblem(suffixed)).isNull();
  }

  @Test
  void nickKeyIsBlindToCharactersThatShowAsNothing() {
    for (String hidden :
        List.of("\u034F", "\u200D", "\uFE00", "\uFE0F", "\u180B", "\uDB40\uDD00")) {
      assertThat(Names.nickProblem("alice" + hidden)).as(hidden).isNull();
      assertThat(Names.nickKey("alice" + hidden)).as(hidden).isEqualTo(Names.nickKey("alice"));
      assertThat(Names.nickKey("al" + hidden + "ice")).as(hidden).isEqualTo("alice");
    }
    // Emoji sequences still differ from one another by what they show.
    assertThat(Names.nickKey("\ud83d\udc68\u200D\ud83d\udcbb"))
        .isNotEqualTo(Names.nickKey("\ud83d\udc69\u200D\ud83d\udcbb"));
  }

  @Test
  void refusesTheReplacementCharacterThatUndecodableBytesBecome() {
    assertThat(Names.nickProblem("al\uFFFDice"))
        .isEqualTo("bad nick: U+FFFD, the mark of bytes that were not UTF-8, is not allowed");
  }

  @Test
  void refusesAnEmptyOrNullNick() {
    assertThat(Names.nickProblem("")).startsWith("bad nick: ");
    assertThat(Names.nickProblem(null)).startsWith("bad nick: ");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "al ice",
        " alice",
        "alice ",
        "al\tice",
        "al\nice",
        "al\rice",
        "al\u0000ice",
        "al\u0007ice",
        "al\u001bice",
        "al\u007fice",
        "al\u0085ice",
        "al\u00a0ice",
        "al\u2003ice",
        "al\u3000ice",
        "al\u200bice",
        "al\u200eice",
        "al\u202eice",
        "al\u2028ice",
        "al\u2029ice",
        "\ufeffalice",
        "al\ud800ice",
        "al\ue000ice"
      })
  void refusesSpacesControlAndInvisibleCharacters(String nick) {
    assertThat(Names.nickProblem(nick)).startsWith("bad nick: ");
  }

  @ParameterizedTest
  @ValueSource(strings = {"a:b", ":alice", "alice:", "127.0.0.1:5000", "[::1]:5000"})
  void refusesAColonSoNoNickPassesForAnAddressOrASenderPrefix(String nick) {
    assertThat(Names.nickProblem(nick)).startsWith("bad nick: ");
  }

  @ParameterizedTest
  @ValueSource(strings = {"*alice", "!alice", "*", "!", "**"})
  void refusesANickStartingWithStarOrBang(String nick) {
    assertThat(Names.nickProblem(nick)).startsWith("bad nick: ");
  }

  @Test
  void nickKeyIgnoresCase() {
    assertThat(Names.nickKey("Alice")).isEqualTo(Names.nickKey("aLICE"));
    assertThat(Names.nickKey("JOS\u00c9")).isEqualTo(Names.nickKey("jos\u00e9"));
    assertThat(Names.nickKey("alice")).isNotEqualTo(Names.nickKey("alice_2"));
  }

  @Test
  void nickKeyDoesNotDependOnTheDefaultLocale() {
    Locale before = Locale.getDefault();
    try {
      Locale.setDefault(Locale.forLanguageTag("tr"));
      assertThat(Names.nickKey("KIM")).isEqualTo("kim");
    } finally {
      Locale.setDefault(before);
    }
  }
}
