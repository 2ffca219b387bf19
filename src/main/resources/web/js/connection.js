// One chat connection that outlives its WebSockets: it speaks chat.v1.json (docs/PROTOCOL.md),
// reconnects with jittered backoff after a drop, resumes with since = the last message id it
// handed on (so nothing is missed or shown twice), keeps unconfirmed messages in an outbox and
// resends them after a reconnect, and pings the server to notice a connection that died silently
// (a browser never shows WebSocket pings to the page). It owns no DOM: what happens goes to the
// listener given to the constructor.

import { Backoff } from './backoff.js';
import { Outbox } from './outbox.js';

export const SUBPROTOCOL = 'chat.v1.json';
export const PING_INTERVAL_MS = 15000;
export const PONG_TIMEOUT_MS = 10000;
/** How long an opening handshake may take before the attempt is given up and retried. */
export const CONNECT_TIMEOUT_MS = 10000;
export const WHO_INTERVAL_MS = 30000;
/** How long a message refused for now (rate_limited, unavailable) waits before it is sent again. */
export const RETRY_MS = 2000;
/**
 * How long a connection stays live before it counts as back: the next drop then starts the backoff
 * from its shortest delay. A server that goes live and drops at once is backed off from.
 */
export const SETTLED_MS = 20000;
/** Close codes after which reconnecting would only be refused again: a bad name, abuse. */
const FINAL_CLOSE_CODES = new Set([1008]);
const RETRIED_ERRORS = new Set(['rate_limited', 'unavailable']);
const REMEMBERED_OWN_IDS = 1000;

export const ROOM_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * The listener gets: state(state, detail), welcome(event, newRoom), message(event, own), gap(event),
 * live(), presence(event) for join/leave/nick, who(event), notice(event), error(event, entry),
 * acked(entry, id), outbox(entries), renamed(nick), nickRefused(), roomRefused().
 *
 * The timings may be given as options (pingIntervalMs, pongTimeoutMs, connectTimeoutMs); the page
 * uses the defaults above, tests shorten them.
 */
export class ChatConnection {
  constructor(origin, listener, options = {}) {
    this.origin = origin;
    this.listener = listener;
    this.pingIntervalMs = options.pingIntervalMs ?? PING_INTERVAL_MS;
    this.pongTimeoutMs = options.pongTimeoutMs ?? PONG_TIMEOUT_MS;
    this.connectTimeoutMs = options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
    this.outbox = new Outbox();
    this.backoff = new Backoff();
    this.ws = null;
    this.generation = 0;
    this.timers = new Map();
    this.state = 'idle';
    this.stateDetail = {};
    this.room = null;
    this.wantedNick = null;
    this.pendingRoom = null;
    this.pendingNick = null;
    this.shownRoom = null;
    this.lastId = null;
    this.me = null;
    this.live = false;
    this.liveAt = null;
    this.stopped = true;
    this.ownIds = new Set();
  }

  /** Connects to room as nick (empty for none), or reconnects now after a final close. */
  open(room, nick) {
    this.room = room;
    this.wantedNick = nick || null;
    this.stopped = false;
    this.connect();
  }

  /** Sends a chat message, now if the connection is live, else once it is. */
  say(text, action = false) {
    const entry = this.outbox.add(text, action);
    if (this.live) {
      this.sendSay(entry);
    }
    this.listener.outbox(this.outbox.pending());
    return entry;
  }

  /** Asks for a new nick; while disconnected it is asked for on the next connect. */
  nick(nick) {
    if (this.live) {
      this.pendingNick = nick;
      this.send({ type: 'nick', nick });
    } else {
      this.wantedNick = nick;
    }
  }

  /** Moves to another room; while disconnected the next connect goes there. */
  join(room) {
    if (this.live) {
      this.pendingRoom = room;
      this.send({ type: 'join', room });
    } else {
      this.room = room;
      if (this.stopped) {
        this.open(room, this.wantedNick);
      }
    }
  }

  who() {
    this.send({ type: 'who' });
  }

  /** While waiting to reconnect: try now (the browser says it is back online). */
  retryNow() {
    if (this.state === 'reconnecting') {
      this.connect();
    }
  }

  /** How this page is shown to the room: its nick, else its address. */
  myName() {
    return this.me ? this.me.nick || this.me.addr : null;
  }

  connect() {
    this.clearTimer('reconnect');
    this.detach();
    const url = new URL('/', this.origin);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.searchParams.set('room', this.room);
    if (this.wantedNick) {
      url.searchParams.set('nick', this.wantedNick);
    }
    if (this.lastId !== null && this.shownRoom === this.room) {
      url.searchParams.set('since', this.lastId);
    }
    this.setState('connecting');
    const generation = ++this.generation;
    let ws;
    try {
      ws = new WebSocket(url, SUBPROTOCOL);
    } catch (e) {
      this.closed(generation, 1006, String(e.message || e));
      return;
    }
    this.ws = ws;
    this.after('connect', this.connectTimeoutMs, () => this.lost('no answer from the server'));
    ws.onopen = () => {
      if (generation === this.generation) {
        this.clearTimer('connect');
        this.every('ping', this.pingIntervalMs, () => this.ping());
      }
    };
    ws.onmessage = (e) => {
      if (generation === this.generation) {
        this.receive(e.data);
      }
    };
    ws.onclose = (e) => this.closed(generation, e.code, e.reason);
  }

  receive(data) {
    let event;
    try {
      event = JSON.parse(data);
    } catch {
      return;
    }
    if (event === null || typeof event !== 'object') {
      return;
    }
    switch (event.type) {
      case 'welcome': {
        const newRoom = event.room !== this.shownRoom;
        if (newRoom) {
          this.shownRoom = event.room;
          this.lastId = null;
        }
        this.room = event.room;
        this.pendingRoom = null;
        this.me = { nick: event.nick, addr: event.addr };
        if (event.nick) {
          this.wantedNick = event.nick;
        }
        this.live = false;
        this.clearTimer('who');
        this.listener.welcome(event, newRoom);
        this.setState('replaying');
        break;
      }
      case 'message':
        if (event.room !== undefined && event.room !== this.shownRoom) {
          return;
        }
        this.lastId = event.id;
        this.listener.message(event, this.ownIds.has(event.id) || event.from === this.myName());
        break;
      case 'gap':
        this.listener.gap(event);
        break;
      case 'live':
        this.live = true;
        if (this.liveAt === null) {
          // Since the first live of this WebSocket: a join's live later does not restart the count.
          this.liveAt = Date.now();
        }
        this.setState('connected');
        this.listener.live();
        for (const entry of this.outbox.pending()) {
          this.sendSay(entry);
        }
        this.who();
        this.every('who', WHO_INTERVAL_MS, () => this.who());
        break;
      case 'ack': {
        const entry = this.outbox.take(event.ref);
        if (entry) {
          this.rememberOwn(event.id);
          this.listener.acked(entry, event.id);
          this.listener.outbox(this.outbox.pending());
        }
        break;
      }
      case 'error':
        this.onError(event);
        break;
      case 'pong':
        this.clearTimer('pong');
        break;
      case 'nick': {
        if (event.room !== undefined && event.room !== this.shownRoom) {
          return;
        }
        const mine = this.me !== null && event.from === this.myName();
        if (mine) {
          this.me.nick = event.to;
          this.wantedNick = event.to;
          this.pendingNick = null;
        }
        this.listener.presence(event, mine);
        if (mine) {
          this.listener.renamed(event.to);
          this.refreshState();
        }
        break;
      }
      case 'join':
      case 'leave':
        if (event.room !== undefined && event.room !== this.shownRoom) {
          return;
        }
        this.listener.presence(event, false);
        break;
      case 'who':
        this.listener.who(event);
        break;
      case 'notice':
        this.listener.notice(event);
        break;
      default:
        break;
    }
  }

  onError(event) {
    let entry;
    if (event.ref) {
      entry = this.outbox.get(event.ref);
      if (entry && RETRIED_ERRORS.has(event.code)) {
        entry.retry = true;
        if (!this.timers.has('retry')) {
          this.after('retry', RETRY_MS, () => this.resendRefused());
        }
      } else if (entry) {
        this.outbox.take(event.ref);
        this.listener.outbox(this.outbox.pending());
      }
    } else if (event.code === 'bad_name' || event.code === 'nick_taken') {
      if (this.pendingNick !== null) {
        this.pendingNick = null;
        this.listener.nickRefused();
      } else if (this.pendingRoom !== null) {
        this.pendingRoom = null;
        this.listener.roomRefused();
      }
    }
    this.listener.error(event, entry);
  }

  resendRefused() {
    if (!this.live) {
      return;
    }
    for (const entry of this.outbox.pending()) {
      if (entry.retry) {
        entry.retry = false;
        this.sendSay(entry);
      }
    }
  }

  sendSay(entry) {
    const say = { type: 'say', text: entry.text, ref: entry.ref };
    if (entry.action) {
      say.action = true;
    }
    this.send(say);
  }

  send(object) {
    if (this.ws !== null && this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify(object));
    }
  }

  ping() {
    if (this.timers.has('pong')) {
      return;
    }
    this.send({ type: 'ping' });
    // No answer: the connection is dead even if the browser has not noticed.
    this.after('pong', this.pongTimeoutMs, () => this.lost('no answer from the server'));
  }

  /** Gives up on the current WebSocket without waiting for the browser to notice it is dead. */
  lost(why) {
    this.detach();
    this.live = false;
    this.scheduleReconnect(why);
  }

  closed(generation, code, reason) {
    if (generation !== this.generation) {
      return;
    }
    this.detach();
    this.live = false;
    if (this.stopped) {
      return;
    }
    if (FINAL_CLOSE_CODES.has(code)) {
      this.stopped = true;
      this.setState('stopped', { why: reason || `closed with ${code}` });
      return;
    }
    this.scheduleReconnect(describeClose(code, reason));
  }

  scheduleReconnect(why) {
    if (this.liveAt !== null && Date.now() - this.liveAt >= SETTLED_MS) {
      this.backoff.reset();
    }
    this.liveAt = null;
    const delay = this.backoff.next();
    this.setState('reconnecting', { at: Date.now() + delay, why });
    this.after('reconnect', delay, () => this.connect());
  }

  /** Forgets the current WebSocket: its events are ignored from now on, and it is closed. */
  detach() {
    const ws = this.ws;
    this.ws = null;
    this.generation++;
    for (const name of ['connect', 'ping', 'pong', 'who', 'retry']) {
      this.clearTimer(name);
    }
    if (ws !== null && ws.readyState <= WebSocket.OPEN) {
      try {
        ws.close(1000);
      } catch {
        // Already closing.
      }
    }
  }

  rememberOwn(id) {
    this.ownIds.add(id);
    if (this.ownIds.size > REMEMBERED_OWN_IDS) {
      this.ownIds.delete(this.ownIds.values().next().value);
    }
  }

  setState(state, detail = {}) {
    this.state = state;
    this.stateDetail = detail;
    this.refreshState();
  }

  /** Tells the listener the state again, with what changed since (name, messages waiting). */
  refreshState() {
    this.listener.state(this.state, {
      room: this.room,
      name: this.myName(),
      waiting: this.outbox.size,
      ...this.stateDetail,
    });
  }

  after(name, ms, task) {
    this.clearTimer(name);
    this.timers.set(
      name,
      setTimeout(() => {
        this.timers.delete(name);
        task();
      }, ms),
    );
  }

  every(name, ms, task) {
    this.clearTimer(name);
    this.timers.set(name, setInterval(task, ms));
  }

  clearTimer(name) {
    const id = this.timers.get(name);
    if (id !== undefined) {
      clearTimeout(id);
      clearInterval(id);
      this.timers.delete(name);
    }
  }
}

function describeClose(code, reason) {
  switch (code) {
    case 1001:
      return 'the server is restarting';
    case 1006:
      return 'connection lost';
    case 1013:
      return 'the server asked to reconnect';
    default:
      return reason ? `closed: ${reason}` : `closed with ${code}`;
  }
}
