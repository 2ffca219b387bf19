package dev.broadcastchat.bus;

import dev.broadcastchat.protocol.ChatMessage;
import dev.broadcastchat.protocol.ServerEvent;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
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
  private final int maxLogs;
  private final Predicate<String> occupied;

  /** Held while logs are chosen to be let go, so that one thread at a time looks for them. */
  private final Object evicting = new Object();

  /** A bus that keeps every room's history for the room TTL, however many rooms there are. */
  public InMemoryBus(Delivery delivery, Clock clock, int historySize, Duration roomTtl) {
    this(delivery, clock, historySize, roomTtl, Integer.MAX_VALUE, room -> false);
  }

  /**
   * @param delivery where broadcasts go
   * @param clock the time messages are stamped with
   * @param historySize messages kept per room
   * @param roomTtl how long an unoccupied room's history outlives its last message; zero for as
   *     long as the process runs
   * @param maxLogs rooms whose history is kept at most: past it, a new room's log lets go of those
   *     of the unoccupied rooms idle longest, so that rooms made and left one after another cannot
   *     fill the memory with histories
   * @param occupied whether a room has members on this node (whose history is never let go)
   */
  public InMemoryBus(
      Delivery delivery,
      Clock clock,
      int historySize,
      Duration roomTtl,
      int maxLogs,
      Predicate<String> occupied) {
    this.delivery = delivery;
    this.clock = clock;
    this.historySize = historySize;
    this.roomTtl = roomTtl;
    this.maxLogs = maxLogs;
    this.occupied = occupied;
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
   * Forgets the history of rooms that are not occupied and have had no message for the room TTL
   * (none with a TTL of zero). Returns how many were dropped.
   */
  public int expire(Predicate<String> occupied) {
    if (roomTtl.isZero()) {
      return 0;
    }
    long cutoff = clock.millis() - roomTtl.toMillis();
    int dropped = 0;
    for (Map.Entry<String, RoomLog> e : logs.entrySet()) {
      if (drop(e.getKey(), e.getValue(), cutoff, occupied)) {
        dropped++;
      }
    }
    return dropped;
  }

  /**
   * Forgets {@code room}'s {@code log} if it is still the room's, has had no message since before
   * {@code idleBefore} and the room is unoccupied.
   */
  private boolean drop(String room, RoomLog log, long idleBefore, Predicate<String> occupied) {
    synchronized (log) {
      if (log.lastActivityMillis < idleBefore && !occupied.test(room) && logs.remove(room, log)) {
        log.dead = true;
        return true;
      }
      return false;
    }
  }

  /**
   * Brings the logs back under {@link #maxLogs}, and a tenth of it lower so that the next rooms
   * made do not each pay for a look through them all: the unoccupied rooms idle longest go first,
   * never {@code keep}. Rooms with members here are never let go, so their number (bounded by the
   * server's room limit) may keep the logs over it.
   */
  private void evictIdle(String keep) {
    synchronized (evicting) {
      int excess = logs.size() - maxLogs;
      if (excess <= 0) {
        return;
      }
      int target = excess + maxLogs / 10;
      List<Idle> idle = new ArrayList<>();
      for (Map.Entry<String, RoomLog> e : logs.entrySet()) {
        if (!e.getKey().equals(keep) && !occupied.test(e.getKey())) {
          idle.add(new Idle(e.getKey(), e.getValue(), e.getValue().lastActivityMillis));
        }
      }
      idle.sort(Comparator.comparingLong(Idle::since));
      for (int i = 0; i < idle.size() && target > 0; i++) {
        Idle candidate = idle.get(i);
        // Spared if a message came meanwhile.
        if (drop(candidate.room(), candidate.log(), candidate.since() + 1, occupied)) {
          target--;
        }
      }
    }
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
    RoomLog log = logs.get(room);
    if (log != null) {
      return log;
    }
    log = logs.computeIfAbsent(room, r -> new RoomLog(newEpoch(), clock.millis()));
    if (logs.size() > maxLogs) {
      evictIdle(room);
    }
    return log;
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

  /** A log that may be let go, with when it last had a message as it was looked at. */
  private record Idle(String room, RoomLog log, long since) {}

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

    /** Written under the log's monitor; read without it to choose which logs to let go. */
    volatile long lastActivityMillis;

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
