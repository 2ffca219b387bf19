package dev.broadcastchat.server;

import dev.broadcastchat.protocol.WireProtocol;
import dev.broadcastchat.room.FanoutListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.internal.PlatformDependent;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

/**
 * The server's meters, kept in a Micrometer Prometheus registry and read by {@code GET /metrics}.
 *
 * <p>The rest of the server reports events through plain methods ({@link #connectionOpened}, {@link
 * #messageReceived}...) and knows nothing of Micrometer. Fan-out is counted once per drain (see
 * {@link FanoutListener}), never once per receiver. Thread-safe: every method may be called from
 * any thread; counters are striped adders, so event loops do not contend on them.
 */
final class ServerMetrics implements FanoutListener, AutoCloseable {
  /** The content type of {@link #scrape}: the Prometheus text format 0.0.4. */
  static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  /** Close codes that get a label of their own; any other is counted as {@code other}. */
  private static final int[] KNOWN_CLOSE_CODES = {
    1000, 1001, 1002, 1003, 1006, 1007, 1008, 1009, 1011, 1013
  };

  private final PrometheusMeterRegistry registry;
  private final JvmGcMetrics gcMetrics;
  private final AtomicInteger openText = new AtomicInteger();
  private final AtomicInteger openJson = new AtomicInteger();
  private final Counter openedText;
  private final Counter openedJson;
  private final Counter[] closedByCode = new Counter[KNOWN_CLOSE_CODES.length + 2];
  private final Counter messagesReceived;
  private final Counter messagesDelivered;
  private final Counter outboundBytes;
  private final Counter slowConsumersClosed;
  private final Counter rateLimited;
  private final Counter floodersClosed;
  private final Timer busPublish;
  private final Counter busErrors;
  private final Counter pingsSent;
  private final Counter pingTimeouts;
  private final Counter handshakeTimeouts;
  private final Counter upgradesRefused;

  /**
   * @param allocator the allocator whose pool usage is reported
   */
  ServerMetrics(ByteBufAllocatorMetricProvider allocator) {
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(registry);
    gcMetrics = new JvmGcMetrics();
    gcMetrics.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    bindAllocator(allocator);

    gauge("chat.connections.open", "text", openText, "WebSocket connections open now");
    gauge("chat.connections.open", "json", openJson, "WebSocket connections open now");
    openedText = connectionsCounter("text");
    openedJson = connectionsCounter("json");
    for (int i = 0; i < KNOWN_CLOSE_CODES.length; i++) {
      closedByCode[i] = closedCounter(Integer.toString(KNOWN_CLOSE_CODES[i]));
    }
    closedByCode[KNOWN_CLOSE_CODES.length] = closedCounter("other");
    closedByCode[KNOWN_CLOSE_CODES.length + 1] = closedCounter("none");
    messagesReceived = counter("chat.messages.received", "Chat messages received from clients");
    messagesDelivered =
        counter("chat.messages.delivered", "Chat messages handed to receivers (one per receiver)");
    outboundBytes =
        Counter.builder("chat.outbound")
            .baseUnit("bytes")
            .description("Bytes of WebSocket frames written to clients")
            .register(registry);
    slowConsumersClosed =
        counter("chat.slow.consumers.closed", "Receivers closed with 1013 for falling behind");
    rateLimited =
        counter("chat.rate.limited", "Client messages refused by the per-connection rate limit");
    floodersClosed =
        counter("chat.flooders.closed", "Connections closed with 1008 for sustained flooding");
    busPublish =
        Timer.builder("chat.bus.publish")
            .description("Time from handing a message to the bus until it is sequenced")
            .serviceLevelObjectives(
                Duration.ofNanos(100_000),
                Duration.ofNanos(500_000),
                Duration.ofMillis(1),
                Duration.ofMillis(2),
                Duration.ofMillis(5),
                Duration.ofMillis(10),
                Duration.ofMillis(25),
                Duration.ofMillis(50),
                Duration.ofMillis(100),
                Duration.ofMillis(250),
                Duration.ofMillis(500),
                Duration.ofSeconds(1),
                Duration.ofSeconds(5))
            .register(registry);
    busErrors = counter("chat.bus.errors", "Publishes and replays the bus failed");
    pingsSent = counter("chat.keepalive.pings", "Pings sent to connections that fell silent");
    pingTimeouts =
        counter("chat.keepalive.timeouts", "Connections closed for not answering a ping in time");
    handshakeTimeouts =
        counter(
            "chat.handshake.timeouts",
            "Connections closed for not completing their first request (or upgrade) in time");
    upgradesRefused =
        counter("chat.upgrades.refused", "Upgrades refused with 503 while shutting down");
  }

  /**
   * The pooled allocator's memory (Micrometer's own Netty binder names it without units and tags it
   * with an identity hash, so these are registered by hand).
   */
  private void bindAllocator(ByteBufAllocatorMetricProvider allocator) {
    ByteBufAllocatorMetric pool = allocator.metric();
    Gauge.builder("netty.pool.used.memory", pool, ByteBufAllocatorMetric::usedDirectMemory)
        .tag("memory", "direct")
        .baseUnit("bytes")
        .description("Memory the pooled buffer allocator holds (its arenas' chunks)")
        .register(registry);
    Gauge.builder("netty.pool.used.memory", pool, ByteBufAllocatorMetric::usedHeapMemory)
        .tag("memory", "heap")
        .baseUnit("bytes")
        .description("Memory the pooled buffer allocator holds (its arenas' chunks)")
        .register(registry);
    if (allocator instanceof PooledByteBufAllocator pooled) {
      Gauge.builder("netty.pool.pinned.memory", pooled, PooledByteBufAllocator::pinnedDirectMemory)
          .tag("memory", "direct")
          .baseUnit("bytes")
          .description("Memory of the pool's buffers in use now")
          .register(registry);
      Gauge.builder("netty.pool.pinned.memory", pooled, PooledByteBufAllocator::pinnedHeapMemory)
          .tag("memory", "heap")
          .baseUnit("bytes")
          .description("Memory of the pool's buffers in use now")
          .register(registry);
    }
    Gauge.builder("netty.direct.memory.used", PlatformDependent::usedDirectMemory)
        .baseUnit("bytes")
        .description("Direct memory Netty allocated outside the JDK's accounting (-1 if untracked)")
        .register(registry);
  }

  private void gauge(String name, String protocol, AtomicInteger value, String description) {
    Gauge.builder(name, value, AtomicInteger::get)
        .tag("protocol", protocol)
        .description(description)
        .register(registry);
  }

  private Counter connectionsCounter(String protocol) {
    return Counter.builder("chat.connections")
        .tag("protocol", protocol)
        .description("WebSocket connections opened")
        .register(registry);
  }

  private Counter closedCounter(String code) {
    return Counter.builder("chat.connections.closed")
        .tag("code", code)
        .description("WebSocket connections closed, by the close code sent or received")
        .register(registry);
  }

  private Counter counter(String name, String description) {
    return Counter.builder(name).description(description).register(registry);
  }

  /** Reports what {@code refusals} counted, read when scraped, one series per reason. */
  void refusals(Refusals refusals) {
    for (Refusals.Reason reason : Refusals.Reason.values()) {
      FunctionCounter.builder("chat.refusals", refusals, r -> r.get(reason))
          .description("Upgrades, commands and connections refused by a limit or check, by reason")
          .tag("reason", reason.metricName())
          .register(registry);
    }
  }

  /** Reports {@code rooms}, read when scraped, as the number of rooms on this node. */
  void rooms(IntSupplier rooms) {
    Gauge.builder("chat.rooms", rooms::getAsInt)
        .description("Rooms this node holds: with members, or emptied within the last minute")
        .register(registry);
  }

  void connectionOpened(WireProtocol protocol) {
    if (protocol == WireProtocol.JSON) {
      openJson.incrementAndGet();
      openedJson.increment();
    } else {
      openText.incrementAndGet();
      openedText.increment();
    }
  }

  void connectionClosed(WireProtocol protocol, int closeCode) {
    (protocol == WireProtocol.JSON ? openJson : openText).decrementAndGet();
    closedByCode[closeCodeIndex(closeCode)].increment();
  }

  private static int closeCodeIndex(int code) {
    if (code < 0) {
      return KNOWN_CLOSE_CODES.length + 1;
    }
    for (int i = 0; i < KNOWN_CLOSE_CODES.length; i++) {
      if (KNOWN_CLOSE_CODES[i] == code) {
        return i;
      }
    }
    return KNOWN_CLOSE_CODES.length;
  }

  /** WebSocket connections open now, both protocols. */
  int openConnections() {
    return openText.get() + openJson.get();
  }

  void messageReceived() {
    messagesReceived.increment();
  }

  @Override
  public void drained(long messages, long bytes) {
    if (messages > 0) {
      messagesDelivered.increment(messages);
    }
    if (bytes > 0) {
      outboundBytes.increment(bytes);
    }
  }

  /** Frames written to one connection outside the fan-out: replays, acks, errors, notices. */
  void wrote(int bytes) {
    outboundBytes.increment(bytes);
  }

  void slowConsumerClosed() {
    slowConsumersClosed.increment();
  }

  void rateLimited() {
    rateLimited.increment();
  }

  void flooderClosed() {
    floodersClosed.increment();
  }

  void published(long nanos) {
    busPublish.record(nanos, TimeUnit.NANOSECONDS);
  }

  void busError() {
    busErrors.increment();
  }

  void pingSent() {
    pingsSent.increment();
  }

  void pingTimedOut() {
    pingTimeouts.increment();
  }

  void handshakeTimedOut() {
    handshakeTimeouts.increment();
  }

  void upgradeRefused() {
    upgradesRefused.increment();
  }

  /** Every meter in the Prometheus text format. */
  String scrape() {
    return registry.scrape();
  }

  @Override
  public void close() {
    gcMetrics.close();
    registry.close();
  }
}
