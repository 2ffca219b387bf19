package dev.broadcastchat.room;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.channel.SingleThreadIoEventLoop;
import io.netty.util.internal.PlatformDependent;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The members of one room that live on one event loop, and the broadcasts waiting for them.
 *
 * <p>Any thread may {@link #enqueue} a broadcast; the member list and the drain are confined to
 * {@link #loop}. One drain task is scheduled however many broadcasts arrive before it ends, and it
 * writes every pending broadcast (up to {@link #MAX_DRAIN_BATCH}) to every member before flushing
 * each member once: when messages come faster than the loop drains them, the drain hands each
 * member the whole {@link Batch}, whose frames leave in one contiguous write. Broadcasts that
 * arrive while a drain runs wait for the next, which comes after the loop has served its sockets.
 */
final class LoopMembers {
  /** Most broadcasts written in one drain before yielding the loop to reads. */
  static final int MAX_DRAIN_BATCH = 256;

  private final EventLoop loop;
  private final List<Member> members = new ArrayList<>();
  private Member[] receivers = new Member[0];
  private boolean receiversStale;
  private final Queue<Envelope> pending = PlatformDependent.newMpscQueue();
  private final AtomicBoolean drainScheduled = new AtomicBoolean();
  private final Runnable drainTask = this::drain;
  private final Runnable drainAfterThisTurn = this::executeDrain;
  private final Envelope[] polled = new Envelope[MAX_DRAIN_BATCH];
  private final ByteBufAllocator alloc;
  private final FanoutListener listener;
  private volatile int size;

  LoopMembers(EventLoop loop, ByteBufAllocator alloc, FanoutListener listener) {
    this.loop = loop;
    this.alloc = alloc;
    this.listener = listener;
  }

  EventLoop loop() {
    return loop;
  }

  int size() {
    return size;
  }

  /** Adds {@code member}; nothing if it is here already. */
  void add(Member member) {
    assert loop.inEventLoop();
    if (holds(member)) {
      return;
    }
    if (member.roomSlot() >= 0) {
      throw new IllegalStateException("a member joins a room while it is in another");
    }
    member.roomSlot(members.size());
    members.add(member);
    membershipChanged();
  }

  /** Removes {@code member}; false if it was not here. */
  boolean remove(Member member) {
    assert loop.inEventLoop();
    if (!holds(member)) {
      return false;
    }
    int slot = member.roomSlot();
    Member last = members.remove(members.size() - 1);
    if (last != member) {
      members.set(slot, last);
      last.roomSlot(slot);
    }
    member.roomSlot(-1);
    membershipChanged();
    return true;
  }

  private boolean holds(Member member) {
    int slot = member.roomSlot();
    return slot >= 0 && slot < members.size() && members.get(slot) == member;
  }

  private void membershipChanged() {
    size = members.size();
    receiversStale = true;
  }

  /** Tells every member on this loop that broadcasts meant for it were lost; from any thread. */
  void missed() {
    loop.execute(
        () -> {
          for (Member member : members.toArray(new Member[0])) {
            member.missed();
          }
        });
  }

  /** Queues {@code envelope} for every member on this loop; takes a reference of its own. */
  void enqueue(Envelope envelope) {
    pending.offer(envelope.retain());
    if (drainScheduled.compareAndSet(false, true)) {
      executeDrain();
    }
  }

  /**
   * The loop has stopped, and its members with it: what waits for them is released. Called by the
   * holder of {@link #drainScheduled}, the one thread that may take from {@link #pending}.
   */
  private void discardPending() {
    do {
      for (Envelope e; (e = pending.poll()) != null; ) {
        e.release();
      }
      drainScheduled.set(false);
    } while (!pending.isEmpty() && drainScheduled.compareAndSet(false, true));
  }

  /** Has the loop run a drain; called by the holder of {@link #drainScheduled}. */
  private void executeDrain() {
    try {
      loop.execute(drainTask);
    } catch (RejectedExecutionException e) {
      discardPending();
    }
  }

  private void drain() {
    assert loop.inEventLoop();
    try {
      drainBatch();
    } finally {
      scheduleNext();
    }
  }

  /**
   * Writes up to {@link #MAX_DRAIN_BATCH} pending broadcasts to every member, flushing each once.
   */
  private void drainBatch() {
    int count = 0;
    Envelope envelope;
    while (count < MAX_DRAIN_BATCH && (envelope = pending.poll()) != null) {
      polled[count++] = envelope;
    }
    if (count == 0) {
      return;
    }
    // A member may leave while being written to (a slow consumer is closed), so the drain walks a
    // snapshot, rebuilt only when membership changed since the last drain.
    if (receiversStale) {
      receivers = members.toArray(new Member[0]);
      receiversStale = false;
    }
    Member[] receivers = this.receivers;
    Batch batch = new Batch(polled, count, alloc);
    long bytes = 0;
    try {
      for (Member member : receivers) {
        bytes += member.deliver(batch);
      }
      for (Member member : receivers) {
        member.flush();
      }
      listener.drained((long) batch.messageCount() * receivers.length, bytes);
    } finally {
      batch.release();
      for (int i = 0; i < count; i++) {
        polled[i].release();
        polled[i] = null;
      }
    }
  }

  /**
   * Ends a drain: the next is due if broadcasts are still pending, else the next {@link #enqueue}
   * schedules it. {@link #drainScheduled} stays set while a drain runs, so that an enqueue from
   * another thread meanwhile does not execute one of its own.
   */
  private void scheduleNext() {
    if (pending.isEmpty()) {
      drainScheduled.set(false);
      // An enqueue between the check and the reset found a drain scheduled and left it to this one.
      if (pending.isEmpty() || !drainScheduled.compareAndSet(false, true)) {
        return;
      }
    }
    // Not executed now: a loop runs the tasks queued while it runs tasks in the same turn, so the
    // next drain would keep it from its sockets for as long as other threads enqueue. Executed at
    // the end of this turn, it runs after the loop has served its sockets. (A scheduled task
    // would too, but a loop shutting down cancels those, and the pending buffers must be released.)
    // An I/O loop runs its end-of-turn tasks after every turn's tasks; a loop without I/O (a
    // DefaultEventLoop) runs them only when it stops, and has no sockets to come first anyway.
    if (loop instanceof SingleThreadIoEventLoop turns) {
      try {
        turns.executeAfterEventLoopIteration(drainAfterThisTurn);
      } catch (RejectedExecutionException e) {
        discardPending();
      }
    } else {
      executeDrain();
    }
  }
}
