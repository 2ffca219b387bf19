/** Chat events as records, the text and JSON wire codecs, and command parsing. */
package dev.broadcastchat.protocol;
