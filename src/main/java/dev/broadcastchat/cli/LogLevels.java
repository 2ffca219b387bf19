package dev.broadcastchat.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.slf4j.LoggerFactory;

/** Sets the level of the root logger from the command line. */
final class LogLevels {
  private LogLevels() {}

  static void setRootLevel(String level) {
    Level parsed = Level.toLevel(level, null);
    if (parsed == null) {
      throw new UsageException(
          "log-level: " + level + " (expected: trace, debug, info, warn, error or off)");
    }
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(parsed);
  }
}
