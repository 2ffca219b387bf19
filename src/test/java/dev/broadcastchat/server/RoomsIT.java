package dev.broadcastchat.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

@ParameterizedClass(name = "{0} bus")
@EnumSource(BusKind.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RoomsIT {
  @RegisterExtension final ChatServerExtension chat;

  RoomsIT(BusKind bus) {
    this.chat = new ChatServerExtension(bus, ServerConfig.defaults("127.0.0.1", 0).withRate(0, 1));
  }

  @Test
  void noMessageCrossesFromOneRoomToAnother() {
    try (JsonTestClient red = JsonTestClient.connect(chat.server(), "room", "red");
        JsonTestClient blue = JsonTestClient.connect(chat.server(), "room", "blue")) {
      red.welcomeAndReplay();
      blue.welcomeAndReplay();

      // Once blue has its own message back, a copy bound for red would already be queued ahead
      // of anything red sends next: red's next message must be its own.
      blue.say("for blue");
      assertThat(blue.nextMessageTexts(1)).containsExactly("for blue");
      red.say("for red");
      assertThat(red.nextMessageTexts(1)).containsExactly("for red");
      blue.say("blue again");
      assertThat(blue.nextMessageTexts(1)).containsExactly("blue again");
      assertThat(red.pending()).noneMatch(e -> e.path("type").asText().equals("message"));
    }
  }

  @Test
  void joinMovesAMemberAndBothRoomsGetTheNotices() {
    try (JsonTestClient stayer = JsonTestClient.connect(chat.server(), "room", "red");
        JsonTestClient host = JsonTestClient.connect(chat.server(), "room", "blue");
        JsonTestClient mover =
            JsonTestClient.connect(chat.server(), "room", "red", "nick", "mover")) {
      stayer.welcomeAndReplay();
      host.welcomeAndReplay();
      mover.welcomeAndReplay();
      awaitPresence(stayer, "join", "mover");

      mover.send("type", "join", "room", "blue");
      JsonNode welcome = mover.next("welcome");
      assertThat(welcome.path("room").asText()).isEqualTo("blue");
      assertThat(welcome.path("nick").asText()).isEqualTo("mover");
      mover.replayUntilLive();

      awaitPresence(stayer, "leave", "mover");
      awaitPresence(host, "join", "mover");

      mover.say("hello blue");
      assertThat(host.next("message").path("text").asText()).isEqualTo("hello blue");
      assertThat(mover.next("message").path("text").asText()).isEqualTo("hello blue");
      stayer.say("still red");
      assertThat(stayer.next("message").path("text").asText()).isEqualTo("still red");
      assertThat(mover.pending()).noneMatch(e -> e.path("text").asText().equals("still red"));
    }
  }

  @Test
  void textClientsMoveWithSlashJoinAndSeeBothNotices() {
    TestClient watcher = chat.connect();
    TestClient mover = chat.connect();
    assertThat(watcher.nextMessage()).isEqualTo("Welcome to chat! Type a message");
    assertThat(mover.nextMessage()).isEqualTo("Welcome to chat! Type a message");
    mover.send("/nick walker");

    mover.send("/join garden");
    assertThat(nextNotMatching(mover, " is now known as "))
        .isEqualTo("* you are in garden as walker");
    assertThat(nextContaining(watcher, "left lobby")).isEqualTo("* walker left lobby");
    mover.send("hello garden");
    assertThat(nextContaining(mover, "hello garden")).isEqualTo("walker: hello garden");
  }

  private static void awaitPresence(JsonTestClient client, String type, String nick) {
    while (true) {
      JsonNode event = client.next();
      if (event.path("type").asText().equals(type)) {
        for (JsonNode n : event.path("nicks")) {
          if (n.asText().equals(nick)) {
            assertThat(event.path("count").asInt()).isPositive();
            assertThat(event.path("members").isInt()).isTrue();
            return;
          }
        }
      }
    }
  }

  private static String nextContaining(TestClient client, String part) {
    while (true) {
      String line = client.nextMessage();
      if (line.contains(part)) {
        return line;
      }
    }
  }

  private static String nextNotMatching(TestClient client, String skipped) {
    while (true) {
      String line = client.nextMessage();
      if (!line.contains(skipped) && !line.contains(" joined ") && !line.contains(" left ")) {
        return line;
      }
    }
  }
}
