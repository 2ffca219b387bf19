package dev.broadcastchat.bench;

import dev.broadcastchat.server.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.Inet4Address;
import java.net.InetAddress;

/** The client side of a {@link Transport}: the bench's loops and sockets. */
final class ClientTransport {
  private final Transport transport;

  private ClientTransport(Transport transport) {
    this.transport = transport;
  }

  static ClientTransport of(Transport transport) {
    return new ClientTransport(transport);
  }

  EventLoopGroup newGroup(int threads) {
    return new MultiThreadIoEventLoopGroup(
        threads, new DefaultThreadFactory("bench"), transport.ioHandlerFactory());
  }

  /**
   * A new unconnected channel for a server at {@code server}: with epoll, a socket of the server's
   * own address family (an IPv4 socket for an IPv4 server instead of a dual-stack one with a mapped
   * address, one system call less per connection, as a plain C client would do).
   */
  SocketChannel newChannel(InetAddress server) {
    return switch (transport) {
      case EPOLL ->
          new EpollSocketChannel(
              server instanceof Inet4Address
                  ? SocketProtocolFamily.INET
                  : SocketProtocolFamily.INET6);
      case IO_URING -> new IoUringSocketChannel();
      case NIO -> new NioSocketChannel();
    };
  }

  /**
   * With epoll, a socket bound to a source address gets its port only at connect, unique per
   * destination rather than per address, so one source address is not limited to its share of the
   * ephemeral range. (io_uring and NIO bind the port with the address: each source address then has
   * the ephemeral range to itself, which the bench's sources multiply; a 60 s idle warm-up on
   * io_uring opened and closed 722,000 connections without running short.)
   */
  Bootstrap configure(Bootstrap bootstrap) {
    if (transport == Transport.EPOLL) {
      bootstrap.option(EpollChannelOption.IP_BIND_ADDRESS_NO_PORT, true);
    }
    return bootstrap;
  }
}
