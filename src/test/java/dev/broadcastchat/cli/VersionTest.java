package dev.broadcastchat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** {@code -V} and {@code --version}, which every command's help offers, print the version. */
class VersionTest {

  @ParameterizedTest
  @ValueSource(strings = {"", "server", "client", "bench", "token"})
  void everyCommandPrintsTheVersionAndExits0(String command) {
    for (String flag : new String[] {"-V", "--version"}) {
      StringWriter out = new StringWriter();
      CommandLine cl = Main.newCommandLine();
      cl.setOut(new PrintWriter(out, true));
      String[] args = command.isEmpty() ? new String[] {flag} : new String[] {command, flag};

      assertThat(cl.execute(args)).isZero();
      assertThat(out.toString()).as("%s %s", command, flag).startsWith("broadcast-chat ");
    }
  }
}
