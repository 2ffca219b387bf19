package dev.broadcastchat.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.broadcastchat.server.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A room larger than an io_uring loop's default completion queue: one broadcast to it is one write
 * per member, and each write posts a completion that the loop reaps only between its tasks. With
 * Netty's queue of 4096, and a drain that wrote to the whole room at once, the server logged
 * "CompletionQueue overflow detected" on every such broadcast; its own queue holds them. The server
 * runs as users start it with {@code --transport io_uring}, with one processor, so that every
 * member is on its one loop.
 */
class IoUringLargeRoomIT {
  /** More members than Netty's default completion queue of 4096 entries. */
  private static final int MEMBERS = 4500;

  private static final Duration WAIT = Duration.ofSeconds(60);

  /** Connections being opened at once, at most, so as not to overrun the listen backlog. */
  private static final int OPENING_AT_ONCE = 256;

  @Test
  @Timeout(180)
  void aBroadcastToMoreMembersThanTheDefaultQueueHoldsLogsNoOverflow() throws Exception {
    Throwable cause = Transport.IO_URING.unavailabilityCause();
    assumeTrue(cause == null, () -> "io_uring does not load here: " + cause);
    int port = ChatProcess.freePort();
    EventLoopGroup clientLoop = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    try (ChatProcess server =
        ChatProcess.jar(
            Map.of("JAVA_TOOL_OPTIONS", "-XX:ActiveProcessorCount=1"),
            "server",
            "--port",
            Integer.toString(port),
            "--transport",
            "io_uring",
            "--rate",
            "0")) {
      assertThat(server.nextLine(WAIT))
          .as("stdout; stderr: %s", server.stderr())
          .isEqualTo("listening on ws://127.0.0.1:" + port + "/");
      List<Member> members = new ArrayList<>(MEMBERS);
      for (int i = 0; i < MEMBERS; i++) {
        members.add(new Member());
      }
      Bootstrap bootstrap = new Bootstrap().group(clientLoop).channel(NioSocketChannel.class);
      InetSocketAddress address = new InetSocketAddress("127.0.0.1", port);
      List<Channel> channels = new ArrayList<>(MEMBERS);
      for (int from = 0; from < MEMBERS; from += OPENING_AT_ONCE) {
        List<ChannelFuture> opening = new ArrayList<>();
        for (int i = from; i < Math.min(MEMBERS, from + OPENING_AT_ONCE); i++) {
          opening.add(bootstrap.clone().handler(members.get(i)).connect(address));
        }
        for (ChannelFuture f : opening) {
          Channel ch = f.sync().channel();
          ch.writeAndFlush(Unpooled.copiedBuffer(UPGRADE, StandardCharsets.US_ASCII));
          channels.add(ch);
        }
      }
      for (Member m : members) {
        assertThat(m.upgraded.await(WAIT.toSeconds(), TimeUnit.SECONDS))
            .as("upgraded; server stderr: %s", tail(server.stderr()))
            .isTrue();
      }

      // Two broadcasts: once every member has the second, the loop has reaped the completions of
      // the first broadcast's writes.
      for (String token : List.of("first-broadcast", "second-broadcast")) {
        for (Member m : members) {
          m.expect(token);
        }
        channels.get(0).writeAndFlush(Unpooled.wrappedBuffer(maskedText(token))).sync();
        long deadline = System.nanoTime() + WAIT.toNanos();
        List<String> missed = new ArrayList<>();
        for (int i = 0; i < MEMBERS; i++) {
          Member m = members.get(i);
          long left = Math.max(0, deadline - System.nanoTime());
          if (!m.received.await(left, TimeUnit.NANOSECONDS)) {
            missed.add(i + ": ..." + m.recent);
          }
        }
        assertThat(missed)
            .as(
                "%d members without '%s' (index: last bytes read), the first: %s; server stderr: %s",
                missed.size(),
                token,
                missed.subList(0, Math.min(5, missed.size())),
                tail(server.stderr()))
            .isEmpty();
      }
      // Stopped and waited for, so that everything it printed has been read; closing the 4,500
      // connections at shutdown is itself a burst of completions on the loop.
      server.terminate();
      assertThat(server.waitFor(WAIT)).as("exit code; stderr: %s", tail(server.stderr())).isZero();
      assertThat(server.stderr()).noneMatch(line -> line.contains("WARN"));
    } finally {
      clientLoop.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  private static final String UPGRADE =
      "GET /?room=large HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
          + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
          + "Sec-WebSocket-Version: 13\r\n\r\n";

  /** A text frame carrying {@code text}, masked with a zero key (as a client must mask). */
  private static byte[] maskedText(String text) {
    byte[] payload = text.getBytes(StandardCharsets.US_ASCII);
    byte[] frame = new byte[6 + payload.length];
    frame[0] = (byte) 0x81;
    frame[1] = (byte) (0x80 | payload.length);
    System.arraycopy(payload, 0, frame, 6, payload.length);
    return frame;
  }

  private static List<String> tail(List<String> lines) {
    return lines.subList(Math.max(0, lines.size() - 5), lines.size());
  }

  /**
   * One member's connection: counts down {@link #upgraded} on the 101 response and {@link
   * #received} once the token it expects has come, looking only at the latest bytes (frames and
   * notices are not parsed).
   */
  private static final class Member extends ChannelInboundHandlerAdapter {
    final CountDownLatch upgraded = new CountDownLatch(1);
    volatile CountDownLatch received;
    private volatile String token;
    private volatile String recent = "";

    /** Sets the latch before the token: a read that sees the token sees its latch too. */
    void expect(String token) {
      this.received = new CountDownLatch(1);
      this.token = token;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf buf = (ByteBuf) msg;
      try {
        recent = recent + buf.toString(StandardCharsets.ISO_8859_1);
        if (upgraded.getCount() > 0 && recent.startsWith("HTTP/1.1 101 ")) {
          upgraded.countDown();
        }
        String expected = token;
        if (expected != null && recent.contains(expected)) {
          CountDownLatch latch = received;
          // Cleared before the count-down: the count-down may let the test go on at once and set
          // every member's next token, which clearing it afterwards would lose.
          token = null;
          latch.countDown();
        }
        recent = recent.substring(Math.max(0, recent.length() - 64));
      } finally {
        buf.release();
      }
    }
  }
}
