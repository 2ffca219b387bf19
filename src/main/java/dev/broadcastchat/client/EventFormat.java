package dev.broadcastchat.client;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * How JSON events read on the console: {@code [HH:mm] alice: hello}, {@code * bob left lobby},
 * {@code ! message too long}. Text from the server is shown as sent except for control characters
 * (a terminal would obey them), and continuation lines are indented so that none can pass for
 * another sender's. Immutable and thread-safe.
 */
final class EventFormat {
  /** Continuation lines of a multi-line message are indented so none passes for another sender. */
  static final String CONTINUATION_INDENT = "    ";

  static final String GAP = "* some older messages were missed";

  private final DateTimeFormatter time;

  EventFormat(ZoneId zone) {
    this.time = DateTimeFormatter.ofPattern("HH:mm").withZone(zone);
  }

  /** {@code [HH:mm] alice: hello}, or {@code [HH:mm] * alice waves} for an action. */
  String message(ServerEvent.Message message) {
    String when = "[" + time.format(Instant.ofEpochMilli(message.ts())) + "] ";
    String from = clean(message.from());
    String line =
        message.action()
            ? when + "* " + from + " " + message.text()
            : when + from + ": " + message.text();
    return indentContinuations(clean(line));
  }

  /** {@code * alice joined lobby}, {@code * alice and 37 others left lobby}. */
  String presence(ServerEvent.Presence presence) {
    return "* "
        + who(presence.nicks(), presence.count())
        + (presence.joined() ? " joined " : " left ")
        + clean(presence.room());
  }

  /** {@code * alice is now known as bob}. */
  String nickChange(ServerEvent.NickChange change) {
    return "* " + clean(change.from()) + " is now known as " + clean(change.to());
  }

  /** {@code * 3 in lobby: alice, bob, carol}, then {@code and N more} past the names listed. */
  String who(ServerEvent.Who who) {
    StringBuilder sb =
        new StringBuilder("* ").append(who.count()).append(" in ").append(clean(who.room()));
    if (!who.members().isEmpty()) {
      sb.append(": ").append(clean(String.join(", ", who.members())));
    }
    int unnamed = who.count() - who.members().size();
    if (unnamed > 0) {
      sb.append(" and ").append(unnamed).append(" more");
    }
    return sb.toString();
  }

  /** {@code ! message too long (max 4096 bytes)}. */
  String error(ServerEvent.Error error) {
    String message = error.message() != null ? error.message() : error.code();
    return "! " + clean(message == null ? "error" : message);
  }

  /** A notice as the server words it, made to read as one: {@code * ...}. */
  String notice(ServerEvent.Notice notice) {
    String text = clean(notice.text());
    return indentContinuations(text.startsWith("* ") ? text : "* " + text);
  }

  /** {@code * you are in lobby as alice}. */
  String whereYouAre(ServerEvent.Welcome welcome) {
    String as = welcome.nick() != null ? welcome.nick() : welcome.addr();
    return "* you are in " + clean(welcome.room()) + " as " + clean(as);
  }

  /** The welcome sentence, as the server words it. */
  String welcome(ServerEvent.Welcome welcome) {
    return clean(welcome.text() == null ? "" : welcome.text());
  }

  private static String who(List<String> nicks, int count) {
    if (nicks.isEmpty()) {
      return count == 1 ? "someone" : count + " members";
    }
    String first = clean(nicks.get(0));
    if (count <= 1) {
      return first;
    }
    if (count == 2 && nicks.size() == 2) {
      return first + " and " + clean(nicks.get(1));
    }
    return first + " and " + (count - 1) + " others";
  }

  /** Indents every line after the first, so a multi-line message cannot fake another sender. */
  static String indentContinuations(String message) {
    if (message.indexOf('\n') < 0 && message.indexOf('\r') < 0) {
      return message;
    }
    String[] lines = message.split("\r\n|\r|\n", -1);
    StringBuilder sb = new StringBuilder(lines[0]);
    for (int i = 1; i < lines.length; i++) {
      sb.append('\n').append(CONTINUATION_INDENT).append(lines[i]);
    }
    return sb.toString();
  }

  /**
   * Replaces control characters other than line breaks and tabs with U+FFFD, so that text from
   * other users cannot move the cursor, recolour or retitle the terminal.
   */
  static String clean(String text) {
    if (text == null) {
      return "";
    }
    StringBuilder sb = null;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      boolean control = Character.isISOControl(c) && c != '\n' && c != '\r' && c != '\t';
      if (control && sb == null) {
        sb = new StringBuilder(text.length()).append(text, 0, i);
      }
      if (sb != null) {
        sb.append(control ? '\uFFFD' : c);
      }
    }
    return sb == null ? text : sb.toString();
  }
}
