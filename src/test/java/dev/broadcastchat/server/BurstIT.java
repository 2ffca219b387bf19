package dev.broadcastchat.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The slow-consumer bound judges what a receiver fails to read, not what one burst queues. */
class BurstIT {
  @RegisterExtension
  final ChatServerExtension chat =
      new ChatServerExtension(
          ServerConfig.defaults("127.0.0.1", 0).withRate(0, ServerConfig.DEFAULT_BURST));

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void keepsAReaderThatKeepsUpThroughABurstLargerThanTheBound() {
    TestClient client = chat.connect();
    client.nextMessage();
    String text = "y".repeat(4000);
    int n = 3000; // 12 MB in one burst, twelve times the default bound of 1 MiB
    for (int i = 0; i < n; i++) {
      client.send(text);
    }
    assertThat(client.nextChatMessages(n)).allMatch(m -> m.endsWith(": " + text));
    assertThat(client.isClosed()).isFalse();
  }
}
