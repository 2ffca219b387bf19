package dev.broadcastchat.server;

import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * The addresses (single IPs or CIDR blocks, IPv4 and IPv6) of the proxies whose word on the client
 * address is believed: their {@code X-Forwarded-For} header, or their PROXY protocol header.
 *
 * <p>Immutable and thread-safe. Only literal addresses are accepted, so parsing never resolves a
 * name.
 */
public final class TrustedProxies {
  /** Trusts nobody: every connection is shown with its TCP peer's address. */
  public static final TrustedProxies NONE = new TrustedProxies(List.of(), "");

  private final List<Block> blocks;
  private final String spec;

  private TrustedProxies(List<Block> blocks, String spec) {
    this.blocks = List.copyOf(blocks);
    this.spec = spec;
  }

  /**
   * Parses a comma-separated list such as {@code 10.0.0.0/8,192.168.1.7,::1,fd00::/8}; blank is
   * {@link #NONE}.
   *
   * @throws IllegalArgumentException naming the entry that is not an address or CIDR block
   */
  public static TrustedProxies parse(String list) {
    if (list == null || list.isBlank()) {
      return NONE;
    }
    List<Block> blocks = new ArrayList<>();
    List<String> entries = new ArrayList<>();
    for (String raw : list.split(",")) {
      String entry = raw.trim();
      if (entry.isEmpty()) {
        continue;
      }
      blocks.add(Block.parse(entry));
      entries.add(entry);
    }
    return blocks.isEmpty() ? NONE : new TrustedProxies(blocks, String.join(",", entries));
  }

  /** Whether no proxy is trusted. */
  public boolean isEmpty() {
    return blocks.isEmpty();
  }

  /** Whether {@code address} is one of the trusted proxies. */
  public boolean trusts(InetAddress address) {
    if (address == null || blocks.isEmpty()) {
      return false;
    }
    byte[] bytes = address.getAddress();
    for (Block block : blocks) {
      if (block.contains(bytes)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The client's address for a connection from {@code peer} whose request carried the {@code
   * X-Forwarded-For} values {@code forwardedFor} (each a comma-separated list, in header order).
   *
   * <p>From an untrusted peer, or without the header, that is the peer itself. From a trusted one,
   * it is the right-most entry that is not itself a trusted proxy: every entry to the left of it
   * was written by a client that could have said anything. The port is the entry's own when it
   * carries one, else the peer's (the header has none; the peer's port still tells two connections
   * through one proxy apart).
   */
  public InetSocketAddress clientAddress(InetSocketAddress peer, List<String> forwardedFor) {
    if (forwardedFor.isEmpty() || !trusts(peer.getAddress())) {
      return peer;
    }
    List<String> hops = new ArrayList<>();
    for (String value : forwardedFor) {
      for (String hop : value.split(",")) {
        if (!hop.isBlank()) {
          hops.add(hop.trim());
        }
      }
    }
    InetSocketAddress chosen = peer;
    for (int i = hops.size() - 1; i >= 0; i--) {
      InetSocketAddress hop = parseHop(hops.get(i), peer.getPort());
      if (hop == null) {
        // Garbage written by someone we cannot vouch for: the last good hop is the best we know.
        break;
      }
      chosen = hop;
      if (!trusts(hop.getAddress())) {
        break;
      }
    }
    return chosen;
  }

  /** {@code 1.2.3.4}, {@code 1.2.3.4:5678}, {@code ::1}, {@code [::1]} or {@code [::1]:5678}. */
  static InetSocketAddress parseHop(String hop, int defaultPort) {
    String host = hop;
    int port = defaultPort;
    if (hop.startsWith("[")) {
      int close = hop.indexOf(']');
      if (close < 0) {
        return null;
      }
      host = hop.substring(1, close);
      String rest = hop.substring(close + 1);
      if (rest.startsWith(":")) {
        port = parsePort(rest.substring(1));
      } else if (!rest.isEmpty()) {
        return null;
      }
    } else if (hop.indexOf(':') >= 0 && hop.indexOf(':') == hop.lastIndexOf(':')) {
      host = hop.substring(0, hop.indexOf(':'));
      port = parsePort(hop.substring(hop.indexOf(':') + 1));
    }
    byte[] bytes = NetUtil.createByteArrayFromIpAddressString(host);
    if (bytes == null || port < 0) {
      return null;
    }
    try {
      return new InetSocketAddress(InetAddress.getByAddress(bytes), port);
    } catch (UnknownHostException e) {
      return null;
    }
  }

  private static int parsePort(String s) {
    try {
      int port = Integer.parseInt(s);
      return port >= 0 && port <= 65535 ? port : -1;
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  @Override
  public String toString() {
    return spec;
  }

  /** One address or CIDR block. */
  private record Block(byte[] network, int prefix) {
    static Block parse(String entry) {
      int slash = entry.indexOf('/');
      String host = slash < 0 ? entry : entry.substring(0, slash);
      byte[] bytes = NetUtil.createByteArrayFromIpAddressString(host);
      if (bytes == null) {
        throw bad(entry);
      }
      bytes = unmapped(bytes);
      int bits = bytes.length * 8;
      int prefix = bits;
      if (slash >= 0) {
        try {
          prefix = Integer.parseInt(entry.substring(slash + 1));
        } catch (NumberFormatException e) {
          throw bad(entry);
        }
        if (prefix < 0 || prefix > bits) {
          throw bad(entry);
        }
      }
      return new Block(bytes, prefix);
    }

    boolean contains(byte[] address) {
      address = unmapped(address);
      if (address.length != network.length) {
        return false;
      }
      int full = prefix / 8;
      for (int i = 0; i < full; i++) {
        if (address[i] != network[i]) {
          return false;
        }
      }
      int rest = prefix % 8;
      if (rest == 0) {
        return true;
      }
      int mask = (0xFF << (8 - rest)) & 0xFF;
      return (address[full] & mask) == (network[full] & mask);
    }

    /** An IPv4-mapped IPv6 address ({@code ::ffff:1.2.3.4}) as its IPv4 address. */
    private static byte[] unmapped(byte[] bytes) {
      if (bytes.length == 16) {
        for (int i = 0; i < 10; i++) {
          if (bytes[i] != 0) {
            return bytes;
          }
        }
        if (bytes[10] == (byte) 0xFF && bytes[11] == (byte) 0xFF) {
          return new byte[] {bytes[12], bytes[13], bytes[14], bytes[15]};
        }
      }
      return bytes;
    }

    private static IllegalArgumentException bad(String entry) {
      return new IllegalArgumentException(
          "trusted-proxies: "
              + entry
              + " (expected: IP addresses or CIDR blocks, e.g. 10.0.0.0/8,::1)");
    }
  }
}
