// The messages this page sent and the server has not yet confirmed. Each carries a ref, a random
// prefix chosen once per page and a counter, so that a resend after a reconnect is recognised by
// the server (same ref and text) and answered with the first ack instead of being broadcast twice.

export class Outbox {
  constructor(prefix = randomPrefix()) {
    this.prefix = prefix;
    this.counter = 0;
    this.entries = new Map();
  }

  /** Keeps a new message until it is acked; returns its entry ({ref, text, action}). */
  add(text, action) {
    const entry = { ref: `${this.prefix}-${++this.counter}`, text, action: Boolean(action), retry: false };
    this.entries.set(entry.ref, entry);
    return entry;
  }

  /** Removes and returns the entry for ref, or undefined if it is not waiting here. */
  take(ref) {
    const entry = this.entries.get(ref);
    this.entries.delete(ref);
    return entry;
  }

  /** The entry for ref, or undefined. */
  get(ref) {
    return this.entries.get(ref);
  }

  /** The waiting entries, oldest first. */
  pending() {
    return [...this.entries.values()];
  }

  get size() {
    return this.entries.size;
  }
}

function randomPrefix() {
  const bytes = new Uint8Array(6);
  crypto.getRandomValues(bytes);
  return 'w' + [...bytes].map((b) => b.toString(36).padStart(2, '0')).join('').slice(0, 9);
}
