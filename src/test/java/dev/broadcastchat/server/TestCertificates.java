package dev.broadcastchat.server;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Self-signed certificates for tests, made by the JDK's {@code keytool} (no Bouncy Castle) for
 * {@code 127.0.0.1} and {@code localhost}, written as the PEM files the server reads.
 *
 * <p>Public so that the process tests in other packages can use it; stateless.
 */
public final class TestCertificates {
  private static final String PASSWORD = "test-only";

  /** A certificate and its private key, as PEM files and as the certificate itself. */
  public record Pem(Path cert, Path key, X509Certificate certificate) {}

  private TestCertificates() {}

  /**
   * A new key pair ({@code keyAlgorithm} {@code RSA} or {@code EC}) and a self-signed certificate
   * valid for a day, written to {@code dir} as {@code NAME.crt.pem} and {@code NAME.key.pem}.
   */
  public static Pem generate(Path dir, String name, String keyAlgorithm)
      throws IOException, InterruptedException, GeneralSecurityException {
    return generate(dir, name, keyAlgorithm, "localhost", "ip:127.0.0.1,dns:localhost");
  }

  /**
   * As {@link #generate(Path, String, String)}, for {@code commonName} and the subject alternative
   * names {@code san} in keytool's form ({@code dns:chat.example,ip:10.0.0.1}).
   */
  public static Pem generate(
      Path dir, String name, String keyAlgorithm, String commonName, String san)
      throws IOException, InterruptedException, GeneralSecurityException {
    Path store = dir.resolve(name + ".p12");
    List<String> command =
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
            "-genkeypair",
            "-alias",
            name,
            "-keyalg",
            keyAlgorithm,
            "-dname",
            "CN=" + commonName,
            "-ext",
            "san=" + san,
            "-validity",
            "1",
            "-keystore",
            store.toString(),
            "-storetype",
            "PKCS12",
            "-storepass",
            PASSWORD);
    Process keytool = new ProcessBuilder(command).redirectErrorStream(true).start();
    byte[] output = keytool.getInputStream().readAllBytes();
    if (!keytool.waitFor(60, TimeUnit.SECONDS) || keytool.exitValue() != 0) {
      throw new IOException("keytool failed: " + new String(output, StandardCharsets.UTF_8));
    }
    KeyStore keyStore = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      keyStore.load(in, PASSWORD.toCharArray());
    }
    X509Certificate certificate = (X509Certificate) keyStore.getCertificate(name);
    PrivateKey key = (PrivateKey) keyStore.getKey(name, PASSWORD.toCharArray());
    Path certFile = dir.resolve(name + ".crt.pem");
    Path keyFile = dir.resolve(name + ".key.pem");
    Files.writeString(certFile, pem("CERTIFICATE", certificate.getEncoded()));
    Files.writeString(keyFile, pem("PRIVATE KEY", key.getEncoded()));
    return new Pem(certFile, keyFile, certificate);
  }

  /** A TLS context that trusts {@code certificate} alone (and checks host names as usual). */
  public static SSLContext trusting(X509Certificate certificate) throws GeneralSecurityException {
    try {
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      trust.setCertificateEntry("server", certificate);
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, tmf.getTrustManagers(), null);
      return context;
    } catch (IOException e) {
      throw new GeneralSecurityException(e);
    }
  }

  /**
   * The PKCS#1 form ({@code BEGIN RSA PRIVATE KEY}, what {@code openssl genrsa} wrote for years) of
   * an RSA key in PKCS#8 form: the OCTET STRING at the end of its PrivateKeyInfo.
   */
  public static String rsaPkcs1Pem(byte[] pkcs8) {
    int at = 0;
    at = skipHeader(pkcs8, at); // PrivateKeyInfo SEQUENCE
    at = skipElement(pkcs8, at); // version
    at = skipElement(pkcs8, at); // AlgorithmIdentifier
    int contentStart = skipHeader(pkcs8, at); // OCTET STRING
    int contentEnd = skipElement(pkcs8, at);
    byte[] pkcs1 = java.util.Arrays.copyOfRange(pkcs8, contentStart, contentEnd);
    return pem("RSA PRIVATE KEY", pkcs1);
  }

  private static int skipHeader(byte[] der, int at) {
    int first = der[at + 1] & 0xFF;
    return at + 2 + (first < 0x80 ? 0 : first & 0x7F);
  }

  private static int skipElement(byte[] der, int at) {
    int first = der[at + 1] & 0xFF;
    int length = first;
    int lengthBytes = 0;
    if (first >= 0x80) {
      lengthBytes = first & 0x7F;
      length = 0;
      for (int i = 0; i < lengthBytes; i++) {
        length = (length << 8) | (der[at + 2 + i] & 0xFF);
      }
    }
    return at + 2 + lengthBytes + length;
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }
}
