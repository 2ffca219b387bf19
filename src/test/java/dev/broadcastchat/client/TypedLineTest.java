package dev.broadcastchat.client;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TypedLineTest {
  @Test
  void plainLinesAreMessagesAsTyped() {
    assertThat(TypedLine.parse("hello  world "))
        .isEqualTo(new TypedLine.Say("hello  world ", false));
  }

  @Test
  void doubleSlashSendsTheLineWithOneSlash() {
    assertThat(TypedLine.parse("//etc/hosts")).isEqualTo(new TypedLine.Say("/etc/hosts", false));
  }

  @Test
  void readsEveryCommandCaseInsensitively() {
    assertThat(TypedLine.parse("/nick bob")).isEqualTo(new TypedLine.Nick("bob"));
    assertThat(TypedLine.parse("/JOIN dev ")).isEqualTo(new TypedLine.Join("dev"));
    assertThat(TypedLine.parse("/who")).isEqualTo(new TypedLine.Who());
    assertThat(TypedLine.parse("/me waves at bob"))
        .isEqualTo(new TypedLine.Say("waves at bob", true));
    assertThat(TypedLine.parse("/help")).isEqualTo(new TypedLine.Help());
    assertThat(TypedLine.parse("/quit")).isEqualTo(new TypedLine.Quit());
  }

  @Test
  void commandsMissingTheirArgumentSayHowTheyAreUsed() {
    assertThat(TypedLine.parse("/nick")).isEqualTo(new TypedLine.Misused("/nick NAME"));
    assertThat(TypedLine.parse("/join  ")).isEqualTo(new TypedLine.Misused("/join ROOM"));
    assertThat(TypedLine.parse("/me")).isEqualTo(new TypedLine.Misused("/me ACTION"));
  }

  @Test
  void unknownCommandsAreNamed() {
    assertThat(TypedLine.parse("/x")).isEqualTo(new TypedLine.Unknown("/x"));
    assertThat(TypedLine.parse("/shrug it off")).isEqualTo(new TypedLine.Unknown("/shrug"));
  }

  @Test
  void blankLinesSendNothing() {
    assertThat(TypedLine.parse("")).isEqualTo(new TypedLine.Blank());
    assertThat(TypedLine.parse("   ")).isEqualTo(new TypedLine.Blank());
  }
}
