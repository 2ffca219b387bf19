package dev.broadcastchat.room;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class WebSocketFramesTest {

  /** Netty's own client-side decoder must read back exactly the text, for every length form. */
  @ParameterizedTest
  @ValueSource(ints = {0, 1, 125, 126, 127, 65535, 65536, 200_000})
  void encodesTextFramesThatAClientDecoderReadsBack(int length) {
    String text = "é".repeat(length / 2) + "x".repeat(length % 2);
    ByteBuf frame = WebSocketFrames.text(ByteBufAllocator.DEFAULT, text);
    EmbeddedChannel client =
        new EmbeddedChannel(
            new WebSocket13FrameDecoder(
                WebSocketDecoderConfig.newBuilder()
                    .expectMaskedFrames(false)
                    .maxFramePayloadLength(1 << 20)
                    .build()));
    client.writeInbound(frame);
    TextWebSocketFrame decoded = client.readInbound();
    try {
      assertThat(decoded.isFinalFragment()).isTrue();
      assertThat(decoded.text()).isEqualTo(text);
    } finally {
      decoded.release();
    }
    assertFalse(client.finish());
  }
}
