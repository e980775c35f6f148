#!/usr/bin/python3
"""Round trips of every CBOR type through rxws' JSON, judged by cbor2.

A server (python3-websockets) on 127.0.0.1, port written to PORTFILE
(with "python3 cbor_roundtrip.py --count": print how many items there are).
A client on /src gets each item of ITEMS as a binary frame. A client on
/dst sends items back; each is compared with the item of the same index
and reported "same I" or "diff I: sent ... got ...". After the last one:
"done".
"""
import asyncio
import math
import os
import sys

import cbor2
import websockets

ITEMS = [
    0, 23, 24, 255, 65535, 2**32, 2**64 - 1,          # unsigned
    -1, -24, -2**63, -2**64,                            # negative
    2**64, 2**100, -2**64 - 1, -2**100,                 # bignums
    cbor2.CBORTag(2, b"\x01" + b"\x00" * 200),          # a bignum too big to print
    1.5, 0.1, -0.0, 65504.0, 1e300, 5e-324,             # floats
    float("inf"), float("-inf"), float("nan"),
    "", "text é ✓ 😀", "tab\tnewline\nquote\"back\\slash\x01",
    b"", b"\x00\x01\xfe\xff", bytes(range(256)),        # byte strings
    [], [1, [2, [3, []]]], {}, {"a": 1, "b": [True, False, None]},
    {1: "int key", b"k": "bytes key", (1, 2): "array key"},
    {"$bytes": "looks special"}, {"$tag": 1, "$value": 2},
    cbor2.CBORTag(1, 1700000000), cbor2.CBORTag(32, "http://x/"),
    cbor2.CBORTag(55799, {"nested": cbor2.CBORTag(99, [1])}),
    cbor2.undefined, cbor2.CBORSimpleValue(16), cbor2.CBORSimpleValue(255),
    True, False, None,
]


def same(a, b):
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a):
            return math.isnan(b)
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return len(a) == len(b) and all(k in b and same(v, b[k]) for k, v in a.items())
    if isinstance(a, cbor2.CBORTag) and isinstance(b, cbor2.CBORTag):
        return a.tag == b.tag and same(a.value, b.value)
    return type(a) is type(b) and a == b


def show(line):
    print(line, flush=True)


async def handler(ws, path):
    if path == "/src":
        for item in ITEMS:
            await ws.send(cbor2.dumps(item))
        await ws.wait_closed()
        return
    i = 0
    async for m in ws:
        try:
            got = cbor2.loads(m)
        except Exception as e:
            show(f"diff {i}: not CBOR: {e}")
        else:
            # As cbor2 reads what it sent (it reads tags 1 and 2 its own way).
            want = cbor2.loads(cbor2.dumps(ITEMS[i]))
            show(f"same {i}" if same(want, got) else f"diff {i}: sent {want!r} got {got!r}")
        i += 1
        if i == len(ITEMS):
            show("done")


async def main():
    async with websockets.serve(handler, "127.0.0.1", 0, max_size=None,
                                ping_interval=None) as server:
        port = server.sockets[0].getsockname()[1]
        with open(sys.argv[1] + ".tmp", "w") as f:
            f.write(f"{port}\n")
        os.rename(sys.argv[1] + ".tmp", sys.argv[1])
        await asyncio.Future()


if sys.argv[1] == "--count":
    print(len(ITEMS))
else:
    asyncio.run(main())
