package dev.broadcastchat.client;

import java.util.Objects;

/** What the client sends in the JSON protocol, one record per {@code type}. Immutable. */
sealed interface ClientRequest {

  /** A chat message ({@code action} for {@code /me}); {@code ref} names it for its ack. */
  record Say(String text, String ref, boolean action) implements ClientRequest {
    public Say {
      Objects.requireNonNull(text, "text");
      Objects.requireNonNull(ref, "ref");
    }
  }

  /** Take another nick. */
  record SetNick(String nick) implements ClientRequest {
    public SetNick {
      Objects.requireNonNull(nick, "nick");
    }
  }

  /** Move to another room. */
  record Join(String room) implements ClientRequest {
    public Join {
      Objects.requireNonNull(room, "room");
    }
  }

  /** Ask who is in the room. */
  record Who() implements ClientRequest {}

  /** Ask for a {@code pong}, to learn that the connection still carries. */
  record Ping() implements ClientRequest {}
}
