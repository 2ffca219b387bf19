package dev.broadcastchat.room;

import dev.broadcastchat.protocol.WireProtocol;
import io.netty.channel.EventLoop;

/**
 * A receiver of a room's broadcasts: one connection.
 *
 * <p>A member belongs to one event loop; {@link #deliver} and {@link #flush} are only ever called
 * on that loop.
 */
public interface Member {
  /** The event loop this member's connection runs on. */
  EventLoop loop();

  /** The protocol whose frames this member receives. */
  WireProtocol protocol();

  /**
   * Queues a batch of broadcasts for this member, in order, without flushing. The member takes what
   * it needs (retaining duplicates of frames); the caller keeps the batch and releases it.
   */
  void deliver(Batch batch);

  /** Flushes what {@link #deliver} queued since the last flush. */
  void flush();

  /**
   * Broadcasts meant for this member were lost and cannot be replayed to it: it must be told, and
   * resume from what it last saw. Called on the member's loop.
   */
  void missed();
}
