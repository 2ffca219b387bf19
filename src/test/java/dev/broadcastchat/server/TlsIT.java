package dev.broadcastchat.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * TLS end to end with a certificate made for the test: wss:// and https:// on one port, checked by
 * the JDK's clients trusting that certificate alone; and the clear refusal of bad files.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TlsIT {
  @TempDir static Path dir;
  private static TestCertificates.Pem ec;
  private static TestCertificates.Pem rsa;

  @BeforeAll
  static void makeCertificates() throws Exception {
    ec = TestCertificates.generate(dir, "ec", "EC");
    rsa = TestCertificates.generate(dir, "rsa", "RSA");
  }

  @Test
  void servesWssAndHttpsOnOnePortToAClientTrustingTheCertificate() throws Exception {
    for (TestCertificates.Pem pem : new TestCertificates.Pem[] {ec, rsa}) {
      try (ChatServer server = start(pem.cert(), pem.key())) {
        assertThat(server.url()).isEqualTo("wss://127.0.0.1:" + server.port() + "/");
        HttpClient https =
            HttpClient.newBuilder()
                .sslContext(TestCertificates.trusting(pem.certificate()))
                .build();

        HttpResponse<String> health =
            https.send(
                HttpRequest.newBuilder(URI.create(server.httpUrl() + "healthz")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.uri().getScheme()).isEqualTo("https");

        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        WebSocket ws =
            https
                .newWebSocketBuilder()
                .buildAsync(URI.create(server.url() + "?nick=secure"), collect(received))
                .get(10, TimeUnit.SECONDS);
        assertThat(received.poll(10, TimeUnit.SECONDS))
            .isEqualTo("Welcome to chat! Type a message");
        ws.sendText("over tls", true).get(10, TimeUnit.SECONDS);
        String line;
        do {
          line = received.poll(10, TimeUnit.SECONDS);
        } while (line != null && line.startsWith("* "));
        assertThat(line).isEqualTo("secure: over tls");
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(10, TimeUnit.SECONDS);
      }
    }
  }

  /** TLS sits above the transport: a wss:// message goes round on each that loads here. */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void servesWssOverEveryTransport(Transport transport) throws Exception {
    Throwable cause = transport.unavailabilityCause();
    assumeTrue(cause == null, () -> transport.cliName() + " does not load here: " + cause);
    try (ChatServer server =
        ChatServer.start(
            ServerConfig.builder()
                .host("127.0.0.1")
                .port(0)
                .tls(ec.cert(), ec.key())
                .transport(transport)
                .shutdownTimeout(Duration.ofSeconds(2))
                .build())) {
      assertThat(server.listenerClass()).isEqualTo(transport.serverChannel());
      HttpClient wss =
          HttpClient.newBuilder().sslContext(TestCertificates.trusting(ec.certificate())).build();
      BlockingQueue<String> received = new LinkedBlockingQueue<>();
      WebSocket ws =
          wss.newWebSocketBuilder()
              .buildAsync(URI.create(server.url() + "?nick=secure"), collect(received))
              .get(10, TimeUnit.SECONDS);
      assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo("Welcome to chat! Type a message");
      ws.sendText("over tls on " + transport.cliName(), true).get(10, TimeUnit.SECONDS);
      String line;
      do {
        line = received.poll(10, TimeUnit.SECONDS);
      } while (line != null && line.startsWith("* "));
      assertThat(line).isEqualTo("secure: over tls on " + transport.cliName());
      ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void acceptsAnRsaKeyInPkcs1Form() throws Exception {
    Path pkcs1 = dir.resolve("rsa.pkcs1.pem");
    byte[] pkcs8 =
        java.util.Base64.getMimeDecoder()
            .decode(
                Files.readString(rsa.key())
                    .replace("-----BEGIN PRIVATE KEY-----", "")
                    .replace("-----END PRIVATE KEY-----", "")
                    .trim());
    Files.writeString(pkcs1, TestCertificates.rsaPkcs1Pem(pkcs8));
    assertThat(Files.readString(pkcs1)).startsWith("-----BEGIN RSA PRIVATE KEY-----");
    try (ChatServer server = start(rsa.cert(), pkcs1)) {
      HttpClient https =
          HttpClient.newBuilder().sslContext(TestCertificates.trusting(rsa.certificate())).build();
      HttpResponse<String> health =
          https.send(
              HttpRequest.newBuilder(URI.create(server.httpUrl() + "healthz")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(health.statusCode()).isEqualTo(200);
    }
  }

  /** HAProxy's form: one file holding the chain and the key, in either order. */
  @Test
  void servesFromACombinedCertificateAndKeyFileInEitherOrder() throws Exception {
    Path certFirst = dir.resolve("combined.cert-first.pem");
    Files.writeString(certFirst, Files.readString(ec.cert()) + Files.readString(ec.key()));
    Path keyFirst = dir.resolve("combined.key-first.pem");
    Files.writeString(keyFirst, Files.readString(ec.key()) + Files.readString(ec.cert()));
    HttpClient https =
        HttpClient.newBuilder().sslContext(TestCertificates.trusting(ec.certificate())).build();
    for (Path[] files :
        new Path[][] {
          {certFirst, ec.key()}, {keyFirst, ec.key()}, {certFirst, certFirst}, {keyFirst, keyFirst}
        }) {
      try (ChatServer server = start(files[0], files[1])) {
        HttpResponse<String> health =
            https.send(
                HttpRequest.newBuilder(URI.create(server.httpUrl() + "healthz")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).as("cert %s, key %s", files[0], files[1]).isEqualTo(200);
      }
    }
  }

  @Test
  void aCombinedFileWhoseKeyDoesNotMatchItsCertificateIsRefused() throws Exception {
    Path mixed = dir.resolve("combined.mismatched.pem");
    Files.writeString(mixed, Files.readString(ec.cert()) + Files.readString(rsa.key()));
    assertThatThrownBy(() -> start(mixed, mixed))
        .isInstanceOf(TlsFilesException.class)
        .hasMessage("tls-key: " + mixed + " does not match the certificate in " + mixed);
  }

  @Test
  void aClientThatDoesNotTrustTheCertificateCannotConnect() throws Exception {
    try (ChatServer server = start(ec.cert(), ec.key())) {
      assertThatThrownBy(
              () ->
                  HttpClient.newHttpClient()
                      .newWebSocketBuilder()
                      .buildAsync(URI.create(server.url()), new WebSocket.Listener() {})
                      .join())
          .isInstanceOf(CompletionException.class)
          .hasRootCauseInstanceOf(java.security.cert.CertPathBuilderException.class);
    }
  }

  @Test
  void aKeyThatDoesNotMatchTheCertificateIsRefusedNamingBothFiles() {
    assertThatThrownBy(() -> start(ec.cert(), rsa.key()))
        .isInstanceOf(TlsFilesException.class)
        .hasMessage("tls-key: " + rsa.key() + " does not match the certificate in " + ec.cert());
  }

  @Test
  void aMissingOrWrongFileIsRefusedNamingIt() throws Exception {
    Path missing = dir.resolve("missing.pem");
    assertThatThrownBy(() -> start(missing, ec.key()))
        .isInstanceOf(TlsFilesException.class)
        .hasMessage("tls-cert: " + missing + ": no such file");
    assertThatThrownBy(() -> start(ec.key(), ec.key()))
        .isInstanceOf(TlsFilesException.class)
        .hasMessageStartingWith("tls-cert: " + ec.key() + ": no PEM certificate");
    assertThatThrownBy(() -> start(dir, ec.key()))
        .isInstanceOf(TlsFilesException.class)
        .hasMessage("tls-cert: " + dir + ": not a regular file");
    Path endless = Path.of("/dev/zero");
    if (Files.exists(endless)) {
      assertThatThrownBy(() -> start(endless, ec.key()))
          .isInstanceOf(TlsFilesException.class)
          .hasMessage("tls-cert: /dev/zero: not a regular file");
    }
    Path huge = dir.resolve("huge.pem");
    try (var out = Files.newOutputStream(huge)) {
      out.write(new byte[ServerTls.MAX_PEM_BYTES + 1]);
    }
    assertThatThrownBy(() -> start(ec.cert(), huge))
        .isInstanceOf(TlsFilesException.class)
        .hasMessageStartingWith("tls-key: " + huge + ": too large for a PEM file");
    assertThatThrownBy(() -> start(ec.cert(), ec.cert()))
        .isInstanceOf(TlsFilesException.class)
        .hasMessageStartingWith("tls-key: " + ec.cert() + ": no PEM private key");
    Path encrypted = dir.resolve("encrypted.pem");
    Files.writeString(
        encrypted,
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n");
    assertThatThrownBy(() -> start(ec.cert(), encrypted))
        .isInstanceOf(TlsFilesException.class)
        .hasMessageStartingWith("tls-key: " + encrypted + ": the key is encrypted");
  }

  private static ChatServer start(Path cert, Path key) {
    return ChatServer.start(
        ServerConfig.builder()
            .host("127.0.0.1")
            .port(0)
            .tls(cert, key)
            .shutdownTimeout(Duration.ofSeconds(2))
            .build());
  }

  private static WebSocket.Listener collect(BlockingQueue<String> received) {
    return new WebSocket.Listener() {
      private final StringBuilder partial = new StringBuilder();

      @Override
      public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
          received.add(partial.toString());
          partial.setLength(0);
        }
        ws.request(1);
        return null;
      }
    };
  }
}
