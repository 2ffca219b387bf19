package dev.broadcastchat.server;

import dev.broadcastchat.bus.Bus;
import dev.broadcastchat.room.Rooms;

/**
 * What every connection's session shares with all the others on a server. Sessions and their
 * handlers hold this one reference rather than one per service: each reference a connection holds
 * is paid for as many times as the server has connections.
 *
 * @param keepAlive the keepalive sweep, or null when pings are off
 * @param limiter what counted each connection when it opened, to be given its count back
 */
record SessionServices(
    Rooms rooms,
    Bus bus,
    ServerConfig config,
    ServerMetrics metrics,
    Refusals refusals,
    GuestNames guestNames,
    KeepAlive keepAlive,
    ConnectionLimiter limiter) {}
