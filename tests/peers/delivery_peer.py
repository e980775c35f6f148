#!/usr/bin/python3
"""An acknowledging client written by hand over a raw socket: it speaks
rxws' delivery protocol (rxws(7), DELIVERY) to rxws-serve step by step, so
that a test can lose an ack, resume a session, or refuse to acknowledge,
where a real rxws-connect never would.

  delivery_peer.py (--unix PATH | --port P) [--path /] CASE

Cases (--list prints them):

  ack-again     Sends N numbered messages, waits for the ack of all N,
                drops the connection without a close (as if the ack had been
                lost with it), and resumes the same session, saying it still
                holds all N: the server must send the ack again on the new
                connection, unasked. (An ack that is never repeated stalls
                a sender whose queue is full of records the server has.)

Prints what it did, a line a step; exits 0 when the server did what the
case asks, 1 (with the reason) otherwise.
"""
import argparse
import base64
import os
import re
import socket
import struct
import sys
import time

BOUND = 5.0


class Fail(Exception):
    pass


def say(line):
    print(line, flush=True)


class Conn:
    def __init__(self, opts):
        if opts.unix:
            self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.s.connect(opts.unix)
        else:
            self.s = socket.create_connection(("127.0.0.1", opts.port))
        self.buf = b""

    def recv_more(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        self.s.settimeout(left)
        chunk = self.s.recv(65536)
        if not chunk:
            raise Fail("the server closed the connection")
        self.buf += chunk

    def handshake(self, path, offer):
        key = base64.b64encode(os.urandom(16)).decode()
        head = (f"GET {path} HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                f"Sec-WebSocket-Version: 13\r\nRxws-Delivery: {offer}\r\n\r\n")
        self.s.sendall(head.encode())
        deadline = time.monotonic() + BOUND
        while b"\r\n\r\n" not in self.buf:
            self.recv_more(deadline)
        answer, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = answer.decode().split("\r\n")
        if not lines[0].startswith("HTTP/1.1 101"):
            raise Fail(f"refused: {lines[0]}")
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "rxws-delivery":
                return dict(re.findall(r"(\w+)=(\w+)", value))
        raise Fail("no Rxws-Delivery header in the answer")

    def send(self, op, payload):
        mask = os.urandom(4)
        n = len(payload)
        head = bytes([0x80 | op])
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack(">Q", n)
        body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.s.sendall(head + mask + body)

    def frame(self, deadline):
        """The next frame: (opcode, payload). Pings are answered."""
        while True:
            while True:
                b = self.buf
                if len(b) >= 2:
                    n = b[1] & 0x7F
                    at = 2 + (2 if n == 126 else 8 if n == 127 else 0)
                    if len(b) >= at:
                        if n == 126:
                            n = struct.unpack(">H", b[2:4])[0]
                        elif n == 127:
                            n = struct.unpack(">Q", b[2:10])[0]
                        if len(b) >= at + n:
                            break
                self.recv_more(deadline)
            op, payload = b[0] & 0x0F, b[at:at + n]
            self.buf = b[at + n:]
            if op == 0x9:
                self.send(0xA, payload)
                continue
            return op, payload

    def wait_ack(self, want, bound):
        """Waits for an ack of at least want; the highest seen, or None."""
        deadline = time.monotonic() + bound
        best = None
        try:
            while best is None or best < want:
                op, payload = self.frame(deadline)
                m = re.fullmatch(rb"rxws-ack (\d+)", payload) if op == 0xA else None
                if m:
                    best = max(best or 0, int(m.group(1)))
        except TimeoutError:
            pass
        return best

    def drop(self):
        self.s.close()


def offer(session, instance, peer="0000000000000000", received=0, first=1):
    return (f"1; session={session}; instance={instance}; peer={peer}; "
            f"received={received}; first={first}")


def case_ack_again(opts):
    n = 100
    session = os.urandom(16).hex()
    instance = os.urandom(8).hex()
    c = Conn(opts)
    answer = c.handshake(opts.path, offer(session, instance))
    say(f"connected: {answer}")
    for i in range(1, n + 1):
        c.send(0x1, str(i).encode())
    got = c.wait_ack(n, BOUND)
    if got != n:
        raise Fail(f"the ack of {n} messages did not come (got {got})")
    say(f"ack {got}")
    c.drop()
    say("dropped the connection, the ack taken as lost")
    c = Conn(opts)
    answer = c.handshake(opts.path, offer(session, instance, answer.get("instance", "0"), 0, 1))
    say(f"resumed: {answer}")
    if int(answer.get("received", -1)) != n:
        raise Fail(f"the server says it received {answer.get('received')}, not {n}")
    got = c.wait_ack(n, BOUND)
    if got is None or got < n:
        raise Fail(f"no ack of the {n} messages on the resumed connection within {BOUND} s "
                   f"(got {got}): a sender waiting for it would stall")
    say(f"ack {got} again, unasked")
    c.drop()


CASES = {
    "ack-again": case_ack_again,
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--unix")
    ap.add_argument("--port", type=int)
    ap.add_argument("--path", default="/")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("case", nargs="?")
    opts = ap.parse_args()
    if opts.list:
        for name in CASES:
            print(name)
        return 0
    if opts.case not in CASES or not (opts.unix or opts.port):
        ap.error("a case (--list) and --unix or --port")
    try:
        CASES[opts.case](opts)
    except (Fail, OSError, TimeoutError) as e:
        say(f"FAILED: {e or type(e).__name__}")
        return 1
    say("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
