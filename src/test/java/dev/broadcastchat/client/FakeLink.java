package dev.broadcastchat.client;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** A connection in memory: the test plays the server, frames sent are queued for it to read. */
final class FakeLink implements Link {
  final BlockingQueue<String> sent = new LinkedBlockingQueue<>();
  final CompletableFuture<Ended> ended = new CompletableFuture<>();
  final CompletableFuture<Void> closed = new CompletableFuture<>();
  private final String subprotocol;
  private final List<String> early = new ArrayList<>();
  private Consumer<String> sink;

  FakeLink(String subprotocol) {
    this.subprotocol = subprotocol;
  }

  static FakeLink json() {
    return new FakeLink("chat.v1.json");
  }

  /** The server sends {@code frame}; held, in order, until the session starts listening. */
  synchronized void deliver(String frame) {
    if (sink == null) {
      early.add(frame);
    } else {
      sink.accept(frame);
    }
  }

  /** The server closes with {@code code}. */
  void serverCloses(int code, String reason) {
    ended.complete(new Ended(code, reason, null, false));
  }

  /** The connection fails with {@code reason}, as when the server sends what cannot be read. */
  void breaks(String reason) {
    ended.complete(new Ended(1006, reason, new IOException(reason), false));
  }

  /** The next frame the client sent, waiting at most 10 s; null if none came. */
  String nextSent() throws InterruptedException {
    return sent.poll(10, TimeUnit.SECONDS);
  }

  @Override
  public String subprotocol() {
    return subprotocol;
  }

  @Override
  public synchronized void start(Consumer<String> s) {
    sink = s;
    early.forEach(s);
    early.clear();
  }

  @Override
  public CompletionStage<Ended> ended() {
    return ended;
  }

  @Override
  public void send(String text) {
    if (closed.isDone()) {
      throw new IllegalStateException("send after close: " + text);
    }
    sent.add(text);
  }

  /** Closing is answered at once, as a server does. */
  @Override
  public void close() {
    closed.complete(null);
    ended.complete(new Ended(1000, "", null, true));
  }

  @Override
  public void abort() {
    closed.complete(null);
    ended.complete(new Ended(1006, "aborted", null, true));
  }
}
