package dev.broadcastchat.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.broadcastchat.server.RawWebSocket.Frame;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocatorMetric;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A receiver that stops reading is cut off with 1013 and costs the server a bounded amount of
 * memory, while the readers that keep up get every message.
 */
class SlowConsumerIT {
  private static final String WELCOME = "Welcome to chat! Type a message";
  private static final int TRY_AGAIN_LATER = 1013;

  /** Small, so that the slow consumer is over it early in the flood. */
  private static final long MAX_QUEUED_BYTES = 256 * 1024;

  private static final int SENDERS = 2;
  private static final int MESSAGES_PER_SENDER = 20_000;
  private static final int TEXT_CHARS = 1000;

  /**
   * How many of its messages a sender may have in flight, not yet received by every reader that
   * keeps up. 2 senders x 32 x ~1 KiB keeps even a momentarily busy JDK reader far below the bound
   * (and the 128 KiB write-buffer high-water mark), so that only the client that really stopped
   * reading can be judged slow.
   */
  private static final int WINDOW = 32;

  /**
   * What the flood may add to the pool's direct memory. The pool takes memory in 4 MiB chunks, from
   * one arena per event loop, and each loop in play already holds a chunk when the baseline is
   * taken. A bounded server holds well under 1 MiB of frames at once (at most {@link
   * #MAX_QUEUED_BYTES} for the slow consumer plus the senders' windows, each message encoded once
   * for every receiver), so at worst each of the three connections' loops takes one more chunk. A
   * server that kept everything for the slow consumer would need over 40 MB.
   */
  private static final long DIRECT_MEMORY_GROWTH_BOUND = 12L << 20;

  /** How long the server lets a dropped consumer take its close frame before it cuts it. */
  private static final Duration CLOSE_GRACE = Duration.ofSeconds(5);

  @RegisterExtension
  @Order(1)
  final CapturedLogs logs = new CapturedLogs();

  @RegisterExtension
  @Order(2)
  final ChatServerExtension server =
      new ChatServerExtension(
          ServerConfig.defaults("127.0.0.1", 0)
              .withMaxQueuedBytes(MAX_QUEUED_BYTES)
              .withRate(0, ServerConfig.DEFAULT_BURST));

  private final ExecutorService pool = Executors.newCachedThreadPool();

  @AfterEach
  void stopThreads() {
    pool.shutdownNow();
  }

  @Test
  @Timeout(60)
  void closesSlowConsumerWith1013AndOthersGetEverything() throws Exception {
    Flood flood = new Flood(connectReaders(), MESSAGES_PER_SENDER);
    try (RawWebSocket slow = connectSlowConsumer()) {
      String slowAddr = "127.0.0.1:" + slow.localPort();
      DirectMemoryPeak memory = DirectMemoryPeak.start();
      try {
        CompletableFuture<List<Long>> delivered = flood.start(pool);

        awaitDropped(slowAddr);
        // Read at once: the server cuts a connection that has not taken its close frame within
        // the grace period, and the close frame waits behind everything queued for it.
        List<Frame> frames = readToEnd(slow);

        List<Long> orders = delivered.get(45, TimeUnit.SECONDS);
        assertThat(orders)
            .as("order of the room as each reader saw it")
            .containsOnly(orders.get(0));
        for (TestClient reader : flood.clients) {
          assertThat(reader.isClosed()).as("reader %s closed", reader.address()).isFalse();
        }

        Frame last = frames.get(frames.size() - 1);
        assertThat(last.opcode()).as("last frame before EOF: %s", last).isEqualTo(Frame.CLOSE);
        assertThat(last.closeCode()).isEqualTo(TRY_AGAIN_LATER);
        assertThat(Scrape.of(server.server()).value("chat_slow_consumers_closed_total"))
            .isEqualTo(1);
        List<Frame> texts = frames.subList(0, frames.size() - 1);
        assertThat(texts).allMatch(f -> f.opcode() == Frame.TEXT && f.fin());
        flood.assertPrefixOfTheRoom(texts);
        assertThat(texts.size())
            .as("messages the slow consumer got before its close frame")
            .isLessThan(flood.total());
        long wouldHaveBeenSent = flood.wireBytesPerReader();

        memory.stop();
        assertThat(wouldHaveBeenSent).isGreaterThan(3 * DIRECT_MEMORY_GROWTH_BOUND);
        assertThat(memory.peak() - memory.baseline())
            .as(
                "growth of pooled direct memory (baseline %d, peak %d)",
                memory.baseline(), memory.peak())
            .isLessThan(DIRECT_MEMORY_GROWTH_BOUND);
      } finally {
        memory.stop();
      }
    }
  }

  @Test
  @Timeout(60)
  void cutsASlowConsumerThatNeverReadsItsCloseFrameWithinFiveSeconds() throws Exception {
    Flood flood = new Flood(connectReaders(), 5_000);
    try (RawWebSocket slow = connectSlowConsumer()) {
      String slowAddr = "127.0.0.1:" + slow.localPort();
      CompletableFuture<List<Long>> delivered = flood.start(pool);

      ILoggingEvent dropped = awaitDropped(slowAddr);
      ILoggingEvent closed =
          await()
              .atMost(CLOSE_GRACE.plusSeconds(5))
              .until(
                  () -> logs.firstContaining(slowAddr, "closed", "code=" + TRY_AGAIN_LATER),
                  Optional::isPresent)
              .orElseThrow();
      assertThat(Duration.ofMillis(closed.getTimeStamp() - dropped.getTimeStamp()))
          .isLessThanOrEqualTo(CLOSE_GRACE.plusSeconds(1));

      // The connection is gone: what the kernel still held comes out, then the stream ends.
      readUntilCut(slow);
      delivered.get(30, TimeUnit.SECONDS);
    }
  }

  private List<TestClient> connectReaders() {
    List<TestClient> readers = new ArrayList<>();
    for (int i = 0; i < SENDERS; i++) {
      TestClient reader = server.connect();
      assertThat(reader.nextMessage()).isEqualTo(WELCOME);
      reader.address();
      readers.add(reader);
    }
    return readers;
  }

  /** A raw client with a 4 KiB receive buffer that reads its welcome and then nothing more. */
  private RawWebSocket connectSlowConsumer() throws IOException {
    RawWebSocket slow = RawWebSocket.connect(server.server().address(), 4096);
    Frame welcome = slow.readFrame();
    assertThat(welcome).isNotNull();
    assertThat(welcome.opcode()).isEqualTo(Frame.TEXT);
    assertThat(welcome.fin()).isTrue();
    assertThat(welcome.text()).isEqualTo(WELCOME);
    return slow;
  }

  /**
   * Waits for the server to drop {@code addr}. Its log is the only way to know without reading, and
   * the test must start reading within the close grace period.
   */
  private ILoggingEvent awaitDropped(String addr) {
    return await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> logs.firstContaining(addr, "slow consumer"), Optional::isPresent)
        .orElseThrow();
  }

  /** Every frame up to EOF; fails if the stream ends inside a frame. */
  private static List<Frame> readToEnd(RawWebSocket ws) throws IOException {
    List<Frame> frames = new ArrayList<>();
    for (Frame frame = ws.readFrame(); frame != null; frame = ws.readFrame()) {
      frames.add(frame);
    }
    assertThat(frames).isNotEmpty();
    return frames;
  }

  /** Reads until the connection ends, however it ends (EOF, inside a frame, or reset). */
  private static void readUntilCut(RawWebSocket ws) {
    try {
      while (ws.readFrame() != null) {
        // Whatever was already on its way before the cut.
      }
    } catch (SocketTimeoutException e) {
      throw new AssertionError("connection still open " + TestClient.TIMEOUT + " after the cut", e);
    } catch (IOException e) {
      // Ended inside a frame, or reset: either way the server is done with it.
    }
  }

  /**
   * JDK clients that each send {@code perSender} numbered messages and each read every message of
   * the room, checking that each sender's messages come whole, once and in order.
   */
  private static final class Flood {
    private final List<TestClient> clients;
    private final List<String> addresses;
    private final Map<String, Integer> senderIndex = new HashMap<>();
    private final int perSender;
    private final Semaphore[] credits;
    private final AtomicIntegerArray[] receipts;
    private final String padding;

    Flood(List<TestClient> clients, int perSender) {
      this.clients = clients;
      this.addresses = clients.stream().map(TestClient::address).toList();
      for (int i = 0; i < addresses.size(); i++) {
        senderIndex.put(addresses.get(i), i);
      }
      this.perSender = perSender;
      this.credits = new Semaphore[clients.size()];
      this.receipts = new AtomicIntegerArray[clients.size()];
      for (int i = 0; i < clients.size(); i++) {
        credits[i] = new Semaphore(WINDOW);
        receipts[i] = new AtomicIntegerArray(perSender);
      }
      this.padding = "x".repeat(TEXT_CHARS - 7);
    }

    int total() {
      return clients.size() * perSender;
    }

    /** The bytes of every frame of the flood, as each reader receives them. */
    long wireBytesPerReader() {
      long bytes = 0;
      for (String address : addresses) {
        int payload = address.length() + 2 + TEXT_CHARS;
        bytes += (long) perSender * (payload + (payload < 126 ? 2 : payload <= 0xFFFF ? 4 : 10));
      }
      return bytes;
    }

    /**
     * Starts every sender and reader; completes with a hash of the room's order as each reader saw
     * it.
     */
    CompletableFuture<List<Long>> start(ExecutorService pool) {
      List<CompletableFuture<?>> senders = new ArrayList<>();
      List<CompletableFuture<Long>> readers = new ArrayList<>();
      for (int i = 0; i < clients.size(); i++) {
        int index = i;
        senders.add(CompletableFuture.runAsync(() -> send(index), pool));
        readers.add(CompletableFuture.supplyAsync(() -> read(index), pool));
      }
      return CompletableFuture.allOf(senders.toArray(CompletableFuture[]::new))
          .thenCompose(done -> CompletableFuture.allOf(readers.toArray(CompletableFuture[]::new)))
          .thenApply(done -> readers.stream().map(CompletableFuture::join).toList());
    }

    /** {@code seq}, zero-padded to six digits, a space and the padding. */
    private String text(int seq) {
      String digits = Integer.toString(seq);
      return "000000".substring(digits.length()) + digits + " " + padding;
    }

    private void send(int sender) {
      TestClient client = clients.get(sender);
      for (int seq = 0; seq < perSender; seq++) {
        acquire(credits[sender]);
        client.send(text(seq));
      }
    }

    private long read(int reader) {
      TestClient client = clients.get(reader);
      int[] next = new int[clients.size()];
      long order = 1;
      for (int n = 0; n < total(); n++) {
        String message = client.nextChatMessage();
        int sender = checkNext(message, next);
        if (receipts[sender].incrementAndGet(next[sender] - 1) == clients.size()) {
          credits[sender].release();
        }
        order = 31 * order + message.hashCode();
      }
      return order;
    }

    /** Checks that {@code message} is the next one of its sender; returns the sender. */
    private int checkNext(String message, int[] next) {
      int colon = message.indexOf(": ");
      Integer sender = colon < 0 ? null : senderIndex.get(message.substring(0, colon));
      if (sender == null) {
        throw new AssertionError("not from a flooding client: " + abbreviate(message));
      }
      String expected = text(next[sender]);
      if (!message.regionMatches(colon + 2, expected, 0, expected.length())
          || message.length() != colon + 2 + expected.length()) {
        throw new AssertionError(
            "from "
                + addresses.get(sender)
                + ": expected message "
                + next[sender]
                + ", got "
                + abbreviate(message));
      }
      next[sender]++;
      return sender;
    }

    /**
     * Checks that the chat lines among {@code frames} are the room's first messages, each whole and
     * in order; notices ({@code "* "}) are skipped.
     */
    void assertPrefixOfTheRoom(List<Frame> frames) {
      int[] next = new int[clients.size()];
      for (Frame frame : frames) {
        String text = frame.text();
        if (!text.startsWith("* ")) {
          checkNext(text, next);
        }
      }
    }

    private static String abbreviate(String message) {
      return message.length() <= 40 ? message : message.substring(0, 40) + "...";
    }

    private static void acquire(Semaphore credit) {
      try {
        if (!credit.tryAcquire(TestClient.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
          throw new AssertionError("readers stalled: no credit within " + TestClient.TIMEOUT);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while flooding", e);
      }
    }
  }

  /** Samples the pooled allocator's direct memory every few milliseconds, keeping the peak. */
  private static final class DirectMemoryPeak {
    private final PooledByteBufAllocatorMetric metric = PooledByteBufAllocator.DEFAULT.metric();
    private final ScheduledExecutorService sampler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread thread = new Thread(r, "direct-memory-sampler");
              thread.setDaemon(true);
              return thread;
            });
    private final long baseline = metric.usedDirectMemory();
    private final AtomicLong peak = new AtomicLong(baseline);

    static DirectMemoryPeak start() {
      DirectMemoryPeak memory = new DirectMemoryPeak();
      memory.sampler.scheduleAtFixedRate(memory::sample, 0, 5, TimeUnit.MILLISECONDS);
      return memory;
    }

    private void sample() {
      peak.accumulateAndGet(metric.usedDirectMemory(), Math::max);
    }

    long baseline() {
      return baseline;
    }

    long peak() {
      return peak.get();
    }

    void stop() {
      sampler.shutdownNow();
      sample();
    }
  }
}
