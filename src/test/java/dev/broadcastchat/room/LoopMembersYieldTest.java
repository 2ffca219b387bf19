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
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A backlog of broadcasts is drained a batch at a time, and the loop serves its sockets between
 * batches: a connection on the same loop is read after the first batch, not after the last, and
 * every batch is drained in the end.
 */
class LoopMembersYieldTest {
  private final EventLoopGroup group =
      new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final EventLoop loop = group.next();
  private final ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;

  private final AtomicInteger drains = new AtomicInteger();
  private final LoopMembers members =
      new LoopMembers(loop, alloc, (messages, bytes) -> drains.incrementAndGet());

  @BeforeEach
  void join() throws Exception {
    loop.submit(() -> members.add(new CountingMember(loop))).sync();
  }

  /**
   * Enqueues three batches' worth of broadcasts and returns them, each still holding the reference
   * {@code encode} gave it.
   */
  private List<Envelope> enqueueThreeBatches() {
    List<Envelope> sent = new ArrayList<>();
    for (int i = 0; i < 3 * LoopMembers.MAX_DRAIN_BATCH; i++) {
      Envelope envelope =
          Envelope.encode(alloc, new ServerEvent.Pong(), Envelope.NO_SEQ, true, true);
      sent.add(envelope);
      members.enqueue(envelope);
    }
    return sent;
  }

  @AfterEach
  void stop() {
    group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
  }

  @Test
  @Timeout(30)
  void aSocketOnTheLoopIsReadBetweenTwoBatchesOfABacklog() throws Exception {

    try (SocketOnLoop socket = SocketOnLoop.open(loop, drains::get)) {
      // The loop is held while three batches' worth of broadcasts queue up and a byte arrives.
      CountDownLatch release = ExecutorHold.hold(loop);
      enqueueThreeBatches().forEach(Envelope::release);
      socket.send();
      release.countDown();

      assertThat(socket.drainsBeforeRead())
          .as("batches drained before the loop read its socket")
          .isEqualTo(1);
      await().atMost(Duration.ofSeconds(10)).until(() -> drains.get() == 3);
    }
  }

  /**
   * A loop told to shut down while a backlog waits still drains all of it before it stops, so that
   * every broadcast's buffers are released.
   */
  @Test
  @Timeout(30)
  void aLoopShuttingDownDrainsTheWholeBacklogFirst() throws Exception {
    List<Envelope> sent;
    CountDownLatch release = ExecutorHold.hold(loop);
    try {
      sent = enqueueThreeBatches();
      group.shutdownGracefully(0, 10, TimeUnit.SECONDS);
    } finally {
      release.countDown();
    }
    assertThat(group.awaitTermination(20, TimeUnit.SECONDS)).isTrue();
    assertThat(drains.get()).isEqualTo(3);
    assertThat(sent)
        .as("references left once the loop has stopped (the test's own)")
        .allMatch(e -> e.refCnt() == 1);
    sent.forEach(Envelope::release);
  }
}
