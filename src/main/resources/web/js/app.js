// The page: reads ?room= and ?nick=, joins at once when both are given (else asks), and wires the
// forms, the connection and the view together.

import { ChatConnection, ROOM_PATTERN } from './connection.js';
import { Members } from './members.js';
import { ChatView } from './view.js';

const DEFAULT_ROOM = 'lobby';
const MAX_INPUT_ROWS = 6;
const HELP =
  'commands: /nick NAME, /join ROOM, /who, /me ACTION; //text sends /text; ' +
  'Enter sends, Shift+Enter starts a new line';

const $ = (id) => document.getElementById(id);
const joinForm = $('join-form');
const nickField = $('nick');
const roomField = $('room');
const joinButton = $('join-button');
const sayForm = $('say-form');
const input = $('input');
const sendButton = $('send');

const view = new ChatView(document);
const members = new Members();
let started = false;

const connection = new ChatConnection(location.href, {
  state(state, detail) {
    view.status(state, detail);
    document.body.dataset.state = state;
  },
  welcome(event, newRoom) {
    if (newRoom) {
      view.clearMessages();
      members.clear();
      view.notice(String(event.text ?? ''), 'info');
    }
    roomField.value = event.room;
    nickField.value = event.nick ?? '';
    document.title = `${event.room} · broadcast-chat`;
    updateUrl();
    renderMembers();
  },
  message(event, own) {
    view.message(event, own);
  },
  gap() {
    view.notice('some older messages were missed', 'gap');
  },
  live() {},
  presence(event) {
    if (event.type === 'nick') {
      members.rename(event.from, event.to);
      view.notice(`${event.from} is now known as ${event.to}`, 'presence');
    } else {
      if (!members.presence(event)) {
        connection.who();
      }
      const verb = event.type === 'join' ? 'joined' : 'left';
      view.notice(`${names(event.nicks || [], event.count)} ${verb} ${event.room}`, 'presence');
    }
    renderMembers();
  },
  who(event) {
    if (event.room === undefined || event.room === connection.shownRoom) {
      members.who(event);
      renderMembers();
    }
  },
  notice(event) {
    view.notice(String(event.text ?? ''), 'info');
  },
  error(event, entry) {
    const message = String(event.message ?? event.code);
    if (entry && entry.retry) {
      view.notice(`! ${message}; sending again shortly`, 'error');
    } else if (entry) {
      view.notice(`! not sent (${message}): ${entry.text}`, 'error');
    } else {
      view.notice(`! ${message}`, 'error');
    }
  },
  acked(entry, id) {
    view.markOwn(id);
  },
  outbox(entries) {
    view.outbox(entries);
    connection.refreshState();
  },
  renamed(nick) {
    nickField.value = nick;
    updateUrl();
  },
  nickRefused() {
    nickField.value = connection.me?.nick ?? '';
  },
  roomRefused() {
    roomField.value = connection.room ?? '';
  },
});

/** "alice", "alice and bob", "alice, bob, carol and 37 others". */
function names(nicks, count) {
  const total = Number.isInteger(count) ? Math.max(count, nicks.length) : nicks.length;
  const shown = nicks.slice(0, 3);
  const others = total - shown.length;
  if (others > 0) {
    return `${shown.join(', ')} and ${others} other${others === 1 ? '' : 's'}`;
  }
  if (shown.length <= 1) {
    return shown.join('');
  }
  return `${shown.slice(0, -1).join(', ')} and ${shown[shown.length - 1]}`;
}

function renderMembers() {
  view.members(connection.shownRoom ?? roomField.value, members, connection.myName());
}

function updateUrl() {
  const url = new URL(location.href);
  url.searchParams.set('room', connection.room ?? roomField.value);
  const nick = connection.me?.nick ?? connection.wantedNick;
  if (nick) {
    url.searchParams.set('nick', nick);
  } else {
    url.searchParams.delete('nick');
  }
  history.replaceState(null, '', url);
}

function start(room, nick) {
  started = true;
  joinButton.textContent = 'Change';
  input.disabled = false;
  sendButton.disabled = false;
  connection.open(room, nick);
  updateUrl();
  input.focus();
}

joinForm.addEventListener('submit', (e) => {
  e.preventDefault();
  const nick = nickField.value.trim();
  const room = roomField.value.trim() || DEFAULT_ROOM;
  if (!ROOM_PATTERN.test(room)) {
    view.notice(`! bad room: ${room} (expected: 1 to 64 letters, digits, -, _ or .)`, 'error');
    return;
  }
  if (!started || connection.stopped) {
    start(room, nick);
    return;
  }
  if (room !== connection.room) {
    connection.join(room);
  }
  if (nick && nick !== connection.me?.nick) {
    connection.nick(nick);
  }
  connection.retryNow();
  input.focus();
});

function runCommand(line) {
  const space = line.indexOf(' ');
  const name = (space < 0 ? line : line.slice(0, space)).toLowerCase();
  const argument = space < 0 ? '' : line.slice(space + 1).trim();
  switch (name) {
    case '/me':
      if (argument) {
        connection.say(argument, true);
      }
      return;
    case '/nick':
      if (argument) {
        nickField.value = argument;
        connection.nick(argument);
      } else {
        view.notice('! usage: /nick NAME', 'error');
      }
      return;
    case '/join':
      if (ROOM_PATTERN.test(argument)) {
        roomField.value = argument;
        connection.join(argument);
      } else {
        view.notice('! usage: /join ROOM (1 to 64 letters, digits, -, _ or .)', 'error');
      }
      return;
    case '/who':
      connection.who();
      return;
    case '/help':
      view.notice(HELP, 'info');
      return;
    default:
      view.notice(`! unknown command ${name}, try /help`, 'error');
  }
}

function sendInput() {
  const text = input.value;
  if (text.trim() === '') {
    return;
  }
  input.value = '';
  fitInput();
  if (text.startsWith('//')) {
    connection.say(text.slice(1));
  } else if (text.startsWith('/')) {
    runCommand(text.trim());
  } else {
    connection.say(text);
  }
}

function fitInput() {
  input.rows = Math.min(MAX_INPUT_ROWS, input.value.split('\n').length);
}

sayForm.addEventListener('submit', (e) => {
  e.preventDefault();
  sendInput();
  input.focus();
});

input.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    sendInput();
  }
});

input.addEventListener('input', fitInput);

window.addEventListener('online', () => connection.retryNow());

const params = new URLSearchParams(location.search);
nickField.value = params.get('nick') ?? '';
roomField.value = params.get('room') ?? '';
if (params.get('room') && params.get('nick')) {
  const room = params.get('room');
  if (ROOM_PATTERN.test(room)) {
    start(room, params.get('nick'));
  } else {
    view.notice(`! bad room: ${room} (expected: 1 to 64 letters, digits, -, _ or .)`, 'error');
    roomField.focus();
  }
} else {
  view.status('idle', {});
  view.notice('Choose a nick and a room, then Join.', 'info');
  (nickField.value ? roomField : nickField).focus();
  if (!roomField.value) {
    roomField.value = DEFAULT_ROOM;
  }
}
