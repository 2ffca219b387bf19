package dev.broadcastchat.protocol;

/** What a client asks of the server, parsed from a text or JSON frame. */
public sealed interface ClientCommand {

  /** The {@code ref} an answer to this command carries; {@code null} but for a {@code say}'s. */
  default String ref() {
    return null;
  }

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

  /**
   * A frame that could not be understood; answered with an error, the connection stays. {@code ref}
   * (nullable) is that of a {@code say} whose other fields were wrong, for the error to carry.
   */
  record Invalid(ErrorCode code, String message, String ref) implements ClientCommand {
    public Invalid(ErrorCode code, String message) {
      this(code, message, null);
    }
  }
}
