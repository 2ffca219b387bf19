package dev.broadcastchat.room;

import dev.broadcastchat.protocol.ChatMessage;
import dev.broadcastchat.protocol.ServerEvent;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.concurrent.EventExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Consumer;

/**
 * The rooms of this node, by name. Thread-safe.
 *
 * <p>This is where the bus hands sequenced messages and other broadcasts to local members: {@link
 * #deliver} is called once per message, in the room's order. A room exists while it has members; an
 * empty one is dropped by {@link #dropEmpty}.
 */
public final class Rooms {
  private final ConcurrentMap<String, Room> rooms = new ConcurrentHashMap<>();
  private final List<EventExecutor> eventLoops;
  private final ByteBufAllocator alloc;
  private final Duration presenceInterval;
  private final FanoutListener fanoutListener;
  private volatile Consumer<ServerEvent.Presence> presenceSink = p -> {};
  private volatile Consumer<String> occupancyListener = room -> {};

  /** Rooms whose deliveries are not counted. */
  public Rooms(
      Iterable<EventExecutor> eventLoops, ByteBufAllocator alloc, Duration presenceInterval) {
    this(eventLoops, alloc, presenceInterval, FanoutListener.NONE);
  }

  /**
   * @param eventLoops every event loop a member may live on
   * @param alloc the allocator for encoded frames
   * @param presenceInterval how often a room announces joins and leaves at most
   * @param fanoutListener told what each drain delivered, once per drain
   */
  public Rooms(
      Iterable<EventExecutor> eventLoops,
      ByteBufAllocator alloc,
      Duration presenceInterval,
      FanoutListener fanoutListener) {
    List<EventExecutor> list = new ArrayList<>();
    eventLoops.forEach(list::add);
    this.eventLoops = List.copyOf(list);
    this.alloc = alloc;
    this.presenceInterval = presenceInterval;
    this.fanoutListener = fanoutListener;
  }

  /** Where coalesced join and leave notices go (the bus, so that every node hears them). */
  public void presenceSink(Consumer<ServerEvent.Presence> sink) {
    this.presenceSink = sink;
  }

  /**
   * Who hears, with a room's name, when the room gains its first member on this node or loses its
   * last (the bus, so that it listens to a room only while it has members here). Called on the
   * member's loop; the two calls of one room may race, so the listener checks {@link #who}.
   */
  public void occupancyListener(Consumer<String> listener) {
    this.occupancyListener = listener;
  }

  /**
   * The room called {@code name}, created if new, with a place reserved for one member who must
   * then {@link Room#join} it.
   */
  public Room enter(String name) {
    return rooms.compute(
        name,
        (n, room) -> {
          Room r =
              room != null
                  ? room
                  : new Room(
                      n,
                      eventLoops,
                      alloc,
                      presenceInterval,
                      p -> presenceSink.accept(p),
                      roomName -> occupancyListener.accept(roomName),
                      fanoutListener);
          r.reserve();
          return r;
        });
  }

  /** The room called {@code name} if it exists on this node. */
  public Room get(String name) {
    return rooms.get(name);
  }

  /** Whether the room called {@code name} has members on this node, or a place kept for one. */
  public boolean occupied(String name) {
    Room room = rooms.get(name);
    return room != null && !room.unoccupied();
  }

  /** Names of the rooms that have members on this node. */
  public List<String> names() {
    return List.copyOf(rooms.keySet());
  }

  /** How many rooms exist on this node. */
  public int count() {
    return rooms.size();
  }

  /** Drops every room that has no members; returns how many were dropped. */
  public int dropEmpty() {
    int dropped = 0;
    for (String name : rooms.keySet()) {
      boolean[] removed = new boolean[1];
      rooms.computeIfPresent(
          name,
          (n, room) -> {
            removed[0] = room.unoccupied();
            return removed[0] ? null : room;
          });
      if (removed[0]) {
        dropped++;
      }
    }
    return dropped;
  }

  /**
   * The members of {@code roomName} on this node: at most {@code limit} names and their count (0
   * and none if the room has no members here). Thread-safe.
   */
  public ServerEvent.Who who(String roomName, int limit) {
    Room room = rooms.get(roomName);
    return room == null ? new ServerEvent.Who(roomName, List.of(), 0) : room.who(limit);
  }

  /**
   * Tells the members of {@code roomName} on this node that broadcasts meant for them were lost.
   */
  public void missed(String roomName) {
    Room room = rooms.get(roomName);
    if (room != null) {
      room.missed();
    }
  }

  /** Hands a sequenced message to the local members of its room, if there are any. */
  public void deliver(ChatMessage message) {
    Room room = rooms.get(message.room());
    if (room != null) {
      room.deliver(message);
    }
  }

  /** Hands a broadcast that is not a message to the local members of {@code roomName}. */
  public void deliverEvent(String roomName, ServerEvent event) {
    Room room = rooms.get(roomName);
    if (room != null) {
      room.deliverEvent(event);
    }
  }
}
