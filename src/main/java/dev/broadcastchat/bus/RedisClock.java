package dev.broadcastchat.bus;

import io.lettuce.core.api.async.RedisAsyncCommands;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's estimate of Redis's clock, from {@code TIME} (halfway through the round trip), so
 * that a command can carry a deadline Redis checks against its own clock: past it, a message that
 * Redis only gets to after the sender was told it failed (Redis stalled, the answer timed out) is
 * refused instead of appearing late.
 *
 * <p>Thread-safe: measured on Lettuce's threads, read from any.
 */
final class RedisClock {
  private static final Logger log = LoggerFactory.getLogger(RedisClock.class);

  /** A measurement whose round trip took longer than this is too vague to keep. */
  private static final long MAX_ROUND_TRIP_MILLIS = 200;

  private volatile long offsetMillis;
  private volatile boolean known;

  /** Asks Redis for its time and updates the offset. */
  void measure(RedisAsyncCommands<String, String> redis) {
    long sent = System.currentTimeMillis();
    redis
        .time()
        .whenComplete(
            (time, error) -> {
              long received = System.currentTimeMillis();
              if (error != null || time == null || time.size() < 2) {
                log.debug("redis TIME not measured: {}", error == null ? time : error.toString());
                return;
              }
              if (received - sent > MAX_ROUND_TRIP_MILLIS) {
                return;
              }
              update(redisMillis(time), (sent + received) / 2);
            });
  }

  void update(long redisMillis, long localMillis) {
    offsetMillis = redisMillis - localMillis;
    known = true;
  }

  /**
   * The Redis time {@code within} from now, or 0 (no deadline) while the offset is not known yet.
   */
  long deadline(Duration within) {
    return known ? System.currentTimeMillis() + offsetMillis + within.toMillis() : 0;
  }

  private static long redisMillis(List<String> time) {
    return Long.parseLong(time.get(0)) * 1000 + Long.parseLong(time.get(1)) / 1000;
  }
}
