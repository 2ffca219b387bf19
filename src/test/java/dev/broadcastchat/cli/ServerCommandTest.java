package dev.broadcastchat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** {@code chat server}'s options: each documented with its default and its environment variable. */
class ServerCommandTest {

  @Test
  void everyOptionNamesItsDefaultAndItsEnvironmentVariable() {
    CommandLine server = Main.newCommandLine().getSubcommands().get("server");
    for (OptionSpec option : server.getCommandSpec().options()) {
      if (option.usageHelp() || option.versionHelp()) {
        continue;
      }
      String env =
          "CHAT_" + option.longestName().substring(2).replace('-', '_').toUpperCase(Locale.ROOT);
      String description = String.join(" ", option.description());
      assertThat(description).as(option.longestName()).contains("env " + env).contains("default: ");
    }
  }

  @Test
  void helpListsTheOperationsOptions() {
    StringWriter out = new StringWriter();
    CommandLine cl = Main.newCommandLine();
    cl.setOut(new PrintWriter(out));
    assertThat(cl.execute("server", "--help")).isZero();
    assertThat(out.toString())
        .contains("--tls-cert", "CHAT_TLS_CERT", "--tls-key", "--drain-delay", "default: 0s")
        .contains("--ping-interval", "default: 30s", "--ping-timeout", "--handshake-timeout")
        .contains("--trusted-proxies", "--admin-port", "CHAT_ADMIN_PORT", "docs/OPERATIONS.md");
    // The admin port serves health as well, not instead: a load balancer may only check the main.
    String adminPort =
        String.join(
            " ",
            Main.newCommandLine()
                .getSubcommands()
                .get("server")
                .getCommandSpec()
                .findOption("--admin-port")
                .description());
    assertThat(adminPort).contains("/healthz and /readyz stay there").doesNotContain("instead");
  }

  @Test
  void aBadOperationsValueIsExit2NamingTheOption() {
    assertBad("option '--ping-interval'", "server", "--ping-interval", "often");
    assertBad("ping-timeout: 0s (expected: > 0)", "server", "--ping-timeout", "0s");
    assertBad("trusted-proxies: 10.0.0.0/40", "server", "--trusted-proxies", "10.0.0.0/40");
    assertBad("admin-port: 70000 (expected: 0..65535)", "server", "--admin-port", "70000");
    assertBad("tls-cert: /x.pem given without --tls-key", "server", "--tls-cert", "/x.pem");
    assertBad("handshake-timeout: 0s (expected: >= 1ms)", "server", "--handshake-timeout", "0s");
    assertBad(
        "handshake-timeout: 0.5ms (expected: >= 1ms)",
        "server",
        "--handshake-timeout",
        "PT0.0005S");
    assertBad(
        "transport: 'kqueue' (expected: epoll, io_uring, nio)", "server", "--transport", "kqueue");
    assertBad(
        "max-frame-bytes: 1000 (expected: at least max-message-bytes, 4096,",
        "server",
        "--max-frame-bytes",
        "1000");
  }

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS) // a value let through starts a server that waits
  void anAllowedOriginThatIsNotAWholeOriginIsExit2() {
    for (String bad :
        List.of(
            "https://*.example.com",
            "*.example.com",
            "https://chat.example.com/app",
            "https://chat.example.com?x=1",
            "https://user@chat.example.com",
            "https://chat.example.com:99999",
            "ftp://chat.example.com",
            "chat.example.com")) {
      assertBad(
          "allowed-origins: "
              + bad
              + " (expected: * or http(s)://host[:port], without a path or a wildcard)",
          "server",
          "--allowed-origins",
          "https://ok.example.com," + bad);
    }
  }

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS) // a value let through starts a server that waits
  void aNegativeAdminPortIsExit2LikeAnyOtherOutOfRange() {
    assertBad("admin-port: -1 (expected: 0..65535)", "server", "--admin-port", "-1");
    assertBad("admin-port: -5 (expected: 0..65535)", "server", "--admin-port", "-5");
  }

  private static void assertBad(String message, String... args) {
    StringWriter err = new StringWriter();
    CommandLine cl = Main.newCommandLine();
    cl.setErr(new PrintWriter(err));
    assertThat(cl.execute(args)).as(String.join(" ", args)).isEqualTo(2);
    assertThat(err.toString().lines()).singleElement().asString().contains(message);
  }
}
