package dev.broadcastchat.room;

import dev.broadcastchat.protocol.ChatMessage;
import dev.broadcastchat.protocol.TextCodec;
import dev.broadcastchat.protocol.WireProtocol;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.AbstractReferenceCounted;

/**
 * One broadcast on its way to a room's members, with its frame encoded once for each protocol.
 *
 * <p>Immutable and safe to share across event loops; reference counted so that the frame buffers
 * are returned to the pool once every loop has written them.
 */
public final class Envelope extends AbstractReferenceCounted {
  private final ChatMessage message;
  private final ByteBuf textFrame;

  private Envelope(ChatMessage message, ByteBuf textFrame) {
    this.message = message;
    this.textFrame = textFrame;
  }

  /** Encodes {@code message} once; the caller owns the returned reference. */
  public static Envelope encode(ByteBufAllocator alloc, ChatMessage message) {
    return new Envelope(message, WebSocketFrames.text(alloc, TextCodec.format(message)));
  }

  /** The message this envelope carries. */
  public ChatMessage message() {
    return message;
  }

  /**
   * The encoded frame for {@code protocol}, owned by this envelope: write a {@code
   * retainedDuplicate()} of it, never the buffer itself.
   */
  public ByteBuf frame(WireProtocol protocol) {
    return textFrame;
  }

  @Override
  public Envelope touch(Object hint) {
    textFrame.touch(hint);
    return this;
  }

  @Override
  public Envelope retain() {
    super.retain();
    return this;
  }

  @Override
  protected void deallocate() {
    textFrame.release();
  }

  @Override
  public String toString() {
    return "Envelope(" + message.room() + "/" + message.id() + ")";
  }
}
