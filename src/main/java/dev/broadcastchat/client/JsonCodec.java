package dev.broadcastchat.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * The client's side of the JSON protocol (docs/PROTOCOL.md): reads server events, writes requests.
 * Unknown fields are ignored and unknown types decode as {@link ServerEvent.Unknown}, so a newer
 * server does not break an older client. Stateless and thread-safe.
 */
final class JsonCodec {
  private static final int MAX_QUOTED = 80;

  private final ObjectMapper mapper = new ObjectMapper();

  /**
   * Reads one frame.
   *
   * @throws MalformedEventException if it is not a JSON object with a known shape
   */
  ServerEvent decode(String frame) {
    JsonNode node;
    try {
      node = mapper.readTree(frame);
    } catch (JsonProcessingException e) {
      throw new MalformedEventException("not JSON: " + quote(frame), e);
    }
    if (node == null || !node.isObject()) {
      throw new MalformedEventException("not a JSON object: " + quote(frame));
    }
    String type = required(node, "type");
    return switch (type) {
      case "welcome" ->
          new ServerEvent.Welcome(
              required(node, "room"),
              optional(node, "nick"),
              optional(node, "addr"),
              optional(node, "text"),
              limits(node.get("limits")));
      case "message" ->
          new ServerEvent.Message(
              required(node, "id"),
              optional(node, "room"),
              required(node, "from"),
              optional(node, "addr"),
              required(node, "text"),
              node.path("ts").asLong(0),
              node.path("action").asBoolean(false),
              node.path("replay").asBoolean(false));
      case "live" -> new ServerEvent.Live();
      case "gap" -> new ServerEvent.Gap(optional(node, "since"), optional(node, "text"));
      case "ack" -> new ServerEvent.Ack(required(node, "ref"), required(node, "id"));
      case "join", "leave" -> presence(node, type.equals("join"));
      case "nick" ->
          new ServerEvent.NickChange(
              optional(node, "room"), required(node, "from"), required(node, "to"));
      case "who" -> {
        List<String> members = names(node, "members");
        yield new ServerEvent.Who(
            optional(node, "room"), members, node.path("count").asInt(members.size()));
      }
      case "pong" -> new ServerEvent.Pong();
      case "notice" -> new ServerEvent.Notice(required(node, "text"));
      case "error" ->
          new ServerEvent.Error(
              optional(node, "code"), optional(node, "message"), optional(node, "ref"));
      default -> new ServerEvent.Unknown(type);
    };
  }

  /** Writes one request as a frame. */
  String encode(ClientRequest request) {
    ObjectNode node = mapper.createObjectNode();
    if (request instanceof ClientRequest.Say say) {
      node.put("type", "say").put("text", say.text()).put("ref", say.ref());
      if (say.action()) {
        node.put("action", true);
      }
    } else if (request instanceof ClientRequest.SetNick nick) {
      node.put("type", "nick").put("nick", nick.nick());
    } else if (request instanceof ClientRequest.Join join) {
      node.put("type", "join").put("room", join.room());
    } else if (request instanceof ClientRequest.Who) {
      node.put("type", "who");
    } else if (request instanceof ClientRequest.Ping) {
      node.put("type", "ping");
    } else {
      throw new IllegalArgumentException("request: " + request + " (expected: a known type)");
    }
    return node.toString();
  }

  /** The limits a welcome announces, or null if it has none the client can use. */
  private static ServerEvent.Limits limits(JsonNode node) {
    if (node == null || !node.isObject()) {
      return null;
    }
    int rate = node.path("rate").asInt(0);
    int burst = node.path("burst").asInt(0);
    int bytes = node.path("bytes").asInt(0);
    if (rate < 0 || burst < 0 || bytes < 0 || (rate > 0 && burst < 1)) {
      return null;
    }
    return new ServerEvent.Limits(rate, burst, bytes);
  }

  private static ServerEvent.Presence presence(JsonNode node, boolean joined) {
    List<String> nicks = names(node, "nicks");
    return new ServerEvent.Presence(
        joined,
        optional(node, "room"),
        nicks,
        node.path("count").asInt(nicks.size()),
        node.path("members").asInt(-1));
  }

  private static List<String> names(JsonNode node, String field) {
    JsonNode array = node.path(field);
    if (!array.isArray()) {
      throw new MalformedEventException(
          field + ": " + quote(array.toString()) + " (expected: an array of names)");
    }
    List<String> names = new ArrayList<>(array.size());
    for (JsonNode name : array) {
      names.add(name.asText());
    }
    return names;
  }

  private static String required(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || !(value.isTextual() || value.isNumber())) {
      throw new MalformedEventException(
          field
              + ": "
              + (value == null ? "missing" : quote(value.toString()))
              + " in "
              + quote(node.toString()));
    }
    return value.asText();
  }

  private static String optional(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value == null || value.isNull() ? null : value.asText();
  }

  private static String quote(String text) {
    return text.length() <= MAX_QUOTED ? text : text.substring(0, MAX_QUOTED) + "...";
  }
}
