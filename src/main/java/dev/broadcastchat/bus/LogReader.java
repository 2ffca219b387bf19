package dev.broadcastchat.bus;

import dev.broadcastchat.protocol.ChatMessage;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * Reads rooms' logs (their Redis streams) with the range script: the kept history for a replay, the
 * messages after a position for a resume or to fill a gap. Each read returns the log's position in
 * the same atomic step. Stateless and thread-safe; stages complete on Lettuce threads.
 */
final class LogReader {

  /**
   * What a read found.
   *
   * @param gap the position asked for is not in the log: {@code messages} are the last ones kept
   * @param epoch the log's epoch, empty when the room has no log
   * @param last the log's last sequence number (0 when it has none)
   * @param messages oldest first
   */
  record Range(boolean gap, String epoch, long last, List<ChatMessage> messages) {
    Range {
      messages = List.copyOf(messages);
    }
  }

  private final Supplier<? extends CompletionStage<? extends RedisAsyncCommands<String, String>>>
      connection;
  private final RedisScript script;
  private final String prefix;

  /**
   * @param connection the connection to read on, or a failed stage when it is down
   * @param script the range script
   * @param prefix the key prefix
   */
  LogReader(
      Supplier<? extends CompletionStage<? extends RedisAsyncCommands<String, String>>> connection,
      RedisScript script,
      String prefix) {
    this.connection = connection;
    this.script = script;
    this.prefix = prefix;
  }

  /** The last {@code count} messages of {@code room} (0 for just the position). */
  CompletionStage<Range> last(String room, int count) {
    return read(room, "last", count, "", 0, 0);
  }

  /**
   * The messages of {@code room} after {@code seq} of {@code epoch} (an empty epoch with seq 0
   * means from the start of whatever log there is), at most {@code count}; a gap if that position
   * is not in the log or lies more than {@code window} behind its end ({@code -1}: any distance).
   */
  CompletionStage<Range> after(String room, String epoch, long seq, long window, int count) {
    return read(room, "after", count, epoch, seq, window);
  }

  private CompletionStage<Range> read(
      String room, String mode, int count, String epoch, long seq, long window) {
    RoomKeys keys = RoomKeys.of(prefix, room);
    return connection
        .get()
        .thenCompose(
            commands ->
                script.<List<Object>>run(
                    commands,
                    ScriptOutputType.MULTI,
                    new String[] {keys.epoch(), keys.seq(), keys.stream()},
                    mode,
                    Integer.toString(count),
                    epoch,
                    Long.toString(seq),
                    Long.toString(window)))
        .thenApply(LogReader::decode);
  }

  private static Range decode(List<Object> reply) {
    if (reply == null || reply.size() < 3) {
      throw new IllegalStateException("range script: unexpected reply " + reply);
    }
    List<ChatMessage> messages = new ArrayList<>(reply.size() - 3);
    for (Object payload : reply.subList(3, reply.size())) {
      messages.add(BusPayloads.message(String.valueOf(payload)));
    }
    return new Range(
        ((Number) reply.get(0)).longValue() != 0,
        String.valueOf(reply.get(1)),
        ((Number) reply.get(2)).longValue(),
        messages);
  }
}
