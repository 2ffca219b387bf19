package dev.broadcastchat.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BackoffTest {
  @Test
  void doublesFromAQuarterSecondWithJitterUpToFiveSeconds() {
    Backoff backoff = new Backoff(new Random(1));
    long[][] bounds = {
      {250, 500}, {500, 1000}, {1000, 2000}, {2000, 4000}, {2500, 5000}, {2500, 5000}, {2500, 5000}
    };
    for (long[] b : bounds) {
      assertThat(backoff.next()).isBetween(Duration.ofMillis(b[0]), Duration.ofMillis(b[1]));
    }
  }

  @Test
  void resetStartsAgainFromTheShortestDelay() {
    Backoff backoff = new Backoff(new Random(2));
    for (int i = 0; i < 10; i++) {
      backoff.next();
    }
    backoff.reset();
    assertThat(backoff.next()).isBetween(Duration.ofMillis(250), Duration.ofMillis(500));
  }

  @Test
  void spreadsClientsThatLostTheSameServer() {
    Random random = new Random(3);
    long min = Long.MAX_VALUE;
    long max = 0;
    for (int client = 0; client < 200; client++) {
      long first = new Backoff(random).next().toMillis();
      min = Math.min(min, first);
      max = Math.max(max, first);
    }
    assertThat(max - min).isGreaterThan(150);
  }
}
