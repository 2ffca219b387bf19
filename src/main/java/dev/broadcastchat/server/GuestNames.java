package dev.broadcastchat.server;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Anonymous names for members without a nick when addresses are hidden: {@code guest-} and a short
 * keyed hash of the connection's {@code ip:port}, the same for the whole connection, that no one
 * without the server's key (made fresh at start) can turn back into the address. Thread-safe.
 */
final class GuestNames {
  static final String PREFIX = "guest-";
  private static final Pattern GUEST = Pattern.compile("(?i)guest-[0-9a-f]{8}");
  private static final String ALGORITHM = "HmacSHA256";

  private final SecretKeySpec key;

  GuestNames() {
    byte[] secret = new byte[32];
    new SecureRandom().nextBytes(secret);
    this.key = new SecretKeySpec(secret, ALGORITHM);
  }

  /** The anonymous name of the connection from {@code address}. */
  String nameOf(String address) {
    try {
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(key);
      byte[] digest = mac.doFinal(address.getBytes(StandardCharsets.UTF_8));
      return PREFIX + HexFormat.of().formatHex(digest, 0, 4);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(ALGORITHM + " is missing from this JDK", e);
    }
  }

  /** Whether {@code nick} could pass for an anonymous name, so that no one may take it. */
  static boolean looksLikeGuest(String nick) {
    return GUEST.matcher(nick).matches();
  }
}
