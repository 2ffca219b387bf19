package dev.broadcastchat.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code chat} command and its subcommands.
 *
 * <p>Exit codes: 0 normal end, 1 a runtime failure, 2 a bad option or value (one line on stderr
 * naming it, nothing started).
 */
@Command(
    name = "chat",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "A WebSocket chat server and its clients.",
    subcommands = {
      ServerCommand.class,
      ClientCommand.class,
      BenchCommand.class,
      TokenCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Main implements Runnable {

  /** Exit code for a runtime failure. */
  public static final int EXIT_FAILURE = 1;

  /** Exit code for a bad option or value. */
  public static final int EXIT_USAGE = 2;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    int code = EXIT_FAILURE;
    try {
      code = run(args);
    } catch (Throwable t) {
      // An error the commands do not handle (a class that can no longer be loaded because the jar
      // was overwritten under the running process, say). Without the exit below the server's event
      // loops, which are not daemon threads, would keep the process alive with nothing serving.
      System.err.println("chat: unexpected failure, exiting");
      t.printStackTrace();
    } finally {
      System.exit(code);
    }
  }

  /** Runs the command line and returns its exit code instead of exiting; tests call this. */
  public static int run(String... args) {
    return newCommandLine().execute(args);
  }

  static CommandLine newCommandLine() {
    CommandLine cl = new CommandLine(new Main());
    cl.setParameterExceptionHandler(Main::onBadParameter);
    cl.setExecutionExceptionHandler(Main::onFailure);
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    return cl;
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  private static int onBadParameter(CommandLine.ParameterException ex, String[] args) {
    PrintWriter err = ex.getCommandLine().getErr();
    err.println("chat: " + ex.getMessage());
    err.flush();
    return EXIT_USAGE;
  }

  private static int onFailure(Exception ex, CommandLine cl, CommandLine.ParseResult parseResult) {
    PrintWriter err = cl.getErr();
    if (ex instanceof UsageException) {
      err.println("chat: " + ex.getMessage());
      err.flush();
      return EXIT_USAGE;
    }
    String message = ex.getMessage() == null ? ex.toString() : ex.getMessage();
    err.println("chat: " + message);
    err.flush();
    return EXIT_FAILURE;
  }
}
