package dev.broadcastchat.bus;

/**
 * The Redis names of one room's state under a prefix. Every name carries the room in braces, a
 * Redis Cluster hash tag, so that one script may touch all of a room's keys.
 *
 * @param epoch the room log's epoch (a string; drawn anew when the log is created)
 * @param seq the last sequence number given out
 * @param stream the kept messages, entry {@code 0-SEQ} holding the message as JSON
 * @param refs recent refs: {@code sha1(ref, text)} to the message stored for it
 * @param refOrder the refs in {@link #refs}, oldest first, to bound it
 * @param members each node's record of its members in the room
 * @param nicks the nicks claimed in the room, and by which node
 * @param channel where the room's messages and events are published
 */
record RoomKeys(
    String epoch,
    String seq,
    String stream,
    String refs,
    String refOrder,
    String members,
    String nicks,
    String channel) {

  static RoomKeys of(String prefix, String room) {
    String base = prefix + "{" + room + "}:";
    return new RoomKeys(
        base + "epoch",
        base + "seq",
        base + "log",
        base + "refs",
        base + "refq",
        base + "members",
        base + "nicks",
        base + "bus");
  }

  /** The keys of the log, in the order the scripts take them. */
  String[] logKeys() {
    return new String[] {epoch, seq, stream, refs, refOrder};
  }

  /** The members and nicks keys followed by the log keys, as the presence script takes them. */
  String[] presenceKeys() {
    return new String[] {members, nicks, epoch, seq, stream, refs, refOrder};
  }

  /** The nicks and members keys, as the nick script takes them. */
  String[] nickKeys() {
    return new String[] {nicks, members};
  }

  /** The room a channel made by {@link #of} belongs to, or null if it is not one of ours. */
  static String roomOfChannel(String prefix, String channel) {
    if (!channel.startsWith(prefix + "{") || !channel.endsWith("}:bus")) {
      return null;
    }
    return channel.substring(prefix.length() + 1, channel.length() - "}:bus".length());
  }
}
