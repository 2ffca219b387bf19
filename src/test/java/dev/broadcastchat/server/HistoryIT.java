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

/** History on join, resume with {@code since}, and gaps. */
@ParameterizedClass(name = "{0} bus")
@EnumSource(BusKind.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HistoryIT {
  private static final int HISTORY = 100;

  @RegisterExtension final ChatServerExtension chat;

  HistoryIT(BusKind bus) {
    this.chat =
        new ChatServerExtension(
            bus, ServerConfig.defaults("127.0.0.1", 0).withHistory(HISTORY).withRate(0, 1));
  }

  @Test
  void historyThenLiveWithNoGapAndNoDuplicateWhileOthersKeepSending() throws Exception {
    int total = 600;
    try (JsonTestClient sender = JsonTestClient.connect(chat.server(), "room", "busy")) {
      sender.welcomeAndReplay();
      Thread sending =
          new Thread(
              () -> {
                for (int i = 0; i < total; i++) {
                  sender.say("m-" + i);
                }
              });
      sending.start();
      // Join while the sender is in full flow.
      // The sender reads its own echoes until the room is well under way.
      int echoed;
      do {
        echoed = number(sender.next("message"));
      } while (echoed < 150);
      try (JsonTestClient joiner = JsonTestClient.connect(chat.server(), "room", "busy")) {
        List<JsonNode> replay = joiner.welcomeAndReplay();
        assertThat(replay).isNotEmpty().hasSizeLessThanOrEqualTo(HISTORY);
        assertThat(replay).allMatch(e -> e.path("replay").asBoolean());
        List<Integer> seen = new ArrayList<>();
        replay.forEach(e -> seen.add(number(e)));
        while (seen.get(seen.size() - 1) < total - 1) {
          JsonNode live = joiner.next("message");
          assertThat(live.has("replay")).isFalse();
          seen.add(number(live));
        }
        int first = seen.get(0);
        List<Integer> expected = new ArrayList<>();
        for (int i = first; i < total; i++) {
          expected.add(i);
        }
        assertThat(seen).as("replay then live, contiguous").isEqualTo(expected);
      }
      sending.join();
    }
  }

  @Test
  void resumeWithSinceGivesExactlyTheMissedMessagesInOrder() {
    try (JsonTestClient other = JsonTestClient.connect(chat.server(), "room", "r")) {
      other.welcomeAndReplay();
      String lastSeen;
      try (JsonTestClient leaver = JsonTestClient.connect(chat.server(), "room", "r")) {
        leaver.welcomeAndReplay();
        for (int i = 0; i < 5; i++) {
          other.say("before-" + i);
        }
        JsonNode last = null;
        for (int i = 0; i < 5; i++) {
          last = leaver.next("message");
        }
        lastSeen = last.path("id").asText();
      }
      for (int i = 0; i < 50; i++) {
        other.say("missed-" + i);
      }
      assertThat(other.nextMessageTexts(55)).endsWith("missed-49");

      try (JsonTestClient back =
          JsonTestClient.connect(chat.server(), "room", "r", "since", lastSeen)) {
        List<JsonNode> replay = back.welcomeAndReplay();
        List<String> texts = replay.stream().map(e -> e.path("text").asText()).toList();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
          expected.add("missed-" + i);
        }
        assertThat(texts).isEqualTo(expected);
        other.say("after");
        assertThat(back.next("message").path("text").asText()).isEqualTo("after");
      }
    }
  }

  @Test
  void anIdOlderThanTheKeptHistoryGivesAGapThenTheKeptHistory() {
    try (JsonTestClient sender = JsonTestClient.connect(chat.server(), "room", "old")) {
      sender.welcomeAndReplay();
      sender.say("first");
      String firstId = sender.next("message").path("id").asText();
      for (int i = 0; i < HISTORY + 20; i++) {
        sender.say("later-" + i);
      }
      sender.nextMessageTexts(HISTORY + 20);

      try (JsonTestClient back =
          JsonTestClient.connect(chat.server(), "room", "old", "since", firstId)) {
        List<JsonNode> replay = back.welcomeAndReplay();
        assertThat(replay.get(0).path("type").asText()).isEqualTo("gap");
        assertThat(replay.get(0).path("since").asText()).isEqualTo(firstId);
        List<JsonNode> kept = replay.subList(1, replay.size());
        assertThat(kept).hasSize(HISTORY);
        assertThat(kept.get(HISTORY - 1).path("text").asText()).isEqualTo("later-119");
      }
    }
  }

  @Test
  void anUnknownOrForeignIdGivesAGap() {
    try (JsonTestClient a = JsonTestClient.connect(chat.server(), "room", "a")) {
      a.welcomeAndReplay();
      a.say("in a");
      String idInA = a.next("message").path("id").asText();
      for (String since : List.of("nonsense", "zzzz-5", idInA)) {
        try (JsonTestClient b =
            JsonTestClient.connect(chat.server(), "room", "b", "since", since)) {
          List<JsonNode> replay = b.welcomeAndReplay();
          assertThat(replay).as("since=%s", since).isNotEmpty();
          assertThat(replay.get(0).path("type").asText()).isEqualTo("gap");
        }
      }
    }
  }

  @Test
  void aReplayLargerThanTheWriteBoundIsPacedNotCutOff() {
    ServerConfig tight =
        ServerConfig.defaults("127.0.0.1", 0)
            .withHistory(2000)
            .withRate(0, 1)
            .withMaxQueuedBytes(64 * 1024);
    ChatServer server = chat.startAnother(tight);
    try (JsonTestClient sender = JsonTestClient.connect(server, "room", "big")) {
      sender.welcomeAndReplay();
      String text = "x".repeat(500);
      // The sender is bound by the same limit: it reads its echoes as it goes.
      for (int i = 0; i < 2000; i += 20) {
        for (int j = 0; j < 20; j++) {
          sender.say(text);
        }
        sender.nextMessageTexts(20);
      }
      try (JsonTestClient joiner = JsonTestClient.connect(server, "room", "big")) {
        assertThat(joiner.welcomeAndReplay()).hasSize(2000);
        sender.say("live after replay");
        assertThat(joiner.next("message").path("text").asText()).isEqualTo("live after replay");
      }
    }
  }

  private static int number(JsonNode message) {
    String text = message.path("text").asText();
    return Integer.parseInt(text.substring(text.indexOf('-') + 1));
  }
}
