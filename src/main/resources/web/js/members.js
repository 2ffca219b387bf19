// Who is in the room, as far as this page knows: set by `who`, then kept up to date from join,
// leave and nick events. A `who` lists at most 100 names, so `count` may exceed the names known.

export class Members {
  constructor() {
    this.names = new Map();
    this.count = 0;
  }

  clear() {
    this.names.clear();
    this.count = 0;
  }

  /** Replaces everything with a `who` answer. */
  who(event) {
    this.names.clear();
    for (const name of event.members || []) {
      this.names.set(key(name), name);
    }
    this.count = Number.isInteger(event.count) ? event.count : this.names.size;
  }

  /**
   * Applies a join or leave event; returns false when it named fewer members than it counted,
   * so that the caller asks `who` for the full list.
   */
  presence(event) {
    const nicks = event.nicks || [];
    for (const name of nicks) {
      if (event.type === 'join') {
        this.names.set(key(name), name);
      } else {
        this.names.delete(key(name));
      }
    }
    if (Number.isInteger(event.members)) {
      this.count = event.members;
    }
    return !(Number.isInteger(event.count) && event.count > nicks.length);
  }

  rename(from, to) {
    if (this.names.delete(key(from))) {
      this.names.set(key(to), to);
    }
  }

  /** The known names, sorted case-insensitively. */
  sorted() {
    return [...this.names.values()].sort((a, b) => a.localeCompare(b, undefined, { sensitivity: 'base' }));
  }
}

function key(name) {
  return String(name).toLowerCase();
}
