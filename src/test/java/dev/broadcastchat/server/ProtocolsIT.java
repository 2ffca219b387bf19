package dev.broadcastchat.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** Text and JSON clients together: order, acks, names, commands and malformed input. */
@ParameterizedClass(name = "{0} bus")
@EnumSource(BusKind.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProtocolsIT {
  @RegisterExtension final ChatServerExtension chat;

  ProtocolsIT(BusKind bus) {
    this.chat = new ChatServerExtension(bus, ServerConfig.defaults("127.0.0.1", 0).withRate(0, 1));
  }

  @Test
  void textAndJsonClientsSeeTheSameMessagesInTheSameOrder() throws Exception {
    TestClient text = chat.connect();
    assertThat(text.nextMessage()).isEqualTo("Welcome to chat! Type a message");
    try (JsonTestClient json = JsonTestClient.connect(chat.server(), "nick", "jay")) {
      assertThat(json.subprotocol()).isEqualTo("chat.v1.json");
      json.welcomeAndReplay();
      Thread t =
          new Thread(
              () -> {
                for (int i = 0; i < 30; i++) {
                  text.send("t" + i);
                }
              });
      t.start();
      for (int i = 0; i < 30; i++) {
        json.say("j" + i);
      }
      t.join();

      List<String> seenByJson = new ArrayList<>();
      for (int i = 0; i < 60; i++) {
        JsonNode m = json.next("message");
        seenByJson.add(m.path("from").asText() + ": " + m.path("text").asText());
      }
      List<String> seenByText = new ArrayList<>();
      while (seenByText.size() < 60) {
        String line = text.nextMessage();
        if (!line.startsWith("* ") && !line.startsWith("! ")) {
          seenByText.add(line);
        }
      }
      assertThat(seenByText).isEqualTo(seenByJson);
      assertThat(seenByText).filteredOn(l -> l.startsWith("jay: ")).hasSize(30);
    }
  }

  /** JSON can carry half a surrogate pair as an escape; UTF-8, and so Redis and text, cannot. */
  @Test
  void aSurrogateOutsideAPairReachesEveryClientAsTheReplacementCharacter() {
    TestClient text = chat.connect();
    assertThat(text.nextMessage()).isEqualTo("Welcome to chat! Type a message");
    try (JsonTestClient json = JsonTestClient.connect(chat.server(), "nick", "sam")) {
      json.welcomeAndReplay();
      json.sendRaw("{\"type\":\"say\",\"text\":\"a\\ud83d b\"}");
      assertThat(json.next("message").path("text").asText()).isEqualTo("a\uFFFD b");
      String line = text.nextMessage();
      while (line.startsWith("* ")) {
        line = text.nextMessage();
      }
      assertThat(line).isEqualTo("sam: a\uFFFD b");
    }
  }

  @Test
  void aSayWithARefIsAckedWithTheIdEveryoneSees() {
    try (JsonTestClient sender = JsonTestClient.connect(chat.server(), "nick", "ann");
        JsonTestClient other = JsonTestClient.connect(chat.server(), "nick", "bob")) {
      sender.welcomeAndReplay();
      other.welcomeAndReplay();
      sender.send("type", "say", "text", "hello", "ref", "r-1");
      String ackId = null;
      String ownId = null;
      while (ackId == null || ownId == null) {
        JsonNode e = sender.nextNonPresence();
        switch (e.path("type").asText()) {
          case "ack" -> {
            assertThat(e.path("ref").asText()).isEqualTo("r-1");
            ackId = e.path("id").asText();
          }
          case "message" -> ownId = e.path("id").asText();
          default -> throw new AssertionError("unexpected " + e);
        }
      }
      JsonNode seen = other.next("message");
      assertThat(seen.path("id").asText()).isEqualTo(ackId).isEqualTo(ownId);
      assertThat(seen.path("from").asText()).isEqualTo("ann");
      assertThat(seen.path("text").asText()).isEqualTo("hello");
      assertThat(seen.path("ts").asLong()).isPositive();
      assertThat(seen.path("addr").asText()).matches("127\\.0\\.0\\.1:\\d+");
    }
  }

  @Test
  void aResentRefIsAckedAgainButNotBroadcastTwice() {
    try (JsonTestClient sender = JsonTestClient.connect(chat.server(), "nick", "ann")) {
      sender.welcomeAndReplay();
      sender.send("type", "say", "text", "once", "ref", "same");
      // The ack and the message itself may come in either order (the Redis bus acks on store).
      String first = null;
      boolean echoed = false;
      while (first == null || !echoed) {
        JsonNode e = sender.nextNonPresence();
        if (e.path("type").asText().equals("ack")) {
          first = e.path("id").asText();
        } else {
          assertThat(e.path("type").asText()).isEqualTo("message");
          echoed = true;
        }
      }
      sender.send("type", "say", "text", "once", "ref", "same");
      assertThat(sender.next("ack").path("id").asText()).isEqualTo(first);
      sender.say("marker");
      assertThat(sender.next("message").path("text").asText()).isEqualTo("marker");
    }
  }

  @Test
  void aBadRoomOrNickAtConnectGetsAnErrorAndClose1008() {
    try (JsonTestClient bad = JsonTestClient.connect(chat.server(), "room", "no spaces")) {
      JsonNode error = bad.next();
      assertThat(error.path("type").asText()).isEqualTo("error");
      assertThat(error.path("code").asText()).isEqualTo("bad_name");
      assertThat(bad.closeCode()).isEqualTo(1008);
    }
    try (JsonTestClient bad = JsonTestClient.connect(chat.server(), "nick", "!bang")) {
      assertThat(bad.next().path("code").asText()).isEqualTo("bad_name");
      assertThat(bad.closeCode()).isEqualTo(1008);
    }
    TestClient text = TestClient.connect(java.net.URI.create(chat.server().url() + "?nick=a:b"));
    assertThat(text.nextMessage()).startsWith("! bad nick");
    assertThat(text.closeCode()).isEqualTo(1008);
  }

  /** A ';' is part of a value: ?room=a;b is the room "a;b" (refused), not quietly the room a. */
  @Test
  void aSemicolonInTheQueryIsPartOfTheValue() {
    TestClient text = TestClient.connect(java.net.URI.create(chat.server().url() + "?room=a;b"));
    assertThat(text.nextMessage()).startsWith("! bad room");
    assertThat(text.closeCode()).isEqualTo(1008);
    try (JsonTestClient json =
        JsonTestClient.connect(java.net.URI.create(chat.server().url() + "?nick=ann;x&room=s"))) {
      JsonNode welcome = json.next("welcome");
      assertThat(welcome.path("nick").asText()).isEqualTo("ann;x");
      assertThat(welcome.path("room").asText()).isEqualTo("s");
    }
  }

  @Test
  void aTakenNickGetsASuffixReportedInWelcome() {
    try (JsonTestClient first = JsonTestClient.connect(chat.server(), "nick", "alice");
        JsonTestClient second = JsonTestClient.connect(chat.server(), "nick", "ALICE")) {
      assertThat(first.next("welcome").path("nick").asText()).isEqualTo("alice");
      assertThat(second.next("welcome").path("nick").asText()).isEqualTo("ALICE_2");
    }
  }

  @Test
  void nickChangesAreAnnouncedAndATakenNickIsRefused() {
    try (JsonTestClient a = JsonTestClient.connect(chat.server(), "nick", "alice");
        JsonTestClient b = JsonTestClient.connect(chat.server())) {
      a.welcomeAndReplay();
      b.welcomeAndReplay();
      b.send("type", "nick", "nick", "Alice");
      JsonNode refused = b.next("error");
      assertThat(refused.path("code").asText()).isEqualTo("nick_taken");
      b.send("type", "nick", "nick", "bob");
      JsonNode change = a.next("nick");
      assertThat(change.path("from").asText()).matches("127\\.0\\.0\\.1:\\d+");
      assertThat(change.path("to").asText()).isEqualTo("bob");
      assertThat(b.next("nick").path("to").asText()).isEqualTo("bob");
      b.say("hi");
      assertThat(a.next("message").path("from").asText()).isEqualTo("bob");
      assertThat(b.next("message").path("from").asText()).isEqualTo("bob");
      b.send("type", "nick", "nick", "has space");
      assertThat(b.next("error").path("code").asText()).isEqualTo("bad_name");
    }
  }

  @Test
  void whoAnswersWithACountAndTheNames() {
    try (JsonTestClient a = JsonTestClient.connect(chat.server(), "room", "w", "nick", "alice");
        JsonTestClient b = JsonTestClient.connect(chat.server(), "room", "w", "nick", "bob")) {
      a.welcomeAndReplay();
      b.welcomeAndReplay();
      a.send("type", "who");
      JsonNode who = a.next("who");
      assertThat(who.path("count").asInt()).isEqualTo(2);
      List<String> names = new ArrayList<>();
      who.path("members").forEach(n -> names.add(n.asText()));
      assertThat(names).containsExactlyInAnyOrder("alice", "bob");
    }
  }

  @Test
  void malformedJsonAndUnknownTypesGetAnErrorAndTheConnectionStays() {
    try (JsonTestClient c = JsonTestClient.connect(chat.server())) {
      c.welcomeAndReplay();
      c.sendRaw("{not json");
      assertThat(c.next("error").path("code").asText()).isEqualTo("bad_json");
      c.sendRaw("[1,2]");
      assertThat(c.next("error").path("code").asText()).isEqualTo("bad_json");
      c.send("type", "dance");
      assertThat(c.next("error").path("code").asText()).isEqualTo("unknown_type");
      // A say refused for its fields names itself, so that a client sending ahead knows which.
      c.sendRaw("{\"type\":\"say\",\"ref\":\"c1-5\",\"action\":\"yes\",\"text\":\"x\"}");
      JsonNode refused = c.next("error");
      assertThat(refused.path("code").asText()).isEqualTo("bad_json");
      assertThat(refused.path("ref").asText()).isEqualTo("c1-5");
      c.send("type", "ping");
      assertThat(c.next("pong").path("type").asText()).isEqualTo("pong");
      c.say("still here");
      assertThat(c.next("message").path("text").asText()).isEqualTo("still here");
    }
  }

  @Test
  void textCommandsAnswerTheSenderOnly() {
    TestClient a = chat.connect();
    TestClient b = chat.connect();
    a.nextMessage();
    b.nextMessage();
    a.send("/frobnicate now");
    assertThat(nextBroadcast(a)).isEqualTo("! unknown command /frobnicate, try /help");
    a.send("/help");
    assertThat(nextBroadcast(a)).startsWith("* commands:");
    a.send("/nick al");
    a.send("/me waves");
    a.send("//slash");
    for (TestClient client : List.of(a, b)) {
      assertThat(nextBroadcast(client)).isEqualTo("* al waves");
      assertThat(nextBroadcast(client)).isEqualTo("al: /slash");
    }
    a.send("/who");
    assertThat(nextBroadcast(a)).matches("\\* 2 in lobby: .*al.*");
  }

  /** The next line that is not a presence or nick-change notice. */
  private static String nextBroadcast(TestClient client) {
    while (true) {
      String line = client.nextMessage();
      if (!line.contains(" joined ")
          && !line.contains(" left ")
          && !line.contains(" is now known as ")) {
        return line;
      }
    }
  }
}
