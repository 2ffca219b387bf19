package dev.broadcastchat.server;

import dev.broadcastchat.bus.Bus;
import dev.broadcastchat.protocol.ServerEvent;
import dev.broadcastchat.room.Rooms;

/**
 * What every connection's session shares with all the others on a server. Sessions and their
 * handlers hold this one reference rather than one per service: each reference a connection holds
 * is paid for as many times as the server has connections.
 *
 * @param keepAlive the keepalive sweep, or null when pings are off
 * @param limiter what counted each connection when it opened, to be given its count back
 * @param plainSockets whether frames reach the socket as they are, with no handler (TLS) between
 *     the WebSocket encoder and the socket: then a session may write them to the socket itself
 */
record SessionServices(
    Rooms rooms,
    Bus bus,
    ServerConfig config,
    ServerMetrics metrics,
    Refusals refusals,
    GuestNames guestNames,
    KeepAlive keepAlive,
    ConnectionLimiter limiter,
    boolean plainSockets) {

  /** What a connection may send, as each welcome tells it; a rate of 0 is no limit. */
  ServerEvent.Limits limits() {
    int rate = config.rate();
    return new ServerEvent.Limits(rate, rate == 0 ? 0 : config.burst(), config.maxMessageBytes());
  }
}
