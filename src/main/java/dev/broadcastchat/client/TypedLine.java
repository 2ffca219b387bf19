package dev.broadcastchat.client;

import java.util.Locale;

/**
 * One line the user typed, read as a chat message or a command. Immutable. {@code //text} is the
 * message {@code /text}; command names are case-insensitive.
 */
sealed interface TypedLine {

  /** A chat message, or with {@code action} a {@code /me} action. */
  record Say(String text, boolean action) implements TypedLine {}

  /** {@code /nick NAME}. */
  record Nick(String nick) implements TypedLine {}

  /** {@code /join ROOM}. */
  record Join(String room) implements TypedLine {}

  /** {@code /who}. */
  record Who() implements TypedLine {}

  /** {@code /help}: answered locally. */
  record Help() implements TypedLine {}

  /** {@code /quit}: ends the input. */
  record Quit() implements TypedLine {}

  /** An empty line: nothing to send. */
  record Blank() implements TypedLine {}

  /** A {@code /command} this client does not know; {@code command} includes the slash. */
  record Unknown(String command) implements TypedLine {}

  /** A known command used wrongly; {@code usage} says how it is used. */
  record Misused(String usage) implements TypedLine {}

  /** The commands, as {@code /help} shows them. */
  String HELP =
      String.join(
          "\n",
          "* /nick NAME    take another nick",
          "* /join ROOM    move to another room",
          "* /who          who is in the room",
          "* /me ACTION    an action, shown as * NICK ACTION",
          "* /quit         leave (also Ctrl-D)",
          "* //text        send a message that starts with /",
          "* anything else is sent as a message");

  /** Reads {@code line}. */
  static TypedLine parse(String line) {
    if (line.isBlank()) {
      return new Blank();
    }
    if (!line.startsWith("/")) {
      return new Say(line, false);
    }
    if (line.startsWith("//")) {
      return new Say(line.substring(1), false);
    }
    int space = line.indexOf(' ');
    String command = (space < 0 ? line : line.substring(0, space)).toLowerCase(Locale.ROOT);
    String argument = space < 0 ? "" : line.substring(space + 1).strip();
    return switch (command) {
      case "/nick" -> argument.isEmpty() ? new Misused("/nick NAME") : new Nick(argument);
      case "/join" -> argument.isEmpty() ? new Misused("/join ROOM") : new Join(argument);
      case "/me" -> argument.isEmpty() ? new Misused("/me ACTION") : new Say(argument, true);
      case "/who" -> new Who();
      case "/help" -> new Help();
      case "/quit" -> new Quit();
      default -> new Unknown(space < 0 ? line : line.substring(0, space));
    };
  }
}
