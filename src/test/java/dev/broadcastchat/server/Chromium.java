package dev.broadcastchat.server;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.stream.Stream;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.UnexpectedAlertBehaviour;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * Debian's headless Chromium driven through Debian's chromedriver, both given by path so that
 * Selenium downloads nothing (Selenium Manager only runs when a path is missing). Each instance is
 * one browser with a fresh profile, deleted on {@link #close}.
 *
 * <p>Used from the test thread only.
 */
final class Chromium implements AutoCloseable {
  static final String BROWSER = "/usr/bin/chromium";
  static final String DRIVER = "/usr/bin/chromedriver";

  /**
   * Held so that its level sticks: Selenium warns on every start that it has no DevTools classes
   * for this Chromium version, which the tests do not use (CDP commands go through chromedriver).
   */
  private static final java.util.logging.Logger CDP_VERSION_LOG =
      java.util.logging.Logger.getLogger("org.openqa.selenium.devtools.CdpVersionFinder");

  static {
    CDP_VERSION_LOG.setLevel(Level.SEVERE);
  }

  private final Path profile;
  private final ChromeDriverService service;
  private final ChromeDriver driver;

  private Chromium(int width, int height) {
    for (String path : List.of(BROWSER, DRIVER)) {
      if (!new File(path).canExecute()) {
        throw new IllegalStateException(
            path
                + ": not found (expected: apt-get install chromium chromium-driver; ./test.sh does)");
      }
    }
    try {
      profile = Files.createTempDirectory("chat-chromium-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ChromeOptions options = new ChromeOptions();
    options.setBinary(BROWSER);
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--disable-background-timer-throttling",
        "--disable-renderer-backgrounding",
        // The tests use 127.0.0.1 alone: no host name is looked up, so nothing leaves the machine.
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        "--user-data-dir=" + profile,
        "--window-size=" + width + "," + height);
    // An alert, should one ever open, stays open so that the test sees it.
    options.setUnhandledPromptBehaviour(UnexpectedAlertBehaviour.IGNORE);
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(new File(DRIVER))
            .usingAnyFreePort()
            .withSilent(true)
            .build();
    driver = new ChromeDriver(service, options);
    driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(10));
    driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(15));
  }

  /** Starts a browser whose window is {@code width} by {@code height} CSS pixels. */
  static Chromium start(int width, int height) {
    return new Chromium(width, height);
  }

  ChromeDriver driver() {
    return driver;
  }

  /** Resizes the window. */
  void size(int width, int height) {
    driver.manage().window().setSize(new Dimension(width, height));
  }

  /** Makes the page see {@code prefers-color-scheme: dark} (or light again). */
  void darkMode(boolean dark) {
    driver.executeCdpCommand(
        "Emulation.setEmulatedMedia",
        Map.of(
            "features",
            List.of(Map.of("name", "prefers-color-scheme", "value", dark ? "dark" : "light"))));
  }

  @Override
  public void close() {
    try {
      driver.quit();
    } finally {
      service.stop();
      deleteProfile();
    }
  }

  private void deleteProfile() {
    try (Stream<Path> files = Files.walk(profile)) {
      files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
    } catch (IOException e) {
      // A profile left in the temporary directory harms nothing.
    }
  }
}
