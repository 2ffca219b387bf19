package dev.broadcastchat.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrustedProxiesTest {
  private static final InetSocketAddress NGINX = address("10.0.0.5", 41000);

  @Test
  void matchesAddressesAndCidrBlocksOfBothFamilies() throws Exception {
    TrustedProxies trusted = TrustedProxies.parse("10.0.0.0/8, 192.168.1.7 ,fd00::/8,::1");
    assertThat(trusted.trusts(InetAddress.getByName("10.255.0.1"))).isTrue();
    assertThat(trusted.trusts(InetAddress.getByName("11.0.0.1"))).isFalse();
    assertThat(trusted.trusts(InetAddress.getByName("192.168.1.7"))).isTrue();
    assertThat(trusted.trusts(InetAddress.getByName("192.168.1.8"))).isFalse();
    assertThat(trusted.trusts(InetAddress.getByName("fd12:3456::1"))).isTrue();
    assertThat(trusted.trusts(InetAddress.getByName("fe80::1"))).isFalse();
    assertThat(trusted.trusts(InetAddress.getByName("::1"))).isTrue();
    assertThat(trusted.toString()).isEqualTo("10.0.0.0/8,192.168.1.7,fd00::/8,::1");
  }

  @Test
  void matchesIpv4MappedIpv6AddressesAsIpv4() throws Exception {
    TrustedProxies trusted = TrustedProxies.parse("10.0.0.0/8");
    byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 10, 1, 2, 3};
    assertThat(trusted.trusts(java.net.Inet6Address.getByAddress(null, mapped, null))).isTrue();
  }

  @Test
  void oddPrefixesMaskTheRightBits() throws Exception {
    TrustedProxies trusted = TrustedProxies.parse("172.16.0.0/12");
    assertThat(trusted.trusts(InetAddress.getByName("172.31.255.255"))).isTrue();
    assertThat(trusted.trusts(InetAddress.getByName("172.32.0.0"))).isFalse();
    assertThat(trusted.trusts(InetAddress.getByName("172.15.255.255"))).isFalse();
  }

  @Test
  void refusesWhatIsNotALiteralAddressNamingTheEntry() {
    for (String bad : List.of("10.0.0.0/33", "example.com", "10.0.0.0/x", "::1/129", "1.2.3")) {
      assertThatThrownBy(() -> TrustedProxies.parse("10.0.0.1," + bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("trusted-proxies: " + bad + " (expected: ");
    }
  }

  @Test
  void blankIsNobody() {
    assertThat(TrustedProxies.parse(" ")).isSameAs(TrustedProxies.NONE);
    assertThat(TrustedProxies.parse(null).isEmpty()).isTrue();
  }

  @Test
  void theClientIsTheRightMostUntrustedHopWithThePeersPort() {
    TrustedProxies trusted = TrustedProxies.parse("10.0.0.0/8");
    assertThat(trusted.clientAddress(NGINX, List.of("1.1.1.1, 203.0.113.7, 10.0.0.9")))
        .isEqualTo(address("203.0.113.7", 41000));
    assertThat(trusted.clientAddress(NGINX, List.of("203.0.113.7:5000")))
        .isEqualTo(address("203.0.113.7", 5000));
    assertThat(trusted.clientAddress(NGINX, List.of("[2001:db8::1]:5000")))
        .isEqualTo(address("2001:db8::1", 5000));
    assertThat(trusted.clientAddress(NGINX, List.of("2001:db8::1")))
        .isEqualTo(address("2001:db8::1", 41000));
  }

  @Test
  void whenEveryHopIsTrustedTheLeftMostIsTheClient() {
    TrustedProxies trusted = TrustedProxies.parse("10.0.0.0/8");
    assertThat(trusted.clientAddress(NGINX, List.of("10.1.1.1", "10.2.2.2")))
        .isEqualTo(address("10.1.1.1", 41000));
  }

  @Test
  void garbageStopsTheWalkAtTheLastGoodHop() {
    TrustedProxies trusted = TrustedProxies.parse("10.0.0.0/8");
    assertThat(trusted.clientAddress(NGINX, List.of("unknown, 10.3.3.3")))
        .isEqualTo(address("10.3.3.3", 41000));
    assertThat(trusted.clientAddress(NGINX, List.of("unknown"))).isEqualTo(NGINX);
  }

  @Test
  void anUntrustedPeerOrNoHeaderLeavesThePeer() {
    TrustedProxies trusted = TrustedProxies.parse("192.168.0.0/16");
    assertThat(trusted.clientAddress(NGINX, List.of("203.0.113.7"))).isEqualTo(NGINX);
    assertThat(TrustedProxies.parse("10.0.0.0/8").clientAddress(NGINX, List.of())).isEqualTo(NGINX);
  }

  private static InetSocketAddress address(String ip, int port) {
    try {
      return new InetSocketAddress(InetAddress.getByName(ip), port);
    } catch (java.net.UnknownHostException e) {
      throw new AssertionError(e);
    }
  }
}
