package dev.broadcastchat.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.ChannelConfig;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.util.UncheckedBooleanSupplier;
import io.netty.util.concurrent.FastThreadLocal;

/**
 * Sizes the buffers connections read into, with the sizing state kept once per thread instead of
 * once per connection.
 *
 * <p>Netty's {@link AdaptiveRecvByteBufAllocator} gives every connection a handle of its own, 112
 * bytes that live as long as the connection does. Here every connection gets the same handle, and
 * each call on it goes to the state of the thread making the call. That is safe because a
 * connection is read only on its event loop and an event loop reads one connection at a time: a
 * read loop starts with {@code reset}, ends with {@code readComplete}, and nothing it calls reads
 * another connection in between. That holds for epoll and NIO, not for io_uring, whose reads start
 * when they are submitted and end when the kernel completes them, interleaved: the server does not
 * use this allocator there.
 *
 * <p>The connections of one loop therefore share one guess at how much the next read brings. Its
 * floor is Netty's starting size, 2 KiB, so a handshake or a chat message takes one read whatever
 * the loop's other connections sent; it grows to 64 KiB for a connection that fills its buffers. Up
 * to 16 reads are made for one readiness event, as Netty does for a stream by default. A thread's
 * state keeps the configuration of the last channel it read until its next read, so one closed
 * channel per event loop may stay reachable for a while.
 */
final class PerLoopRecvAllocator implements RecvByteBufAllocator {
  static final int MIN_READ = 2048;
  static final int MAX_READ = 65536;
  static final int READS_PER_EVENT = 16;

  private final AdaptiveRecvByteBufAllocator sizing =
      new AdaptiveRecvByteBufAllocator(MIN_READ, MIN_READ, MAX_READ);

  private final FastThreadLocal<ExtendedHandle> perThread =
      new FastThreadLocal<>() {
        @Override
        protected ExtendedHandle initialValue() {
          return (ExtendedHandle) sizing.newHandle();
        }
      };

  private final ExtendedHandle handle = new SharedHandle();

  PerLoopRecvAllocator() {
    sizing.maxMessagesPerRead(READS_PER_EVENT);
  }

  @Override
  public Handle newHandle() {
    return handle;
  }

  /** Hands every call to the calling thread's handle. */
  private final class SharedHandle implements ExtendedHandle {
    private ExtendedHandle mine() {
      return perThread.get();
    }

    @Override
    public ByteBuf allocate(ByteBufAllocator alloc) {
      return mine().allocate(alloc);
    }

    @Override
    public int guess() {
      return mine().guess();
    }

    @Override
    public void reset(ChannelConfig config) {
      mine().reset(config);
    }

    @Override
    public void incMessagesRead(int numMessages) {
      mine().incMessagesRead(numMessages);
    }

    @Override
    public void lastBytesRead(int bytes) {
      mine().lastBytesRead(bytes);
    }

    @Override
    public int lastBytesRead() {
      return mine().lastBytesRead();
    }

    @Override
    public void attemptedBytesRead(int bytes) {
      mine().attemptedBytesRead(bytes);
    }

    @Override
    public int attemptedBytesRead() {
      return mine().attemptedBytesRead();
    }

    @Override
    public boolean continueReading() {
      return mine().continueReading();
    }

    @Override
    public boolean continueReading(UncheckedBooleanSupplier maybeMoreDataSupplier) {
      return mine().continueReading(maybeMoreDataSupplier);
    }

    @Override
    public void readComplete() {
      mine().readComplete();
    }
  }
}
