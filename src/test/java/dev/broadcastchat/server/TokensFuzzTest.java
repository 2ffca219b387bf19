package dev.broadcastchat.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.broadcastchat.protocol.Names;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Fuzzes the token check: whatever a client presents, {@link Tokens#verify} either returns an
 * identity with a valid nick and rooms or throws {@link BadTokenException}, never anything else;
 * and a token changed anywhere after signing is refused. Fuzzes for a bounded time when {@code
 * JAZZER_FUZZ} is set (the pom's fuzz run), else replays the corpus in src/test/resources.
 */
class TokensFuzzTest {
  private static final String SECRET = "a-fuzzing-secret-that-is-long-enough-for-hs256";
  private static final Tokens TOKENS = new Tokens(SECRET);
  private static final String VALID =
      Tokens.mint(SECRET, "alice", List.of("lobby"), Duration.ofDays(3650), Instant.now());

  @FuzzTest(maxDuration = "10s")
  void onlyValidTokensLetIn(FuzzedDataProvider data) {
    boolean mutate = data.consumeBoolean();
    String token;
    if (mutate) {
      int at = data.consumeInt(0, VALID.length() - 1);
      char replacement = data.consumeChar();
      token = VALID.substring(0, at) + replacement + VALID.substring(at + 1);
    } else {
      token = data.consumeRemainingAsString();
    }
    Tokens.Identity identity;
    try {
      identity = TOKENS.verify(token);
    } catch (BadTokenException refused) {
      return;
    }
    assertThat(Names.nickProblem(identity.nick())).isNull();
    if (identity.rooms() != null) {
      identity.rooms().forEach(room -> assertThat(Names.roomProblem(room)).isNull());
    }
    if (mutate && !token.equals(VALID)) {
      // Base64url ignores nothing: a changed character is a changed token, unless it only
      // changes the unused low bits of the signature's last character.
      assertThat(token.substring(0, token.length() - 1))
          .isEqualTo(VALID.substring(0, VALID.length() - 1));
    }
  }
}
