#!/usr/bin/python3
"""An echo server we did not write (python3-websockets): every message a
client sends comes back to it as the same kind of frame. It lets the
conformance peer (conformance.py client) be checked against a library.

Listens on 127.0.0.1, an ephemeral port written to PORTFILE once ready.
"""
import argparse
import asyncio
import os

import websockets


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("portfile")
    ap.add_argument("--max-size", type=int, default=16 << 20)
    ap.add_argument("--compress", action="store_true", help="accept permessage-deflate")
    args = ap.parse_args()

    async def echo(ws, path):
        try:
            async for message in ws:
                await ws.send(message)
        except websockets.ConnectionClosed:
            pass

    server = await websockets.serve(echo, "127.0.0.1", 0, max_size=args.max_size,
                                    compression="deflate" if args.compress else None,
                                    ping_interval=None)
    port = server.sockets[0].getsockname()[1]
    with open(args.portfile + ".tmp", "w") as f:
        f.write(str(port))
    os.rename(args.portfile + ".tmp", args.portfile)
    await server.wait_closed()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
