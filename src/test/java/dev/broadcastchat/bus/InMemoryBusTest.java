package dev.broadcastchat.bus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.broadcastchat.protocol.ChatMessage;
import dev.broadcastchat.protocol.ServerEvent;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class InMemoryBusTest {
  private static final Duration TTL = Duration.ofMinutes(10);
  private static final long T0 = 1_764_096_000_000L;

  private final Recorder delivered = new Recorder();
  private final MutableClock clock = new MutableClock(T0);

  private InMemoryBus bus(int historySize) {
    return new InMemoryBus(delivered, clock, historySize, TTL);
  }

  private static ChatMessage publish(Bus bus, String room, String text) {
    return publish(bus, room, "alice", text, null);
  }

  private static ChatMessage publish(Bus bus, String room, String from, String text, String ref) {
    return bus.publish(new Draft(room, from, "127.0.0.1:50312", text, false, ref))
        .toCompletableFuture()
        .join();
  }

  private static List<ChatMessage> publishMany(Bus bus, String room, int n) {
    List<ChatMessage> published = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      published.add(publish(bus, room, "m" + i));
    }
    return published;
  }

  private static Replay replay(Bus bus, String room, String since) {
    return bus.replay(room, since).toCompletableFuture().join();
  }

  private static List<String> texts(List<ChatMessage> messages) {
    return messages.stream().map(ChatMessage::text).toList();
  }

  // --- sequencing ----------------------------------------------------------------------------

  @Test
  void givesEachMessageAnIncreasingUniqueIdAndDeliversInPublishOrder() {
    InMemoryBus bus = bus(100);
    List<ChatMessage> published = publishMany(bus, "lobby", 5);

    assertThat(published).extracting(ChatMessage::seq).containsExactly(1L, 2L, 3L, 4L, 5L);
    assertThat(published).extracting(ChatMessage::id).doesNotHaveDuplicates();
    assertThat(delivered.messages()).containsExactlyElementsOf(published);
  }

  @Test
  void sequencesEachRoomOnItsOwn() {
    InMemoryBus bus = bus(100);
    ChatMessage lobby1 = publish(bus, "lobby", "a");
    ChatMessage dev1 = publish(bus, "dev", "b");
    ChatMessage lobby2 = publish(bus, "lobby", "c");

    assertThat(lobby1.seq()).isEqualTo(1);
    assertThat(dev1.seq()).isEqualTo(1);
    assertThat(lobby2.seq()).isEqualTo(2);
    assertThat(dev1.id()).isNotEqualTo(lobby1.id());
    assertThat(dev1.room()).isEqualTo("dev");
    assertThat(delivered.messages()).containsExactly(lobby1, dev1, lobby2);
  }

  @Test
  void storesTheDraftAsSentStampedWithTheClock() {
    InMemoryBus bus = bus(100);
    clock.set(T0 + 123);
    ChatMessage message =
        bus.publish(new Draft("lobby", "bob", "10.0.0.2:4000", "waves", true, "c1-1"))
            .toCompletableFuture()
            .join();

    assertThat(message.room()).isEqualTo("lobby");
    assertThat(message.from()).isEqualTo("bob");
    assertThat(message.addr()).isEqualTo("10.0.0.2:4000");
    assertThat(message.text()).isEqualTo("waves");
    assertThat(message.action()).isTrue();
    assertThat(message.ts()).isEqualTo(T0 + 123);
  }

  @Test
  void deliversEventsToTheRoom() {
    InMemoryBus bus = bus(100);
    ServerEvent event = new ServerEvent.NickChange("lobby", "a", "b");
    bus.publishEvent("lobby", event);

    assertThat(delivered.events()).containsExactly(Map.entry("lobby", event));
    assertThat(replay(bus, "lobby", null).messages()).isEmpty();
  }

  @Test
  void isAlwaysReady() {
    try (InMemoryBus bus = bus(100)) {
      assertThat(bus.ready()).isTrue();
    }
  }

  // --- history and replay --------------------------------------------------------------------

  @Test
  void keepsOnlyTheLastNMessages() {
    InMemoryBus bus = bus(3);
    publishMany(bus, "lobby", 5);

    Replay replay = replay(bus, "lobby", null);
    assertThat(texts(replay.messages())).containsExactly("m3", "m4", "m5");
  }

  @Test
  void replaysTheHistoryWithoutGapWhenNoSinceIsGiven() {
    InMemoryBus bus = bus(100);
    List<ChatMessage> published = publishMany(bus, "lobby", 4);

    Replay replay = replay(bus, "lobby", null);
    assertThat(replay.messages()).containsExactlyElementsOf(published);
    assertThat(replay.gap()).isFalse();
    assertThat(replay.throughSeq()).isEqualTo(4);
  }

  @Test
  void replaysNothingForARoomWithoutMessages() {
    Replay replay = replay(bus(100), "lobby", null);
    assertThat(replay.messages()).isEmpty();
    assertThat(replay.gap()).isFalse();
    assertThat(replay.throughSeq()).isZero();
  }

  @Test
  void keepsNoHistoryWhenTheSizeIsZeroButStillSequences() {
    InMemoryBus bus = bus(0);
    List<ChatMessage> published = publishMany(bus, "lobby", 3);

    assertThat(delivered.messages()).hasSize(3);
    Replay replay = replay(bus, "lobby", null);
    assertThat(replay.messages()).isEmpty();
    assertThat(replay.throughSeq()).isEqualTo(3);
    assertThat(replay(bus, "lobby", published.get(2).id()).gap()).isFalse();
  }

  @Test
  void resumesAfterAKeptIdWithExactlyTheLaterMessages() {
    InMemoryBus bus = bus(100);
    List<ChatMessage> published = publishMany(bus, "lobby", 6);

    Replay replay = replay(bus, "lobby", published.get(2).id());
    assertThat(replay.messages()).containsExactlyElementsOf(published.subList(3, 6));
    assertThat(replay.gap()).isFalse();
    assertThat(replay.throughSeq()).isEqualTo(6);
  }

  @Test
  void resumesAfterTheOldestKeptId() {
    InMemoryBus bus = bus(3);
    List<ChatMessage> published = publishMany(bus, "lobby", 5);

    Replay replay = replay(bus, "lobby", published.get(2).id());
    assertThat(texts(replay.messages())).containsExactly("m4", "m5");
    assertThat(replay.gap()).isFalse();
  }

  @Test
  void resumesWithoutGapFromTheIdJustBeforeTheKeptHistorySinceNothingWasMissed() {
    InMemoryBus bus = bus(3);
    List<ChatMessage> published = publishMany(bus, "lobby", 5);

    Replay replay = replay(bus, "lobby", published.get(1).id());
    assertThat(texts(replay.messages())).containsExactly("m3", "m4", "m5");
    assertThat(replay.gap()).isFalse();
  }

  @Test
  void resumesFromTheLatestIdWithNothingAndNoGap() {
    InMemoryBus bus = bus(100);
    List<ChatMessage> published = publishMany(bus, "lobby", 3);

    Replay replay = replay(bus, "lobby", published.get(2).id());
    assertThat(replay.messages()).isEmpty();
    assertThat(replay.gap()).isFalse();
    assertThat(replay.throughSeq()).isEqualTo(3);
  }

  @Test
  void reportsAGapAndTheKeptHistoryForAnIdOlderThanTheKeptHistory() {
    InMemoryBus bus = bus(3);
    List<ChatMessage> published = publishMany(bus, "lobby", 6);

    Replay replay = replay(bus, "lobby", published.get(0).id());
    assertThat(replay.gap()).isTrue();
    assertThat(texts(replay.messages())).containsExactly("m4", "m5", "m6");
    assertThat(replay.throughSeq()).isEqualTo(6);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"", "-", "nope", "-1", "abc-", "abc-1", "1", "k2x9f0-41", "a-b-c", "\u0000-1"})
  void reportsAGapAndTheKeptHistoryForAnUnknownOrMalformedId(String since) {
    InMemoryBus bus = bus(100);
    publishMany(bus, "lobby", 2);

    Replay replay = replay(bus, "lobby", since);
    assertThat(replay.gap()).isTrue();
    assertThat(texts(replay.messages())).containsExactly("m1", "m2");
    assertThat(replay.throughSeq()).isEqualTo(2);
  }

  @Test
  void reportsAGapForAnIdOfTheRightEpochButAMalformedOrFutureSeq() {
    InMemoryBus bus = bus(100);
    ChatMessage last = publishMany(bus, "lobby", 2).get(1);
    String epoch = last.id().substring(0, last.id().lastIndexOf('-'));

    for (String since :
        List.of(epoch + "-", epoch + "-x", epoch + "-3", epoch + "-99999999999999999999")) {
      Replay replay = replay(bus, "lobby", since);
      assertThat(replay.gap()).as("since %s", since).isTrue();
      assertThat(texts(replay.messages())).as("since %s", since).containsExactly("m1", "m2");
    }
  }

  @Test
  void reportsAGapForAnIdFromAnotherRoom() {
    InMemoryBus bus = bus(100);
    ChatMessage fromDev = publishMany(bus, "dev", 5).get(0);
    publishMany(bus, "lobby", 5);

    Replay replay = replay(bus, "lobby", fromDev.id());
    assertThat(replay.gap()).isTrue();
    assertThat(texts(replay.messages())).containsExactly("m1", "m2", "m3", "m4", "m5");
  }

  @Test
  void reportsAGapForAnIdFromBeforeARestart() {
    ChatMessage beforeRestart = publishMany(bus(100), "lobby", 3).get(0);
    InMemoryBus restarted = bus(100);
    publishMany(restarted, "lobby", 3);

    Replay replay = replay(restarted, "lobby", beforeRestart.id());
    assertThat(replay.gap()).isTrue();
    assertThat(texts(replay.messages())).containsExactly("m1", "m2", "m3");
    assertThat(replay.throughSeq()).isEqualTo(3);
  }

  @Test
  void reportsAGapForAnIdFromBeforeARestartEvenWhenTheRoomIsStillEmpty() {
    ChatMessage beforeRestart = publish(bus(100), "lobby", "old");

    Replay replay = replay(bus(100), "lobby", beforeRestart.id());
    assertThat(replay.gap()).isTrue();
    assertThat(replay.messages()).isEmpty();
  }

  // --- resends -------------------------------------------------------------------------------

  @Test
  void doesNotDeliverAResendWithTheSameRefAgainAndAnswersWithTheFirstMessage() {
    InMemoryBus bus = bus(100);
    ChatMessage first = publish(bus, "lobby", "alice", "hello", "c1-17");
    clock.set(T0 + 5_000);
    ChatMessage resent = publish(bus, "lobby", "alice", "hello", "c1-17");

    assertThat(resent).isEqualTo(first);
    assertThat(delivered.messages()).containsExactly(first);
    assertThat(replay(bus, "lobby", null).messages()).containsExactly(first);
  }

  @Test
  void treatsTheSameRefWithOtherTextAsANewMessage() {
    InMemoryBus bus = bus(100);
    ChatMessage alice = publish(bus, "lobby", "alice", "hello", "1");
    ChatMessage bob = publish(bus, "lobby", "bob", "good morning", "1");

    assertThat(bob.id()).isNotEqualTo(alice.id());
    assertThat(delivered.messages()).containsExactly(alice, bob);
  }

  @Test
  void recognisesAResendFromTheSameClientUnderANewAddress() {
    InMemoryBus bus = bus(100);
    ChatMessage first = publish(bus, "lobby", "127.0.0.1:50312", "hello", "k3f9-1");
    ChatMessage resent = publish(bus, "lobby", "127.0.0.1:50999", "hello", "k3f9-1");

    assertThat(resent).isEqualTo(first);
    assertThat(delivered.messages()).containsExactly(first);
  }

  @Test
  void treatsTheSameRefInAnotherRoomAsANewMessage() {
    InMemoryBus bus = bus(100);
    publish(bus, "lobby", "alice", "hello", "1");
    publish(bus, "dev", "alice", "hello", "1");

    assertThat(delivered.messages()).hasSize(2);
  }

  @Test
  void neverDeduplicatesMessagesWithoutRef() {
    InMemoryBus bus = bus(100);
    publish(bus, "lobby", "alice", "same", null);
    publish(bus, "lobby", "alice", "same", null);

    assertThat(delivered.messages()).hasSize(2);
  }

  // --- expiry --------------------------------------------------------------------------------

  @Test
  void expiresOnlyUnoccupiedRoomsIdleLongerThanTheTtl() {
    InMemoryBus bus = bus(100);
    ChatMessage idle = publish(bus, "idle", "x");
    ChatMessage occupied = publish(bus, "occupied", "x");
    clock.advance(TTL.minusMinutes(1));
    ChatMessage recent = publish(bus, "recent", "x");
    clock.advance(Duration.ofMinutes(2));
    assertThat(bus.rooms()).isEqualTo(3);

    int dropped = bus.expire(room -> room.equals("occupied"));

    assertThat(dropped).isEqualTo(1);
    assertThat(bus.rooms()).isEqualTo(2);
    assertThat(replay(bus, "occupied", occupied.id()).gap()).isFalse();
    assertThat(replay(bus, "recent", recent.id()).gap()).isFalse();
    Replay afterExpiry = replay(bus, "idle", idle.id());
    assertThat(afterExpiry.gap()).isTrue();
    assertThat(afterExpiry.messages()).isEmpty();
  }

  @Test
  void keepsARoomIdleForExactlyTheTtl() {
    InMemoryBus bus = bus(100);
    publish(bus, "lobby", "x");
    clock.advance(TTL);

    assertThat(bus.expire(room -> false)).isZero();
    assertThat(bus.rooms()).isEqualTo(1);
  }

  @Test
  void keepsEveryHistoryWithATtlOfZero() {
    InMemoryBus bus = new InMemoryBus(delivered, clock, 100, Duration.ZERO);
    ChatMessage first = publish(bus, "lobby", "x");
    clock.advance(Duration.ofDays(30));

    assertThat(bus.expire(room -> false)).isZero();
    assertThat(replay(bus, "lobby", null).messages()).containsExactly(first);
  }

  @Test
  void letsGoOfTheHistoriesOfTheUnoccupiedRoomsIdleLongestPastTheCap() {
    Set<String> occupied = Set.of("busy");
    InMemoryBus bus = new InMemoryBus(delivered, clock, 100, TTL, 3, occupied::contains);
    publish(bus, "busy", "x");
    clock.advance(Duration.ofSeconds(1));
    ChatMessage oldest = publish(bus, "old", "x");
    clock.advance(Duration.ofSeconds(1));
    ChatMessage newer = publish(bus, "newer", "x");
    clock.advance(Duration.ofSeconds(1));
    publish(bus, "newest", "x");

    assertThat(bus.rooms()).isEqualTo(3);
    assertThat(replay(bus, "newer", newer.id()).gap()).isFalse();
    assertThat(replay(bus, "busy", null).messages()).hasSize(1);
    Replay dropped = replay(bus, "old", oldest.id());
    assertThat(dropped.gap()).isTrue();
    assertThat(dropped.messages()).isEmpty();
  }

  @Test
  void neverLetsGoOfAnOccupiedRoomsHistoryWhateverTheCap() {
    InMemoryBus bus = new InMemoryBus(delivered, clock, 100, TTL, 1, room -> true);
    for (int i = 0; i < 5; i++) {
      publish(bus, "room" + i, "x");
    }
    assertThat(bus.rooms()).isEqualTo(5);
  }

  @Test
  void startsAFreshSequenceInAnExpiredRoom() {
    InMemoryBus bus = bus(100);
    ChatMessage old = publish(bus, "lobby", "old");
    clock.advance(TTL.plusSeconds(1));
    bus.expire(room -> false);

    ChatMessage fresh = publish(bus, "lobby", "new");
    assertThat(fresh.id()).isNotEqualTo(old.id());
    Replay replay = replay(bus, "lobby", old.id());
    assertThat(replay.gap()).isTrue();
    assertThat(texts(replay.messages())).containsExactly("new");
  }

  // --- concurrency ---------------------------------------------------------------------------

  @Test
  @Timeout(30)
  void deliversConcurrentPublishesInStrictlyIncreasingOrderWithNoneMissing() throws Exception {
    int threads = 4;
    int perThread = 2_500;
    InMemoryBus bus = bus(100);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<List<ChatMessage>>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        String sender = "t" + t;
        futures.add(
            pool.submit(
                () -> {
                  start.await();
                  List<ChatMessage> mine = new ArrayList<>(perThread);
                  for (int i = 0; i < perThread; i++) {
                    mine.add(publish(bus, "lobby", sender, Integer.toString(i), sender + "-" + i));
                  }
                  return mine;
                }));
      }
      start.countDown();
      Set<String> ids = new HashSet<>();
      for (Future<List<ChatMessage>> future : futures) {
        List<ChatMessage> mine = future.get(20, TimeUnit.SECONDS);
        // Each sender's messages are sequenced in the order it published them.
        assertThat(mine).extracting(ChatMessage::seq).isSorted().doesNotHaveDuplicates();
        mine.forEach(m -> ids.add(m.id()));
      }

      List<ChatMessage> all = delivered.messages();
      assertThat(all).hasSize(threads * perThread);
      for (int i = 0; i < all.size(); i++) {
        assertThat(all.get(i).seq()).as("delivery %d", i).isEqualTo(i + 1L);
      }
      assertThat(ids).hasSize(threads * perThread);
      assertThat(all).extracting(ChatMessage::id).containsExactlyInAnyOrderElementsOf(ids);
      assertThat(replay(bus, "lobby", null).throughSeq()).isEqualTo(threads * perThread);
    } finally {
      pool.shutdownNow();
    }
  }

  // --- test doubles --------------------------------------------------------------------------

  /** Records what the bus delivers; safe to call from any thread. */
  private static final class Recorder implements Bus.Delivery {
    private final List<ChatMessage> messages = new ArrayList<>();
    private final List<Map.Entry<String, ServerEvent>> events = new ArrayList<>();

    @Override
    public synchronized void deliver(ChatMessage message) {
      messages.add(message);
    }

    @Override
    public synchronized void deliverEvent(String room, ServerEvent event) {
      events.add(Map.entry(room, event));
    }

    synchronized List<ChatMessage> messages() {
      return List.copyOf(messages);
    }

    synchronized List<Map.Entry<String, ServerEvent>> events() {
      return List.copyOf(events);
    }
  }

  /** A clock the test moves by hand. */
  private static final class MutableClock extends Clock {
    private final AtomicLong millis;

    MutableClock(long millis) {
      this.millis = new AtomicLong(millis);
    }

    void set(long value) {
      millis.set(value);
    }

    void advance(Duration duration) {
      millis.addAndGet(duration.toMillis());
    }

    @Override
    public long millis() {
      return millis.get();
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis());
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }
}
