package dev.broadcastchat.bench;

import java.util.Locale;

/** What a bench run measures. */
public enum Scenario {
  /** Many clients in one room, a few of them sending closed-loop: throughput and latency. */
  FANOUT,
  /** As {@link #FANOUT}, each sender at a fixed rate (open loop): latency under a given load. */
  LATENCY,
  /** Many idle connections: how fast they are accepted and what each costs the server. */
  IDLE;

  /** The name users type: {@code fanout}, {@code latency}, {@code idle}. */
  public String cliName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
