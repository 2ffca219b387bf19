package dev.broadcastchat.room;

import dev.broadcastchat.protocol.ChatMessage;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.concurrent.EventExecutor;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The rooms of this node, by name. Thread-safe; a room is created on first use.
 *
 * <p>This is where the bus hands sequenced messages to local members: {@link #deliver} is called
 * once per message, in the room's order.
 */
public final class Rooms {
  private final ConcurrentMap<String, Room> rooms = new ConcurrentHashMap<>();
  private final List<EventExecutor> eventLoops;
  private final ByteBufAllocator alloc;

  /**
   * @param eventLoops every event loop a member may live on
   * @param alloc the allocator for encoded frames
   */
  public Rooms(Iterable<EventExecutor> eventLoops, ByteBufAllocator alloc) {
    this.eventLoops = List.copyOf(toList(eventLoops));
    this.alloc = alloc;
  }

  /** The room called {@code name}, created if new. */
  public Room room(String name) {
    return rooms.computeIfAbsent(name, n -> new Room(n, eventLoops, alloc));
  }

  /** Hands a sequenced message to the local members of its room, if there are any. */
  public void deliver(ChatMessage message) {
    Room room = rooms.get(message.room());
    if (room != null) {
      room.deliver(message);
    }
  }

  private static List<EventExecutor> toList(Iterable<EventExecutor> executors) {
    List<EventExecutor> list = new java.util.ArrayList<>();
    executors.forEach(list::add);
    return list;
  }
}
