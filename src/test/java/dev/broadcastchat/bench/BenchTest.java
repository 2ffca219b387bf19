package dev.broadcastchat.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.URI;
import org.junit.jupiter.api.Test;

class BenchTest {
  @Test
  void addsTheBenchRoomToTheQuery() {
    assertThat(Bench.withRoom(URI.create("ws://127.0.0.1:8080/")))
        .hasToString("ws://127.0.0.1:8080/?room=bench");
    assertThat(Bench.withRoom(URI.create("ws://127.0.0.1:8080")))
        .hasToString("ws://127.0.0.1:8080/?room=bench");
    assertThat(Bench.withRoom(URI.create("ws://127.0.0.1:8080/chat?nick=x")))
        .hasToString("ws://127.0.0.1:8080/chat?nick=x&room=bench");
  }

  @Test
  void keepsARoomTheUrlNames() {
    assertThat(Bench.withRoom(URI.create("ws://127.0.0.1:8080/?room=load")))
        .hasToString("ws://127.0.0.1:8080/?room=load");
    assertThat(Bench.withRoom(URI.create("ws://127.0.0.1:8080/?a=1&room=load")))
        .hasToString("ws://127.0.0.1:8080/?a=1&room=load");
  }

  @Test
  void spreadsIpv4ConnectionsOverLoopbackSourceAddresses() throws Exception {
    assertThat(Connector.sources(InetAddress.getByName("127.0.0.1"), 3))
        .extracting(InetAddress::getHostAddress)
        .containsExactly("127.0.0.1", "127.0.0.2", "127.0.0.3");
    assertThat(Connector.sources(InetAddress.getByName("::1"), 3)).hasSize(1);
  }

  @Test
  void acceptsOnlyWsUrlsOnLoopback() {
    URI ok = URI.create("ws://127.0.0.1:9000/");
    assertThat(BenchConfig.serverAddress(ok).getPort()).isEqualTo(9000);
    assertThat(BenchConfig.serverAddress(URI.create("ws://localhost/")).getPort()).isEqualTo(80);
    assertThatThrownBy(() -> BenchConfig.serverAddress(URI.create("ws://192.0.2.1:9000/")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("url: ws://192.0.2.1:9000/")
        .hasMessageContaining("loopback");
    assertThatThrownBy(() -> BenchConfig.serverAddress(URI.create("wss://127.0.0.1:9000/")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void validatesOptionsNamingTheValue() {
    BenchConfig config = BenchConfig.defaults(Scenario.FANOUT, URI.create("ws://127.0.0.1:1/"));
    assertThatThrownBy(() -> config.withClients(10, 11))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("senders: 11 (expected: 1..clients (10))");
    assertThatThrownBy(() -> config.withClients(0, 1)).hasMessage("clients: 0 (expected: >= 1)");
    assertThatThrownBy(() -> config.withRate(0)).hasMessage("rate: 0 (expected: 1..1000000)");
  }
}
