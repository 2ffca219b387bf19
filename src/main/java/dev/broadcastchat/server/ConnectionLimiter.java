package dev.broadcastchat.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.util.AttributeKey;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts open connections, in all and per client address, against {@code --max-connections} and
 * {@code --max-connections-per-ip}. Every connection is counted from its first moment ({@link
 * #open}) to its close ({@link #close}), refused ones too while they are being answered.
 *
 * <p>The client address is the TCP peer's, except behind a trusted proxy, where every client shares
 * the proxy's address: such a connection is counted against the client its PROXY protocol header
 * names as soon as that has arrived, else against the client each request names ({@code
 * X-Forwarded-For}; see {@link ClientAddress}) through {@link #countAs}. A proxy may carry several
 * clients' requests over one connection in turn, so the count moves with the request.
 *
 * <p>An IPv6 client counts by its /64 network, since one client commonly holds a whole /64; an IPv4
 * client by its address. Thread-safe.
 */
final class ConnectionLimiter {
  /** Whether a new connection is within the limits. */
  enum Verdict {
    OK,
    TOO_MANY,
    TOO_MANY_FROM_ADDRESS,
    /**
     * Within the total; the peer is a trusted proxy, so the per-address count follows the client
     * each request names ({@link #countAs}).
     */
    CLIENT_PENDING
  }

  /** A connection's verdict from {@link #open}, where it is not {@link Verdict#OK}. */
  private static final AttributeKey<Verdict> VERDICT = AttributeKey.valueOf("chat.verdict");

  /** Where a connection from a trusted proxy is counted now. */
  private static final AttributeKey<ProxiedCount> PROXIED_COUNT =
      AttributeKey.valueOf(ConnectionLimiter.class, "proxiedCount");

  private final int maxTotal;
  private final int maxPerAddress;
  private final TrustedProxies trustedProxies;
  private final AtomicInteger total = new AtomicInteger();

  /** Open connections per client key; an entry leaves when its count reaches 0. */
  private final ConcurrentMap<InetAddress, Integer> perAddress = new ConcurrentHashMap<>();

  ConnectionLimiter(int maxTotal, int maxPerAddress, TrustedProxies trustedProxies) {
    this.maxTotal = maxTotal;
    this.maxPerAddress = maxPerAddress;
    this.trustedProxies = trustedProxies;
  }

  /**
   * Counts {@code channel} and says whether it is within the limits; {@link #verdict} gives the
   * answer again later. The count lasts until {@link #close} is called for the channel, which its
   * pipeline does when the channel goes inactive: that costs a connection nothing, where a listener
   * on its close future would cost it one (and, next to the channel group's, a list to hold both).
   */
  Verdict open(Channel channel) {
    InetAddress peer = peer(channel);
    Verdict verdict = withoutAddress(total.incrementAndGet(), peer);
    if (verdict == null) {
      int fromAddress = acquire(key(peer));
      verdict = fromAddress > maxPerAddress ? Verdict.TOO_MANY_FROM_ADDRESS : Verdict.OK;
    }
    if (verdict != Verdict.OK) {
      // Only the exceptions are recorded: an attribute costs every connection that holds one.
      channel.attr(VERDICT).set(verdict);
    }
    return verdict;
  }

  /**
   * Gives back what {@link #open} counted for {@code channel}; call once, when it has closed. A
   * count {@link #countAs} moved to a proxied client is given back by itself.
   */
  void close(Channel channel) {
    total.decrementAndGet();
    InetAddress peer = peer(channel);
    // Open counted the peer's address by the same rule, unless the total was already over.
    if (verdict(channel) != Verdict.TOO_MANY && countedByPeer(peer)) {
      release(key(peer));
    }
  }

  /** {@code channel}'s standing against the connection limits since it opened. */
  static Verdict verdict(Channel channel) {
    // hasAttr first: attr() would give every connection an empty attribute to hold.
    return channel.hasAttr(VERDICT) ? channel.attr(VERDICT).get() : Verdict.OK;
  }

  private static InetAddress peer(Channel channel) {
    return channel.remoteAddress() instanceof InetSocketAddress inet ? inet.getAddress() : null;
  }

  /**
   * The verdict when a connection counts only in the total, or null when its address counts too.
   */
  private Verdict withoutAddress(int openNow, InetAddress peer) {
    if (openNow > maxTotal) {
      return Verdict.TOO_MANY;
    }
    if (countedByPeer(peer)) {
      return null;
    }
    // Not counted by its address: the limit is off, or the peer is a trusted proxy.
    return maxPerAddress <= 0 || peer == null ? Verdict.OK : Verdict.CLIENT_PENDING;
  }

  /** Whether a connection from {@code peer} counts against the peer's own address. */
  private boolean countedByPeer(InetAddress peer) {
    return maxPerAddress > 0 && peer != null && !trustedProxies.trusts(peer);
  }

  /**
   * Counts {@code channel}, a connection whose {@link #open} said {@link Verdict#CLIENT_PENDING},
   * against {@code client} until it closes or is counted against another client, and says whether
   * it is within the limit there. Called again with the same client it keeps the count and the
   * verdict it had. Call on the channel's event loop.
   */
  Verdict countAs(Channel channel, InetAddress client) {
    InetAddress key = key(client);
    ProxiedCount count = channel.attr(PROXIED_COUNT).get();
    if (count == null) {
      count = new ProxiedCount();
      channel.attr(PROXIED_COUNT).set(count);
      channel.closeFuture().addListener(count);
    } else if (key.equals(count.key)) {
      return count.verdict;
    }
    if (count.closed) {
      return Verdict.OK; // closed already: nothing left to count
    }
    int fromAddress = acquire(key);
    if (count.key != null) {
      release(count.key);
    }
    count.key = key;
    count.verdict = fromAddress > maxPerAddress ? Verdict.TOO_MANY_FROM_ADDRESS : Verdict.OK;
    return count.verdict;
  }

  /** Connections open now. */
  int open() {
    return total.get();
  }

  /** Connections open now counted against {@code address} (or its /64, for IPv6). */
  int openFrom(InetAddress address) {
    return perAddress.getOrDefault(key(address), 0);
  }

  private int acquire(InetAddress key) {
    return perAddress.merge(key, 1, Integer::sum);
  }

  private void release(InetAddress key) {
    perAddress.computeIfPresent(key, (k, count) -> count <= 1 ? null : count - 1);
  }

  /** What {@code address} is counted as: itself for IPv4, its /64 network for IPv6. */
  static InetAddress key(InetAddress address) {
    if (!(address instanceof Inet6Address)) {
      return address;
    }
    byte[] bytes = address.getAddress();
    for (int i = 8; i < bytes.length; i++) {
      bytes[i] = 0;
    }
    try {
      return InetAddress.getByAddress(bytes);
    } catch (UnknownHostException impossible) {
      throw new AssertionError(impossible);
    }
  }

  /** A proxied connection's current count, released once it closes. */
  private final class ProxiedCount implements ChannelFutureListener {
    private InetAddress key;
    private Verdict verdict;
    private boolean closed;

    @Override
    public void operationComplete(ChannelFuture future) {
      closed = true;
      if (key != null) {
        release(key);
        key = null;
      }
    }
  }
}
