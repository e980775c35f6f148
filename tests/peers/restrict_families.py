#!/usr/bin/python3
"""Runs a command with socket(2) limited to some address families, as
systemd's RestrictAddressFamilies= does: a seccomp filter that fails
socket() for any other family with EAFNOSUPPORT.

    restrict_families.py AF_INET AF_UNIX ... -- COMMAND [ARGS...]
"""
import ctypes
import errno
import os
import socket
import struct
import sys

NR_SOCKET = {"x86_64": 41, "aarch64": 198}[os.uname().machine]
LD_W_ABS, JEQ_K, RET_K = 0x20, 0x15, 0x06
RET_ALLOW, RET_ERRNO = 0x7FFF0000, 0x00050000
OFFSET_NR, OFFSET_ARG0 = 0, 16  # in struct seccomp_data (little-endian)
PR_SET_SECCOMP, PR_SET_NO_NEW_PRIVS, SECCOMP_MODE_FILTER = 22, 38, 2


def insn(code, k, jt=0, jf=0):
    return struct.pack("HBBI", code, jt, jf, k)


class SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def main():
    split = sys.argv.index("--")
    families = [getattr(socket, name) for name in sys.argv[1:split]]
    command = sys.argv[split + 1:]
    n = len(families)
    prog = [insn(LD_W_ABS, OFFSET_NR), insn(JEQ_K, NR_SOCKET, 1, 0),
            insn(RET_K, RET_ALLOW), insn(LD_W_ABS, OFFSET_ARG0)]
    # Family i jumps over the families after it and the refusal.
    prog += [insn(JEQ_K, f, n - i, 0) for i, f in enumerate(families)]
    prog += [insn(RET_K, RET_ERRNO | errno.EAFNOSUPPORT), insn(RET_K, RET_ALLOW)]
    code = ctypes.create_string_buffer(b"".join(prog))
    fprog = SockFprog(len(prog), ctypes.addressof(code))
    libc = ctypes.CDLL(None, use_errno=True)
    if (libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) or
            libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog))):
        sys.exit(f"restrict_families: seccomp: {os.strerror(ctypes.get_errno())}")
    os.execvp(command[0], command)


main()
