package dev.broadcastchat.bus;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.broadcastchat.protocol.ChatMessage;
import dev.broadcastchat.protocol.ServerEvent;
import java.util.ArrayList;
import java.util.List;

/**
 * What travels through Redis, as JSON: stored messages (made by the publish script, {@code
 * "t":"m"}) and the events published beside them on a room's channel, presence ({@code "t":"p"})
 * and nick changes ({@code "t":"n"}). Stateless and thread-safe.
 */
final class BusPayloads {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** A payload read back from Redis. */
  sealed interface Heard {
    String room();
  }

  /** A sequenced message. */
  record HeardMessage(ChatMessage message) implements Heard {
    @Override
    public String room() {
      return message.room();
    }
  }

  /**
   * A presence or nick event.
   *
   * @param from the node whose own members the event is not for (presence.lua announces a node's
   *     members as joined again to the others only), or empty
   */
  record HeardEvent(String room, ServerEvent event, String from) implements Heard {}

  private BusPayloads() {}

  /**
   * Decodes a payload from a room's channel or stream.
   *
   * @throws IllegalArgumentException if it is not one of ours
   */
  static Heard decode(String json) {
    JsonNode node = parse(json);
    String type = node.path("t").asText();
    return switch (type) {
      case "m" -> new HeardMessage(message(node, json));
      case "p" -> {
        List<String> nicks = new ArrayList<>();
        node.path("nicks").forEach(n -> nicks.add(n.asText()));
        String room = text(node, "room", json);
        yield new HeardEvent(
            room,
            new ServerEvent.Presence(
                room,
                node.path("joined").asBoolean(),
                nicks,
                node.path("count").asInt(),
                node.path("members").asInt()),
            node.path("from").asText(""));
      }
      case "n" -> {
        String room = text(node, "room", json);
        yield new HeardEvent(
            room,
            new ServerEvent.NickChange(room, text(node, "from", json), text(node, "to", json)),
            "");
      }
      default -> throw new IllegalArgumentException("bus payload: unknown type in " + json);
    };
  }

  /**
   * Decodes a stored message.
   *
   * @throws IllegalArgumentException if it is not one
   */
  static ChatMessage message(String json) {
    return message(parse(json), json);
  }

  private static ChatMessage message(JsonNode node, String json) {
    if (!node.path("seq").canConvertToLong() || !node.path("ts").canConvertToLong()) {
      throw new IllegalArgumentException("bus payload: message without seq or ts: " + json);
    }
    return new ChatMessage(
        text(node, "id", json),
        node.path("seq").asLong(),
        text(node, "room", json),
        text(node, "from", json),
        text(node, "addr", json),
        text(node, "text", json),
        node.path("ts").asLong(),
        node.path("action").asBoolean());
  }

  /**
   * A presence event with its {@code members} value left off: the presence script appends the
   * room's size across every node and the closing brace.
   */
  static String presenceWithoutMembers(ServerEvent.Presence presence) {
    ObjectNode node = MAPPER.createObjectNode();
    node.put("t", "p");
    node.put("room", presence.room());
    node.put("joined", presence.joined());
    ArrayNode nicks = node.putArray("nicks");
    presence.nicks().forEach(nicks::add);
    node.put("count", presence.count());
    String json = node.toString();
    return json.substring(0, json.length() - 1) + ",\"members\":";
  }

  /** A nick change, whole. */
  static String nickChange(ServerEvent.NickChange change) {
    ObjectNode node = MAPPER.createObjectNode();
    node.put("t", "n");
    node.put("room", change.room());
    node.put("from", change.from());
    node.put("to", change.to());
    return node.toString();
  }

  /** The epoch part of a message id ({@code EPOCH-SEQ}). */
  static String epochOf(String id) {
    int dash = id.lastIndexOf('-');
    return dash <= 0 ? "" : id.substring(0, dash);
  }

  private static JsonNode parse(String json) {
    try {
      JsonNode node = MAPPER.readTree(json);
      if (node == null || !node.isObject()) {
        throw new IllegalArgumentException("bus payload: not a JSON object: " + json);
      }
      return node;
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("bus payload: not JSON: " + json, e);
    }
  }

  private static String text(JsonNode node, String field, String json) {
    JsonNode value = node.get(field);
    if (value == null || !value.isValueNode() || value.isNull()) {
      throw new IllegalArgumentException("bus payload: no " + field + " in " + json);
    }
    return value.asText();
  }
}
