package dev.broadcastchat.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Two well-behaved members of a room, one speaking steadily and one listening, that check that an
 * attack elsewhere harms no one: {@link #during} runs the attack while the speaker sends a message
 * every few milliseconds, then asserts the listener received every one of them, in order.
 *
 * <p>Used from the test thread; the speaker runs on a thread of its own during the attack.
 */
final class Bystanders implements AutoCloseable {
  /** What a test does to the server while the bystanders chat. */
  @FunctionalInterface
  interface Attack {
    void run() throws Exception;
  }

  private static final long PACE_MILLIS = 60;

  private final JsonTestClient speaker;
  private final JsonTestClient listener;
  private int round;

  private Bystanders(JsonTestClient speaker, JsonTestClient listener) {
    this.speaker = speaker;
    this.listener = listener;
  }

  /** Two members in the room named by {@code params} (as for {@link JsonTestClient#connect}). */
  static Bystanders join(ChatServer server, String... params) {
    JsonTestClient speaker = JsonTestClient.connect(server, params);
    JsonTestClient listener = JsonTestClient.connect(server, params);
    speaker.welcomeAndReplay();
    listener.welcomeAndReplay();
    return new Bystanders(speaker, listener);
  }

  /** Runs {@code attack} while the bystanders chat, and checks that they noticed nothing. */
  void during(Attack attack) throws Exception {
    int thisRound = ++round;
    AtomicBoolean stop = new AtomicBoolean();
    List<String> sent = new ArrayList<>();
    Thread talker =
        new Thread(
            () -> {
              for (int i = 0; !stop.get() || i < 3; i++) {
                String text = "steady-" + thisRound + "-" + i;
                speaker.say(text);
                synchronized (sent) {
                  sent.add(text);
                }
                try {
                  TimeUnit.MILLISECONDS.sleep(PACE_MILLIS); // the pace of a person typing
                } catch (InterruptedException e) {
                  return;
                }
              }
            },
            "bystander-speaker");
    talker.start();
    try {
      attack.run();
    } finally {
      stop.set(true);
      talker.join(TimeUnit.SECONDS.toMillis(10));
    }
    List<String> expected;
    synchronized (sent) {
      expected = List.copyOf(sent);
    }
    // Others in the room may chat too (the test's own clients): only the speaker's lines count.
    String prefix = "steady-" + thisRound + "-";
    List<String> received = new ArrayList<>();
    while (received.size() < expected.size()) {
      String text = listener.next("message").path("text").asText();
      if (text.startsWith(prefix)) {
        received.add(text);
      }
    }
    assertThat(received)
        .as("what a bystander received while the attack ran")
        .containsExactlyElementsOf(expected);
  }

  @Override
  public void close() {
    speaker.close();
    listener.close();
  }
}
