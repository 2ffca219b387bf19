package dev.broadcastchat.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TokenTest {
  private static final int RUN = 4711;

  private static String text(int run, int sender, long seq, long sent, int size) {
    ByteBuf buf = Unpooled.buffer();
    try {
      Token.write(buf, run, sender, seq, sent, size);
      return buf.toString(StandardCharsets.US_ASCII);
    } finally {
      buf.release();
    }
  }

  /** Finds a token in {@code frame}; the cursor, or null if none. */
  private static Token find(String frame, int run) {
    ByteBuf buf = Unpooled.copiedBuffer(frame, StandardCharsets.UTF_8);
    try {
      Token token = new Token();
      int reader = buf.readerIndex();
      int writer = buf.writerIndex();
      boolean found = token.find(buf, reader, writer, run);
      assertThat(buf.readerIndex()).isEqualTo(reader);
      assertThat(buf.writerIndex()).isEqualTo(writer);
      return found ? token : null;
    } finally {
      buf.release();
    }
  }

  @Test
  void writesTheTokenPaddedWithDotsToTheSize() {
    String text = text(RUN, 3, 17, 123_456_789L, 64);
    assertThat(text).hasSize(64).startsWith("B:4711:3:17:123456789:").matches("[^.]*\\.+");
    assertThat(Token.length(RUN, 3, 17, 123_456_789L, 64)).isEqualTo(64);
  }

  @Test
  void aTokenLongerThanTheSizeIsWrittenWhole() {
    String text = text(RUN, 12, 0, Long.MAX_VALUE / 10, 8);
    assertThat(text).isEqualTo("B:4711:12:0:" + Long.MAX_VALUE / 10 + ":");
    assertThat(Token.length(RUN, 12, 0, Long.MAX_VALUE / 10, 8)).isEqualTo(text.length());
  }

  @Test
  void readsBackWhatWasWritten() {
    Token token = find(text(RUN, 9, 1_000_000, 42, 64), RUN);
    assertThat(token).isNotNull();
    assertThat(token.sender()).isEqualTo(9);
    assertThat(token.seq()).isEqualTo(1_000_000);
    assertThat(token.sentNanos()).isEqualTo(42);
  }

  @Test
  void findsEachTokenOfAFrameThatJoinsSeveralMessagesInTurn() {
    String frame =
        "a:1: " + text(RUN, 1, 7, 3, 64) + "\nb:2: " + text(RUN, 2, 8, 4, 0) + "\nc:3: " + "B:1:";
    ByteBuf buf = Unpooled.copiedBuffer(frame, StandardCharsets.UTF_8);
    try {
      Token token = new Token();
      List<Long> seqs = new ArrayList<>();
      for (int at = 0; token.find(buf, at, buf.writerIndex(), RUN); at = token.end()) {
        seqs.add(token.seq());
      }
      assertThat(seqs).containsExactly(7L, 8L);
    } finally {
      buf.release();
    }
  }

  @Test
  void findsTheTokenBehindTheSendersAddress() {
    Token token = find("127.0.0.1:50312: " + text(RUN, 1, 2, 3, 64), RUN);
    assertThat(token).isNotNull();
    assertThat(token.seq()).isEqualTo(2);
  }

  @Test
  void findsTheTokenInsideJson() {
    String json =
        "{\"type\":\"message\",\"from\":\"Bob\",\"text\":\"" + text(RUN, 5, 6, 7, 64) + "\"}";
    Token token = find(json, RUN);
    assertThat(token).isNotNull();
    assertThat(token.sender()).isEqualTo(5);
    assertThat(token.seq()).isEqualTo(6);
    assertThat(token.sentNanos()).isEqualTo(7);
  }

  @Test
  void skipsFalseStartsBeforeTheToken() {
    Token token = find("B: B:1 B:4711:x B:" + text(RUN, 1, 2, 3, 0).substring(2), RUN);
    assertThat(token).isNotNull();
    assertThat(token.sentNanos()).isEqualTo(3);
  }

  @Test
  void ignoresFramesWithoutAToken() {
    assertThat(find("Welcome to chat! Type a message", RUN)).isNull();
    assertThat(find("* 127.0.0.1:5000 and 999 others joined bench", RUN)).isNull();
    assertThat(find("", RUN)).isNull();
    assertThat(find("B:", RUN)).isNull();
    assertThat(find("B:4711:1:2:3", RUN)).as("no final separator").isNull();
    assertThat(find("B:4711:1::3:", RUN)).as("an empty field").isNull();
    assertThat(find("B:4711:1:2:3x:", RUN)).isNull();
  }

  @Test
  void ignoresTokensOfAnotherRun() {
    assertThat(find(text(4712, 1, 2, 3, 64), RUN)).isNull();
    assertThat(find(text(471, 1, 2, 3, 64), RUN)).isNull();
  }

  @Test
  void refusesNumbersTooLongForALong() {
    assertThat(find("B:4711:1:" + "9".repeat(19) + ":3:", RUN)).isNull();
    assertThat(find("B:4711:" + "9".repeat(11) + ":1:3:", RUN)).as("sender over an int").isNull();
  }

  @Test
  void searchesOnlyTheRangeItIsGiven() {
    String frame = "xx" + text(RUN, 1, 2, 3, 0) + "yy";
    ByteBuf buf = Unpooled.copiedBuffer(frame, StandardCharsets.US_ASCII);
    try {
      Token token = new Token();
      assertThat(token.find(buf, 2, frame.length() - 2, RUN)).isTrue();
      assertThat(token.find(buf, 2, frame.length() - 3, RUN)).as("cut before the end").isFalse();
      assertThat(token.find(buf, 3, frame.length(), RUN)).as("cut after the mark").isFalse();
    } finally {
      buf.release();
    }
  }

  @Test
  void refusesNegativeFields() {
    ByteBuf buf = Unpooled.buffer();
    try {
      assertThatThrownBy(() -> Token.write(buf, RUN, 1, -1, 0, 64))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("-1");
    } finally {
      buf.release();
    }
  }
}
