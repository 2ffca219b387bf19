package dev.broadcastchat.client;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The interactive client: sends each line typed, shows each message received.
 *
 * <p>{@link #run} blocks until the input ends (exit 0 after a normal close) or the server goes away
 * (exit 1). Typed lines are read on a daemon thread of their own.
 */
public final class ChatClient {
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

  /** How long the client waits for the server to answer its close. */
  static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

  /** Continuation lines of a multi-line message are indented so none passes for another sender. */
  static final String CONTINUATION_INDENT = "    ";

  private final URI uri;
  private final Console console;

  public ChatClient(URI uri, Console console) {
    this.uri = uri;
    this.console = console;
  }

  /**
   * Connects, chats until input ends or the connection is lost, and returns the exit code.
   *
   * @throws ConnectFailure if the first connection cannot be opened
   */
  public int run() throws InterruptedException {
    Connection connection = Connection.open(uri, this::showMessage, CONNECT_TIMEOUT);
    CompletableFuture<Void> inputEnded = new CompletableFuture<>();
    Thread reader = new Thread(() -> readInput(connection, inputEnded), "chat-input");
    reader.setDaemon(true);
    reader.start();

    CompletableFuture<Connection.Ended> ended = connection.ended().toCompletableFuture();
    CompletableFuture.anyOf(inputEnded, ended).join();
    if (!ended.isDone()) {
      connection.close();
      try {
        ended.get(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException | ExecutionException e) {
        connection.abort();
      }
      return 0;
    }
    Connection.Ended end = ended.join();
    if (end.byUs()) {
      return 0;
    }
    console.error(describeLoss(end));
    return 1;
  }

  private void readInput(Connection connection, CompletableFuture<Void> inputEnded) {
    try {
      String line;
      while ((line = console.readLine()) != null) {
        connection.send(line);
      }
    } finally {
      inputEnded.complete(null);
    }
  }

  private String describeLoss(Connection.Ended end) {
    StringBuilder sb = new StringBuilder("connection to ").append(uri).append(" lost: ");
    if (end.error() != null) {
      sb.append(end.reason());
    } else {
      sb.append("closed by the server (").append(end.code());
      if (end.reason() != null && !end.reason().isEmpty()) {
        sb.append(' ').append(end.reason());
      }
      sb.append(')');
    }
    return sb.toString();
  }

  private void showMessage(String message) {
    console.show(indentContinuations(message));
  }

  /** Indents every line after the first, so a multi-line message cannot fake another sender. */
  static String indentContinuations(String message) {
    if (message.indexOf('\n') < 0 && message.indexOf('\r') < 0) {
      return message;
    }
    String[] lines = message.split("\r\n|\r|\n", -1);
    StringBuilder sb = new StringBuilder(lines[0]);
    for (int i = 1; i < lines.length; i++) {
      sb.append('\n').append(CONTINUATION_INDENT).append(lines[i]);
    }
    return sb.toString();
  }
}
