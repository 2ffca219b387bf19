package dev.broadcastchat.bus;

import dev.broadcastchat.protocol.ChatMessage;
import dev.broadcastchat.protocol.ServerEvent;
import java.util.concurrent.CompletionStage;

/**
 * Sequences messages per room, keeps their history, and hands every broadcast, in order, to the
 * node's {@link Delivery}.
 *
 * <p>Everything a node delivers comes back through the bus, its own messages too: that is what
 * makes every member of a room see the same order. Implementations are thread-safe and never block
 * the caller.
 */
public interface Bus extends AutoCloseable {

  /** Where a bus hands broadcasts; called in each room's order. */
  interface Delivery {
    /** A sequenced message. */
    void deliver(ChatMessage message);

    /** A broadcast that is not a message (presence, nick changes). */
    void deliverEvent(String room, ServerEvent event);
  }

  /**
   * Sequences {@code draft}. The returned stage completes with the stored message once it has its
   * id (before or after it is delivered), or exceptionally with {@link BusUnavailableException} if
   * the bus could not take it. A draft with the {@code ref} and text of one the room recently
   * sequenced (a resend after a reconnect) is not sequenced again: the stage completes with the
   * message stored the first time.
   */
  CompletionStage<ChatMessage> publish(Draft draft);

  /** Broadcasts an event that is not a message to {@code room} on every node. */
  void publishEvent(String room, ServerEvent event);

  /**
   * The replay for a member joining {@code room}: the kept history, or with {@code since} (null for
   * none) exactly the messages after it, or a gap and the kept history when it cannot be resumed
   * from. Call it after the member is registered to receive live messages.
   */
  CompletionStage<Replay> replay(String room, String since);

  /** Whether the bus can take messages now. */
  boolean ready();

  @Override
  void close();
}
