package dev.broadcastchat.bus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.broadcastchat.protocol.ChatMessage;
import dev.broadcastchat.protocol.ServerEvent;
import io.lettuce.core.KillArgs;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Redis bus against a real redis-server, node by node without the server around it: the traps
 * of sharing rooms through Redis, each forced to happen.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RedisBusIT {
  private static final String PREFIX = "it:";
  private static final Duration WAIT = Duration.ofSeconds(15);

  private RedisServer redis;
  private final List<Node> nodes = new ArrayList<>();

  @BeforeEach
  void startRedis() {
    redis = RedisServer.start();
  }

  @AfterEach
  void stopAll() {
    try {
      nodes.forEach(n -> n.bus.close());
    } finally {
      redis.close();
    }
  }

  @Test
  void theEpochIsCreatedInTheScriptSoNodesRacingOnANewRoomShareOneLog() {
    Node a = node();
    Node b = node();
    Node c = node();
    RoomKeys keys = RoomKeys.of(PREFIX, "fresh");

    // Reading a room that has no log yet creates nothing.
    Replay empty = a.replay("fresh", null);
    assertThat(empty.messages()).isEmpty();
    assertThat(redis.commands().exists(keys.epoch())).isZero();

    List<CompletableFuture<ChatMessage>> sent = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      for (Node n : List.of(a, b, c)) {
        sent.add(n.bus.publish(draft("fresh", "m" + i, null)).toCompletableFuture());
      }
    }
    List<ChatMessage> stored = sent.stream().map(CompletableFuture::join).toList();
    assertThat(stored.stream().map(m -> BusPayloads.epochOf(m.id())).distinct()).hasSize(1);
    assertThat(stored.stream().map(ChatMessage::seq).sorted().toList())
        .isEqualTo(java.util.stream.LongStream.rangeClosed(1, 90).boxed().toList());
    String epoch = BusPayloads.epochOf(stored.get(0).id());
    assertThat(redis.commands().get(keys.epoch())).isEqualTo(epoch);

    // The room's keys vanish (they expired, or Redis lost them): the next message starts a new
    // log, and an id from the old one is a gap.
    redis.commands().del(keys.logKeys());
    ChatMessage first = a.bus.publish(draft("fresh", "anew", null)).toCompletableFuture().join();
    assertThat(first.seq()).isEqualTo(1);
    assertThat(BusPayloads.epochOf(first.id())).isNotEqualTo(epoch);
    Replay resumed = a.replay("fresh", stored.get(89).id());
    assertThat(resumed.gap()).isTrue();
    assertThat(resumed.messages()).extracting(ChatMessage::text).containsExactly("anew");
  }

  @Test
  void noscriptAfterAFlushOrARestartLoadsTheScriptAgain() {
    Node a = node();
    a.join("s");
    a.bus.publish(draft("s", "before", null)).toCompletableFuture().join();
    String sha = RedisScript.load("publish").sha();
    assertThat(redis.commands().scriptExists(sha)).containsExactly(true);

    redis.commands().scriptFlush();
    assertThat(redis.commands().scriptExists(sha)).containsExactly(false);
    ChatMessage afterFlush =
        a.bus.publish(draft("s", "after flush", "r1")).toCompletableFuture().join();
    assertThat(afterFlush.text()).isEqualTo("after flush");
    assertThat(redis.commands().scriptExists(sha)).containsExactly(true);

    redis.kill();
    redis.restart();
    await("bus ready again").atMost(WAIT).until(a.bus::ready);
    assertThat(redis.commands().scriptExists(sha)).containsExactly(false);
    ChatMessage afterRestart =
        a.bus.publish(draft("s", "after restart", null)).toCompletableFuture().join();
    assertThat(afterRestart.seq()).isEqualTo(afterFlush.seq() + 1);
    assertThat(a.nextTexts(3)).containsExactly("before", "after flush", "after restart");
  }

  @Test
  void aSubscriberDroppedByRedisSubscribesAgainAndFillsInWhatItMissed() {
    Node a = node();
    Node b = node();
    a.join("drop");
    a.bus.publish(draft("drop", "heard", null)).toCompletableFuture().join();
    assertThat(a.nextTexts(1)).containsExactly("heard");
    long reconnects = a.bus.reconnects();

    // In one transaction: every subscriber is dropped (as Redis does when a subscriber's output
    // buffer overflows), then messages are published that no subscriber can hear.
    RedisCommands<String, String> redisCommands = redis.commands();
    RedisScript publish = RedisScript.load("publish");
    RoomKeys keys = RoomKeys.of(PREFIX, "drop");
    redisCommands.multi();
    redisCommands.clientKill(KillArgs.Builder.typePubsub());
    for (int i = 0; i < 5; i++) {
      redisCommands.eval(
          publish.source(),
          ScriptOutputType.MULTI,
          keys.logKeys(),
          b.bus.publishArgs(draft("drop", "missed-" + i, null), 0));
    }
    assertThat(redisCommands.exec().wasDiscarded()).isFalse();

    assertThat(a.nextTexts(5))
        .containsExactly("missed-0", "missed-1", "missed-2", "missed-3", "missed-4");
    assertThat(a.bus.recovered()).isGreaterThanOrEqualTo(5);
    assertThat(a.bus.reconnects()).isGreaterThan(reconnects);
    b.bus.publish(draft("drop", "live again", null)).toCompletableFuture().join();
    assertThat(a.nextTexts(1)).containsExactly("live again");
    assertThat(a.seqs).isEqualTo(java.util.stream.LongStream.rangeClosed(1, 7).boxed().toList());
    assertThat(a.missed).isEmpty();
  }

  @Test
  void reconnectBackoffIsCappedSoANodeReturnsSoonAfterALongOutage() {
    Node a = node();
    redis.kill();
    await("bus notices redis is gone").atMost(WAIT).until(() -> !a.bus.ready());
    // Five seconds down: Lettuce's own backoff (doubling from 1 ms, up to 30 s) would next try
    // about 8 s after the outage began, 3 s after Redis is back; capped at 1 s, within 1 s.
    await("redis down for a while")
        .pollDelay(Duration.ofSeconds(5))
        .atMost(Duration.ofSeconds(6))
        .until(() -> !a.bus.ready());
    redis.restart();
    long restarted = System.nanoTime();
    await("bus ready again").atMost(Duration.ofSeconds(10)).until(a.bus::ready);
    assertThat(Duration.ofNanos(System.nanoTime() - restarted))
        .isLessThan(RedisBusOptions.DEFAULT_RECONNECT_CAP.plusSeconds(1));
  }

  @Test
  void aPublishRedisOnlyGetsToAfterItsDeadlineIsRefusedNotStored() {
    Node a =
        node(
            options ->
                options.withTimings(
                    Duration.ofMillis(500),
                    RedisBusOptions.DEFAULT_RECONNECT_CAP,
                    RedisBusOptions.DEFAULT_HEARTBEAT,
                    RedisBusOptions.DEFAULT_MEMBER_TTL));
    a.join("stall");
    a.bus.publish(draft("stall", "first", null)).toCompletableFuture().join();
    assertThat(a.nextTexts(1)).containsExactly("first");

    redis.pause();
    try {
      CompletableFuture<ChatMessage> stalled =
          a.bus.publish(draft("stall", "stalled", "r-stalled")).toCompletableFuture();
      // Usually "did not answer within 500 ms"; on a slow machine Lettuce may also drop the
      // connection meanwhile. Either way the script still waits in Redis's socket buffer.
      assertThatThrownBy(stalled::join)
          .hasCauseInstanceOf(BusUnavailableException.class)
          .hasMessageContaining("redis at 127.0.0.1:" + redis.port());
    } finally {
      redis.resume();
    }
    await("bus ready after the stall").atMost(WAIT).until(a.bus::ready);
    ChatMessage marker = a.bus.publish(draft("stall", "marker", null)).toCompletableFuture().join();
    assertThat(a.nextTexts(1)).containsExactly("marker");
    assertThat(marker.seq()).isEqualTo(2);
    assertThat(
            redis
                .commands()
                .xrange(
                    RoomKeys.of(PREFIX, "stall").stream(), io.lettuce.core.Range.create("-", "+")))
        .extracting(entry -> BusPayloads.message(entry.getBody().get("m")).text())
        .containsExactly("first", "marker");
  }

  @Test
  void whoCountsEveryNodesMembersAndForgetsANodeWhoseRecordExpired() {
    List<Node> both = twoNodesIn("w");
    Node a = both.get(0);
    Node b = both.get(1);
    assertThat(a.who("w").members())
        .containsExactlyInAnyOrder("member-of-" + a.name, "member-of-" + b.name);

    // A node that died without a goodbye leaves a record that nobody refreshes: here one that
    // expires two seconds from now, on Redis's clock.
    RedisCommands<String, String> commands = redis.commands();
    long now = commands.time().stream().findFirst().map(Long::parseLong).orElseThrow() * 1000;
    // It lists 25 of its 30 members; a presence event carries at most 20 names.
    List<String> names = new ArrayList<>(List.of("ghost", "\"quoted\" ü"));
    for (int i = 2; i < 25; i++) {
      names.add("ghost-" + i);
    }
    commands.hset(
        RoomKeys.of(PREFIX, "w").members(),
        "dead-node",
        (now + 2000) + "\n30\n" + String.join("\n", names));
    assertThat(a.who("w").count()).isEqualTo(32);
    assertThat(a.who("w").members()).contains("ghost");
    await("the dead node's members gone from who")
        .atMost(Duration.ofSeconds(5))
        .until(() -> a.who("w").count() == 2);

    // The first heartbeat after the expiry removes the record and announces its members as gone,
    // once, to every node.
    ServerEvent.Presence left =
        new ServerEvent.Presence(
            "w", false, names.subList(0, ServerEvent.Presence.MAX_NICKS), 30, 2);
    await("leave notices on both nodes")
        .atMost(Duration.ofSeconds(20))
        .until(() -> a.events.contains(left) && b.events.contains(left));
    String members = RoomKeys.of(PREFIX, "w").members();
    assertThat(commands.hkeys(members)).doesNotContain("dead-node").contains("-dead-node");
    // Once both nodes have written again, still only the one notice.
    Map<String, String> before = records(members);
    await("both records refreshed")
        .atMost(Duration.ofSeconds(10))
        .until(() -> refreshedAll(before, records(members)));
    assertThat(a.events).containsOnlyOnce(left);
    assertThat(b.events).containsOnlyOnce(left);
  }

  @Test
  void aNickClaimHoldsAcrossNodesUntilItsTokenIsReleasedOrItsNodeIsGone() {
    List<Node> both = twoNodesIn("nk");
    Node a = both.get(0);
    Node b = both.get(1);

    assertThat(a.claim("nk", "Alice", "t1")).isTrue();
    assertThat(b.claim("nk", "alice", "u1")).as("compared case-insensitively").isFalse();
    // A node takes over its own claims: it has already made sure no other member of its holds it.
    assertThat(a.claim("nk", "ALICE", "t2")).isTrue();
    // A late release of the first claim gives up nothing.
    a.bus.releaseNick("nk", "Alice", "t1");
    assertThat(b.claim("nk", "alice", "u1")).isFalse();
    a.bus.releaseNick("nk", "ALICE", "t2");
    await("released").atMost(WAIT).until(() -> b.claim("nk", "alice", "u1"));
    assertThat(a.claim("nk", "alice", "t3")).as("b's now, its record current").isFalse();

    // Claims of a node with no record in the room count only while they are fresh.
    RedisCommands<String, String> commands = redis.commands();
    long now = commands.time().stream().findFirst().map(Long::parseLong).orElseThrow() * 1000;
    String nicks = RoomKeys.of(PREFIX, "nk").nicks();
    commands.hset(nicks, "old", "dead-node\nx\n" + (now - 60_000));
    commands.hset(nicks, "fresh", "dead-node\nx\n" + now);
    assertThat(a.claim("nk", "old", "t4")).isTrue();
    assertThat(a.claim("nk", "fresh", "t5")).isFalse();
  }

  @Test
  void aNickClaimRedisCouldNotTakeIsMadeOnceItIsBack() {
    Node a = node();
    a.join("later");
    String nicks = RoomKeys.of(PREFIX, "later").nicks();
    // The node's record of the room is current, before and after the outage: only the failed
    // claim itself says that it is to be made again.
    redis.kill();
    await("bus not ready").atMost(WAIT).until(() -> !a.bus.ready());
    assertThatThrownBy(() -> a.claim("later", "carol", "t1"))
        .hasCauseInstanceOf(BusUnavailableException.class);
    redis.restart();
    await("the claim made on a heartbeat")
        .atMost(WAIT)
        .until(() -> redis.commands().hget(nicks, "carol") != null);
    assertThat(redis.commands().hget(nicks, "carol")).startsWith(a.bus.nodeId() + "\nt1\n");
    // Sent whole, a claim does not depend on what scripts Redis has loaded.
    redis.commands().scriptFlush();
    assertThat(a.claim("later", "dave", "t2")).isTrue();
  }

  @Test
  void aNickReleaseRedisCouldNotTakeIsTriedAgainOnceItIsBack() {
    Node a = node();
    a.join("rel");
    assertThat(a.claim("rel", "bob", "t1")).isTrue();
    String nicks = RoomKeys.of(PREFIX, "rel").nicks();
    assertThat(redis.commands().hget(nicks, "bob")).startsWith(a.bus.nodeId() + "\nt1\n");

    redis.kill();
    await("bus not ready").atMost(WAIT).until(() -> !a.bus.ready());
    a.bus.releaseNick("rel", "bob", "t1");
    redis.restart();
    await("the claim released on a heartbeat")
        .atMost(WAIT)
        .until(() -> redis.commands().hget(nicks, "bob") == null);
  }

  @Test
  void aNodeFoundGoneThatComesBackAnnouncesItsMembersAgainToTheOthersOnly() {
    List<Node> both = twoNodesIn("back");
    Node a = both.get(0);
    Node b = both.get(1);
    String members = RoomKeys.of(PREFIX, "back").members();
    RedisCommands<String, String> commands = redis.commands();
    // What b does when it finds a's record expired (a cut off from Redis for longer than records
    // live): a's record removed, a mark left in its place.
    String aId = nodeIdListing(members, "member-of-" + a.name);
    long now = commands.time().stream().findFirst().map(Long::parseLong).orElseThrow() * 1000;
    commands.eval(
        "redis.call('HDEL', KEYS[1], ARGV[1]) redis.call('HSET', KEYS[1], '-' .. ARGV[1], ARGV[2])",
        ScriptOutputType.STATUS,
        new String[] {members},
        aId,
        Long.toString(now + 60_000));

    ServerEvent.Presence aBack =
        new ServerEvent.Presence("back", true, List.of("member-of-" + a.name), 1, 2);
    await("a's member announced again, on b")
        .atMost(Duration.ofSeconds(10))
        .until(() -> b.events.contains(aBack));
    assertThat(commands.hkeys(members)).contains(aId).doesNotContain("-" + aId);
    Map<String, String> before = records(members);
    await("a wrote again since")
        .atMost(Duration.ofSeconds(10))
        .until(() -> !records(members).get(aId).equals(before.get(aId)));
    assertThat(a.events).as("a's own members never heard it leave").doesNotContain(aBack);
  }

  @Test
  void recordsLostWithRedisDataAreWrittenAgainWithoutJoinNotices() {
    List<Node> both = twoNodesIn("lost");
    String members = RoomKeys.of(PREFIX, "lost").members();
    RedisCommands<String, String> commands = redis.commands();
    commands.del(members);
    await("both records written again")
        .atMost(Duration.ofSeconds(10))
        .until(() -> records(members).size() == 2);
    Map<String, String> before = records(members);
    await("and refreshed once more")
        .atMost(Duration.ofSeconds(10))
        .until(() -> refreshedAll(before, records(members)));
    for (Node n : both) {
      assertThat(n.events).as("node " + n.name).noneMatch(RedisBusIT::isPresence);
    }
  }

  @Test
  void aNodeThatWasOutOfTouchItselfJudgesNoOtherNodeGone() {
    Node a = node();
    a.join("stalled");
    String members = RoomKeys.of(PREFIX, "stalled").members();
    await("a's record written").atMost(WAIT).until(() -> records(members).size() == 1);
    String aId = records(members).keySet().iterator().next();
    // As after Redis stalled (or was out of reach) for longer than records live: a's own record
    // expired as well as another node's.
    RedisCommands<String, String> commands = redis.commands();
    long now = commands.time().stream().findFirst().map(Long::parseLong).orElseThrow() * 1000;
    commands.hset(members, aId, (now - 1000) + "\n1\nmember-of-" + a.name);
    commands.hset(members, "other-node", (now - 500) + "\n1\nother");

    Map<String, String> before = records(members);
    await("a's record refreshed")
        .atMost(Duration.ofSeconds(10))
        .until(() -> !records(members).get(aId).equals(before.get(aId)));
    Map<String, String> after = records(members);
    await("and refreshed once more")
        .atMost(Duration.ofSeconds(10))
        .until(() -> !records(members).get(aId).equals(after.get(aId)));
    assertThat(commands.hkeys(members)).contains("other-node").doesNotContain("-other-node");
    assertThat(a.events).noneMatch(RedisBusIT::isPresence);
    assertThat(a.who("stalled").count()).isEqualTo(1);
  }

  /**
   * The rule itself, on presence.lua with records made up: an expired record is judged only by a
   * node that has kept its own current since before it expired and wrote again more than the grace
   * after; a burst of one node's writes after a shared gap shorter than records live judges nobody.
   */
  @Test
  void anExpiredRecordIsJudgedOnlyByANodeThatWroteWellAfterIt() {
    RedisCommands<String, String> commands = redis.commands();
    RoomKeys keys = RoomKeys.of(PREFIX, "rule");
    String members = keys.members();
    long now = commands.time().stream().findFirst().map(Long::parseLong).orElseThrow() * 1000;
    // x last wrote 1 s ago and has been current for a minute; y's record expired 2 s ago: within
    // the grace (4 s) of x's last write, as when both were cut off for a few seconds.
    commands.hset(members, "x", (now + 9_000) + "\n1\nmember-x");
    commands.hset(members, "+x", Long.toString(now - 60_000));
    commands.hset(members, "y", (now - 2_000) + "\n1\nmember-y");
    for (int write = 0; write < 3; write++) {
      presenceWrite(commands, keys, "x");
    }
    assertThat(commands.hkeys(members)).contains("y").doesNotContain("-y");

    // y's record expired 6 s ago, more than the grace before x's last write: y is judged.
    commands.hset(members, "x", (now + 9_000) + "\n1\nmember-x");
    commands.hset(members, "y", (now - 6_000) + "\n1\nmember-y");
    presenceWrite(commands, keys, "x");
    assertThat(commands.hkeys(members)).doesNotContain("y").contains("-y");
    commands.del(members);
  }

  /** One write of node {@code node}'s record (one member) by presence.lua, grace 4 s. */
  private static void presenceWrite(
      RedisCommands<String, String> commands, RoomKeys keys, String node) {
    commands.eval(
        RedisScript.load("presence").source(),
        ScriptOutputType.MULTI,
        keys.presenceKeys(),
        node,
        "1\nmember-" + node,
        "10000",
        "0",
        keys.channel(),
        "",
        "0",
        "rule",
        "20",
        "4000");
  }

  private static boolean isPresence(ServerEvent event) {
    return event instanceof ServerEvent.Presence;
  }

  /** The member records in {@code key} (not the fields beside them), by node id. */
  private Map<String, String> records(String key) {
    Map<String, String> records = new HashMap<>(redis.commands().hgetall(key));
    records.keySet().removeIf(node -> node.startsWith("-") || node.startsWith("+"));
    return records;
  }

  /** Whether every record in {@code before} is there again, rewritten. */
  private static boolean refreshedAll(Map<String, String> before, Map<String, String> now) {
    return before.entrySet().stream()
        .allMatch(e -> now.containsKey(e.getKey()) && !now.get(e.getKey()).equals(e.getValue()));
  }

  /** The node id whose record in {@code key} lists {@code name}. */
  private String nodeIdListing(String key, String name) {
    return records(key).entrySet().stream()
        .filter(e -> e.getValue().contains("\n" + name))
        .map(Map.Entry::getKey)
        .findFirst()
        .orElseThrow();
  }

  /** Two nodes with a member each in {@code room}, once each lists the other's. */
  private List<Node> twoNodesIn(String room) {
    Node a = node();
    Node b = node();
    a.join(room);
    b.join(room);
    await("both members listed on both nodes")
        .atMost(WAIT)
        .until(() -> a.who(room).count() == 2 && b.who(room).count() == 2);
    return List.of(a, b);
  }

  private Node node() {
    return node(options -> options);
  }

  private Node node(java.util.function.UnaryOperator<RedisBusOptions> tune) {
    Node n =
        new Node(
            "n" + nodes.size(),
            tune.apply(RedisBusOptions.of(redis.url(), PREFIX, 100, Duration.ofHours(1))));
    nodes.add(n);
    await("node connected").atMost(WAIT).until(n.bus::ready);
    return n;
  }

  private static Draft draft(String room, String text, String ref) {
    return new Draft(room, "alice", "127.0.0.1:50312", text, false, ref);
  }

  /** One node: a bus, the rooms it has a member in, and what it delivered. */
  private static final class Node implements Bus.Delivery {
    final String name;
    final RedisBus bus;
    final Set<String> occupied = ConcurrentHashMap.newKeySet();
    final BlockingQueue<ChatMessage> delivered = new LinkedBlockingQueue<>();
    final List<Long> seqs = new CopyOnWriteArrayList<>();
    final List<String> missed = new CopyOnWriteArrayList<>();
    final List<ServerEvent> events = new CopyOnWriteArrayList<>();

    Node(String name, RedisBusOptions options) {
      this.name = name;
      this.bus =
          RedisBus.start(
              options,
              this,
              (room, limit) ->
                  occupied.contains(room)
                      ? new ServerEvent.Who(room, List.of("member-of-" + name), 1)
                      : new ServerEvent.Who(room, List.of(), 0));
    }

    /** A member joins {@code room} here, and its replay is done: the node hears the room. */
    void join(String room) {
      occupied.add(room);
      bus.occupancyChanged(room);
      replay(room, null);
    }

    Replay replay(String room, String since) {
      return bus.replay(room, since).toCompletableFuture().join();
    }

    boolean claim(String room, String nick, String token) {
      return bus.claimNick(room, nick, token).toCompletableFuture().join();
    }

    ServerEvent.Who who(String room) {
      return bus.who(
              room,
              occupied.contains(room)
                  ? new ServerEvent.Who(room, List.of("member-of-" + name), 1)
                  : new ServerEvent.Who(room, List.of(), 0))
          .toCompletableFuture()
          .join();
    }

    List<String> nextTexts(int n) {
      List<String> texts = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        try {
          ChatMessage m = delivered.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
          if (m == null) {
            throw new AssertionError(
                "node " + name + ": no message within " + WAIT + " after " + texts);
          }
          texts.add(m.text());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError(e);
        }
      }
      return texts;
    }

    @Override
    public void deliver(ChatMessage message) {
      seqs.add(message.seq());
      delivered.add(message);
    }

    @Override
    public void deliverEvent(String room, ServerEvent event) {
      events.add(event);
    }

    @Override
    public void missed(String room) {
      missed.add(room);
    }
  }
}
