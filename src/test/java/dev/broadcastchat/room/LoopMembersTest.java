package dev.broadcastchat.room;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.broadcastchat.protocol.ServerEvent;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** One loop's member list on a real event loop, with members that count what reaches them. */
class LoopMembersTest {
  private final EventLoop loop = new DefaultEventLoop();
  private final ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
  private final LoopMembers lobby = new LoopMembers(loop, alloc, FanoutListener.NONE);

  @AfterEach
  void stop() throws Exception {
    loop.shutdownGracefully(0, 0, TimeUnit.SECONDS).sync();
  }

  private <T> T onLoop(Callable<T> task) throws Exception {
    return loop.submit(task).get(10, TimeUnit.SECONDS);
  }

  private void broadcast(LoopMembers members) {
    Envelope envelope = Envelope.encode(alloc, new ServerEvent.Pong(), Envelope.NO_SEQ, true, true);
    try {
      members.enqueue(envelope);
    } finally {
      envelope.release();
    }
  }

  @Test
  void membersLeavingFromAnyPlaceLeaveTheOthersEachReceivingEveryBroadcast() throws Exception {
    CountingMember a = new CountingMember(loop);
    CountingMember b = new CountingMember(loop);
    CountingMember c = new CountingMember(loop);
    CountingMember d = new CountingMember(loop);
    onLoop(
        () -> {
          lobby.add(a);
          lobby.add(b);
          lobby.add(c);
          lobby.add(d);
          assertThat(lobby.remove(b)).isTrue(); // from the middle: the last takes its place
          assertThat(lobby.remove(d)).isTrue(); // the last, which had moved
          lobby.add(b);
          return null;
        });
    assertThat(lobby.size()).isEqualTo(3);

    broadcast(lobby);
    broadcast(lobby);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> a.received.get() + b.received.get() + c.received.get() == 6);
    assertThat(a.received).hasValue(2);
    assertThat(b.received).hasValue(2);
    assertThat(c.received).hasValue(2);
    assertThat(d.received).hasValue(0);
    assertThat(d.roomSlot()).isEqualTo(-1);
  }

  @Test
  void aBroadcastEnqueuedWhileADrainRunsIsDeliveredByTheNext() throws Exception {
    CountingMember a = new CountingMember(loop);
    a.afterDelivery =
        () -> {
          a.afterDelivery = () -> {};
          broadcast(lobby);
        };
    onLoop(
        () -> {
          lobby.add(a);
          return null;
        });
    broadcast(lobby);
    await().atMost(Duration.ofSeconds(10)).until(() -> a.received.get() == 2);
  }

  @Test
  void aBroadcastForALoopThatHasStoppedIsReleasedNotQueued() throws Exception {
    loop.shutdownGracefully(0, 0, TimeUnit.SECONDS).sync();
    for (int i = 0; i < 2; i++) {
      Envelope envelope =
          Envelope.encode(alloc, new ServerEvent.Pong(), Envelope.NO_SEQ, true, true);
      lobby.enqueue(envelope);
      assertThat(envelope.refCnt())
          .as("references after enqueue %d (the test's own)", i)
          .isEqualTo(1);
      envelope.release();
    }
  }

  @Test
  void addingAMemberTwiceAddsItOnceAndOnlyAMemberCanBeRemoved() throws Exception {
    CountingMember a = new CountingMember(loop);
    CountingMember stranger = new CountingMember(loop);
    onLoop(
        () -> {
          lobby.add(a);
          lobby.add(a);
          assertThat(lobby.size()).isEqualTo(1);
          assertThat(lobby.remove(stranger)).isFalse();
          assertThat(lobby.remove(a)).isTrue();
          assertThat(lobby.remove(a)).isFalse();
          assertThat(lobby.size()).isZero();
          return null;
        });
    assertThat(a.roomSlot()).isEqualTo(-1);
  }

  @Test
  void aMemberIsInOneRoomsListAtATime() throws Exception {
    LoopMembers other = new LoopMembers(loop, alloc, FanoutListener.NONE);
    CountingMember a = new CountingMember(loop);
    CountingMember b = new CountingMember(loop);
    onLoop(
        () -> {
          lobby.add(a);
          other.add(b);
          return null;
        });
    // a's place in the lobby's list is also a valid place in the other list: still refused.
    assertThatThrownBy(() -> onLoop(() -> addTo(other, a)))
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(IllegalStateException.class);
    assertThat(onLoop(() -> other.remove(a))).isFalse();
    onLoop(
        () -> {
          lobby.remove(a);
          other.add(a);
          return null;
        });
    assertThat(other.size()).isEqualTo(2);
    assertThat(lobby.size()).isZero();
  }

  private static Void addTo(LoopMembers members, Member member) {
    members.add(member);
    return null;
  }
}
