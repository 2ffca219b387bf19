package dev.broadcastchat.server;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import java.util.function.BooleanSupplier;

/**
 * Builds the pipeline of a connection to the admin port: plain HTTP for {@code /metrics}, {@code
 * /healthz} and {@code /readyz}, nothing else.
 */
final class AdminInitializer extends ChannelInitializer<SocketChannel> {
  private final ServerConfig config;
  private final ChannelGroup allChannels;
  private final ServerMetrics metrics;
  private final HttpRequestHandler httpHandler;

  AdminInitializer(
      ServerConfig config,
      ChannelGroup allChannels,
      ServerMetrics metrics,
      BooleanSupplier ready,
      BooleanSupplier draining) {
    this.config = config;
    this.allChannels = allChannels;
    this.metrics = metrics;
    this.httpHandler = new HttpRequestHandler(ready, draining, metrics, true, null);
  }

  @Override
  protected void initChannel(SocketChannel ch) {
    allChannels.add(ch);
    ChannelPipeline p = ch.pipeline();
    p.addLast(
        "http",
        new HttpServerCodec(
            ChatServerInitializer.MAX_INITIAL_LINE, ChatServerInitializer.MAX_HEADER_BYTES, 8192));
    p.addLast("http-aggregator", new HttpObjectAggregator(ChatServerInitializer.MAX_HTTP_BODY));
    p.addLast("deadline", new HandshakeDeadline(config.handshakeTimeout().toMillis(), metrics));
    p.addLast("http-handler", httpHandler);
  }
}
