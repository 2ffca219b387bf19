package dev.broadcastchat.server;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Broadcast in one room, seen from plain JDK WebSocket clients: the seed's behaviour. */
class BroadcastIT {
  private static final String WELCOME = "Welcome to chat! Type a message";
  private static final int CLIENTS = 3;
  private static final int MESSAGES_PER_CLIENT = 20;

  @RegisterExtension static final ChatServerExtension server = new ChatServerExtension();

  @Test
  @Timeout(30)
  void welcomesEveryNewConnection() {
    for (int i = 0; i < CLIENTS; i++) {
      TestClient client = server.connect();
      assertThat(client.nextMessage()).isEqualTo(WELCOME);
      client.address();
      assertThat(client.pendingChatMessages())
          .as("received between the welcome and the echo of the client's first message")
          .isEmpty();
    }
  }

  @Test
  @Timeout(30)
  void broadcastsEveryMessageToAllClientsIncludingTheSender() throws Exception {
    List<TestClient> clients = new ArrayList<>();
    for (int i = 0; i < CLIENTS; i++) {
      TestClient client = server.connect();
      assertThat(client.nextMessage()).isEqualTo(WELCOME);
      clients.add(client);
    }
    List<String> addresses = clients.stream().map(TestClient::address).toList();
    assertThat(addresses).allMatch(a -> a.matches("127\\.0\\.0\\.1:\\d+")).doesNotHaveDuplicates();

    List<List<String>> sent = sendConcurrently(clients);

    List<String> expected = new ArrayList<>();
    for (int c = 0; c < CLIENTS; c++) {
      for (String text : sent.get(c)) {
        expected.add(addresses.get(c) + ": " + text);
      }
    }
    List<List<String>> received = new ArrayList<>();
    for (TestClient client : clients) {
      received.add(client.nextChatMessages(CLIENTS * MESSAGES_PER_CLIENT));
    }
    for (List<String> messages : received) {
      assertThat(messages).containsExactlyInAnyOrderElementsOf(expected);
      for (int c = 0; c < CLIENTS; c++) {
        String prefix = addresses.get(c) + ": ";
        assertThat(messages.stream().filter(m -> m.startsWith(prefix)).toList())
            .as("messages from %s, in the order it sent them", addresses.get(c))
            .containsExactlyElementsOf(sent.get(c).stream().map(text -> prefix + text).toList());
      }
    }
    assertThat(received.get(1)).as("order seen by client 1").isEqualTo(received.get(0));
    assertThat(received.get(2)).as("order seen by client 2").isEqualTo(received.get(0));

    // Nothing else was slipped in: the next message everyone gets is a last one sent now.
    clients.get(0).send("the end");
    for (TestClient client : clients) {
      assertThat(client.nextChatMessage()).isEqualTo(addresses.get(0) + ": the end");
    }
  }

  /** Every client sends its messages from its own thread, all released at once. */
  private static List<List<String>> sendConcurrently(List<TestClient> clients) throws Exception {
    ExecutorService senders = Executors.newFixedThreadPool(clients.size());
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<CompletableFuture<List<String>>> sending = new ArrayList<>();
      for (int c = 0; c < clients.size(); c++) {
        TestClient client = clients.get(c);
        int sender = c;
        sending.add(
            CompletableFuture.supplyAsync(
                () -> {
                  awaitUninterruptibly(start);
                  List<String> texts = new ArrayList<>();
                  for (int i = 0; i < MESSAGES_PER_CLIENT; i++) {
                    String text = "message " + i + " from client " + sender;
                    client.send(text);
                    texts.add(text);
                  }
                  return texts;
                },
                senders));
      }
      start.countDown();
      List<List<String>> sent = new ArrayList<>();
      for (CompletableFuture<List<String>> texts : sending) {
        sent.add(texts.get(TestClient.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
      }
      return sent;
    } finally {
      senders.shutdownNow();
    }
  }

  private static void awaitUninterruptibly(CountDownLatch latch) {
    try {
      if (!latch.await(TestClient.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new AssertionError("start signal not given within " + TestClient.TIMEOUT);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted before the start signal", e);
    }
  }

  @Test
  @Timeout(30)
  void aMessageSentRightBehindTheUpgradeRequestIsNotLost() throws Exception {
    TestClient watcher = server.connect();
    assertThat(watcher.nextMessage()).isEqualTo(WELCOME);
    // A client that does not wait for the 101: the request and its first frame in one write.
    byte[] frame =
        RawWebSocket.maskedFrame(
            true, RawWebSocket.Frame.TEXT, "sent with the request".getBytes(UTF_8));
    try (RawWebSocket eager =
        RawWebSocket.connectSendingBehindRequest(server.server().address(), "/", frame)) {
      assertThat(watcher.nextChatMessage())
          .isEqualTo("127.0.0.1:" + eager.localPort() + ": sent with the request");
    }
  }
}
