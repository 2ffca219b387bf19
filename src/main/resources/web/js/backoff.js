// Delays between reconnect attempts: exponential with jitter, as the command-line client does, so
// that the pages of a restarted server do not all come back at once. The n-th delay is drawn from
// the upper half of min(CAP, FIRST_MAX * 2^n): 250-500 ms, 0.5-1 s, 1-2 s, ... up to 2.5-5 s.

export const FIRST_MAX_MS = 500;
export const CAP_MS = 5000;

export class Backoff {
  constructor(random = Math.random) {
    this.random = random;
    this.attempts = 0;
  }

  /** The delay before the next attempt, in milliseconds. */
  next() {
    const upper = Math.min(CAP_MS, FIRST_MAX_MS * 2 ** Math.min(this.attempts, 20));
    this.attempts++;
    const lower = upper / 2;
    return Math.round(lower + this.random() * (upper - lower));
  }

  /** Starts again from the shortest delay, once a connection has settled. */
  reset() {
    this.attempts = 0;
  }
}
