package dev.broadcastchat.protocol;

import java.util.List;

/**
 * The plain-text protocol: what a client that asked for no subprotocol sends and sees.
 *
 * <p>Broadcasts are {@code SENDER: TEXT}; every other line starts with {@code "* "} (notices) or
 * {@code "! "} (errors), so a client that ignores those sees exactly the broadcast lines.
 */
public final class TextCodec {
  /** The first frame every connection receives. */
  public static final String WELCOME = "Welcome to chat! Type a message";

  public static final String HELP =
      String.join(
          "\n",
          "* commands:",
          "*   /nick NAME   change your nick",
          "*   /join ROOM   move to another room",
          "*   /who         who is in this room",
          "*   /me ACTION   say what you do (* alice waves)",
          "*   /help        this list",
          "*   //text       send a line that starts with /");

  private TextCodec() {}

  /** {@code SENDER: TEXT}, or {@code * SENDER TEXT} for an action. */
  public static String format(ChatMessage message) {
    if (message.action()) {
      return "* " + message.from() + " " + message.text();
    }
    return message.from() + ": " + message.text();
  }

  /** The frame a text client gets for {@code event}, or null if text clients get none. */
  public static String encode(ServerEvent event) {
    // Java 17 has no pattern switch: an instanceof chain, ending in the kinds text shows nothing
    // of.
    if (event instanceof ServerEvent.Message m) {
      return format(m.message());
    } else if (event instanceof ServerEvent.Welcome) {
      return WELCOME;
    } else if (event instanceof ServerEvent.Presence p) {
      return presence(p);
    } else if (event instanceof ServerEvent.NickChange n) {
      return "* " + n.from() + " is now known as " + n.to();
    } else if (event instanceof ServerEvent.Who w) {
      return who(w);
    } else if (event instanceof ServerEvent.Error e) {
      return "! " + e.message();
    } else if (event instanceof ServerEvent.Notice n) {
      return n.text();
    }
    return null; // Live, Gap, Ack, Pong: the text protocol has no history, refs or pings.
  }

  private static String presence(ServerEvent.Presence p) {
    String verb = p.joined() ? " joined " : " left ";
    List<String> nicks = p.nicks();
    String who;
    if (nicks.isEmpty()) {
      who = p.count() == 1 ? "1 member" : p.count() + " members";
    } else if (p.count() == 1) {
      who = nicks.get(0);
    } else if (p.count() == 2) {
      who = nicks.get(0) + " and " + (nicks.size() > 1 ? nicks.get(1) : "1 other");
    } else {
      who = nicks.get(0) + " and " + (p.count() - 1) + " others";
    }
    return "* " + who + verb + p.room();
  }

  private static String who(ServerEvent.Who w) {
    StringBuilder sb = new StringBuilder("* ").append(w.count()).append(" in ").append(w.room());
    if (!w.members().isEmpty()) {
      sb.append(": ").append(String.join(", ", w.members()));
    }
    int more = w.count() - w.members().size();
    if (more > 0) {
      sb.append(" and ").append(more).append(" more");
    }
    return sb.toString();
  }

  /** Parses one frame from a text client. */
  public static ClientCommand parse(String frame) {
    if (!frame.startsWith("/")) {
      return new ClientCommand.Say(frame, null, false);
    }
    if (frame.startsWith("//")) {
      return new ClientCommand.Say(frame.substring(1), null, false);
    }
    String command = frame.substring(1).strip();
    int space = 0;
    while (space < command.length() && !Character.isWhitespace(command.charAt(space))) {
      space++;
    }
    String name = command.substring(0, space);
    String arg = command.substring(space).strip();
    return switch (name) {
      case "nick" -> new ClientCommand.SetNick(arg);
      case "join" -> new ClientCommand.JoinRoom(arg);
      case "who" -> new ClientCommand.Who();
      case "me" -> new ClientCommand.Say(arg, null, true);
      case "help" -> new ClientCommand.Help();
      default ->
          new ClientCommand.Invalid(
              ErrorCode.UNKNOWN_TYPE, "unknown command /" + shorten(name) + ", try /help");
    };
  }

  /** The command name as it may be shown back: short, and with no control characters. */
  private static String shorten(String name) {
    return SafeText.shorten(name, 32).replaceAll("\\p{Cntrl}", "?");
  }
}
