package dev.broadcastchat.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** Why a connection could not be opened, in one line a person can act on. */
class ConnectionTest {

  @Test
  void aServerThatClosesWithoutAnsweringIsSaidSoWithAHintForWs() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      // Every connection's request is read whole, then the connection closed unanswered, as a TLS
      // server closes plain ones (the JDK's client tries such a request twice).
      Thread closer =
          new Thread(
              () -> {
                while (true) {
                  try (Socket s = server.accept()) {
                    byte[] request = new byte[4096];
                    int read = 0;
                    while (!new String(request, 0, read, StandardCharsets.ISO_8859_1)
                        .contains("\r\n\r\n")) {
                      read += s.getInputStream().read(request, read, request.length - read);
                    }
                  } catch (java.io.IOException closed) {
                    return;
                  }
                }
              });
      closer.setDaemon(true);
      closer.start();
      URI url = URI.create("ws://127.0.0.1:" + server.getLocalPort() + "/");
      Throwable failure =
          catchThrowable(
              () ->
                  Connection.open(
                          HttpClient.newHttpClient(), url, List.of(), Duration.ofSeconds(10))
                      .join());

      assertThat(failure).isInstanceOf(CompletionException.class);
      assertThat(failure.getCause())
          .isInstanceOf(ConnectFailure.class)
          .hasMessage(
              "cannot connect to "
                  + url
                  + ": the server closed the connection without answering"
                  + " (is it a wss:// server?)");
    }
  }
}
