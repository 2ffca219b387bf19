package dev.broadcastchat.bench;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.function.Consumer;

/**
 * Runs one bench scenario against a server and returns what it measured.
 *
 * <p>Each run owns its event loops (one thread per core by default) and closes them, and every
 * connection, before it returns: it ends by itself after the connect, warm-up, window and drain
 * times, each bounded.
 */
public final class Bench {
  /** The room every bench connection joins, unless the URL names one. */
  public static final String ROOM = "bench";

  private Bench() {}

  /**
   * Runs {@code config}'s scenario, telling {@code progress} a line of figures about once a second.
   *
   * @throws CannotConnectException if not one connection could be opened
   */
  public static BenchResult run(BenchConfig config, Consumer<String> progress)
      throws InterruptedException {
    try (BenchLoops loops = new BenchLoops(config.threads(), config.transport())) {
      return switch (config.scenario()) {
        case FANOUT, LATENCY -> new FanoutBench(config, loops, progress).run();
        case IDLE -> new IdleBench(config, loops, progress).run();
      };
    }
  }

  /** {@code url} with {@code room=bench} added to its query, unless it names a room already. */
  static URI withRoom(URI url) {
    String query = url.getRawQuery();
    if (query != null && ("&" + query).contains("&room=")) {
      return url;
    }
    String room = "room=" + ROOM;
    String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
    try {
      return new URI(
          url.getScheme()
              + "://"
              + url.getRawAuthority()
              + path
              + "?"
              + (query == null || query.isEmpty() ? room : query + "&" + room));
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("url: " + url + " (cannot add the room to it)", e);
    }
  }
}
