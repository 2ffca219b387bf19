package dev.broadcastchat.room;

import dev.broadcastchat.protocol.ChatMessage;
import dev.broadcastchat.protocol.Names;
import dev.broadcastchat.protocol.ServerEvent;
import dev.broadcastchat.protocol.WireProtocol;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * One room's members on this node, kept per event loop, its nicks, and the fan-out to them.
 *
 * <p>{@link #deliver} may be called from any thread, but for one room always in one order (the
 * bus's sequence order): each broadcast is encoded once and handed to every loop that has members,
 * as one queue entry per loop, never one task per member. {@link #join} and {@link #leave} run on
 * the member's own loop; the nick and name directory is thread-safe.
 */
public final class Room {
  private final String name;
  private final ByteBufAllocator alloc;
  private final LoopMembers[] loops;
  private final Map<EventExecutor, LoopMembers> byLoop = new IdentityHashMap<>();
  private final ConcurrentMap<Member, String> names = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, Member> nicks = new ConcurrentHashMap<>();
  private final AtomicInteger textMembers = new AtomicInteger();
  private final AtomicInteger jsonMembers = new AtomicInteger();
  private final AtomicInteger occupants = new AtomicInteger();
  private final AtomicInteger present = new AtomicInteger();
  private final PresenceBatcher presence;
  private final Consumer<String> occupancyListener;

  Room(
      String name,
      List<EventExecutor> eventLoops,
      ByteBufAllocator alloc,
      Duration presenceInterval,
      Consumer<ServerEvent.Presence> presenceSink,
      Consumer<String> occupancyListener,
      FanoutListener fanoutListener) {
    this.name = name;
    this.alloc = alloc;
    this.occupancyListener = occupancyListener;
    for (EventExecutor executor : eventLoops) {
      byLoop.put(executor, new LoopMembers((EventLoop) executor, alloc, fanoutListener));
    }
    this.loops = byLoop.values().toArray(new LoopMembers[0]);
    this.presence =
        new PresenceBatcher(name, eventLoops.get(0), presenceInterval, names::size, presenceSink);
  }

  /** The room's name. */
  public String name() {
    return name;
  }

  /** Members on this node; a moment's snapshot. */
  public int size() {
    return names.size();
  }

  /**
   * Members on this node and those on their way in (a place reserved, not yet joined); a moment's
   * snapshot. What a limit on the room's size counts.
   */
  public int occupants() {
    return occupants.get();
  }

  /** Reserves a place so that the room is not dropped before {@link #join}; see {@link Rooms}. */
  void reserve() {
    occupants.incrementAndGet();
  }

  /** Gives up a place {@link Rooms#enter} reserved for a member who will not join after all. */
  public void unreserve() {
    occupants.decrementAndGet();
  }

  /** Whether no member is in or on its way into the room. */
  boolean unoccupied() {
    return occupants.get() == 0;
  }

  /** Claims exactly {@code nick} for {@code member}; false if another member holds it. */
  public boolean claimNick(String nick, Member member) {
    Member holder = nicks.putIfAbsent(Names.nickKey(nick), member);
    return holder == null || holder == member;
  }

  /** Gives {@code nick} up if {@code member} holds it. */
  public void releaseNick(String nick, Member member) {
    if (nick != null) {
      nicks.remove(Names.nickKey(nick), member);
    }
  }

  /**
   * Adds {@code member}, shown as {@code displayName}; must run on the member's loop, after {@link
   * Rooms#enter}. Announces the join.
   */
  public void join(Member member, String displayName) {
    // Count the member's protocol before it can receive, so no broadcast skips encoding for it.
    if (names.put(member, displayName) == null) {
      counter(member.protocol()).incrementAndGet();
      presence.joined(displayName);
      if (present.incrementAndGet() == 1) {
        occupancyListener.accept(name);
      }
    }
    loopOf(member).add(member);
  }

  /** Removes {@code member}; must run on the member's loop. Announces the leave. */
  public boolean leave(Member member) {
    loopOf(member).remove(member);
    String displayName = names.remove(member);
    if (displayName == null) {
      return false;
    }
    counter(member.protocol()).decrementAndGet();
    occupants.decrementAndGet();
    presence.left(displayName);
    if (present.decrementAndGet() == 0) {
      occupancyListener.accept(name);
    }
    return true;
  }

  /**
   * Changes how {@code member} is shown in {@link #who}, and in its join notice if that has not
   * gone out yet.
   */
  public void rename(Member member, String displayName) {
    String before = names.replace(member, displayName);
    if (before != null) {
      presence.renamed(before, displayName);
    }
  }

  /** At most {@code limit} members' names and the room's size on this node. */
  public ServerEvent.Who who(int limit) {
    List<String> list = new ArrayList<>(Math.min(limit, names.size()));
    for (String n : names.values()) {
      if (list.size() >= limit) {
        break;
      }
      list.add(n);
    }
    return new ServerEvent.Who(name, list, names.size());
  }

  /** Tells every member that broadcasts meant for them were lost (see {@link Member#missed}). */
  public void missed() {
    for (LoopMembers lm : loops) {
      if (lm.size() > 0) {
        lm.missed();
      }
    }
  }

  /** Encodes {@code message} once and queues it for every member on every loop. */
  public void deliver(ChatMessage message) {
    broadcast(new ServerEvent.Message(message, false), message.seq());
  }

  /** Encodes a broadcast that is not a message (presence, nick change) and queues it. */
  public void deliverEvent(ServerEvent event) {
    broadcast(event, Envelope.NO_SEQ);
  }

  private void broadcast(ServerEvent event, long seq) {
    boolean forText = textMembers.get() > 0;
    boolean forJson = jsonMembers.get() > 0;
    if (!forText && !forJson) {
      return;
    }
    Envelope envelope = Envelope.encode(alloc, event, seq, forText, forJson);
    try {
      for (LoopMembers lm : loops) {
        if (lm.size() > 0) {
          lm.enqueue(envelope);
        }
      }
    } finally {
      envelope.release();
    }
  }

  private AtomicInteger counter(WireProtocol protocol) {
    return protocol == WireProtocol.JSON ? jsonMembers : textMembers;
  }

  private LoopMembers loopOf(Member member) {
    LoopMembers lm = byLoop.get(member.loop());
    if (lm == null) {
      throw new IllegalArgumentException(
          "member's loop " + member.loop() + " does not belong to this server");
    }
    return lm;
  }
}
