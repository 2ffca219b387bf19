/**
 * The command line: parses options and environment, starts the right thing, maps outcomes to exit
 * codes.
 */
package dev.broadcastchat.cli;
