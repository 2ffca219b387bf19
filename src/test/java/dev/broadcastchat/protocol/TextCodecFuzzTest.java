package dev.broadcastchat.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes the text-command parser and the text cleaning behind it: any frame parses to a command
 * without throwing, and cleaned text holds no control character but newline and tab. Fuzzes for a
 * bounded time when {@code JAZZER_FUZZ} is set (the pom's fuzz run), else replays the corpus in
 * src/test/resources.
 */
class TextCodecFuzzTest {
  @FuzzTest(maxDuration = "10s")
  void anyFrameParsesToACommand(String frame) {
    if (frame == null) {
      return; // a WebSocket frame always has a text, if an empty one
    }
    ClientCommand command = TextCodec.parse(frame);
    assertThat(command).isNotNull();
    if (command instanceof ClientCommand.Say say) {
      assertThat(frame).contains(say.text());
    }
    String clean = SafeText.clean(frame);
    for (int i = 0; i < clean.length(); i++) {
      assertThat(SafeText.removed(clean.charAt(i))).isFalse();
    }
    if (command instanceof ClientCommand.Invalid invalid) {
      assertThat(invalid.message()).doesNotContainPattern("\\p{Cntrl}");
    }
  }
}
