package dev.broadcastchat.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.broadcastchat.server.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import java.net.InetAddress;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ClientTransportTest {
  private static final Map<Transport, Class<?>> CHANNELS =
      Map.of(
          Transport.EPOLL, EpollSocketChannel.class,
          Transport.IO_URING, IoUringSocketChannel.class,
          Transport.NIO, NioSocketChannel.class);

  /** Each transport's channels register with its own loops: the two halves are of one kind. */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void makesChannelsOfItsKindThatItsLoopsTake(Transport transport) throws Exception {
    Throwable cause = transport.unavailabilityCause();
    assumeTrue(cause == null, () -> transport.cliName() + " does not load here: " + cause);
    ClientTransport client = ClientTransport.of(transport);
    EventLoopGroup group = client.newGroup(1);
    try {
      SocketChannel channel = client.newChannel(InetAddress.getLoopbackAddress());
      assertThat(channel).isExactlyInstanceOf(CHANNELS.get(transport));
      assertThat(group.register(channel).await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(channel.isRegistered()).isTrue();
      channel.close().await(10, TimeUnit.SECONDS);
      assertThat(
              client
                  .configure(new Bootstrap())
                  .config()
                  .options()
                  .containsKey(EpollChannelOption.IP_BIND_ADDRESS_NO_PORT))
          .as("ports chosen at connect, an epoll option")
          .isEqualTo(transport == Transport.EPOLL);
    } finally {
      group.shutdownGracefully(0, 0, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
    }
  }
}
