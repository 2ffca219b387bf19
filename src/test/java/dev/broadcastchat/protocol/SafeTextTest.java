package dev.broadcastchat.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SafeTextTest {

  @Test
  void keepsTextWithNothingToRemoveAsTheSameString() {
    String text = "hello 😀 é\tand\nmore";
    assertThat(SafeText.clean(text)).isSameAs(text);
  }

  @Test
  void removesControlCharactersAndBidiOverridesButNotNewlineOrTab() {
    assertThat(SafeText.clean("a\u001b[31mred\r\u202Eevil\u0000\tok\nx\u0085\u2066y"))
        .isEqualTo("a[31mredevil\tok\nxy");
  }

  @Test
  void replacesASurrogateOutsideAPairAndKeepsPairs() {
    assertThat(SafeText.clean("a\uD83D")).isEqualTo("a\uFFFD");
    assertThat(SafeText.clean("\uDE00b")).isEqualTo("\uFFFDb");
    assertThat(SafeText.clean("\uDE00\uD83D")).isEqualTo("\uFFFD\uFFFD");
    assertThat(SafeText.clean("\uD83D\uD83D\uDE00\u0000")).isEqualTo("\uFFFD😀");
  }

  @Test
  void cleanTextSurvivesUtf8AsItIs() {
    String clean = SafeText.clean("x\uD800y\uDFFFz😀\u0007");
    String back = new String(clean.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
    assertThat(back).isEqualTo(clean).isEqualTo("x\uFFFDy\uFFFDz😀");
  }

  @Test
  void shortensWithoutCuttingAPairInTwo() {
    assertThat(SafeText.shorten("abc", 3)).isEqualTo("abc");
    assertThat(SafeText.shorten("abcd", 3)).isEqualTo("abc...");
    assertThat(SafeText.shorten("ab😀d", 3)).isEqualTo("ab...");
    assertThat(SafeText.shorten("a😀d", 3)).isEqualTo("a😀...");
  }
}
