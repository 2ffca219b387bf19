package dev.broadcastchat.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.LoggerFactory;

/**
 * Records the log events of this JVM (the in-process server's included) during each test, at the
 * levels the logging configuration lets through, with a logback {@link ListAppender} on the root
 * logger.
 *
 * <p>Register it with {@code @RegisterExtension} in an instance field, ordered before the server
 * extension so that it also sees the server start and stop. The appender is filled on the server's
 * threads; {@link #events} copies it under the appender's own lock, the one logback appends under.
 */
final class CapturedLogs implements BeforeEachCallback, AfterEachCallback {
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

  @Override
  public void beforeEach(ExtensionContext context) {
    appender.setContext(root().getLoggerContext());
    appender.setName("captured-logs");
    appender.start();
    root().addAppender(appender);
  }

  @Override
  public void afterEach(ExtensionContext context) {
    root().detachAppender(appender);
    appender.stop();
  }

  /** Every event so far, oldest first. */
  List<ILoggingEvent> events() {
    synchronized (appender) {
      return List.copyOf(appender.list);
    }
  }

  /** The events at {@code level} or above so far. */
  List<ILoggingEvent> atLeast(Level level) {
    return events().stream().filter(e -> e.getLevel().isGreaterOrEqual(level)).toList();
  }

  /** The formatted messages of the events at exactly {@code level} so far, oldest first. */
  List<String> lines(Level level) {
    return events().stream()
        .filter(e -> e.getLevel().equals(level))
        .map(ILoggingEvent::getFormattedMessage)
        .toList();
  }

  /** The first event so far whose formatted message contains every one of {@code parts}. */
  Optional<ILoggingEvent> firstContaining(String... parts) {
    return events().stream()
        .filter(e -> Arrays.stream(parts).allMatch(e.getFormattedMessage()::contains))
        .findFirst();
  }

  private static Logger root() {
    return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  }
}
