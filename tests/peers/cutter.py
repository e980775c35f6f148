#!/usr/bin/python3
"""A TCP relay that cuts its connections when told, for tests.

  cutter.py --target PORT --port-file FILE

Listens on 127.0.0.1, an ephemeral port written to FILE once ready
(atomically: FILE.tmp, then renamed), and relays each connection to
127.0.0.1:PORT, bytes both ways. Told by signals:
  SIGUSR1  cut: every connection open now is closed, both ways, at once
           (the browser sees its server go, the server its client);
  SIGUSR2  down, then up again: the first one cuts every connection and
           closes each new one as soon as it is accepted, the next one
           relays again.
Prints a line for each event, flushed: "listening PORT", "open N",
"cut K" (K connections cut), "down K", "up", "turned away N".
"""
import argparse
import asyncio
import os
import signal
import sys


def say(line):
    print(line, flush=True)


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--target", type=int, required=True)
    ap.add_argument("--port-file", required=True)
    args = ap.parse_args()

    conns = set()  # the (client, server) writer pairs open now
    state = {"down": False, "opened": 0, "turned": 0}

    async def pipe(reader, writer):
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    async def relay(creader, cwriter):
        if state["down"]:
            state["turned"] += 1
            say(f"turned away {state['turned']}")
            cwriter.transport.abort()
            return
        try:
            sreader, swriter = await asyncio.open_connection("127.0.0.1", args.target)
        except OSError:
            cwriter.transport.abort()
            return
        pair = (cwriter, swriter)
        conns.add(pair)
        state["opened"] += 1
        say(f"open {state['opened']}")
        try:
            await asyncio.gather(pipe(creader, swriter), pipe(sreader, cwriter))
        finally:
            conns.discard(pair)

    def cut():
        n = len(conns)
        for cw, sw in list(conns):
            cw.transport.abort()
            sw.transport.abort()
        conns.clear()
        return n

    def on_usr1():
        say(f"cut {cut()}")

    def on_usr2():
        state["down"] = not state["down"]
        say(f"down {cut()}" if state["down"] else "up")

    server = await asyncio.start_server(relay, "127.0.0.1", 0)
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGUSR1, on_usr1)
    loop.add_signal_handler(signal.SIGUSR2, on_usr2)
    stop = loop.create_future()
    loop.add_signal_handler(signal.SIGTERM, lambda: stop.done() or stop.set_result(None))
    port = server.sockets[0].getsockname()[1]
    with open(args.port_file + ".tmp", "w") as f:
        f.write(f"{port}\n")
    os.rename(args.port_file + ".tmp", args.port_file)
    say(f"listening {port}")
    await stop
    server.close()
    cut()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(130)
