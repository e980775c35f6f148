#!/usr/bin/python3
"""An HTTP CONNECT proxy for tests.

Listens on 127.0.0.1, an ephemeral port written to --port-file once ready
(atomically: FILE.tmp, then renamed). For each connection it reads the
request head and appends one line to --log: "METHOD TARGET auth=yes|no"
(yes: a Proxy-Authorization was sent and, with --auth, it was right).
Then:
  - a method other than CONNECT: 405, Allow: CONNECT;
  - with --auth USER:PASS and no right "Proxy-Authorization: Basic ...":
    407 with Proxy-Authenticate: Basic realm="test";
  - with --refuse STATUS: that status;
  - otherwise it connects to the target (TCP), answers
    "HTTP/1.1 200 Connection established" (502 if it cannot connect) and
    relays bytes both ways until both sides have closed.
One thread per connection.
"""
import argparse
import base64
import os
import select
import socket
import sys
import threading

REASONS = {200: "Connection established", 400: "Bad Request", 403: "Forbidden",
           405: "Method Not Allowed", 407: "Proxy Authentication Required",
           502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}
HEAD_LIMIT = 64 << 10
log_lock = threading.Lock()


def read_head(conn):
    data = b""
    while b"\r\n\r\n" not in data:
        if len(data) > HEAD_LIMIT:
            return None, b""
        chunk = conn.recv(4096)
        if not chunk:
            return None, b""
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    return head.decode("latin-1"), rest


def answer(conn, status, headers=()):
    text = f"HTTP/1.1 {status} {REASONS.get(status, 'Refused')}\r\n"
    text += "".join(f"{h}\r\n" for h in headers)
    conn.sendall(text.encode() + b"\r\n")


def split_target(target):
    """host, port of 'host:port' or '[v6]:port'."""
    host, _, port = target.rpartition(":")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not host or not port.isdigit():
        raise ValueError(target)
    return host, int(port)


def relay(a, b):
    """Bytes both ways until both directions have ended."""
    open_from = {a: b, b: a}
    while open_from:
        r, _, _ = select.select(list(open_from), [], [])
        for s in r:
            try:
                data = s.recv(65536)
            except OSError:
                data = b""
            other = open_from[s]
            if data:
                try:
                    other.sendall(data)
                    continue
                except OSError:
                    pass
            del open_from[s]
            try:
                other.shutdown(socket.SHUT_WR)
            except OSError:
                pass


def handle(args, conn):
    with conn:
        conn.settimeout(30)
        head, rest = read_head(conn)
        if head is None:
            return
        lines = head.split("\r\n")
        parts = lines[0].split(" ")
        method, target = (parts[0], parts[1]) if len(parts) == 3 else ("?", "?")
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        given = headers.get("proxy-authorization")
        right = args.auth is None or given == "Basic " + base64.b64encode(args.auth.encode()).decode()
        authed = given is not None and right
        if args.log:
            with log_lock, open(args.log, "a") as f:
                f.write(f"{method} {target} auth={'yes' if authed else 'no'}\n")
        if method != "CONNECT":
            answer(conn, 405, ["Allow: CONNECT", "Content-Length: 0"])
            return
        if not right or (args.auth is not None and given is None):
            answer(conn, 407, ['Proxy-Authenticate: Basic realm="test"', "Content-Length: 0"])
            return
        if args.refuse:
            answer(conn, args.refuse, ["Content-Length: 0"])
            return
        try:
            upstream = socket.create_connection(split_target(target), timeout=10)
        except (OSError, ValueError):
            answer(conn, 502, ["Content-Length: 0"])
            return
        with upstream:
            answer(conn, 200)
            conn.settimeout(None)
            upstream.settimeout(None)
            if rest:
                upstream.sendall(rest)
            relay(conn, upstream)


def main():
    ap = argparse.ArgumentParser(description="An HTTP CONNECT proxy for tests.")
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--auth", metavar="USER:PASS", help="require these Basic credentials")
    ap.add_argument("--refuse", type=int, metavar="STATUS", help="answer every CONNECT with STATUS")
    ap.add_argument("--log", metavar="FILE", help="append a line per request")
    args = ap.parse_args()

    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(listener.getsockname()[1]))
    os.rename(args.port_file + ".tmp", args.port_file)
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=handle, args=(args, conn), daemon=True).start()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
