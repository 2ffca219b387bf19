package dev.broadcastchat.client;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.jline.utils.InfoCmp;

/**
 * Where the client reads typed lines and shows what arrives. {@link #show} and {@link #error} may
 * be called from any thread while another thread waits in {@link #readLine}.
 */
public interface Console extends AutoCloseable {

  /** The next line typed, or {@code null} at the end of input. */
  String readLine();

  /** Shows one received message or notice. */
  void show(String text);

  /** Shows a problem (on stderr when plain). */
  void error(String text);

  @Override
  void close();

  /**
   * A console for a terminal (JLine: the line being typed stays intact while messages print above
   * it) when both stdin and stdout are terminals, else plain lines for scripts.
   */
  static Console open(InputStream in, PrintWriter out, PrintWriter err) {
    if (System.console() != null) {
      try {
        return new Interactive(TerminalBuilder.builder().system(true).build(), err);
      } catch (IOException | RuntimeException e) {
        // No usable terminal after all: fall back to plain lines.
      }
    }
    return new Plain(in, out, err);
  }

  /** Plain lines: one per message, flushed at once, for pipes and scripts. */
  final class Plain implements Console {
    private final BufferedReader in;
    private final PrintWriter out;
    private final PrintWriter err;

    Plain(InputStream in, PrintWriter out, PrintWriter err) {
      this.in = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      this.out = out;
      this.err = err;
    }

    @Override
    public String readLine() {
      try {
        return in.readLine();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public synchronized void show(String text) {
      out.println(text);
      out.flush();
    }

    @Override
    public synchronized void error(String text) {
      err.println(text);
      err.flush();
    }

    @Override
    public void close() {
      out.flush();
      err.flush();
    }
  }

  /** A JLine terminal: arriving messages print above the prompt. */
  final class Interactive implements Console {
    /** Turns bracketed paste off, as the line reader does when a read ends. */
    private static final String BRACKETED_PASTE_OFF = "\033[?2004l";

    /** Leaves keypad transmit mode, where the terminal has one (as xterm's {@code rmkx}). */
    private static final String KEYPAD_OFF = "\033[?1l\033>";

    private final Terminal terminal;
    private final LineReader reader;
    private final PrintWriter err;

    /** Whether a thread waits in {@link #readLine}, with the terminal in its line-editing modes. */
    private volatile boolean reading;

    Interactive(Terminal terminal, PrintWriter err) {
      this.terminal = terminal;
      this.reader = LineReaderBuilder.builder().terminal(terminal).build();
      this.err = err;
    }

    @Override
    public String readLine() {
      reading = true;
      try {
        return reader.readLine("> ");
      } catch (EndOfFileException | UserInterruptException e) {
        return null;
      } finally {
        reading = false;
      }
    }

    @Override
    public void show(String text) {
      reader.printAbove(text);
    }

    @Override
    public void error(String text) {
      reader.printAbove(text);
      err.flush();
    }

    @Override
    public void close() {
      try {
        if (reading) {
          // The session ended on its own while a line was being typed: the read never ends, so
          // leave the modes it set (bracketed paste, keypad) and its line here, for the shell.
          // Straight to the terminal's output: its writer is the line reader's, mid-read.
          String reset =
              terminal.getStringCapability(InfoCmp.Capability.keypad_local) == null
                  ? BRACKETED_PASTE_OFF + System.lineSeparator()
                  : KEYPAD_OFF + BRACKETED_PASTE_OFF + System.lineSeparator();
          terminal.output().write(reset.getBytes(terminal.encoding()));
          terminal.output().flush();
        }
        terminal.close();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
