package dev.broadcastchat.reference;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A reference for the performance comparison, not part of the product: the least a broadcast server
 * can do per delivery when every message is written on its own. One thread, one selector, plain
 * non-blocking {@code write()} of one shared frame to each receiver, no pipeline, no reference
 * counting, no coalescing. What it costs per delivery is the floor that the kernel sets for "one
 * write per delivery"; a server that beats it does so only by writing several messages in one
 * write.
 *
 * <p>It speaks just enough WebSocket for the load generator: the opening handshake, masked text
 * frames in, unmasked text frames out, close. Run it from the benchmarks jar: {@code java -cp
 * target/benchmarks.jar dev.broadcastchat.reference.WriteFloorServer 9400}.
 */
public final class WriteFloorServer {
  private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

  private final Selector selector;
  private final List<Conn> open = new ArrayList<>();

  private WriteFloorServer(Selector selector) {
    this.selector = selector;
  }

  public static void main(String[] args) throws IOException {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 9400;
    Selector selector = Selector.open();
    ServerSocketChannel server = ServerSocketChannel.open();
    server.bind(new InetSocketAddress("127.0.0.1", port), 4096);
    server.configureBlocking(false);
    server.register(selector, SelectionKey.OP_ACCEPT);
    System.out.println("listening on ws://127.0.0.1:" + port + "/");
    new WriteFloorServer(selector).loop(server);
  }

  /** One connection: its read buffer, whether it finished the handshake, what it could not take. */
  private static final class Conn {
    final SocketChannel ch;
    final SelectionKey key;
    final String addr;
    ByteBuffer in = ByteBuffer.allocate(4096);
    final ArrayDeque<ByteBuffer> pending = new ArrayDeque<>();
    boolean upgraded;
    int index = -1;

    Conn(SocketChannel ch, SelectionKey key) {
      this.ch = ch;
      this.key = key;
      this.addr = ch.socket().getRemoteSocketAddress().toString().substring(1);
    }
  }

  private void loop(ServerSocketChannel server) throws IOException {
    for (; ; ) {
      selector.select();
      for (SelectionKey key : selector.selectedKeys()) {
        if (!key.isValid()) {
          continue;
        }
        if (key.isAcceptable()) {
          SocketChannel ch;
          while ((ch = server.accept()) != null) {
            ch.configureBlocking(false);
            ch.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
            SelectionKey k = ch.register(selector, SelectionKey.OP_READ);
            k.attach(new Conn(ch, k));
          }
          continue;
        }
        Conn c = (Conn) key.attachment();
        try {
          if (key.isWritable()) {
            flushPending(c);
          }
          if (key.isValid() && key.isReadable()) {
            read(c);
          }
        } catch (IOException e) {
          close(c);
        }
      }
      selector.selectedKeys().clear();
    }
  }

  private void read(Conn c) throws IOException {
    if (!c.in.hasRemaining()) {
      ByteBuffer bigger = ByteBuffer.allocate(c.in.capacity() * 2);
      c.in.flip();
      bigger.put(c.in);
      c.in = bigger;
    }
    int n = c.ch.read(c.in);
    if (n < 0) {
      close(c);
      return;
    }
    c.in.flip();
    if (!c.upgraded) {
      handshake(c);
    }
    while (c.upgraded && c.key.isValid() && frame(c)) {
      // one frame handled per round
    }
    c.in.compact();
  }

  private void handshake(Conn c) throws IOException {
    String head = StandardCharsets.ISO_8859_1.decode(c.in.duplicate()).toString();
    int end = head.indexOf("\r\n\r\n");
    if (end < 0) {
      return;
    }
    String key = null;
    for (String line : head.substring(0, end).split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("Sec-WebSocket-Key")) {
        key = line.substring(colon + 1).trim();
      }
    }
    c.in.position(c.in.position() + end + 4);
    if (key == null) {
      close(c);
      return;
    }
    String accept = accept(key);
    String response =
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Accept: "
            + accept
            + "\r\n\r\n";
    write(c, ByteBuffer.wrap(response.getBytes(StandardCharsets.ISO_8859_1)));
    c.upgraded = true;
    c.index = open.size();
    open.add(c);
  }

  /** Handles one complete frame at the buffer's position; false if none is complete. */
  private boolean frame(Conn c) throws IOException {
    ByteBuffer in = c.in;
    if (in.remaining() < 2) {
      return false;
    }
    int p = in.position();
    int b0 = in.get(p) & 0xFF;
    int b1 = in.get(p + 1) & 0xFF;
    int len = b1 & 0x7F;
    int header = 2;
    if (len == 126) {
      if (in.remaining() < 4) {
        return false;
      }
      len = in.getShort(p + 2) & 0xFFFF;
      header = 4;
    } else if (len == 127) {
      close(c);
      return false;
    }
    boolean masked = (b1 & 0x80) != 0;
    int total = header + (masked ? 4 : 0) + len;
    if (in.remaining() < total) {
      return false;
    }
    byte[] payload = new byte[len];
    int maskAt = p + header;
    int dataAt = maskAt + (masked ? 4 : 0);
    for (int i = 0; i < len; i++) {
      byte b = in.get(dataAt + i);
      payload[i] = masked ? (byte) (b ^ in.get(maskAt + (i & 3))) : b;
    }
    in.position(p + total);
    int opcode = b0 & 0x0F;
    if (opcode == 0x1) {
      broadcast(c, payload);
    } else if (opcode == 0x8) {
      write(c, ByteBuffer.wrap(new byte[] {(byte) 0x88, 0}));
      close(c);
      return false;
    } else if (opcode == 0x9) {
      ByteBuffer pong = ByteBuffer.allocate(2 + len);
      pong.put((byte) 0x8A).put((byte) len).put(payload).flip();
      write(c, pong);
    }
    return true;
  }

  /** Encodes the frame once, then one write of it to each receiver. */
  private void broadcast(Conn from, byte[] text) throws IOException {
    byte[] prefix = (from.addr + ": ").getBytes(StandardCharsets.UTF_8);
    int payload = prefix.length + text.length;
    int header = payload < 126 ? 2 : 4;
    ByteBuffer frame = ByteBuffer.allocateDirect(header + payload);
    frame.put((byte) 0x81);
    if (payload < 126) {
      frame.put((byte) payload);
    } else {
      frame.put((byte) 126).putShort((short) payload);
    }
    frame.put(prefix).put(text).flip();
    for (int i = 0; i < open.size(); i++) {
      Conn c = open.get(i);
      try {
        write(c, frame.duplicate());
      } catch (IOException e) {
        close(c);
        i--;
      }
    }
  }

  private void write(Conn c, ByteBuffer buf) throws IOException {
    if (c.pending.isEmpty()) {
      c.ch.write(buf);
      if (!buf.hasRemaining()) {
        return;
      }
      c.key.interestOps(c.key.interestOps() | SelectionKey.OP_WRITE);
    }
    ByteBuffer copy = ByteBuffer.allocate(buf.remaining());
    copy.put(buf).flip();
    c.pending.add(copy);
  }

  private void flushPending(Conn c) throws IOException {
    while (!c.pending.isEmpty()) {
      ByteBuffer head = c.pending.peek();
      c.ch.write(head);
      if (head.hasRemaining()) {
        return;
      }
      c.pending.poll();
    }
    c.key.interestOps(SelectionKey.OP_READ);
  }

  private void close(Conn c) {
    if (c.index >= 0) {
      Conn last = open.remove(open.size() - 1);
      if (last != c) {
        open.set(c.index, last);
        last.index = c.index;
      }
      c.index = -1;
    }
    c.key.cancel();
    try {
      c.ch.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }

  private static String accept(String key) {
    try {
      MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
      byte[] digest = sha1.digest((key + GUID).getBytes(StandardCharsets.ISO_8859_1));
      return Base64.getEncoder().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-1", e);
    }
  }
}
