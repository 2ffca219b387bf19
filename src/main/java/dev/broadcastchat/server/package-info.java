/**
 * The Netty server: bootstrap and lifecycle, the HTTP side, the WebSocket handshake and sessions.
 */
package dev.broadcastchat.server;
