#!/usr/bin/python3
"""A python3-websockets peer that keeps what it receives, for fault tests.

  ws_sink.py server SOCKET OUT     listens on a unix socket
  ws_sink.py client URL OUT [--unix SOCKET]

Appends each message it receives to OUT as a line, flushed at once, and
reads one message at a time (max_queue=1), so that what it has answered
pings for is, but for one message, what OUT holds. Prints "open" when a
connection opens and "closed CODE" when it ends. The client reconnects
when its connection ends (until killed).
"""
import asyncio
import os
import sys

import websockets


def show(line):
    print(line, flush=True)


async def receive(ws, out):
    show("open")
    try:
        async for message in ws:
            if isinstance(message, bytes):
                message = message.decode(errors="replace")
            out.write(message + "\n")
            out.flush()
    except websockets.ConnectionClosed:
        pass
    show(f"closed {ws.close_code}")


async def main():
    mode, where, path = sys.argv[1:4]
    out = open(path, "a", buffering=1)
    if mode == "server":
        async with websockets.unix_serve(lambda ws, _path: receive(ws, out), where,
                                         max_queue=1, max_size=None,
                                         ping_interval=None):
            await asyncio.Future()
    unix = sys.argv[5] if len(sys.argv) > 5 and sys.argv[4] == "--unix" else None
    while True:
        try:
            if unix:
                conn = websockets.unix_connect(unix, where, max_queue=1, max_size=None,
                                               ping_interval=None)
            else:
                conn = websockets.connect(where, max_queue=1, max_size=None,
                                          ping_interval=None)
            async with conn as ws:
                await receive(ws, out)
        except (OSError, websockets.InvalidHandshake):
            pass
        await asyncio.sleep(0.05)


if __name__ == "__main__":
    asyncio.run(main())
