package dev.broadcastchat.client;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ChatClientTest {
  @Test
  void leavesASingleLineAlone() {
    assertThat(ChatClient.indentContinuations("127.0.0.1:5: hi")).isEqualTo("127.0.0.1:5: hi");
  }

  @Test
  void indentsContinuationLinesSoNoneCanPassForAnotherSender() {
    assertThat(ChatClient.indentContinuations("a: one\r\nmallory: fake\rthree\n"))
        .isEqualTo("a: one\n    mallory: fake\n    three\n    ");
  }
}
