package dev.broadcastchat.bench;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a {@code fanout} or {@code latency} run measured. Counts cover the messages sent (closed
 * loop) or due (open loop) in the measured window, wherever they arrived; a delivery is one message
 * reaching one receiver, so deliveries are messages times receivers when nothing is lost.
 *
 * @param scenario {@link Scenario#FANOUT} or {@link Scenario#LATENCY}
 * @param url the server, with the room the run used
 * @param clients connections asked for
 * @param receivers connections that opened and read: every one is a receiver
 * @param senders how many of them sent
 * @param size bytes of each message's text
 * @param rate messages per second per sender, 0 for closed loop
 * @param warmup how long senders ran before the window
 * @param duration the measured window
 * @param messages messages sent in the window
 * @param deliveries of those, first arrivals at a receiver
 * @param latency from send (or due) time to arrival, of those deliveries
 * @param lost deliveries that never happened (after the drain)
 * @param duplicated messages a receiver got again, or after a later one of the same sender
 * @param connectFailures connections that did not open
 * @param firstConnectFailure why the first of those failed, or null
 * @param dropped connections that ended before the bench closed them
 * @param firstDrop why the first of those ended, or null
 * @param serverErrors error lines ({@code ! ...}) the server sent
 * @param firstServerError the first of them, or null
 * @param stalled connections that opened and never read (slow consumers), not receivers
 * @param stalledClosed of those, how many the server had closed, found by having them read after
 *     the window what the server sent them
 * @param stalledCloseCode the close code the first of those got, or -1 (none, or no close frame)
 * @param stalledWithoutCloseFrame of those closed, how many ended without a close frame reaching
 *     the bench: closed without one, or reset while one still waited behind what they never read
 * @param serverCpu the server's CPU over the window, null without {@code --pid} or if not read
 * @param benchCpu the bench's own CPU over the window, null if not read
 */
public record DeliveryResult(
    Scenario scenario,
    URI url,
    int clients,
    int receivers,
    int senders,
    int size,
    int rate,
    Duration warmup,
    Duration duration,
    long messages,
    long deliveries,
    LatencySummary latency,
    long lost,
    long duplicated,
    int connectFailures,
    String firstConnectFailure,
    long dropped,
    String firstDrop,
    long serverErrors,
    String firstServerError,
    int stalled,
    int stalledClosed,
    int stalledCloseCode,
    int stalledWithoutCloseFrame,
    ServerCpu serverCpu,
    BenchCpu benchCpu)
    implements BenchResult {

  /** Messages sent per second of the window. */
  public double messagesPerSecond() {
    return messages * 1e9 / duration.toNanos();
  }

  /** Deliveries per second of the window. */
  public double deliveriesPerSecond() {
    return deliveries * 1e9 / duration.toNanos();
  }

  @Override
  public String problems() {
    List<String> problems = new ArrayList<>();
    if (messages == 0) {
      problems.add("no message sent in the measured window");
    }
    if (lost > 0 && serverErrors > 0) {
      // A message the server refused (a rate limit, a size limit) reaches no one: say so, since
      // "lost" alone reads as a server that accepted a message and dropped it.
      problems.add(
          String.format(
              Locale.ROOT,
              "%,d deliveries lost, and the server answered with %,d errors (first: %s)",
              lost,
              serverErrors,
              firstServerError));
    } else if (lost > 0) {
      problems.add(String.format(Locale.ROOT, "%,d deliveries lost", lost));
    }
    if (duplicated > 0) {
      problems.add(String.format(Locale.ROOT, "%,d duplicated or out of order", duplicated));
    }
    if (connectFailures > 0) {
      problems.add(
          String.format(
              Locale.ROOT,
              "%,d connections failed (first: %s)",
              connectFailures,
              firstConnectFailure));
    }
    if (dropped > 0) {
      problems.add(
          String.format(Locale.ROOT, "%,d connections dropped (first: %s)", dropped, firstDrop));
    }
    return String.join(", ", problems);
  }
}
