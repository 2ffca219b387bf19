package dev.broadcastchat.server;

import io.netty.channel.Channel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts open connections, in all and per remote address, against {@code --max-connections} and
 * {@code --max-connections-per-ip}. Every connection is counted from its first moment to its close,
 * refused ones too while they are being answered. Thread-safe.
 */
final class ConnectionLimiter {
  /** Whether a new connection is within the limits. */
  enum Verdict {
    OK,
    TOO_MANY,
    TOO_MANY_FROM_ADDRESS
  }

  private final int maxTotal;
  private final int maxPerAddress;
  private final AtomicInteger total = new AtomicInteger();
  private final ConcurrentMap<InetAddress, AtomicInteger> perAddress = new ConcurrentHashMap<>();

  ConnectionLimiter(int maxTotal, int maxPerAddress) {
    this.maxTotal = maxTotal;
    this.maxPerAddress = maxPerAddress;
  }

  /** Counts {@code channel} until it closes and says whether it is within the limits. */
  Verdict open(Channel channel) {
    InetAddress address =
        channel.remoteAddress() instanceof InetSocketAddress inet ? inet.getAddress() : null;
    int now = total.incrementAndGet();
    int fromAddress = 0;
    if (maxPerAddress > 0 && address != null) {
      fromAddress = perAddress.computeIfAbsent(address, a -> new AtomicInteger()).incrementAndGet();
    }
    channel.closeFuture().addListener(f -> release(address));
    if (now > maxTotal) {
      return Verdict.TOO_MANY;
    }
    if (maxPerAddress > 0 && fromAddress > maxPerAddress) {
      return Verdict.TOO_MANY_FROM_ADDRESS;
    }
    return Verdict.OK;
  }

  private void release(InetAddress address) {
    total.decrementAndGet();
    if (maxPerAddress > 0 && address != null) {
      perAddress.computeIfPresent(
          address, (a, count) -> count.decrementAndGet() <= 0 ? null : count);
    }
  }

  /** Connections open now. */
  int open() {
    return total.get();
  }
}
