package dev.broadcastchat.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.broadcastchat.server.ConnectionLimiter.Verdict;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;

class ConnectionLimiterTest {
  private static final TrustedProxies PROXY = TrustedProxies.parse("10.0.0.1");

  @Test
  void aDirectConnectionCountsAgainstItsPeerFromTheStart() throws Exception {
    ConnectionLimiter limiter = new ConnectionLimiter(100, 2, PROXY);
    EmbeddedChannel a = from("192.0.2.1");
    EmbeddedChannel b = from("192.0.2.1");
    assertThat(limiter.open(a)).isEqualTo(Verdict.OK);
    assertThat(limiter.open(b)).isEqualTo(Verdict.OK);
    assertThat(limiter.open(from("192.0.2.1"))).isEqualTo(Verdict.TOO_MANY_FROM_ADDRESS);
    assertThat(limiter.open(from("192.0.2.2"))).isEqualTo(Verdict.OK);
    assertThat(limiter.openFrom(ip("192.0.2.1"))).isEqualTo(3);
  }

  @Test
  void aConnectionFromATrustedProxyWaitsForItsClientAndCountsAgainstIt() throws Exception {
    ConnectionLimiter limiter = new ConnectionLimiter(100, 1, PROXY);
    EmbeddedChannel first = from("10.0.0.1");
    EmbeddedChannel second = from("10.0.0.1");
    EmbeddedChannel other = from("10.0.0.1");
    assertThat(limiter.open(first)).isEqualTo(Verdict.CLIENT_PENDING);
    assertThat(limiter.open(second)).isEqualTo(Verdict.CLIENT_PENDING);
    assertThat(limiter.open(other)).isEqualTo(Verdict.CLIENT_PENDING);
    assertThat(limiter.openFrom(ip("10.0.0.1"))).isZero();

    assertThat(limiter.countClient(first, ip("203.0.113.7"))).isEqualTo(Verdict.OK);
    assertThat(limiter.countClient(second, ip("203.0.113.7")))
        .isEqualTo(Verdict.TOO_MANY_FROM_ADDRESS);
    assertThat(limiter.countClient(other, ip("203.0.113.8"))).isEqualTo(Verdict.OK);
  }

  @Test
  void aClosedConnectionGivesItsPlacesBack() throws Exception {
    ConnectionLimiter limiter = new ConnectionLimiter(2, 1, PROXY);
    EmbeddedChannel proxied = from("10.0.0.1");
    EmbeddedChannel direct = from("192.0.2.1");
    limiter.open(proxied);
    limiter.countClient(proxied, ip("203.0.113.7"));
    limiter.open(direct);
    assertThat(limiter.open(from("192.0.2.3"))).isEqualTo(Verdict.TOO_MANY);
    assertThat(limiter.open()).isEqualTo(3);

    proxied.close().sync();
    direct.close().sync();
    assertThat(limiter.open()).isEqualTo(1);
    assertThat(limiter.openFrom(ip("203.0.113.7"))).isZero();
    assertThat(limiter.openFrom(ip("192.0.2.1"))).isZero();
    EmbeddedChannel again = from("10.0.0.1");
    assertThat(limiter.open(again)).isEqualTo(Verdict.CLIENT_PENDING);
    assertThat(limiter.countClient(again, ip("203.0.113.7"))).isEqualTo(Verdict.OK);
  }

  @Test
  void withoutAPerAddressLimitNothingWaitsForTheClient() throws Exception {
    ConnectionLimiter limiter = new ConnectionLimiter(100, 0, PROXY);
    assertThat(limiter.open(from("10.0.0.1"))).isEqualTo(Verdict.OK);
    assertThat(limiter.open(from("192.0.2.1"))).isEqualTo(Verdict.OK);
    assertThat(limiter.openFrom(ip("192.0.2.1"))).isZero();
  }

  private static InetAddress ip(String literal) throws UnknownHostException {
    return InetAddress.getByName(literal);
  }

  /** A channel whose peer is {@code literal}, port 40000. */
  private static EmbeddedChannel from(String literal) throws UnknownHostException {
    InetSocketAddress peer = new InetSocketAddress(ip(literal), 40000);
    return new EmbeddedChannel() {
      @Override
      protected SocketAddress remoteAddress0() {
        return peer;
      }
    };
  }
}
