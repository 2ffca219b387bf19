// The common ws way: every message goes to every open client as "ip:port: text".
const { WebSocketServer, WebSocket } = require('ws');

const wss = new WebSocketServer({ host: '127.0.0.1', port: Number(process.argv[2]) });
wss.on('connection', (ws, req) => {
  const from = `${req.socket.remoteAddress}:${req.socket.remotePort}`;
  ws.on('message', (data) => {
    const line = `${from}: ${data}`;
    for (const c of wss.clients) {
      if (c.readyState === WebSocket.OPEN) c.send(line);
    }
  });
});
