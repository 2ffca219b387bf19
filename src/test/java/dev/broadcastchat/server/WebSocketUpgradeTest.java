package dev.broadcastchat.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.broadcastchat.protocol.WireProtocol;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker13;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler.HandshakeComplete;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The upgrade on an embedded channel: the bytes it answers with and the pipeline it leaves. */
class WebSocketUpgradeTest {
  /** The key and answer from RFC 6455, section 1.3. */
  private static final String KEY = "dGhlIHNhbXBsZSBub25jZQ==";

  private static final String ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

  private static final WebSocketUpgrade UPGRADE = ChatServerInitializer.webSocketUpgrade(1024);

  private final List<HandshakeComplete> events = new ArrayList<>();
  private EmbeddedChannel channel;

  /** What handles the connection after the upgrade: records the event, greets if asked to. */
  private final class Session extends ChannelInboundHandlerAdapter {
    private final String greeting;

    Session(String greeting) {
      this.greeting = greeting;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof HandshakeComplete complete) {
        events.add(complete);
        if (greeting != null) {
          ctx.writeAndFlush(new TextWebSocketFrame(greeting));
        }
      }
    }
  }

  private void open(String greeting) {
    channel =
        new EmbeddedChannel(
            new HttpServerCodec(),
            new HttpObjectAggregator(8192),
            ChatServerInitializer.webSocketUpgrade(1024),
            new Session(greeting));
  }

  @AfterEach
  void close() {
    if (channel != null) {
      channel.finishAndReleaseAll();
    }
  }

  private void request(String headers) {
    channel.writeInbound(
        Unpooled.copiedBuffer(
            "GET /?room=a HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers + "\r\n",
            StandardCharsets.US_ASCII));
  }

  /** Everything written so far, as text. */
  private String written() {
    StringBuilder out = new StringBuilder();
    for (Object message; (message = channel.readOutbound()) != null; ) {
      ByteBuf bytes = (ByteBuf) message;
      out.append(bytes.toString(StandardCharsets.ISO_8859_1));
      bytes.release();
    }
    return out.toString();
  }

  @Test
  void answersWith101AndHandsOverAFramePipelineWithTheFirstFrameBehindTheResponse() {
    open("welcome");
    request(
        "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: "
            + KEY
            + "\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: other, "
            + WireProtocol.JSON_SUBPROTOCOL
            + "\r\n");

    String out = written();
    assertThat(out).startsWith("HTTP/1.1 101 Switching Protocols\r\n");
    assertThat(out)
        .contains("sec-websocket-accept: " + ACCEPT + "\r\n")
        .contains("sec-websocket-protocol: " + WireProtocol.JSON_SUBPROTOCOL + "\r\n");
    // An unmasked text frame of 7 bytes, right after the response's head.
    assertThat(out).endsWith("\r\n\r\n\u0081\u0007welcome");

    assertThat(events).hasSize(1);
    assertThat(events.get(0).requestUri()).isEqualTo("/?room=a");
    assertThat(events.get(0).selectedSubprotocol()).isEqualTo(WireProtocol.JSON_SUBPROTOCOL);
    assertThat(channel.pipeline().names())
        .contains(WebSocketUpgrade.FRAME_ENCODER, WebSocketUpgrade.FRAME_DECODER)
        .doesNotContain(FrameIntake.UTF8, FrameIntake.AGGREGATOR);
    assertThat(channel.pipeline().get(HttpServerCodec.class)).isNull();
    assertThat(channel.pipeline().get(HttpObjectAggregator.class)).isNull();
    assertThat(channel.pipeline().get(WebSocketUpgrade.class)).isNull();

    // Masked frames from the client now arrive as frames.
    channel.writeInbound(
        Unpooled.wrappedBuffer(new byte[] {(byte) 0x81, (byte) 0x82, 0, 0, 0, 0, 'h', 'i'}));
    TextWebSocketFrame frame = channel.readInbound();
    assertThat(frame.text()).isEqualTo("hi");
    frame.release();
  }

  @Test
  void aFrameInTheSameReadAsTheRequestReachesTheSessionAfterItStarted() {
    List<String> seen = new ArrayList<>();
    channel =
        new EmbeddedChannel(
            new HttpServerCodec(),
            new HttpObjectAggregator(8192),
            ChatServerInitializer.webSocketUpgrade(1024),
            new ChannelInboundHandlerAdapter() {
              @Override
              public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                if (evt instanceof HandshakeComplete) {
                  seen.add("started");
                }
              }

              @Override
              public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof TextWebSocketFrame frame) {
                  seen.add("frame " + frame.text());
                }
                ReferenceCountUtil.release(msg);
              }
            });
    byte[] request =
        ("GET /?room=a HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Key: "
                + KEY
                + "\r\nSec-WebSocket-Version: 13\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII);
    byte[] frame = {(byte) 0x81, (byte) 0x82, 0, 0, 0, 0, 'h', 'i'};
    channel.writeInbound(Unpooled.wrappedBuffer(request, frame));

    assertThat(written()).startsWith("HTTP/1.1 101 Switching Protocols\r\n");
    assertThat(seen).containsExactly("started", "frame hi");
  }

  @Test
  void theResponseLeavesEvenWhenNothingIsWrittenBehindIt() {
    open(null);
    request(
        "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: "
            + KEY
            + "\r\nSec-WebSocket-Version: 13\r\n");

    String out = written();
    assertThat(out).startsWith("HTTP/1.1 101 Switching Protocols\r\n").endsWith("\r\n\r\n");
    assertThat(out).doesNotContainIgnoringCase("sec-websocket-protocol");
    assertThat(events).hasSize(1);
    assertThat(events.get(0).selectedSubprotocol()).isNull();
  }

  /** The prepared response is what Netty's handshaker and HTTP encoder would have written. */
  @Test
  void theResponseIsByteForByteNettysForAnyKeyAndSubprotocol() {
    String[] keys = {
      KEY, "x3JJHMbDL1EzLkh9GBhXDw==", "", "not base64 at all \u00e9", "AQIDBAUGBwgJCgsMDQ4PEC=="
    };
    String[] offered = {
      null, WireProtocol.JSON_SUBPROTOCOL, "a, b", "b ,  " + WireProtocol.JSON_SUBPROTOCOL
    };
    for (String key : keys) {
      for (String protocols : offered) {
        assertSameResponseAsNettys(key, protocols);
      }
    }
  }

  /**
   * Our response to an upgrade request with {@code key} and {@code protocols} (null for no header)
   * is byte for byte what Netty's version 13 handshaker and HTTP encoder write. Header values are
   * taken as they are, unchecked, as the HTTP decoder would hand them over.
   */
  static void assertSameResponseAsNettys(String key, String protocols) {
    DefaultFullHttpRequest request =
        new DefaultFullHttpRequest(
            HttpVersion.HTTP_1_1,
            HttpMethod.GET,
            "/",
            Unpooled.EMPTY_BUFFER,
            DefaultHttpHeadersFactory.headersFactory().withValidation(false),
            DefaultHttpHeadersFactory.trailersFactory().withValidation(false));
    request
        .headers()
        .set(HttpHeaderNames.UPGRADE, "websocket")
        .set(HttpHeaderNames.CONNECTION, "Upgrade")
        .set(HttpHeaderNames.SEC_WEBSOCKET_KEY, key)
        .set(HttpHeaderNames.SEC_WEBSOCKET_VERSION, "13");
    if (protocols != null) {
      request.headers().set(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL, protocols);
    }
    EmbeddedChannel netty =
        new EmbeddedChannel(new HttpRequestDecoder(), new HttpResponseEncoder());
    new WebSocketServerHandshaker13(
            "ws://127.0.0.1/",
            WireProtocol.JSON_SUBPROTOCOL,
            WebSocketDecoderConfig.newBuilder().build())
        .handshake(netty, request);
    ByteBuf expected = Unpooled.buffer();
    for (ByteBuf part; (part = netty.readOutbound()) != null; ) {
      expected.writeBytes(part);
      part.release();
    }
    netty.finishAndReleaseAll();
    ByteBuf ours =
        WebSocketUpgrade.response(
            UnpooledByteBufAllocator.DEFAULT,
            WebSocketUpgrade.checkedKey(request),
            UPGRADE.select(protocols));
    try {
      assertThat(ours.toString(StandardCharsets.ISO_8859_1))
          .as("key %s, subprotocols %s", key, protocols)
          .isEqualTo(expected.toString(StandardCharsets.ISO_8859_1));
    } finally {
      ours.release();
      expected.release();
      request.release();
    }
  }

  @Test
  void anotherVersionOrNoneGets426WithOurs() {
    open("welcome");
    request(
        "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: "
            + KEY
            + "\r\nSec-WebSocket-Version: 8\r\n");
    assertThat(written())
        .startsWith("HTTP/1.1 426 Upgrade Required\r\n")
        .containsIgnoringCase("sec-websocket-version: 13\r\n");
    // Version 00 had no version header.
    request("Upgrade: websocket\r\nConnection: Upgrade\r\n");
    assertThat(written()).startsWith("HTTP/1.1 426 Upgrade Required\r\n");
    assertThat(events).isEmpty();
    assertThat(channel.isOpen()).isTrue();
    assertThat(channel.pipeline().get(HttpServerCodec.class)).isNotNull();
  }

  @Test
  void aMalformedRequestGets400AndTheConnectionEnds() {
    open("welcome");
    request("Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n");
    String out = written();
    assertThat(out).startsWith("HTTP/1.1 400 Bad Request\r\n").contains("missing key");
    assertThat(events).isEmpty();
    assertThat(channel.isOpen()).isFalse();
  }

  @Test
  void withoutUpgradeHeadersItIs400AsNettysHandshakerSaysIt() {
    open("welcome");
    request(
        "Connection: Upgrade\r\nSec-WebSocket-Key: " + KEY + "\r\nSec-WebSocket-Version: 13\r\n");
    assertThat(written())
        .startsWith("HTTP/1.1 400 Bad Request\r\n")
        .contains("an |Upgrade| header must containing the value 'websocket'");
    assertThat(events).isEmpty();
    assertThat(channel.isOpen()).isFalse();
    channel.finishAndReleaseAll();

    open("welcome");
    request(
        "Upgrade: websocket\r\nConnection: keep-alive\r\nSec-WebSocket-Key: "
            + KEY
            + "\r\nSec-WebSocket-Version: 13\r\n");
    assertThat(written()).startsWith("HTTP/1.1 400 Bad Request\r\n").contains("|Connection|");
    assertThat(events).isEmpty();
  }
}
