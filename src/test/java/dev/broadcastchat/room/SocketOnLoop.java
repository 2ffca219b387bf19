package dev.broadcastchat.room;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * A connection served by a given (NIO) event loop, and its client: tells how many drains had run
 * when the loop first read what the client sent, that is when the loop served its sockets.
 */
final class SocketOnLoop implements AutoCloseable {
  private final Channel listener;
  private final Socket client = new Socket();
  private final CompletableFuture<Integer> drainsAtRead = new CompletableFuture<>();

  private SocketOnLoop(EventLoop loop, IntSupplier drains) throws Exception {
    CountDownLatch accepted = new CountDownLatch(1);
    listener =
        new ServerBootstrap()
            .group(loop)
            .channel(NioServerSocketChannel.class)
            .childHandler(
                new ChannelInboundHandlerAdapter() {
                  @Override
                  public void channelActive(ChannelHandlerContext ctx) {
                    accepted.countDown();
                  }

                  @Override
                  public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    ((ByteBuf) msg).release();
                    drainsAtRead.complete(drains.getAsInt());
                  }
                })
            .bind("127.0.0.1", 0)
            .sync()
            .channel();
    client.connect((InetSocketAddress) listener.localAddress());
    if (!accepted.await(10, TimeUnit.SECONDS)) {
      close();
      throw new IllegalStateException("the loop did not accept the connection within 10 s");
    }
  }

  /** Opens the connection; returns once the loop has accepted it. */
  static SocketOnLoop open(EventLoop loop, IntSupplier drains) throws Exception {
    return new SocketOnLoop(loop, drains);
  }

  /** Sends one byte for the loop to read. */
  void send() throws IOException {
    OutputStream out = client.getOutputStream();
    out.write('x');
    out.flush();
  }

  /** How many drains had run when the loop read the byte; waits at most 10 s for it. */
  int drainsBeforeRead() throws Exception {
    return drainsAtRead.get(10, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws Exception {
    client.close();
    listener.close().sync();
  }
}
