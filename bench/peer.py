#!/usr/bin/python3
"""The Python websockets peer of the rxws benchmarks.

    peer.py serve [-p PORT] [--wait-clients N] [--bytes] [--chunk-size N] [-k] [-r] [-c N] PATH
    peer.py connect [-r] [--bytes] [--chunk-size N] URL

The same semantics as rxws-serve PATH and rxws-connect URL, written the way a
careful user of python3-websockets 10.4 (legacy API) would:

- serve broadcasts each stdin record to every client on PATH (other paths
  get HTTP 404), writes what clients send to stdout, logs "listening on port
  N" on stderr, does not read stdin before --wait-clients clients are on,
  and at the end of stdin closes every client with 1000 and exits. Like
  `rxws-serve --overflow block`, it stops reading stdin while a client's
  write buffer is full. -r never reads stdin; -c N closes every client with
  1000 and exits once N records are written to stdout.
- connect writes each message it receives to stdout and sends each stdin
  record (unless -r); it exits 0 when the server closes with 1000, or after
  its own close handshake at the end of stdin.

Records: lines and text frames (valid UTF-8, else skipped and reported), or
with --bytes raw framing: each stdin read of up to --chunk-size bytes is a
binary frame, and received frames are written back to back. Writes to
stdout are gathered per event-loop turn: one write(2) for every message that
arrived together, and none held back while the loop waits.
"""
import argparse
import asyncio
import os
import sys

import websockets

MAX_SIZE = 16 << 20     # rxws --max-size default
PING = 30               # rxws --ping-interval and --ping-timeout defaults
READ_SIZE = 1 << 16     # stdin read size in line mode


def log(msg):
    print(f"peer.py: {msg}", file=sys.stderr, flush=True)


class Output:
    """Stdout, written once per event-loop turn with what has gathered."""

    def __init__(self):
        self.parts = []
        self.loop = asyncio.get_running_loop()
        os.set_blocking(1, True)

    def write(self, *data):
        if not self.parts:
            self.loop.call_soon(self.flush)
        self.parts.extend(data)

    def flush(self):
        if not self.parts:
            return
        view = memoryview(b"".join(self.parts))
        self.parts.clear()
        while view:
            view = view[os.write(1, view):]


class Records:
    """Cuts stdin into records: lines (text) or raw chunks (bytes)."""

    def __init__(self, binary, chunk_size):
        self.binary = binary
        self.chunk_size = chunk_size
        self.rest = b""
        self.count = 0

    async def open(self):
        self.reader = asyncio.StreamReader(limit=MAX_SIZE)
        loop = asyncio.get_running_loop()
        await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(self.reader), sys.stdin)

    async def read(self):
        """The next batch of records, [] at the end of stdin."""
        if self.binary:
            chunk = await self.reader.read(self.chunk_size)
            return [chunk] if chunk else []
        while True:
            chunk = await self.reader.read(READ_SIZE)
            if not chunk:
                last, self.rest = self.rest, b""
                return self.texts([last]) if last else []
            lines = (self.rest + chunk).split(b"\n")
            self.rest = lines.pop()
            if lines:
                return self.texts(lines)

    def texts(self, lines):
        out = []
        for line in lines:
            self.count += 1
            try:
                out.append(line.decode())
            except UnicodeDecodeError:
                log(f"record {self.count}: not valid UTF-8, skipped")
        return out


def write_message(out, msg):
    if isinstance(msg, str):
        out.write(msg.encode(), b"\n")
    else:
        out.write(msg)


async def serve(args):
    out = Output()
    clients = set()
    enough = asyncio.Event()
    done = asyncio.Event()
    counted = asyncio.Event()   # -c N records written: write no more
    written = 0

    async def check_path(path, headers):
        if path.split("?")[0] != args.path:
            return (404, [], b"no such path\n")
        return None

    async def handler(ws, path):
        nonlocal written
        clients.add(ws)
        if len(clients) >= args.wait_clients:
            enough.set()
        try:
            async for msg in ws:
                if counted.is_set():
                    continue
                write_message(out, msg)
                written += 1
                if written == args.count:
                    counted.set()
                    done.set()
        except websockets.ConnectionClosed:
            pass
        finally:
            clients.discard(ws)

    async with websockets.serve(handler, args.host, args.port,
                                process_request=check_path, compression=None,
                                max_size=MAX_SIZE, ping_interval=PING,
                                ping_timeout=PING) as server:
        port = server.sockets[0].getsockname()[1]
        log(f"notice: listening on port {port}")

        async def feed():
            try:
                if args.wait_clients > 0:
                    await enough.wait()
                records = Records(args.bytes, args.chunk_size)
                await records.open()
                while batch := await records.read():
                    for record in batch:
                        websockets.broadcast(clients, record)
                    for ws in list(clients):    # --overflow block
                        try:
                            await ws.drain()
                        except websockets.ConnectionClosed:
                            pass
            except BaseException:
                done.set()      # the error comes out of feeder.result()
                raise
            if not args.keep_open:
                done.set()

        feeder = None if args.recv_only else asyncio.create_task(feed())
        await done.wait()
        if feeder is not None and feeder.done():
            feeder.result()
        out.flush()
        await asyncio.gather(*(ws.close(1000) for ws in list(clients)))
    out.flush()


async def connect(args):
    out = Output()
    async with websockets.connect(args.url, compression=None,
                                  max_size=MAX_SIZE, ping_interval=PING,
                                  ping_timeout=PING) as ws:
        async def send_stdin():
            records = Records(args.bytes, args.chunk_size)
            await records.open()
            while batch := await records.read():
                for record in batch:
                    await ws.send(record)
            if not args.keep_open:
                await ws.close(1000)

        sender = None if args.recv_only else asyncio.create_task(send_stdin())
        try:
            async for msg in ws:
                write_message(out, msg)
        except websockets.ConnectionClosed:
            pass
        out.flush()
        if sender is not None:
            if sender.done():
                sender.result()
            else:
                sender.cancel()
        if ws.close_code != 1000:
            log(f"closed with {ws.close_code}")
            return 1
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="mode", required=True)
    for name in ("serve", "connect"):
        p = sub.add_parser(name)
        p.add_argument("--bytes", action="store_true",
                       help="binary frames, raw framing")
        p.add_argument("--chunk-size", type=int, default=4096,
                       help="largest frame read at once with --bytes (4096)")
        p.add_argument("-k", "--keep-open", action="store_true",
                       help="keep running after the end of stdin")
    s = sub.choices["serve"]
    s.add_argument("path")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("-p", "--port", type=int, default=8888)
    s.add_argument("--wait-clients", type=int, default=0)
    s.add_argument("-r", "--recv-only", action="store_true")
    s.add_argument("-c", "--count", type=int, default=0,
                   help="exit after writing N records to stdout")
    c = sub.choices["connect"]
    c.add_argument("url")
    c.add_argument("-r", "--recv-only", action="store_true")
    args = ap.parse_args()
    run = serve if args.mode == "serve" else connect
    try:
        sys.exit(asyncio.run(run(args)) or 0)
    except BrokenPipeError:
        sys.exit(0)


if __name__ == "__main__":
    main()
