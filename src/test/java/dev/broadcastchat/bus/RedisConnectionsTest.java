package dev.broadcastchat.bus;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RedisConnectionsTest {
  @Test
  void theReconnectDelayNeverExceedsTheCap() {
    Duration cap = Duration.ofSeconds(1);
    Delay delay = RedisConnections.reconnectDelay(cap);
    for (long attempt = 1; attempt <= 200; attempt++) {
      assertThat(delay.createDelay(attempt)).as("attempt %d", attempt).isLessThanOrEqualTo(cap);
    }
    assertThat(delay.createDelay(1)).isLessThan(Duration.ofMillis(100));
  }

  @Test
  void commandsAreRejectedWhileDisconnectedAndTimeOut() {
    ClientOptions options = RedisConnections.clientOptions(Duration.ofSeconds(2));
    assertThat(options.getDisconnectedBehavior())
        .isEqualTo(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS);
    assertThat(options.isAutoReconnect()).isTrue();
    assertThat(options.getTimeoutOptions().isTimeoutCommands()).isTrue();
  }
}
