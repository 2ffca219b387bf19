package dev.broadcastchat.client;

import java.util.List;

/**
 * What a server speaking the JSON protocol sends, one record per {@code type} (docs/PROTOCOL.md).
 * Immutable; {@link #accept} dispatches to the {@link Handler} method for the record's type, so a
 * handler that compiles handles every type.
 */
sealed interface ServerEvent {

  /** Receives each kind of event. */
  interface Handler {
    void on(Welcome welcome);

    void on(Message message);

    void on(Live live);

    void on(Gap gap);

    void on(Ack ack);

    void on(Presence presence);

    void on(NickChange change);

    void on(Who who);

    void on(Pong pong);

    void on(Error error);

    void on(Notice notice);

    void on(Unknown unknown);
  }

  void accept(Handler handler);

  /**
   * First on every connection and after each {@code join}; {@code nick} null when none, {@code
   * limits} null from a server that does not send them.
   */
  record Welcome(String room, String nick, String addr, String text, Limits limits)
      implements ServerEvent {
    Welcome(String room, String nick, String addr, String text) {
      this(room, nick, addr, text, null);
    }

    @Override
    public void accept(Handler handler) {
      handler.on(this);
    }
  }

  /**
   * What the connection may send: {@code rate} frames a second after a {@code burst} (a rate of 0
   * for no limit), chat messages of at most {@code bytes} UTF-8 bytes (0 when not known).
   */
  record Limits(int rate, int burst, int bytes) {}

  /** A chat message; {@code replay} when it comes from the history before {@link Live}. */
  record Message(
      String id,
      String room,
      String from,
      String addr,
      String text,
      long ts,
      boolean action,
      boolean replay)
      implements ServerEvent {
    @Override
    public void accept(Handler handler) {
      handler.on(this);
    }
  }

  /** The replay is over; what follows is live. */
  record Live() implements ServerEvent {
    @Override
    public void accept(Handler handler) {
      handler.on(this);
    }
  }

  /** The server could not resume after {@code since}: the replay that follows is the history. */
  record Gap(String since, String text) implements ServerEvent {
    @Override
    public void accept(Handler handler) {
      handler.on(this);
    }
  }

  /** The say carrying {@code ref} was sequenced as message {@code id}. */
  record Ack(String ref, String id) implements ServerEvent {
    @Override
    public void accept(Handler handler) {
      handler.on(this);
    }
  }

  /**
   * Members joined or left, coalesced: at most 20 {@code nicks}, {@code count} in this batch,
   * {@code members} in the room now.
   */
  record Presence(boolean joined, String room, List<String> nicks, int count, int members)
      implements ServerEvent {
    public Presence {
      nicks = List.copyOf(nicks);
    }

    @Override
    public void accept(Handler handler) {
      handler.on(this);
    }
  }

  /** A member of {@code room} changed its nick. */
  record NickChange(String room, String from, String to) implements ServerEvent {
    @Override
    public void accept(Handler handler) {
      handler.on(this);
    }
  }

  /** The answer to {@code who}: at most 100 names of the room's {@code count} members. */
  record Who(String room, List<String> members, int count) implements ServerEvent {
    public Who {
      members = List.copyOf(members);
    }

    @Override
    public void accept(Handler handler) {
      handler.on(this);
    }
  }

  /** The answer to {@code ping}. */
  record Pong() implements ServerEvent {
    @Override
    public void accept(Handler handler) {
      handler.on(this);
    }
  }

  /** A problem, to this client only; {@code ref} set when it answers a say, else null. */
  record Error(String code, String message, String ref) implements ServerEvent {
    @Override
    public void accept(Handler handler) {
      handler.on(this);
    }
  }

  /**
   * A line the server words itself, {@code * you are in lobby as alice}. Not in docs/PROTOCOL.md,
   * but sent by the server (a {@code join} to the room one is in).
   */
  record Notice(String text) implements ServerEvent {
    @Override
    public void accept(Handler handler) {
      handler.on(this);
    }
  }

  /** A type this client does not know, from a newer server; ignored. */
  record Unknown(String type) implements ServerEvent {
    @Override
    public void accept(Handler handler) {
      handler.on(this);
    }
  }
}
