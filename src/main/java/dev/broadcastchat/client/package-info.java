/** The command-line chat client: connection, terminal input and output. */
package dev.broadcastchat.client;
