package dev.broadcastchat.bench;

import io.netty.buffer.ByteBuf;

/** Where a {@link FrameReader} hands what it reads; called on the connection's event loop. */
interface FrameSink {
  /**
   * A complete text or binary message: bytes {@code from} (inclusive) to {@code to} (exclusive) of
   * {@code buf}, valid only during the call; {@code readNanos} is {@link System#nanoTime()} when
   * the read that brought it began.
   */
  void onMessage(ByteBuf buf, int from, int to, long readNanos);

  /** The server sent a close frame with {@code code}, or -1 if it carried none. */
  void onCloseFrame(int code);

  /** The connection failed with {@code cause}; it is being closed. */
  void onFailure(Throwable cause);

  /** The connection is closed. */
  void onClosed();
}
