/** Rooms, their members per event loop, encode-once fan-out and presence. */
package dev.broadcastchat.room;
