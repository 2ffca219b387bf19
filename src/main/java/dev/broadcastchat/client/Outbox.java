package dev.broadcastchat.client;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * The says this client sent and has not yet seen through: each waits, keyed by its {@code ref},
 * until its {@code ack} (or an error naming it), and then until the message with the acked id has
 * been shown. Refs are unique per client run: a random prefix and a counter.
 *
 * <p>Not thread-safe: owned by its session and used on the session's thread only.
 */
final class Outbox {
  /** How many shown ids are remembered, to settle an ack that arrives after its message. */
  static final int REMEMBERED_IDS = 4096;

  private final String refPrefix;
  private long counter;
  private final Map<String, ClientRequest.Say> unacked = new LinkedHashMap<>();
  private final Set<String> ackedNotShown = new HashSet<>();
  private final Set<String> recentlyShown = new LinkedHashSet<>();

  Outbox(String refPrefix) {
    this.refPrefix = refPrefix;
  }

  /** An outbox whose refs start with a random prefix, {@code k3f9a2x1-}. */
  static Outbox withRandomRefs(RandomGenerator random) {
    String prefix = Long.toString(random.nextLong() >>> 1, 36);
    return new Outbox(prefix.substring(0, Math.min(8, prefix.length())) + "-");
  }

  /** A say with a fresh ref, kept until acked. */
  ClientRequest.Say add(String text, boolean action) {
    ClientRequest.Say say = new ClientRequest.Say(text, refPrefix + (++counter), action);
    unacked.put(say.ref(), say);
    return say;
  }

  /**
   * The say {@code ref} was sequenced as {@code id}: it leaves the outbox, and {@code id} is
   * awaited unless it was already shown. Returns false for a ref not waiting here.
   */
  boolean ack(String ref, String id) {
    if (unacked.remove(ref) == null) {
      return false;
    }
    if (!recentlyShown.contains(id)) {
      ackedNotShown.add(id);
    }
    return true;
  }

  /** The say {@code ref} was refused: it leaves the outbox. Returns false for an unknown ref. */
  boolean drop(String ref) {
    return unacked.remove(ref) != null;
  }

  /** The message {@code id} was shown. */
  void shown(String id) {
    ackedNotShown.remove(id);
    recentlyShown.remove(id);
    recentlyShown.add(id);
    if (recentlyShown.size() > REMEMBERED_IDS) {
      Iterator<String> oldest = recentlyShown.iterator();
      oldest.next();
      oldest.remove();
    }
  }

  /** The say {@code ref} if it waits for its ack here, else null. */
  ClientRequest.Say unacked(String ref) {
    return unacked.get(ref);
  }

  /** How many says were made so far: the number in the newest one's ref. */
  long issued() {
    return counter;
  }

  /** The number in the ref of a say made here: 1 for the first one, and so on. */
  long number(String ref) {
    return Long.parseLong(ref.substring(refPrefix.length()));
  }

  /** The says still waiting for their ack, oldest first, to send again with the same refs. */
  List<ClientRequest.Say> unacked() {
    return new ArrayList<>(unacked.values());
  }

  /** How many says wait for their ack. */
  int unackedCount() {
    return unacked.size();
  }

  /** True when every say was acked (or refused) and every acked message was shown. */
  boolean settled() {
    return unacked.isEmpty() && ackedNotShown.isEmpty();
  }
}
