package dev.broadcastchat.bench;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;

/**
 * What makes a connection a sender: it numbers its messages from 0 and stamps each with its send
 * time. Subclasses decide when to send.
 *
 * <p>Confined to the connection's event loop.
 */
abstract class Sender {
  private final int index;
  private final Run run;
  private final LoopStats stats;
  final Channel channel;
  private long nextSeq;
  private boolean running;

  /** The measured window; set by {@link #start}. */
  Window window = Window.NONE;

  Sender(int index, Run run, Channel channel, LoopStats stats) {
    this.index = index;
    this.run = run;
    this.channel = channel;
    this.stats = stats;
  }

  /** This sender's number, in its tokens. */
  final int index() {
    return index;
  }

  final Run run() {
    return run;
  }

  /**
   * Starts sending: the run began {@code startNanos} after its origin, and measures {@code window}.
   */
  final void start(Window window, long startNanos) {
    assert channel.eventLoop().inEventLoop();
    this.window = window;
    running = true;
    stats.senderStarted();
    begin(startNanos);
  }

  /** Sends the first message, or arranges for it. */
  abstract void begin(long startNanos);

  /** Its own message {@code seq} came back, read at {@code readNanos} after the origin. */
  abstract void onEcho(long seq, long readNanos);

  /** Whether it still sends, or waits for its last message. */
  final boolean running() {
    return running;
  }

  /** Stops sending for good. */
  final void stop() {
    if (running) {
      running = false;
      stats.senderStopped();
      stopped();
    }
  }

  /** Cancels what {@link #begin} arranged. */
  abstract void stopped();

  /**
   * Writes (without flushing) the next message, stamped {@code stampNanos}, and returns its
   * sequence number; -1 if the connection is gone.
   */
  final long write(long stampNanos) {
    if (!channel.isActive()) {
      stop();
      return -1;
    }
    long seq = nextSeq++;
    ByteBuf text =
        channel.alloc().buffer(Token.length(run.id(), index, seq, stampNanos, run.size()));
    Token.write(text, run.id(), index, seq, stampNanos, run.size());
    stats.sent(stampNanos);
    channel.write(new TextWebSocketFrame(text), channel.voidPromise());
    return seq;
  }
}
