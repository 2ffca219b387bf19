package dev.broadcastchat.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web client in a browser, seen as a person would: what its lists show and what typing into its
 * fields does. Reads the page's DOM only, never its scripts' state.
 *
 * <p>Used from the test thread only.
 */
final class ChatPage {
  static final Duration WAIT = Duration.ofSeconds(15);

  /**
   * One line of the message list.
   *
   * @param kind {@code msg} for a chat message, else the notice's kind (presence, gap, error, info)
   * @param id the message id, empty for notices
   * @param from the sender, empty for notices
   * @param text the message text, or the whole notice
   * @param own whether the page marks it as its own
   * @param action whether it is shown as an action ({@code /me})
   */
  record Line(String kind, String id, String from, String text, boolean own, boolean action) {
    boolean isMessage() {
      return kind.equals("msg");
    }

    /** How the text protocol shows the same message. */
    String asTextLine() {
      return from + ": " + text;
    }
  }

  private static final String READ_LINES =
      """
      return [...document.querySelectorAll('#messages > li')].map((li) => {
        const msg = li.classList.contains('msg');
        return {
          kind: msg ? 'msg' : [...li.classList].filter((c) => c !== 'notice').join(' '),
          id: li.dataset.id || '',
          from: msg ? li.querySelector('.from').textContent : '',
          text: msg ? li.querySelector('.text').textContent : li.textContent,
          own: li.classList.contains('own'),
          action: li.classList.contains('action'),
        };
      });
      """;

  private final ChromeDriver driver;

  ChatPage(ChromeDriver driver) {
    this.driver = driver;
  }

  ChromeDriver driver() {
    return driver;
  }

  /** Loads {@code url} and waits until the page's modules ran. */
  ChatPage open(String url) {
    driver.get(url);
    waitUntil(d -> !statusState().isEmpty(), "the page's script to run");
    return this;
  }

  /** The status line's text. */
  String status() {
    return driver.findElement(By.id("status")).getText();
  }

  /** The connection state the status line shows (connecting, connected, reconnecting...). */
  String statusState() {
    String state = driver.findElement(By.id("status")).getDomAttribute("data-state");
    return state == null ? "" : state;
  }

  ChatPage waitConnected() {
    waitUntil(d -> statusState().equals("connected"), "status connected");
    return this;
  }

  ChatPage waitState(String state) {
    waitUntil(d -> statusState().equals(state), "status " + state);
    return this;
  }

  /** Every line of the message list, in order. */
  List<Line> lines() {
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> raw = (List<Map<String, Object>>) driver.executeScript(READ_LINES);
    List<Line> lines = new ArrayList<>(raw.size());
    for (Map<String, Object> line : raw) {
      lines.add(
          new Line(
              (String) line.get("kind"),
              (String) line.get("id"),
              (String) line.get("from"),
              (String) line.get("text"),
              (Boolean) line.get("own"),
              (Boolean) line.get("action")));
    }
    return lines;
  }

  /** The chat messages shown, in order. */
  List<Line> messages() {
    return lines().stream().filter(Line::isMessage).toList();
  }

  /** The notices shown, in order, as their text. */
  List<String> notices() {
    return lines().stream().filter(l -> !l.isMessage()).map(Line::text).toList();
  }

  /** Waits until {@code n} chat messages are shown and returns them. */
  List<Line> waitForMessages(int n) {
    waitUntil(d -> messages().size() >= n, n + " messages");
    return messages();
  }

  /** Waits until a notice containing {@code text} is shown. */
  void waitForNotice(String text) {
    waitUntil(d -> notices().stream().anyMatch(n -> n.contains(text)), "a notice with " + text);
  }

  /** The member list as shown. */
  List<String> members() {
    return texts("#members li");
  }

  /** The messages waiting in the outbox, as shown. */
  List<String> outbox() {
    return texts("#outbox li");
  }

  /** The text of every element {@code selector} finds, read at once (the lists are redrawn). */
  @SuppressWarnings("unchecked")
  private List<String> texts(String selector) {
    return (List<String>)
        driver.executeScript(
            "return [...document.querySelectorAll(arguments[0])].map((e) => e.textContent);",
            selector);
  }

  WebElement input() {
    return driver.findElement(By.id("input"));
  }

  /** Types {@code text} into the message box and presses Enter. */
  void say(String text) {
    WebElement input = input();
    input.sendKeys(text);
    input.sendKeys(Keys.ENTER);
  }

  /** Types lines into the message box separated by Shift+Enter, then presses Enter. */
  void sayLines(String... lines) {
    WebElement input = input();
    Actions actions = new Actions(driver).click(input);
    for (int i = 0; i < lines.length; i++) {
      if (i > 0) {
        actions.keyDown(Keys.SHIFT).sendKeys(Keys.ENTER).keyUp(Keys.SHIFT);
      }
      actions.sendKeys(lines[i]);
    }
    actions.sendKeys(Keys.ENTER).perform();
  }

  /** Replaces the nick field's value and submits the form with Enter. */
  void changeNick(String nick) {
    WebElement field = driver.findElement(By.id("nick"));
    field.clear();
    field.sendKeys(nick, Keys.ENTER);
  }

  String fieldValue(String id) {
    return driver.findElement(By.id(id)).getDomProperty("value");
  }

  /** Saves a screenshot of the page as a PNG file. */
  void screenshot(Path file) {
    try {
      Files.createDirectories(file.getParent());
      Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  void waitUntil(Function<ChromeDriver, Boolean> condition, String what) {
    new WebDriverWait(driver, WAIT, Duration.ofMillis(50))
        .withMessage(() -> what + "; page shows: " + describe())
        .until(d -> condition.apply(driver));
  }

  private String describe() {
    try {
      return "status=" + status() + " lines=" + lines() + " members=" + members();
    } catch (RuntimeException e) {
      return "(unreadable: " + e + ")";
    }
  }
}
