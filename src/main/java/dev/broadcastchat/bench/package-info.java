/**
 * The load generator: many WebSocket connections to any server that speaks the text protocol,
 * measuring what it delivers, how fast and how late, and what it loses.
 */
package dev.broadcastchat.bench;
