package dev.broadcastchat.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.ImmediateEventExecutor;
import io.netty.util.concurrent.Promise;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class HandshakeHandlerTest {
  private static final String KEY = "dGhlIHNhbXBsZSBub25jZQ==";

  private final HandshakeRequest request =
      HandshakeRequest.of(URI.create("ws://127.0.0.1:9100/?room=bench"), KEY);
  private final Promise<BenchClient> done = ImmediateEventExecutor.INSTANCE.newPromise();

  private EmbeddedChannel channel() {
    EmbeddedChannel ch = new EmbeddedChannel();
    BenchClient client = new BenchClient(Run.start(64), 0);
    ch.pipeline()
        .addLast("handshake", new HandshakeHandler(request, client, LoopStats::new, done, 10_000));
    // The channel was active before the handler came: tell it, as a new connection would.
    ch.pipeline().fireChannelActive();
    ByteBuf sent = ch.readOutbound();
    assertThat(sent.toString(StandardCharsets.US_ASCII)).startsWith("GET /?room=bench HTTP/1.1");
    sent.release();
    return ch;
  }

  private static ByteBuf ascii(String s) {
    return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
  }

  @Test
  void aResponseInPiecesIsGatheredAndWhatFollowsItGoesToTheFrameReader() {
    EmbeddedChannel ch = channel();
    ch.writeInbound(ascii("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"));
    assertThat(done.isDone()).isFalse();
    ch.writeInbound(ascii("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
    assertThat(done.isDone()).isFalse();
    // The end of the head and a whole text frame ("hi") in the same read.
    ByteBuf rest = ascii("\r\n\r\n");
    rest.writeBytes(new byte[] {(byte) 0x81, 2, 'h', 'i'});
    ch.writeInbound(rest);

    assertThat(done.isSuccess()).isTrue();
    assertThat(ch.pipeline().get("handshake")).isNull();
    assertThat(ch.pipeline().get("frames")).isInstanceOf(FrameReader.class);
    assertThat(ch.finishAndReleaseAll()).isFalse();
  }

  @Test
  void aRefusalFailsTheHandshakeAndClosesTheConnection() {
    EmbeddedChannel ch = channel();
    ch.writeInbound(ascii("HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n"));
    assertThat(done.isSuccess()).isFalse();
    assertThat(done.cause()).hasMessage("Invalid handshake response: HTTP/1.1 403 Forbidden");
    assertThat(ch.isOpen()).isFalse();
    ch.finishAndReleaseAll();
  }
}
