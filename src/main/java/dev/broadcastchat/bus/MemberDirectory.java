package dev.broadcastchat.bus;

import dev.broadcastchat.protocol.ServerEvent;
import io.lettuce.core.ScriptOutputType;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who is in a room across every node, and the presence and nick events that travel with it.
 *
 * <p>Each node keeps, per room it has members in, a record in Redis of its members there (the count
 * and up to {@value ServerEvent.Who#MAX_NAMES} names) with an expiry. It rewrites the record
 * whenever its membership changes (with the presence event that announces the change, whose {@code
 * members} then counts every node) and on every heartbeat; it removes it when its last member
 * leaves and when the node shuts down. A node that dies without a goodbye drops out of {@code who}
 * once its records expire, within {@link RedisBusOptions#memberTtl()}; the first node to find such
 * a record that has kept its own current since before it expired removes it and announces its
 * members as gone, so every node's members of the room get leave notices. A node whose record was
 * removed so, because it had not reached Redis for that long, announces its members as joined again
 * to the others when it next writes (presence.lua has the rules). Whenever a record is written
 * anew, the node's nick claims in the room may have gone with it: {@code recordNew} hears of the
 * room (also when a write failed, since Redis may have run it), so that they are made again.
 *
 * <p>Writes are confined to the bus's executor, so that a room's events leave in the order they
 * were made; {@link #who} may be called from any thread.
 */
final class MemberDirectory {
  private static final Logger log = LoggerFactory.getLogger(MemberDirectory.class);
  private static final String MAX_NICKS = Integer.toString(ServerEvent.Presence.MAX_NICKS);

  private final EventExecutor executor;
  private final RedisConnections redis;
  private final RedisScript presenceScript;
  private final RedisScript whoScript;
  private final String prefix;
  private final String nodeId;
  private final String recordTtlMillis;
  private final String roomTtlMillis;
  private final String graceMillis;
  private final LocalMembers local;
  private final Consumer<String> recordNew;

  /** Rooms this node has (or is about to have) a record in. */
  private final Set<String> rooms = new HashSet<>();

  MemberDirectory(
      EventExecutor executor,
      RedisConnections redis,
      RedisScript presenceScript,
      RedisScript whoScript,
      RedisBusOptions options,
      String nodeId,
      LocalMembers local,
      Consumer<String> recordNew) {
    this.executor = executor;
    this.redis = redis;
    this.presenceScript = presenceScript;
    this.whoScript = whoScript;
    this.prefix = options.prefix();
    this.nodeId = nodeId;
    this.recordTtlMillis = Long.toString(options.memberTtl().toMillis());
    this.roomTtlMillis = Long.toString(options.roomTtl().toMillis());
    // Longer than a heartbeat: a node judged gone had a heartbeat's time to write and did not.
    this.graceMillis = Long.toString(options.heartbeat().toMillis() + 1000);
    this.local = local;
    this.recordNew = recordNew;
  }

  /** The room may have gained its first member here or lost its last: rewrite the record. */
  void occupancyChanged(String room) {
    onExecutor(() -> write(room, "", false, null));
  }

  /**
   * Rewrites this node's record of {@code room} and publishes {@code event} (a presence or nick
   * event) on the room's channel, in one step. Lost, like any broadcast, if Redis is unreachable:
   * the returned stage then fails with {@link BusUnavailableException}.
   */
  CompletionStage<Void> publish(String room, ServerEvent event) {
    String payload;
    boolean withMembers;
    if (event instanceof ServerEvent.Presence presence) {
      payload = BusPayloads.presenceWithoutMembers(presence);
      withMembers = true;
    } else if (event instanceof ServerEvent.NickChange change) {
      payload = BusPayloads.nickChange(change);
      withMembers = false;
    } else {
      throw new IllegalArgumentException(
          "event: " + event.getClass().getSimpleName() + " (expected: Presence or NickChange)");
    }
    CompletableFuture<Void> published = new CompletableFuture<>();
    if (!onExecutor(() -> write(room, payload, withMembers, published))) {
      published.completeExceptionally(redis.unavailable(null));
    }
    return published;
  }

  /** Refreshes every record this node has; runs on the executor. */
  void heartbeat() {
    assert executor.inEventLoop();
    for (String room : new ArrayList<>(rooms)) {
      write(room, "", false, null);
    }
  }

  /** Removes every record this node has (its goodbye); runs on the executor. */
  CompletionStage<Void> removeAll() {
    assert executor.inEventLoop();
    List<CompletableFuture<List<Object>>> removals = new ArrayList<>();
    for (String room : new ArrayList<>(rooms)) {
      removals.add(run(room, "", "", false).toCompletableFuture());
    }
    rooms.clear();
    return CompletableFuture.allOf(removals.toArray(new CompletableFuture<?>[0]))
        .exceptionally(error -> null);
  }

  /**
   * {@code here}, this node's members of {@code room}, joined by those listed by the other nodes
   * whose records have not expired: at most {@value ServerEvent.Who#MAX_NAMES} names, and the count
   * of all.
   */
  CompletionStage<ServerEvent.Who> who(String room, ServerEvent.Who here) {
    RoomKeys keys = RoomKeys.of(prefix, room);
    return redis
        .commands()
        .thenCompose(
            commands ->
                whoScript.<List<Object>>run(
                    commands,
                    ScriptOutputType.MULTI,
                    new String[] {keys.members()},
                    nodeId,
                    Integer.toString(ServerEvent.Who.MAX_NAMES)))
        .handle(
            (reply, error) -> {
              if (error != null) {
                throw redis.unavailable(error);
              }
              List<String> names = new ArrayList<>(here.members());
              for (Object name : reply.subList(1, reply.size())) {
                if (names.size() >= ServerEvent.Who.MAX_NAMES) {
                  break;
                }
                names.add(String.valueOf(name));
              }
              int others = (int) ((Number) reply.get(0)).longValue();
              return new ServerEvent.Who(room, names, here.count() + others);
            });
  }

  /** Writes the record and publishes {@code event}; completes {@code published} (if any) after. */
  private void write(
      String room, String event, boolean withMembers, CompletableFuture<Void> published) {
    ServerEvent.Who here = local.who(room, ServerEvent.Who.MAX_NAMES);
    String record = "";
    if (here.count() > 0) {
      rooms.add(room);
      record = here.count() + "\n" + String.join("\n", here.members());
    } else if (!rooms.remove(room) && event.isEmpty()) {
      if (published != null) {
        published.complete(null);
      }
      return; // no record here, nothing to announce
    }
    boolean writing = !record.isEmpty();
    run(room, record, event, withMembers)
        .whenComplete(
            (reply, error) -> {
              if (error != null) {
                log.debug("room {}: member record not written: {}", room, error.toString());
                if (writing) {
                  // Redis may have run it without the answer coming back: written anew, maybe.
                  recordNew.accept(room);
                }
              } else if (writing && ((Number) reply.get(1)).longValue() == 1) {
                recordNew.accept(room);
              }
              if (published != null) {
                if (error == null) {
                  published.complete(null);
                } else {
                  published.completeExceptionally(redis.unavailable(error));
                }
              }
            });
  }

  /** Runs presence.lua: completes with {the room's size, 1 if the record was written anew}. */
  private CompletionStage<List<Object>> run(
      String room, String record, String event, boolean withMembers) {
    RoomKeys keys = RoomKeys.of(prefix, room);
    return redis
        .commands()
        .thenCompose(
            commands ->
                presenceScript.<List<Object>>run(
                    commands,
                    ScriptOutputType.MULTI,
                    keys.presenceKeys(),
                    nodeId,
                    record,
                    recordTtlMillis,
                    roomTtlMillis,
                    keys.channel(),
                    event,
                    withMembers ? "1" : "0",
                    room,
                    MAX_NICKS,
                    graceMillis));
  }

  /** Runs {@code task} on the executor; false if it was refused (the node is shutting down). */
  private boolean onExecutor(Runnable task) {
    if (executor.inEventLoop()) {
      task.run();
      return true;
    }
    try {
      executor.execute(task);
      return true;
    } catch (RejectedExecutionException shuttingDown) {
      log.debug("dropped: shutting down");
      return false;
    }
  }
}
