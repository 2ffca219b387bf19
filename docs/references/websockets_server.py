# The common websockets way: every message goes to every client as "ip:port: text".
import asyncio, sys, websockets

CLIENTS = set()

async def handler(ws):
    CLIENTS.add(ws)
    host, port = ws.remote_address[:2]
    try:
        async for message in ws:
            websockets.broadcast(CLIENTS, f"{host}:{port}: {message}")
    finally:
        CLIENTS.discard(ws)

async def main():
    async with websockets.serve(handler, "127.0.0.1", int(sys.argv[1]), max_queue=None):
        await asyncio.Future()

asyncio.run(main())
