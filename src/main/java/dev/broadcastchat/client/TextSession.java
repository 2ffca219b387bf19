package dev.broadcastchat.client;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * A chat with a server that accepted no subprotocol (the text protocol, as the teaching example
 * speaks it): each line typed is sent as it is, each frame is shown as it came (continuation lines
 * indented, control characters replaced). Only {@code /quit} is read locally. At the end of input
 * it waits (at most {@link JsonSession#DRAIN_TIMEOUT}) for the echo of each message it sent, a
 * frame ending {@code ": TEXT"}, then closes. A lost connection ends it with exit code 1: without
 * ids there is nothing to resume from.
 *
 * <p>Thread-safe: the input thread sends, the connection's thread shows and ends it.
 */
final class TextSession implements Session {
  static final Duration CLOSE_TIMEOUT = JsonSession.CLOSE_TIMEOUT;

  private final String shownUrl;
  private final Console console;
  private final CompletableFuture<Integer> exitCode = new CompletableFuture<>();
  private volatile Link link;
  private volatile boolean closing;

  /** The echoes still awaited, {@code ": TEXT"}, oldest first; guarded by this. */
  private final Deque<String> awaited = new ArrayDeque<>();

  private boolean closeSent;

  TextSession(String shownUrl, Console console) {
    this.shownUrl = shownUrl;
    this.console = console;
  }

  @Override
  public void start(Link first) {
    link = first;
    first.ended().thenAccept(this::onEnded);
    first.start(
        frame -> {
          console.show(EventFormat.indentContinuations(EventFormat.clean(frame)));
          echoed(frame);
        });
  }

  private synchronized void echoed(String frame) {
    if (!awaited.isEmpty() && frame.endsWith(awaited.peekFirst())) {
      awaited.pollFirst();
      if (closing && awaited.isEmpty()) {
        close();
      }
    }
  }

  @Override
  public void onLine(String line) {
    if (closing) {
      return;
    }
    if (line.strip().equalsIgnoreCase("/quit")) {
      onInputEnd();
      return;
    }
    synchronized (this) {
      // A command is not echoed as a message; "//text" is sent, and echoed, as "/text".
      if (!line.startsWith("/") || line.startsWith("//")) {
        awaited.addLast(": " + (line.startsWith("//") ? line.substring(1) : line));
      }
    }
    link.send(line);
  }

  @Override
  public synchronized void onInputEnd() {
    if (closing) {
      return;
    }
    closing = true;
    if (awaited.isEmpty()) {
      close();
    } else {
      CompletableFuture.delayedExecutor(JsonSession.DRAIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
          .execute(this::close);
    }
  }

  private synchronized void close() {
    if (closeSent) {
      return;
    }
    closeSent = true;
    Link closingLink = link;
    closingLink.close();
    CompletableFuture.delayedExecutor(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
        .execute(closingLink::abort);
  }

  @Override
  public CompletionStage<Integer> exitCode() {
    return exitCode;
  }

  private void onEnded(Link.Ended ended) {
    if (closing || ended.byUs()) {
      exitCode.complete(0);
      return;
    }
    console.error("connection to " + shownUrl + " lost (" + ended.describe() + ")");
    exitCode.complete(1);
  }
}
