package dev.broadcastchat.server;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTCreator;
import com.auth0.jwt.JWTVerifier;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.exceptions.JWTDecodeException;
import com.auth0.jwt.exceptions.JWTVerificationException;
import com.auth0.jwt.exceptions.SignatureVerificationException;
import com.auth0.jwt.exceptions.TokenExpiredException;
import com.auth0.jwt.interfaces.Claim;
import com.auth0.jwt.interfaces.DecodedJWT;
import dev.broadcastchat.protocol.Names;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Signs and checks the tokens that let a connection in when auth is on: JWT HS256, {@code sub} the
 * nick, an optional {@code rooms} array limiting the rooms, {@code exp} honoured. Thread-safe.
 */
public final class Tokens {
  /** The claim that lists the rooms a token allows. */
  public static final String ROOMS_CLAIM = "rooms";

  /** Longest token looked at: anything longer is refused unread. */
  static final int MAX_TOKEN_CHARS = 4096;

  /** Who a valid token says the connection is, and where it may go. */
  public record Identity(String nick, Set<String> rooms, Instant expiresAt) {
    /** Whether the token lets its holder into {@code room}. */
    public boolean allows(String room) {
      return rooms == null || rooms.contains(room);
    }
  }

  private final JWTVerifier verifier;

  /** Checks tokens signed with {@code secret}. */
  public Tokens(String secret) {
    this.verifier = JWT.require(Algorithm.HMAC256(secret)).build();
  }

  /**
   * The identity {@code token} proves.
   *
   * @throws BadTokenException saying what is wrong with it, in words fit for a log line
   */
  public Identity verify(String token) {
    if (token == null || token.isEmpty()) {
      throw new BadTokenException("no token");
    }
    if (token.length() > MAX_TOKEN_CHARS) {
      throw new BadTokenException("token longer than " + MAX_TOKEN_CHARS + " characters");
    }
    DecodedJWT jwt;
    try {
      jwt = verifier.verify(token);
    } catch (TokenExpiredException e) {
      throw new BadTokenException("token expired");
    } catch (SignatureVerificationException e) {
      throw new BadTokenException("bad token signature");
    } catch (JWTDecodeException e) {
      throw new BadTokenException("malformed token");
    } catch (JWTVerificationException | IllegalArgumentException e) {
      throw new BadTokenException("invalid token");
    }
    String subject = jwt.getSubject();
    if (subject == null) {
      throw new BadTokenException("token has no subject");
    }
    if (Names.nickProblem(subject) != null) {
      throw new BadTokenException("token subject is not a valid nick");
    }
    return new Identity(subject, rooms(jwt.getClaim(ROOMS_CLAIM)), expiresAt(jwt));
  }

  private static Set<String> rooms(Claim claim) {
    if (claim == null || claim.isMissing() || claim.isNull()) {
      return null;
    }
    List<Object> values;
    try {
      values = claim.asList(Object.class);
    } catch (JWTDecodeException e) {
      values = null;
    }
    if (values == null) {
      throw new BadTokenException("token rooms claim is not a list");
    }
    Set<String> rooms = new LinkedHashSet<>();
    for (Object value : values) {
      if (!(value instanceof String room) || Names.roomProblem(room) != null) {
        throw new BadTokenException("token rooms claim holds a bad room name");
      }
      rooms.add(room);
    }
    return Set.copyOf(rooms);
  }

  private static Instant expiresAt(DecodedJWT jwt) {
    try {
      return jwt.getExpiresAtAsInstant();
    } catch (JWTDecodeException e) {
      throw new BadTokenException("token exp is not a date");
    }
  }

  /**
   * A token for {@code subject}, valid for {@code ttl} from {@code now}, limited to {@code rooms}
   * unless that is empty.
   *
   * @throws IllegalArgumentException naming the subject or room that is not valid
   */
  public static String mint(
      String secret, String subject, List<String> rooms, Duration ttl, Instant now) {
    String problem = Names.nickProblem(subject);
    if (problem != null) {
      throw new IllegalArgumentException("sub: " + subject + " (" + problem + ")");
    }
    for (String room : rooms) {
      if (Names.roomProblem(room) != null) {
        throw new IllegalArgumentException("rooms: " + room + " (" + Names.roomProblem(room) + ")");
      }
    }
    JWTCreator.Builder builder =
        JWT.create().withSubject(subject).withIssuedAt(now).withExpiresAt(now.plus(ttl));
    if (!rooms.isEmpty()) {
      builder.withArrayClaim(ROOMS_CLAIM, rooms.toArray(new String[0]));
    }
    return builder.sign(Algorithm.HMAC256(secret));
  }
}
