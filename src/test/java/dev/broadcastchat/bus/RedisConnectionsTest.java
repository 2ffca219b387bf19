package dev.broadcastchat.bus;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.resource.Delay;
import java.net.ConnectException;
import java.time.Duration;
import java.util.concurrent.CompletionException;
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

  @Test
  void aFailedConnectionIsExplainedByItsInnermostCauseNotLettucesUnableToConnect() {
    assertThat(
            RedisConnections.whyNotConnected(
                new RedisConnectionException(
                    "Unable to connect to 127.0.0.1/<unresolved>:6390",
                    new CompletionException(
                        new RedisCommandExecutionException("NOAUTH Authentication required.")))))
        .isEqualTo("refused: NOAUTH Authentication required");
    assertThat(
            RedisConnections.whyNotConnected(
                new RedisConnectionException(
                    "Unable to connect to 127.0.0.1/<unresolved>:6390",
                    new ConnectException("Connection refused"))))
        .isEqualTo("unreachable (Connection refused)");
  }
}
