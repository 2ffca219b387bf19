package dev.broadcastchat.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import java.util.List;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A client that leaves normally leaves the room, and only it. */
class DisconnectIT {
  private static final String WELCOME = "Welcome to chat! Type a message";
  private static final int NORMAL_CLOSURE = 1000;

  @RegisterExtension
  @Order(1)
  final CapturedLogs logs = new CapturedLogs();

  @RegisterExtension
  @Order(2)
  final ChatServerExtension server = new ChatServerExtension();

  @Test
  @Timeout(30)
  void removesADisconnectedClientAndTheOthersKeepChatting() {
    TestClient alice = server.connect();
    TestClient bob = server.connect();
    TestClient carol = server.connect();
    for (TestClient client : List.of(alice, bob, carol)) {
      assertThat(client.nextMessage()).isEqualTo(WELCOME);
    }
    String aliceAddr = alice.address();
    String bobAddr = bob.address();
    String carolAddr = carol.address();

    carol.send("bye all");
    for (TestClient client : List.of(alice, bob, carol)) {
      assertThat(client.nextChatMessage()).isEqualTo(carolAddr + ": bye all");
    }

    carol.sendClose(NORMAL_CLOSURE, "done");
    assertThat(carol.closeCode()).isEqualTo(NORMAL_CLOSURE);

    // A conversation: each line is sent once the previous one came back, so the order is fixed.
    String[][] lines = {
      {aliceAddr, "is carol gone?"}, {bobAddr, "she is"}, {aliceAddr, "then it is the two of us"}
    };
    for (String[] line : lines) {
      TestClient sender = line[0].equals(aliceAddr) ? alice : bob;
      sender.send(line[1]);
      for (TestClient client : List.of(alice, bob)) {
        assertThat(client.nextChatMessage()).isEqualTo(line[0] + ": " + line[1]);
      }
    }
    assertThat(carol.pendingChatMessages()).as("received by carol after she left").isEmpty();

    // The server's last word on carol's connection is its "closed" line; nothing above INFO.
    await()
        .atMost(TestClient.TIMEOUT)
        .until(() -> logs.firstContaining("closed " + carolAddr, "code=1000").isPresent());
    assertThat(logs.atLeast(Level.WARN)).isEmpty();
  }
}
