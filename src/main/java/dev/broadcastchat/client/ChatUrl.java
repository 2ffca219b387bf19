package dev.broadcastchat.client;

import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Builds connection URLs: sets query parameters ({@code nick}, {@code room}, {@code since}) on a
 * server URL, keeping the parameters it already has.
 */
public final class ChatUrl {
  private ChatUrl() {}

  /**
   * {@code url} with each parameter of {@code params} set to its value (URL-encoded), replacing any
   * parameter of that name already there; a null value leaves that name alone. Other parameters
   * keep their place and their encoding; the new ones follow in the map's order.
   */
  static URI withParams(URI url, Map<String, String> params) {
    List<String> parts = new ArrayList<>();
    String query = url.getRawQuery();
    if (query != null && !query.isEmpty()) {
      for (String part : query.split("&")) {
        if (!part.isEmpty() && !replaced(part, params)) {
          parts.add(part);
        }
      }
    }
    params.forEach(
        (name, value) -> {
          if (value != null) {
            parts.add(encode(name) + "=" + encode(value));
          }
        });
    StringBuilder sb = new StringBuilder(url.getScheme()).append("://");
    sb.append(url.getRawAuthority());
    String path = url.getRawPath();
    sb.append(path == null || path.isEmpty() ? "/" : path);
    if (!parts.isEmpty()) {
      sb.append('?').append(String.join("&", parts));
    }
    return URI.create(sb.toString());
  }

  /**
   * {@code url} as messages show it: a {@code token} parameter's value is a credential, and lines
   * on stderr end up in logs and scrollback, so it is shown as {@code ***}.
   */
  static String shown(URI url) {
    return shown(url.toString());
  }

  /** The same for a URL as it was typed, which need not parse. */
  public static String shown(String url) {
    int query = url.indexOf('?');
    if (query < 0) {
      return url;
    }
    int fragment = url.indexOf('#', query);
    int end = fragment < 0 ? url.length() : fragment;
    List<String> parts = new ArrayList<>();
    for (String part : url.substring(query + 1, end).split("&", -1)) {
      int eq = part.indexOf('=');
      String name = eq < 0 ? part : part.substring(0, eq);
      parts.add(decode(name).equals("token") ? name + "=***" : part);
    }
    return url.substring(0, query + 1) + String.join("&", parts) + url.substring(end);
  }

  private static boolean replaced(String part, Map<String, String> params) {
    int eq = part.indexOf('=');
    String name = decode(eq < 0 ? part : part.substring(0, eq));
    return params.get(name) != null;
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static String decode(String s) {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return s;
    }
  }
}
