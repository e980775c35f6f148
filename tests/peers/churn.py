#!/usr/bin/python3
"""Opens and closes N WebSocket connections to URL, K at a time, each a
clean close handshake; prints "done N" (or "failed ..." on the first error).
With --idle SECS, opens all N, prints "open N", holds them SECS, closes."""
import argparse
import asyncio
import resource

import websockets


async def one(url):
    async with websockets.connect(url, ping_interval=None, close_timeout=5):
        pass


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("n", type=int)
    ap.add_argument("-k", type=int, default=20)
    ap.add_argument("--idle", type=float)
    args = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    if args.idle is not None:
        conns = [await websockets.connect(args.url, ping_interval=None)
                 for _ in range(args.n)]
        print(f"open {len(conns)}", flush=True)
        await asyncio.sleep(args.idle)
        await asyncio.gather(*(c.close() for c in conns))
        print("done", flush=True)
        return
    done = 0
    while done < args.n:
        batch = min(args.k, args.n - done)
        await asyncio.gather(*(one(args.url) for _ in range(batch)))
        done += batch
    print(f"done {done}", flush=True)


asyncio.run(main())
