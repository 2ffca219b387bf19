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
   * line read as something else. Returns {@code text} itself when there is nothing to remove.
   */
  public static String clean(String text) {
    int i = 0;
    while (i < text.length() && !removed(text.charAt(i))) {
      i++;
    }
    if (i == text.length()) {
      return text;
    }
    StringBuilder sb = new StringBuilder(text.length());
    sb.append(text, 0, i);
    for (; i < text.length(); i++) {
      char c = text.charAt(i);
      if (!removed(c)) {
        sb.append(c);
      }
    }
    return sb.toString();
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
