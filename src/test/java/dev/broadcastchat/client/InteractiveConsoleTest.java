package dev.broadcastchat.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.junit.jupiter.api.Test;

/** The JLine console on an xterm made of streams: what it leaves the terminal in. */
class InteractiveConsoleTest {

  @Test
  void closedWhileALineIsBeingTypedItTurnsOffTheModesTheReadSetAndEndsTheLine() throws Exception {
    PipedOutputStream keys = new PipedOutputStream();
    PipedInputStream in = new PipedInputStream(keys);
    ByteArrayOutputStream screen = new ByteArrayOutputStream();
    Terminal terminal =
        TerminalBuilder.builder()
            .streams(in, screen)
            .type("xterm")
            .encoding(StandardCharsets.UTF_8)
            .build();
    Console.Interactive console =
        new Console.Interactive(terminal, new PrintWriter(new StringWriter()));
    Thread reader = new Thread(console::readLine, "typing");
    reader.setDaemon(true);
    reader.start();
    keys.write("half typed".getBytes(StandardCharsets.UTF_8));
    keys.flush();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> screen.toString(StandardCharsets.UTF_8).contains("half typed"));
    assertThat(screen.toString(StandardCharsets.UTF_8)).contains("\033[?2004h");

    console.close();

    String shown = screen.toString(StandardCharsets.UTF_8);
    String after = shown.substring(shown.lastIndexOf("half typed"));
    assertThat(after).contains("\033[?2004l").endsWith(System.lineSeparator());
  }
}
