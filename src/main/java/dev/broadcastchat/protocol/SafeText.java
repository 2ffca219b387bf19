package dev.broadcastchat.protocol;

/**
 * Chat text made fit to show people: what a terminal or a page would take as a command or as a
 * change of writing direction is removed, everything else is kept exactly as sent.
 */
public final class SafeText {
  private SafeText() {}

  /**
   * {@code text} without control characters other than newline and tab (so no carriage return,
   * escape sequences or NUL) and without the bidirectional overrides and isolates that can make a
   * line read as something else; a surrogate not in a pair (which a JSON client can send as an
   * escape, and which no UTF-8 can carry) becomes U+FFFD, so that every client and every bus gets
   * the same text. Returns {@code text} itself when there is nothing to change.
   */
  public static String clean(String text) {
    int n = text.length();
    int i = 0;
    while (i < n) {
      char c = text.charAt(i);
      if (Character.isSurrogate(c)) {
        if (!pairAt(text, i)) {
          break;
        }
        i += 2;
      } else if (removed(c)) {
        break;
      } else {
        i++;
      }
    }
    if (i == n) {
      return text;
    }
    StringBuilder sb = new StringBuilder(n);
    sb.append(text, 0, i);
    while (i < n) {
      char c = text.charAt(i);
      if (Character.isSurrogate(c)) {
        if (pairAt(text, i)) {
          sb.append(text, i, i + 2);
          i += 2;
          continue;
        }
        sb.append('\uFFFD');
      } else if (!removed(c)) {
        sb.append(c);
      }
      i++;
    }
    return sb.toString();
  }

  /**
   * At most {@code max} characters of {@code text}, then "..." if it was longer, never cutting a
   * surrogate pair in two: for showing back a part of what a client sent.
   */
  public static String shorten(String text, int max) {
    if (text.length() <= max) {
      return text;
    }
    int end = Character.isHighSurrogate(text.charAt(max - 1)) ? max - 1 : max;
    return text.substring(0, end) + "...";
  }

  private static boolean pairAt(String s, int i) {
    return Character.isHighSurrogate(s.charAt(i))
        && i + 1 < s.length()
        && Character.isLowSurrogate(s.charAt(i + 1));
  }

  /** Whether {@code c} is removed by {@link #clean}. */
  static boolean removed(char c) {
    if (c < 0x20) {
      return c != '\n' && c != '\t';
    }
    return (c >= 0x7F && c <= 0x9F)
        || (c >= '\u202A' && c <= '\u202E')
        || (c >= '\u2066' && c <= '\u2069');
  }
}
