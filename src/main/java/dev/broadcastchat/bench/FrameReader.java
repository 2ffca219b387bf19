package dev.broadcastchat.bench;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import java.util.List;

/**
 * Reads the WebSocket frames a server sends where they lie in the receive buffer: each complete
 * message goes to a {@link FrameSink} as a range of that buffer, with no frame object, copy or
 * string per frame, so that one core reads a million deliveries a second. Only a fragmented message
 * is gathered into a buffer of its own first. Pings are answered; a close frame is echoed and the
 * connection closed.
 *
 * <p>One per connection, on its event loop, after the handshake.
 */
final class FrameReader extends ByteToMessageDecoder {
  /** Largest message accepted, fragments included. */
  static final int MAX_MESSAGE_BYTES = 16 << 20;

  private static final int FIN = 0x80;
  private static final int RESERVED = 0x70;
  private static final int MASKED = 0x80;
  private static final int CONTINUATION = 0x0;
  private static final int TEXT = 0x1;
  private static final int BINARY = 0x2;
  private static final int CLOSE = 0x8;
  private static final int PING = 0x9;
  private static final int PONG = 0xA;

  private final FrameSink sink;
  private long readNanos;
  private ByteBuf fragments;
  private boolean closeReceived;
  private boolean failed;

  FrameReader(FrameSink sink) {
    this.sink = sink;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
    // One clock read per socket read: every frame in it had arrived by then.
    readNanos = System.nanoTime();
    super.channelRead(ctx, msg);
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    for (; ; ) {
      if (closeReceived || failed) {
        // Nothing after a close frame or a protocol error is read.
        in.skipBytes(in.readableBytes());
        return;
      }
      int start = in.readerIndex();
      int readable = in.writerIndex() - start;
      if (readable < 2) {
        return;
      }
      int b0 = in.getUnsignedByte(start);
      int b1 = in.getUnsignedByte(start + 1);
      if ((b0 & RESERVED) != 0) {
        throw failure(
            in,
            new CorruptedFrameException(
                "frame with reserved bits set: 0x" + Integer.toHexString(b0)));
      }
      if ((b1 & MASKED) != 0) {
        throw failure(in, new CorruptedFrameException("masked frame from the server"));
      }
      int length7 = b1 & 0x7F;
      int header;
      long length;
      if (length7 < 126) {
        header = 2;
        length = length7;
      } else if (length7 == 126) {
        if (readable < 4) {
          return;
        }
        header = 4;
        length = in.getUnsignedShort(start + 2);
      } else {
        if (readable < 10) {
          return;
        }
        header = 10;
        length = in.getLong(start + 2);
      }
      if (length < 0 || length > MAX_MESSAGE_BYTES) {
        throw failure(
            in,
            new TooLongFrameException(
                "frame of " + length + " bytes (expected: at most " + MAX_MESSAGE_BYTES + ")"));
      }
      if (readable < header + length) {
        return;
      }
      int from = start + header;
      int to = from + (int) length;
      in.readerIndex(to);
      try {
        frame(ctx, b0, in, from, to);
      } catch (CorruptedFrameException | TooLongFrameException e) {
        throw failure(in, e);
      }
    }
  }

  /** Marks the connection failed, so that nothing more is read, and returns {@code e}. */
  private RuntimeException failure(ByteBuf in, RuntimeException e) {
    failed = true;
    in.skipBytes(in.readableBytes());
    return e;
  }

  private void frame(ChannelHandlerContext ctx, int b0, ByteBuf in, int from, int to) {
    boolean fin = (b0 & FIN) != 0;
    int opcode = b0 & 0x0F;
    switch (opcode) {
      case TEXT, BINARY -> {
        if (fragments != null) {
          throw new CorruptedFrameException("new message before the last one's final fragment");
        }
        if (fin) {
          sink.onMessage(in, from, to, readNanos);
        } else {
          fragments = ctx.alloc().buffer(Math.max(256, 2 * (to - from)));
          fragments.writeBytes(in, from, to - from);
        }
      }
      case CONTINUATION -> {
        if (fragments == null) {
          throw new CorruptedFrameException("continuation frame without a message to continue");
        }
        if (fragments.readableBytes() + (to - from) > MAX_MESSAGE_BYTES) {
          throw new TooLongFrameException(
              "fragmented message over " + MAX_MESSAGE_BYTES + " bytes");
        }
        fragments.writeBytes(in, from, to - from);
        if (fin) {
          ByteBuf message = fragments;
          fragments = null;
          try {
            sink.onMessage(message, message.readerIndex(), message.writerIndex(), readNanos);
          } finally {
            message.release();
          }
        }
      }
      case PING ->
          ctx.channel().writeAndFlush(new PongWebSocketFrame(in.retainedSlice(from, to - from)));
      case PONG -> {
        // Nothing asked for it; nothing to do.
      }
      case CLOSE -> {
        closeReceived = true;
        boolean hasCode = to - from >= 2;
        sink.onCloseFrame(hasCode ? in.getUnsignedShort(from) : -1);
        CloseWebSocketFrame echo =
            hasCode
                ? new CloseWebSocketFrame(true, 0, in.retainedSlice(from, 2))
                : new CloseWebSocketFrame();
        ctx.channel().writeAndFlush(echo).addListener(ChannelFutureListener.CLOSE);
      }
      default -> throw new CorruptedFrameException("frame with unknown opcode " + opcode);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    sink.onFailure(cause);
    ctx.close();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    super.channelInactive(ctx);
    sink.onClosed();
  }

  @Override
  protected void handlerRemoved0(ChannelHandlerContext ctx) {
    if (fragments != null) {
      fragments.release();
      fragments = null;
    }
  }
}
