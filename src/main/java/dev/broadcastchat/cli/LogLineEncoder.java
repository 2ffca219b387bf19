package dev.broadcastchat.cli;

import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.EncoderBase;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Writes each log line exactly as Logback's {@code PatternLayoutEncoder} with {@link #PATTERN}
 * does, with a fraction of its garbage: the server logs a line for every connection opened and
 * closed, and with the pattern layout each line left about 1.3 KB behind (a 256-character builder,
 * its string, the string's bytes, the timestamp's formatting) on the event loop that accepted the
 * connection. Here a line is built in a builder kept per thread, with the timestamp's seconds
 * formatted once a second, and leaves one array of its bytes.
 *
 * <p>A line with a stack trace is left to the pattern layout. Used from {@code logback.xml}.
 */
public final class LogLineEncoder extends EncoderBase<ILoggingEvent> {
  /** The lines this encoder writes, in Logback's pattern syntax. */
  public static final String PATTERN = "%d{HH:mm:ss.SSS} %-5level %logger{0} - %msg%n";

  /** A builder that grew past this for one long line is not kept for the next. */
  private static final int KEPT_CAPACITY = 4096;

  private final PatternLayoutEncoder withThrowable = new PatternLayoutEncoder();
  private final ConcurrentHashMap<String, String> shortNames = new ConcurrentHashMap<>();
  private final ZoneId zone = ZoneId.systemDefault();
  private final ThreadLocal<Line> lines = ThreadLocal.withInitial(Line::new);

  @Override
  public void start() {
    withThrowable.setContext(getContext());
    withThrowable.setPattern(PATTERN);
    withThrowable.start();
    super.start();
  }

  @Override
  public void stop() {
    withThrowable.stop();
    super.stop();
  }

  @Override
  public byte[] headerBytes() {
    return null;
  }

  @Override
  public byte[] footerBytes() {
    return null;
  }

  @Override
  public byte[] encode(ILoggingEvent event) {
    if (event.getThrowableProxy() != null) {
      return withThrowable.encode(event);
    }
    return lines
        .get()
        .encode(
            event, shortNames.computeIfAbsent(event.getLoggerName(), LogLineEncoder::shortName));
  }

  /** {@code %logger{0}}: the name after its last dot. */
  static String shortName(String loggerName) {
    return loggerName.substring(loggerName.lastIndexOf('.') + 1);
  }

  /** One thread's builder, and the seconds it last formatted. */
  private final class Line {
    private StringBuilder text = new StringBuilder(256);
    private long second = Long.MIN_VALUE;
    private final char[] hhmmss = new char[9];

    byte[] encode(ILoggingEvent event, String logger) {
      long millis = event.getTimeStamp();
      long second = Math.floorDiv(millis, 1000);
      if (second != this.second) {
        LocalTime time = LocalTime.ofInstant(Instant.ofEpochSecond(second), zone);
        twoDigits(time.getHour(), 0);
        hhmmss[2] = ':';
        twoDigits(time.getMinute(), 3);
        hhmmss[5] = ':';
        twoDigits(time.getSecond(), 6);
        hhmmss[8] = '.';
        this.second = second;
      }
      int fraction = (int) Math.floorMod(millis, 1000);
      StringBuilder b = text;
      b.setLength(0);
      b.append(hhmmss)
          .append((char) ('0' + fraction / 100))
          .append((char) ('0' + fraction / 10 % 10))
          .append((char) ('0' + fraction % 10))
          .append(' ');
      String level = event.getLevel().toString();
      b.append(level);
      for (int i = level.length(); i < 5; i++) {
        b.append(' ');
      }
      b.append(' ').append(logger).append(" - ").append(event.getFormattedMessage());
      b.append(System.lineSeparator());
      byte[] bytes = ascii(b);
      if (b.capacity() > KEPT_CAPACITY) {
        text = new StringBuilder(256);
      }
      return bytes;
    }

    private void twoDigits(int value, int at) {
      hhmmss[at] = (char) ('0' + value / 10);
      hhmmss[at + 1] = (char) ('0' + value % 10);
    }
  }

  /**
   * The line's bytes: copied one to one when it is all ASCII, which is the same in any charset the
   * pattern layout could use; otherwise encoded as the pattern layout does, in the default charset.
   */
  private static byte[] ascii(StringBuilder line) {
    int length = line.length();
    byte[] bytes = new byte[length];
    for (int i = 0; i < length; i++) {
      char c = line.charAt(i);
      if (c >= 0x80) {
        return line.toString().getBytes();
      }
      bytes[i] = (byte) c;
    }
    return bytes;
  }
}
