package dev.broadcastchat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The lean encoder against Logback's pattern layout with the same pattern, byte for byte. */
class LogLineEncoderTest {
  private final LoggerContext context = new LoggerContext();
  private final LogLineEncoder lean = new LogLineEncoder();
  private final PatternLayoutEncoder layout = new PatternLayoutEncoder();

  @BeforeEach
  void start() {
    lean.setContext(context);
    lean.start();
    layout.setContext(context);
    layout.setPattern(LogLineEncoder.PATTERN);
    layout.start();
  }

  @AfterEach
  void stop() {
    lean.stop();
    layout.stop();
  }

  private LoggingEvent event(
      String logger, Level level, long millis, String message, Throwable thrown, Object... args) {
    Logger named = context.getLogger(logger);
    LoggingEvent event =
        new LoggingEvent(Logger.class.getName(), named, level, message, thrown, args);
    event.setTimeStamp(millis);
    return event;
  }

  @Test
  void writesWhatThePatternLayoutWritesForEveryLevelLoggerAndTime() {
    List<LoggingEvent> events = new ArrayList<>();
    long start = 1_764_860_000_000L; // 2025-12-04, in whatever zone the machine is set to
    long[] offsets = {0, 1, 9, 10, 99, 100, 999, 1000, 1001, 59_999, 60_000, 3_599_999, 43_200_123};
    Level[] levels = {Level.TRACE, Level.DEBUG, Level.INFO, Level.WARN, Level.ERROR};
    String[] loggers = {"dev.broadcastchat.server.SessionHandler", "NoDots", "a.b.C$Inner", "x."};
    int n = 0;
    for (long offset : offsets) {
      for (Level level : levels) {
        String logger = loggers[n++ % loggers.length];
        events.add(
            event(
                logger,
                level,
                start + offset,
                "conn {} open {} room={} nick={}",
                null,
                "c0ffee01",
                "127.0.0.1:5000",
                "lobby",
                n % 2 == 0 ? null : "ann"));
      }
    }
    events.add(event("a.B", Level.INFO, start, "no arguments, {} left as it is", null));
    events.add(event("a.B", Level.INFO, start, "", null));
    events.add(event("a.B", Level.INFO, start, "x".repeat(10_000), null));
    events.add(event("a.B", Level.INFO, start + 5, "short after long", null));
    for (LoggingEvent e : events) {
      assertThat(text(lean.encode(e))).isEqualTo(text(layout.encode(e)));
    }
  }

  @Test
  void nonAsciiTextIsEncodedAsThePatternLayoutEncodesIt() {
    LoggingEvent e =
        event("a.B", Level.INFO, 1_000_000L, "nick={} room={}", null, "Zoë 🎉", "café");
    assertThat(lean.encode(e)).isEqualTo(layout.encode(e));
  }

  @Test
  void aLineWithAStackTraceHasItAsThePatternLayoutWritesIt() {
    LoggingEvent e =
        event("a.B", Level.WARN, 1_000_000L, "failed: {}", new IllegalStateException("boom"), "x");
    String line = text(lean.encode(e));
    assertThat(line).isEqualTo(text(layout.encode(e)));
    assertThat(line).contains("java.lang.IllegalStateException: boom").contains("\tat ");
  }

  @Test
  void shortNameIsTheLastPartOfTheLoggerName() {
    assertThat(LogLineEncoder.shortName("dev.broadcastchat.server.Session")).isEqualTo("Session");
    assertThat(LogLineEncoder.shortName("Session")).isEqualTo("Session");
  }

  private static String text(byte[] bytes) {
    return new String(bytes, StandardCharsets.ISO_8859_1);
  }
}
