package dev.broadcastchat.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes the JSON decoder: any frame decodes to a command (bad ones to {@code Invalid}) without
 * throwing, and a {@code ref} is never longer than allowed. Fuzzes for a bounded time when {@code
 * JAZZER_FUZZ} is set (the pom's fuzz run), else replays the corpus in src/test/resources.
 */
class JsonCodecFuzzTest {
  @FuzzTest(maxDuration = "10s")
  void anyFrameDecodesToACommand(String frame) {
    if (frame == null) {
      return; // a WebSocket frame always has a text, if an empty one
    }
    ClientCommand command = JsonCodec.decode(frame);
    assertThat(command).isNotNull();
    if (command instanceof ClientCommand.Say say && say.ref() != null) {
      assertThat(say.ref().length()).isLessThanOrEqualTo(JsonCodec.MAX_REF_LENGTH);
    }
  }
}
