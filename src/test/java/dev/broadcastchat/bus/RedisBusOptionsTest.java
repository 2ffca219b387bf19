package dev.broadcastchat.bus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RedisBusOptionsTest {
  @ParameterizedTest
  @ValueSource(
      strings = {
        "redis://127.0.0.1:6379",
        "redis://redis",
        "rediss://user:secret@redis.example:6380/2",
        "redis://[::1]:6379"
      })
  void acceptsRedisUrls(String url) {
    RedisBusOptions.checkUrl(url);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "http://127.0.0.1:6379",
        "127.0.0.1:6379",
        "redis://",
        "redis:// x",
        "redis://127.0.0.1:99999",
        "redis://127.0.0.1:0"
      })
  void refusesAnythingElseNamingTheValue(String url) {
    assertThatThrownBy(() -> RedisBusOptions.checkUrl(url))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("redis: '" + url + "'")
        .hasMessageContaining("expected: redis://HOST");
  }

  @Test
  void aPrefixIsPrintableWithoutSpacesOrBraces() {
    RedisBusOptions.checkPrefix("");
    RedisBusOptions.checkPrefix("prod-eu:chat:");
    for (String bad : new String[] {"a b", "{x}", "tab\t", "x".repeat(65)}) {
      assertThatThrownBy(() -> RedisBusOptions.checkPrefix(bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("redis-prefix: '" + bad + "'");
    }
  }

  @Test
  void whereNamesHostAndPortButNeverThePassword() {
    RedisBusOptions options =
        RedisBusOptions.of("redis://user:secret@redis.example/0", "chat:", 100, Duration.ZERO);
    assertThat(options.where()).isEqualTo("redis.example:6379");
  }

  @Test
  void membersMustOutliveAtLeastTwoHeartbeats() {
    RedisBusOptions options = RedisBusOptions.of("redis://r", "chat:", 100, Duration.ZERO);
    assertThatThrownBy(
            () ->
                options.withTimings(
                    Duration.ofSeconds(1),
                    Duration.ofSeconds(1),
                    Duration.ofSeconds(3),
                    Duration.ofSeconds(5)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("redis member ttl: PT5S (expected: >= twice the heartbeat, PT6S)");
  }
}
