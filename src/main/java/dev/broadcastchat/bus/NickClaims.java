package dev.broadcastchat.bus;

import dev.broadcastchat.protocol.Names;
import io.lettuce.core.ScriptOutputType;
import java.util.Queue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The nicks this node's members hold in each room, claimed in Redis so that no member of another
 * node takes them ({@code nick.lua} has the rules).
 *
 * <p>A claim is the node's, under a token new for every claim; a release names the token, so a late
 * one never gives up a later claim of the same nick. A release Redis could not take is tried again
 * on every heartbeat until it is, or until {@value #MAX_PENDING} others wait. A node that dies
 * leaves its claims behind, and they stop counting once its member records expire. Thread-safe.
 */
final class NickClaims {
  private static final Logger log = LoggerFactory.getLogger(NickClaims.class);

  /**
   * The most releases kept for another try; past it the oldest are dropped (their claims expire).
   */
  static final int MAX_PENDING = 65_536;

  private record Release(String room, String nickKey, String token) {}

  private final RedisConnections redis;
  private final RedisScript script;
  private final String prefix;
  private final String nodeId;
  private final String recordTtlMillis;
  private final Queue<Release> pending = new ConcurrentLinkedQueue<>();
  private final AtomicInteger pendingCount = new AtomicInteger();

  NickClaims(RedisConnections redis, RedisScript script, RedisBusOptions options, String nodeId) {
    this.redis = redis;
    this.script = script;
    this.prefix = options.prefix();
    this.nodeId = nodeId;
    this.recordTtlMillis = Long.toString(options.memberTtl().toMillis());
  }

  /**
   * Claims {@code nick} in {@code room} under {@code token}: completes with true if it is now this
   * node's, false if a member of another node holds it, or exceptionally with {@link
   * BusUnavailableException}.
   */
  CompletionStage<Boolean> claim(String room, String nick, String token) {
    return run("claim", room, Names.nickKey(nick), token)
        .handle(
            (claimed, error) -> {
              if (error != null) {
                throw redis.unavailable(error);
              }
              return claimed == 1L;
            });
  }

  /** Gives up the claim made under {@code token}, now or, if Redis cannot take it, later. */
  void release(String room, String nick, String token) {
    release(new Release(room, Names.nickKey(nick), token));
  }

  /** Tries again the releases Redis could not take; called on every heartbeat. */
  void retry() {
    for (int n = pendingCount.get(); n > 0; n--) {
      Release release = pending.poll();
      if (release == null) {
        return;
      }
      pendingCount.decrementAndGet();
      release(release);
    }
  }

  /** Releases waiting for another try. */
  int pending() {
    return pendingCount.get();
  }

  private void release(Release release) {
    run("release", release.room(), release.nickKey(), release.token())
        .whenComplete(
            (released, error) -> {
              if (error != null) {
                log.debug(
                    "nick claim in {} not released yet: {}", release.room(), error.toString());
                keep(release);
              }
            });
  }

  private void keep(Release release) {
    pending.add(release);
    if (pendingCount.incrementAndGet() > MAX_PENDING && pending.poll() != null) {
      pendingCount.decrementAndGet();
    }
  }

  private CompletionStage<Long> run(String op, String room, String nickKey, String token) {
    RoomKeys keys = RoomKeys.of(prefix, room);
    return redis
        .commands()
        .thenCompose(
            commands ->
                script.<Long>run(
                    commands,
                    ScriptOutputType.INTEGER,
                    keys.nickKeys(),
                    op,
                    nickKey,
                    nodeId,
                    token,
                    recordTtlMillis));
  }
}
