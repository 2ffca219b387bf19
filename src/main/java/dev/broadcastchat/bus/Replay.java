package dev.broadcastchat.bus;

import dev.broadcastchat.protocol.ChatMessage;
import java.util.List;

/**
 * What a joining member is sent before it goes live.
 *
 * @param messages the kept history, or exactly the messages after {@code since}, oldest first
 * @param gap true if {@code since} could not be resumed from (the kept history follows instead)
 * @param throughSeq the room's last sequence number when this was taken: live messages up to it are
 *     already covered by {@code messages}
 */
public record Replay(List<ChatMessage> messages, boolean gap, long throughSeq) {
  public Replay {
    messages = List.copyOf(messages);
  }
}
