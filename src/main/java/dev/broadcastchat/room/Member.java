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

  /**
   * Where this member is in the member list of its room on its loop, or -1 while it is in none. The
   * list keeps it here so that it needs no index of its own, which would cost every member an
   * entry; a member is in one room at a time. Read and set on the member's loop only.
   */
  int roomSlot();

  /** Sets {@link #roomSlot()}; called by the room's member list only. */
  void roomSlot(int slot);

  /** The protocol whose frames this member receives. */
  WireProtocol protocol();

  /**
   * Hands a batch of broadcasts to this member's connection, in order: what cannot go to the socket
   * at once is queued until {@link #flush}. The member takes what it needs (retaining duplicates of
   * frames); the caller keeps the batch and releases it.
   *
   * @return the bytes of frames written or queued for the connection now (0 if none, or if they
   *     wait)
   */
  int deliver(Batch batch);

  /** Flushes what {@link #deliver} queued since the last flush. */
  void flush();

  /**
   * Broadcasts meant for this member were lost and cannot be replayed to it: it must be told, and
   * resume from what it last saw. Called on the member's loop.
   */
  void missed();
}
