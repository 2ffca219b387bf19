package dev.broadcastchat.server;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.PSSParameterSpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads the server's certificate chain and private key from PEM files and checks them before
 * anything starts: each file exists and is readable, holds what it should, and the key belongs to
 * the certificate. Uses the JDK's TLS provider (OpenSSL is not needed).
 *
 * <p>The certificate file may hold the key too, in either order, as HAProxy takes it ({@code cat
 * cert.pem key.pem}): only its {@code CERTIFICATE} blocks are read from it, and it may be given as
 * the key file as well.
 *
 * <p>Keys are PKCS#8 ({@code BEGIN PRIVATE KEY}), RSA, EC or EdDSA, unencrypted; an RSA key in
 * PKCS#1 form ({@code BEGIN RSA PRIVATE KEY}) is accepted too. Stateless.
 */
final class ServerTls {
  private static final Logger log = LoggerFactory.getLogger(ServerTls.class);

  private static final Pattern CERTIFICATE_BLOCK =
      Pattern.compile(
          "-----BEGIN CERTIFICATE-----([^-]*)-----END CERTIFICATE-----", Pattern.DOTALL);

  private static final Pattern KEY_BLOCK =
      Pattern.compile(
          "-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----([^-]*)-----END \\1PRIVATE KEY-----",
          Pattern.DOTALL);

  /** The DER prefix of a PKCS#8 wrapper for an RSA key, up to the key's own length. */
  private static final byte[] RSA_ALGORITHM_ID = {
    0x30,
    0x0d,
    0x06,
    0x09,
    0x2a,
    (byte) 0x86,
    0x48,
    (byte) 0x86,
    (byte) 0xf7,
    0x0d,
    0x01,
    0x01,
    0x01,
    0x05,
    0x00
  };

  private ServerTls() {}

  /**
   * The server's TLS context for {@code certFile} and {@code keyFile}.
   *
   * @throws TlsFilesException naming the file and what is wrong with it
   */
  static SslContext context(Path certFile, Path keyFile) {
    List<X509Certificate> chain = certificates(certFile);
    PrivateKey key = privateKey(keyFile);
    if (!matches(key, chain.get(0).getPublicKey())) {
      throw new TlsFilesException(
          "tls-key: " + keyFile + " does not match the certificate in " + certFile);
    }
    warnIfExpired(certFile, chain.get(0));
    try {
      return SslContextBuilder.forServer(key, chain.toArray(new X509Certificate[0])).build();
    } catch (SSLException | IllegalArgumentException e) {
      throw new TlsFilesException("tls-cert: " + certFile + ": " + e.getMessage(), e);
    }
  }

  /**
   * The {@code CERTIFICATE} blocks of {@code file}, in order. Other blocks (a private key, DH
   * parameters) are passed over, so a combined file as HAProxy takes it serves as the chain.
   */
  private static List<X509Certificate> certificates(Path file) {
    String text = new String(read("tls-cert", file), StandardCharsets.US_ASCII);
    List<X509Certificate> chain = new ArrayList<>();
    Matcher m = CERTIFICATE_BLOCK.matcher(text);
    try {
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      while (m.find()) {
        byte[] der = Base64.getMimeDecoder().decode(m.group(1).trim());
        chain.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der)));
      }
      if (!chain.isEmpty()) {
        return chain;
      }
    } catch (CertificateException | IllegalArgumentException e) {
      // Reported below, as for a file without a certificate.
    }
    throw new TlsFilesException(
        "tls-cert: " + file + ": no PEM certificate in it (expected: -----BEGIN CERTIFICATE-----)");
  }

  private static PrivateKey privateKey(Path file) {
    String text = new String(read("tls-key", file), StandardCharsets.US_ASCII);
    Matcher m = KEY_BLOCK.matcher(text);
    if (!m.find()) {
      throw new TlsFilesException(
          "tls-key: "
              + file
              + ": no PEM private key in it (expected: -----BEGIN PRIVATE KEY-----)");
    }
    String kind = m.group(1).trim();
    byte[] der;
    try {
      der = Base64.getMimeDecoder().decode(m.group(2).trim());
    } catch (IllegalArgumentException e) {
      throw new TlsFilesException("tls-key: " + file + ": the PEM block is not valid base64");
    }
    switch (kind) {
      case "" -> {}
      case "RSA" -> der = pkcs8FromPkcs1Rsa(der);
      case "ENCRYPTED" ->
          throw new TlsFilesException(
              "tls-key: "
                  + file
                  + ": the key is encrypted (expected: an unencrypted key; decrypt it with"
                  + " 'openssl pkcs8 -in KEY -out PLAIN')");
      default ->
          throw new TlsFilesException(
              "tls-key: "
                  + file
                  + ": a "
                  + kind
                  + " key (expected: PKCS#8, -----BEGIN PRIVATE KEY-----; convert it with"
                  + " 'openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY8')");
    }
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
    for (String algorithm : List.of("RSA", "EC", "EdDSA", "RSASSA-PSS", "DSA")) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(spec);
      } catch (GeneralSecurityException e) {
        // Not this algorithm: try the next.
      }
    }
    throw new TlsFilesException(
        "tls-key: " + file + ": not a usable private key (expected: RSA, EC or EdDSA, PKCS#8)");
  }

  /** More than any PEM certificate chain or key holds (those are a few KB). */
  static final int MAX_PEM_BYTES = 1 << 20;

  private static byte[] read(String option, Path file) {
    // A device or a pipe (/dev/zero, a FIFO) would be read forever, or wait for a writer.
    if (Files.exists(file) && !Files.isRegularFile(file)) {
      throw new TlsFilesException(option + ": " + file + ": not a regular file");
    }
    try (InputStream in = Files.newInputStream(file)) {
      byte[] bytes = in.readNBytes(MAX_PEM_BYTES + 1);
      if (bytes.length > MAX_PEM_BYTES) {
        throw new TlsFilesException(
            option + ": " + file + ": too large for a PEM file (over " + MAX_PEM_BYTES + " bytes)");
      }
      return bytes;
    } catch (NoSuchFileException e) {
      throw new TlsFilesException(option + ": " + file + ": no such file");
    } catch (AccessDeniedException e) {
      throw new TlsFilesException(option + ": " + file + ": permission denied");
    } catch (IOException e) {
      throw new TlsFilesException(option + ": " + file + ": cannot read it (" + e + ")");
    }
  }

  /** Wraps a PKCS#1 RSAPrivateKey in a PKCS#8 PrivateKeyInfo. */
  static byte[] pkcs8FromPkcs1Rsa(byte[] pkcs1) {
    byte[] version = {0x02, 0x01, 0x00};
    byte[] octets = derTagged(0x04, pkcs1);
    int bodyLength = version.length + RSA_ALGORITHM_ID.length + octets.length;
    byte[] body = new byte[bodyLength];
    System.arraycopy(version, 0, body, 0, version.length);
    System.arraycopy(RSA_ALGORITHM_ID, 0, body, version.length, RSA_ALGORITHM_ID.length);
    System.arraycopy(octets, 0, body, version.length + RSA_ALGORITHM_ID.length, octets.length);
    return derTagged(0x30, body);
  }

  private static byte[] derTagged(int tag, byte[] content) {
    int n = content.length;
    byte[] length;
    if (n < 0x80) {
      length = new byte[] {(byte) n};
    } else if (n < 0x100) {
      length = new byte[] {(byte) 0x81, (byte) n};
    } else if (n < 0x10000) {
      length = new byte[] {(byte) 0x82, (byte) (n >> 8), (byte) n};
    } else {
      length = new byte[] {(byte) 0x83, (byte) (n >> 16), (byte) (n >> 8), (byte) n};
    }
    byte[] out = new byte[1 + length.length + n];
    out[0] = (byte) tag;
    System.arraycopy(length, 0, out, 1, length.length);
    System.arraycopy(content, 0, out, 1 + length.length, n);
    return out;
  }

  /** Whether {@code key} signs what {@code publicKey} verifies: the two are one key pair. */
  static boolean matches(PrivateKey key, PublicKey publicKey) {
    byte[] challenge = new byte[32];
    new SecureRandom().nextBytes(challenge);
    try {
      Signature signer = signature(key.getAlgorithm());
      signer.initSign(key);
      signer.update(challenge);
      byte[] signed = signer.sign();
      Signature verifier = signature(key.getAlgorithm());
      verifier.initVerify(publicKey);
      verifier.update(challenge);
      return verifier.verify(signed);
    } catch (GeneralSecurityException e) {
      // A key of another algorithm than the certificate's, for one.
      return false;
    }
  }

  private static Signature signature(String keyAlgorithm) throws GeneralSecurityException {
    return switch (keyAlgorithm) {
      case "RSA" -> Signature.getInstance("SHA256withRSA");
      case "EC" -> Signature.getInstance("SHA256withECDSA");
      case "DSA" -> Signature.getInstance("SHA256withDSA");
      case "RSASSA-PSS" -> {
        Signature s = Signature.getInstance("RSASSA-PSS");
        s.setParameter(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1));
        yield s;
      }
      default -> Signature.getInstance(keyAlgorithm);
    };
  }

  private static void warnIfExpired(Path file, X509Certificate cert) {
    try {
      cert.checkValidity(new Date());
    } catch (CertificateException e) {
      log.warn(
          "tls-cert: {}: {} (valid {} to {})",
          file,
          e.getMessage(),
          cert.getNotBefore(),
          cert.getNotAfter());
    }
  }
}
