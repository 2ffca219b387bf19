package dev.broadcastchat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.broadcastchat.server.TestCertificates;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS as a user runs it: the real server with PEM files serves wss://, the real client reaches it
 * through a pipe with {@code --insecure} (the certificate is self-signed) and refuses it without;
 * bad files stop the server before it starts, with one line and exit code 2.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class TlsCommandLineIT {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir static Path dir;
  private static TestCertificates.Pem pem;
  private static TestCertificates.Pem other;

  @BeforeAll
  static void makeCertificates() throws Exception {
    pem = TestCertificates.generate(dir, "server", "EC");
    other = TestCertificates.generate(dir, "other", "RSA");
  }

  @Test
  void thePipedClientWithInsecureChatsOverWss() throws Exception {
    try (ChatProcess server = startServer()) {
      String url = listeningUrl(server);
      assertThat(url).startsWith("wss://127.0.0.1:");

      try (ChatProcess client =
          ChatProcess.shell(
              "printf 'over tls\\n' | ./chat client --insecure " + url + " --nick t")) {
        assertThat(client.waitFor(Duration.ofSeconds(90)))
            .as("stderr %s", client.stderr())
            .isZero();
        assertThat(client.stdoutSoFar())
            .anyMatch(line -> line.matches("\\[\\d\\d:\\d\\d\\] t: over tls"));
        assertThat(client.stderr()).isEmpty();
      }

      try (ChatProcess client = ChatProcess.jar(Map.of(), "client", url)) {
        client.endInput();
        assertThat(client.waitFor(WAIT)).isEqualTo(1);
        assertThat(client.stderr())
            .singleElement()
            .asString()
            .contains(url)
            .contains("certificate is not trusted")
            .contains("--insecure");
      }
      server.terminate();
      assertThat(server.waitFor(WAIT)).isZero();
    }
  }

  @Test
  void insecureAlsoAcceptsACertificateIssuedForAnotherHost() throws Exception {
    TestCertificates.Pem elsewhere =
        TestCertificates.generate(dir, "elsewhere", "EC", "chat.example", "dns:chat.example");
    try (ChatProcess server =
        ChatProcess.jar(
            Map.of(),
            "server",
            "--port",
            "0",
            "--tls-cert",
            elsewhere.cert().toString(),
            "--tls-key",
            elsewhere.key().toString())) {
      String url = listeningUrl(server);
      try (ChatProcess client =
          ChatProcess.jar(Map.of("CHAT_INSECURE", "true"), "client", url, "--nick", "far")) {
        client.type("across names");
        client.awaitLine(
            line -> line.matches("\\[\\d\\d:\\d\\d\\] far: across names"),
            "with its own line",
            WAIT);
        client.endInput();
        assertThat(client.waitFor(WAIT)).as("stderr %s", client.stderr()).isZero();
      }
    }
  }

  @Test
  void aKeyThatDoesNotMatchIsOneLineAndExit2() throws Exception {
    try (ChatProcess server =
        ChatProcess.jar(
            Map.of(),
            "server",
            "--port",
            "0",
            "--tls-cert",
            pem.cert().toString(),
            "--tls-key",
            other.key().toString())) {
      assertThat(server.waitFor(WAIT)).isEqualTo(2);
      assertThat(server.stderr())
          .singleElement()
          .asString()
          .isEqualTo(
              "chat: tls-key: " + other.key() + " does not match the certificate in " + pem.cert());
      assertThat(server.stdoutSoFar()).as("nothing started").isEmpty();
    }
  }

  @Test
  void aMissingFileIsOneLineAndExit2EvenFromTheEnvironment() throws Exception {
    Path missing = dir.resolve("nowhere.pem");
    try (ChatProcess server =
        ChatProcess.jar(
            Map.of("CHAT_TLS_CERT", missing.toString(), "CHAT_TLS_KEY", pem.key().toString()),
            "server",
            "--port",
            "0")) {
      assertThat(server.waitFor(WAIT)).isEqualTo(2);
      assertThat(server.stderr())
          .singleElement()
          .asString()
          .isEqualTo("chat: tls-cert: " + missing + ": no such file");
      assertThat(server.stdoutSoFar()).isEmpty();
    }
  }

  private static ChatProcess startServer() throws Exception {
    return ChatProcess.jar(
        Map.of(),
        "server",
        "--port",
        "0",
        "--tls-cert",
        pem.cert().toString(),
        "--tls-key",
        pem.key().toString());
  }

  static String listeningUrl(ChatProcess server) throws InterruptedException {
    String line = server.nextLine(WAIT);
    assertThat(line).as("stdout; stderr %s", server.stderr()).startsWith("listening on ");
    return line.substring("listening on ".length());
  }
}
