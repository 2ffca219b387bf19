package dev.broadcastchat.server;

import io.netty.channel.unix.Errors;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.haproxy.HAProxyProtocolException;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.ssl.NotSslRecordException;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.Locale;
import javax.net.ssl.SSLException;

/**
 * Decides, in one place, which failures are an ordinary end of a connection (a peer that reset,
 * went away or sent something the protocol refuses): those are logged at DEBUG, anything else is a
 * bug worth a WARN.
 */
final class Disconnects {
  private Disconnects() {}

  static boolean isOrdinary(Throwable cause) {
    if (cause instanceof DecoderException && cause.getCause() instanceof SSLException) {
      // A TLS handshake that failed: a client that does not trust us, or speaks something else.
      return true;
    }
    if (cause instanceof SSLException
        || cause instanceof NotSslRecordException
        || cause instanceof HAProxyProtocolException
        || cause instanceof ClosedChannelException
        || cause instanceof Errors.NativeIoException
        || cause instanceof CorruptedWebSocketFrameException
        || cause instanceof CorruptedFrameException
        || cause instanceof TooLongFrameException
        // A connection closed half-way through a request: by the peer, or by the handshake
        // deadline (a slowloris).
        || cause instanceof PrematureChannelClosureException) {
      return true;
    }
    if (cause instanceof IOException) {
      String message = cause.getMessage();
      if (message == null) {
        return true;
      }
      String m = message.toLowerCase(Locale.ROOT);
      return m.contains("reset")
          || m.contains("broken pipe")
          || m.contains("closed")
          || m.contains("timed out");
    }
    return false;
  }
}
