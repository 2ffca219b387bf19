package dev.broadcastchat.server;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.Utf8FrameValidator;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;

/**
 * What the handler at the end of a WebSocket pipeline does with each frame the decoder gives it
 * before handling it: text in one frame is checked for UTF-8 right there ({@link Utf8Check}), and a
 * message in fragments is handed to a UTF-8 check and an aggregator that are put in front of the
 * handler when the first fragment arrives, and stay.
 *
 * <p>Nearly every chat message is one frame, so most connections never hold those two handlers
 * (with their pipeline contexts, about 0.2 KB each connection) and their frames never pass through
 * them. A fragmented message gets exactly the checks it got before: the UTF-8 check fails fast,
 * fragment by fragment, and the aggregator caps the whole message.
 */
final class FrameIntake {
  static final String UTF8 = "ws-utf8";
  static final String AGGREGATOR = "ws-aggregator";

  /** What Netty's UTF-8 check says of text that is not UTF-8. */
  static final String NOT_UTF8 = "bytes are not UTF-8";

  private FrameIntake() {}

  /**
   * Whether the handler of {@code ctx} should handle {@code frame} now. If not, the frame is no
   * longer the caller's: it starts a fragmented message, so the fragment handlers were put between
   * the decoder ({@link WebSocketUpgrade#FRAME_DECODER}) and the handler, and the frame sent
   * through them (the message comes back whole, once complete). Call only until it has said false
   * once (from then on the fragment handlers check and join every data frame).
   *
   * @param maxMessageBytes the most a message in fragments may hold in all
   * @throws CorruptedWebSocketFrameException (1007) for text in one frame that is not UTF-8, after
   *     a close frame saying so was sent and the connection set to close; the frame is released
   */
  static boolean admit(ChannelHandlerContext ctx, WebSocketFrame frame, int maxMessageBytes) {
    if (!frame.isFinalFragment() || frame instanceof ContinuationWebSocketFrame) {
      ChannelPipeline p = ctx.pipeline();
      ChannelHandlerContext decoder = p.context(WebSocketUpgrade.FRAME_DECODER);
      if (decoder == null) {
        frame.release();
        throw new IllegalStateException(
            "no " + WebSocketUpgrade.FRAME_DECODER + " in " + p.names());
      }
      p.addBefore(ctx.name(), UTF8, new Utf8FrameValidator(true));
      p.addBefore(ctx.name(), AGGREGATOR, new WebSocketFrameAggregator(maxMessageBytes));
      // From the decoder on, as if the two had been there all along: the UTF-8 check first.
      decoder.fireChannelRead(frame);
      return false;
    }
    if (frame instanceof TextWebSocketFrame && !Utf8Check.isUtf8(frame.content())) {
      frame.release();
      // As Netty's UTF-8 check answers: the close frame, then the end, whatever the peer says.
      if (ctx.channel().isOpen()) {
        ctx.writeAndFlush(
                new CloseWebSocketFrame(WebSocketCloseStatus.INVALID_PAYLOAD_DATA.code(), NOT_UTF8))
            .addListener(ChannelFutureListener.CLOSE);
      }
      throw new CorruptedWebSocketFrameException(
          WebSocketCloseStatus.INVALID_PAYLOAD_DATA, NOT_UTF8);
    }
    return true;
  }
}
