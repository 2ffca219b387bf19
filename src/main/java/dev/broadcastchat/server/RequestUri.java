package dev.broadcastchat.server;

import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A request's path and query parameters, decoded the same way wherever they are read. A {@code ;}
 * is part of a value, not a separator between parameters: {@code ?room=a;b} asks for the room
 * {@code a;b}, which is refused as a bad name, rather than quietly for the room {@code a}.
 */
final class RequestUri {
  /** As many parameters as Netty's decoder reads by default; later ones are ignored. */
  private static final int MAX_PARAMS = 1024;

  private RequestUri() {}

  /**
   * {@code uri} decoded, or {@code null} if a percent-escape in its path or query is malformed
   * ({@code %zz}, a lone {@code %}): Netty's decoder throws on those, which must be answered where
   * the request comes in, not met deep in a handler.
   */
  static QueryStringDecoder decode(String uri) {
    QueryStringDecoder decoder =
        new QueryStringDecoder(uri, StandardCharsets.UTF_8, true, MAX_PARAMS, true);
    try {
      decoder.path();
      decoder.parameters();
      return decoder;
    } catch (IllegalArgumentException malformed) {
      return null;
    }
  }

  /** The first value of the parameter {@code name}, or {@code null} if there is none. */
  static String param(QueryStringDecoder query, String name) {
    List<String> values = query.parameters().get(name);
    return values == null || values.isEmpty() ? null : values.get(0);
  }
}
