package dev.broadcastchat.bus;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RoomKeysTest {
  @Test
  void everyNameCarriesThePrefixAndTheRoomAsAHashTag() {
    RoomKeys keys = RoomKeys.of("chat:", "lobby");
    assertThat(keys.logKeys())
        .containsExactly(
            "chat:{lobby}:epoch",
            "chat:{lobby}:seq",
            "chat:{lobby}:log",
            "chat:{lobby}:refs",
            "chat:{lobby}:refq");
    assertThat(keys.members()).isEqualTo("chat:{lobby}:members");
    assertThat(keys.channel()).isEqualTo("chat:{lobby}:bus");
    assertThat(keys.presenceKeys())
        .startsWith("chat:{lobby}:members", "chat:{lobby}:nicks")
        .endsWith(keys.logKeys());
    assertThat(keys.nickKeys()).containsExactly("chat:{lobby}:nicks", "chat:{lobby}:members");
  }

  @Test
  void theRoomOfAChannelIsFoundOnlyUnderItsOwnPrefix() {
    assertThat(RoomKeys.roomOfChannel("chat:", RoomKeys.of("chat:", "a.b-c_d").channel()))
        .isEqualTo("a.b-c_d");
    assertThat(RoomKeys.roomOfChannel("chat:", RoomKeys.of("other:", "lobby").channel())).isNull();
    assertThat(RoomKeys.roomOfChannel("chat:", "chat:{lobby}:log")).isNull();
    assertThat(RoomKeys.roomOfChannel("", RoomKeys.of("", "lobby").channel())).isEqualTo("lobby");
  }
}
