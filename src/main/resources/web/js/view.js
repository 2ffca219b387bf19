// Everything the page shows, built from DOM nodes: user text only ever goes in through
// textContent or text nodes (appendText), never as markup.

import { appendText } from './linkify.js';

/** Messages kept on the page; older ones are dropped so that a long session stays light. */
export const MAX_SHOWN = 2000;
const NEAR_BOTTOM_PX = 48;

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

export class ChatView {
  constructor(doc) {
    this.doc = doc;
    this.list = doc.getElementById('messages');
    this.toNewest = doc.getElementById('to-newest');
    this.statusLine = doc.getElementById('status');
    this.memberList = doc.getElementById('members');
    this.memberCount = doc.getElementById('members-count');
    this.memberRoom = doc.getElementById('members-room');
    this.outboxList = doc.getElementById('outbox');
    this.countdown = null;
    this.list.addEventListener('scroll', () => {
      if (this.nearBottom()) {
        this.toNewest.hidden = true;
      }
    });
    this.toNewest.addEventListener('click', () => this.scrollToNewest());
  }

  clearMessages() {
    this.list.replaceChildren();
    this.toNewest.hidden = true;
  }

  /** Shows a chat message: time, sender, text; own messages marked. */
  message(event, own) {
    const item = this.doc.createElement('li');
    item.className = 'msg';
    item.classList.toggle('own', own);
    item.classList.toggle('action', event.action === true);
    item.classList.toggle('replay', event.replay === true);
    item.dataset.id = String(event.id);

    const time = this.doc.createElement('time');
    const when = new Date(Number(event.ts));
    if (!Number.isNaN(when.getTime())) {
      time.dateTime = when.toISOString();
      time.textContent = timeFormat.format(when);
      time.title = when.toLocaleString();
    }
    const from = this.doc.createElement('span');
    from.className = 'from';
    from.textContent = String(event.from ?? '');
    if (event.addr) {
      from.title = String(event.addr);
    }
    const text = this.doc.createElement('span');
    text.className = 'text';
    appendText(text, String(event.text ?? ''));

    item.append(time, ' ', from, ' ', text);
    this.append(item);
  }

  /** Shows a line that is not a chat message: presence, a gap, an error, information. */
  notice(text, kind) {
    const item = this.doc.createElement('li');
    item.className = `notice ${kind}`;
    item.textContent = text;
    this.append(item);
  }

  /** Marks the message with this id as one of this page's, if it is shown. */
  markOwn(id) {
    for (const item of this.list.querySelectorAll('li.msg')) {
      if (item.dataset.id === id) {
        item.classList.add('own');
      }
    }
  }

  append(item) {
    const stick = this.nearBottom();
    this.list.append(item);
    while (this.list.childElementCount > MAX_SHOWN) {
      this.list.firstElementChild.remove();
    }
    if (stick) {
      this.scrollToNewest();
    } else {
      this.toNewest.hidden = false;
    }
  }

  nearBottom() {
    const list = this.list;
    return list.scrollHeight - list.scrollTop - list.clientHeight < NEAR_BOTTOM_PX;
  }

  scrollToNewest() {
    this.list.scrollTop = this.list.scrollHeight;
    this.toNewest.hidden = true;
  }

  /** Shows the member list of room; myName is marked. */
  members(room, members, myName) {
    this.memberRoom.textContent = room;
    this.memberCount.textContent = `(${members.count})`;
    const items = members.sorted().map((name) => {
      const item = this.doc.createElement('li');
      item.textContent = name;
      if (name === myName) {
        item.classList.add('me');
      }
      return item;
    });
    const unnamed = members.count - items.length;
    if (unnamed > 0) {
      const more = this.doc.createElement('li');
      more.className = 'more';
      more.textContent = `and ${unnamed} more`;
      items.push(more);
    }
    this.memberList.replaceChildren(...items);
  }

  /** Shows the messages that wait for the server's confirmation. */
  outbox(entries) {
    this.outboxList.replaceChildren(
      ...entries.map((entry) => {
        const item = this.doc.createElement('li');
        item.dataset.ref = entry.ref;
        item.textContent = entry.action ? `* ${entry.text}` : entry.text;
        return item;
      }),
    );
  }

  /** The status line: connecting, connected, reconnecting in N s, not connected. */
  status(state, detail) {
    clearInterval(this.countdown);
    this.countdown = null;
    this.statusLine.dataset.state = state;
    const render = () => {
      this.statusLine.textContent = statusText(state, detail);
    };
    render();
    if (state === 'reconnecting') {
      this.countdown = setInterval(render, 250);
    }
  }
}

function statusText(state, detail) {
  const waiting =
    detail.waiting > 0
      ? ` · ${detail.waiting} message${detail.waiting === 1 ? '' : 's'} waiting to be sent`
      : '';
  switch (state) {
    case 'connecting':
      return `connecting to ${detail.room}…${waiting}`;
    case 'replaying':
      return `connected, catching up in ${detail.room}…${waiting}`;
    case 'connected':
      return `connected as ${detail.name} in ${detail.room}${waiting}`;
    case 'reconnecting': {
      const seconds = Math.max(0, Math.ceil((detail.at - Date.now()) / 1000));
      return `${detail.why}: reconnecting in ${seconds} s${waiting}`;
    }
    case 'stopped':
      return `not connected: ${detail.why}`;
    default:
      return 'not connected';
  }
}
