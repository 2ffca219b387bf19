package dev.broadcastchat.bus;

import dev.broadcastchat.protocol.ServerEvent;

/**
 * What a bus may ask of the node's own rooms: who is in a room here. Called from any thread; must
 * not block.
 */
@FunctionalInterface
public interface LocalMembers {
  /**
   * The members of {@code room} on this node: at most {@code limit} names, and how many (0 if
   * none).
   */
  ServerEvent.Who who(String room, int limit);
}
