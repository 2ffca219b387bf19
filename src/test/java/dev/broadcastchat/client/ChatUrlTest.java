package dev.broadcastchat.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ChatUrlTest {
  private static Map<String, String> params(String... pairs) {
    Map<String, String> map = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      map.put(pairs[i], pairs[i + 1]);
    }
    return map;
  }

  @Test
  void showsATokenAsStarsAndTheRestAsItIs() {
    assertThat(ChatUrl.shown(URI.create("ws://h:1/?room=r&token=eyJ.secret.sig&x=1")))
        .isEqualTo("ws://h:1/?room=r&token=***&x=1");
    assertThat(ChatUrl.shown(URI.create("ws://h:1/?tok%65n=abc")))
        .isEqualTo("ws://h:1/?tok%65n=***");
    assertThat(ChatUrl.shown(URI.create("ws://h:1/?room=r"))).isEqualTo("ws://h:1/?room=r");
    assertThat(ChatUrl.shown(URI.create("ws://h:1/"))).isEqualTo("ws://h:1/");
  }

  @Test
  void addsParametersInOrder() {
    assertThat(
            ChatUrl.withParams(
                URI.create("ws://127.0.0.1:8080/"), params("nick", "alice", "room", "dev")))
        .hasToString("ws://127.0.0.1:8080/?nick=alice&room=dev");
  }

  @Test
  void encodesValues() {
    assertThat(
            ChatUrl.withParams(
                URI.create("ws://h:1/"), params("nick", "zoë&bob=1 +x", "since", "k2-41")))
        .hasToString("ws://h:1/?nick=zo%C3%AB%26bob%3D1%20%2Bx&since=k2-41");
  }

  @Test
  void keepsTheOtherParametersAndReplacesTheOnesItSets() {
    URI url = URI.create("wss://chat.example/path?token=a%2Bb&nick=old&x&room=r1&nick=older");
    assertThat(ChatUrl.withParams(url, params("nick", "new", "since", "9")))
        .hasToString("wss://chat.example/path?token=a%2Bb&x&room=r1&nick=new&since=9");
  }

  @Test
  void leavesANameAloneWhenItsValueIsNull() {
    URI url = URI.create("ws://h:1/?nick=keep");
    assertThat(ChatUrl.withParams(url, params("nick", null, "room", null))).isEqualTo(url);
  }

  @Test
  void addsTheRootPathWhenThereIsNone() {
    assertThat(ChatUrl.withParams(URI.create("ws://h:1"), params("room", "dev")))
        .hasToString("ws://h:1/?room=dev");
  }

  @Test
  void firstUrlCarriesNickAndRoomFromTheCommandLine() {
    ClientConfig config =
        new ClientConfig(
            URI.create("ws://h:1/?token=t"),
            "alice",
            "dev",
            ClientConfig.DEFAULT_RECONNECT_TIMEOUT);
    assertThat(ChatClient.firstUrl(config)).hasToString("ws://h:1/?token=t&nick=alice&room=dev");
  }
}
