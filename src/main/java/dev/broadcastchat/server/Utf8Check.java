package dev.broadcastchat.server;

import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;

/**
 * Whether bytes are well-formed UTF-8 (Unicode, table 3-7: no overlong forms, no surrogates,
 * nothing past U+10FFFF), fed to it by {@link ByteBuf#forEachByte}: the buffer walks its own
 * memory, where a check that read byte by byte through {@link ByteBuf#getByte} would pay the
 * buffer's index and reference checks (and, under leak detection, a record) for each byte.
 *
 * <p>One instance per check; not thread-safe.
 */
final class Utf8Check implements ByteProcessor {
  private int remaining; // continuation bytes still to come in the current character
  private int lowest = 0x80; // bounds of the next continuation byte
  private int highest = 0xBF;
  private boolean malformed;

  /** Whether {@code buf}'s readable bytes are well-formed UTF-8, whole characters only. */
  static boolean isUtf8(ByteBuf buf) {
    Utf8Check check = new Utf8Check();
    return buf.forEachByte(check) < 0 && check.complete();
  }

  @Override
  public boolean process(byte value) {
    int b = value & 0xFF;
    if (remaining == 0) {
      if (b < 0x80) {
        return true;
      }
      if (b >= 0xC2 && b <= 0xDF) {
        remaining = 1;
      } else if (b >= 0xE0 && b <= 0xEF) {
        remaining = 2;
        lowest = b == 0xE0 ? 0xA0 : 0x80; // E0 80..9F would be overlong
        highest = b == 0xED ? 0x9F : 0xBF; // ED A0..BF would be a surrogate
      } else if (b >= 0xF0 && b <= 0xF4) {
        remaining = 3;
        lowest = b == 0xF0 ? 0x90 : 0x80; // F0 80..8F would be overlong
        highest = b == 0xF4 ? 0x8F : 0xBF; // F4 90.. would be past U+10FFFF
      } else {
        malformed = true; // a continuation byte first, C0, C1, or F5 and up
        return false;
      }
      return true;
    }
    if (b < lowest || b > highest) {
      malformed = true;
      return false;
    }
    lowest = 0x80;
    highest = 0xBF;
    remaining--;
    return true;
  }

  /** Whether everything fed so far was well-formed and ended on a whole character. */
  boolean complete() {
    return !malformed && remaining == 0;
  }
}
