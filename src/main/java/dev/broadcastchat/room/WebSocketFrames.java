package dev.broadcastchat.room;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;

/**
 * Encodes server-to-client WebSocket frames straight into bytes.
 *
 * <p>Server frames are never masked (RFC 6455, 5.1), so the bytes of one broadcast are the same for
 * every receiver: they are encoded once here and every receiver is handed a duplicate.
 */
public final class WebSocketFrames {
  private static final int FIN_TEXT = 0x81;

  private WebSocketFrames() {}

  /** A complete, unmasked text frame carrying {@code text} as UTF-8. */
  public static ByteBuf text(ByteBufAllocator alloc, CharSequence text) {
    int payload = ByteBufUtil.utf8Bytes(text);
    ByteBuf buf = header(alloc, payload);
    ByteBufUtil.reserveAndWriteUtf8(buf, text, payload);
    return buf;
  }

  /** A complete, unmasked text frame carrying {@code utf8}, which must be valid UTF-8. */
  public static ByteBuf text(ByteBufAllocator alloc, byte[] utf8) {
    return header(alloc, utf8.length).writeBytes(utf8);
  }

  /** The bytes a server's frame of {@code payload} bytes takes on the wire, its header included. */
  public static int wireBytes(int payload) {
    return (payload < 126 ? 2 : payload <= 0xFFFF ? 4 : 10) + payload;
  }

  private static ByteBuf header(ByteBufAllocator alloc, int payload) {
    ByteBuf buf = alloc.directBuffer(wireBytes(payload));
    buf.writeByte(FIN_TEXT);
    if (payload < 126) {
      buf.writeByte(payload);
    } else if (payload <= 0xFFFF) {
      buf.writeByte(126);
      buf.writeShort(payload);
    } else {
      buf.writeByte(127);
      buf.writeLong(payload);
    }
    return buf;
  }
}
