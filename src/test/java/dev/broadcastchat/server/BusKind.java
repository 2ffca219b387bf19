package dev.broadcastchat.server;

/**
 * The bus a test server runs with. The room, history and resume suites run once with each, so that
 * the Redis bus is held to exactly what the in-memory bus does.
 */
enum BusKind {
  /** The single-node bus, the default. */
  MEMORY,
  /**
   * The Redis bus, against a redis-server shared by the test run (each server under a prefix of its
   * own).
   */
  REDIS
}
