package dev.broadcastchat.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import dev.broadcastchat.bus.Bus;
import dev.broadcastchat.bus.Draft;
import dev.broadcastchat.bus.RedisServer;
import dev.broadcastchat.bus.Replay;
import dev.broadcastchat.protocol.ChatMessage;
import dev.broadcastchat.protocol.ServerEvent;
import io.lettuce.core.Range;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Several nodes sharing rooms through a real redis-server: one order everywhere, resume across
 * nodes, Redis going away and coming back, a node dying, and the traps a Redis bus falls into.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ClusterIT {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @RegisterExtension final CapturedLogs logs = new CapturedLogs();

  private RedisServer redis;
  private final List<ChatServer> nodes = new ArrayList<>();
  private final List<JsonTestClient> clients = new ArrayList<>();

  @BeforeEach
  void startRedis() {
    redis = RedisServer.start();
  }

  @AfterEach
  void stopAll() {
    try {
      clients.forEach(JsonTestClient::close);
      nodes.forEach(ChatServer::close);
    } finally {
      redis.close();
    }
  }

  @Test
  void everyClientOnEveryNodeReceivesTheSameMessagesInTheSameOrder() throws Exception {
    List<ChatServer> three = List.of(node(), node(), node());
    List<JsonTestClient> everyone = new ArrayList<>();
    for (ChatServer node : three) {
      for (int i = 0; i < 2; i++) {
        JsonTestClient c = connect(node, "room", "all");
        c.welcomeAndReplay();
        everyone.add(c);
      }
    }
    int each = 40;
    List<Thread> senders = new ArrayList<>();
    for (int c = 0; c < everyone.size(); c++) {
      JsonTestClient client = everyone.get(c);
      String name = "c" + c;
      Thread sender =
          new Thread(
              () -> {
                for (int i = 0; i < each; i++) {
                  client.say(name + "-" + i);
                }
              });
      sender.start();
      senders.add(sender);
    }
    for (Thread t : senders) {
      t.join();
    }
    int total = each * everyone.size();
    List<List<String>> seen = new ArrayList<>();
    for (JsonTestClient client : everyone) {
      List<String> ids = new ArrayList<>();
      Set<String> texts = new HashSet<>();
      for (int i = 0; i < total; i++) {
        JsonNode m = client.next("message");
        ids.add(m.path("id").asText());
        texts.add(m.path("text").asText());
      }
      assertThat(new HashSet<>(ids)).as("distinct ids").hasSize(total);
      assertThat(texts).as("every message sent").hasSize(total);
      seen.add(ids);
    }
    for (List<String> ids : seen) {
      assertThat(ids).isEqualTo(seen.get(0));
    }
  }

  @Test
  void aClientThatLeavesOneNodeResumesOnAnotherWithExactlyWhatItMissed() {
    ChatServer a = node();
    ChatServer b = node();
    JsonTestClient stayer = connect(b, "room", "hop");
    stayer.welcomeAndReplay();
    String lastSeen;
    try (JsonTestClient leaver = connect(a, "room", "hop")) {
      leaver.welcomeAndReplay();
      for (int i = 0; i < 5; i++) {
        stayer.say("before-" + i);
      }
      JsonNode last = null;
      for (int i = 0; i < 5; i++) {
        last = leaver.next("message");
      }
      lastSeen = last.path("id").asText();
    }
    List<String> missed = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      stayer.say("missed-" + i);
      missed.add("missed-" + i);
    }
    assertThat(stayer.nextMessageTexts(35)).endsWith("missed-29");

    JsonTestClient back = connect(b, "room", "hop", "since", lastSeen);
    List<JsonNode> replay = back.welcomeAndReplay();
    assertThat(replay).extracting(e -> e.path("text").asText()).isEqualTo(missed);
    stayer.say("after");
    assertThat(back.next("message").path("text").asText()).isEqualTo("after");
  }

  @Test
  void redisStoppedMidRunRefusesSendsThenTheRoomCarriesOnWithNothingAcknowledgedLost()
      throws Exception {
    List<ChatServer> three = List.of(node(), node(), node());
    List<Collector> collectors = new ArrayList<>();
    for (int i = 0; i < three.size(); i++) {
      JsonTestClient c = connect(three.get(i), "room", "storm", "nick", "n" + i);
      c.welcomeAndReplay();
      collectors.add(new Collector("n" + i, c));
    }
    collectors.forEach(Collector::startSending);
    await("messages flowing")
        .atMost(WAIT)
        .until(() -> collectors.stream().allMatch(c -> c.acks.size() >= 10));

    redis.kill();
    await("every node not ready")
        .atMost(WAIT)
        .until(() -> three.stream().allMatch(n -> status(n, "/readyz") == 503));
    await("every sender told unavailable")
        .atMost(WAIT)
        .until(() -> collectors.stream().allMatch(c -> !c.errors.isEmpty()));
    for (ChatServer n : three) {
      assertThat(status(n, "/healthz")).isEqualTo(200);
    }
    assertThat(collectors).allMatch(c -> !c.client.isClosed());
    assertThat(collectors)
        .allMatch(c -> c.errors.values().stream().allMatch(code -> code.equals("unavailable")));

    redis.restart();
    await("every node ready again")
        .atMost(WAIT)
        .until(() -> three.stream().allMatch(n -> status(n, "/readyz") == 200));
    Map<Collector, Integer> acksBefore = new ConcurrentHashMap<>();
    collectors.forEach(c -> acksBefore.put(c, c.acks.size()));
    await("messages flowing again")
        .atMost(WAIT)
        .until(() -> collectors.stream().allMatch(c -> c.acks.size() >= acksBefore.get(c) + 10));
    collectors.forEach(Collector::stopSending);

    for (Collector c : collectors) {
      c.client.send("type", "say", "text", "end-" + c.name, "ref", "end-" + c.name);
    }
    await("every end marker everywhere")
        .atMost(WAIT)
        .until(
            () ->
                collectors.stream()
                    .allMatch(
                        c ->
                            collectors.stream()
                                .allMatch(other -> c.texts.contains("end-" + other.name))));

    await("every say answered")
        .atMost(WAIT)
        .until(
            () ->
                collectors.stream()
                    .allMatch(c -> c.acks.size() + c.errors.size() == c.sent.get() + 1));
    Set<String> acked = new HashSet<>();
    collectors.forEach(c -> acked.addAll(c.acks.values()));
    for (Collector c : collectors) {
      assertThat(c.ids).as("%s received nothing twice", c.name).doesNotHaveDuplicates();
      assertThat(c.ids).as("%s received every acknowledged message", c.name).containsAll(acked);
      assertThat(c.ids).as("%s saw the same sequence", c.name).isEqualTo(collectors.get(0).ids);
      assertThat(c.client.isClosed()).isFalse();
    }
  }

  /** An operator must read from the log that Redis turned the password down, not the network. */
  @Test
  void aWrongRedisPasswordIsLoggedAsRedisRefusingItNeverShowingThePassword() {
    ServerConfig config = ServerConfig.defaults("127.0.0.1", 0);
    try (RedisServer guarded = RedisServer.requiringPassword("s3cretpass");
        ChatServer wrong =
            ChatServer.start(config.withRedis(guarded.urlWithPassword("wr0ngpass"), "c:"))) {
      ILoggingEvent warning =
          await("the failed connection logged")
              .atMost(WAIT)
              .until(
                  () -> logs.firstContaining("redis at 127.0.0.1:" + guarded.port(), "retrying"),
                  Optional::isPresent)
              .orElseThrow();
      assertThat(warning.getLevel()).isEqualTo(Level.WARN);
      assertThat(warning.getFormattedMessage())
          .contains("refused: WRONGPASS invalid username-password pair")
          .doesNotContain("unreachable");
      assertThat(wrong.ready()).isFalse();

      try (ChatServer right = ChatServer.start(config.withRedis(guarded.url(), "c:"))) {
        await("the right password connects").atMost(WAIT).until(right::ready);
      }
      assertThat(logs.events())
          .extracting(ILoggingEvent::getFormattedMessage)
          .noneMatch(line -> line.contains("wr0ngpass") || line.contains("s3cretpass"));
    }
  }

  @Test
  void aSayRefusedWhileRedisIsDownNeverAppearsOnceItIsBack() {
    ChatServer a = node();
    ChatServer b = node();
    JsonTestClient sender = connect(a, "room", "down");
    JsonTestClient watcher = connect(b, "room", "down");
    sender.welcomeAndReplay();
    watcher.welcomeAndReplay();
    TestClient text = TestClient.connect(URI.create(a.url() + "?room=down"));
    assertThat(text.nextMessage()).isEqualTo("Welcome to chat! Type a message");

    redis.kill();
    await("node a not ready").atMost(WAIT).until(() -> !a.ready());
    sender.send("type", "say", "text", "refused", "ref", "r-refused");
    JsonNode error = sender.next("error");
    assertThat(error.path("code").asText()).isEqualTo("unavailable");
    assertThat(error.path("ref").asText()).isEqualTo("r-refused");
    assertThat(error.path("message").asText()).startsWith("unavailable: redis at 127.0.0.1:");
    text.send("refused too");
    assertThat(text.nextChatMessage()).startsWith("! unavailable: redis at 127.0.0.1:");

    redis.restart();
    await("both nodes ready").atMost(WAIT).until(() -> a.ready() && b.ready());
    sender.say("marker");
    for (JsonTestClient c : List.of(sender, watcher)) {
      assertThat(c.next("message").path("text").asText()).isEqualTo("marker");
    }
    assertThat(text.nextChatMessage()).endsWith(": marker");
    assertThat(storedTexts("down")).containsExactly("marker");
    text.abort();
  }

  @Test
  void aNickChangedWhileRedisIsDownIsConfirmedWithAnError() {
    ChatServer a = node();
    JsonTestClient json = connect(a, "room", "renames", "nick", "ann");
    json.welcomeAndReplay();
    TestClient text = TestClient.connect(URI.create(a.url() + "?room=renames&nick=tex"));
    assertThat(text.nextMessage()).isEqualTo("Welcome to chat! Type a message");

    redis.kill();
    await("node a not ready").atMost(WAIT).until(() -> !a.ready());
    json.send("type", "nick", "nick", "ann2");
    JsonNode renamed = json.next("nick");
    assertThat(renamed.path("from").asText()).isEqualTo("ann");
    assertThat(renamed.path("to").asText()).isEqualTo("ann2");
    JsonNode error = json.next("error");
    assertThat(error.path("code").asText()).isEqualTo("unavailable");
    assertThat(error.path("message").asText())
        .startsWith("unavailable: redis at 127.0.0.1:")
        .endsWith("the others may not have been told of the new nick");
    text.send("/nick tex2");
    assertThat(text.nextMessage()).isEqualTo("* tex is now known as tex2");
    assertThat(text.nextMessage())
        .startsWith("! unavailable: redis at 127.0.0.1:")
        .endsWith("the others may not have been told of the new nick");
    text.abort();
  }

  @Test
  void theAckAndTheCopyOfAMessageMayArriveInEitherOrder() {
    CompletableFuture<Void> ackSeen = new CompletableFuture<>();
    CompletableFuture<Void> copySeen = new CompletableFuture<>();
    ChatServer node =
        node(
            new ChatServer.BusHooks() {
              @Override
              public Bus.Delivery delivery(Bus.Delivery delivery) {
                return new Bus.Delivery() {
                  @Override
                  public void deliver(ChatMessage message) {
                    if (message.text().equals("copy last")) {
                      // Held back until the sender has its ack.
                      ackSeen.thenRun(() -> delivery.deliver(message));
                    } else {
                      delivery.deliver(message);
                    }
                  }

                  @Override
                  public void deliverEvent(String room, ServerEvent event) {
                    delivery.deliverEvent(room, event);
                  }

                  @Override
                  public void missed(String room) {
                    delivery.missed(room);
                  }
                };
              }

              @Override
              public Bus bus(Bus bus) {
                return new ForwardingBus(bus) {
                  @Override
                  public CompletionStage<ChatMessage> publish(Draft draft) {
                    CompletionStage<ChatMessage> stored = super.publish(draft);
                    if (!draft.text().equals("ack last")) {
                      return stored;
                    }
                    // The ack waits until the sender has the copy. (Waiting only until the copy
                    // is handed to the room is not enough: if that happens before the session
                    // has attached its callback, the ack is written at once, ahead of the
                    // drain task that writes the copy.)
                    return stored.thenCompose(m -> copySeen.thenApply(v -> m));
                  }
                };
              }
            });
    JsonTestClient sender = connect(node, "room", "order");
    sender.welcomeAndReplay();

    sender.send("type", "say", "text", "copy last", "ref", "r1");
    JsonNode ack = sender.nextNonPresence();
    assertThat(ack.path("type").asText()).isEqualTo("ack");
    ackSeen.complete(null);
    JsonNode copy = sender.next("message");
    assertThat(copy.path("id").asText()).isEqualTo(ack.path("id").asText());

    sender.send("type", "say", "text", "ack last", "ref", "r2");
    JsonNode first = sender.nextNonPresence();
    assertThat(first.path("type").asText()).isEqualTo("message");
    copySeen.complete(null);
    JsonNode second = sender.next("ack");
    assertThat(second.path("id").asText()).isEqualTo(first.path("id").asText());

    sender.say("marker");
    assertThat(sender.next("message").path("text").asText()).isEqualTo("marker");
    assertThat(sender.pending()).noneMatch(e -> e.path("type").asText().equals("message"));
  }

  @Test
  void presenceAndWhoCountTheMembersOfEveryNode() {
    ChatServer a = node();
    ChatServer b = node();
    JsonTestClient alice = connect(a, "room", "p", "nick", "alice");
    alice.welcomeAndReplay();
    JsonTestClient bob = connect(b, "room", "p", "nick", "bob");
    bob.welcomeAndReplay();

    JsonNode joined = alice.next("join");
    while (!joined.path("nicks").toString().contains("bob")) {
      joined = alice.next("join");
    }
    assertThat(joined.path("members").asInt()).isEqualTo(2);
    assertThat(who(alice)).containsExactlyInAnyOrder("alice", "bob");
    assertThat(who(bob)).containsExactlyInAnyOrder("alice", "bob");

    bob.send("type", "nick", "nick", "robert");
    JsonNode change = alice.next("nick");
    assertThat(change.path("from").asText()).isEqualTo("bob");
    assertThat(change.path("to").asText()).isEqualTo("robert");
    await("the new nick listed on node a").atMost(WAIT).until(() -> who(alice).contains("robert"));
  }

  @Test
  void aNickIsUniqueInARoomAcrossNodes() {
    ChatServer a = node();
    ChatServer b = node();
    JsonTestClient alice = connect(a, "room", "u", "nick", "alice");
    assertThat(alice.next("welcome").path("nick").asText()).isEqualTo("alice");
    alice.replayUntilLive();

    // Taken on another node: a suffix at connect, nick_taken for /nick, whatever the case.
    JsonTestClient second = connect(b, "room", "u", "nick", "Alice");
    assertThat(second.next("welcome").path("nick").asText()).isEqualTo("Alice_2");
    second.replayUntilLive();
    JsonTestClient bob = connect(b, "room", "u", "nick", "bob");
    bob.welcomeAndReplay();
    bob.send("type", "nick", "nick", "ALICE");
    JsonNode taken = bob.next("error");
    assertThat(taken.path("code").asText()).isEqualTo("nick_taken");
    assertThat(taken.path("message").asText()).isEqualTo("nick ALICE is taken");
    assertThat(who(bob)).containsExactlyInAnyOrder("alice", "Alice_2", "bob");

    // Another room has its own nicks.
    JsonTestClient elsewhere = connect(b, "room", "v", "nick", "alice");
    assertThat(elsewhere.next("welcome").path("nick").asText()).isEqualTo("alice");

    // Free again once its holder has left.
    alice.close();
    await("alice's nick free on node b")
        .atMost(WAIT)
        .until(
            () -> {
              bob.send("type", "nick", "nick", "alice");
              return bob.nextNonPresence().path("type").asText().equals("nick");
            });
    assertThat(second.next("nick").path("to").asText()).isEqualTo("alice");
    await("a's record gone with its last member").atMost(WAIT).until(() -> who(second).size() == 2);
    assertThat(who(second)).containsExactlyInAnyOrder("Alice_2", "alice");
  }

  @Test
  void framesSentWhileTheNickIsClaimedAreHandledInOrderAfterTheWelcome() {
    CompletableFuture<Void> gate = new CompletableFuture<>();
    ChatServer a = node(claimsWaitFor(gate));
    JsonTestClient watcher = connect(a, "room", "q");
    watcher.welcomeAndReplay();
    JsonTestClient eager = connect(a, "room", "q", "nick", "eager");
    eager.say("one");
    eager.send("type", "nick", "nick", "keen");
    eager.say("two");
    assertThat(eager.poll(Duration.ofMillis(200)))
        .as("nothing before the claim is answered")
        .isNull();

    gate.complete(null);
    assertThat(eager.next("welcome").path("nick").asText()).isEqualTo("eager");
    // "one" is sent as the replay is read: it comes in the replay or live, once either way.
    List<String> messages = messageLines(eager, eager.replayUntilLive(), 2);
    // The rename and a message after it travel different ways to Redis: only each one's own
    // place among the frames is certain, and the sender named on each message shows it.
    assertThat(messages).containsExactly("eager: one", "keen: two");
    assertThat(watcher.nextMessageFrom("eager").path("text").asText()).isEqualTo("one");
    assertThat(watcher.nextMessageFrom("keen").path("text").asText()).isEqualTo("two");
  }

  @Test
  void aConnectionThatEndsWhileItsNickIsClaimedLeavesTheNickFree() {
    CompletableFuture<Void> gate = new CompletableFuture<>();
    ChatServer a = node(claimsWaitFor(gate));
    JsonTestClient early = connect(a, "room", "e", "nick", "early");
    early.close();
    gate.complete(null);
    await("the connection closed").atMost(WAIT).until(() -> a.openConnections() == 0);

    String nicks = "c:{e}:nicks";
    await("its claim released")
        .atMost(WAIT)
        .until(() -> redis.commands().hget(nicks, "early") == null);
    JsonTestClient again = connect(a, "room", "e", "nick", "early");
    assertThat(again.next("welcome").path("nick").asText()).isEqualTo("early");
  }

  @Test
  void whatAClientSentBeforeLeavingWhileItsNickWasClaimedIsStillSent() {
    CompletableFuture<Void> gate = new CompletableFuture<>();
    ChatServer a = node(claimsWaitFor(gate));
    // Without a nick, nothing to claim: in at once.
    JsonTestClient watcher = connect(a, "room", "w");
    watcher.welcomeAndReplay();
    // Clients that say one thing and go, as a script piping one line would, before their claims
    // are answered.
    JsonTestClient polite = connect(a, "room", "w", "nick", "polite");
    polite.say("said before a close frame");
    polite.sendClose();
    JsonTestClient abrupt = connect(a, "room", "w", "nick", "abrupt");
    abrupt.say("said before the connection dropped");
    abrupt.close();
    await("the dropped connection noticed").atMost(WAIT).until(() -> a.openConnections() == 2);
    gate.complete(null);
    // The two claims are answered in either order, and so their messages go out.
    List<String> said = messageLines(watcher, List.of(), 2);
    assertThat(said)
        .containsExactlyInAnyOrder(
            "polite: said before a close frame", "abrupt: said before the connection dropped");
    assertThat(polite.closeCode()).isEqualTo(1000);
    await("both gone").atMost(WAIT).until(() -> a.openConnections() == 1);
  }

  @Test
  void membersWhoseNicksAreBeingClaimedCountTowardsAFullRoom() {
    CompletableFuture<Void> gate = new CompletableFuture<>();
    ChatServer a =
        node(
            ServerConfig.defaults("127.0.0.1", 0)
                .withSecurity(SecurityConfig.DEFAULTS.withRoomLimits(100, 2)),
            claimsWaitFor(gate));
    JsonTestClient first = connect(a, "room", "small", "nick", "first");
    JsonTestClient second = connect(a, "room", "small", "nick", "second");
    JsonTestClient third = connect(a, "room", "small", "nick", "third");
    JsonNode refused = third.next("error");
    assertThat(refused.path("code").asText()).isEqualTo("unavailable");
    assertThat(refused.path("message").asText())
        .isEqualTo("unavailable: room small is full (max 2)");
    assertThat(third.closeCode()).isEqualTo(1008);
    gate.complete(null);
    assertThat(first.next("welcome").path("nick").asText()).isEqualTo("first");
    assertThat(second.next("welcome").path("nick").asText()).isEqualTo("second");
  }

  @Test
  void nickClaimsLostWithRedisDataAreMadeAgain() {
    ChatServer a = node();
    ChatServer b = node();
    JsonTestClient alice = connect(a, "room", "lost", "nick", "alice");
    alice.welcomeAndReplay();
    String nicks = "c:{lost}:nicks";
    assertThat(redis.commands().hget(nicks, "alice")).isNotNull();

    // A Redis without persistence that restarts comes back empty; so does one that is flushed.
    redis.commands().flushall();
    await("alice's claim made again with node a's record")
        .atMost(WAIT)
        .until(() -> redis.commands().hget(nicks, "alice") != null);
    JsonTestClient other = connect(b, "room", "lost", "nick", "alice");
    assertThat(other.next("welcome").path("nick").asText()).isEqualTo("alice_2");
  }

  /**
   * {@code replayed}'s messages and then the next ones {@code client} gets, other events passed
   * over, until there are {@code n}: each as {@code from: text}.
   */
  private static List<String> messageLines(JsonTestClient client, List<JsonNode> replayed, int n) {
    List<String> lines = new ArrayList<>();
    for (JsonNode message : replayed) {
      lines.add(message.path("from").asText() + ": " + message.path("text").asText());
    }
    while (lines.size() < n) {
      JsonNode event = client.next();
      if (event.path("type").asText().equals("message")) {
        lines.add(event.path("from").asText() + ": " + event.path("text").asText());
      }
    }
    return lines;
  }

  /** Hooks under which every nick claim waits for {@code gate} before it is answered. */
  private static ChatServer.BusHooks claimsWaitFor(CompletableFuture<Void> gate) {
    return new ChatServer.BusHooks() {
      @Override
      public Bus bus(Bus bus) {
        return new ForwardingBus(bus) {
          @Override
          public CompletionStage<Boolean> claimNick(String room, String nick, String token) {
            return super.claimNick(room, nick, token).thenCombine(gate, (claimed, open) -> claimed);
          }
        };
      }
    };
  }

  @Test
  void aNodeListensToARoomOnlyWhileItHasMembersThere() {
    ChatServer a = node();
    String channel = "c:{quiet}:bus";
    assertThat(redis.commands().pubsubNumsub(channel)).containsEntry(channel, 0L);
    try (JsonTestClient member = connect(a, "room", "quiet")) {
      member.welcomeAndReplay();
      assertThat(redis.commands().pubsubNumsub(channel)).containsEntry(channel, 1L);
    }
    await("unsubscribed once the last member left")
        .atMost(WAIT)
        .until(() -> redis.commands().pubsubNumsub(channel).get(channel) == 0L);
  }

  @Test
  void membersAreToldToResumeWhenRedisLostTheRoomsLog() {
    ChatServer a = node();
    ChatServer b = node();
    JsonTestClient here = connect(a, "room", "gone");
    JsonTestClient there = connect(b, "room", "gone");
    here.welcomeAndReplay();
    there.welcomeAndReplay();
    there.say("before");
    String lastSeen = here.next("message").path("id").asText();

    // A Redis without persistence that restarts comes back empty; so does one that is flushed.
    redis.commands().flushall();
    there.say("after");
    JsonNode error = here.next("error");
    assertThat(error.path("code").asText()).isEqualTo("unavailable");
    assertThat(here.closeCode()).isEqualTo(1013);

    JsonTestClient resumed = connect(a, "room", "gone", "since", lastSeen);
    List<JsonNode> replay = resumed.welcomeAndReplay();
    assertThat(replay.get(0).path("type").asText()).isEqualTo("gap");
    assertThat(replay.subList(1, replay.size()))
        .extracting(e -> e.path("text").asText())
        .containsExactly("after");
  }

  @Test
  void aKilledNodesMembersLeaveWhoOnTheOthersWithinTheBound() throws Exception {
    ChatServer a = node();
    JsonTestClient alice = connect(a, "room", "k", "nick", "alice");
    alice.welcomeAndReplay();
    // Carol only listens: alice's who requests would pass over the presence events on the way.
    JsonTestClient carol = connect(a, "room", "k", "nick", "carol");
    carol.welcomeAndReplay();
    Process b = startProcessNode();
    try {
      String url = listeningUrl(b);
      JsonTestClient bob = JsonTestClient.connect(URI.create(url + "?room=k&nick=bob"));
      clients.add(bob);
      bob.welcomeAndReplay();
      await("bob listed on node a").atMost(WAIT).until(() -> who(alice).contains("bob"));

      b.destroyForcibly();
      long killed = System.nanoTime();
      assertThat(b.waitFor(10, TimeUnit.SECONDS)).isTrue();
      await("bob gone from node a's who")
          .atMost(Duration.ofSeconds(15))
          .pollInterval(Duration.ofMillis(250))
          .until(() -> !who(alice).contains("bob"));
      Duration took = Duration.ofNanos(System.nanoTime() - killed);
      assertThat(took).isLessThanOrEqualTo(Duration.ofSeconds(11));
      assertThat(who(alice)).containsExactlyInAnyOrder("alice", "carol");

      // And the members still here hear that bob left: once a node with members in the room has
      // written its record more than a grace (4 s) after bob's expired (10 s): within about 20 s.
      JsonNode left = nextLeaveOf(carol, "bob", killed + Duration.ofSeconds(30).toNanos());
      assertThat(left.path("room").asText()).isEqualTo("k");
      assertThat(left.path("members").asInt()).isEqualTo(2);

      // The dead node's claim on bob's nick went with its record.
      JsonTestClient newBob = connect(a, "room", "k", "nick", "bob");
      assertThat(newBob.next("welcome").path("nick").asText()).isEqualTo("bob");
    } finally {
      b.destroyForcibly();
    }
  }

  /** The first leave event naming {@code nick} that {@code client} gets before {@code deadline}. */
  private static JsonNode nextLeaveOf(JsonTestClient client, String nick, long deadline) {
    while (true) {
      long left = deadline - System.nanoTime();
      JsonNode event = left <= 0 ? null : client.poll(Duration.ofNanos(left));
      if (event == null) {
        throw new AssertionError("no leave event for " + nick + " in time");
      }
      if (event.path("type").asText().equals("leave")) {
        for (JsonNode name : event.path("nicks")) {
          if (name.asText().equals(nick)) {
            return event;
          }
        }
      }
    }
  }

  /** The names a {@code who} from {@code client} lists. */
  private static List<String> who(JsonTestClient client) {
    client.send("type", "who");
    List<String> names = new ArrayList<>();
    client.next("who").path("members").forEach(n -> names.add(n.asText()));
    return names;
  }

  private Process startProcessNode() throws IOException {
    Path jar = Path.of(System.getProperty("chat.jar", "target/chat.jar"));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb =
        new ProcessBuilder(
            java,
            "-jar",
            jar.toString(),
            "server",
            "--port",
            "0",
            "--redis",
            redis.url(),
            "--redis-prefix",
            "c:");
    pb.redirectError(ProcessBuilder.Redirect.DISCARD);
    return pb.start();
  }

  private static String listeningUrl(Process process) throws IOException {
    BufferedReader out =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    Pattern listening = Pattern.compile("listening on (ws://\\S+/)");
    String line;
    while ((line = out.readLine()) != null) {
      Matcher m = listening.matcher(line);
      if (m.matches()) {
        return m.group(1);
      }
    }
    throw new AssertionError("the node process ended without listening");
  }

  private List<String> storedTexts(String room) {
    List<String> texts = new ArrayList<>();
    redis
        .commands()
        .xrange("c:{" + room + "}:log", Range.create("-", "+"))
        .forEach(
            entry -> {
              Matcher m =
                  Pattern.compile("\"text\":\"([^\"]*)\"").matcher(entry.getBody().get("m"));
              if (m.find()) {
                texts.add(m.group(1));
              }
            });
    return texts;
  }

  private ChatServer node() {
    return node(ChatServer.BusHooks.NONE);
  }

  private ChatServer node(ChatServer.BusHooks hooks) {
    return node(ServerConfig.defaults("127.0.0.1", 0), hooks);
  }

  private ChatServer node(ServerConfig config, ChatServer.BusHooks hooks) {
    ChatServer node = ChatServer.start(config.withRate(0, 1).withRedis(redis.url(), "c:"), hooks);
    nodes.add(node);
    await("node connected to redis").atMost(WAIT).until(node::ready);
    return node;
  }

  private JsonTestClient connect(ChatServer node, String... params) {
    JsonTestClient client = JsonTestClient.connect(node, params);
    clients.add(client);
    return client;
  }

  private static int status(ChatServer node, String path) {
    try {
      return HTTP.send(
              HttpRequest.newBuilder(
                      URI.create("http://" + SessionHandler.formatAddress(node.address()) + path))
                  .timeout(Duration.ofSeconds(5))
                  .build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /**
   * One JSON client that sends a stream of says with refs on a thread of its own while another
   * reads everything it receives: acks and errors by ref, messages in order.
   */
  private static final class Collector {
    final String name;
    final JsonTestClient client;
    final Map<String, String> acks = new ConcurrentHashMap<>();
    final Map<String, String> errors = new ConcurrentHashMap<>();
    final List<String> ids = new CopyOnWriteArrayList<>();
    final Set<String> texts = ConcurrentHashMap.newKeySet();
    final AtomicInteger sent = new AtomicInteger();
    private final AtomicBoolean sending = new AtomicBoolean(true);
    private Thread sender;

    Collector(String name, JsonTestClient client) {
      this.name = name;
      this.client = client;
      Thread reader = new Thread(this::read, "collector-" + name);
      reader.setDaemon(true);
      reader.start();
    }

    void startSending() {
      sender =
          new Thread(
              () -> {
                for (int i = 0; sending.get(); i++) {
                  String ref = name + "-" + i;
                  client.send("type", "say", "text", ref, "ref", ref);
                  sent.incrementAndGet();
                  // Paced so that a few hundred messages span the outage, not thousands.
                  LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
                }
              },
              "sender-" + name);
      sender.start();
    }

    void stopSending() {
      sending.set(false);
      try {
        sender.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    private void read() {
      while (!client.isClosed()) {
        JsonNode e = client.poll(Duration.ofMillis(200));
        if (e == null) {
          continue;
        }
        switch (e.path("type").asText()) {
          case "ack" -> acks.put(e.path("ref").asText(), e.path("id").asText());
          case "error" -> errors.put(e.path("ref").asText(), e.path("code").asText());
          case "message" -> {
            ids.add(e.path("id").asText());
            texts.add(e.path("text").asText());
          }
          default -> {}
        }
      }
    }
  }

  /** A bus that forwards every call, for hooks to override one. */
  private static class ForwardingBus implements Bus {
    private final Bus bus;

    ForwardingBus(Bus bus) {
      this.bus = bus;
    }

    @Override
    public CompletionStage<ChatMessage> publish(Draft draft) {
      return bus.publish(draft);
    }

    @Override
    public CompletionStage<Void> publishEvent(String room, ServerEvent event) {
      return bus.publishEvent(room, event);
    }

    @Override
    public CompletionStage<Replay> replay(String room, String since) {
      return bus.replay(room, since);
    }

    @Override
    public CompletionStage<ServerEvent.Who> who(String room, ServerEvent.Who here) {
      return bus.who(room, here);
    }

    @Override
    public CompletionStage<Boolean> claimNick(String room, String nick, String token) {
      return bus.claimNick(room, nick, token);
    }

    @Override
    public void releaseNick(String room, String nick, String token) {
      bus.releaseNick(room, nick, token);
    }

    @Override
    public void occupancyChanged(String room) {
      bus.occupancyChanged(room);
    }

    @Override
    public boolean ready() {
      return bus.ready();
    }

    @Override
    public void close() {
      bus.close();
    }
  }
}
