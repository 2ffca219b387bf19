package dev.broadcastchat.bus;

import dev.broadcastchat.protocol.ChatMessage;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The single-node bus: sequences each room's messages in memory.
 *
 * <p>Thread-safe. Within a room, the id is assigned and the message delivered under one lock, so
 * that id order and delivery order are the same order.
 */
public final class InMemoryBus implements Bus {
  private final ConcurrentMap<String, RoomLog> logs = new ConcurrentHashMap<>();
  private final Delivery delivery;
  private final Clock clock;

  public InMemoryBus(Delivery delivery, Clock clock) {
    this.delivery = delivery;
    this.clock = clock;
  }

  @Override
  public CompletionStage<ChatMessage> publish(Draft draft) {
    RoomLog log = logs.computeIfAbsent(draft.room(), r -> new RoomLog());
    ChatMessage message;
    synchronized (log) {
      message =
          new ChatMessage(
              Long.toString(++log.lastSeq),
              draft.room(),
              draft.from(),
              draft.addr(),
              draft.text(),
              clock.millis(),
              draft.action());
      delivery.deliver(message);
    }
    return CompletableFuture.completedFuture(message);
  }

  @Override
  public boolean ready() {
    return true;
  }

  @Override
  public void close() {}

  /** One room's sequence; guarded by its own monitor. */
  private static final class RoomLog {
    long lastSeq;
  }
}
