package dev.broadcastchat.server;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * Where a connection really comes from: the TCP peer, or, when that peer is a trusted proxy, the
 * source its PROXY protocol header named, then the right-most untrusted {@code X-Forwarded-For}
 * entry (see {@link TrustedProxies#clientAddress}).
 */
final class ClientAddress {
  /** The source address a trusted proxy's PROXY protocol header gave for the connection. */
  static final AttributeKey<InetSocketAddress> PROXIED_SOURCE =
      AttributeKey.valueOf(ClientAddress.class, "proxiedSource");

  private ClientAddress() {}

  /** The client's address for {@code channel}, given its request's X-Forwarded-For values. */
  static InetSocketAddress of(Channel channel, TrustedProxies trusted, List<String> forwardedFor) {
    // hasAttr first: attr() would give every connection an empty attribute to hold.
    InetSocketAddress peer =
        channel.hasAttr(PROXIED_SOURCE) ? channel.attr(PROXIED_SOURCE).get() : null;
    if (peer == null) {
      peer = (InetSocketAddress) channel.remoteAddress();
    }
    return trusted.clientAddress(peer, forwardedFor);
  }
}
