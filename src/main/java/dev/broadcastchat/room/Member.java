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
   * Queues one broadcast for this member without flushing. The member takes what it needs from the
   * envelope (retaining a duplicate of the frame); the caller keeps its own reference.
   */
  void deliver(Envelope envelope);

  /** Flushes what {@link #deliver} queued since the last flush. */
  void flush();

  /**
   * Broadcasts meant for this member were lost and cannot be replayed to it: it must be told, and
   * resume from what it last saw. Called on the member's loop.
   */
  void missed();
}
