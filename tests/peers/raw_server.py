#!/usr/bin/python3
"""A WebSocket server written by hand over a plain socket, for tests of what
a client must survive: it answers the handshake as told and sends frames as
given, bytes and all, which no WebSocket library would send.

Listens on 127.0.0.1, an ephemeral port written to PORTFILE once ready. For
each connection it prints "conn N" and the request's lines ("> line", but
for the key), sends the answer
(--status, --drop-header, --add-header, --bad-accept, or --raw-answer) and,
in the same write, the --send frames (hex). Then it prints the frames the
client sends, unmasked: "text <repr>", "binary <hex>", "ping <hex>",
"pong <hex>", "close <code> <reason>", "unmasked" for a frame without a
mask, and "eof" at the end. It answers a close with a close.
"""
import argparse
import base64
import hashlib
import os
import socket
import struct
import sys
import time

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def show(line):
    print(line, flush=True)


def read_head(conn):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            return None, b""
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    return head.decode("utf-8", "replace"), rest


def answer(args, request):
    key = ""
    for line in request.split("\r\n")[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "sec-websocket-key":
            key = value.strip()
    if args.raw_answer is not None:
        return bytes.fromhex(args.raw_answer)
    accept = base64.b64encode(hashlib.sha1(key.encode() + GUID).digest()).decode()
    if args.bad_accept:
        accept = base64.b64encode(b"x" * 20).decode()
    headers = [("Upgrade", "websocket"), ("Connection", "Upgrade"),
               ("Sec-WebSocket-Accept", accept)]
    headers = [h for h in headers if h[0] not in args.drop_header]
    headers += [tuple(h.split(": ", 1)) for h in args.add_header]
    reason = "Switching Protocols" if args.status == 101 else "Nope"
    text = f"HTTP/1.1 {args.status} {reason}\r\n"
    text += "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n"
    return text.encode()


def frames(conn, buf):
    """Yields (opcode, payload, masked) for each frame the client sends."""
    while True:
        while True:
            if len(buf) >= 2:
                n = buf[1] & 0x7F
                need = 2 + (2 if n == 126 else 8 if n == 127 else 0) + (4 if buf[1] & 0x80 else 0)
                if len(buf) >= need:
                    if n == 126:
                        n = struct.unpack(">H", buf[2:4])[0]
                    elif n == 127:
                        n = struct.unpack(">Q", buf[2:10])[0]
                    if len(buf) >= need + n:
                        break
            chunk = conn.recv(65536)
            if not chunk:
                return
            buf += chunk
        masked = bool(buf[1] & 0x80)
        payload = bytearray(buf[need:need + n])
        if masked:
            key = buf[need - 4:need]
            for i in range(n):
                payload[i] ^= key[i & 3]
        yield buf[0] & 0x0F, bytes(payload), masked
        buf = buf[need + n:]


def hex_of(arg):
    if arg.startswith("@"):
        with open(arg[1:]) as f:
            return f.read().strip()
    return arg


def serve(args, conn, number):
    show(f"conn {number}")
    request, rest = read_head(conn)
    if request is None:
        show("eof")
        return
    for line in request.split("\r\n"):
        if not line.lower().startswith("sec-websocket-key:"):
            show(f"> {line}")
    out = answer(args, request) + b"".join(bytes.fromhex(hex_of(f)) for f in args.send)
    if args.byte_by_byte:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for i in range(len(out)):
            conn.sendall(out[i:i + 1])
            time.sleep(0.002)
    else:
        conn.sendall(out)
    if args.close_at_once:
        return
    try:
        for op, payload, masked in frames(conn, rest):
            if not masked:
                show("unmasked")
            if op == 1:
                show(f"text {payload.decode('utf-8', 'replace')!r}")
            elif op == 2:
                show(f"binary {payload.hex()}")
            elif op == 9:
                show(f"ping {payload.hex()}")
            elif op == 10:
                show(f"pong {payload.hex()}")
            elif op == 8:
                code = struct.unpack(">H", payload[:2])[0] if len(payload) >= 2 else "none"
                show(f"close {code} {payload[2:].decode('utf-8', 'replace')}")
                if not args.no_close_answer:
                    conn.sendall(b"\x88\x02" + payload[:2] if len(payload) >= 2 else b"\x88\x00")
            else:
                show(f"opcode {op}")
    except OSError as e:
        show(f"error {e}")
    show("eof")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("portfile")
    ap.add_argument("--status", type=int, default=101)
    ap.add_argument("--bad-accept", action="store_true")
    ap.add_argument("--drop-header", action="append", default=[])
    ap.add_argument("--add-header", action="append", default=[], help="'Name: value'")
    ap.add_argument("--raw-answer", help="answer these bytes (hex) instead")
    ap.add_argument("--send", action="append", default=[], help="frame bytes (hex), or @FILE of hex")
    ap.add_argument("--byte-by-byte", action="store_true",
                    help="send the answer and frames a byte per write")
    ap.add_argument("--close-at-once", action="store_true",
                    help="close the connection after sending")
    ap.add_argument("--no-close-answer", action="store_true",
                    help="do not answer the client's close")
    args = ap.parse_args()

    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    with open(args.portfile + ".tmp", "w") as f:
        f.write(str(listener.getsockname()[1]))
    os.rename(args.portfile + ".tmp", args.portfile)
    number = 0
    while True:
        conn, _ = listener.accept()
        number += 1
        with conn:
            serve(args, conn, number)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
