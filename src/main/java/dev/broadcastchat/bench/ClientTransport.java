package dev.broadcastchat.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.Inet4Address;
import java.net.InetAddress;

/** Native epoll where the platform has it, NIO elsewhere: the client side. */
enum ClientTransport {
  EPOLL,
  NIO;

  static ClientTransport best() {
    return Epoll.isAvailable() ? EPOLL : NIO;
  }

  EventLoopGroup newGroup(int threads) {
    IoHandlerFactory factory =
        this == EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("bench"), factory);
  }

  /**
   * A new unconnected channel for a server at {@code server}: with epoll, a socket of the server's
   * own address family (an IPv4 socket for an IPv4 server instead of a dual-stack one with a mapped
   * address, one system call less per connection, as a plain C client would do).
   */
  SocketChannel newChannel(InetAddress server) {
    if (this == NIO) {
      return new NioSocketChannel();
    }
    return new EpollSocketChannel(
        server instanceof Inet4Address ? SocketProtocolFamily.INET : SocketProtocolFamily.INET6);
  }

  /**
   * With epoll, a socket bound to a source address gets its port only at connect, unique per
   * destination rather than per address, so one source address is not limited to its share of the
   * ephemeral range.
   */
  Bootstrap configure(Bootstrap bootstrap) {
    if (this == EPOLL) {
      bootstrap.option(EpollChannelOption.IP_BIND_ADDRESS_NO_PORT, true);
    }
    return bootstrap;
  }
}
