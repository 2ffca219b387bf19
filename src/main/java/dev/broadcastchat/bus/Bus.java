package dev.broadcastchat.bus;

import dev.broadcastchat.protocol.ChatMessage;
import java.util.concurrent.CompletionStage;

/**
 * Sequences messages per room and hands each one, in that order, to the node's {@link Delivery}.
 *
 * <p>Everything a node delivers comes back through the bus, its own messages too: that is what
 * makes every member of a room see the same order. Implementations are thread-safe.
 */
public interface Bus extends AutoCloseable {

  /** Where a bus hands sequenced messages; called once per message, in each room's order. */
  @FunctionalInterface
  interface Delivery {
    void deliver(ChatMessage message);
  }

  /**
   * Sequences {@code draft}. The returned stage completes with the stored message once it has its
   * id (before or after it is delivered), or exceptionally if the bus could not take it.
   */
  CompletionStage<ChatMessage> publish(Draft draft);

  /** Whether the bus can take messages now. */
  boolean ready();

  @Override
  void close();
}
