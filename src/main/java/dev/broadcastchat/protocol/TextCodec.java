package dev.broadcastchat.protocol;

/** The plain-text wire format: what a client that asked for no subprotocol sees. */
public final class TextCodec {
  /** The first frame every connection receives. */
  public static final String WELCOME = "Welcome to chat! Type a message";

  private TextCodec() {}

  /** {@code SENDER: TEXT}, or {@code * SENDER TEXT} for an action. */
  public static String format(ChatMessage message) {
    if (message.action()) {
      return "* " + message.from() + " " + message.text();
    }
    return message.from() + ": " + message.text();
  }
}
