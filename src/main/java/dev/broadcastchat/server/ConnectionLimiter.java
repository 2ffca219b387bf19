package dev.broadcastchat.server;

import io.netty.channel.Channel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts open connections, in all and per client address, against {@code --max-connections} and
 * {@code --max-connections-per-ip}. Every connection is counted from its first moment to its close,
 * refused ones too while they are being answered.
 *
 * <p>The client address is the TCP peer's, except behind a trusted proxy, where every client shares
 * the proxy's address: such a connection is counted against the address its request names (PROXY
 * protocol, {@code X-Forwarded-For}; see {@link ClientAddress}), once that request has arrived
 * ({@link #countClient}). Thread-safe.
 */
final class ConnectionLimiter {
  /** Whether a new connection is within the limits. */
  enum Verdict {
    OK,
    TOO_MANY,
    TOO_MANY_FROM_ADDRESS,
    /**
     * Within the total; the peer is a trusted proxy, so the per-address count waits for the request
     * that names the client.
     */
    CLIENT_PENDING
  }

  private final int maxTotal;
  private final int maxPerAddress;
  private final TrustedProxies trustedProxies;
  private final AtomicInteger total = new AtomicInteger();
  private final ConcurrentMap<InetAddress, AtomicInteger> perAddress = new ConcurrentHashMap<>();

  ConnectionLimiter(int maxTotal, int maxPerAddress, TrustedProxies trustedProxies) {
    this.maxTotal = maxTotal;
    this.maxPerAddress = maxPerAddress;
    this.trustedProxies = trustedProxies;
  }

  /** Counts {@code channel} until it closes and says whether it is within the limits. */
  Verdict open(Channel channel) {
    InetAddress peer =
        channel.remoteAddress() instanceof InetSocketAddress inet ? inet.getAddress() : null;
    int now = total.incrementAndGet();
    channel.closeFuture().addListener(f -> total.decrementAndGet());
    if (now > maxTotal) {
      return Verdict.TOO_MANY;
    }
    if (maxPerAddress <= 0 || peer == null) {
      return Verdict.OK;
    }
    if (trustedProxies.trusts(peer)) {
      return Verdict.CLIENT_PENDING;
    }
    return countClient(channel, peer);
  }

  /**
   * Counts {@code channel} against {@code client}'s address until it closes: for a connection whose
   * {@link #open} said {@link Verdict#CLIENT_PENDING}, once its request named the client. Call at
   * most once per connection.
   */
  Verdict countClient(Channel channel, InetAddress client) {
    int fromAddress =
        perAddress.computeIfAbsent(client, a -> new AtomicInteger()).incrementAndGet();
    channel.closeFuture().addListener(f -> release(client));
    return fromAddress > maxPerAddress ? Verdict.TOO_MANY_FROM_ADDRESS : Verdict.OK;
  }

  private void release(InetAddress address) {
    perAddress.computeIfPresent(address, (a, count) -> count.decrementAndGet() <= 0 ? null : count);
  }

  /** Connections open now. */
  int open() {
    return total.get();
  }

  /** Connections open now counted against {@code address}. */
  int openFrom(InetAddress address) {
    AtomicInteger count = perAddress.get(address);
    return count == null ? 0 : count.get();
  }
}
