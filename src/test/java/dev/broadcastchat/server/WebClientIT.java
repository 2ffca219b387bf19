package dev.broadcastchat.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;

/**
 * The web client in headless Chromium against a real server: two pages and a plain WebSocket client
 * in one room, a dropped network, a silently dead connection and server restarts (in memory: a gap;
 * on the Redis bus: none). Screenshots of the page go to {@code target/web-client*.png}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WebClientIT {
  static final String XSS = "<img src=x onerror=alert(1)>";
  static final Path SCREENSHOTS = Path.of("target");

  private static Chromium first;
  private static Chromium second;

  @RegisterExtension final ChatServerExtension chat = new ChatServerExtension();

  /** One server on the Redis bus for the class: its history outlives a restart of the server. */
  @RegisterExtension
  static final ChatServerExtension durable =
      new ChatServerExtension(BusKind.REDIS, ServerConfig.defaults("127.0.0.1", 0));

  @BeforeAll
  static void startBrowsers() {
    // Side by side: each takes seconds to start on a small machine, mostly waiting.
    CompletableFuture<Chromium> starting =
        CompletableFuture.supplyAsync(() -> Chromium.start(1000, 700));
    try {
      first = Chromium.start(1000, 700);
    } finally {
      second = starting.join();
    }
  }

  @AfterAll
  static void stopBrowsers() {
    try {
      if (first != null) {
        first.close();
      }
    } finally {
      if (second != null) {
        second.close();
      }
    }
  }

  @AfterEach
  void leavePages() {
    // Before the server stops, so that no page is left reconnecting into the next test.
    for (Chromium browser : List.of(first, second)) {
      browser.driver().get("about:blank");
    }
  }

  @Test
  void twoPagesAndAPlainClientSeeTheSameConversation() {
    ChatPage alice = page(first, "/?room=web&nick=alice").waitConnected();
    ChatPage bob = page(second, "/?room=web&nick=bob").waitConnected();
    try (TestClient carol = textClient("web", "carol")) {
      assertThat(carol.nextMessage()).isEqualTo("Welcome to chat! Type a message");
      for (ChatPage page : List.of(alice, bob)) {
        page.waitUntil(d -> page.members().containsAll(List.of("alice", "bob", "carol")), "3 in");
      }

      // Nobody waits for anybody: the order is the server's, and must be the same everywhere.
      alice.say("hello from alice");
      bob.say("hi from bob");
      carol.send("hey from carol");
      carol.send(XSS);
      carol.send("docs at https://example.com/a?b=1, not javascript:alert(2)");
      alice.sayLines("two", "lines");
      int sent = 6;

      List<ChatPage.Line> aliceSaw = alice.waitForMessages(sent);
      List<ChatPage.Line> bobSaw = bob.waitForMessages(sent);
      List<String> carolSaw = carol.nextChatMessages(sent);
      assertThat(aliceSaw).extracting(ChatPage.Line::asTextLine).isEqualTo(carolSaw);
      assertThat(bobSaw).extracting(ChatPage.Line::asTextLine).isEqualTo(carolSaw);
      assertThat(bobSaw)
          .extracting(ChatPage.Line::id)
          .isEqualTo(ids(aliceSaw))
          .doesNotHaveDuplicates();
      assertThat(carolSaw)
          .contains(
              "alice: hello from alice", "bob: hi from bob", "alice: two\nlines", "carol: " + XSS);
      assertThat(aliceSaw).allMatch(line -> line.own() == line.from().equals("alice"));
      assertThat(bobSaw).allMatch(line -> line.own() == line.from().equals("bob"));

      // The markup arrives as text: no element made from it, nothing ran, no dialog.
      for (ChatPage page : List.of(alice, bob)) {
        assertThat(page.messages()).anyMatch(l -> l.text().equals(XSS) && l.from().equals("carol"));
        assertThat(page.driver().findElements(By.cssSelector("#messages img"))).isEmpty();
        assertThatThrownBy(() -> page.driver().switchTo().alert())
            .isInstanceOf(NoAlertPresentException.class);
        List<WebElement> links = page.driver().findElements(By.cssSelector("#messages a"));
        assertThat(links).hasSize(1);
        WebElement link = links.get(0);
        assertThat(link.getDomAttribute("href")).isEqualTo("https://example.com/a?b=1");
        assertThat(link.getText()).isEqualTo("https://example.com/a?b=1");
        assertThat(link.getDomAttribute("rel")).isEqualTo("noopener noreferrer nofollow");
        assertThat(link.getDomAttribute("target")).isEqualTo("_blank");
      }

      bob.say("/me waves");
      alice.waitUntil(
          d -> alice.messages().stream().anyMatch(l -> l.action() && l.from().equals("bob")),
          "bob's action");
      assertThat(carol.nextMessage()).isEqualTo("* bob waves");

      // A nick change from the plain client and one from a page's nick field.
      carol.send("/nick carol2");
      for (ChatPage page : List.of(alice, bob)) {
        page.waitForNotice("carol is now known as carol2");
        page.waitUntil(
            d -> page.members().contains("carol2") && !page.members().contains("carol"),
            "carol2 in the member list");
      }
      alice.changeNick("alice2");
      bob.waitForNotice("alice is now known as alice2");
      bob.waitUntil(d -> bob.members().contains("alice2"), "alice2 in bob's member list");
      alice.waitUntil(d -> alice.status().contains("connected as alice2"), "alice renamed");
      assertThat(alice.driver().getCurrentUrl()).contains("nick=alice2").contains("room=web");
      alice.say("renamed");
      alice.waitUntil(
          d -> alice.messages().stream().anyMatch(l -> l.text().equals("renamed") && l.own()),
          "own message under the new nick");

      // A leave shows up, and the member list follows.
      carol.sendClose(1000, "bye");
      for (ChatPage page : List.of(alice, bob)) {
        page.waitForNotice("carol2 left web");
        page.waitUntil(d -> !page.members().contains("carol2"), "carol2 gone from the list");
      }
      assertThat(alice.members()).containsExactly("alice2", "bob");
    }

    for (ChatPage page : List.of(alice, bob)) {
      assertThat(consoleProblems(page)).isEmpty();
    }
    screenshots(alice);
  }

  @Test
  void aDroppedConnectionResumesWithNoGapAndTheOutboxIsSentOnce() {
    try (TcpProxy network = new TcpProxy(chat.port());
        TestClient bob = textClient("resume", "bob")) {
      bob.nextMessage();
      ChatPage alice =
          new ChatPage(first.driver())
              .open("http://127.0.0.1:" + network.port() + "/?room=resume&nick=alice")
              .waitConnected();
      bob.send("before-1");
      bob.send("before-2");
      alice.waitForMessages(2);

      network.cut();
      alice.waitState("reconnecting");
      assertThat(alice.status()).matches(".*reconnecting in \\d+ s.*");
      bob.send("during-1");
      bob.send("during-2");
      bob.send("during-3");
      assertThat(bob.nextChatMessages(5)).last().isEqualTo("bob: during-3");
      alice.say("typed while offline");
      assertThat(alice.outbox()).containsExactly("typed while offline");
      alice.waitUntil(d -> alice.status().contains("1 message waiting"), "the outbox counted");
      alice.screenshot(SCREENSHOTS.resolve("web-client-reconnecting.png"));

      network.restore();
      alice.waitConnected();
      alice.waitUntil(d -> alice.outbox().isEmpty(), "the outbox acked");
      List<ChatPage.Line> shown = alice.waitForMessages(6);
      assertThat(shown)
          .extracting(ChatPage.Line::asTextLine)
          .containsExactly(
              "bob: before-1",
              "bob: before-2",
              "bob: during-1",
              "bob: during-2",
              "bob: during-3",
              "alice: typed while offline");
      assertThat(alice.notices()).noneMatch(n -> n.contains("missed"));

      // The other side saw the queued message exactly once.
      bob.send("sync");
      List<String> rest = new ArrayList<>();
      String line;
      do {
        line = bob.nextChatMessage();
        rest.add(line);
      } while (!line.equals("bob: sync"));
      assertThat(Collections.frequency(rest, "alice: typed while offline")).isEqualTo(1);
      alice.waitForMessages(7);
      assertThat(alice.messages())
          .extracting(ChatPage.Line::text)
          .containsOnlyOnce("typed while offline")
          .endsWith("sync");
    }
  }

  @Test
  void aSilentlyDeadConnectionIsNoticedThroughThePing() {
    try (TcpProxy network = new TcpProxy(chat.port())) {
      ChatPage page = new ChatPage(first.driver()).open("http://127.0.0.1:" + network.port() + "/");
      // The page's own connection module, with its timings shortened from 15 s and 10 s.
      startProbe(page, "{ pingIntervalMs: 200, pongTimeoutMs: 400, connectTimeoutMs: 1000 }");
      page.waitUntil(d -> probeStates(page).contains("connected"), "probe connected");

      network.blackhole();
      page.waitUntil(
          d -> probeStates(page).contains("reconnecting: no answer from the server"),
          "the dead connection noticed");
      network.restore();
      page.waitUntil(
          d -> {
            List<String> states = probeStates(page);
            return states.get(states.size() - 1).equals("connected")
                && states.lastIndexOf("connected") > states.indexOf("connected");
          },
          "probe connected again");
    }
  }

  @Test
  void aConnectionDroppedSoonAfterGoingLiveIsBackedOffFromNotRetriedAtOnce() {
    try (TcpProxy network = new TcpProxy(chat.port())) {
      ChatPage page = new ChatPage(first.driver()).open("http://127.0.0.1:" + network.port() + "/");
      // The page's own connection module, with its timings as they are.
      startProbe(page, "{}");
      for (int drop = 1; drop <= 4; drop++) {
        int connected = drop;
        page.waitUntil(
            d -> Collections.frequency(probeStates(page), "connected") == connected,
            "probe live, time " + connected);
        network.cut();
        network.restore();
        page.waitUntil(d -> probeDelays(page).size() == connected, "drop " + connected + " seen");
      }
      // Backoff went on growing (0.25-0.5 s, 0.5-1 s, 1-2 s, 2-4 s), not back to the shortest.
      List<Long> delays = probeDelays(page);
      assertThat(delays.get(0)).isBetween(200L, 500L);
      assertThat(delays.get(3)).isGreaterThanOrEqualTo(1900L);
    }
  }

  @Test
  void withoutRoomAndNickThePageAsksAndABadNickIsExplainedNotRetried() {
    ChatPage page = page(first, "/");
    assertThat(page.statusState()).isEqualTo("idle");
    assertThat(page.input().isEnabled()).isFalse();
    assertThat(page.fieldValue("room")).isEqualTo("lobby");
    assertThat(page.driver().switchTo().activeElement().getDomAttribute("id")).isEqualTo("nick");
    // The message box is the last text field on the page.
    List<WebElement> fields = page.driver().findElements(By.cssSelector("input, textarea"));
    assertThat(fields.get(fields.size() - 1).getDomAttribute("id")).isEqualTo("input");
    page.screenshot(SCREENSHOTS.resolve("web-client-join.png"));

    page.changeNick("dora");
    page.waitConnected();
    assertThat(page.driver().getCurrentUrl()).endsWith("/?room=lobby&nick=dora");
    assertThat(page.input().isEnabled()).isTrue();
    page.waitUntil(d -> page.members().contains("dora"), "dora in the member list");

    ChatPage bad =
        page(second, "/?room=lobby&nick=" + URLEncoder.encode("bad:nick", StandardCharsets.UTF_8));
    bad.waitState("stopped");
    assertThat(bad.lines()).anyMatch(l -> l.kind().equals("error") && l.text().startsWith("! "));
    assertThat(bad.status()).startsWith("not connected");
  }

  @Test
  void followsTheNewestMessageUnlessTheReaderScrolledUp() {
    ChatPage reader = page(first, "/?room=long&nick=reader").waitConnected();
    try (TestClient talker = textClient("long", "talker")) {
      for (int i = 1; i <= 40; i++) {
        talker.send("line " + i);
      }
      reader.waitForMessages(40);
      reader.waitUntil(d -> atBottom(reader), "the newest message in view");
      assertThat(reader.driver().findElement(By.id("to-newest")).isDisplayed()).isFalse();

      reader.driver().executeScript("document.getElementById('messages').scrollTop = 0;");
      talker.send("line 41");
      reader.waitForMessages(41);
      assertThat(scrollTop(reader)).as("the reader's place is kept").isZero();
      WebElement toNewest = reader.driver().findElement(By.id("to-newest"));
      assertThat(toNewest.isDisplayed()).isTrue();
      toNewest.click();
      reader.waitUntil(d -> atBottom(reader), "back at the newest message");
      assertThat(toNewest.isDisplayed()).isFalse();
    }
  }

  @Test
  void aServerRestartShowsTheGapThenTheMessagesSentSince() {
    ChatPage alice = page(first, "/?room=restart&nick=alice").waitConnected();
    try (TestClient bob = textClient("restart", "bob")) {
      bob.send("old-1");
      alice.waitForMessages(1);
    }

    chat.restart();
    try (TestClient bob = textClient("restart", "bob")) {
      bob.send("new-1");
      bob.send("new-2");
      alice.waitUntil(d -> alice.messages().size() == 3, "the messages sent since the restart");
      alice.waitConnected();
    }
    List<String> lines =
        alice.lines().stream().map(l -> l.isMessage() ? l.asTextLine() : l.text()).toList();
    int old = lines.indexOf("bob: old-1");
    int gap = lines.indexOf("some older messages were missed");
    int new1 = lines.indexOf("bob: new-1");
    int new2 = lines.indexOf("bob: new-2");
    assertThat(old).as("%s", lines).isNotNegative().isLessThan(gap);
    assertThat(gap).as("%s", lines).isLessThan(new1);
    assertThat(new1).as("%s", lines).isLessThan(new2);
    assertThat(lines.stream().filter(l -> l.startsWith("bob: ")))
        .containsExactly("bob: old-1", "bob: new-1", "bob: new-2");
  }

  @Test
  void aServerRestartOnTheRedisBusResumesWithNoGap() {
    ChatPage alice =
        new ChatPage(first.driver())
            .open("http://127.0.0.1:" + durable.port() + "/?room=durable&nick=alice")
            .waitConnected();
    try (TestClient bob = textClient(durable, "durable", "bob")) {
      bob.send("kept-1");
      alice.waitForMessages(1);
    }

    durable.restart();
    try (TestClient bob = textClient(durable, "durable", "bob")) {
      bob.send("kept-2");
      bob.send("kept-3");
      alice.waitForMessages(3);
      alice.waitConnected();
    }
    assertThat(alice.messages())
        .extracting(ChatPage.Line::asTextLine)
        .containsExactly("bob: kept-1", "bob: kept-2", "bob: kept-3");
    assertThat(alice.notices()).noneMatch(n -> n.contains("missed"));
  }

  private ChatPage page(Chromium browser, String pathAndQuery) {
    return new ChatPage(browser.driver()).open("http://127.0.0.1:" + chat.port() + pathAndQuery);
  }

  private TestClient textClient(String room, String nick) {
    return textClient(chat, room, nick);
  }

  private static TestClient textClient(ChatServerExtension server, String room, String nick) {
    return TestClient.connect(
        URI.create(server.server().url() + "?room=" + room + "&nick=" + nick));
  }

  private static List<String> ids(List<ChatPage.Line> lines) {
    return lines.stream().map(ChatPage.Line::id).toList();
  }

  private static boolean atBottom(ChatPage page) {
    return (Boolean)
        page.driver()
            .executeScript(
                "const l = document.getElementById('messages');"
                    + " return l.scrollHeight - l.scrollTop - l.clientHeight < 2;");
  }

  private static long scrollTop(ChatPage page) {
    return ((Number)
            page.driver().executeScript("return document.getElementById('messages').scrollTop;"))
        .longValue();
  }

  /**
   * Starts a connection of the page's own module (js/connection.js) with {@code options} (a
   * JavaScript object), to room probe as prober. Its states go to {@code window.probeStates} (with
   * why, if given) and each reconnect delay, as it is chosen, to {@code window.probeDelays}.
   */
  private static void startProbe(ChatPage page, String options) {
    Object started =
        page.driver()
            .executeAsyncScript(
                """
                const done = arguments[arguments.length - 1];
                import('/js/connection.js').then(({ ChatConnection }) => {
                  window.probeStates = [];
                  window.probeDelays = [];
                  const listener = new Proxy({}, {
                    get: (_, name) => name === 'state'
                        ? (state, detail) => {
                            window.probeStates.push(detail.why ? state + ': ' + detail.why : state);
                            if (state === 'reconnecting') {
                              window.probeDelays.push(detail.at - Date.now());
                            }
                          }
                        : () => {},
                  });
                  new ChatConnection(location.href, listener, %s).open('probe', 'prober');
                  done('started');
                }, (e) => done(String(e)));
                """
                    .formatted(options));
    assertThat(started).isEqualTo("started");
  }

  @SuppressWarnings("unchecked")
  private static List<Long> probeDelays(ChatPage page) {
    return ((List<Object>) page.driver().executeScript("return window.probeDelays || [];"))
        .stream().map(d -> ((Number) d).longValue()).toList();
  }

  @SuppressWarnings("unchecked")
  private static List<String> probeStates(ChatPage page) {
    return (List<String>) page.driver().executeScript("return window.probeStates || [];");
  }

  /** Console lines that mean the page broke: a script error or a policy violation. */
  private static List<String> consoleProblems(ChatPage page) {
    return page.driver().manage().logs().get(LogType.BROWSER).getAll().stream()
        .map(LogEntry::getMessage)
        .filter(m -> m.contains("Uncaught") || m.contains("Content Security Policy"))
        .toList();
  }

  private static void screenshots(ChatPage page) {
    page.screenshot(SCREENSHOTS.resolve("web-client.png"));
    first.darkMode(true);
    page.screenshot(SCREENSHOTS.resolve("web-client-dark.png"));
    first.size(390, 760);
    page.screenshot(SCREENSHOTS.resolve("web-client-narrow-dark.png"));
    first.darkMode(false);
    page.screenshot(SCREENSHOTS.resolve("web-client-narrow.png"));
    first.size(1000, 700);
  }
}
