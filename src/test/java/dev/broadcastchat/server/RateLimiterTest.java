package dev.broadcastchat.server;

import static dev.broadcastchat.server.RateLimiter.Verdict.ABUSE;
import static dev.broadcastchat.server.RateLimiter.Verdict.ALLOWED;
import static dev.broadcastchat.server.RateLimiter.Verdict.REFUSED;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class RateLimiterTest {
  /** An arbitrary start, far from zero, as {@link System#nanoTime()} may be. */
  private static final long T0 = 7_000_000_000_123L;

  private static long ms(long millis) {
    return TimeUnit.MILLISECONDS.toNanos(millis);
  }

  private static List<RateLimiter.Verdict> acquireTimes(RateLimiter limiter, int n, long now) {
    List<RateLimiter.Verdict> verdicts = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      verdicts.add(limiter.acquire(now));
    }
    return verdicts;
  }

  @Test
  void allowsAFullBurstAtOnce() {
    RateLimiter limiter = new RateLimiter(20, 40, T0);
    assertThat(acquireTimes(limiter, 40, T0)).containsOnly(ALLOWED);
  }

  @Test
  void refusesTheMessageAfterTheBurst() {
    RateLimiter limiter = new RateLimiter(20, 40, T0);
    acquireTimes(limiter, 40, T0);
    assertThat(limiter.acquire(T0)).isEqualTo(REFUSED);
  }

  @Test
  void refillsOneTokenPerIntervalAtTheRate() {
    RateLimiter limiter = new RateLimiter(20, 40, T0);
    acquireTimes(limiter, 40, T0);

    // 20 per second: one token every 50 ms.
    assertThat(limiter.acquire(T0 + ms(49))).isEqualTo(REFUSED);
    assertThat(limiter.acquire(T0 + ms(50))).isEqualTo(ALLOWED);
    assertThat(limiter.acquire(T0 + ms(50))).isEqualTo(REFUSED);
    assertThat(limiter.acquire(T0 + ms(100))).isEqualTo(ALLOWED);
  }

  @Test
  void allowsTheRateIndefinitely() {
    RateLimiter limiter = new RateLimiter(20, 40, T0);
    acquireTimes(limiter, 40, T0);
    for (int i = 1; i <= 20 * 60; i++) {
      assertThat(limiter.acquire(T0 + i * ms(50))).as("message %d", i).isEqualTo(ALLOWED);
    }
  }

  @Test
  void refillsNoFurtherThanTheBurst() {
    RateLimiter limiter = new RateLimiter(20, 40, T0);
    long later = T0 + TimeUnit.HOURS.toNanos(1);
    assertThat(acquireTimes(limiter, 40, later)).containsOnly(ALLOWED);
    assertThat(limiter.acquire(later)).isEqualTo(REFUSED);
  }

  @Test
  void refillsTheWholeBurstAfterBurstOverRateSeconds() {
    RateLimiter limiter = new RateLimiter(20, 40, T0);
    acquireTimes(limiter, 40, T0);
    long twoSecondsLater = T0 + ms(2_000);
    assertThat(acquireTimes(limiter, 40, twoSecondsLater)).containsOnly(ALLOWED);
    assertThat(limiter.acquire(twoSecondsLater)).isEqualTo(REFUSED);
  }

  @Test
  void neverRefusesWhenTheRateIsZero() {
    RateLimiter limiter = new RateLimiter(0, 40, T0);
    assertThat(acquireTimes(limiter, 100_000, T0)).containsOnly(ALLOWED);
  }

  @Test
  void turnsSustainedFloodingIntoAbuse() {
    RateLimiter limiter = new RateLimiter(20, 40, T0);
    List<RateLimiter.Verdict> verdicts = new ArrayList<>();
    // A client sending 1,000 a second for a second.
    for (int i = 0; i < 1_000; i++) {
      verdicts.add(limiter.acquire(T0 + ms(i)));
    }
    assertThat(verdicts).contains(ABUSE);
    assertThat(verdicts.subList(0, 40)).containsOnly(ALLOWED);
    assertThat(verdicts.get(verdicts.size() - 1)).isEqualTo(ABUSE);
  }

  @Test
  void turnsFloodingSlightlyAboveTheRateIntoAbuseWithinAWindow() {
    RateLimiter limiter = new RateLimiter(20, 40, T0);
    boolean abused = false;
    // 40 a second against a rate of 20: half refused, for up to ten seconds.
    for (int i = 0; i < 400 && !abused; i++) {
      abused = limiter.acquire(T0 + ms(25L * i)) == ABUSE;
    }
    assertThat(abused).isTrue();
  }

  @Test
  void doesNotCallASingleSlipAbuse() {
    RateLimiter limiter = new RateLimiter(20, 40, T0);
    acquireTimes(limiter, 40, T0);
    assertThat(limiter.acquire(T0)).isEqualTo(REFUSED);

    // Then the client keeps to the rate for a minute.
    List<RateLimiter.Verdict> verdicts = new ArrayList<>();
    for (int i = 1; i <= 20 * 60; i++) {
      verdicts.add(limiter.acquire(T0 + i * ms(50)));
    }
    assertThat(verdicts).containsOnly(ALLOWED);
  }

  @Test
  void doesNotCallAClientThatSlipsOnceInAWhileAbuse() {
    RateLimiter limiter = new RateLimiter(20, 40, T0);
    List<RateLimiter.Verdict> verdicts = new ArrayList<>();
    // Every 3 seconds a burst of 45: five over the limit each time, for five minutes.
    for (int round = 0; round < 100; round++) {
      verdicts.addAll(acquireTimes(limiter, 45, T0 + ms(3_000L * round)));
    }
    assertThat(verdicts).contains(REFUSED).doesNotContain(ABUSE);
  }

  @Test
  void refusesRatherThanAbusesJustAfterTheBurst() {
    RateLimiter limiter = new RateLimiter(20, 40, T0);
    acquireTimes(limiter, 40, T0);
    assertThat(acquireTimes(limiter, 10, T0)).containsOnly(REFUSED);
  }

  @Test
  void treatsABurstBelowOneAsOne() {
    RateLimiter limiter = new RateLimiter(1, 0, T0);
    assertThat(limiter.acquire(T0)).isEqualTo(ALLOWED);
    assertThat(limiter.acquire(T0)).isEqualTo(REFUSED);
    assertThat(limiter.acquire(T0 + ms(1_000))).isEqualTo(ALLOWED);
  }
}
