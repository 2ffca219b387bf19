package dev.broadcastchat.protocol;

import java.text.Normalizer;
import java.util.Locale;

/** The rules for room names and nicks (SPEC "Names"). */
public final class Names {
  public static final int MAX_ROOM_LENGTH = 64;
  public static final int MAX_NICK_LENGTH = 32;

  private static final String ROOM_RULE =
      "bad room: rooms are 1 to " + MAX_ROOM_LENGTH + " letters, digits, '-', '_' or '.'";

  /** Characters that are letters or symbols to Unicode but show as nothing. */
  private static final String BLANKS = "\u115F\u1160\u3164\uFFA0\u2800";

  private static final int ZERO_WIDTH_JOINER = 0x200D;
  private static final int VARIATION_SELECTOR_16 = 0xFE0F;
  private static final int REPLACEMENT_CHARACTER = 0xFFFD;

  private Names() {}

  /** Why {@code room} is not a valid room name, or null if it is. */
  public static String roomProblem(String room) {
    if (room == null || room.isEmpty() || room.length() > MAX_ROOM_LENGTH) {
      return ROOM_RULE;
    }
    // A loop rather than a regular expression: every connection's room is checked on its way in.
    for (int i = 0; i < room.length(); i++) {
      char c = room.charAt(i);
      boolean allowed =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '.'
              || c == '_'
              || c == '-';
      if (!allowed) {
        return ROOM_RULE;
      }
    }
    return null;
  }

  /** Why {@code nick} is not a valid nick, or null if it is. */
  public static String nickProblem(String nick) {
    if (nick == null || nick.isEmpty()) {
      return "bad nick: a nick is 1 to " + MAX_NICK_LENGTH + " characters";
    }
    int length = nick.codePointCount(0, nick.length());
    if (length > MAX_NICK_LENGTH) {
      return "bad nick: at most " + MAX_NICK_LENGTH + " characters";
    }
    if (nick.startsWith("*") || nick.startsWith("!")) {
      return "bad nick: a nick cannot start with '*' or '!'";
    }
    boolean visible = false;
    for (int i = 0; i < nick.length(); ) {
      int cp = nick.codePointAt(i);
      if (cp == ':') {
        return "bad nick: a nick cannot contain ':'";
      }
      if (cp == REPLACEMENT_CHARACTER) {
        // What a decoder puts where bytes were not UTF-8, as in ?nick=%ff: not a character anyone
        // chose, and it would make two different mistakes the same nick.
        return "bad nick: U+FFFD, the mark of bytes that were not UTF-8, is not allowed";
      }
      if (!isPrintable(cp)) {
        return "bad nick: no spaces or control characters";
      }
      visible |= isVisible(cp);
      i += Character.charCount(cp);
    }
    return visible ? null : "bad nick: a nick needs a visible character";
  }

  private static boolean isVisible(int cp) {
    return switch (Character.getType(cp)) {
      case Character.NON_SPACING_MARK,
          Character.ENCLOSING_MARK,
          Character.COMBINING_SPACING_MARK,
          Character.FORMAT ->
          false;
      default -> cp != VARIATION_SELECTOR_16;
    };
  }

  /**
   * The {@code n}th choice for a member who asked for {@code nick}: the nick itself for 1, then
   * {@code nick_2}, {@code nick_3}..., shortened to fit {@link #MAX_NICK_LENGTH}.
   */
  public static String withSuffix(String nick, int n) {
    if (n <= 1) {
      return nick;
    }
    String suffix = "_" + n;
    String base = nick;
    while (base.codePointCount(0, base.length()) + suffix.length() > MAX_NICK_LENGTH) {
      base = base.substring(0, base.offsetByCodePoints(base.length(), -1));
    }
    return base + suffix;
  }

  /**
   * The key under which nicks are compared: case-insensitive, and blind to the characters a nick
   * may hold that show as nothing (joiners, variation selectors), so that {@code alice} followed by
   * one of them is the same nick as {@code alice}.
   */
  public static String nickKey(String nick) {
    String key = Normalizer.normalize(nick, Normalizer.Form.NFKC).toLowerCase(Locale.ROOT);
    for (int i = 0; i < key.length(); ) {
      int cp = key.codePointAt(i);
      if (isIgnorable(cp)) {
        StringBuilder visible = new StringBuilder(key.length());
        key.codePoints().filter(c -> !isIgnorable(c)).forEach(visible::appendCodePoint);
        return visible.toString();
      }
      i += Character.charCount(cp);
    }
    return key;
  }

  /**
   * The code points Unicode calls default-ignorable that a nick may contain (the others are format
   * characters, refused): the combining grapheme joiner, the zero-width joiner, variation
   * selectors, Mongolian free variation selectors and two Khmer vowels.
   */
  private static boolean isIgnorable(int cp) {
    return cp == 0x034F
        || cp == ZERO_WIDTH_JOINER
        || (cp >= 0x17B4 && cp <= 0x17B5)
        || (cp >= 0x180B && cp <= 0x180F)
        || (cp >= 0xFE00 && cp <= 0xFE0F)
        || (cp >= 0xE0100 && cp <= 0xE01EF);
  }

  private static boolean isPrintable(int cp) {
    if (Character.isWhitespace(cp) || Character.isSpaceChar(cp) || BLANKS.indexOf(cp) >= 0) {
      return false;
    }
    if (cp == ZERO_WIDTH_JOINER || cp == VARIATION_SELECTOR_16) {
      return true; // they hold emoji sequences together
    }
    return switch (Character.getType(cp)) {
      case Character.CONTROL,
          Character.FORMAT,
          Character.SURROGATE,
          Character.PRIVATE_USE,
          Character.UNASSIGNED,
          Character.LINE_SEPARATOR,
          Character.PARAGRAPH_SEPARATOR ->
          false;
      default -> true;
    };
  }
}
