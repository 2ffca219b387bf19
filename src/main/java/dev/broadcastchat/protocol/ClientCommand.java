package dev.broadcastchat.protocol;

/** What a client asks of the server, parsed from a text or JSON frame. */
public sealed interface ClientCommand {

  /** Send {@code text} to the room; {@code ref} (nullable) asks for an ack. */
  record Say(String text, String ref, boolean action) implements ClientCommand {}

  /** Change nick. */
  record SetNick(String nick) implements ClientCommand {}

  /** Move to another room. */
  record JoinRoom(String room) implements ClientCommand {}

  /** List the room's members. */
  record Who() implements ClientCommand {}

  /** Liveness check. */
  record Ping() implements ClientCommand {}

  /** The command list (text protocol). */
  record Help() implements ClientCommand {}

  /** A frame that could not be understood; answered with an error, the connection stays. */
  record Invalid(ErrorCode code, String message) implements ClientCommand {}
}
