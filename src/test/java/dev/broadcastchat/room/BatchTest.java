package dev.broadcastchat.room;

import static org.assertj.core.api.Assertions.assertThat;

import dev.broadcastchat.protocol.ChatMessage;
import dev.broadcastchat.protocol.ServerEvent;
import dev.broadcastchat.protocol.WireProtocol;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class BatchTest {
  private final ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
  private final List<Envelope> envelopes = new ArrayList<>();

  @AfterEach
  void releaseEnvelopes() {
    envelopes.forEach(Envelope::release);
  }

  @Test
  void joinsEveryFrameOfAProtocolInOrderIntoOneBufferAClientDecodesFrameByFrame() {
    Batch batch =
        batchOf(
            message(7, "one"),
            Envelope.encode(alloc, new ServerEvent.Pong(), Envelope.NO_SEQ, true, true),
            message(8, "two"));
    try {
      // The text protocol shows nothing for a pong: two frames; JSON shows all three.
      assertThat(decode(batch.frames(WireProtocol.TEXT)))
          .containsExactly("alice: one", "alice: two");
      assertThat(decode(batch.frames(WireProtocol.JSON)))
          .hasSize(3)
          .element(1)
          .isEqualTo("{\"type\":\"pong\"}");
      assertThat(batch.minSeq()).isEqualTo(7);
    } finally {
      batch.release();
    }
  }

  @Test
  void hasNoFramesForAProtocolThatShowsNoneOfTheBroadcasts() {
    Batch batch =
        batchOf(Envelope.encode(alloc, new ServerEvent.Live(), Envelope.NO_SEQ, true, false));
    try {
      assertThat(batch.frames(WireProtocol.TEXT)).isNull();
      assertThat(batch.minSeq()).isEqualTo(Envelope.NO_SEQ);
    } finally {
      batch.release();
    }
  }

  private Envelope message(long seq, String text) {
    ChatMessage m =
        new ChatMessage("e-" + seq, seq, "lobby", "alice", "127.0.0.1:1", text, 0L, false);
    return Envelope.encode(alloc, new ServerEvent.Message(m, false), seq, true, true);
  }

  private Batch batchOf(Envelope... list) {
    Stream.of(list).forEach(envelopes::add);
    return new Batch(list, list.length, alloc);
  }

  private static List<String> decode(ByteBuf joined) {
    EmbeddedChannel client =
        new EmbeddedChannel(
            new WebSocket13FrameDecoder(
                WebSocketDecoderConfig.newBuilder().expectMaskedFrames(false).build()));
    client.writeInbound(joined.retainedDuplicate());
    List<String> texts = new ArrayList<>();
    TextWebSocketFrame frame;
    while ((frame = client.readInbound()) != null) {
      texts.add(frame.text());
      frame.release();
    }
    client.finishAndReleaseAll();
    return texts;
  }
}
