package dev.broadcastchat.cli;

import dev.broadcastchat.client.ChatClient;
import dev.broadcastchat.client.ChatUrl;
import dev.broadcastchat.client.ClientConfig;
import dev.broadcastchat.client.Console;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code chat client}: chat from the terminal or a script. */
@Command(
    name = "client",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    sortOptions = false,
    description = {
      "Chat from the terminal: each line typed is sent, each message received is shown.",
      "Commands: /nick NAME, /join ROOM, /who, /me ACTION, /help, /quit; //text sends /text.",
      "With stdin not a terminal it reads lines and prints plainly; at the end of input it waits",
      "until the server has confirmed what was sent, closes normally and exits 0 (1 if a",
      "message was refused or stayed unconfirmed). It sends no faster than the server allows."
    },
    footer = {
      "",
      "Speaks the JSON protocol (chat.v1.json) and falls back to plain text when the server",
      "does not. A lost connection is retried, resuming after the last message shown, for",
      "--reconnect-timeout; a refused first connection, or giving up, exits 1."
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

  @Option(
      names = "--nick",
      defaultValue = "${env:CHAT_NICK}",
      description = "Nick to take (default: none, shown as ip:port; env CHAT_NICK).")
  String nick;

  @Option(
      names = "--room",
      defaultValue = "${env:CHAT_ROOM}",
      description = "Room to join (default: lobby; env CHAT_ROOM).")
  String room;

  @Option(
      names = "--reconnect-timeout",
      defaultValue = "${env:CHAT_RECONNECT_TIMEOUT:-2m}",
      converter = DurationConverter.class,
      description =
          "How long a lost connection is retried before giving up, 0 to give up at once"
              + " (default: ${DEFAULT-VALUE}; env CHAT_RECONNECT_TIMEOUT).")
  Duration reconnectTimeout;

  @Option(
      names = "--insecure",
      defaultValue = "${env:CHAT_INSECURE:-false}",
      description =
          "With wss://, accept any certificate and host name (a self-signed test server);"
              + " never for a real server (default: ${DEFAULT-VALUE}; env CHAT_INSECURE).")
  boolean insecure;

  @Override
  public Integer call() throws InterruptedException {
    ClientConfig config = config();
    CommandLine cl = spec.commandLine();
    try (Console console = Console.open(System.in, cl.getOut(), cl.getErr())) {
      return new ChatClient(config, console).run();
    }
  }

  ClientConfig config() {
    try {
      return new ClientConfig(parseUrl(url), nick, room, reconnectTimeout, insecure);
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
  }

  static URI parseUrl(String url) {
    try {
      URI uri = new URI(url);
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if (!scheme.equals("ws") && !scheme.equals("wss")
          || uri.getHost() == null
          || uri.getPort() == 0
          || uri.getPort() > 65535
          || uri.getRawFragment() != null) {
        throw new UsageException(
            "url: " + ChatUrl.shown(url) + " (expected: ws://HOST:PORT/ or wss://...)");
      }
      if (uri.getRawPath() == null || uri.getRawPath().isEmpty()) {
        String query = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
        return URI.create(uri.getScheme() + "://" + uri.getRawAuthority() + "/" + query);
      }
      return uri;
    } catch (URISyntaxException e) {
      throw new UsageException(
          "url: " + ChatUrl.shown(url) + " (expected: ws://HOST:PORT/ or wss://...)");
    }
  }
}
