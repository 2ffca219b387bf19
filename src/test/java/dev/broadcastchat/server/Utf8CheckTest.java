package dev.broadcastchat.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link Utf8Check} agrees with the JDK's strict UTF-8 decoder on every input tried, and reads a
 * buffer's readable bytes whatever kind of buffer it is.
 */
class Utf8CheckTest {
  private final CharsetDecoder strict =
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT);
  private final CharBuffer out = CharBuffer.allocate(64);

  @Test
  void agreesOnEverySequenceOfUpToThreeBytes() {
    byte[] one = new byte[1];
    byte[] two = new byte[2];
    byte[] three = new byte[3];
    int disagreements = 0;
    for (int a = 0; a < 256; a++) {
      one[0] = (byte) a;
      disagreements += disagrees(one);
      two[0] = (byte) a;
      three[0] = (byte) a;
      for (int b = 0; b < 256; b++) {
        two[1] = (byte) b;
        disagreements += disagrees(two);
        if (a < 0xE0) {
          continue; // no three-byte character starts below E0; the two-byte cases covered it
        }
        three[1] = (byte) b;
        for (int c = 0; c < 256; c++) {
          three[2] = (byte) c;
          disagreements += disagrees(three);
        }
      }
    }
    assertThat(disagreements).isZero();
  }

  @Test
  void agreesOnFourByteSequencesAndMixedText() {
    SplittableRandom random = new SplittableRandom(6455);
    byte[] four = new byte[4];
    for (int i = 0; i < 500_000; i++) {
      four[0] = (byte) (0xF0 + random.nextInt(16));
      four[1] = (byte) (0x70 + random.nextInt(0x60));
      four[2] = (byte) (0x70 + random.nextInt(0x60));
      four[3] = (byte) (0x70 + random.nextInt(0x60));
      assertThat(disagrees(four))
          .as("%02x %02x %02x %02x", four[0], four[1], four[2], four[3])
          .isZero();
    }
    // Valid text cut and spliced at random places, so that sequences end early or run on.
    byte[] text = "ok é € 😀 𐍈 ÿ \u07ff \uffff \ud7ff".getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < 200_000; i++) {
      byte[] mixed = new byte[1 + random.nextInt(12)];
      for (int j = 0; j < mixed.length; j++) {
        mixed[j] =
            random.nextInt(8) == 0 ? (byte) random.nextInt(256) : text[random.nextInt(text.length)];
      }
      if (disagrees(mixed) != 0) {
        throw new AssertionError(HexFormat.of().formatHex(mixed));
      }
    }
  }

  @Test
  void readsOnlyTheReadableBytesOfAnyKindOfBuffer() {
    byte[] euro = "€".getBytes(StandardCharsets.UTF_8);
    ByteBuf direct = Unpooled.directBuffer().writeBytes(new byte[] {(byte) 0xFF}).writeBytes(euro);
    direct.readerIndex(1); // the malformed byte before the readable ones does not count
    assertThat(Utf8Check.isUtf8(direct)).isTrue();
    direct.release();

    // A character split between two components of one buffer is still whole.
    CompositeByteBuf split = Unpooled.compositeBuffer();
    split.addComponent(true, Unpooled.wrappedBuffer(new byte[] {'a', euro[0]}));
    split.addComponent(true, Unpooled.wrappedBuffer(new byte[] {euro[1], euro[2]}));
    assertThat(Utf8Check.isUtf8(split)).isTrue();
    split.release();

    assertThat(Utf8Check.isUtf8(Unpooled.EMPTY_BUFFER)).isTrue();
    assertThat(Utf8Check.isUtf8(Unpooled.wrappedBuffer(new byte[] {'a', euro[0], euro[1]})))
        .as("cut off inside a character")
        .isFalse();
  }

  /** 1 if the check and the JDK's decoder disagree on {@code bytes}, else 0. */
  private int disagrees(byte[] bytes) {
    // The decoder's result, not its exception: most inputs here are malformed.
    out.clear();
    CoderResult result = strict.reset().decode(ByteBuffer.wrap(bytes), out, true);
    boolean jdk = !result.isError() && !strict.flush(out).isError();
    return Utf8Check.isUtf8(Unpooled.wrappedBuffer(bytes)) == jdk ? 0 : 1;
  }
}
