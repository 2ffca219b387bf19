package dev.broadcastchat.server;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;

/**
 * Fuzzes the prepared 101 response: whatever key and subprotocol list a client sends, the bytes are
 * those Netty's handshaker and HTTP encoder would write. Header values are any Latin-1 text, which
 * is what the HTTP decoder makes of a header's bytes. Fuzzes for a bounded time when {@code
 * JAZZER_FUZZ} is set (the pom's fuzz run), else replays the corpus in src/test/resources.
 */
class UpgradeFuzzTest {
  @FuzzTest(maxDuration = "10s")
  void theResponseIsNettysWhateverTheKeyAndSubprotocols(FuzzedDataProvider data) {
    String key = latin1(data.consumeBytes(data.consumeInt(0, 96)));
    boolean offersSubprotocols = data.consumeBoolean();
    String protocols = latin1(data.consumeRemainingAsBytes());
    WebSocketUpgradeTest.assertSameResponseAsNettys(key, offersSubprotocols ? protocols : null);
  }

  private static String latin1(byte[] bytes) {
    return new String(bytes, StandardCharsets.ISO_8859_1);
  }
}
