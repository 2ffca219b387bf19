package dev.broadcastchat.bus;

/**
 * A message as a session hands it to the bus, before it has an id.
 *
 * @param room the room it is sent to
 * @param from the sender's nick, or its {@code ip:port}
 * @param addr the sender's {@code ip:port}
 * @param text the text as sent
 * @param action true for {@code /me}
 * @param ref the client's reference for acks and resends, or null
 */
public record Draft(
    String room, String from, String addr, String text, boolean action, String ref) {}
