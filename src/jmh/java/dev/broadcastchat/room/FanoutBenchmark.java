package dev.broadcastchat.room;

import dev.broadcastchat.protocol.ChatMessage;
import dev.broadcastchat.protocol.ServerEvent;
import dev.broadcastchat.protocol.TextCodec;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One broadcast to N receivers: the frame encoded once and shared (our path) against a frame
 * encoded per receiver through Netty's WebSocket encoder (the ChannelGroup way). The channels
 * discard what reaches their head, so this measures the server's own work, not the kernel's.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class FanoutBenchmark {
  @Param({"1000"})
  int receivers;

  private EmbeddedChannel[] sharedFrameChannels;
  private EmbeddedChannel[] perReceiverChannels;
  private ChatMessage message;
  private final PooledByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;

  @Setup(Level.Trial)
  public void setUp() {
    message =
        new ChatMessage(
            "e-1", 1, "bench", "127.0.0.1:50000", "127.0.0.1:50000", "x".repeat(64), 0L, false);
    sharedFrameChannels = new EmbeddedChannel[receivers];
    perReceiverChannels = new EmbeddedChannel[receivers];
    for (int i = 0; i < receivers; i++) {
      sharedFrameChannels[i] = new EmbeddedChannel(new Discard());
      perReceiverChannels[i] =
          new EmbeddedChannel(new Discard(), new WebSocket13FrameEncoder(false));
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    for (int i = 0; i < receivers; i++) {
      sharedFrameChannels[i].finishAndReleaseAll();
      perReceiverChannels[i].finishAndReleaseAll();
    }
  }

  @Benchmark
  public void encodeOnceShareTheFrame() {
    Envelope envelope =
        Envelope.encode(alloc, new ServerEvent.Message(message, false), 1, true, false);
    ByteBuf frame = envelope.frame(dev.broadcastchat.protocol.WireProtocol.TEXT);
    for (EmbeddedChannel ch : sharedFrameChannels) {
      ch.write(frame.retainedDuplicate(), ch.voidPromise());
    }
    for (EmbeddedChannel ch : sharedFrameChannels) {
      ch.flush();
    }
    envelope.release();
  }

  @Benchmark
  public void encodePerReceiver() {
    for (EmbeddedChannel ch : perReceiverChannels) {
      ch.writeAndFlush(new TextWebSocketFrame(TextCodec.format(message)), ch.voidPromise());
    }
  }

  /** Stands in for the socket: releases what it is given. */
  static final class Discard extends ChannelOutboundHandlerAdapter {
    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
      ReferenceCountUtil.release(msg);
      promise.trySuccess();
    }
  }
}
