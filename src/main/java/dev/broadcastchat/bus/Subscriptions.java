package dev.broadcastchat.bus;

import dev.broadcastchat.bus.BusPayloads.Heard;
import dev.broadcastchat.bus.BusPayloads.HeardEvent;
import dev.broadcastchat.bus.BusPayloads.HeardMessage;
import dev.broadcastchat.protocol.ChatMessage;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's subscriptions to room channels, and the in-order hand-over of what they carry to the
 * node's {@link Bus.Delivery}.
 *
 * <p>A room's channel is subscribed while the node has members in the room (or a replay waits for
 * it) and unsubscribed once the last one has left. Per room it keeps the log position delivered so
 * far. What the channel did not bring (messages published while the subscriber connection was down
 * or being re-established, for example after Redis dropped it for an overflowing output buffer, or
 * any jump in sequence numbers) is read from the room's stream and delivered in its place, in
 * order, before anything heard later; the channel and the stream overlapping is harmless, as a
 * message at or before the position is not delivered twice. When the stream can no longer supply
 * what was missed (trimmed away, or the log lost with Redis's data), the room's members here are
 * told through {@link Bus.Delivery#missed}, never left with a silent hole.
 *
 * <p>Confined to the bus's executor: every entry point hops onto it.
 */
final class Subscriptions {
  private static final Logger log = LoggerFactory.getLogger(Subscriptions.class);

  /** Most messages one read of a stream fills in; a larger gap takes several reads. */
  static final int FILL_BATCH = 10_000;

  /** Pause before retrying a read or a subscription that failed while Redis looked reachable. */
  static final long RETRY_MILLIS = 200;

  private static final long UNKNOWN = -1;

  private enum Phase {
    IDLE,
    SUBSCRIBING,
    SUBSCRIBED,
    UNSUBSCRIBING
  }

  /** One room's subscription and position. */
  private static final class Feed {
    final String room;
    final String channel;
    Phase phase = Phase.IDLE;

    /** Bumped by every (un)subscription, so that a late answer for an earlier one is dropped. */
    int generation;

    /** The position is known for the current subscription (read once it was confirmed). */
    boolean positioned;

    boolean positioning;

    /** Epoch and sequence number of the last message delivered (or of the position read). */
    String epoch = "";

    long last = UNKNOWN;

    /** Messages were missed: what is heard waits in {@link #held} until they are filled in. */
    boolean filling;

    /** A read of the stream is under way. */
    boolean reading;

    final ArrayDeque<Heard> held = new ArrayDeque<>();
    final List<CompletableFuture<Void>> waiters = new ArrayList<>();

    Feed(String room, String channel) {
      this.room = room;
      this.channel = channel;
    }

    void reset() {
      positioned = false;
      positioning = false;
      epoch = "";
      last = UNKNOWN;
      filling = false;
      reading = false;
      held.clear();
    }
  }

  private final EventExecutor executor;
  private final RedisConnections redis;
  private final LogReader reader;
  private final String prefix;
  private final LocalMembers local;
  private final Bus.Delivery delivery;
  private final Map<String, Feed> feeds = new HashMap<>();

  /** Channels whose unsubscription failed: Lettuce may subscribe them again on reconnect. */
  private final Set<String> strays = new HashSet<>();

  /** This node's id: events marked as from it are not for its own members. */
  private final String nodeId;

  private final AtomicLong recovered = new AtomicLong();
  private final AtomicLong lostRooms = new AtomicLong();
  private boolean resyncScheduled;

  Subscriptions(
      EventExecutor executor,
      RedisConnections redis,
      LogReader reader,
      String prefix,
      String nodeId,
      LocalMembers local,
      Bus.Delivery delivery) {
    this.executor = executor;
    this.nodeId = nodeId;
    this.redis = redis;
    this.reader = reader;
    this.prefix = prefix;
    this.local = local;
    this.delivery = delivery;
  }

  /** Messages delivered from the stream because the channel missed them. */
  long recovered() {
    return recovered.get();
  }

  /** Times a room's members had to be told that messages were missed for good. */
  long lostRooms() {
    return lostRooms.get();
  }

  /** The room may have gained its first member here, or lost its last. */
  void occupancyChanged(String room) {
    onExecutor(() -> reconcile(room));
  }

  /**
   * Completes once {@code room}'s channel is subscribed and its position known: from then on every
   * message published after a read of the log is delivered. Fails with {@link
   * BusUnavailableException} if Redis could not be reached.
   */
  CompletionStage<Void> whenReady(String room) {
    CompletableFuture<Void> ready = new CompletableFuture<>();
    onExecutor(
        () -> {
          Feed f = feeds.get(room);
          if (f != null && f.phase == Phase.SUBSCRIBED && f.positioned) {
            ready.complete(null);
            return;
          }
          if (f == null) {
            f = newFeed(room);
          }
          f.waiters.add(ready);
          if (f.phase == Phase.SUBSCRIBED && !f.positioning) {
            position(f);
          }
          reconcile(room);
        });
    return ready;
  }

  /** A payload heard on a channel; called on Lettuce's thread, in the order Redis sent them. */
  void heard(String channel, String payload) {
    onExecutor(() -> onHeard(channel, payload));
  }

  /**
   * The subscriber connection is (back) up: subscribes again to every channel the node needs (a
   * no-op for those Lettuce already re-subscribed) and, once Redis confirms, fills in from each
   * room's stream whatever was published since the last message delivered.
   */
  void subscriberConnected() {
    onExecutor(this::resync);
  }

  /** Periodic check: subscribes or unsubscribes where occupancy says so, retries what failed. */
  void heartbeat() {
    assert executor.inEventLoop();
    for (String room : new ArrayList<>(feeds.keySet())) {
      reconcile(room);
    }
    for (Feed f : feeds.values()) {
      if (f.phase != Phase.SUBSCRIBED) {
        continue;
      }
      if (!f.positioned && !f.positioning) {
        position(f);
      } else if (f.filling && !f.reading) {
        read(f);
      }
    }
  }

  private Feed newFeed(String room) {
    Feed f = new Feed(room, RoomKeys.of(prefix, room).channel());
    feeds.put(room, f);
    return f;
  }

  private void reconcile(String room) {
    assert executor.inEventLoop();
    Feed f = feeds.get(room);
    boolean wanted = local.who(room, 0).count() > 0 || (f != null && !f.waiters.isEmpty());
    if (f == null) {
      if (!wanted) {
        return;
      }
      f = newFeed(room);
    }
    switch (f.phase) {
      case IDLE -> {
        if (wanted) {
          subscribe(f);
        } else {
          feeds.remove(room);
        }
      }
      case SUBSCRIBED -> {
        if (!wanted) {
          unsubscribe(f);
        }
      }
      case SUBSCRIBING, UNSUBSCRIBING -> {
        // The change under way reconciles again when it completes.
      }
    }
  }

  private void subscribe(Feed f) {
    f.phase = Phase.SUBSCRIBING;
    int generation = ++f.generation;
    strays.remove(f.channel);
    redis
        .subscriber()
        .thenCompose(sub -> sub.subscribe(f.channel))
        .whenComplete((ok, error) -> later(() -> subscribed(f, generation, error)));
  }

  private void subscribed(Feed f, int generation, Throwable error) {
    if (!current(f, generation)) {
      return;
    }
    if (error != null) {
      // Retried by the heartbeat, or at once when the subscriber connection comes back.
      f.phase = Phase.IDLE;
      log.debug("room {}: subscription failed: {}", f.room, error.toString());
      failWaiters(f, redis.unavailable(error));
      return;
    }
    f.phase = Phase.SUBSCRIBED;
    f.reset();
    position(f);
    reconcile(f.room);
  }

  /** Reads the log's position, after the subscription was confirmed. */
  private void position(Feed f) {
    f.positioning = true;
    int generation = f.generation;
    reader
        .last(f.room, 0)
        .whenComplete((range, error) -> later(() -> positioned(f, generation, range, error)));
  }

  private void positioned(Feed f, int generation, LogReader.Range range, Throwable error) {
    if (!current(f, generation) || f.phase != Phase.SUBSCRIBED) {
      return;
    }
    f.positioning = false;
    if (error != null) {
      log.debug("room {}: position not read: {}", f.room, error.toString());
      failWaiters(f, redis.unavailable(error));
      return;
    }
    // Messages heard since the confirmation are already delivered; a message published before
    // the read and still on its way is not, and cannot be told from one of those: the members
    // who joined while the subscription was made are served from the read on.
    if (f.last == UNKNOWN || !f.epoch.equals(range.epoch())) {
      f.epoch = range.epoch();
      f.last = range.last();
    } else {
      f.last = Math.max(f.last, range.last());
    }
    f.positioned = true;
    List<CompletableFuture<Void>> waiters = new ArrayList<>(f.waiters);
    f.waiters.clear();
    waiters.forEach(w -> w.complete(null));
  }

  private void unsubscribe(Feed f) {
    f.phase = Phase.UNSUBSCRIBING;
    int generation = ++f.generation;
    f.reset();
    redis
        .subscriber()
        .thenCompose(sub -> sub.unsubscribe(f.channel))
        .whenComplete((ok, error) -> later(() -> unsubscribed(f, generation, error)));
  }

  private void unsubscribed(Feed f, int generation, Throwable error) {
    if (!current(f, generation)) {
      return;
    }
    if (error != null) {
      strays.add(f.channel);
    }
    f.phase = Phase.IDLE;
    reconcile(f.room);
  }

  private void onHeard(String channel, String payload) {
    String room = RoomKeys.roomOfChannel(prefix, channel);
    Feed f = room == null ? null : feeds.get(room);
    // Before the subscription is confirmed, or once it is being dropped, what comes is the tail
    // of an earlier subscription: the members it was for are gone.
    if (f == null || f.phase != Phase.SUBSCRIBED) {
      return;
    }
    Heard heard;
    try {
      heard = BusPayloads.decode(payload);
    } catch (IllegalArgumentException e) {
      log.warn("room {}: ignored a payload that is not ours: {}", room, e.getMessage());
      return;
    }
    if (f.filling) {
      f.held.addLast(heard);
      return;
    }
    take(f, heard);
  }

  /** Delivers {@code heard} in its place, or holds it and fills in what came before it. */
  private void take(Feed f, Heard heard) {
    if (heard instanceof HeardEvent event) {
      if (!event.from().equals(nodeId)) {
        delivery.deliverEvent(event.room(), event.event());
      }
      return;
    }
    ChatMessage m = ((HeardMessage) heard).message();
    String epoch = BusPayloads.epochOf(m.id());
    if (f.last != UNKNOWN) {
      if (!f.epoch.isEmpty() && !f.epoch.equals(epoch)) {
        lost(f, "the room's log was started anew: epoch " + f.epoch + " became " + epoch);
        f.epoch = epoch;
        f.last = m.seq();
        return;
      }
      if (m.seq() <= f.last) {
        return;
      }
      if (m.seq() > f.last + 1) {
        f.held.addFirst(heard);
        fill(f);
        return;
      }
    }
    delivery.deliver(m);
    f.epoch = epoch;
    f.last = m.seq();
  }

  /** Holds what is heard from now on and reads what was missed from the stream. */
  private void fill(Feed f) {
    f.filling = true;
    if (!f.reading) {
      read(f);
    }
  }

  private void read(Feed f) {
    f.reading = true;
    int generation = f.generation;
    reader
        .after(f.room, f.epoch, Math.max(f.last, 0), -1, FILL_BATCH)
        .whenComplete((range, error) -> later(() -> filled(f, generation, range, error)));
  }

  private void filled(Feed f, int generation, LogReader.Range range, Throwable error) {
    if (!current(f, generation) || f.phase != Phase.SUBSCRIBED) {
      return;
    }
    f.reading = false;
    if (error != null) {
      log.debug("room {}: missed messages not read yet: {}", f.room, error.toString());
      if (redis.subscriberOpen()) {
        schedule(
            () -> {
              if (current(f, generation) && f.filling && !f.reading) {
                read(f);
              }
            });
      }
      return;
    }
    if (range.gap()) {
      lost(
          f,
          "messages after "
              + f.epoch
              + "-"
              + f.last
              + " are no longer kept (the log is at "
              + range.epoch()
              + "-"
              + range.last()
              + ")");
      f.epoch = range.epoch();
      f.last = range.last();
    } else {
      int n = 0;
      for (ChatMessage m : range.messages()) {
        if (m.seq() > f.last || !f.epoch.equals(range.epoch())) {
          recovered.incrementAndGet();
          delivery.deliver(m);
          f.epoch = range.epoch();
          f.last = m.seq();
          n++;
        }
      }
      if (n > 0) {
        log.info("room {}: {} missed messages delivered from the stream", f.room, n);
      }
      if (f.last < range.last()) {
        read(f);
        return;
      }
    }
    f.filling = false;
    Heard heard;
    while (!f.filling && (heard = f.held.pollFirst()) != null) {
      take(f, heard);
    }
  }

  private void lost(Feed f, String why) {
    lostRooms.incrementAndGet();
    log.warn(
        "room {}: messages were missed that cannot be recovered ({}); its members here must resume",
        f.room,
        why);
    delivery.missed(f.room);
  }

  private void resync() {
    resyncScheduled = false;
    for (String room : new ArrayList<>(feeds.keySet())) {
      reconcile(room);
    }
    if (!strays.isEmpty()) {
      String[] channels = strays.toArray(new String[0]);
      redis
          .subscriber()
          .thenCompose(sub -> sub.unsubscribe(channels))
          .thenRun(() -> later(() -> List.of(channels).forEach(strays::remove)));
    }
    List<Feed> subscribed = new ArrayList<>();
    List<Integer> generations = new ArrayList<>();
    for (Feed f : feeds.values()) {
      if (f.phase == Phase.SUBSCRIBED) {
        subscribed.add(f);
        generations.add(f.generation);
      }
    }
    if (subscribed.isEmpty()) {
      return;
    }
    String[] channels = subscribed.stream().map(f -> f.channel).toArray(String[]::new);
    redis
        .subscriber()
        .thenCompose(sub -> sub.subscribe(channels))
        .whenComplete((ok, error) -> later(() -> resubscribed(subscribed, generations, error)));
  }

  private void resubscribed(List<Feed> subscribed, List<Integer> generations, Throwable error) {
    if (error != null) {
      log.debug("re-subscription failed: {}", error.toString());
      // The connection may have come up a moment before it takes commands; if it went down
      // again, its next comeback resyncs.
      if (redis.subscriberOpen() && !resyncScheduled) {
        resyncScheduled = true;
        schedule(this::resync);
      }
      return;
    }
    int n = 0;
    for (int i = 0; i < subscribed.size(); i++) {
      Feed f = subscribed.get(i);
      if (!current(f, generations.get(i)) || f.phase != Phase.SUBSCRIBED) {
        continue;
      }
      n++;
      if (f.positioned) {
        fill(f);
      } else if (!f.positioning) {
        position(f);
      }
    }
    log.info("re-subscribed to {} rooms; filling in what they missed", n);
  }

  private boolean current(Feed f, int generation) {
    return feeds.get(f.room) == f && f.generation == generation;
  }

  private void failWaiters(Feed f, BusUnavailableException error) {
    List<CompletableFuture<Void>> waiters = new ArrayList<>(f.waiters);
    f.waiters.clear();
    waiters.forEach(w -> w.completeExceptionally(error));
  }

  private void schedule(Runnable task) {
    try {
      executor.schedule(task, RETRY_MILLIS, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException shuttingDown) {
      log.debug("not retried: shutting down");
    }
  }

  /** Runs {@code task} on the executor: at once if already there (entry points). */
  private void onExecutor(Runnable task) {
    if (executor.inEventLoop()) {
      task.run();
      return;
    }
    try {
      executor.execute(task);
    } catch (RejectedExecutionException shuttingDown) {
      log.debug("dropped: shutting down");
    }
  }

  /**
   * Runs {@code task} on the executor after what is queued there, even when called on it: the
   * completions of Redis commands go this way, so that one that fails at once (Redis is down) never
   * re-enters the method that sent it.
   */
  private void later(Runnable task) {
    try {
      executor.execute(task);
    } catch (RejectedExecutionException shuttingDown) {
      log.debug("dropped: shutting down");
    }
  }
}
