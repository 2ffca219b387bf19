package dev.broadcastchat.server;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How the server's sockets talk to the kernel ({@code --transport}).
 *
 * <ul>
 *   <li>{@link #EPOLL}, the default on Linux: readiness, one system call per read and per write.
 *   <li>{@link #IO_URING}: Linux 5.14 and later, where not turned off by the kernel or a seccomp
 *       profile. A loop hands the kernel all its reads and writes of one turn in one system call:
 *       measured on 2 cores (docs/PERFORMANCE.md, "io_uring"), a fifth more fan-out and a fifth
 *       less CPU at a fixed rate, for a few hundred bytes more per idle connection.
 *   <li>{@link #NIO}: the JDK's selector, wherever neither native transport loads.
 * </ul>
 */
public enum Transport {
  EPOLL,
  IO_URING,
  NIO;

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
    throw new IllegalArgumentException(
        "transport: '" + name + "' (expected: " + namesForHelp() + ")");
  }

  /** The names {@link #parse} takes, for messages and {@code --help}. */
  public static String namesForHelp() {
    return Arrays.stream(values()).map(Transport::cliName).collect(Collectors.joining(", "));
  }

  /** The name on the command line and in the startup log line. */
  public String cliName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Why this transport cannot run on this machine, or null if it can. */
  public Throwable unavailabilityCause() {
    return switch (this) {
      case EPOLL -> Epoll.unavailabilityCause();
      case IO_URING -> IoUring.unavailabilityCause();
      case NIO -> null;
    };
  }

  EventLoopGroup newGroup(int threads) {
    IoHandlerFactory factory =
        switch (this) {
          case EPOLL -> EpollIoHandler.newFactory();
          case IO_URING -> IoUringIoHandler.newFactory();
          case NIO -> NioIoHandler.newFactory();
        };
    return new MultiThreadIoEventLoopGroup(threads, factory);
  }

  Class<? extends ServerChannel> serverChannel() {
    return switch (this) {
      case EPOLL -> EpollServerSocketChannel.class;
      case IO_URING -> IoUringServerSocketChannel.class;
      case NIO -> NioServerSocketChannel.class;
    };
  }
}
