package dev.broadcastchat.protocol;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** The per-message cost of each codec: paid once per message, never per receiver. */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class CodecBenchmark {
  private final ChatMessage message =
      new ChatMessage(
          "k2x9f0-42",
          42,
          "lobby",
          "alice",
          "127.0.0.1:50312",
          "hello, this is a typical chat line of sixty-four bytes or so....",
          1764096000123L,
          false);
  private final ServerEvent.Message event = new ServerEvent.Message(message, false);
  private final String sayFrame = "{\"type\":\"say\",\"text\":\"hello there\",\"ref\":\"c1-17\"}";

  @Benchmark
  public String textEncode() {
    return TextCodec.format(message);
  }

  @Benchmark
  public byte[] jsonEncode() {
    return JsonCodec.encode(event);
  }

  @Benchmark
  public ClientCommand textParse() {
    return TextCodec.parse("hello there, how is everyone today?");
  }

  @Benchmark
  public ClientCommand jsonDecode() {
    return JsonCodec.decode(sayFrame);
  }
}
