package dev.broadcastchat.server;

import static io.netty.handler.codec.http.HttpHeaderNames.SEC_WEBSOCKET_KEY;
import static io.netty.handler.codec.http.HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL;
import static io.netty.handler.codec.http.HttpHeaderNames.SEC_WEBSOCKET_VERSION;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.util.concurrent.FastThreadLocal;
import java.nio.charset.StandardCharsets;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * Answers an upgrade request that got this far (the guard let it through) and turns the connection
 * into a WebSocket one (RFC 6455, version 13): the 101 response, then the frame codecs in place of
 * HTTP, and a {@link WebSocketServerProtocolHandler.HandshakeComplete} event for whatever handles
 * the connection from there on.
 *
 * <p>Unlike Netty's {@code WebSocketServerProtocolHandler}, the response is written but not
 * flushed: whoever handles the event writes its first frames behind it and flushes once, so that a
 * new connection costs one write instead of two. The request is checked as Netty's version 13
 * handshaker checks it, and the response is written straight into one buffer, the same bytes
 * Netty's response object and HTTP encoder would give, without making either per connection. A
 * request of another version gets 426 with the version this server speaks; a malformed one gets 400
 * and is closed. Stateless and shared.
 */
@ChannelHandler.Sharable
final class WebSocketUpgrade extends SimpleChannelInboundHandler<FullHttpRequest> {
  static final String FRAME_ENCODER = "ws-encoder";
  static final String FRAME_DECODER = "ws-decoder";
  private static final String BEHIND_REQUEST = "ws-bytes-behind-request";

  /** The response up to the accept key, in the HTTP encoder's lower-case header names. */
  private static final byte[] RESPONSE_HEAD =
      ("HTTP/1.1 101 Switching Protocols\r\n"
              + "upgrade: websocket\r\n"
              + "connection: upgrade\r\n"
              + "sec-websocket-accept: ")
          .getBytes(StandardCharsets.US_ASCII);

  private static final byte[] PROTOCOL_HEADER =
      "sec-websocket-protocol: ".getBytes(StandardCharsets.US_ASCII);

  private static final int CRLF = ('\r' << 8) | '\n';

  /** Base64 of a 20-byte SHA-1 digest. */
  private static final int ACCEPT_LENGTH = 28;

  private final String[] supported;
  private final WebSocketDecoderConfig decoderConfig;
  private final Refusals refusals;

  /**
   * @param subprotocols the subprotocols offered, comma-separated, or null for none
   * @param decoderConfig how incoming frames are read and checked
   * @param refusals where the requests refused here are counted and logged
   */
  WebSocketUpgrade(String subprotocols, WebSocketDecoderConfig decoderConfig, Refusals refusals) {
    this.supported = subprotocols == null ? new String[0] : trimmed(subprotocols.split(","));
    this.decoderConfig = decoderConfig;
    this.refusals = refusals;
  }

  private static String[] trimmed(String[] names) {
    for (int i = 0; i < names.length; i++) {
      names[i] = names[i].trim();
    }
    return names;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    HttpHeaders headers = request.headers();
    String version = headers.get(SEC_WEBSOCKET_VERSION);
    if (!WebSocketVersion.V13.toHttpHeaderValue().equals(version)) {
      refused(
          ctx,
          Refusals.Reason.WEBSOCKET_VERSION,
          HttpResponseStatus.UPGRADE_REQUIRED,
          "unsupported WebSocket version: " + version);
      WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel());
      return;
    }
    String key;
    try {
      key = checkedKey(request);
    } catch (WebSocketHandshakeException e) {
      refused(ctx, Refusals.Reason.BAD_REQUEST, HttpResponseStatus.BAD_REQUEST, e.getMessage());
      HttpRequestHandler.respond(
          ctx, request, HttpResponseStatus.BAD_REQUEST, e.getMessage() + "\n", false);
      return;
    }
    String subprotocol = select(headers.get(SEC_WEBSOCKET_PROTOCOL));
    ChannelPipeline p = ctx.pipeline();
    String http = p.context(HttpServerCodec.class).name();
    if (p.get(HttpObjectAggregator.class) != null) {
      p.remove(HttpObjectAggregator.class);
    }
    p.addBefore(http, FRAME_ENCODER, new WebSocket13FrameEncoder(false));
    // The frame decoder goes behind the HTTP codec, with a holder between them: bytes the client
    // sent right behind its request (frames it did not wait for the 101 to send) are in the
    // codec's buffer, and the codec hands them on to what follows it when it is removed.
    p.addAfter(http, FRAME_DECODER, new WebSocket13FrameDecoder(decoderConfig));
    p.addAfter(http, BEHIND_REQUEST, new BytesBehindTheRequest());
    // The HTTP codec goes first: the response is written as the bytes it would have encoded.
    p.remove(http);
    ctx.write(response(ctx.alloc(), key, subprotocol));
    p.remove(this);
    p.context(FRAME_DECODER)
        .fireUserEventTriggered(
            new WebSocketServerProtocolHandler.HandshakeComplete(
                request.uri(), headers, subprotocol));
    // The session has started: the bytes held, if any, go to the frame decoder now.
    p.remove(BEHIND_REQUEST);
    // The response leaves now at the latest, with whatever the event's handlers wrote behind it.
    ctx.channel().flush();
  }

  /** Counts and logs an upgrade refused here, as the guard does the ones it refuses. */
  private void refused(
      ChannelHandlerContext ctx, Refusals.Reason reason, HttpResponseStatus status, String why) {
    refusals.refused(
        reason,
        ctx.channel(),
        status.code() + " " + (why.length() <= 80 ? why : why.substring(0, 80) + "..."));
  }

  /**
   * Holds what the HTTP codec had read beyond the upgrade request until the connection's session
   * has started, and hands it to the frame decoder when removed, so that a message sent right
   * behind the request is neither lost nor read before there is a session to take it.
   */
  private static final class BytesBehindTheRequest extends ChannelInboundHandlerAdapter {
    private ByteBuf held;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof ByteBuf bytes) {
        held =
            held == null ? bytes : ctx.alloc().compositeBuffer().addComponents(true, held, bytes);
      } else {
        ctx.fireChannelRead(msg);
      }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      // Passed on when the held bytes are, if any are.
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
      ByteBuf bytes = held;
      held = null;
      if (bytes != null) {
        ctx.fireChannelRead(bytes);
        ctx.fireChannelReadComplete();
      }
    }
  }

  /**
   * The request's {@code Sec-WebSocket-Key}, once the request has passed RFC 6455's checks (those
   * of Netty's version 13 handshaker, with its messages).
   *
   * @throws WebSocketHandshakeException naming what is wrong with the request
   */
  static String checkedKey(HttpRequest request) {
    if (!HttpMethod.GET.equals(request.method())) {
      throw new WebSocketHandshakeException(
          "Invalid WebSocket handshake method: " + request.method());
    }
    HttpHeaders headers = request.headers();
    if (!headers.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)) {
      throw new WebSocketHandshakeException(
          "not a WebSocket request: a |Connection| header must include a token 'Upgrade'");
    }
    if (!headers.contains(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)) {
      throw new WebSocketHandshakeException(
          "not a WebSocket request: an |Upgrade| header must containing the value 'websocket'");
    }
    String key = headers.get(SEC_WEBSOCKET_KEY);
    if (key == null) {
      throw new WebSocketHandshakeException("not a WebSocket request: missing key");
    }
    return key;
  }

  /** The first subprotocol the client asked for that this server speaks, or null. */
  String select(String requested) {
    if (requested == null || supported.length == 0) {
      return null;
    }
    for (String offered : requested.split(",")) {
      String name = offered.trim();
      for (String ours : supported) {
        if (ours.equals(name)) {
          return name;
        }
      }
    }
    return null;
  }

  /**
   * The 101 response, byte for byte what Netty's handshaker and HTTP encoder write, without the
   * response object, its header map and the encoding pass.
   */
  static ByteBuf response(ByteBufAllocator alloc, String key, String subprotocol) {
    ByteBuf out =
        alloc.buffer(
            RESPONSE_HEAD.length
                + ACCEPT_LENGTH
                + (subprotocol == null ? 0 : PROTOCOL_HEADER.length + subprotocol.length() + 2)
                + 4);
    out.writeBytes(RESPONSE_HEAD);
    AcceptKey.writeAccept(key, out);
    out.writeShort(CRLF);
    if (subprotocol != null) {
      out.writeBytes(PROTOCOL_HEADER);
      out.writeCharSequence(subprotocol, StandardCharsets.US_ASCII);
      out.writeShort(CRLF);
    }
    out.writeShort(CRLF);
    return out;
  }

  /**
   * {@code Sec-WebSocket-Accept}: the base64 of the SHA-1 of the key and RFC 6455's GUID, worked
   * out in buffers kept per event-loop thread.
   */
  private static final class AcceptKey {
    private static final byte[] GUID =
        "258EAFA5-E914-47DA-95CA-C5AB0DC85B11".getBytes(StandardCharsets.US_ASCII);

    private static final FastThreadLocal<AcceptKey> PER_THREAD =
        new FastThreadLocal<>() {
          @Override
          protected AcceptKey initialValue() throws NoSuchAlgorithmException {
            return new AcceptKey(MessageDigest.getInstance("SHA-1"));
          }
        };

    private final MessageDigest sha1;
    private final byte[] digest = new byte[20];
    private final byte[] base64 = new byte[ACCEPT_LENGTH];
    private byte[] keyBytes = new byte[64];

    private AcceptKey(MessageDigest sha1) {
      this.sha1 = sha1;
    }

    static void writeAccept(String key, ByteBuf out) {
      PER_THREAD.get().write(key, out);
    }

    private void write(String key, ByteBuf out) {
      int length = key.length();
      if (keyBytes.length < length) {
        keyBytes = new byte[length];
      }
      for (int i = 0; i < length; i++) {
        char c = key.charAt(i);
        // As String.getBytes(US_ASCII) does for the Latin-1 text the HTTP decoder makes.
        keyBytes[i] = c < 0x80 ? (byte) c : (byte) '?';
      }
      sha1.reset();
      sha1.update(keyBytes, 0, length);
      sha1.update(GUID);
      try {
        sha1.digest(digest, 0, digest.length);
      } catch (DigestException e) {
        throw new IllegalStateException("SHA-1 digest does not fit 20 bytes", e);
      }
      Base64.getEncoder().encode(digest, base64);
      out.writeBytes(base64);
    }
  }
}
