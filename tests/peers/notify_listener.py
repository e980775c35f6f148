#!/usr/bin/python3
"""A stand-in for systemd's notify socket (Type=notify), for tests.

Binds an AF_UNIX datagram socket at ADDR (a path, or @NAME in the abstract
namespace), prints "bound", then prints each datagram it receives, one
field a line, after "sender PID" (the kernel's word on who sent it: what
systemd's NotifyAccess=main checks). When one says READY=1 it stops the
sender (SIGSTOP), so that what it did after sending cannot count, checks
that the server answers at CHECK (tcp:PORT on 127.0.0.1, or unix:PATH),
lets the sender go on, prints "answered" or "refused REASON", and exits.
Gives up after --timeout seconds.
"""
import argparse
import os
import signal
import socket
import struct
import sys


def answers(check):
    kind, _, where = check.partition(":")
    if kind == "tcp":
        s = socket.create_connection(("127.0.0.1", int(where)), timeout=5)
    else:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(5)
        s.connect(where)
    s.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("addr")
    ap.add_argument("check")
    ap.add_argument("--timeout", type=float, default=60)
    args = ap.parse_args()

    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
    sock.bind("\0" + args.addr[1:] if args.addr.startswith("@") else args.addr)
    sock.settimeout(args.timeout)
    print("bound", flush=True)
    while True:
        try:
            data, ancillary, _, _ = sock.recvmsg(4096, socket.CMSG_SPACE(12))
        except socket.timeout:
            print("timed out", flush=True)
            return 1
        pid = next(struct.unpack("3i", d)[0] for level, kind, d in ancillary
                   if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS)
        fields = data.decode().split("\n")
        print(f"sender {pid}", flush=True)
        for f in fields:
            print(f, flush=True)
        if "READY=1" in fields:
            os.kill(pid, signal.SIGSTOP)
            try:
                answers(args.check)
                result = "answered"
            except OSError as e:
                result = f"refused {e}"
            finally:
                os.kill(pid, signal.SIGCONT)
            print(result, flush=True)
            return 0


sys.exit(main())
