#!/usr/bin/python3
"""A WebSocket client we did not write (python3-websockets), for tests.

Connects to URL, sends what it is told, then prints what it receives, one
line per message: "text <repr>" or "binary <hex>", and at the end
"close <code>". Exits after --recv messages, or when the server closes.
"""
import argparse
import asyncio
import os
import ssl
import sys

import websockets


def show(line):
    print(line, flush=True)


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("--text", action="append", default=[], help="send a text frame")
    ap.add_argument("--binary", action="append", default=[], help="send a binary frame (hex)")
    ap.add_argument("--big", type=int, help="send a text frame of this many bytes")
    ap.add_argument("--recv", type=int, default=-1, help="messages to wait for")
    ap.add_argument("--stop-reading", action="store_true",
                    help="never read: a peer that stalls")
    ap.add_argument("--stall-until", metavar="FILE",
                    help="read nothing until FILE exists: a peer that stalls")
    ap.add_argument("--count-only", action="store_true",
                    help="print how many messages and bytes came, not each one")
    ap.add_argument("--header", action="append", default=[])
    ap.add_argument("--cafile", help="trust this CA (wss://)")
    ap.add_argument("--origin")
    ap.add_argument("--compress", action="store_true",
                    help="offer permessage-deflate (and say if it was taken)")
    args = ap.parse_args()

    headers = [tuple(h.split(": ", 1)) for h in args.header]
    extra = {}
    if args.cafile:
        extra["ssl"] = ssl.create_default_context(cafile=args.cafile)
    if args.origin:
        extra["origin"] = args.origin
    async with websockets.connect(args.url, max_size=None, ping_interval=None,
                                  extra_headers=headers, max_queue=4,
                                  compression="deflate" if args.compress else None,
                                  **extra) as ws:
        deflate = any(e.name == "permessage-deflate" for e in ws.extensions)
        show("open" + (" deflate" if deflate else ""))
        for t in args.text:
            await ws.send(t)
        for b in args.binary:
            await ws.send(bytes.fromhex(b))
        if args.big:
            await ws.send("x" * args.big)
        if args.stop_reading:
            await asyncio.sleep(3600)
        if args.stall_until:
            # Stop the socket itself: the server's writes back up at once.
            ws.transport.pause_reading()
            while not os.path.exists(args.stall_until):
                await asyncio.sleep(0.02)
            show("resumed")
            ws.transport.resume_reading()
        n = size = 0
        while args.recv < 0 or n < args.recv:
            try:
                m = await ws.recv()
            except websockets.ConnectionClosed:
                break
            n += 1
            size += len(m)
            if args.count_only:
                continue
            if isinstance(m, str):
                show("text " + repr(m))
            else:
                show("binary " + m.hex())
        if args.count_only:
            show(f"got {n} messages, {size} bytes")
        if args.recv >= 0 and n >= args.recv:
            await ws.close()
        await ws.wait_closed()
        show(f"close {ws.close_code}")


try:
    asyncio.run(main())
except websockets.InvalidStatusCode as e:
    show(f"refused {e.status_code}")
    sys.exit(3)
except (OSError, websockets.InvalidHandshake) as e:
    show(f"error {e}")
    sys.exit(2)
