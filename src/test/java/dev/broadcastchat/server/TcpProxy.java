package dev.broadcastchat.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP relay on a loopback port in front of a server, standing for the network between a browser
 * and the server: it can {@link #cut} every connection at once and refuse new ones (a dropped
 * network, while the server keeps running), or {@link #blackhole} them (a connection that died
 * without either end being told).
 *
 * <p>Thread-safe: a daemon thread accepts, two more per connection copy bytes.
 */
final class TcpProxy implements AutoCloseable {
  private final ServerSocket listener;
  private final int targetPort;
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private volatile boolean refusing;
  private volatile boolean blackholed;

  TcpProxy(int targetPort) {
    this.targetPort = targetPort;
    try {
      listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Thread acceptor = new Thread(this::accept, "proxy-accept-" + port());
    acceptor.setDaemon(true);
    acceptor.start();
  }

  int port() {
    return listener.getLocalPort();
  }

  /** Resets every open connection and refuses new ones until {@link #restore}. */
  void cut() {
    refusing = true;
    for (Socket socket : sockets) {
      reset(socket);
    }
  }

  /** Drops every byte in both directions, of open and new connections, until {@link #restore}. */
  void blackhole() {
    blackholed = true;
  }

  /** Relays again. */
  void restore() {
    refusing = false;
    blackholed = false;
  }

  @Override
  public void close() {
    refusing = true;
    try {
      listener.close();
    } catch (IOException e) {
      // Closing anyway.
    }
    for (Socket socket : sockets) {
      reset(socket);
    }
  }

  private void accept() {
    while (!listener.isClosed()) {
      Socket client;
      try {
        client = listener.accept();
      } catch (IOException e) {
        return;
      }
      if (refusing) {
        reset(client);
        continue;
      }
      Socket server = new Socket();
      try {
        server.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), 5000);
      } catch (IOException e) {
        reset(client);
        reset(server);
        continue;
      }
      sockets.add(client);
      sockets.add(server);
      pump(client, server);
      pump(server, client);
    }
  }

  private void pump(Socket from, Socket to) {
    Thread thread =
        new Thread(
            () -> {
              byte[] buffer = new byte[16 * 1024];
              try (InputStream in = from.getInputStream();
                  OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                  if (!blackholed) {
                    out.write(buffer, 0, n);
                    out.flush();
                  }
                }
              } catch (IOException e) {
                // One side went away: so does the other.
              } finally {
                reset(from);
                reset(to);
              }
            },
            "proxy-pump");
    thread.setDaemon(true);
    thread.start();
  }

  private void reset(Socket socket) {
    sockets.remove(socket);
    try {
      if (!socket.isClosed()) {
        socket.setSoLinger(true, 0);
      }
      socket.close();
    } catch (IOException e) {
      // Already gone.
    }
  }
}
