package dev.broadcastchat.bus;

import dev.broadcastchat.protocol.ChatMessage;
import dev.broadcastchat.protocol.ServerEvent;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;

/**
 * The single-node bus: sequences each room's messages and keeps their history in memory.
 *
 * <p>Thread-safe. Within a room, the id is assigned, the history appended and the message handed to
 * delivery under one lock, so that id order, history order and delivery order are one order. Ids
 * are {@code EPOCH-SEQ}; the epoch is drawn anew whenever a room's log is created, so an id from
 * before a restart or from another room is recognised as such.
 */
public final class InMemoryBus implements Bus {
  private final ConcurrentMap<String, RoomLog> logs = new ConcurrentHashMap<>();
  private final Delivery delivery;
  private final Clock clock;
  private final int historySize;
  private final Duration roomTtl;

  /**
   * @param delivery where broadcasts go
   * @param clock the time messages are stamped with
   * @param historySize messages kept per room
   * @param roomTtl how long an unoccupied room's history outlives its last message
   */
  public InMemoryBus(Delivery delivery, Clock clock, int historySize, Duration roomTtl) {
    this.delivery = delivery;
    this.clock = clock;
    this.historySize = historySize;
    this.roomTtl = roomTtl;
  }

  @Override
  public CompletionStage<ChatMessage> publish(Draft draft) {
    return withLog(draft.room(), log -> publish(log, draft));
  }

  private CompletionStage<ChatMessage> publish(RoomLog log, Draft draft) {
    // A resend after a reconnect carries the same ref and text; the sender's name may differ
    // (a new ip:port), so it is not part of the key.
    String refKey = draft.ref() == null ? null : draft.ref() + '\u0000' + draft.text();
    if (refKey != null) {
      ChatMessage earlier = log.byRef.get(refKey);
      if (earlier != null) {
        return CompletableFuture.completedFuture(earlier);
      }
    }
    long seq = ++log.lastSeq;
    long now = clock.millis();
    ChatMessage message =
        new ChatMessage(
            log.epoch + "-" + seq,
            seq,
            draft.room(),
            draft.from(),
            draft.addr(),
            draft.text(),
            now,
            draft.action());
    log.append(message, refKey, historySize);
    log.lastActivityMillis = now;
    delivery.deliver(message);
    return CompletableFuture.completedFuture(message);
  }

  @Override
  public CompletionStage<Void> publishEvent(String room, ServerEvent event) {
    withLog(
        room,
        log -> {
          delivery.deliverEvent(room, event);
          return null;
        });
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public CompletionStage<Replay> replay(String room, String since) {
    return CompletableFuture.completedFuture(withLog(room, log -> log.replay(since)));
  }

  /**
   * Forgets the history of rooms that are not occupied and have had no message for the room TTL.
   * Returns how many were dropped.
   */
  public int expire(Predicate<String> occupied) {
    long cutoff = clock.millis() - roomTtl.toMillis();
    int dropped = 0;
    for (Map.Entry<String, RoomLog> e : logs.entrySet()) {
      RoomLog log = e.getValue();
      synchronized (log) {
        if (log.lastActivityMillis < cutoff
            && !occupied.test(e.getKey())
            && logs.remove(e.getKey(), log)) {
          log.dead = true;
          dropped++;
        }
      }
    }
    return dropped;
  }

  /** How many rooms have a log. */
  public int rooms() {
    return logs.size();
  }

  @Override
  public boolean ready() {
    return true;
  }

  @Override
  public void close() {}

  private RoomLog log(String room) {
    return logs.computeIfAbsent(room, r -> new RoomLog(newEpoch(), clock.millis()));
  }

  /** Runs {@code action} under the lock of {@code room}'s live log. */
  private <T> T withLog(String room, java.util.function.Function<RoomLog, T> action) {
    while (true) {
      RoomLog log = log(room);
      synchronized (log) {
        if (!log.dead) {
          return action.apply(log);
        }
      }
    }
  }

  private static String newEpoch() {
    return Long.toString(ThreadLocalRandom.current().nextLong(1L << 40, 1L << 41), 36);
  }

  /** One room's sequence, history and recent refs; guarded by its own monitor. */
  private static final class RoomLog {
    final String epoch;
    final ArrayDeque<ChatMessage> history = new ArrayDeque<>();
    final Map<String, ChatMessage> byRef = new HashMap<>();
    final ArrayDeque<String> refOrder = new ArrayDeque<>();
    long lastSeq;
    long lastActivityMillis;

    /** Dropped by {@link #expire}: whoever holds it must look the room's log up again. */
    boolean dead;

    RoomLog(String epoch, long createdMillis) {
      this.epoch = epoch;
      this.lastActivityMillis = createdMillis;
    }

    void append(ChatMessage message, String refKey, int historySize) {
      if (historySize > 0) {
        history.addLast(message);
        while (history.size() > historySize) {
          history.removeFirst();
        }
      }
      if (refKey != null) {
        byRef.put(refKey, message);
        refOrder.addLast(refKey);
        // Refs are remembered as long as a resend could still come: about a history's worth.
        while (refOrder.size() > Math.max(historySize, 1024)) {
          byRef.remove(refOrder.removeFirst());
        }
      }
    }

    Replay replay(String since) {
      if (since == null) {
        return new Replay(new ArrayList<>(history), false, lastSeq);
      }
      long after = resumePoint(since);
      if (after < 0) {
        return new Replay(new ArrayList<>(history), true, lastSeq);
      }
      List<ChatMessage> missed = new ArrayList<>();
      for (ChatMessage m : history) {
        if (m.seq() > after) {
          missed.add(m);
        }
      }
      return new Replay(missed, false, lastSeq);
    }

    /** The sequence number {@code since} names if the log can resume from it, else -1. */
    private long resumePoint(String since) {
      int dash = since.lastIndexOf('-');
      if (dash <= 0 || !since.substring(0, dash).equals(epoch)) {
        return -1;
      }
      long seq;
      try {
        seq = Long.parseLong(since.substring(dash + 1));
      } catch (NumberFormatException e) {
        return -1;
      }
      long firstKept = history.isEmpty() ? lastSeq + 1 : history.peekFirst().seq();
      if (seq < firstKept - 1 || seq > lastSeq || seq < 0) {
        return -1;
      }
      return seq;
    }
  }
}
