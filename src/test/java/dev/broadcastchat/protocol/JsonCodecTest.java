package dev.broadcastchat.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JsonCodecTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private static JsonNode encoded(ServerEvent event) throws IOException {
    byte[] bytes = JsonCodec.encode(event);
    // Every frame is UTF-8 JSON, one object.
    JsonNode node = MAPPER.readTree(new String(bytes, StandardCharsets.UTF_8));
    assertThat(node.isObject()).as("encoded %s is an object", event).isTrue();
    return node;
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }

  private static List<String> strings(JsonNode array) {
    assertThat(array.isArray()).as("%s is an array", array).isTrue();
    List<String> values = new ArrayList<>();
    array.forEach(v -> values.add(v.textValue()));
    return values;
  }

  private static ChatMessage message(boolean action) {
    return new ChatMessage(
        "k2x9f0-42",
        42,
        "lobby",
        "alice",
        "127.0.0.1:50312",
        "hello \"you\" <b>&</b>\nsecond line é 😀",
        1_764_096_000_123L,
        action);
  }

  private static ClientCommand.Invalid invalid(String frame) {
    ClientCommand command = JsonCodec.decode(frame);
    assertThat(command).as("decode(%s)", frame).isInstanceOf(ClientCommand.Invalid.class);
    return (ClientCommand.Invalid) command;
  }

  // --- decode: every client type -------------------------------------------------------------

  @Test
  void decodesSayWithTextAndRef() {
    assertThat(JsonCodec.decode("{\"type\":\"say\",\"text\":\"hello\",\"ref\":\"c1-17\"}"))
        .isEqualTo(new ClientCommand.Say("hello", "c1-17", false));
  }

  @Test
  void decodesSayWithoutRefAsNoRef() {
    assertThat(JsonCodec.decode("{\"type\":\"say\",\"text\":\"hello\"}"))
        .isEqualTo(new ClientCommand.Say("hello", null, false));
    assertThat(JsonCodec.decode("{\"type\":\"say\",\"text\":\"hello\",\"ref\":null}"))
        .isEqualTo(new ClientCommand.Say("hello", null, false));
  }

  @Test
  void decodesSayWithActionAsAnAction() {
    assertThat(JsonCodec.decode("{\"type\":\"say\",\"text\":\"waves\",\"action\":true}"))
        .isEqualTo(new ClientCommand.Say("waves", null, true));
    assertThat(JsonCodec.decode("{\"type\":\"say\",\"text\":\"waves\",\"action\":false}"))
        .isEqualTo(new ClientCommand.Say("waves", null, false));
  }

  @Test
  void refusesAnActionThatIsNotTrueOrFalse() {
    for (String action : new String[] {"\"yes\"", "\"true\"", "1", "{}"}) {
      assertThat(JsonCodec.decode("{\"type\":\"say\",\"text\":\"w\",\"action\":" + action + "}"))
          .as(action)
          .isEqualTo(
              new ClientCommand.Invalid(ErrorCode.BAD_JSON, "\"action\" must be true or false"));
    }
    assertThat(JsonCodec.decode("{\"type\":\"say\",\"text\":\"w\",\"action\":null}"))
        .isEqualTo(new ClientCommand.Say("w", null, false));
  }

  @Test
  void decodesSayTextExactlyIncludingEscapesAndUnicode() {
    assertThat(
            JsonCodec.decode(
                "{\"type\":\"say\",\"text\":\"a\\nb \\\"q\\\" <i> \\u00e9 \\ud83d\\ude00\"}"))
        .isEqualTo(new ClientCommand.Say("a\nb \"q\" <i> é 😀", null, false));
  }

  @Test
  void showsBackAnUnknownTypeWithoutASurrogateCutInTwo() {
    String type = "t".repeat(31) + "😀" + "t";
    ClientCommand.Invalid invalid = invalid("{\"type\":\"" + type + "\"}");
    assertThat(invalid.code()).isEqualTo(ErrorCode.UNKNOWN_TYPE);
    assertThat(invalid.message()).isEqualTo("unknown type \"" + "t".repeat(31) + "...\"");
  }

  @Test
  void acceptsAnIntegerRefAsItsDigits() {
    assertThat(JsonCodec.decode("{\"type\":\"say\",\"text\":\"hi\",\"ref\":17}"))
        .isEqualTo(new ClientCommand.Say("hi", "17", false));
    assertThat(
            JsonCodec.decode(
                "{\"type\":\"say\",\"text\":\"hi\",\"ref\":123456789012345678901234567890}"))
        .isEqualTo(new ClientCommand.Say("hi", "123456789012345678901234567890", false));
  }

  /** A fraction's text is not the client's: 1.5e2 would be "150.0", and 1e400 and 2e400 one ref. */
  @ParameterizedTest
  @ValueSource(strings = {"1.5e2", "1.0", "1e400", "-2.5"})
  void answersARefThatIsNotAWholeNumberWithBadJson(String ref) {
    assertThat(JsonCodec.decode("{\"type\":\"say\",\"text\":\"hi\",\"ref\":" + ref + "}"))
        .isEqualTo(new ClientCommand.Invalid(ErrorCode.BAD_JSON, "\"ref\" must be a string"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"type\":\"say\",\"ref\":\"c1-9\"}",
        "{\"type\":\"say\",\"text\":5,\"ref\":\"c1-9\"}",
        "{\"type\":\"say\",\"text\":\"x\",\"ref\":\"c1-9\",\"action\":\"yes\"}"
      })
  void anErrorAboutASaysFieldsCarriesItsRef(String frame) {
    ClientCommand.Invalid invalid = invalid(frame);
    assertThat(invalid.code()).isEqualTo(ErrorCode.BAD_JSON);
    assertThat(invalid.ref()).isEqualTo("c1-9");
  }

  @Test
  void acceptsARefOfExactlyTheMaximumLength() {
    String ref = "r".repeat(JsonCodec.MAX_REF_LENGTH);
    assertThat(JsonCodec.decode("{\"type\":\"say\",\"text\":\"hi\",\"ref\":\"" + ref + "\"}"))
        .isEqualTo(new ClientCommand.Say("hi", ref, false));
  }

  @Test
  void decodesNick() {
    assertThat(JsonCodec.decode("{\"type\":\"nick\",\"nick\":\"alice\"}"))
        .isEqualTo(new ClientCommand.SetNick("alice"));
  }

  @Test
  void decodesJoin() {
    assertThat(JsonCodec.decode("{\"type\":\"join\",\"room\":\"dev\"}"))
        .isEqualTo(new ClientCommand.JoinRoom("dev"));
  }

  @Test
  void decodesWho() {
    assertThat(JsonCodec.decode("{\"type\":\"who\"}")).isEqualTo(new ClientCommand.Who());
  }

  @Test
  void decodesPing() {
    assertThat(JsonCodec.decode("{\"type\":\"ping\"}")).isEqualTo(new ClientCommand.Ping());
  }

  @Test
  void ignoresUnknownFields() {
    assertThat(JsonCodec.decode("{\"type\":\"ping\",\"extra\":[1,{\"a\":null}],\"v\":2}"))
        .isEqualTo(new ClientCommand.Ping());
    assertThat(JsonCodec.decode("{\"extra\":true,\"text\":\"x\",\"type\":\"say\"}"))
        .isEqualTo(new ClientCommand.Say("x", null, false));
  }

  // --- decode: malformed input ---------------------------------------------------------------

  @ParameterizedTest
  @ValueSource(
      strings = {"hello", "{", "{\"type\":\"say\",", "{type:\"ping\"}", "{'type':'ping'}", "\"x"})
  void answersTextThatIsNotJsonWithBadJson(String frame) {
    assertThat(invalid(frame).code()).isEqualTo(ErrorCode.BAD_JSON);
  }

  @ParameterizedTest
  @ValueSource(strings = {"[]", "[{\"type\":\"ping\"}]", "\"ping\"", "42", "true", "null", "", " "})
  void answersJsonThatIsNotAnObjectWithBadJson(String frame) {
    assertThat(invalid(frame).code()).isEqualTo(ErrorCode.BAD_JSON);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{}",
        "{\"text\":\"hi\"}",
        "{\"type\":null}",
        "{\"type\":7}",
        "{\"type\":[\"say\"]}",
        "{\"type\":{\"say\":1}}"
      })
  void answersAMissingOrNonStringTypeWithBadJson(String frame) {
    ClientCommand.Invalid invalid = invalid(frame);
    assertThat(invalid.code()).isEqualTo(ErrorCode.BAD_JSON);
    assertThat(invalid.message()).contains("type");
  }

  @Test
  void answersAnUnknownTypeWithUnknownTypeNamingIt() {
    ClientCommand.Invalid invalid = invalid("{\"type\":\"dance\"}");
    assertThat(invalid.code()).isEqualTo(ErrorCode.UNKNOWN_TYPE);
    assertThat(invalid.message()).contains("dance");
  }

  @Test
  void typesAreCaseSensitive() {
    assertThat(invalid("{\"type\":\"SAY\",\"text\":\"hi\"}").code())
        .isEqualTo(ErrorCode.UNKNOWN_TYPE);
  }

  @Test
  void shortensAHugeUnknownTypeInTheError() {
    ClientCommand.Invalid invalid = invalid("{\"type\":\"" + "t".repeat(10_000) + "\"}");
    assertThat(invalid.code()).isEqualTo(ErrorCode.UNKNOWN_TYPE);
    assertThat(invalid.message()).hasSizeLessThan(100);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"type\":\"say\"}",
        "{\"type\":\"say\",\"text\":null}",
        "{\"type\":\"say\",\"text\":5}",
        "{\"type\":\"say\",\"text\":[\"hi\"]}",
        "{\"type\":\"say\",\"text\":{}}"
      })
  void answersSayWithoutStringTextWithBadJson(String frame) {
    ClientCommand.Invalid invalid = invalid(frame);
    assertThat(invalid.code()).isEqualTo(ErrorCode.BAD_JSON);
    assertThat(invalid.message()).contains("text");
  }

  @Test
  void answersARefLongerThanTheMaximumWithBadJson() {
    String ref = "r".repeat(JsonCodec.MAX_REF_LENGTH + 1);
    ClientCommand.Invalid invalid =
        invalid("{\"type\":\"say\",\"text\":\"hi\",\"ref\":\"" + ref + "\"}");
    assertThat(invalid.code()).isEqualTo(ErrorCode.BAD_JSON);
    assertThat(invalid.message()).contains("ref");
  }

  @ParameterizedTest
  @ValueSource(strings = {"true", "[\"c1\"]", "{\"id\":1}"})
  void answersARefThatIsNeitherStringNorNumberWithBadJson(String ref) {
    ClientCommand.Invalid invalid =
        invalid("{\"type\":\"say\",\"text\":\"hi\",\"ref\":" + ref + "}");
    assertThat(invalid.code()).isEqualTo(ErrorCode.BAD_JSON);
    assertThat(invalid.message()).contains("ref");
  }

  @ParameterizedTest
  @ValueSource(strings = {"{\"type\":\"nick\"}", "{\"type\":\"nick\",\"nick\":3}"})
  void answersNickWithoutStringNickWithBadJson(String frame) {
    assertThat(invalid(frame).code()).isEqualTo(ErrorCode.BAD_JSON);
  }

  @ParameterizedTest
  @ValueSource(strings = {"{\"type\":\"join\"}", "{\"type\":\"join\",\"room\":null}"})
  void answersJoinWithoutStringRoomWithBadJson(String frame) {
    assertThat(invalid(frame).code()).isEqualTo(ErrorCode.BAD_JSON);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"type\":\"say\",\"text\":\"\\ud800\"}",
        "{\"type\":\"say\",\"text\":\"\\x\"}",
        "{\"type\":\"say\",\"text\":\"hi\",\"ref\":1e999}",
        "{\"type\":\"say\",\"text\":\"hi\",\"ref\":123456789012345678901234567890}",
        "{\"type\":\"say\",\"text\":\"hi\",\"action\":\"yes\"}",
        "{\"type\":\"ping\"}{\"type\":\"ping\"}",
        "\u0000",
        "\uFEFF{\"type\":\"ping\"}",
      })
  void neverThrowsOnOddInput(String frame) {
    assertThatCode(() -> JsonCodec.decode(frame)).doesNotThrowAnyException();
  }

  @Test
  void neverThrowsOnDeeplyNestedOrHugeInput() {
    String deep = "[".repeat(100_000);
    String deepObject =
        "{\"type\":\"ping\",\"x\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}";
    String hugeNumber = "{\"type\":\"say\",\"text\":\"hi\",\"ref\":" + "9".repeat(100_000) + "}";
    for (String frame : List.of(deep, deepObject, hugeNumber)) {
      assertThatCode(() -> JsonCodec.decode(frame)).doesNotThrowAnyException();
    }
    assertThat(invalid(deep).code()).isEqualTo(ErrorCode.BAD_JSON);
  }

  // --- encode --------------------------------------------------------------------------------

  @Test
  void encodesWelcome() throws IOException {
    JsonNode node = encoded(new ServerEvent.Welcome("lobby", "alice", "127.0.0.1:50312"));
    assertThat(fieldNames(node)).containsExactlyInAnyOrder("type", "room", "nick", "addr", "text");
    assertThat(node.get("type").textValue()).isEqualTo("welcome");
    assertThat(node.get("room").textValue()).isEqualTo("lobby");
    assertThat(node.get("nick").textValue()).isEqualTo("alice");
    assertThat(node.get("addr").textValue()).isEqualTo("127.0.0.1:50312");
    assertThat(node.get("text").textValue()).isEqualTo("Welcome to chat! Type a message");
  }

  @Test
  void encodesWelcomeWithTheConnectionsLimits() throws IOException {
    JsonNode node =
        encoded(
            new ServerEvent.Welcome(
                "lobby", "alice", "127.0.0.1:50312", new ServerEvent.Limits(20, 40, 4096)));
    assertThat(fieldNames(node))
        .containsExactlyInAnyOrder("type", "room", "nick", "addr", "text", "limits");
    assertThat(node.at("/limits/rate").intValue()).isEqualTo(20);
    assertThat(node.at("/limits/burst").intValue()).isEqualTo(40);
    assertThat(node.at("/limits/bytes").intValue()).isEqualTo(4096);
  }

  @Test
  void encodesWelcomeWithoutNickAsNull() throws IOException {
    JsonNode node = encoded(new ServerEvent.Welcome("lobby", null, "127.0.0.1:50312"));
    assertThat(node.has("nick")).isTrue();
    assertThat(node.get("nick").isNull()).isTrue();
  }

  @Test
  void encodesALiveMessageWithoutReplay() throws IOException {
    ChatMessage msg = message(false);
    JsonNode node = encoded(new ServerEvent.Message(msg, false));
    assertThat(fieldNames(node))
        .containsExactlyInAnyOrder("type", "id", "room", "from", "addr", "text", "ts", "action");
    assertThat(node.get("type").textValue()).isEqualTo("message");
    assertThat(node.get("id").textValue()).isEqualTo("k2x9f0-42");
    assertThat(node.get("room").textValue()).isEqualTo("lobby");
    assertThat(node.get("from").textValue()).isEqualTo("alice");
    assertThat(node.get("addr").textValue()).isEqualTo("127.0.0.1:50312");
    assertThat(node.get("text").textValue()).isEqualTo(msg.text());
    assertThat(node.get("ts").isIntegralNumber()).isTrue();
    assertThat(node.get("ts").longValue()).isEqualTo(1_764_096_000_123L);
    assertThat(node.get("action").isBoolean()).isTrue();
    assertThat(node.get("action").booleanValue()).isFalse();
  }

  @Test
  void encodesAReplayedMessageWithReplayTrue() throws IOException {
    JsonNode node = encoded(new ServerEvent.Message(message(false), true));
    assertThat(node.get("replay").isBoolean()).isTrue();
    assertThat(node.get("replay").booleanValue()).isTrue();
  }

  @Test
  void encodesAnActionMessageWithActionTrue() throws IOException {
    JsonNode node = encoded(new ServerEvent.Message(message(true), false));
    assertThat(node.get("action").booleanValue()).isTrue();
  }

  @Test
  void neverSendsTheInternalSequenceNumber() throws IOException {
    JsonNode node = encoded(new ServerEvent.Message(message(false), true));
    assertThat(node.has("seq")).isFalse();
  }

  @Test
  void encodesLive() throws IOException {
    JsonNode node = encoded(new ServerEvent.Live());
    assertThat(fieldNames(node)).containsExactly("type");
    assertThat(node.get("type").textValue()).isEqualTo("live");
  }

  @Test
  void encodesGapWithSinceAndText() throws IOException {
    JsonNode node = encoded(new ServerEvent.Gap("k2x9f0-3"));
    assertThat(fieldNames(node)).containsExactlyInAnyOrder("type", "since", "text");
    assertThat(node.get("type").textValue()).isEqualTo("gap");
    assertThat(node.get("since").textValue()).isEqualTo("k2x9f0-3");
    assertThat(node.get("text").textValue()).isEqualTo("older messages were missed");
  }

  @Test
  void encodesAck() throws IOException {
    JsonNode node = encoded(new ServerEvent.Ack("c1-17", "k2x9f0-42"));
    assertThat(fieldNames(node)).containsExactlyInAnyOrder("type", "ref", "id");
    assertThat(node.get("type").textValue()).isEqualTo("ack");
    assertThat(node.get("ref").textValue()).isEqualTo("c1-17");
    assertThat(node.get("id").textValue()).isEqualTo("k2x9f0-42");
  }

  @Test
  void encodesJoin() throws IOException {
    JsonNode node = encoded(new ServerEvent.Presence("lobby", true, List.of("alice", "bob"), 2, 5));
    assertThat(fieldNames(node))
        .containsExactlyInAnyOrder("type", "room", "nicks", "count", "members");
    assertThat(node.get("type").textValue()).isEqualTo("join");
    assertThat(node.get("room").textValue()).isEqualTo("lobby");
    assertThat(strings(node.get("nicks"))).containsExactly("alice", "bob");
    assertThat(node.get("count").intValue()).isEqualTo(2);
    assertThat(node.get("members").intValue()).isEqualTo(5);
  }

  @Test
  void encodesLeave() throws IOException {
    JsonNode node =
        encoded(new ServerEvent.Presence("lobby", false, List.of("127.0.0.1:50318"), 1, 4));
    assertThat(fieldNames(node))
        .containsExactlyInAnyOrder("type", "room", "nicks", "count", "members");
    assertThat(node.get("type").textValue()).isEqualTo("leave");
    assertThat(node.get("room").textValue()).isEqualTo("lobby");
    assertThat(strings(node.get("nicks"))).containsExactly("127.0.0.1:50318");
    assertThat(node.get("count").intValue()).isEqualTo(1);
    assertThat(node.get("members").intValue()).isEqualTo(4);
  }

  @Test
  void encodesNickChange() throws IOException {
    JsonNode node = encoded(new ServerEvent.NickChange("lobby", "127.0.0.1:50312", "alice"));
    assertThat(fieldNames(node)).containsExactlyInAnyOrder("type", "room", "from", "to");
    assertThat(node.get("type").textValue()).isEqualTo("nick");
    assertThat(node.get("room").textValue()).isEqualTo("lobby");
    assertThat(node.get("from").textValue()).isEqualTo("127.0.0.1:50312");
    assertThat(node.get("to").textValue()).isEqualTo("alice");
  }

  @Test
  void encodesWho() throws IOException {
    JsonNode node = encoded(new ServerEvent.Who("lobby", List.of("alice", "bob"), 150));
    assertThat(fieldNames(node)).containsExactlyInAnyOrder("type", "room", "members", "count");
    assertThat(node.get("type").textValue()).isEqualTo("who");
    assertThat(node.get("room").textValue()).isEqualTo("lobby");
    assertThat(strings(node.get("members"))).containsExactly("alice", "bob");
    assertThat(node.get("count").intValue()).isEqualTo(150);
  }

  @Test
  void encodesPong() throws IOException {
    JsonNode node = encoded(new ServerEvent.Pong());
    assertThat(fieldNames(node)).containsExactly("type");
    assertThat(node.get("type").textValue()).isEqualTo("pong");
  }

  @Test
  void encodesErrorWithSnakeCaseCodeAndRef() throws IOException {
    JsonNode node =
        encoded(
            new ServerEvent.Error(
                ErrorCode.TOO_LONG, "message too long (max 4096 bytes)", "c1-18"));
    assertThat(fieldNames(node)).containsExactlyInAnyOrder("type", "code", "message", "ref");
    assertThat(node.get("type").textValue()).isEqualTo("error");
    assertThat(node.get("code").textValue()).isEqualTo("too_long");
    assertThat(node.get("message").textValue()).isEqualTo("message too long (max 4096 bytes)");
    assertThat(node.get("ref").textValue()).isEqualTo("c1-18");
  }

  @Test
  void encodesErrorWithoutRefWhenItAnswersNoSay() throws IOException {
    JsonNode node = encoded(new ServerEvent.Error(ErrorCode.NICK_TAKEN, "nick bob is taken", null));
    assertThat(fieldNames(node)).containsExactlyInAnyOrder("type", "code", "message");
    assertThat(node.get("code").textValue()).isEqualTo("nick_taken");
  }

  @Test
  void encodesEveryErrorCodeAsDocumented() throws IOException {
    List<String> codes = new ArrayList<>();
    for (ErrorCode code : ErrorCode.values()) {
      codes.add(encoded(new ServerEvent.Error(code, "why", null)).get("code").textValue());
    }
    assertThat(codes)
        .containsExactlyInAnyOrder(
            "too_long",
            "rate_limited",
            "bad_name",
            "nick_taken",
            "bad_json",
            "unknown_type",
            "unavailable",
            "forbidden");
  }

  @Test
  void encodesNoticeWithItsText() throws IOException {
    JsonNode node = encoded(new ServerEvent.Notice("* you are in dev as alice"));
    assertThat(node.get("type").textValue()).isEqualTo("notice");
    assertThat(node.get("text").textValue()).isEqualTo("* you are in dev as alice");
  }

  @Test
  void encodesTextThatNeedsEscapingSoThatItParsesBack() throws IOException {
    String nasty = "\"}\u0000\u001f\\\u2028</script>";
    JsonNode node =
        encoded(
            new ServerEvent.Message(
                new ChatMessage("e-1", 1, "lobby", nasty, "127.0.0.1:1", nasty, 0, false), false));
    assertThat(node.get("from").textValue()).isEqualTo(nasty);
    assertThat(node.get("text").textValue()).isEqualTo(nasty);
  }
}
