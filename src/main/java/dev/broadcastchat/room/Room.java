package dev.broadcastchat.room;

import dev.broadcastchat.protocol.ChatMessage;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * One room's members on this node, kept per event loop, and the fan-out to them.
 *
 * <p>{@link #deliver} may be called from any thread, but for one room always in one order (the
 * bus's sequence order): each broadcast is encoded once and handed to every loop that has members,
 * as one queue entry per loop, never one task per member. {@link #join} and {@link #leave} run on
 * the member's own loop.
 */
public final class Room {
  private final String name;
  private final ByteBufAllocator alloc;
  private final LoopMembers[] loops;
  private final Map<EventExecutor, LoopMembers> byLoop = new IdentityHashMap<>();

  Room(String name, Iterable<EventExecutor> eventLoops, ByteBufAllocator alloc) {
    this.name = name;
    this.alloc = alloc;
    for (EventExecutor executor : eventLoops) {
      byLoop.put(executor, new LoopMembers((EventLoop) executor));
    }
    this.loops = byLoop.values().toArray(new LoopMembers[0]);
  }

  /** The room's name. */
  public String name() {
    return name;
  }

  /** Members on this node, summed over loops; a moment's snapshot. */
  public int size() {
    int n = 0;
    for (LoopMembers lm : loops) {
      n += lm.size();
    }
    return n;
  }

  /** Adds {@code member}; must run on the member's loop. */
  public void join(Member member) {
    loopOf(member).add(member);
  }

  /** Removes {@code member}; must run on the member's loop. Returns whether it was a member. */
  public boolean leave(Member member) {
    return loopOf(member).remove(member);
  }

  /** Encodes {@code message} once and queues it for every member on every loop. */
  public void deliver(ChatMessage message) {
    Envelope envelope = Envelope.encode(alloc, message);
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

  private LoopMembers loopOf(Member member) {
    LoopMembers lm = byLoop.get(member.loop());
    if (lm == null) {
      throw new IllegalArgumentException(
          "member's loop " + member.loop() + " does not belong to this server");
    }
    return lm;
  }
}
