package dev.broadcastchat.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.ChannelConfig;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import io.netty.channel.RecvByteBufAllocator.Handle;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The shared read handle, driven the way an event loop's read loop drives it, on real threads. */
class PerLoopRecvAllocatorTest {
  private final PerLoopRecvAllocator allocator = new PerLoopRecvAllocator();
  private final ChannelConfig config = new EmbeddedChannel().config();
  private EventLoop first;
  private EventLoop second;

  @BeforeEach
  void start() {
    first = new DefaultEventLoop();
    second = new DefaultEventLoop();
  }

  @AfterEach
  void stop() throws Exception {
    first.shutdownGracefully(0, 0, TimeUnit.SECONDS).sync();
    second.shutdownGracefully(0, 0, TimeUnit.SECONDS).sync();
  }

  private static <T> T on(EventLoop loop, Callable<T> task) throws Exception {
    return loop.submit(task).get(10, TimeUnit.SECONDS);
  }

  /** One read of {@code bytes} into a buffer of the handle's guess, as the transport makes it. */
  private static void read(Handle handle, int bytes) {
    ByteBuf buf = handle.allocate(UnpooledByteBufAllocator.DEFAULT);
    try {
      handle.attemptedBytesRead(buf.writableBytes());
      handle.lastBytesRead(Math.min(bytes, buf.writableBytes()));
      handle.incMessagesRead(1);
    } finally {
      buf.release();
    }
  }

  @Test
  void everyConnectionGetsTheSameHandle() {
    assertThat(allocator.newHandle()).isSameAs(allocator.newHandle());
  }

  @Test
  void eachThreadReadsWithItsOwnState() throws Exception {
    Handle a = allocator.newHandle();
    Handle b = allocator.newHandle();
    on(
        first,
        () -> {
          a.reset(config);
          read(a, Integer.MAX_VALUE); // filled the buffer: more may be waiting
          return null;
        });
    on(
        second,
        () -> {
          b.reset(config);
          read(b, 10);
          return null;
        });

    assertThat(on(first, () -> a.lastBytesRead())).isEqualTo(PerLoopRecvAllocator.MIN_READ);
    assertThat(on(first, a::continueReading)).isTrue();
    assertThat(on(second, () -> b.lastBytesRead())).isEqualTo(10);
    assertThat(on(second, b::continueReading)).isFalse();
  }

  @Test
  void aConnectionThatKeepsFillingItsBuffersIsReadSixteenTimesPerEvent() throws Exception {
    Handle handle = allocator.newHandle();
    int reads =
        on(
            first,
            () -> {
              handle.reset(config);
              int n = 0;
              do {
                read(handle, Integer.MAX_VALUE);
                n++;
              } while (handle.continueReading() && n < 100);
              handle.readComplete();
              return n;
            });
    assertThat(reads).isEqualTo(PerLoopRecvAllocator.READS_PER_EVENT);
  }

  @Test
  void theGuessGrowsForALargeSenderAndFallsBackNoLowerThanTwoKibibytes() throws Exception {
    Handle handle = allocator.newHandle();
    Callable<Integer> fullEvent =
        () -> {
          handle.reset(config);
          do {
            read(handle, Integer.MAX_VALUE);
          } while (handle.continueReading());
          handle.readComplete();
          return handle.guess();
        };
    Callable<Integer> smallEvent =
        () -> {
          handle.reset(config);
          read(handle, 70);
          handle.readComplete();
          return handle.guess();
        };

    assertThat(on(first, handle::guess)).isEqualTo(PerLoopRecvAllocator.MIN_READ);
    int grown = 0;
    for (int i = 0; i < 4; i++) {
      grown = on(first, fullEvent);
    }
    assertThat(grown).isEqualTo(PerLoopRecvAllocator.MAX_READ);
    // Another thread's guess is its own.
    assertThat(on(second, handle::guess)).isEqualTo(PerLoopRecvAllocator.MIN_READ);

    int shrunk = grown;
    for (int i = 0; i < 200; i++) {
      shrunk = on(first, smallEvent);
    }
    assertThat(shrunk).isEqualTo(PerLoopRecvAllocator.MIN_READ);
  }
}
