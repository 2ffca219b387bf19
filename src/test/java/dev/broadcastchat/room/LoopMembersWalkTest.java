package dev.broadcastchat.room;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.broadcastchat.protocol.ServerEvent;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A room larger than a drain's chunk is written a chunk of members at a time, the loop serving its
 * sockets between chunks; a broadcast that arrives meanwhile reaches the members not yet written
 * together with the one before it, and the others at the next visit; members that join or leave
 * meanwhile get what they should, each broadcast once.
 */
@Timeout(30)
class LoopMembersWalkTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  private final EventLoopGroup group =
      new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final EventLoop loop = group.next();
  private final ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
  private final AtomicInteger drains = new AtomicInteger();
  private final LoopMembers room =
      new LoopMembers(loop, alloc, (messages, bytes) -> drains.incrementAndGet());
  private final List<Envelope> sent = new ArrayList<>();

  @AfterEach
  void stop() {
    group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
    sent.forEach(Envelope::release);
  }

  /** Adds {@code count} members, in slots 0 to count - 1. */
  private List<CountingMember> join(int count) throws Exception {
    List<CountingMember> members = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      members.add(new CountingMember(loop));
    }
    loop.submit(() -> members.forEach(room::add)).get(10, TimeUnit.SECONDS);
    return members;
  }

  /** Enqueues a broadcast; the test keeps a reference of its own, released at the end. */
  private Envelope broadcast() {
    Envelope envelope = Envelope.encode(alloc, new ServerEvent.Pong(), Envelope.NO_SEQ, true, true);
    sent.add(envelope);
    room.enqueue(envelope);
    return envelope;
  }

  /** Waits until the room holds no reference to what was sent: every member has had all of it. */
  private void awaitReleased() {
    await().atMost(WAIT).until(() -> sent.stream().allMatch(e -> e.refCnt() == 1));
  }

  private static Runnable once(Runnable action) {
    AtomicInteger runs = new AtomicInteger();
    return () -> {
      if (runs.getAndIncrement() == 0) {
        action.run();
      }
    };
  }

  @Test
  void aLargeRoomIsWrittenAChunkOfMembersAtATimeWithTheSocketsReadBetween() throws Exception {
    List<CountingMember> members = join(3 * LoopMembers.CHUNK);
    try (SocketOnLoop socket = SocketOnLoop.open(loop, drains::get)) {
      // The loop is held while one broadcast to the whole room is queued and a byte arrives.
      CountDownLatch release = ExecutorHold.hold(loop);
      broadcast();
      socket.send();
      release.countDown();

      assertThat(socket.drainsBeforeRead())
          .as("chunks of members written before the loop read its socket")
          .isEqualTo(1);
      await().atMost(WAIT).until(() -> members.stream().allMatch(m -> m.received.get() == 1));
      awaitReleased();
      assertThat(drains).as("drains that wrote").hasValue(3);
      assertThat(members).allMatch(m -> m.batches.get() == 1);
    }
  }

  @Test
  void aBroadcastArrivingDuringAWalkGoesToTheMembersNotYetWrittenWithTheOneBefore()
      throws Exception {
    int chunk = LoopMembers.CHUNK;
    List<CountingMember> members = join(2 * chunk);
    // The last member of the first chunk: when it has the first broadcast, a second arrives.
    CountingMember lastOfFirstChunk = members.get(chunk - 1);
    lastOfFirstChunk.afterDelivery = once(this::broadcast);
    broadcast();

    await().atMost(WAIT).until(() -> members.stream().allMatch(m -> m.received.get() == 2));
    awaitReleased();
    assertThat(members.subList(0, chunk))
        .as("written before the second arrived: one batch each")
        .allMatch(m -> m.batches.get() == 2);
    assertThat(members.subList(chunk, 2 * chunk))
        .as("not yet written when the second arrived: both in one batch")
        .allMatch(m -> m.batches.get() == 1);
  }

  @Test
  void aMemberJoiningDuringAWalkGetsWhatArrivesAfterItAndNothingBefore() throws Exception {
    List<CountingMember> members = join(2 * LoopMembers.CHUNK);
    CountingMember late = new CountingMember(loop);
    members.get(0).afterDelivery = once(() -> room.add(late));
    broadcast();
    await().atMost(WAIT).until(() -> members.stream().allMatch(m -> m.received.get() == 1));
    awaitReleased();

    broadcast();
    await()
        .atMost(WAIT)
        .until(
            () ->
                late.received.get() >= 1 && members.stream().allMatch(m -> m.received.get() == 2));
    awaitReleased();
    assertThat(late.received).as("broadcasts the late member got").hasValue(1);
  }

  @Test
  void aMemberLeavingWhileWrittenToLeavesEveryOtherGettingEachBroadcastOnce() throws Exception {
    List<CountingMember> members = join(LoopMembers.CHUNK + 2);
    CountingMember leaver = members.get(3);
    AtomicReference<Boolean> removed = new AtomicReference<>();
    // As a slow consumer closed while being written to: the last member takes its slot.
    leaver.afterDelivery = once(() -> removed.set(room.remove(leaver)));
    List<CountingMember> stayers = new ArrayList<>(members);
    stayers.remove(leaver);

    broadcast();
    await().atMost(WAIT).until(() -> stayers.stream().allMatch(m -> m.received.get() == 1));
    broadcast();
    await().atMost(WAIT).until(() -> stayers.stream().allMatch(m -> m.received.get() == 2));
    awaitReleased();

    assertThat(removed.get()).isTrue();
    assertThat(room.size()).isEqualTo(LoopMembers.CHUNK + 1);
    assertThat(leaver.received).as("handed before it left, nothing after").hasValue(1);
    assertThat(stayers).allMatch(m -> m.received.get() == 2);
  }

  /**
   * A drain that stops after looking at {@link LoopMembers#MAX_SCAN} members carries to the next
   * the count of members found up to date in a row. When a member that was counted leaves, the last
   * member, not yet visited and still behind, takes its slot among those counted; counting on from
   * there, the walk would reach "every member up to date" without visiting that slot, and that
   * member would wait for a broadcast yet to come.
   */
  @Test
  void aMemberMovedIntoTheCountedPartOfAWalkWhenAnotherLeavesIsStillWritten() throws Exception {
    int chunk = LoopMembers.CHUNK;
    int scan = LoopMembers.MAX_SCAN;
    // Slots 0 to early - 1, then the last one: all in the room before the broadcast.
    int early = scan + 76;
    List<CountingMember> first = join(early);
    CountingMember last = join(1).get(0);
    // The first drain writes slots 0 to chunk - 1. Then, before the next, the early members after
    // slot chunk leave and as many late ones (up to date) take their slots, so that the room is:
    // written, one member behind (slot chunk), late members, and the last member, still behind.
    CountingMember behind = first.get(chunk);
    List<CountingMember> leaving = first.subList(chunk + 1, early);
    List<CountingMember> late = new ArrayList<>();
    for (int i = 0; i < leaving.size(); i++) {
      late.add(new CountingMember(loop));
    }
    // The next drain writes to the member behind, then finds scan - 1 late members up to date and
    // stops. Before the drain after it, a late member it counted leaves: the last one moves there.
    int countedSlot = chunk + 100;
    AtomicInteger lastMovedTo = new AtomicInteger(-1);
    behind.afterDelivery =
        once(
            () ->
                loop.execute(
                    () -> {
                      late.stream()
                          .filter(m -> m.roomSlot() == countedSlot)
                          .findFirst()
                          .ifPresent(room::remove);
                      lastMovedTo.set(last.roomSlot());
                    }));

    CountDownLatch release = ExecutorHold.hold(loop);
    broadcast();
    loop.execute(
        () -> {
          late.forEach(room::add);
          leaving.forEach(room::remove);
        });
    release.countDown();

    await().atMost(WAIT).until(() -> last.received.get() == 1);
    awaitReleased();
    assertThat(lastMovedTo)
        .as("the last member's slot once the counted one left")
        .hasValue(countedSlot);
    assertThat(behind.received).hasValue(1);
    assertThat(late).allMatch(m -> m.received.get() == 0);
  }

  /**
   * Many members joining and leaving, some while being written to, as bursts of broadcasts larger
   * than a batch arrive: each member gets an unbroken run of the broadcasts in the order they were
   * sent (all of them if it stayed throughout, the first ones if it left, the last ones if it
   * joined late), and every broadcast is released once all have had it.
   */
  @Test
  void everyMemberGetsAnUnbrokenRunOfTheBroadcastsInOrderWhateverJoinsAndLeaves() throws Exception {
    Random random = new Random(7);
    int broadcasts = 0;
    List<CountingMember> all = new ArrayList<>();
    List<CountingMember> initial = new ArrayList<>();
    for (int i = 0; i < 3 * LoopMembers.CHUNK + 5; i++) {
      initial.add(new CountingMember(loop));
    }
    all.addAll(initial);
    loop.submit(() -> initial.forEach(room::add)).get(10, TimeUnit.SECONDS);
    // Some members leave while being written to, as a slow consumer does; one of them takes
    // another member out with it.
    for (int i = 0; i < 6; i++) {
      CountingMember m = initial.get(random.nextInt(initial.size()));
      int leaveAt = 1 + random.nextInt(400);
      m.afterDelivery =
          () -> {
            if (m.seqs.size() >= leaveAt) {
              room.remove(m);
            }
          };
    }
    CountingMember taker = initial.get(1);
    CountingMember taken = initial.get(initial.size() - 1);
    taker.afterDelivery = () -> room.remove(taken);
    Set<CountingMember> stayed = new HashSet<>(initial);

    for (int round = 0; round < 40; round++) {
      int burst = round % 10 == 9 ? 2 * LoopMembers.MAX_DRAIN_BATCH + 17 : 1 + random.nextInt(30);
      for (int i = 0; i < burst; i++) {
        Envelope e = Envelope.encode(alloc, new ServerEvent.Pong(), broadcasts++, true, true);
        sent.add(e);
        room.enqueue(e);
      }
      int change = random.nextInt(4);
      if (change == 0) {
        CountingMember joiner = new CountingMember(loop);
        all.add(joiner);
        loop.execute(() -> room.add(joiner));
      } else if (change == 1) {
        CountingMember leaver = all.get(random.nextInt(all.size()));
        stayed.remove(leaver);
        loop.execute(() -> room.remove(leaver));
      }
    }
    awaitReleased();
    int total = broadcasts;
    loop.submit(
            () -> {
              for (CountingMember m : all) {
                List<Long> got = m.seqs;
                for (int i = 1; i < got.size(); i++) {
                  assertThat(got.get(i))
                      .as("the broadcast after %d", got.get(i - 1))
                      .isEqualTo(got.get(i - 1) + 1);
                }
                boolean inRoom = m.roomSlot() >= 0;
                if (initial.contains(m) && !got.isEmpty()) {
                  assertThat(got.get(0)).as("a first member's first broadcast").isZero();
                }
                if (inRoom && !got.isEmpty()) {
                  assertThat(got.get(got.size() - 1))
                      .as("a member still in the room's last")
                      .isEqualTo(total - 1L);
                }
                if (inRoom && stayed.contains(m)) {
                  assertThat(got).as("a member there throughout").hasSize(total);
                }
              }
              return null;
            })
        .get(10, TimeUnit.SECONDS);
    assertThat(initial).as("members that left while written to").anyMatch(m -> m.roomSlot() < 0);
    assertThat(initial)
        .as("members there throughout")
        .anyMatch(m -> m.roomSlot() >= 0 && stayed.contains(m));
  }
}
