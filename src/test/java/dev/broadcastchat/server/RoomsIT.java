package dev.broadcastchat.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Set;
import java.util.TreeSet;
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
    String moverAddress = mover.address();
    mover.send("/nick walker");
    // The mover's join is announced before it moves on (a join and a leave within one notice
    // interval would be announced not at all): as walker if the nick came within the interval,
    // else under its address, followed by the nick change.
    String joined;
    do {
      joined = nextContaining(watcher, " joined lobby");
    } while (!joined.contains("walker")
        && !joined.contains(moverAddress + " ")
        && !joined.contains(moverAddress + ","));

    mover.send("/join garden");
    assertThat(nextNotMatching(mover, " is now known as "))
        .isEqualTo("* you are in garden as walker");
    assertThat(nextContaining(watcher, "left lobby")).isEqualTo("* walker left lobby");
    mover.send("hello garden");
    assertThat(nextContaining(mover, "hello garden")).isEqualTo("walker: hello garden");
  }

  @Test
  void aMemberNamedRightAfterConnectingLeavesNoGhostInTheRoster() {
    try (JsonTestClient watcher =
        JsonTestClient.connect(chat.server(), "room", "lobby", "nick", "watcher")) {
      watcher.welcomeAndReplay();
      // What a roster built from the events holds (the web client's members.js: a join adds its
      // names, a leave removes them, a nick event renames a name it knows).
      Set<String> roster = new TreeSet<>(Set.of("watcher"));

      // The way the original client names itself: connect, then /nick at once, before the room
      // has announced the join.
      TestClient renamer = chat.connect();
      renamer.send("/nick alice");
      renamer.send("hi");
      assertThat(nextContaining(renamer, "alice: hi")).isEqualTo("alice: hi");
      renamer.close();
      // Once the room counts the watcher alone, alice's leave is recorded; zed's join comes after
      // it, and presence notices go out in the order they were recorded.
      do {
        watcher.send("type", "who");
      } while (nextWho(watcher, roster).path("count").asInt() != 1);
      try (JsonTestClient last =
          JsonTestClient.connect(chat.server(), "room", "lobby", "nick", "zed")) {
        last.welcomeAndReplay();
        while (!roster.contains("zed")) {
          apply(roster, watcher.next());
        }
        assertThat(roster).containsExactly("watcher", "zed");
      }
    }
  }

  /** Applies presence and nick events to {@code roster} until a {@code who} answer comes. */
  private static JsonNode nextWho(JsonTestClient client, Set<String> roster) {
    while (true) {
      JsonNode event = client.next();
      if (event.path("type").asText().equals("who")) {
        return event;
      }
      apply(roster, event);
    }
  }

  private static void apply(Set<String> roster, JsonNode event) {
    String type = event.path("type").asText();
    if (type.equals("join") || type.equals("leave")) {
      for (JsonNode n : event.path("nicks")) {
        if (type.equals("join")) {
          roster.add(n.asText());
        } else {
          roster.remove(n.asText());
        }
      }
    } else if (type.equals("nick") && roster.remove(event.path("from").asText())) {
      roster.add(event.path("to").asText());
    }
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
