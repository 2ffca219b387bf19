package dev.broadcastchat.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.ProtocolDetectionResult;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On a connection from a trusted proxy, looks at the first bytes for a PROXY protocol header (v1 or
 * v2): if there is one, decodes it and records the source it names as the client's address ({@link
 * ClientAddress#PROXIED_SOURCE}), counting the connection against that client's per-address limit
 * at once unless the source is a trusted proxy too (then its requests name the client); if not,
 * steps aside. Connections from anyone else never get this handler, so nobody else can claim an
 * address this way.
 *
 * <p>Sits at the head of the pipeline, before TLS; one per connection, on its event loop.
 */
final class ProxyProtocolDetector extends ByteToMessageDecoder {
  private static final Logger log = LoggerFactory.getLogger(ProxyProtocolDetector.class);

  private final ConnectionLimiter limiter;
  private final TrustedProxies trustedProxies;

  ProxyProtocolDetector(ConnectionLimiter limiter, TrustedProxies trustedProxies) {
    this.limiter = limiter;
    this.trustedProxies = trustedProxies;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    ProtocolDetectionResult<HAProxyProtocolVersion> result =
        HAProxyMessageDecoder.detectProtocol(in);
    switch (result.state()) {
      case NEEDS_MORE_DATA -> {}
      case INVALID -> ctx.pipeline().remove(this);
      case DETECTED -> {
        String name = ctx.name();
        ctx.pipeline().addAfter(name, "proxy-source", new ProxiedSource(limiter, trustedProxies));
        ctx.pipeline().addAfter(name, "proxy-protocol", new HAProxyMessageDecoder());
        ctx.pipeline().remove(this);
      }
    }
  }

  /** Takes the decoded header, records (and counts) its source, and leaves. */
  private static final class ProxiedSource extends SimpleChannelInboundHandler<HAProxyMessage> {
    private final ConnectionLimiter limiter;
    private final TrustedProxies trustedProxies;

    ProxiedSource(ConnectionLimiter limiter, TrustedProxies trustedProxies) {
      this.limiter = limiter;
      this.trustedProxies = trustedProxies;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, HAProxyMessage header) {
      if (header.command() == HAProxyCommand.PROXY && header.sourceAddress() != null) {
        try {
          InetSocketAddress source =
              new InetSocketAddress(
                  InetAddress.getByAddress(
                      NetUtil.createByteArrayFromIpAddressString(header.sourceAddress())),
                  header.sourcePort());
          ctx.channel().attr(ClientAddress.PROXIED_SOURCE).set(source);
          // Counted now, so that connections that never finish a request count too; the guard
          // finds the same client in every request and keeps this count and its verdict.
          if (ConnectionLimiter.verdict(ctx.channel()) == ConnectionLimiter.Verdict.CLIENT_PENDING
              && !trustedProxies.trusts(source.getAddress())) {
            limiter.countAs(ctx.channel(), source.getAddress());
          }
        } catch (UnknownHostException | RuntimeException e) {
          log.debug(
              "conn {} PROXY header with an unusable source {}",
              ctx.channel().id().asShortText(),
              header.sourceAddress());
        }
      }
      ctx.pipeline().remove(this);
    }
  }
}
