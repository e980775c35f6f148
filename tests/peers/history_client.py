#!/usr/bin/python3
"""A client that asks rxws-serve for history (python3-websockets), for tests.

history_client.py URL [--pos] [--header 'Name: value']... [--until DATA]
                      [--recv N]

Connects to URL (which may carry ?since= or ?last=), offering the
subprotocol rxws.pos with --pos. Prints "open PROTOCOL" ("-" for none),
then "# Name: value" for the Rxws-Position and Rxws-Gap headers of the
answer, then a line per frame: a notice as it came ("!head POS", "!gap
...", "!live POS"), a message as "POS DATA" under rxws.pos, "DATA" without.
Stops after the message whose data is --until, after --recv messages, or
when the server closes ("close CODE"). A refused handshake prints
"refused STATUS" and exits 1.
"""
import argparse
import asyncio
import sys

import websockets


def show(line):
    print(line, flush=True)


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("--pos", action="store_true", help="offer rxws.pos")
    ap.add_argument("--header", action="append", default=[])
    ap.add_argument("--until", help="stop after the message with this data")
    ap.add_argument("--recv", type=int, default=-1, help="messages to wait for")
    args = ap.parse_args()

    headers = [tuple(h.split(": ", 1)) for h in args.header]
    protocols = ["rxws.pos"] if args.pos else None
    try:
        ws = await websockets.connect(args.url, max_size=None, ping_interval=None,
                                      extra_headers=headers, subprotocols=protocols)
    except websockets.InvalidStatusCode as e:
        show(f"refused {e.status_code}")
        return 1
    show("open " + (ws.subprotocol or "-"))
    for name in ("Rxws-Position", "Rxws-Gap"):
        if name in ws.response_headers:
            show(f"# {name}: {ws.response_headers[name]}")
    n = 0
    while args.recv < 0 or n < args.recv:
        try:
            m = await ws.recv()
        except websockets.ConnectionClosed as e:
            show(f"close {e.code}")
            return 0
        if isinstance(m, bytes):
            m = m.decode("utf-8", "backslashreplace")
        if m.startswith("!") and ws.subprotocol:
            show(m)
            continue
        if ws.subprotocol:
            pos, data = m.split("\n", 1)
            show(f"{pos} {data}")
        else:
            data = m
            show(data)
        n += 1
        if data == args.until:
            break
    await ws.close()
    return 0


sys.exit(asyncio.run(main()))
