package dev.broadcastchat.room;

/**
 * Told what each drain handed to the members of one loop, so that deliveries can be counted once
 * per drain rather than once per receiver.
 *
 * <p>Called on the event loop that drained; implementations must be thread-safe and cheap.
 */
@FunctionalInterface
public interface FanoutListener {
  /** Counts nothing. */
  FanoutListener NONE = (messages, bytes) -> {};

  /**
   * One drain handed {@code messages} chat messages in all (each counted once per receiver) and
   * queued {@code bytes} bytes of frames for its receivers.
   */
  void drained(long messages, long bytes);
}
