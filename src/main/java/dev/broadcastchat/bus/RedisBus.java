package dev.broadcastchat.bus;

import dev.broadcastchat.protocol.ChatMessage;
import dev.broadcastchat.protocol.ServerEvent;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.netty.util.concurrent.DefaultEventExecutor;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bus of a node that shares its rooms with other nodes through Redis.
 *
 * <p>A message is sequenced by one Lua script ({@code publish.lua}) that, atomically, creates the
 * room's epoch if it has none, answers a resend (same ref and text) with the stored message, takes
 * the next sequence number, appends the message to the room's stream (capped near the history size)
 * and publishes it on the room's channel. The sender's stage completes once Redis has stored it;
 * the message itself reaches members only as the node hears it back on the channel, its own
 * messages too, so every node delivers one order (the ack and the copy arrive in either order).
 * History and resume read the stream ({@code range.lua}) after the room's channel is subscribed,
 * and the session skips live copies the replay already covered. Presence travels through the
 * channel too, {@code who} counts the members every node records ({@link MemberDirectory}), and a
 * nick is claimed in Redis before a member gets it ({@link NickClaims}).
 *
 * <p>Nothing here blocks the caller: every call returns at once, completing on Lettuce's threads.
 * Subscriptions and member records are kept on one thread of the bus's own ({@code redis-bus}).
 * Redis being unreachable makes {@link #publish} fail with {@link BusUnavailableException} and
 * {@link #ready} false; the node reconnects on its own, subscribes again and fills in from the
 * streams what its members missed.
 */
public final class RedisBus implements Bus {
  private static final Logger log = LoggerFactory.getLogger(RedisBus.class);

  /** How long closing waits for this node's member records to be removed. */
  private static final long GOODBYE_MILLIS = 1000;

  private final RedisBusOptions options;
  private final String nodeId;
  private final EventExecutor executor;
  private final RedisConnections redis;
  private final RedisClock clock = new RedisClock();
  private final RedisScript publishScript = RedisScript.load("publish");
  private final LogReader reader;
  private final Subscriptions subscriptions;
  private final MemberDirectory directory;
  private final NickClaims nicks;
  private final ScheduledFuture<?> heartbeat;
  private final String history;
  private final String refsKept;
  private final String roomTtlMillis;

  private RedisBus(RedisBusOptions options, Delivery delivery, LocalMembers local) {
    this.options = options;
    this.nodeId = newNodeId();
    this.history = Integer.toString(options.history());
    this.refsKept = Integer.toString(Math.max(options.history(), 1024));
    this.roomTtlMillis = Long.toString(options.roomTtl().toMillis());
    this.executor = new DefaultEventExecutor(new DefaultThreadFactory("redis-bus", true));
    this.redis = new RedisConnections(options, nodeId, executor);
    // Reads go on the listening connection: a subscription and the reads that complete it are up
    // and down together.
    this.reader = new LogReader(redis::subscriber, RedisScript.load("range"), options.prefix());
    this.subscriptions =
        new Subscriptions(executor, redis, reader, options.prefix(), nodeId, local, delivery);
    this.nicks = new NickClaims(redis, RedisScript.load("nick"), options, nodeId);
    this.directory =
        new MemberDirectory(
            executor,
            redis,
            RedisScript.load("presence"),
            RedisScript.load("who"),
            options,
            nodeId,
            local,
            nicks::claimAgain);
    long every = options.heartbeat().toMillis();
    this.heartbeat =
        executor.scheduleWithFixedDelay(this::beat, every, every, TimeUnit.MILLISECONDS);
    log.info("node {} shares rooms through redis at {}", nodeId, redis.where());
    redis.start(
        new RedisPubSubAdapter<>() {
          @Override
          public void message(String channel, String message) {
            subscriptions.heard(channel, message);
          }
        },
        clock::measure,
        subscriptions::subscriberConnected);
  }

  /**
   * Starts a bus and returns at once; it connects to Redis in the background (and is not {@link
   * #ready} until it has).
   *
   * @param options where Redis is, the key prefix, history and timings
   * @param delivery where this node's broadcasts go
   * @param local who is in a room on this node
   */
  public static RedisBus start(RedisBusOptions options, Delivery delivery, LocalMembers local) {
    return new RedisBus(options, delivery, local);
  }

  @Override
  public CompletionStage<ChatMessage> publish(Draft draft) {
    RoomKeys keys = RoomKeys.of(options.prefix(), draft.room());
    // Redis refuses the script past this instant, so that a message whose sender has been told
    // it failed (no answer within the timeout) cannot appear afterwards.
    long deadline = clock.deadline(options.commandTimeout().multipliedBy(3).dividedBy(4));
    String[] args = publishArgs(draft, deadline);
    return redis
        .commands()
        .thenCompose(
            commands ->
                publishScript.<List<Object>>run(
                    commands, ScriptOutputType.MULTI, keys.logKeys(), args))
        .handle(
            (reply, error) -> {
              if (error != null) {
                throw redis.unavailable(error);
              }
              long status = ((Number) reply.get(0)).longValue();
              if (status < 0) {
                throw new BusUnavailableException(
                    "redis at " + redis.where() + " answered too late; the message was not sent",
                    null);
              }
              return BusPayloads.message(String.valueOf(reply.get(1)));
            });
  }

  /** The publish script's arguments for {@code draft} (see publish.lua). */
  String[] publishArgs(Draft draft, long deadline) {
    return new String[] {
      RoomKeys.of(options.prefix(), draft.room()).channel(),
      history,
      refsKept,
      roomTtlMillis,
      Long.toString(deadline),
      draft.room(),
      draft.from(),
      draft.addr(),
      draft.text(),
      draft.action() ? "1" : "0",
      draft.ref() == null ? "" : draft.ref()
    };
  }

  @Override
  public CompletionStage<Void> publishEvent(String room, ServerEvent event) {
    return directory.publish(room, event);
  }

  @Override
  public CompletionStage<Replay> replay(String room, String since) {
    int n = options.history();
    return subscriptions
        .whenReady(room)
        .thenCompose(
            subscribed -> {
              if (since == null) {
                return reader
                    .last(room, n)
                    .thenApply(r -> new Replay(r.messages(), false, r.last()));
              }
              String epoch = BusPayloads.epochOf(since);
              long seq = seqOf(since);
              if (epoch.isEmpty() || seq < 0) {
                return reader
                    .last(room, n)
                    .thenApply(r -> new Replay(r.messages(), true, r.last()));
              }
              return reader
                  .after(room, epoch, seq, n, n)
                  .thenApply(r -> new Replay(r.messages(), r.gap(), r.last()));
            })
        .handle(
            (replay, error) -> {
              if (error != null) {
                throw redis.unavailable(error);
              }
              return replay;
            });
  }

  @Override
  public CompletionStage<ServerEvent.Who> who(String room, ServerEvent.Who here) {
    return directory.who(room, here);
  }

  @Override
  public CompletionStage<Boolean> claimNick(String room, String nick, String token) {
    return nicks.claim(room, nick, token);
  }

  @Override
  public void releaseNick(String room, String nick, String token) {
    nicks.release(room, nick, token);
  }

  @Override
  public void occupancyChanged(String room) {
    subscriptions.occupancyChanged(room);
    directory.occupancyChanged(room);
  }

  @Override
  public boolean ready() {
    return redis.ready();
  }

  /** This node's id in Redis (its member records, its client names). */
  String nodeId() {
    return nodeId;
  }

  /** Messages delivered from a stream because the channel missed them. */
  long recovered() {
    return subscriptions.recovered();
  }

  /** How many times a connection to Redis came back after it was lost. */
  long reconnects() {
    return redis.reconnects();
  }

  /**
   * Removes this node's member records (waiting a moment for Redis), then closes the connections
   * and the bus's thread. Call it from a thread that may block, after the node's connections are
   * closed.
   */
  @Override
  public void close() {
    heartbeat.cancel(false);
    CompletableFuture<Void> goodbye = new CompletableFuture<>();
    try {
      executor.execute(
          () -> directory.removeAll().whenComplete((ok, error) -> goodbye.complete(null)));
      goodbye.get(GOODBYE_MILLIS, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      log.debug("member records not removed: {}", e.toString());
    }
    redis.close();
    executor.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
    log.info("node {} left redis at {}", nodeId, redis.where());
  }

  private void beat() {
    subscriptions.heartbeat();
    directory.heartbeat();
    nicks.retry();
    redis.commands().thenAccept(clock::measure);
  }

  private static long seqOf(String id) {
    int dash = id.lastIndexOf('-');
    try {
      return dash < 0 ? -1 : Long.parseLong(id.substring(dash + 1));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static String newNodeId() {
    return Long.toString(new SecureRandom().nextLong() >>> 1, 36);
  }
}
