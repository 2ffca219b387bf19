package dev.broadcastchat.cli;

import dev.broadcastchat.client.ChatClient;
import dev.broadcastchat.client.Console;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code chat client}: chat from the terminal or a script. */
@Command(
    name = "client",
    mixinStandardHelpOptions = true,
    description = {
      "Chat from the terminal: each line typed is sent, each message received is shown.",
      "With stdin not a terminal it reads lines and prints plainly; at the end of input it",
      "closes normally and exits 0. A refused or lost connection exits 1."
    })
final class ClientCommand implements Callable<Integer> {
  static final String DEFAULT_URL = "ws://127.0.0.1:8080/";

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(
      index = "0",
      arity = "0..1",
      defaultValue = DEFAULT_URL,
      description = "Server URL, ws:// or wss:// (default: ${DEFAULT-VALUE}).")
  String url;

  @Override
  public Integer call() throws InterruptedException {
    URI uri = parseUrl(url);
    CommandLine cl = spec.commandLine();
    try (Console console = Console.open(System.in, cl.getOut(), cl.getErr())) {
      return new ChatClient(uri, console).run();
    }
  }

  static URI parseUrl(String url) {
    try {
      URI uri = new URI(url);
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if (!scheme.equals("ws") && !scheme.equals("wss") || uri.getHost() == null) {
        throw new UsageException("url: " + url + " (expected: ws://HOST:PORT/ or wss://...)");
      }
      return uri.getPath() == null || uri.getPath().isEmpty() ? uri.resolve("/") : uri;
    } catch (URISyntaxException e) {
      throw new UsageException("url: " + url + " (expected: ws://HOST:PORT/ or wss://...)");
    }
  }
}
