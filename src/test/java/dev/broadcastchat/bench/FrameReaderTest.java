package dev.broadcastchat.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FrameReaderTest {
  private static final int TEXT = 0x1;
  private static final int CONTINUATION = 0x0;
  private static final int CLOSE = 0x8;
  private static final int PING = 0x9;

  /** Keeps what the reader hands over, as strings. */
  private static final class Recorder implements FrameSink {
    final List<String> messages = new ArrayList<>();
    final List<Integer> closeCodes = new ArrayList<>();
    final List<Throwable> failures = new ArrayList<>();
    boolean closed;

    @Override
    public void onMessage(ByteBuf buf, int from, int to, long readNanos) {
      assertThat(readNanos).isNotZero();
      messages.add(buf.toString(from, to - from, StandardCharsets.UTF_8));
    }

    @Override
    public void onCloseFrame(int code) {
      closeCodes.add(code);
    }

    @Override
    public void onFailure(Throwable cause) {
      failures.add(cause);
    }

    @Override
    public void onClosed() {
      closed = true;
    }
  }

  /** An unmasked frame, as a server sends it. */
  private static ByteBuf frame(boolean fin, int opcode, byte[] payload, boolean masked) {
    ByteBuf buf = Unpooled.buffer();
    buf.writeByte((fin ? 0x80 : 0) | opcode);
    int mask = masked ? 0x80 : 0;
    if (payload.length < 126) {
      buf.writeByte(mask | payload.length);
    } else if (payload.length <= 0xFFFF) {
      buf.writeByte(mask | 126).writeShort(payload.length);
    } else {
      buf.writeByte(mask | 127).writeLong(payload.length);
    }
    if (masked) {
      buf.writeInt(0);
    }
    return buf.writeBytes(payload);
  }

  private static ByteBuf text(String text) {
    return frame(true, TEXT, text.getBytes(StandardCharsets.UTF_8), false);
  }

  @Test
  void readsFramesThatArriveOneByteAtATime() {
    Recorder sink = new Recorder();
    EmbeddedChannel ch = new EmbeddedChannel(new FrameReader(sink));
    ByteBuf all = Unpooled.wrappedBuffer(text("one"), text(""), text("three"));
    while (all.isReadable()) {
      ch.writeInbound(all.readRetainedSlice(1));
    }
    all.release();
    assertThat(sink.messages).containsExactly("one", "", "three");
    assertFalse(ch.finish());
  }

  @Test
  void readsManyFramesFromOneRead() {
    Recorder sink = new Recorder();
    EmbeddedChannel ch = new EmbeddedChannel(new FrameReader(sink));
    ch.writeInbound(Unpooled.wrappedBuffer(text("a"), text("b"), text("c")));
    assertThat(sink.messages).containsExactly("a", "b", "c");
    assertFalse(ch.finish());
  }

  @Test
  void readsEveryLengthForm() {
    Recorder sink = new Recorder();
    EmbeddedChannel ch = new EmbeddedChannel(new FrameReader(sink));
    List<String> texts =
        List.of("x".repeat(125), "y".repeat(126), "z".repeat(65_535), "w".repeat(70_000));
    for (String t : texts) {
      ch.writeInbound(text(t));
    }
    assertThat(sink.messages).containsExactlyElementsOf(texts);
    assertFalse(ch.finish());
  }

  @Test
  void gathersAFragmentedMessage() {
    Recorder sink = new Recorder();
    EmbeddedChannel ch = new EmbeddedChannel(new FrameReader(sink));
    ch.writeInbound(frame(false, TEXT, "B:1:".getBytes(StandardCharsets.US_ASCII), false));
    ch.writeInbound(frame(true, PING, new byte[0], false));
    ch.writeInbound(frame(false, CONTINUATION, "2:3:".getBytes(StandardCharsets.US_ASCII), false));
    ch.writeInbound(frame(true, CONTINUATION, "4:".getBytes(StandardCharsets.US_ASCII), false));
    assertThat(sink.messages).containsExactly("B:1:2:3:4:");
    PongWebSocketFrame pong = ch.readOutbound();
    pong.release();
    assertFalse(ch.finish());
  }

  @Test
  void answersAPingWithItsPayload() {
    Recorder sink = new Recorder();
    EmbeddedChannel ch = new EmbeddedChannel(new FrameReader(sink));
    ch.writeInbound(frame(true, PING, "hi".getBytes(StandardCharsets.US_ASCII), false));
    PongWebSocketFrame pong = ch.readOutbound();
    try {
      assertThat(pong.content().toString(StandardCharsets.US_ASCII)).isEqualTo("hi");
    } finally {
      pong.release();
    }
    assertThat(sink.messages).isEmpty();
    assertFalse(ch.finish());
  }

  @Test
  void echoesACloseFrameAndCloses() {
    Recorder sink = new Recorder();
    EmbeddedChannel ch = new EmbeddedChannel(new FrameReader(sink));
    ch.writeInbound(
        Unpooled.wrappedBuffer(
            frame(true, CLOSE, new byte[] {0x03, (byte) 0xF5}, false), text("after the close")));
    assertThat(sink.closeCodes).containsExactly(1013);
    CloseWebSocketFrame echo = ch.readOutbound();
    try {
      assertThat(echo.statusCode()).isEqualTo(1013);
    } finally {
      echo.release();
    }
    assertThat(ch.isOpen()).isFalse();
    assertThat(sink.closed).isTrue();
    assertThat(sink.messages).isEmpty();
    assertFalse(ch.finish());
  }

  @Test
  void aMaskedFrameFromTheServerFailsTheConnection() {
    Recorder sink = new Recorder();
    EmbeddedChannel ch = new EmbeddedChannel(new FrameReader(sink));
    ch.writeInbound(frame(true, TEXT, "x".getBytes(StandardCharsets.US_ASCII), true));
    assertThat(sink.failures).singleElement().asString().contains("masked");
    assertThat(ch.isOpen()).isFalse();
    assertThat(sink.closed).isTrue();
    assertFalse(ch.finish());
  }

  @Test
  void releasesAnUnfinishedFragmentedMessageWhenTheConnectionEnds() {
    Recorder sink = new Recorder();
    EmbeddedChannel ch = new EmbeddedChannel(new FrameReader(sink));
    ch.writeInbound(frame(false, TEXT, "part".getBytes(StandardCharsets.US_ASCII), false));
    ch.close();
    assertThat(sink.closed).isTrue();
    assertThat(sink.messages).isEmpty();
    assertFalse(ch.finish());
  }
}
