package dev.broadcastchat.bench;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * The token each bench message carries, {@code B:<run>:<sender>:<seq>:<sent>:} in ASCII digits,
 * then dots up to the message size. The run id keeps apart what another run (or a replayed history)
 * left in the room; {@code sent} is nanoseconds since the run began.
 *
 * <p>The token is searched for anywhere in a received frame, so a server may frame the text as it
 * likes ({@code ip:port: } prefix or none, JSON with the text as a string, several messages joined
 * in one frame) as long as it passes the text through unchanged: digits, {@code B}, {@code :} and
 * {@code .} need no escaping.
 *
 * <p>An instance is a reusable cursor: {@link #find} parses into its fields without allocating. One
 * per connection, used on its event loop.
 */
final class Token {
  private static final byte MARK = 'B';
  private static final byte SEPARATOR = ':';
  private static final byte PAD = '.';

  private static final byte[] PADDING = ".".repeat(256).getBytes(StandardCharsets.US_ASCII);

  /** Digits read per field at most: 18 always fit in a long. */
  private static final int MAX_DIGITS = 18;

  private int sender;
  private long seq;
  private long sentNanos;
  private int end;

  /** Whose message the last token found is. */
  int sender() {
    return sender;
  }

  /** Its sender's sequence number, from 0. */
  long seq() {
    return seq;
  }

  /** When it was sent (or, open loop, meant to be sent), in nanoseconds since the run began. */
  long sentNanos() {
    return sentNanos;
  }

  /** The index just past the last token found: where to look for the next one in the frame. */
  int end() {
    return end;
  }

  /**
   * Writes the text of one message: the token, then dots until it is {@code size} bytes long (or
   * just the token, if that is longer).
   */
  static void write(ByteBuf out, int run, int sender, long seq, long sentNanos, int size) {
    int start = out.writerIndex();
    out.writeByte(MARK).writeByte(SEPARATOR);
    writeField(out, run);
    writeField(out, sender);
    writeField(out, seq);
    writeField(out, sentNanos);
    int pad = size - (out.writerIndex() - start);
    if (pad > 0) {
      int at = out.writerIndex();
      out.ensureWritable(pad);
      out.setBytes(at, PADDING, 0, Math.min(pad, PADDING.length));
      for (int i = PADDING.length; i < pad; i++) {
        out.setByte(at + i, PAD);
      }
      out.writerIndex(at + pad);
    }
  }

  /** Bytes of a message of {@code size} bytes carrying these values. */
  static int length(int run, int sender, long seq, long sentNanos, int size) {
    int token = 2 + digits(run) + digits(sender) + digits(seq) + digits(sentNanos) + 4;
    return Math.max(token, size);
  }

  private static void writeField(ByteBuf out, long value) {
    if (value < 0) {
      throw new IllegalArgumentException("token field: " + value + " (expected: >= 0)");
    }
    int n = digits(value);
    int at = out.writerIndex();
    out.ensureWritable(n + 1);
    for (int i = n - 1; i >= 0; i--) {
      out.setByte(at + i, (int) ('0' + value % 10));
      value /= 10;
    }
    out.writerIndex(at + n);
    out.writeByte(SEPARATOR);
  }

  private static int digits(long value) {
    int n = 1;
    while (value >= 10) {
      value /= 10;
      n++;
    }
    return n;
  }

  /**
   * Looks for a token of {@code run} in {@code buf} between {@code from} (inclusive) and {@code to}
   * (exclusive), without moving its indexes.
   *
   * @return whether one was found; if so its values are in this cursor's fields
   */
  boolean find(ByteBuf buf, int from, int to, int run) {
    int at = from;
    while (at < to) {
      int mark = buf.indexOf(at, to, MARK);
      if (mark < 0) {
        return false;
      }
      if (parse(buf, mark + 1, to, run)) {
        return true;
      }
      at = mark + 1;
    }
    return false;
  }

  /** Parses {@code :<run>:<sender>:<seq>:<sent>:} at {@code at}. */
  private boolean parse(ByteBuf buf, int at, int to, int run) {
    if (at >= to || buf.getByte(at) != SEPARATOR) {
      return false;
    }
    at++;
    long value = 0;
    int field = 0;
    int digits = 0;
    long parsedSender = -1;
    long parsedSeq = -1;
    for (; at < to; at++) {
      byte b = buf.getByte(at);
      if (b >= '0' && b <= '9') {
        if (++digits > MAX_DIGITS) {
          return false;
        }
        value = value * 10 + (b - '0');
      } else if (b == SEPARATOR && digits > 0) {
        switch (field) {
          case 0 -> {
            if (value != run) {
              return false;
            }
          }
          case 1 -> {
            if (value > Integer.MAX_VALUE) {
              return false;
            }
            parsedSender = value;
          }
          case 2 -> parsedSeq = value;
          default -> {
            sender = (int) parsedSender;
            seq = parsedSeq;
            sentNanos = value;
            end = at + 1;
            return true;
          }
        }
        field++;
        value = 0;
        digits = 0;
      } else {
        return false;
      }
    }
    return false;
  }
}
