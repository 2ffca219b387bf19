/** The message bus: sequencing, history and resume, in memory or shared through Redis. */
package dev.broadcastchat.bus;
