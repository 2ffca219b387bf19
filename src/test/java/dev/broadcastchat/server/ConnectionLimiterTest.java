package dev.broadcastchat.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.broadcastchat.server.ConnectionLimiter.Verdict;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.Test;

class ConnectionLimiterTest {
  private static final TrustedProxies PROXY = TrustedProxies.parse("10.0.0.1");

  @Test
  void aDirectConnectionCountsAgainstItsPeerFromTheStart() throws Exception {
    ConnectionLimiter limiter = new ConnectionLimiter(100, 2, PROXY);
    EmbeddedChannel a = from(limiter, "192.0.2.1");
    EmbeddedChannel b = from(limiter, "192.0.2.1");
    assertThat(limiter.open(a)).isEqualTo(Verdict.OK);
    assertThat(limiter.open(b)).isEqualTo(Verdict.OK);
    assertThat(limiter.open(from(limiter, "192.0.2.1"))).isEqualTo(Verdict.TOO_MANY_FROM_ADDRESS);
    assertThat(limiter.open(from(limiter, "192.0.2.2"))).isEqualTo(Verdict.OK);
    assertThat(limiter.openFrom(ip("192.0.2.1"))).isEqualTo(3);
  }

  @Test
  void aConnectionFromATrustedProxyWaitsForItsClientAndCountsAgainstIt() throws Exception {
    ConnectionLimiter limiter = new ConnectionLimiter(100, 1, PROXY);
    EmbeddedChannel first = from(limiter, "10.0.0.1");
    EmbeddedChannel second = from(limiter, "10.0.0.1");
    EmbeddedChannel other = from(limiter, "10.0.0.1");
    assertThat(limiter.open(first)).isEqualTo(Verdict.CLIENT_PENDING);
    assertThat(limiter.open(second)).isEqualTo(Verdict.CLIENT_PENDING);
    assertThat(limiter.open(other)).isEqualTo(Verdict.CLIENT_PENDING);
    assertThat(limiter.openFrom(ip("10.0.0.1"))).isZero();

    assertThat(limiter.countAs(first, ip("203.0.113.7"))).isEqualTo(Verdict.OK);
    assertThat(limiter.countAs(second, ip("203.0.113.7"))).isEqualTo(Verdict.TOO_MANY_FROM_ADDRESS);
    assertThat(limiter.countAs(other, ip("203.0.113.8"))).isEqualTo(Verdict.OK);
  }

  @Test
  void aClosedConnectionGivesItsPlacesBack() throws Exception {
    ConnectionLimiter limiter = new ConnectionLimiter(2, 1, PROXY);
    EmbeddedChannel proxied = from(limiter, "10.0.0.1");
    EmbeddedChannel direct = from(limiter, "192.0.2.1");
    limiter.open(proxied);
    limiter.countAs(proxied, ip("203.0.113.7"));
    limiter.open(direct);
    assertThat(limiter.open(from(limiter, "192.0.2.3"))).isEqualTo(Verdict.TOO_MANY);
    assertThat(limiter.open()).isEqualTo(3);

    proxied.close().sync();
    direct.close().sync();
    assertThat(limiter.open()).isEqualTo(1);
    assertThat(limiter.openFrom(ip("203.0.113.7"))).isZero();
    assertThat(limiter.openFrom(ip("192.0.2.1"))).isZero();
    EmbeddedChannel again = from(limiter, "10.0.0.1");
    assertThat(limiter.open(again)).isEqualTo(Verdict.CLIENT_PENDING);
    assertThat(limiter.countAs(again, ip("203.0.113.7"))).isEqualTo(Verdict.OK);
  }

  @Test
  void aRefusedConnectionGivesBackExactlyWhatItWasCountedFor() throws Exception {
    ConnectionLimiter limiter = new ConnectionLimiter(3, 1, PROXY);
    EmbeddedChannel a1 = from(limiter, "192.0.2.1");
    EmbeddedChannel b1 = from(limiter, "192.0.2.2");
    EmbeddedChannel a2 = from(limiter, "192.0.2.1");
    EmbeddedChannel b2 = from(limiter, "192.0.2.2");
    assertThat(limiter.open(a1)).isEqualTo(Verdict.OK);
    assertThat(limiter.open(b1)).isEqualTo(Verdict.OK);
    assertThat(limiter.open(a2)).isEqualTo(Verdict.TOO_MANY_FROM_ADDRESS);
    assertThat(limiter.open(b2)).isEqualTo(Verdict.TOO_MANY); // not counted against its address
    assertThat(ConnectionLimiter.verdict(a1)).isEqualTo(Verdict.OK);
    assertThat(ConnectionLimiter.verdict(a2)).isEqualTo(Verdict.TOO_MANY_FROM_ADDRESS);
    assertThat(ConnectionLimiter.verdict(b2)).isEqualTo(Verdict.TOO_MANY);

    b2.close().sync();
    assertThat(limiter.open()).isEqualTo(3);
    assertThat(limiter.openFrom(ip("192.0.2.2"))).isEqualTo(1);
    a2.close().sync();
    assertThat(limiter.open()).isEqualTo(2);
    assertThat(limiter.openFrom(ip("192.0.2.1"))).isEqualTo(1);
    // The first connection from each address still holds its place.
    EmbeddedChannel a3 = from(limiter, "192.0.2.1");
    assertThat(limiter.open(a3)).isEqualTo(Verdict.TOO_MANY_FROM_ADDRESS);
    a3.close().sync();
    assertThat(limiter.open(from(limiter, "192.0.2.2"))).isEqualTo(Verdict.TOO_MANY_FROM_ADDRESS);
  }

  @Test
  void aProxiedConnectionIsCountedAgainstTheClientOfItsLatestRequest() throws Exception {
    ConnectionLimiter limiter = new ConnectionLimiter(100, 1, PROXY);
    EmbeddedChannel reused = from(limiter, "10.0.0.1");
    limiter.open(reused);
    assertThat(limiter.countAs(reused, ip("203.0.113.7"))).isEqualTo(Verdict.OK);
    // The proxy sends another client's request over the same connection: the count moves.
    assertThat(limiter.countAs(reused, ip("203.0.113.8"))).isEqualTo(Verdict.OK);
    assertThat(limiter.openFrom(ip("203.0.113.7"))).isZero();
    assertThat(limiter.openFrom(ip("203.0.113.8"))).isEqualTo(1);

    EmbeddedChannel alice = from(limiter, "10.0.0.1");
    EmbeddedChannel bob = from(limiter, "10.0.0.1");
    limiter.open(alice);
    limiter.open(bob);
    assertThat(limiter.countAs(alice, ip("203.0.113.7"))).isEqualTo(Verdict.OK);
    assertThat(limiter.countAs(bob, ip("203.0.113.8"))).isEqualTo(Verdict.TOO_MANY_FROM_ADDRESS);
    // The same client again keeps the count and the verdict it had.
    assertThat(limiter.countAs(bob, ip("203.0.113.8"))).isEqualTo(Verdict.TOO_MANY_FROM_ADDRESS);
    assertThat(limiter.openFrom(ip("203.0.113.8"))).isEqualTo(2);

    reused.close().sync();
    bob.close().sync();
    assertThat(limiter.openFrom(ip("203.0.113.8"))).isZero();
    assertThat(limiter.openFrom(ip("203.0.113.7"))).isEqualTo(1);
    // Counting a connection that has closed counts nothing.
    assertThat(limiter.countAs(bob, ip("203.0.113.9"))).isEqualTo(Verdict.OK);
    assertThat(limiter.openFrom(ip("203.0.113.9"))).isZero();
  }

  @Test
  void anIpv6ClientCountsByItsSlash64() throws Exception {
    ConnectionLimiter limiter = new ConnectionLimiter(100, 2, PROXY);
    assertThat(limiter.open(from(limiter, "2001:db8:1:2::1"))).isEqualTo(Verdict.OK);
    assertThat(limiter.open(from(limiter, "2001:db8:1:2:ffff::9"))).isEqualTo(Verdict.OK);
    assertThat(limiter.open(from(limiter, "2001:db8:1:2:abcd:1:2:3")))
        .isEqualTo(Verdict.TOO_MANY_FROM_ADDRESS);
    assertThat(limiter.open(from(limiter, "2001:db8:1:3::1"))).isEqualTo(Verdict.OK);
    assertThat(limiter.openFrom(ip("2001:db8:1:2::77"))).isEqualTo(3);
    // IPv4, and IPv4 written as IPv6, count by the address.
    assertThat(limiter.open(from(limiter, "192.0.2.1"))).isEqualTo(Verdict.OK);
    assertThat(limiter.open(from(limiter, "::ffff:192.0.2.1"))).isEqualTo(Verdict.OK);
    assertThat(limiter.open(from(limiter, "192.0.2.2"))).isEqualTo(Verdict.OK);
    assertThat(limiter.openFrom(ip("192.0.2.1"))).isEqualTo(2);
  }

  @Test
  void connectionsOpeningAndClosingAtOnceLeaveNoCountBehind() throws Exception {
    // Connections from one address land on different event loops: a count taken while another
    // connection's release empties the entry must not be lost (and let a connection past the
    // limit, then take another's place when it closes).
    ConnectionLimiter limiter = new ConnectionLimiter(Integer.MAX_VALUE, 1_000_000, PROXY);
    int threads = 4;
    int rounds = 20_000;
    CyclicBarrier start = new CyclicBarrier(threads);
    java.util.concurrent.atomic.AtomicInteger wrong =
        new java.util.concurrent.atomic.AtomicInteger();
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread worker =
          new Thread(
              () -> {
                try {
                  start.await();
                  for (int i = 0; i < rounds; i++) {
                    EmbeddedChannel c = from(limiter, "192.0.2.1");
                    limiter.open(c);
                    if (limiter.openFrom(ip("192.0.2.1")) < 1) {
                      wrong.incrementAndGet();
                    }
                    c.close();
                  }
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      workers.add(worker);
      worker.start();
    }
    for (Thread worker : workers) {
      worker.join();
    }
    assertThat(wrong).as("a connection open but not counted").hasValue(0);
    assertThat(limiter.openFrom(ip("192.0.2.1"))).isZero();
    assertThat(limiter.open()).isZero();
  }

  @Test
  void withoutAPerAddressLimitNothingWaitsForTheClient() throws Exception {
    ConnectionLimiter limiter = new ConnectionLimiter(100, 0, PROXY);
    assertThat(limiter.open(from(limiter, "10.0.0.1"))).isEqualTo(Verdict.OK);
    assertThat(limiter.open(from(limiter, "192.0.2.1"))).isEqualTo(Verdict.OK);
    assertThat(limiter.openFrom(ip("192.0.2.1"))).isZero();
  }

  private static InetAddress ip(String literal) throws UnknownHostException {
    return InetAddress.getByName(literal);
  }

  /**
   * A channel whose peer is {@code literal}, port 40000, whose pipeline gives its count back to
   * {@code limiter} when it goes inactive, as the server's session handler does.
   */
  private static EmbeddedChannel from(ConnectionLimiter limiter, String literal)
      throws UnknownHostException {
    InetSocketAddress peer = new InetSocketAddress(ip(literal), 40000);
    return new EmbeddedChannel(
        new ChannelInboundHandlerAdapter() {
          @Override
          public void channelInactive(ChannelHandlerContext ctx) {
            limiter.close(ctx.channel());
            ctx.fireChannelInactive();
          }
        }) {
      @Override
      protected SocketAddress remoteAddress0() {
        return peer;
      }
    };
  }
}
