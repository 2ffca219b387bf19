package dev.broadcastchat.room;

import dev.broadcastchat.protocol.JsonCodec;
import dev.broadcastchat.protocol.ServerEvent;
import dev.broadcastchat.protocol.TextCodec;
import dev.broadcastchat.protocol.WireProtocol;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.AbstractReferenceCounted;

/**
 * One broadcast on its way to a room's members, with its frame encoded once for each protocol that
 * has receivers.
 *
 * <p>Immutable and safe to share across event loops; reference counted so that the frame buffers
 * return to the pool once every loop has written them.
 */
public final class Envelope extends AbstractReferenceCounted {
  /** The {@link #seq} of broadcasts that are not messages (presence, nick changes). */
  public static final long NO_SEQ = -1;

  private final ServerEvent event;
  private final long seq;
  private final ByteBuf textFrame;
  private final ByteBuf jsonFrame;

  private Envelope(ServerEvent event, long seq, ByteBuf textFrame, ByteBuf jsonFrame) {
    this.event = event;
    this.seq = seq;
    this.textFrame = textFrame;
    this.jsonFrame = jsonFrame;
  }

  /**
   * Encodes {@code event} once for each protocol asked for; the caller owns the returned reference.
   */
  public static Envelope encode(
      ByteBufAllocator alloc, ServerEvent event, long seq, boolean forText, boolean forJson) {
    ByteBuf text = null;
    if (forText) {
      String line = TextCodec.encode(event);
      text = line == null ? null : WebSocketFrames.text(alloc, line);
    }
    ByteBuf json = forJson ? WebSocketFrames.text(alloc, JsonCodec.encode(event)) : null;
    return new Envelope(event, seq, text, json);
  }

  /** The event this envelope carries. */
  public ServerEvent event() {
    return event;
  }

  /** The message's position in its room, or {@link #NO_SEQ} for other broadcasts. */
  public long seq() {
    return seq;
  }

  /**
   * The encoded frame for {@code protocol}, or null if that protocol shows nothing for this event.
   * Owned by this envelope: write a {@code retainedDuplicate()} of it, never the buffer itself.
   */
  public ByteBuf frame(WireProtocol protocol) {
    return protocol == WireProtocol.JSON ? jsonFrame : textFrame;
  }

  /** Bytes of the frame for {@code protocol} (0 if none). */
  public int frameBytes(WireProtocol protocol) {
    ByteBuf frame = frame(protocol);
    return frame == null ? 0 : frame.readableBytes();
  }

  @Override
  public Envelope touch(Object hint) {
    if (textFrame != null) {
      textFrame.touch(hint);
    }
    if (jsonFrame != null) {
      jsonFrame.touch(hint);
    }
    return this;
  }

  @Override
  public Envelope retain() {
    super.retain();
    return this;
  }

  @Override
  protected void deallocate() {
    if (textFrame != null) {
      textFrame.release();
    }
    if (jsonFrame != null) {
      jsonFrame.release();
    }
  }

  @Override
  public String toString() {
    return "Envelope(" + event.getClass().getSimpleName() + ", seq " + seq + ")";
  }
}
