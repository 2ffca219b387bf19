package dev.broadcastchat.protocol;

import java.util.List;
import java.util.Objects;

/**
 * Everything the server sends a client, one record per kind; {@link TextCodec} and {@link
 * JsonCodec} render each for their protocol.
 */
public sealed interface ServerEvent {

  /**
   * First event of a connection, and again after each move to another room; {@code limits}
   * (nullable) are what the connection may send, for a client to keep within them.
   */
  record Welcome(String room, String nick, String addr, Limits limits) implements ServerEvent {
    public Welcome(String room, String nick, String addr) {
      this(room, nick, addr, null);
    }
  }

  /**
   * What a connection may send: {@code rate} frames a second after a {@code burst} (0 and 0 when
   * there is no limit), each chat message at most {@code messageBytes} UTF-8 bytes of text.
   */
  record Limits(int rate, int burst, int messageBytes) {}

  /** A chat message, live or part of a replay. */
  record Message(ChatMessage message, boolean replay) implements ServerEvent {
    public Message {
      Objects.requireNonNull(message, "message");
    }
  }

  /** The replay is over; what follows is live. */
  record Live() implements ServerEvent {}

  /** The requested {@code since} could not be resumed from; the kept history follows. */
  record Gap(String since) implements ServerEvent {}

  /** A {@code say} with {@code ref} was sequenced as {@code id}. */
  record Ack(String ref, String id) implements ServerEvent {}

  /** Members joined ({@code joined}) or left a room since the last notice. */
  record Presence(String room, boolean joined, List<String> nicks, int count, int members)
      implements ServerEvent {
    /** Most names one presence event carries. */
    public static final int MAX_NICKS = 20;

    public Presence {
      nicks = List.copyOf(nicks);
    }
  }

  /** A member changed its nick. */
  record NickChange(String room, String from, String to) implements ServerEvent {}

  /** Answer to {@code who}: up to {@link #MAX_NAMES} names and the room's size. */
  record Who(String room, List<String> members, int count) implements ServerEvent {
    public static final int MAX_NAMES = 100;

    public Who {
      members = List.copyOf(members);
    }
  }

  /** Answer to {@code ping}. */
  record Pong() implements ServerEvent {}

  /** Something the client sent was refused; {@code ref} when it answers a {@code say}. */
  record Error(ErrorCode code, String message, String ref) implements ServerEvent {}

  /** A notice for text clients only (command results); JSON clients learn these otherwise. */
  record Notice(String text) implements ServerEvent {}
}
