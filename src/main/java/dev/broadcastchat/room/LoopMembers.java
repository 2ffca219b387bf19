package dev.broadcastchat.room;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.channel.SingleThreadIoEventLoop;
import io.netty.util.internal.PlatformDependent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The members of one room that live on one event loop, and the broadcasts waiting for them.
 *
 * <p>Any thread may {@link #enqueue} a broadcast; the member list and the drain are confined to
 * {@link #loop}. Broadcasts move from the queue into a log, and each member has a cursor into it:
 * the first broadcast it has not been handed. One drain task is scheduled however many broadcasts
 * arrive, and it walks the members round the list, handing each the whole stretch of the log it has
 * not had as one {@link Batch} (whose frames leave in one contiguous write) and flushing it.
 *
 * <p>A drain writes to at most {@link #CHUNK} members, then lets the loop serve its sockets before
 * the next one goes on from where it stopped. So a broadcast to a large room does not hold the
 * loop's other connections for the whole fan-out, and a broadcast that arrives meanwhile goes to
 * the members not yet reached in the same write as the one before it: under load each member gets
 * everything new at each visit, about one walk round the list after it arrived (longer when it has
 * more than a batch waiting). A member that joins gets what enters the log after it joined; one
 * that leaves gets nothing more.
 */
final class LoopMembers {
  /** Most broadcasts handed to one member in one write. */
  static final int MAX_DRAIN_BATCH = 256;

  /**
   * Most members a drain writes to before the loop serves its sockets again: at a few microseconds
   * a write, the loop reads its sockets every few hundred microseconds however large the room.
   */
  static final int CHUNK = 64;

  /** Most members a drain looks at, most of them with nothing new, before it yields. */
  static final int MAX_SCAN = 16 * CHUNK;

  private final EventLoop loop;
  private final List<Member> members = new ArrayList<>();

  /** By member slot: the log index of the first broadcast that member has not been handed. */
  private long[] cursors = new long[8];

  private final Queue<Envelope> pending = PlatformDependent.newMpscQueue();
  private final AtomicBoolean drainScheduled = new AtomicBoolean();
  private final Runnable drainTask = this::drain;
  private final Runnable drainAfterThisTurn = this::executeDrain;

  /** The broadcasts taken from {@link #pending} that some member may still need, oldest first. */
  private Envelope[] log = new Envelope[16];

  /** The log index of the oldest broadcast in {@link #log}; indexes grow with each broadcast. */
  private long logStart;

  /** The log index the next broadcast taken from {@link #pending} gets. */
  private long logEnd;

  /** The slot the drain looks at next. */
  private int nextSlot;

  /** How many members the drain found up to date in a row: all of them means the walk is done. */
  private int upToDate;

  private final Envelope[] range = new Envelope[MAX_DRAIN_BATCH];
  private final Member[] written = new Member[CHUNK];
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
    int slot = members.size();
    member.roomSlot(slot);
    members.add(member);
    if (slot == cursors.length) {
      cursors = Arrays.copyOf(cursors, slot * 2);
    }
    cursors[slot] = logEnd;
    size = members.size();
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
      cursors[slot] = cursors[members.size()];
    }
    member.roomSlot(-1);
    size = members.size();
    // The members counted up to date so far may have included this one, and the last member,
    // perhaps behind, may now sit among them: count afresh.
    upToDate = 0;
    return true;
  }

  private boolean holds(Member member) {
    int slot = member.roomSlot();
    return slot >= 0 && slot < members.size() && members.get(slot) == member;
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
    // The log is the loop's: a drain that stops early (the loop stopping) releases what is in it.
    // Off the loop it is empty, since a drain ends only once every member has had all of it.
    if (loop.inEventLoop()) {
      releaseBefore(logEnd);
      Arrays.fill(cursors, 0, members.size(), logEnd);
      upToDate = members.size();
    }
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
   * Takes what is pending into the log, then hands each of up to {@link #CHUNK} members, from where
   * the last drain stopped, everything in the log it has not had (at most {@link #MAX_DRAIN_BATCH}
   * broadcasts) and flushes them. Members that share a cursor share the batch.
   */
  private void drainBatch() {
    for (Envelope envelope; (envelope = pending.poll()) != null; ) {
      append(envelope);
    }
    Batch batch = null;
    long batchFrom = -1;
    long batchTo = -1;
    long messages = 0;
    long bytes = 0;
    int writtenCount = 0;
    boolean wrapped = false;
    try {
      // No more visits than members, so that one with more than a batch behind it waits for the
      // next drain. (A member that takes the slot of one that left may be visited twice.)
      int toScan = Math.min(MAX_SCAN, members.size());
      for (int scanned = 0;
          writtenCount < CHUNK && scanned < toScan && upToDate < members.size();
          scanned++) {
        if (nextSlot >= members.size()) {
          nextSlot = 0;
          wrapped = true;
        }
        int slot = nextSlot;
        long from = cursors[slot];
        if (from >= logEnd) {
          upToDate++;
          nextSlot++;
          continue;
        }
        upToDate = 0;
        long to = Math.min(logEnd, from + MAX_DRAIN_BATCH);
        if (batch == null || from != batchFrom || to != batchTo) {
          if (batch != null) {
            batch.release();
          }
          batch = batch(from, to);
          batchFrom = from;
          batchTo = to;
        }
        Member member = members.get(slot);
        cursors[slot] = to;
        written[writtenCount++] = member;
        bytes += member.deliver(batch);
        messages += batch.messageCount();
        // A member closed while being written to (a slow consumer) has left: the last member took
        // its slot, and is looked at next.
        if (slot < members.size() && members.get(slot) == member) {
          nextSlot++;
        }
      }
      for (int i = 0; i < writtenCount; i++) {
        written[i].flush();
      }
      if (writtenCount > 0) {
        listener.drained(messages, bytes);
      }
    } finally {
      if (batch != null) {
        batch.release();
      }
      // Nothing kept reachable between drains: members that may have closed, released broadcasts.
      Arrays.fill(written, 0, writtenCount, null);
      Arrays.fill(range, null);
    }
    if (wrapped || !behind()) {
      releaseHandedToAll();
    }
  }

  /** Adds {@code envelope} at the end of the log, growing it if full. */
  private void append(Envelope envelope) {
    if (logEnd - logStart == log.length) {
      Envelope[] grown = new Envelope[log.length * 2];
      for (long i = logStart; i < logEnd; i++) {
        grown[(int) (i & (grown.length - 1))] = log[(int) (i & (log.length - 1))];
      }
      log = grown;
    }
    log[(int) (logEnd & (log.length - 1))] = envelope;
    logEnd++;
    upToDate = 0;
  }

  /** The broadcasts from log index {@code from} up to {@code to}, as one batch. */
  private Batch batch(long from, long to) {
    int count = (int) (to - from);
    for (int i = 0; i < count; i++) {
      range[i] = log[(int) ((from + i) & (log.length - 1))];
    }
    return new Batch(range, count, alloc);
  }

  /** Whether some member may not have been handed everything in the log yet. */
  private boolean behind() {
    return upToDate < members.size();
  }

  /** Releases the broadcasts at the start of the log that every member has been handed. */
  private void releaseHandedToAll() {
    long handedToAll = logEnd;
    for (int i = 0; i < members.size(); i++) {
      handedToAll = Math.min(handedToAll, cursors[i]);
    }
    releaseBefore(handedToAll);
  }

  private void releaseBefore(long index) {
    for (; logStart < index; logStart++) {
      int at = (int) (logStart & (log.length - 1));
      log[at].release();
      log[at] = null;
    }
  }

  /**
   * Ends a drain: the next is due if broadcasts are still pending or some member has not had all of
   * the log, else the next {@link #enqueue} schedules it. {@link #drainScheduled} stays set while a
   * drain runs, so that an enqueue from another thread meanwhile does not execute one of its own.
   */
  private void scheduleNext() {
    if (pending.isEmpty() && !behind()) {
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
