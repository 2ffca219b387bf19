package dev.broadcastchat.protocol;

import java.util.Locale;

/** The two wire protocols a connection may speak, chosen by its WebSocket subprotocol. */
public enum WireProtocol {
  /** Plain text frames; what a client that asks for no subprotocol gets. */
  TEXT,
  /** One JSON object per frame, subprotocol {@value #JSON_SUBPROTOCOL}. */
  JSON;

  /** The subprotocol name that selects {@link #JSON}. */
  public static final String JSON_SUBPROTOCOL = "chat.v1.json";

  private final String logName = name().toLowerCase(Locale.ROOT);

  /** The protocol's name as log lines show it: {@code text} or {@code json}. */
  public String logName() {
    return logName;
  }

  /** The protocol for a negotiated subprotocol ({@code null} or empty means none). */
  public static WireProtocol forSubprotocol(String subprotocol) {
    return JSON_SUBPROTOCOL.equals(subprotocol) ? JSON : TEXT;
  }
}
