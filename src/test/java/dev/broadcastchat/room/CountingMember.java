package dev.broadcastchat.room;

import dev.broadcastchat.protocol.WireProtocol;
import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A room member on a given loop that counts the broadcasts handed to it, keeps their sequence
 * numbers, and writes nothing.
 */
final class CountingMember implements Member {
  private final EventLoop loop;
  private int slot = -1;
  final AtomicInteger received = new AtomicInteger();

  /** How many batches it was handed: broadcasts handed together count once. */
  final AtomicInteger batches = new AtomicInteger();

  /** The sequence number of each broadcast handed to it, in order; read and written on its loop. */
  final List<Long> seqs = new ArrayList<>();

  /** Run on the loop after each broadcast this member is handed, while the drain runs. */
  Runnable afterDelivery = () -> {};

  CountingMember(EventLoop loop) {
    this.loop = loop;
  }

  @Override
  public int roomSlot() {
    return slot;
  }

  @Override
  public void roomSlot(int slot) {
    this.slot = slot;
  }

  @Override
  public EventLoop loop() {
    return loop;
  }

  @Override
  public WireProtocol protocol() {
    return WireProtocol.JSON;
  }

  @Override
  public int deliver(Batch batch) {
    for (int i = 0; i < batch.size(); i++) {
      seqs.add(batch.get(i).seq());
    }
    received.addAndGet(batch.size());
    batches.incrementAndGet();
    afterDelivery.run();
    return 0;
  }

  @Override
  public void flush() {}

  @Override
  public void missed() {}
}
