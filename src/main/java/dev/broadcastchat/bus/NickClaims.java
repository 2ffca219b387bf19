package dev.broadcastchat.bus;

import dev.broadcastchat.protocol.Names;
import io.lettuce.core.ScriptOutputType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
 * on every heartbeat until it is, or until {@value #MAX_PENDING} others wait. The node keeps its
 * claims and makes them again whenever its member record of a room is written anew ({@link
 * #claimAgain}): after Redis lost its data, or the node was out of touch for longer than records
 * live and the claims expired with them. A node that dies leaves its claims behind, and they stop
 * counting once its member records expire.
 *
 * <p>Thread-safe. Claims and releases are sent under one lock, in the order they are made, on the
 * one command connection, so that a claim made again can never follow the release of that claim.
 */
final class NickClaims {
  private static final Logger log = LoggerFactory.getLogger(NickClaims.class);

  /**
   * The most releases kept for another try; past it the oldest are dropped (their claims expire).
   */
  static final int MAX_PENDING = 65_536;

  /** The most claims one script run makes again. */
  private static final int BATCH = 256;

  private record Release(String room, String nickKey, String token) {}

  private final RedisConnections redis;
  private final RedisScript script;
  private final String prefix;
  private final String nodeId;
  private final String recordTtlMillis;

  /** Room, then nick key, to the token of this node's claim on it; guarded by itself. */
  private final Map<String, Map<String, String>> held = new HashMap<>();

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
   * BusUnavailableException} (the claim is then kept, to be made again or released).
   */
  CompletionStage<Boolean> claim(String room, String nick, String token) {
    String key = Names.nickKey(nick);
    CompletionStage<List<Object>> sent;
    synchronized (held) {
      held.computeIfAbsent(room, r -> new HashMap<>()).put(key, token);
      sent = run("claim", room, List.of(key, token));
    }
    return sent.handle(
        (taken, error) -> {
          if (error != null) {
            throw redis.unavailable(error);
          }
          if (!taken.isEmpty()) {
            // Not this node's: forgotten, and released in case it was made again meanwhile.
            release(new Release(room, key, token));
            return false;
          }
          return true;
        });
  }

  /** Gives up the claim made under {@code token}, now or, if Redis cannot take it, later. */
  void release(String room, String nick, String token) {
    release(new Release(room, Names.nickKey(nick), token));
  }

  /**
   * Makes this node's claims in {@code room} again, whose member record was just written anew. A
   * nick a member of another node has taken meanwhile stays shared, and is logged.
   */
  void claimAgain(String room) {
    List<CompletionStage<List<Object>>> sent = new ArrayList<>();
    synchronized (held) {
      Map<String, String> claims = held.get(room);
      if (claims == null) {
        return;
      }
      List<String> pairs = new ArrayList<>();
      for (Map.Entry<String, String> claim : claims.entrySet()) {
        pairs.add(claim.getKey());
        pairs.add(claim.getValue());
        if (pairs.size() == 2 * BATCH) {
          sent.add(run("claim", room, pairs));
          pairs = new ArrayList<>();
        }
      }
      if (!pairs.isEmpty()) {
        sent.add(run("claim", room, pairs));
      }
    }
    for (CompletionStage<List<Object>> batch : sent) {
      batch.whenComplete(
          (taken, error) -> {
            if (error != null) {
              log.debug("nick claims in {} not made again yet: {}", room, error.toString());
            } else if (!taken.isEmpty()) {
              log.warn(
                  "room {}: {} nick(s) of this node's members taken meanwhile on another node,"
                      + " now shared: {}",
                  room,
                  taken.size(),
                  taken);
            }
          });
    }
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
    CompletionStage<List<Object>> sent;
    synchronized (held) {
      Map<String, String> claims = held.get(release.room());
      if (claims != null && claims.remove(release.nickKey(), release.token()) && claims.isEmpty()) {
        held.remove(release.room());
      }
      sent = run("release", release.room(), List.of(release.nickKey(), release.token()));
    }
    sent.whenComplete(
        (released, error) -> {
          if (error != null) {
            log.debug("nick claim in {} not released yet: {}", release.room(), error.toString());
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

  private CompletionStage<List<Object>> run(String op, String room, List<String> pairs) {
    RoomKeys keys = RoomKeys.of(prefix, room);
    String[] args = new String[3 + pairs.size()];
    args[0] = op;
    args[1] = nodeId;
    args[2] = recordTtlMillis;
    for (int i = 0; i < pairs.size(); i++) {
      args[3 + i] = pairs.get(i);
    }
    return redis
        .commands()
        .thenCompose(
            commands ->
                script.<List<Object>>run(commands, ScriptOutputType.MULTI, keys.nickKeys(), args));
  }
}
