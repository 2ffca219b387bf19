package dev.broadcastchat.bench;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * One bench connection once its handshake is done: finds the tokens in what the server sends, keeps
 * the ledger of what arrived from whom, counts into its loop's {@link LoopStats} and, if it is a
 * sender, drives its {@link Sender}.
 *
 * <p>Confined to its channel's event loop, apart from {@link #channel()}.
 */
final class BenchClient implements FrameSink {
  /** Longest server error line kept for the report. */
  private static final int MAX_ERROR_CHARS = 200;

  private final Run run;
  private final Ledger ledger;
  private final Token token = new Token();
  private Channel channel;
  private LoopStats stats;
  private Sender sender;
  private boolean closingByUs;
  private boolean stalled;
  private volatile boolean closeFrameSeen;

  /** The connection failed on our side (a frame we could not take), not through the server. */
  private boolean failedHere;

  private volatile int closeCode = -1;
  private volatile boolean closedByServer;
  private String failure;

  /**
   * A connection of {@code run} that expects messages from {@code senders} senders, or none (then
   * it only reads).
   */
  BenchClient(Run run, int senders) {
    this.run = run;
    this.ledger = senders > 0 ? new Ledger(senders) : null;
  }

  /** Binds this client to its connection, on that connection's loop, once the handshake is done. */
  void attach(Channel channel, LoopStats stats) {
    assert channel.eventLoop().inEventLoop();
    this.channel = channel;
    this.stats = stats;
  }

  Channel channel() {
    return channel;
  }

  LoopStats stats() {
    return stats;
  }

  /** Makes this connection a sender and starts it. */
  void startSending(Sender sender, Window window, long startNanos) {
    assert channel.eventLoop().inEventLoop();
    this.sender = sender;
    sender.start(window, startNanos);
  }

  /**
   * Stops reading for good: the connection becomes a slow consumer that the server has to deal
   * with, and what it may still read is ignored.
   */
  void stall() {
    assert channel.eventLoop().inEventLoop();
    stalled = true;
    channel.config().setAutoRead(false);
  }

  /**
   * Reads again after {@link #stall}, without counting what arrives: what the server queued for
   * this connection while it did not read and, behind that, the close frame of a server that gave
   * up on it. Its close is then seen, and answered, at once, where a connection that went on not
   * reading would end only when the server reset it. And pings: a connection the server has reset
   * already fails the write and ends, where io_uring's channel, having stopped reading, would not
   * notice the reset (Netty 4.2.18).
   */
  void readWhatWasQueued() {
    assert channel.eventLoop().inEventLoop();
    if (stalled && channel.isActive() && !closeFrameSeen) {
      channel.config().setAutoRead(true);
      channel.writeAndFlush(new PingWebSocketFrame(), channel.voidPromise());
    }
  }

  /** Whether the server ended this connection (from any thread). */
  boolean closedByServer() {
    return closedByServer;
  }

  /**
   * Whether the server ended this connection without a close frame reaching the bench: closed it
   * without one, or reset it while one still waited behind what a stalled client never read (from
   * any thread).
   */
  boolean closedWithoutCloseFrame() {
    return closedByServer && !closeFrameSeen;
  }

  /** The close code the server sent, or -1 (from any thread). */
  int closeCode() {
    return closeCode;
  }

  @Override
  public void onMessage(ByteBuf buf, int from, int to, long readNanos) {
    if (stalled) {
      return;
    }
    if (to - from >= 2 && buf.getByte(from) == '!' && buf.getByte(from + 1) == ' ') {
      int length = Math.min(to - from, MAX_ERROR_CHARS);
      stats.serverError(buf.toString(from, length, StandardCharsets.UTF_8));
      return;
    }
    if (ledger == null) {
      return;
    }
    // A server may join several messages into one frame: each token in it is a delivery.
    for (int at = from; token.find(buf, at, to, run.id()); at = token.end()) {
      int author = token.sender();
      if (author >= ledger.senders()) {
        continue;
      }
      long seq = token.seq();
      long sent = token.sentNanos();
      long read = run.since(readNanos);
      long skipped = ledger.accept(author, seq);
      if (skipped == Ledger.DUPLICATE) {
        stats.duplicate(sent);
      } else {
        stats.received(sent, read, skipped);
      }
      if (sender != null && author == sender.index()) {
        sender.onEcho(seq, read);
      }
    }
  }

  @Override
  public void onCloseFrame(int code) {
    closeFrameSeen = true;
    closeCode = code;
  }

  @Override
  public void onFailure(Throwable cause) {
    if (failure == null) {
      failure = Connector.describe(cause);
    }
    // The peer ending the connection shows as an I/O error (a reset, a write to a closed socket);
    // anything else is ours, such as a frame the reader refused.
    if (!(cause instanceof IOException)) {
      failedHere = true;
    }
  }

  @Override
  public void onClosed() {
    if (sender != null) {
      sender.stop();
    }
    if (!closingByUs && !failedHere) {
      closedByServer = true;
    }
    if (!closingByUs && !stalled) {
      String why =
          closeCode >= 0
              ? "closed by the server with " + closeCode
              : failure != null ? failure : "closed by the server";
      stats.dropped(why);
    }
  }

  /** Closes the connection with 1000, unless it is closed already; completes once it is. */
  ChannelFuture close() {
    assert channel.eventLoop().inEventLoop();
    closingByUs = true;
    if (sender != null) {
      sender.stop();
    }
    if (!channel.isActive()) {
      return channel.closeFuture();
    }
    channel
        .writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.NORMAL_CLOSURE))
        .addListener(ChannelFutureListener.CLOSE);
    return channel.closeFuture();
  }
}
