// The gorilla/websocket chat example's hub, speaking the text protocol: every message goes to
// every client as "ip:port: text". Each client has a buffered send channel and a write pump that
// joins whatever is queued into one frame, newline-separated, as the example does.
package main

import (
	"log"
	"net/http"
	"os"
	"time"

	"github.com/gorilla/websocket"
)

type client struct {
	hub  *hub
	conn *websocket.Conn
	send chan []byte
	addr string
}

type hub struct {
	clients    map[*client]bool
	broadcast  chan []byte
	register   chan *client
	unregister chan *client
}

func (h *hub) run() {
	for {
		select {
		case c := <-h.register:
			h.clients[c] = true
		case c := <-h.unregister:
			if _, ok := h.clients[c]; ok {
				delete(h.clients, c)
				close(c.send)
			}
		case m := <-h.broadcast:
			for c := range h.clients {
				select {
				case c.send <- m:
				default:
					close(c.send)
					delete(h.clients, c)
				}
			}
		}
	}
}

var upgrader = websocket.Upgrader{ReadBufferSize: 1024, WriteBufferSize: 1024,
	CheckOrigin: func(r *http.Request) bool { return true }}

func (c *client) readPump() {
	defer func() { c.hub.unregister <- c; c.conn.Close() }()
	for {
		_, m, err := c.conn.ReadMessage()
		if err != nil {
			return
		}
		c.hub.broadcast <- append([]byte(c.addr+": "), m...)
	}
}

func (c *client) writePump() {
	defer c.conn.Close()
	for m := range c.send {
		c.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
		w, err := c.conn.NextWriter(websocket.TextMessage)
		if err != nil {
			return
		}
		w.Write(m)
		for n := len(c.send); n > 0; n-- {
			w.Write([]byte{'\n'})
			w.Write(<-c.send)
		}
		if err := w.Close(); err != nil {
			return
		}
	}
	c.conn.WriteMessage(websocket.CloseMessage, []byte{})
}

func main() {
	h := &hub{clients: map[*client]bool{}, broadcast: make(chan []byte),
		register: make(chan *client), unregister: make(chan *client)}
	go h.run()
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		conn, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		c := &client{hub: h, conn: conn, send: make(chan []byte, 256), addr: r.RemoteAddr}
		h.register <- c
		go c.writePump()
		go c.readPump()
	})
	log.Fatal(http.ListenAndServe("127.0.0.1:"+os.Args[1], nil))
}
