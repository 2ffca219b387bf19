package dev.broadcastchat.client;

import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A console whose output the test reads line by line; input goes to the session directly. */
final class FakeConsole implements Console {
  final BlockingQueue<String> shown = new LinkedBlockingQueue<>();
  final List<String> errors = new CopyOnWriteArrayList<>();
  final List<String> everything = new CopyOnWriteArrayList<>();

  @Override
  public String readLine() {
    return null;
  }

  @Override
  public void show(String text) {
    everything.add(text);
    shown.add(text);
  }

  @Override
  public void error(String text) {
    everything.add(text);
    errors.add(text);
  }

  /** The next line shown on stdout, waiting at most 10 s; null if none came. */
  String nextShown() throws InterruptedException {
    return shown.poll(10, TimeUnit.SECONDS);
  }

  @Override
  public void close() {}
}
