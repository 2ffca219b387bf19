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
import org.jline.terminal.Size;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.junit.jupiter.api.Test;

/** The JLine console on an xterm made of streams: what it leaves the terminal in. */
class InteractiveConsoleTest {

  @Test
  void closedWhileALineIsBeingReadItTurnsOffTheModesTheReadSetAndEndsTheLine() throws Exception {
    PipedOutputStream keys = new PipedOutputStream();
    PipedInputStream in = new PipedInputStream(keys);
    ByteArrayOutputStream screen = new ByteArrayOutputStream();
    Terminal terminal =
        TerminalBuilder.builder()
            .streams(in, screen)
            .type("xterm")
            // A terminal on the streams themselves, not a pseudo-terminal copied to them later.
            .provider("exec")
            .size(new Size(80, 24))
            .encoding(StandardCharsets.UTF_8)
            .build();
    Console.Interactive console =
        new Console.Interactive(terminal, new PrintWriter(new StringWriter()));
    Thread reader = new Thread(console::readLine, "typing");
    reader.setDaemon(true);
    reader.start();
    // The read has begun once it has turned bracketed paste on.
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> assertThat(screen.toString(StandardCharsets.UTF_8)).contains("\033[?2004h"));

    console.close();

    // Written by close() itself, before the terminal closes (a read that then ends, as one on
    // these streams does, cleans up after itself as well; one on a real terminal never ends).
    String shown = screen.toString(StandardCharsets.UTF_8);
    assertThat(shown.substring(shown.lastIndexOf("\033[?2004h")))
        .as(shown.replace("\033", "ESC"))
        .startsWith("\033[?2004h> \033[?1l\033>\033[?2004l\r\n");
  }
}
