package dev.broadcastchat.cli;

import dev.broadcastchat.server.SecurityConfig;
import dev.broadcastchat.server.Tokens;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code chat token}: prints a signed token for a server started with {@code --auth-secret}. */
@Command(
    name = "token",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    sortOptions = false,
    description =
        "Print a token (JWT HS256) that lets its holder into a server run with --auth-secret.",
    footer = {
      "",
      "Pass it as ws://HOST:PORT/?token=..., an 'Authorization: Bearer ...' header or a",
      "chat_token cookie."
    })
final class TokenCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--secret",
      defaultValue = "${env:CHAT_AUTH_SECRET}",
      description = "The server's --auth-secret (default: env CHAT_AUTH_SECRET).")
  String secret;

  @Option(
      names = "--sub",
      required = true,
      description = "The subject: the nick its holder chats as.")
  String subject;

  @Option(
      names = "--rooms",
      split = ",",
      description = "Comma-separated rooms the token allows (default: any room).")
  List<String> rooms = List.of();

  @Option(
      names = "--ttl",
      defaultValue = "1h",
      converter = DurationConverter.class,
      description = "How long the token is valid (default: ${DEFAULT-VALUE}).")
  Duration ttl;

  @Override
  public Integer call() {
    if (secret == null || secret.isEmpty()) {
      throw new UsageException("--secret: missing (expected: the server's --auth-secret)");
    }
    if (ttl.isNegative() || ttl.isZero()) {
      throw new UsageException("--ttl: " + ttl + " (expected: > 0)");
    }
    String token;
    try {
      SecurityConfig.DEFAULTS.withAuthSecret(secret); // the same rules as the server's
      token = Tokens.mint(secret, subject, rooms, ttl, Instant.now());
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
    PrintWriter out = spec.commandLine().getOut();
    out.println(token);
    out.flush();
    return 0;
  }
}
