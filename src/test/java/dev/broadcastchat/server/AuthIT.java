package dev.broadcastchat.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * With {@code --auth-secret}: who has no valid token is refused before the upgrade, a token fixes
 * the nick and the rooms, and an expired one ends the connection; bystanders notice nothing.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AuthIT {
  static final String SECRET = "a-test-secret-that-is-long-enough-for-hs256";

  @RegisterExtension final CapturedLogs logs = new CapturedLogs();

  @RegisterExtension
  static final ChatServerExtension chat =
      new ChatServerExtension(
          ServerConfig.defaults("127.0.0.1", 0)
              .withSecurity(SecurityConfig.DEFAULTS.withAuthSecret(SECRET)));

  private Bystanders bystanders;

  @BeforeEach
  void bystanders() {
    bystanders = Bystanders.join(chat.server(), "token", token("carol", List.of(), 3600));
  }

  @AfterEach
  void leave() {
    bystanders.close();
  }

  static String token(String sub, List<String> rooms, long ttlSeconds) {
    return Tokens.mint(SECRET, sub, rooms, Duration.ofSeconds(ttlSeconds), Instant.now());
  }

  private RawHttp.Response upgrade(String path, String... headers) throws Exception {
    return RawHttp.send(
        chat.server().address(), RawHttp.upgrade(chat.server().address(), path, headers));
  }

  @Test
  void noTokenIs401() throws Exception {
    bystanders.during(
        () -> {
          RawHttp.Response response = upgrade("/");
          assertThat(response.status()).isEqualTo(401);
          assertThat(response.body()).isEqualTo("no token\n");
          assertThat(response.head()).containsIgnoringCase("\r\nWWW-Authenticate: Bearer\r\n");
        });
    assertThat(chat.server().refusals().get(Refusals.Reason.UNAUTHORIZED)).isPositive();
  }

  @Test
  void aTokenSignedWithAnotherSecretIs401() throws Exception {
    String forged =
        Tokens.mint(
            "another-secret-that-is-long-enough-too!!",
            "mallory",
            List.of(),
            Duration.ofHours(1),
            Instant.now());
    bystanders.during(
        () -> {
          RawHttp.Response response = upgrade("/?token=" + forged);
          assertThat(response.status()).isEqualTo(401);
          assertThat(response.body()).isEqualTo("bad token signature\n");
          assertThat(upgrade("/?token=not.a.jwt").status()).isEqualTo(401);
        });
  }

  @Test
  void anExpiredTokenIs401() throws Exception {
    String expired =
        Tokens.mint(
            SECRET, "dave", List.of(), Duration.ofSeconds(1), Instant.now().minusSeconds(60));
    bystanders.during(
        () -> {
          RawHttp.Response response = upgrade("/?token=" + expired);
          assertThat(response.status()).isEqualTo(401);
          assertThat(response.body()).isEqualTo("token expired\n");
        });
  }

  @Test
  void aRoomTheTokenDoesNotAllowIs403AndJoiningItIsForbidden() throws Exception {
    String devOnly = token("erin", List.of("dev"), 3600);
    bystanders.during(
        () -> {
          assertThat(upgrade("/?room=lobby&token=" + devOnly).status()).isEqualTo(403);
          assertThat(upgrade("/?token=" + devOnly).status()).isEqualTo(403);
          try (JsonTestClient erin =
              JsonTestClient.connect(chat.server(), "room", "dev", "token", devOnly)) {
            assertThat(erin.next("welcome").path("nick").asText()).isEqualTo("erin");
            erin.replayUntilLive();
            erin.send("type", "join", "room", "lobby");
            JsonNode error = erin.next("error");
            assertThat(error.path("code").asText()).isEqualTo("forbidden");
          }
        });
    assertThat(chat.server().refusals().get(Refusals.Reason.ROOM_FORBIDDEN))
        .isGreaterThanOrEqualTo(3);
    assertThat(logs.firstContaining("refused: 403 room not allowed by token")).isPresent();
    assertThat(logs.firstContaining("refused: forbidden: room lobby is not allowed by your token"))
        .hasValueSatisfying(line -> assertThat(line.getLevel()).isEqualTo(Level.INFO));
  }

  @Test
  void theNickIsTheSubjectAndCannotBeChanged() throws Exception {
    bystanders.during(
        () -> {
          try (JsonTestClient alice =
                  JsonTestClient.connect(
                      chat.server(), "nick", "carol", "token", token("alice", List.of(), 3600));
              JsonTestClient alice2 =
                  JsonTestClient.connect(chat.server(), "token", token("alice", List.of(), 3600))) {
            assertThat(alice.next("welcome").path("nick").asText()).isEqualTo("alice");
            assertThat(alice2.next("welcome").path("nick").asText()).isEqualTo("alice");
            alice.replayUntilLive();
            alice2.replayUntilLive();
            alice.send("type", "nick", "nick", "carol");
            assertThat(alice.nextAmidChat("error").path("code").asText()).isEqualTo("forbidden");
            TestClient text =
                TestClient.connect(
                    java.net.URI.create(
                        chat.server().url() + "?token=" + token("alice", List.of(), 3600)));
            try {
              assertThat(text.nextMessage()).isEqualTo("Welcome to chat! Type a message");
              text.send("/nick carol");
              // Notices and the bystanders' chat may come first: the answer is the first error
              // line.
              String line;
              do {
                line = text.nextMessage();
              } while (!line.startsWith("! "));
              assertThat(line).startsWith("! forbidden");
            } finally {
              text.abort();
            }
          }
        });
    assertThat(chat.server().refusals().get(Refusals.Reason.NICK_FORBIDDEN)).isEqualTo(2);
    assertThat(logs.firstContaining("refused: forbidden: your nick is alice, set by your token"))
        .hasValueSatisfying(line -> assertThat(line.getLevel()).isEqualTo(Level.INFO));
  }

  @Test
  void aTokenInTheAuthorizationHeaderOrACookieLetsIn() throws Exception {
    String token = token("frank", List.of(), 3600);
    bystanders.during(
        () -> {
          assertThat(upgrade("/", "Authorization: Bearer " + token).status()).isEqualTo(101);
          assertThat(upgrade("/", "Cookie: theme=dark; chat_token=" + token).status())
              .isEqualTo(101);
          // A blank ?token= (a form left empty) does not hide the cookie.
          assertThat(upgrade("/?token=", "Cookie: chat_token=" + token).status()).isEqualTo(101);
          assertThat(upgrade("/", "Authorization: Bearer nope").status()).isEqualTo(401);
        });
  }

  @Test
  void aConnectionIsClosedWith1008WhenItsTokenExpires() throws Exception {
    bystanders.during(
        () -> {
          try (JsonTestClient brief =
              JsonTestClient.connect(chat.server(), "token", token("gina", List.of(), 2))) {
            brief.welcomeAndReplay();
            assertThat(brief.closeCode()).isEqualTo(1008);
          }
        });
    assertThat(chat.server().refusals().get(Refusals.Reason.TOKEN_EXPIRED)).isPositive();
    assertThat(logs.firstContaining("refused: token expired")).isPresent();
  }
}
