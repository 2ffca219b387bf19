package dev.broadcastchat.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ClientCommandTest {
  @Test
  void acceptsWsAndWssUrlsAddingTheRootPath() {
    assertThat(ClientCommand.parseUrl("ws://127.0.0.1:8080").toString())
        .isEqualTo("ws://127.0.0.1:8080/");
    assertThat(ClientCommand.parseUrl("wss://chat.example:443/room").getPath()).isEqualTo("/room");
  }

  @Test
  void refusesOtherSchemesNamingTheUrl() {
    assertThatThrownBy(() -> ClientCommand.parseUrl("http://127.0.0.1:8080/"))
        .isInstanceOf(UsageException.class)
        .hasMessageContaining("http://127.0.0.1:8080/");
  }
}
