package dev.broadcastchat.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The JSON protocol ({@code chat.v1.json}): one object per frame with a {@code type}. Thread-safe.
 */
public final class JsonCodec {
  /** Longest {@code ref} a client may choose. */
  public static final int MAX_REF_LENGTH = 64;

  private static final ObjectMapper MAPPER =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  private static final JsonFactory FACTORY = MAPPER.getFactory();

  private JsonCodec() {}

  /** Renders {@code event} as UTF-8 JSON. */
  public static byte[] encode(ServerEvent event) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(128);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      write(g, event);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static void write(JsonGenerator g, ServerEvent event) throws IOException {
    g.writeStartObject();
    if (event instanceof ServerEvent.Welcome w) {
      g.writeStringField("type", "welcome");
      g.writeStringField("room", w.room());
      g.writeStringField("nick", w.nick());
      g.writeStringField("addr", w.addr());
      g.writeStringField("text", TextCodec.WELCOME);
      if (w.limits() != null) {
        g.writeObjectFieldStart("limits");
        g.writeNumberField("rate", w.limits().rate());
        g.writeNumberField("burst", w.limits().burst());
        g.writeNumberField("bytes", w.limits().messageBytes());
        g.writeEndObject();
      }
    } else if (event instanceof ServerEvent.Message m) {
      ChatMessage msg = m.message();
      g.writeStringField("type", "message");
      g.writeStringField("id", msg.id());
      g.writeStringField("room", msg.room());
      g.writeStringField("from", msg.from());
      g.writeStringField("addr", msg.addr());
      g.writeStringField("text", msg.text());
      g.writeNumberField("ts", msg.ts());
      g.writeBooleanField("action", msg.action());
      if (m.replay()) {
        g.writeBooleanField("replay", true);
      }
    } else if (event instanceof ServerEvent.Live) {
      g.writeStringField("type", "live");
    } else if (event instanceof ServerEvent.Gap gap) {
      g.writeStringField("type", "gap");
      g.writeStringField("since", gap.since());
      g.writeStringField("text", "older messages were missed");
    } else if (event instanceof ServerEvent.Ack a) {
      g.writeStringField("type", "ack");
      g.writeStringField("ref", a.ref());
      g.writeStringField("id", a.id());
    } else if (event instanceof ServerEvent.Presence p) {
      g.writeStringField("type", p.joined() ? "join" : "leave");
      g.writeStringField("room", p.room());
      writeStrings(g, "nicks", p.nicks());
      g.writeNumberField("count", p.count());
      g.writeNumberField("members", p.members());
    } else if (event instanceof ServerEvent.NickChange n) {
      g.writeStringField("type", "nick");
      g.writeStringField("room", n.room());
      g.writeStringField("from", n.from());
      g.writeStringField("to", n.to());
    } else if (event instanceof ServerEvent.Who w) {
      g.writeStringField("type", "who");
      g.writeStringField("room", w.room());
      writeStrings(g, "members", w.members());
      g.writeNumberField("count", w.count());
    } else if (event instanceof ServerEvent.Pong) {
      g.writeStringField("type", "pong");
    } else if (event instanceof ServerEvent.Error e) {
      g.writeStringField("type", "error");
      g.writeStringField("code", e.code().wireName());
      g.writeStringField("message", e.message());
      if (e.ref() != null) {
        g.writeStringField("ref", e.ref());
      }
    } else if (event instanceof ServerEvent.Notice n) {
      g.writeStringField("type", "notice");
      g.writeStringField("text", n.text());
    }
    g.writeEndObject();
  }

  private static void writeStrings(JsonGenerator g, String field, List<String> values)
      throws IOException {
    g.writeArrayFieldStart(field);
    for (String v : values) {
      g.writeString(v);
    }
    g.writeEndArray();
  }

  /** Parses one frame from a JSON client; never throws for bad input. */
  public static ClientCommand decode(String frame) {
    JsonNode node;
    try {
      node = MAPPER.readTree(frame);
    } catch (JsonProcessingException e) {
      return bad("not valid JSON");
    }
    if (node == null || !node.isObject()) {
      return bad("expected a JSON object");
    }
    JsonNode type = node.get("type");
    if (type == null || !type.isTextual()) {
      return bad("missing \"type\"");
    }
    return switch (type.asText()) {
      case "say" -> say(node);
      case "nick" -> {
        String nick = text(node, "nick");
        yield nick == null
            ? bad("\"nick\" needs a string \"nick\"")
            : new ClientCommand.SetNick(nick);
      }
      case "join" -> {
        String room = text(node, "room");
        yield room == null
            ? bad("\"join\" needs a string \"room\"")
            : new ClientCommand.JoinRoom(room);
      }
      case "who" -> new ClientCommand.Who();
      case "ping" -> new ClientCommand.Ping();
      default ->
          new ClientCommand.Invalid(
              ErrorCode.UNKNOWN_TYPE,
              "unknown type \"" + SafeText.clean(SafeText.shorten(type.asText(), 32)) + "\"");
    };
  }

  private static ClientCommand say(JsonNode node) {
    // The ref first, so that an error about the other fields can name the say it answers.
    JsonNode refNode = node.get("ref");
    String ref = null;
    if (refNode != null && !refNode.isNull()) {
      if (refNode.isTextual()) {
        ref = refNode.textValue();
      } else if (refNode.isIntegralNumber()) {
        // A counter sent as a number: its decimal digits, as exact as the text a client would send.
        ref = refNode.bigIntegerValue().toString();
      } else {
        return bad("\"ref\" must be a string");
      }
      if (ref.length() > MAX_REF_LENGTH) {
        return bad("\"ref\" is longer than " + MAX_REF_LENGTH + " characters");
      }
    }
    String text = text(node, "text");
    if (text == null) {
      return new ClientCommand.Invalid(ErrorCode.BAD_JSON, "\"say\" needs a string \"text\"", ref);
    }
    JsonNode action = node.get("action");
    if (action != null && !action.isNull() && !action.isBoolean()) {
      return new ClientCommand.Invalid(ErrorCode.BAD_JSON, "\"action\" must be true or false", ref);
    }
    return new ClientCommand.Say(text, ref, action != null && action.asBoolean());
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value != null && value.isTextual() ? value.asText() : null;
  }

  private static ClientCommand bad(String message) {
    return new ClientCommand.Invalid(ErrorCode.BAD_JSON, message);
  }
}
