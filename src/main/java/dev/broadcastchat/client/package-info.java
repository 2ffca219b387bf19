/**
 * The command-line chat client: the JSON protocol with resume and reconnects, the plain-text
 * fallback, the connection, terminal input and output.
 */
package dev.broadcastchat.client;
