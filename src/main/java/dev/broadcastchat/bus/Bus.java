package dev.broadcastchat.bus;

import dev.broadcastchat.protocol.ChatMessage;
import dev.broadcastchat.protocol.ServerEvent;
import java.util.concurrent.CompletableFuture;
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

    /**
     * A broadcast that is not a message (presence, nick changes). With the in-memory bus it is
     * called while a room's presence notices wait for it (under their batcher's lock), so it must
     * hand the event on without blocking and without calling back into the room.
     */
    void deliverEvent(String room, ServerEvent event);

    /**
     * This node missed messages of {@code room} that can no longer be read back (they were trimmed,
     * or the log was lost): its members there must be told, and resume. The in-memory bus never
     * calls it.
     */
    default void missed(String room) {}
  }

  /**
   * Sequences {@code draft}. The returned stage completes with the stored message once it has its
   * id (before or after it is delivered), or exceptionally with {@link BusUnavailableException} if
   * the bus could not take it. A draft with the {@code ref} and text of one the room recently
   * sequenced (a resend after a reconnect) is not sequenced again: the stage completes with the
   * message stored the first time.
   */
  CompletionStage<ChatMessage> publish(Draft draft);

  /**
   * Broadcasts an event that is not a message to {@code room} on every node. The returned stage
   * completes once the event is on its way to every node, or exceptionally with {@link
   * BusUnavailableException} if it could not be sent or the bus did not answer in time (it is not
   * retried; after a timeout it may still go out, late).
   */
  CompletionStage<Void> publishEvent(String room, ServerEvent event);

  /**
   * The replay for a member joining {@code room}: the kept history, or with {@code since} (null for
   * none) exactly the messages after it, or a gap and the kept history when it cannot be resumed
   * from. Call it after the member is registered to receive live messages.
   */
  CompletionStage<Replay> replay(String room, String since);

  /**
   * {@code here}, the members of {@code room} on this node, together with those on other nodes: at
   * most {@value ServerEvent.Who#MAX_NAMES} names and the count of all. A single node answers
   * {@code here} as it is; a shared bus fails with {@link BusUnavailableException} if it cannot
   * ask.
   */
  default CompletionStage<ServerEvent.Who> who(String room, ServerEvent.Who here) {
    return CompletableFuture.completedFuture(here);
  }

  /**
   * Claims {@code nick} in {@code room} across every node for one of this node's members, which has
   * already claimed it on this node (so no other member here holds it). {@code token} names this
   * claim, new for each: {@link #releaseNick} gives up only the claim it names. Completes with true
   * once the nick is this member's, false if a member of another node holds it, or exceptionally
   * with {@link BusUnavailableException}. A single node has no others: always true, at once.
   */
  default CompletionStage<Boolean> claimNick(String room, String nick, String token) {
    return CompletableFuture.completedFuture(true);
  }

  /** Gives up the claim {@link #claimNick} made under {@code token}, if it still stands. */
  default void releaseNick(String room, String nick, String token) {}

  /**
   * Called when {@code room} may have gained its first member on this node or lost its last (the
   * bus checks which), so that a shared bus listens to a room only while the node has members in
   * it. Returns at once.
   */
  default void occupancyChanged(String room) {}

  /** Whether the bus can take messages now. */
  boolean ready();

  @Override
  void close();
}
