package dev.broadcastchat.protocol;

import java.util.Objects;

/**
 * One chat message as sequenced by the bus: immutable, shared by every receiver.
 *
 * @param id opaque id, unique within its room (carries the room's epoch and {@code seq})
 * @param seq position in the room's sequence; larger is later (never sent to clients)
 * @param room the room it was sent to
 * @param from the sender's nick, or its {@code ip:port} when it has none
 * @param addr the sender's {@code ip:port} as the server saw it
 * @param text the text exactly as sent
 * @param ts when it was sequenced, in epoch milliseconds
 * @param action true for {@code /me} actions
 */
public record ChatMessage(
    String id,
    long seq,
    String room,
    String from,
    String addr,
    String text,
    long ts,
    boolean action) {
  public ChatMessage {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(room, "room");
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(addr, "addr");
    Objects.requireNonNull(text, "text");
  }
}
