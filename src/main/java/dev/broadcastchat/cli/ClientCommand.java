package dev.broadcastchat.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "client", mixinStandardHelpOptions = true, description = "Chat from the terminal.")
final class ClientCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    return 0;
  }
}
