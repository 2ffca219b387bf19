package dev.broadcastchat.server;

import dev.broadcastchat.bus.Bus;
import dev.broadcastchat.bus.Draft;
import dev.broadcastchat.protocol.TextCodec;
import dev.broadcastchat.protocol.WireProtocol;
import dev.broadcastchat.room.Envelope;
import dev.broadcastchat.room.Member;
import dev.broadcastchat.room.Room;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One chat connection after its handshake: who it is, which room it is in, and how broadcasts reach
 * it.
 *
 * <p>Confined to its channel's event loop: every method runs there.
 */
final class Session implements Member {
  private static final Logger log = LoggerFactory.getLogger(Session.class);

  /** How long a closing connection may take to read its close frame before it is cut. */
  static final long CLOSE_GRACE_MILLIS = 5_000;

  private final Channel channel;
  private final String connectionId;
  private final String addr;
  private final WireProtocol protocol;
  private final Bus bus;
  private final long maxQueuedBytes;
  private final long openedAtNanos = System.nanoTime();
  private Room room;
  private boolean closing;
  private int closeCode = -1;
  private boolean wroteSinceFlush;

  Session(Channel channel, String addr, WireProtocol protocol, Bus bus, long maxQueuedBytes) {
    this.channel = channel;
    this.connectionId = channel.id().asShortText();
    this.addr = addr;
    this.protocol = protocol;
    this.bus = bus;
    this.maxQueuedBytes = maxQueuedBytes;
  }

  String connectionId() {
    return connectionId;
  }

  String addr() {
    return addr;
  }

  int closeCode() {
    return closeCode;
  }

  long openedAtNanos() {
    return openedAtNanos;
  }

  Room room() {
    return room;
  }

  @Override
  public EventLoop loop() {
    return channel.eventLoop();
  }

  /** Greets the connection and makes it a member of {@code room}. */
  void start(Room room) {
    assert loop().inEventLoop();
    channel.writeAndFlush(new TextWebSocketFrame(TextCodec.WELCOME), channel.voidPromise());
    this.room = room;
    room.join(this);
  }

  /** One text message from the client. */
  void onText(String text) {
    assert loop().inEventLoop();
    if (closing) {
      return;
    }
    bus.publish(new Draft(room.name(), addr, addr, text, false));
  }

  @Override
  public void deliver(Envelope envelope) {
    assert loop().inEventLoop();
    if (closing) {
      return;
    }
    if (!channel.isWritable() && queuedBytes() > maxQueuedBytes) {
      log.info(
          "conn {} {} slow consumer: over {} queued bytes, closing",
          connectionId,
          addr,
          maxQueuedBytes);
      close(WebSocketCloseStatus.TRY_AGAIN_LATER.code(), "slow consumer");
      return;
    }
    channel.write(envelope.frame(protocol).retainedDuplicate(), channel.voidPromise());
    wroteSinceFlush = true;
  }

  @Override
  public void flush() {
    assert loop().inEventLoop();
    if (wroteSinceFlush) {
      wroteSinceFlush = false;
      channel.flush();
    }
  }

  private long queuedBytes() {
    ChannelOutboundBuffer buffer = channel.unsafe().outboundBuffer();
    return buffer == null ? 0 : buffer.totalPendingWriteBytes();
  }

  /**
   * Leaves the room, sends a close frame with {@code code} behind whatever is still queued, and
   * cuts the connection once that is written or after {@link #CLOSE_GRACE_MILLIS}.
   */
  void close(int code, String reason) {
    assert loop().inEventLoop();
    if (closing) {
      return;
    }
    closing = true;
    closeCode = code;
    leaveRoom();
    channel
        .writeAndFlush(new CloseWebSocketFrame(code, reason))
        .addListener(ChannelFutureListener.CLOSE);
    channel.eventLoop().schedule(() -> channel.close(), CLOSE_GRACE_MILLIS, TimeUnit.MILLISECONDS);
  }

  /** The peer sent a close frame: answer it with the same code and end. */
  void onCloseFrame(int code) {
    assert loop().inEventLoop();
    if (closeCode < 0) {
      closeCode = code;
    }
    if (closing) {
      // The peer answered a close of ours: the closing handshake is complete.
      channel.close();
    } else {
      closing = true;
      leaveRoom();
      int answer = code >= 1000 && code != 1005 && code != 1006 && code != 1015 ? code : 1000;
      channel
          .writeAndFlush(new CloseWebSocketFrame(answer, ""))
          .addListener(ChannelFutureListener.CLOSE);
    }
  }

  /** The connection is gone; called once, whatever ended it. */
  void onClosed() {
    assert loop().inEventLoop();
    closing = true;
    leaveRoom();
  }

  /** Records a close code sent by someone else on this connection's behalf (the decoder). */
  void noteCloseCode(int code) {
    if (closeCode < 0) {
      closeCode = code;
    }
  }

  private void leaveRoom() {
    if (room != null) {
      room.leave(this);
      room = null;
    }
  }
}
