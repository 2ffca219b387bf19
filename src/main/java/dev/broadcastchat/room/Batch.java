package dev.broadcastchat.room;

import dev.broadcastchat.protocol.WireProtocol;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * The broadcasts one drain hands to the members of one loop, in order, with their frames joined
 * into one buffer per protocol: a member that takes them all gets one write for the whole batch
 * instead of one per broadcast, so a busy room costs a receiver one outbound entry and one
 * contiguous write per drain.
 *
 * <p>Confined to the loop that drains it; the joined buffers are built on first use and released
 * with the batch.
 */
public final class Batch {
  private final Envelope[] envelopes;
  private final int size;
  private final ByteBufAllocator alloc;
  private final long minSeq;
  private final int messageCount;
  private ByteBuf text;
  private ByteBuf json;

  Batch(Envelope[] envelopes, int size, ByteBufAllocator alloc) {
    this.envelopes = envelopes;
    this.size = size;
    this.alloc = alloc;
    long min = Long.MAX_VALUE;
    int messages = 0;
    for (int i = 0; i < size; i++) {
      long seq = envelopes[i].seq();
      if (seq != Envelope.NO_SEQ) {
        messages++;
        min = Math.min(min, seq);
      }
    }
    this.minSeq = min == Long.MAX_VALUE ? Envelope.NO_SEQ : min;
    this.messageCount = messages;
  }

  /** How many broadcasts the batch holds. */
  public int size() {
    return size;
  }

  /** How many of the broadcasts are chat messages (the others are presence and nick changes). */
  public int messageCount() {
    return messageCount;
  }

  /** The {@code i}th broadcast, oldest first. */
  public Envelope get(int i) {
    return envelopes[i];
  }

  /** The smallest message sequence number in the batch, or {@link Envelope#NO_SEQ} if none. */
  public long minSeq() {
    return minSeq;
  }

  /**
   * Every frame of the batch for {@code protocol}, joined; null if the protocol shows none of them.
   * Owned by the batch: write a {@code retainedDuplicate()}.
   */
  public ByteBuf frames(WireProtocol protocol) {
    if (protocol == WireProtocol.JSON) {
      if (json == null) {
        json = join(protocol);
      }
      return json.isReadable() ? json : null;
    }
    if (text == null) {
      text = join(protocol);
    }
    return text.isReadable() ? text : null;
  }

  private ByteBuf join(WireProtocol protocol) {
    int bytes = 0;
    for (int i = 0; i < size; i++) {
      bytes += envelopes[i].frameBytes(protocol);
    }
    ByteBuf joined = alloc.directBuffer(Math.max(bytes, 1));
    for (int i = 0; i < size; i++) {
      ByteBuf frame = envelopes[i].frame(protocol);
      if (frame != null) {
        joined.writeBytes(frame, frame.readerIndex(), frame.readableBytes());
      }
    }
    return joined;
  }

  void release() {
    if (text != null) {
      text.release();
    }
    if (json != null) {
      json.release();
    }
  }
}
