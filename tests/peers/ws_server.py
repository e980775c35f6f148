#!/usr/bin/python3
"""A WebSocket server we did not write (python3-websockets), for tests.

Listens on 127.0.0.1, an ephemeral port written to PORTFILE once ready.
For each connection on an accepted path it prints "open PATH", sends what
it is told, prints each message it receives as "PATH text <repr>" or
"PATH binary <hex>", and "closed PATH <code>" at the end ("open PATH
PROTOCOL" when a --subprotocol was chosen).
"""
import argparse
import asyncio
import hashlib
import os
import sys

import cbor2
import websockets


def show(line):
    print(line, flush=True)


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("portfile")
    ap.add_argument("--text", action="append", default=[], help="send a text frame")
    ap.add_argument("--binary", action="append", default=[], help="send a binary frame (hex)")
    ap.add_argument("--cbor-hex", action="append", default=[],
                    help="send a binary frame of this CBOR (hex)")
    ap.add_argument("--cbor", action="store_true",
                    help="print binary frames decoded as CBOR")
    ap.add_argument("--close", type=int, help="then close with this code")
    ap.add_argument("--compress", action="store_true", help="accept permessage-deflate")
    ap.add_argument("--sha256", action="store_true",
                    help="print each message's size and sha256, not the message")
    ap.add_argument("--refuse", action="append", default=[],
                    help="answer HTTP 404 for this path")
    ap.add_argument("--close-after", type=int,
                    help="close with 1000 after this many messages")
    ap.add_argument("--drop", action="append", default=[],
                    help="accept this path, then close it at once with 1011")
    ap.add_argument("--subprotocol", action="append", default=[],
                    help="choose this subprotocol when offered (repeatable)")
    args = ap.parse_args()

    async def refuse(path, headers):
        if path.split("?")[0] in args.refuse:
            show(f"refused {path}")
            return (404, [], b"no\n")
        return None

    async def handler(ws, path):
        show(f"open {path}" + (f" {ws.subprotocol}" if ws.subprotocol else ""))
        if path.split("?")[0] in args.drop:
            await ws.close(1011, "go away")
            show(f"closed {path} 1011")
            return
        async def read_all():
            n = 0
            try:
                async for m in ws:
                    if args.sha256:
                        data = m.encode() if isinstance(m, str) else m
                        kind = "text" if isinstance(m, str) else "binary"
                        deflate = any(e.name == "permessage-deflate" for e in ws.extensions)
                        show(f"{path} {kind} {len(data)} {hashlib.sha256(data).hexdigest()}"
                             + (" deflate" if deflate else ""))
                    elif isinstance(m, str):
                        show(f"{path} text {m!r}")
                    elif args.cbor:
                        try:
                            show(f"{path} cbor {cbor2.loads(m)!r}")
                        except Exception as e:
                            show(f"{path} not-cbor {e}")
                    else:
                        show(f"{path} binary {m.hex()}")
                    n += 1
                    if args.close_after and n >= args.close_after:
                        await ws.close(1000)
            except websockets.ConnectionClosed:
                pass

        reader = asyncio.ensure_future(read_all())
        try:
            for t in args.text:
                await ws.send(t)
            for b in args.binary + args.cbor_hex:
                await ws.send(bytes.fromhex(b))
            if args.close:
                await ws.close(args.close)
        except websockets.ConnectionClosed:
            pass
        await reader
        show(f"closed {path} {ws.close_code}")

    async with websockets.serve(handler, "127.0.0.1", 0, max_size=None,
                                process_request=refuse, ping_interval=None,
                                subprotocols=args.subprotocol or None,
                                compression="deflate" if args.compress else None) as server:
        port = server.sockets[0].getsockname()[1]
        tmp = args.portfile + ".tmp"
        with open(tmp, "w") as f:
            f.write(f"{port}\n")
        os.rename(tmp, args.portfile)
        await asyncio.Future()


asyncio.run(main())
