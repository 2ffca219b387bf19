package dev.broadcastchat.server;

import io.netty.channel.ChannelFactory;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringIoHandlerConfig;
import io.netty.channel.uring.IoUringServerSocketChannel;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.channels.spi.SelectorProvider;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How the server's sockets talk to the kernel ({@code --transport}).
 *
 * <ul>
 *   <li>{@link #EPOLL}, the default on Linux: readiness, one system call per read and per write.
 *   <li>{@link #IO_URING}: a recent Linux kernel, where not turned off by the kernel or a seccomp
 *       profile. A loop hands the kernel all its reads and writes of one turn in one system call:
 *       measured on 2 cores (docs/performance-log.md, "io_uring"), a third more fan-out in the
 *       median and a fifth less CPU at a fixed rate, for a few hundred bytes more per idle
 *       connection.
 *   <li>{@link #NIO}: the JDK's selector, wherever neither native transport loads.
 * </ul>
 */
public enum Transport {
  EPOLL,
  IO_URING,
  NIO;

  /**
   * Completion queue entries of each io_uring loop, the most the kernel allows (16 bytes each, 1
   * MiB a loop). A loop reaps completions only between its tasks, and one turn's tasks may post
   * thousands: each connection closed posts several, and each room's drain writes to up to 64 of
   * its members. With Netty's 4096, a broadcast to 4,500 members on one loop overflowed the queue
   * when a drain still wrote to the whole room at once, and it still overflowed once drains wrote
   * to 64 at a time, as those 4,500 closed together on shutdown (docs/performance-log.md, "io_uring
   * with Netty's default completion queue"). The kernel keeps what overflows, but Netty then logs a
   * warning on every turn until it has caught up. Where the kernel offers completion entries of
   * mixed sizes (6.18 does), Netty also keeps a Java view of every entry: about 4.5 MB of heap a
   * loop at this size (docs/OPERATIONS.md). {@code -Dio.netty.iouring.cqSize} still wins.
   */
  static final int IO_URING_COMPLETION_QUEUE = 65_536;

  /** Netty's system property for the completion queue's size. */
  private static final String IO_URING_CQ_SIZE_PROPERTY = "io.netty.iouring.cqSize";

  /** Epoll where the platform has it, NIO elsewhere. */
  public static Transport platformDefault() {
    return Epoll.isAvailable() ? EPOLL : NIO;
  }

  /**
   * The transport called {@code name} on the command line ({@code epoll}, {@code io_uring}, {@code
   * nio}), or the platform's default for null or blank.
   *
   * @throws IllegalArgumentException for any other name
   */
  public static Transport parse(String name) {
    if (name == null || name.isBlank()) {
      return platformDefault();
    }
    for (Transport t : values()) {
      if (t.cliName().equals(name.trim().toLowerCase(Locale.ROOT))) {
        return t;
      }
    }
    throw new IllegalArgumentException("transport: '" + name + "' (expected: " + names() + ")");
  }

  /** The names {@link #parse} takes, for its message. */
  private static String names() {
    return Arrays.stream(values()).map(Transport::cliName).collect(Collectors.joining(", "));
  }

  /** The name on the command line and in the startup log line. */
  public String cliName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * This transport, if it loads on this machine.
   *
   * @throws IllegalArgumentException naming why not, and the transports that do load
   */
  public Transport requireAvailable() {
    Throwable cause = unavailabilityCause();
    if (cause == null) {
      return this;
    }
    throw new IllegalArgumentException(
        unavailableMessage(
            this,
            cause,
            Arrays.stream(values()).filter(t -> t.unavailabilityCause() == null).toList()));
  }

  static String unavailableMessage(Transport t, Throwable cause, List<Transport> loadable) {
    return "transport: "
        + t.cliName()
        + " does not load here ("
        + cause
        + "); "
        + loadable.stream().map(Transport::cliName).collect(Collectors.joining(" or "))
        + (loadable.size() == 1 ? " does" : " do");
  }

  /** Why this transport cannot run on this machine, or null if it can. */
  public Throwable unavailabilityCause() {
    return switch (this) {
      case EPOLL -> Epoll.unavailabilityCause();
      case IO_URING -> IoUring.unavailabilityCause();
      case NIO -> null;
    };
  }

  /** What runs this transport's event loops. */
  public IoHandlerFactory ioHandlerFactory() {
    return switch (this) {
      case EPOLL -> EpollIoHandler.newFactory();
      case IO_URING -> IoUringIoHandler.newFactory(ioUringConfig());
      case NIO -> NioIoHandler.newFactory();
    };
  }

  /** The io_uring loops' settings: Netty's, with a larger completion queue where it can be set. */
  static IoUringIoHandlerConfig ioUringConfig() {
    IoUringIoHandlerConfig config = new IoUringIoHandlerConfig();
    // A size of -1 means the kernel cannot be given one (IORING_SETUP_CQSIZE, Linux 5.5).
    if (config.getCqSize() > 0
        && config.getRingSize() <= IO_URING_COMPLETION_QUEUE
        && System.getProperty(IO_URING_CQ_SIZE_PROPERTY) == null) {
      config.setCqSize(IO_URING_COMPLETION_QUEUE);
    }
    return config;
  }

  EventLoopGroup newGroup(int threads) {
    return new MultiThreadIoEventLoopGroup(threads, ioHandlerFactory());
  }

  /**
   * The listening channel for {@code bindAddress}. For a given IPv4 address epoll and NIO open an
   * IPv4 socket rather than their default, a dual-stack IPv6 one that sees IPv4 peers through
   * mapped addresses: each connection then takes the kernel's IPv4 path alone (io_uring's channel
   * has no such choice in Netty 4.2). The wildcard {@code 0.0.0.0} keeps the default: Netty and the
   * JDK bind a dual-stack socket to {@code ::} for it, so that it has always served IPv6 clients
   * too.
   */
  ChannelFactory<ServerChannel> serverChannelFactory(InetAddress bindAddress) {
    boolean ipv4 = bindAddress instanceof Inet4Address && !bindAddress.isAnyLocalAddress();
    SocketProtocolFamily inet = SocketProtocolFamily.INET;
    return switch (this) {
      case EPOLL -> ipv4 ? () -> new EpollServerSocketChannel(inet) : EpollServerSocketChannel::new;
      case IO_URING -> IoUringServerSocketChannel::new;
      case NIO ->
          ipv4
              ? () -> new NioServerSocketChannel(SelectorProvider.provider(), inet)
              : NioServerSocketChannel::new;
    };
  }

  /** The class of the channels {@link #serverChannelFactory} makes, whatever the address. */
  Class<? extends ServerChannel> serverChannel() {
    return switch (this) {
      case EPOLL -> EpollServerSocketChannel.class;
      case IO_URING -> IoUringServerSocketChannel.class;
      case NIO -> NioServerSocketChannel.class;
    };
  }
}
