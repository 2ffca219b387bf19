package dev.broadcastchat.bus;

import dev.broadcastchat.protocol.Names;
import io.lettuce.core.ScriptOutputType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
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
 * claims and makes them again ({@link #claimAgain}) whenever its member record of a room is written
 * anew, or may have been: after Redis lost its data, or the node was out of touch for longer than
 * records live and the claims expired with them. A room where a claim, or making them again, failed
 * is tried again on every heartbeat until it succeeds. A node that dies leaves its claims behind,
 * and they stop counting once its member records expire.
 *
 * <p>Thread-safe. Claims and releases are sent under one lock, in the order they are made, on the
 * one command connection, each with its script whole ({@link RedisScript#runInOrder}), so that a
 * claim made again can never follow the release of that claim.
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

  /** Rooms whose claims are to be made again on the next heartbeat: an attempt failed. */
  private final Set<String> unsure = ConcurrentHashMap.newKeySet();

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
    String previous;
    synchronized (held) {
      // A member renaming to another case of its nick claims it anew: its earlier token is kept
      // aside, in case this claim is refused.
      previous = held.computeIfAbsent(room, r -> new HashMap<>()).put(key, token);
      sent = run("claim", room, List.of(key, token));
    }
    return sent.handle(
        (taken, error) -> {
          if (error != null) {
            unsure.add(room);
            throw redis.unavailable(error);
          }
          if (!taken.isEmpty()) {
            // Not this node's: forgotten, and released in case it was made again meanwhile.
            release(new Release(room, key, token), previous);
            return false;
          }
          return true;
        });
  }

  /** Gives up the claim made under {@code token}, now or, if Redis cannot take it, later. */
  void release(String room, String nick, String token) {
    release(new Release(room, Names.nickKey(nick), token), null);
  }

  /**
   * Makes this node's claims in {@code room} again, whose member record was just written anew or
   * may have been. A nick a member of another node has taken meanwhile stays shared, and is logged.
   */
  void claimAgain(String room) {
    unsure.remove(room);
    List<Map<String, String>> batches = new ArrayList<>();
    List<CompletionStage<List<Object>>> sent = new ArrayList<>();
    synchronized (held) {
      Map<String, String> claims = held.get(room);
      if (claims == null) {
        return;
      }
      Map<String, String> batch = new HashMap<>();
      for (Map.Entry<String, String> claim : claims.entrySet()) {
        batch.put(claim.getKey(), claim.getValue());
        if (batch.size() == BATCH) {
          batches.add(batch);
          sent.add(run("claim", room, pairs(batch)));
          batch = new HashMap<>();
        }
      }
      if (!batch.isEmpty()) {
        batches.add(batch);
        sent.add(run("claim", room, pairs(batch)));
      }
    }
    for (int i = 0; i < sent.size(); i++) {
      Map<String, String> batch = batches.get(i);
      sent.get(i)
          .whenComplete(
              (taken, error) -> {
                if (error != null) {
                  log.debug("nick claims in {} not made again yet: {}", room, error.toString());
                  unsure.add(room);
                } else if (!taken.isEmpty()) {
                  warnShared(room, batch, taken);
                }
              });
    }
  }

  /** Logs the nicks of {@code taken} still held here under the token they were claimed with. */
  private void warnShared(String room, Map<String, String> batch, List<Object> taken) {
    List<String> shared = new ArrayList<>();
    synchronized (held) {
      // A claim still waiting for its own answer when this batch was sent is not shared: it is
      // refused, its member told and the claim forgotten.
      Map<String, String> claims = held.getOrDefault(room, Map.of());
      for (Object taken1 : taken) {
        String key = String.valueOf(taken1);
        String token = batch.get(key);
        if (token != null && token.equals(claims.get(key))) {
          shared.add(key);
        }
      }
    }
    if (!shared.isEmpty()) {
      log.warn(
          "room {}: {} nick(s) of this node's members taken meanwhile on another node, now shared:"
              + " {}",
          room,
          shared.size(),
          shared);
    }
  }

  private static List<String> pairs(Map<String, String> claims) {
    List<String> pairs = new ArrayList<>(2 * claims.size());
    claims.forEach(
        (key, token) -> {
          pairs.add(key);
          pairs.add(token);
        });
    return pairs;
  }

  /**
   * Tries again the releases Redis could not take, and makes again the claims of rooms where that
   * failed; called on every heartbeat.
   */
  void retry() {
    for (String room : List.copyOf(unsure)) {
      claimAgain(room);
    }
    for (int n = pendingCount.get(); n > 0; n--) {
      Release release = pending.poll();
      if (release == null) {
        return;
      }
      pendingCount.decrementAndGet();
      release(release, null);
    }
  }

  /** Releases waiting for another try. */
  int pending() {
    return pendingCount.get();
  }

  /**
   * Forgets and releases a claim; {@code previous}, if not null, is a token of this node's that the
   * claim replaced, kept again.
   */
  private void release(Release release, String previous) {
    CompletionStage<List<Object>> sent;
    synchronized (held) {
      Map<String, String> claims = held.get(release.room());
      if (claims != null && claims.remove(release.nickKey(), release.token())) {
        if (previous != null) {
          claims.putIfAbsent(release.nickKey(), previous);
        }
        if (claims.isEmpty()) {
          held.remove(release.room());
        }
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
                script.<List<Object>>runInOrder(
                    commands, ScriptOutputType.MULTI, keys.nickKeys(), args));
  }
}
