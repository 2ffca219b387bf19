package dev.broadcastchat.bus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.broadcastchat.bus.BusPayloads.HeardEvent;
import dev.broadcastchat.bus.BusPayloads.HeardMessage;
import dev.broadcastchat.protocol.ChatMessage;
import dev.broadcastchat.protocol.ServerEvent;
import java.util.List;
import org.junit.jupiter.api.Test;

class BusPayloadsTest {
  @Test
  void decodesAMessageAsTheScriptEncodesIt() {
    // Redis's cjson escapes '/' and writes keys in any order.
    String json =
        """
        {"ts":1764096000123,"action":true,"id":"7b40c7394b-12","t":"m","room":"lobby",\
        "from":"alice","text":"a\\/b \u00e9\\n","seq":12,"addr":"127.0.0.1:50312"}""";
    ChatMessage m = ((HeardMessage) BusPayloads.decode(json)).message();
    assertThat(m)
        .isEqualTo(
            new ChatMessage(
                "7b40c7394b-12",
                12,
                "lobby",
                "alice",
                "127.0.0.1:50312",
                "a/b \u00e9\n",
                1764096000123L,
                true));
    assertThat(BusPayloads.message(json)).isEqualTo(m);
  }

  @Test
  void aPresenceEventTakesTheMembersTheScriptAppends() {
    ServerEvent.Presence presence =
        new ServerEvent.Presence("lobby", true, List.of("alice", "bob"), 2, 2);
    String json = BusPayloads.presenceWithoutMembers(presence) + "7}";
    HeardEvent heard = (HeardEvent) BusPayloads.decode(json);
    assertThat(heard.room()).isEqualTo("lobby");
    assertThat(heard.event())
        .isEqualTo(new ServerEvent.Presence("lobby", true, List.of("alice", "bob"), 2, 7));
    assertThat(heard.from()).isEmpty();
  }

  /** As presence.lua writes a node's members announced again, for the other nodes only. */
  @Test
  void aPresenceEventMayNameTheNodeWhoseMembersItIsNotFor() {
    HeardEvent heard =
        (HeardEvent)
            BusPayloads.decode(
                "{\"t\":\"p\",\"room\":\"lobby\",\"joined\":true,\"nicks\":[\"a\\/b \\\"q\\\"\"],"
                    + "\"count\":3,\"members\":5,\"from\":\"n1\"}");
    assertThat(heard.event())
        .isEqualTo(new ServerEvent.Presence("lobby", true, List.of("a/b \"q\""), 3, 5));
    assertThat(heard.from()).isEqualTo("n1");
  }

  @Test
  void aNickChangeTravelsWhole() {
    ServerEvent.NickChange change = new ServerEvent.NickChange("lobby", "127.0.0.1:1", "bob");
    HeardEvent heard = (HeardEvent) BusPayloads.decode(BusPayloads.nickChange(change));
    assertThat(heard.event()).isEqualTo(change);
  }

  @Test
  void aPayloadThatIsNotOursIsRefusedNamingIt() {
    assertThatThrownBy(() -> BusPayloads.decode("not json"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not json");
    assertThatThrownBy(() -> BusPayloads.decode("{\"t\":\"x\"}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown type");
    assertThatThrownBy(() -> BusPayloads.decode("{\"t\":\"m\",\"id\":\"e-1\"}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("seq");
  }

  @Test
  void theEpochIsWhatComesBeforeTheLastDash() {
    assertThat(BusPayloads.epochOf("7b40c7394b-12")).isEqualTo("7b40c7394b");
    assertThat(BusPayloads.epochOf("12")).isEmpty();
  }
}
