#!/usr/bin/python3
"""A table of RFC 6455 (WebSocket) and RFC 7692 (permessage-deflate) cases,
played over a raw socket against the rxws tools, in either role, and the
exact reaction each case asks for.

  conformance.py server [OPTIONS] -- TOOL ARGS...
      The peer is the server. For each case it listens (127.0.0.1:0, or
      --unix PATH; TLS with --tls CERT KEY), runs TOOL ARGS, the case's
      options, -f json (and -r when the case has no stdin records; with
      --tls, --cacert CERT) and the URL of /case/ID (rxws-group: the URL,
      then the path /x), answers the handshake as the case says, sends the
      case's frames and judges what the tool does: the frames it sends
      (masks included), its stdout, its exit status when the case says,
      and when it ends the TCP connection. Other connections the tool
      makes (reconnects) are closed at once. A case that needs an echo
      (frag-ping-race) gives the tool no records: each line of its stdout
      (a json envelope) goes back to its stdin as it comes, so that what
      the peer sends comes back to it, as from rxws-serve.

  conformance.py client [OPTIONS] (--port P | --unix PATH) [--tls]
      The peer is a client of an echo server (rxws-serve -p 0 --format cbor
      -k, its stdout fed back to its stdin, no PATH): for each case it
      connects to /case/ID, sends the case's handshake and frames (masked),
      and judges the HTTP answer, the echoes, pongs, close frames and the
      end of TCP.

  conformance.py [server|client] --list
      Prints the table: id, group, which peer plays it, expectation, case.

  --only GROUP[,GROUP], --case GLOB, --skip GLOB choose the cases; -v
  traces each case's frames and time.

A case may hold back (frag-ping-race): the peer stops reading and sends
messages to be echoed until the tool has written nothing for STALL s (what
it wrote and the peer has not read is in the peer's receive queue, and over
TCP in the tool's send queue, seen in /proc/net/tcp); then the case's
frames, which the tool reads but cannot answer yet; then it reads again.

Reactions ("expect" in the table):
  deliver   the messages come out whole: on the tool's stdout (server peer)
            or echoed back (client peer); nothing else does.
            "deliver_sent": the messages are all those the peer sent.
  pongs     each ping gets exactly one pong with its payload, in order.
            "pong_first": each pong comes before the echo of the message
            inside which its ping was sent.
  fail      the tool sends a close frame with exactly this code, and the
            TCP connection ends within BOUND s once the peer has answered
            that close; no frame after the close. "fast": the close comes
            before the peer would send the case's last frames.
  echo      the peer closed with this code; the tool answers with the same
            code (for an empty close: empty or 1000) and TCP ends.
  refuse    (server peer) the tool refuses the handshake's answer: it exits
            69 (with --retries 0) and says something on stderr.
  http      (client peer) the status and headers of the handshake's answer.

Output is TAP, a last line "# N passed, M failed", exit 1 when a case failed.
"""
import argparse
import base64
import fcntl
import fnmatch
import hashlib
import json
import os
import random
import select
import shutil
import signal
import socket
import ssl
import struct
import subprocess
import sys
import termios
import time
import zlib

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
BOUND = 3.0           # a reaction's bound
START_BOUND = 10.0    # a tool starting and connecting, a TLS handshake
SEND_BOUND = 20.0     # sending one step of a case
ROW_LIMIT = 90        # one case, whatever happens
GROUP_PATH = "/x"     # the path rxws-group is given under the case's URL
STDOUT_CAP = 64 << 20  # what is kept of the tool's stdout and stderr
TICK = 0.01           # how often a wait looks at what no descriptor tells
STALL = 0.15          # the tool has written nothing for this long: it cannot
SETTLE = 0.1          # the tool turning what it has read into queued echoes
FILL_MAX = 400        # filler messages at most, well under the tool's --queue 1024
FILL_BURST = 8        # filler messages a write (8 x 16000 bytes: one batch of the tool's)

# ---------------------------------------------------------------- vocabulary


def F(op, data=b"", fin=True, rsv=0, mask=None, length=None):
    """One frame. rsv: 4 = RSV1, 2 = RSV2, 1 = RSV3. mask: None = as the
    peer's role must. length: a declared length other than the payload's
    (the payload is sent as given: a frame head alone, for instance)."""
    return {"frame": (op, bytes(data), fin, rsv, mask, length)}


def Z(data, op=1, frags=1, reset=False, rsv_cont=False):
    """One message compressed with the peer's deflate context (or sent plain
    when permessage-deflate was not agreed), in FRAGS frames, RSV1 on the
    first (on every frame with rsv_cont). reset: a fresh context for it."""
    return {"z": (bytes(data), op, frags, reset, rsv_cont)}


def CLOSE(code=None, reason=b""):
    return F(8, b"" if code is None else struct.pack(">H", code) + reason)


WAIT_CLOSE = "wait-close"   # a step: wait up to BOUND for the tool's close
HOLD = "hold"               # a step: stop reading what the tool sends
SETTLE_STEP = "settle"      # a step: wait for the tool to have read all, and queued its echo
RESUME = "resume"           # a step: read again, until every echo and pong so far came


def FILL(size):
    """A step (after HOLD, against an echo): text messages of SIZE bytes,
    until the tool can write no more (Session.fill)."""
    return {"fill": size}


def T(s):
    return ("text", s.encode() if isinstance(s, str) else bytes(s))


def B(b):
    return ("binary", bytes(b))


def text_of(n):
    return (b"abcdefghijklmnopqrstuvwxyz0123456789" * (n // 36 + 1))[:n]


def binary_of(n):
    return (bytes(range(256)) * (n // 256 + 1))[:n]


def periodic():
    """4000 bytes that repeat every 1000 bytes and nowhere closer: a sender
    whose window is over 1000 bytes refers back 1000 bytes."""
    rnd = random.Random(7)
    block = bytes(rnd.choice(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
                  for _ in range(1000))
    return block * 4


def mixed_utf8(nbytes):
    rnd = random.Random(11)
    out, size = [], 0
    while size < nbytes:
        ch = rnd.choice(["a", "é", "€", "😀", "z", "ü"])
        out.append(ch)
        size += len(ch.encode())
    return "".join(out).encode()


_cache = {}


def cached(name, make):
    if name not in _cache:
        _cache[name] = make()
    return _cache[name]


# ---------------------------------------------------------------- the table

ROWS = []


def case(id, group, desc, send=(), expect=None, peer=None, args=(), records=(),
         answer=None, request=None, ext=None, **more):
    """peer: None (both), "server" (the peer is the server: rxws-connect,
    rxws-group) or "client" (the peer is the client: rxws-serve)."""
    assert all(c.isalnum() or c == "-" for c in id), id
    ROWS.append(dict(id=id, group=group, desc=desc, send=list(send), expect=expect or {},
                     peer=peer, args=list(args), records=list(records),
                     answer=answer or {}, request=request or {}, ext=ext, **more))


def build_table():
    # ---- framing
    hello = b"hello"
    for id, desc, msg in [
            ("text", "a text message", T(hello)),
            ("binary", "a binary message", B(binary_of(300))),
            ("empty-text", "an empty text message", T(b"")),
            ("empty-binary", "an empty binary message", B(b"")),
            ("len-125", "a text message of 125 bytes (7-bit length)", T(text_of(125))),
            ("len-126", "a text message of 126 bytes (16-bit length)", T(text_of(126))),
            ("len-65535", "a text message of 65535 bytes", T(text_of(65535))),
            ("len-65536", "a text message of 65536 bytes (64-bit length)", T(text_of(65536))),
            ("len-1mib", "a binary message of 1 MiB", B(binary_of(1 << 20)))]:
        op = 1 if msg[0] == "text" else 2
        case(id, "framing", desc + ": delivered", [F(op, msg[1])], {"deliver": [msg]})
    case("frag-ping", "framing", "3 fragments with a ping between the 1st and 2nd: delivered, one pong",
         [F(1, b"frag", fin=False), F(9, b"mid"), F(0, b"men", fin=False), F(0, b"ted")],
         {"deliver": [T("fragmented")], "pongs": [b"mid"]})
    case("frag-empty", "framing", "empty continuation frames inside a message: delivered",
         [F(1, b"ab", fin=False), F(0, b"", fin=False), F(0, b"", fin=False), F(0, b"cd")],
         {"deliver": [T("abcd")]})
    for bit, name in [(4, "rsv1"), (2, "rsv2"), (1, "rsv3")]:
        case(name, "framing", f"{name.upper()} set on a text frame, no extension agreed: fail 1002",
             [F(1, hello, rsv=bit)], {"fail": 1002})
    for op in [3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF]:
        case(f"opcode-{op:x}", "framing", f"a frame of reserved opcode {op:#x}: fail 1002",
             [F(op, b"")], {"fail": 1002})
    case("ping-nofin", "framing", "a ping without FIN (a fragmented control frame): fail 1002",
         [F(9, b"p", fin=False)], {"fail": 1002})
    case("ping-126", "framing", "a ping of 126 bytes (16-bit length form): fail 1002",
         [F(9, text_of(126))], {"fail": 1002})
    case("close-126", "framing", "a close of 126 bytes: fail 1002",
         [F(8, struct.pack(">H", 1000) + text_of(124))], {"fail": 1002})
    case("cont-outside", "framing", "a continuation frame outside a message: fail 1002",
         [F(0, hello)], {"fail": 1002})
    case("text-in-frag", "framing", "a new text frame inside a fragmented message: fail 1002",
         [F(1, b"ab", fin=False), F(1, b"cd")], {"fail": 1002})
    case("len64-msb", "framing", "a 64-bit length with its top bit set (FF x8): fail 1002",
         [F(2, b"", length=0xFFFFFFFFFFFFFFFF)], {"fail": 1002})
    case("masked-from-server", "framing", "a masked frame from the server: fail 1002",
         [F(1, hello, mask=True)], {"fail": 1002}, peer="server")
    case("unmasked-from-client", "framing", "an unmasked frame from the client: fail 1002",
         [F(1, hello, mask=False)], {"fail": 1002}, peer="client")

    # ---- limits: the tool (or server) runs with --max-size 1000
    lim = ["--max-size", "1000"]
    # (900, not 1000: the echo server's stdin records, envelopes, hold the
    # message and must fit --max-size too)
    case("under-max-size", "limits", "a message of 900 bytes, under --max-size 1000: delivered",
         [F(1, text_of(900))], {"deliver": [T(text_of(900))]}, args=lim)
    case("over-max-size", "limits", "a single frame of 1001 bytes over --max-size 1000: fail 1009",
         [F(1, text_of(1001))], {"fail": 1009}, args=lim)
    case("over-max-frags", "limits",
         "600 + 600 bytes in 2 fragments over --max-size 1000: fail 1009 at the 2nd fragment's head",
         [F(1, text_of(600), fin=False), F(0, b"", length=600)], {"fail": 1009}, args=lim)
    case("head-2e40", "limits", "a frame head declaring 2^40 bytes: fail 1009 at once, before any payload",
         [F(2, b"", length=1 << 40)], {"fail": 1009}, args=lim)

    # ---- ping
    case("ten-pings", "ping", "ten pings p0..p9 in one TCP write: ten pongs, same payloads, in order",
         [F(9, b"p%d" % i) for i in range(10)], {"pongs": [b"p%d" % i for i in range(10)]})
    case("ping-125", "ping", "a ping of 125 bytes: one pong with the same 125 bytes",
         [F(9, binary_of(125))], {"pongs": [binary_of(125)]})
    case("pong-unsolicited", "ping", "an unsolicited pong: ignored, the next message delivered",
         [F(10, b"unasked"), F(1, b"after")], {"deliver": [T("after")]})
    # Issue 23: the pong to a ping inside a fragmented message must go
    # before that message's echo, even when both wait in the tool at once.
    # They do when the tool cannot write: the peer stops reading and fills
    # the tool's socket with echoes of 16000-byte messages (framed whole, so
    # that once the tool stalls, little more than the echoes to come waits
    # in its own queue, all for one write), sends its fragment, ping,
    # fragment triples, lets their echoes queue up behind the pongs owed,
    # and reads again. A writer that frames the queued messages before the
    # pongs owed sends every echo of the round ahead of its pong. (The
    # peer's receive buffer is set small, not grown by the kernel from one
    # round to the next, so that each fill is short. A tool only slow for
    # STALL s, not full, makes a round weaker, never a right tool fail.)
    steps, pongs, pairs = [], [], []
    for r in range(2):
        steps += [HOLD, FILL(16000)]
        for i in range(10):
            head, ping = b"race %d-%d fragment1 " % (r, i), b"ping %d-%d" % (r, i)
            steps += [F(1, head, fin=False), F(9, ping), F(0, b"fragment2")]
            pongs.append(ping)
            pairs.append((ping, head + b"fragment2"))
        steps += [SETTLE_STEP, RESUME]
    case("frag-ping-race", "ping",
         "2 rounds of 10 [fragment, ping, fragment] sent while the tool cannot write (the peer "
         "not reading, the tool's socket full of echoes): each pong before its message's echo",
         steps, {"deliver_sent": True, "pongs": pongs, "pong_first": pairs}, relay=True, rcvbuf=1 << 16)

    # ---- utf8
    for id, seq, what in [("c0af", b"\xc0\xaf", "an overlong /"), ("eda080", b"\xed\xa0\x80", "a surrogate"),
                          ("f4908080", b"\xf4\x90\x80\x80", "over U+10FFFF"), ("ff", b"\xff", "FF")]:
        case(f"bad-{id}", "utf8", f"a text frame holding {seq.hex(' ')} ({what}): fail 1007",
             [F(1, b"ab" + seq + b"cd")], {"fail": 1007})
    case("bad-trunc", "utf8", "a text frame ending in a truncated E2 82: fail 1007",
         [F(1, b"ab\xe2\x82")], {"fail": 1007})
    case("bad-frag-fast", "utf8",
         "3 text fragments, FF in the 2nd: fail 1007 before the 3rd is sent",
         [F(1, b"hello ", fin=False), F(0, b"\xffworld", fin=False), WAIT_CLOSE, F(0, b"!")],
         {"fail": 1007, "fast": True})
    for ch in ["é", "€", "😀"]:
        enc = ch.encode()
        for k in range(1, len(enc)):
            case(f"split-{len(enc)}-{k}", "utf8",
                 f"{ch} ({len(enc)} bytes) split after byte {k} across 2 fragments: delivered",
                 [F(1, b"a" + enc[:k], fin=False), F(0, enc[k:] + b"b")],
                 {"deliver": [T("a" + ch + "b")]})
    case("trunc-final", "utf8", "a final fragment ending inside a character: fail 1007",
         [F(1, b"ab\xe2", fin=False), F(0, b"\x82")], {"fail": 1007})

    # ---- close
    for code in [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999]:
        e = {"echo": code}
        if code == 1000:
            e["exit"] = 0
        case(f"close-{code}", "close", f"a close with {code}: answered with {code}"
             + (", and rxws-connect exits 0" if code == 1000 else ""), [CLOSE(code)], e)
    for code in [0, 999, 1004, 1005, 1006, 1012, 1013, 1014, 1015, 1016, 1100, 2000, 2999, 5000, 65535]:
        case(f"close-bad-{code}", "close", f"a close with invalid code {code}: fail 1002",
             [CLOSE(code)], {"fail": 1002})
    case("close-1byte", "close", "a close payload of 1 byte: fail 1002", [F(8, b"\x03")], {"fail": 1002})
    case("close-empty", "close", "an empty close: answered (empty or 1000)", [CLOSE()], {"echo": "empty"})
    case("close-reason", "close", "a close 1000 with the reason 'bye é': answered with 1000",
         [CLOSE(1000, "bye é".encode())], {"echo": 1000})
    case("close-reason-bad", "close", "a close 1000 whose reason is not UTF-8 (FF FE): fail 1007",
         [CLOSE(1000, b"\xff\xfe")], {"fail": 1007})
    case("close-then-data", "close", "a text frame after the peer's close: not delivered",
         [CLOSE(1000), F(1, b"late")], {"echo": 1000})

    # ---- handshake: the peer is the server (the tool must refuse its answer)
    case("answer-ok", "handshake", "a valid 101: connected, the message delivered",
         [F(1, hello)], {"deliver": [T(hello)]}, peer="server")
    for id, desc, answer in [
            ("answer-no-upgrade", "a 101 without Upgrade", {"drop": ["Upgrade"]}),
            ("answer-bad-accept", "a wrong Sec-WebSocket-Accept", {"bad_accept": True}),
            ("answer-ext", "an extension not offered",
             {"add": ["Sec-WebSocket-Extensions: permessage-deflate"]}),
            ("answer-proto", "a subprotocol not offered", {"add": ["Sec-WebSocket-Protocol: chat"]}),
            ("answer-404", "a 404", {"status": 404}),
            ("answer-not-http", "an answer that is not HTTP",
             {"raw": b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"})]:
        case(id, "handshake", f"{desc}: refused, exit 69", [], {"refuse": 69}, peer="server", answer=answer)

    # ---- handshake: the peer is the client (HTTP status and headers)
    key15 = base64.b64encode(b"k" * 15).decode()
    key17 = base64.b64encode(b"k" * 17).decode()
    for id, desc, req, http in [
            ("request-ok", "a valid request: 101 with Upgrade, Connection and the right accept",
             {}, {"status": 101}),
            ("request-keep-alive", "Connection: keep-alive, Upgrade: 101",
             {"set": {"Connection": "keep-alive, Upgrade"}}, {"status": 101}),
            ("request-upgrade-case", "Upgrade: WebSocket: 101",
             {"set": {"Upgrade": "WebSocket"}}, {"status": 101}),
            ("request-version-8", "Sec-WebSocket-Version: 8: 426 with Sec-WebSocket-Version: 13",
             {"set": {"Sec-WebSocket-Version": "8"}},
             {"status": 426, "has": {"Sec-WebSocket-Version": "13"}}),
            ("request-http10", "HTTP/1.0: 400", {"version": "HTTP/1.0"}, {"status": 400}),
            ("request-key-abc", "the key 'abc': 400", {"set": {"Sec-WebSocket-Key": "abc"}}, {"status": 400}),
            ("request-key-15", "a key of 15 bytes: 400", {"set": {"Sec-WebSocket-Key": key15}}, {"status": 400}),
            ("request-key-17", "a key of 17 bytes: 400", {"set": {"Sec-WebSocket-Key": key17}}, {"status": 400}),
            ("request-key-padding", "a key with bad padding: 400",
             {"set": {"Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ="}}, {"status": 400}),
            ("request-bare-lf", "request lines ending in a bare LF: 400", {"eol": "\n"}, {"status": 400}),
            ("request-no-host", "no Host header: 400", {"drop": ["Host"]}, {"status": 400}),
            ("request-16k", "a request head over 16 KiB: 431", {"big": 17000}, {"status": 431}),
            ("request-post", "POST with the upgrade headers: 405 with Allow: GET",
             {"method": "POST"}, {"status": 405, "has": {"Allow": "GET"}}),
            ("request-plain-get", "a plain GET (no Upgrade): 426 with Upgrade: websocket",
             {"drop": ["Upgrade", "Connection", "Sec-WebSocket-Key", "Sec-WebSocket-Version"]},
             {"status": 426, "has": {"Upgrade": "websocket"}}),
            ("request-path-nul", "the path /pub%00: 400", {"path": "/pub%00"}, {"status": 400}),
            ("request-path-lf", "the path /pub%0a: 400", {"path": "/pub%0a"}, {"status": 400}),
            ("request-proto-unknown", "Sec-WebSocket-Protocol: chat.v1 to a server without --protocol: "
             "101, no Sec-WebSocket-Protocol",
             {"set": {"Sec-WebSocket-Protocol": "chat.v1"}},
             {"status": 101, "absent": ["Sec-WebSocket-Protocol"]})]:
        case(id, "handshake", desc, [], {"http": http}, peer="client", request=req)

    # ---- protocol
    protos = ["--protocol", "chat.v1", "--protocol", "chat.v2"]
    case("proto-offer", "protocol",
         "--protocol chat.v1 --protocol chat.v2 asks for 'chat.v1, chat.v2'; chat.v2 answered: delivered",
         [F(1, hello)], {"deliver": [T(hello)], "request": {"Sec-WebSocket-Protocol": "chat.v1, chat.v2"}},
         peer="server", args=protos, answer={"add": ["Sec-WebSocket-Protocol: chat.v2"]})
    case("proto-v3", "protocol", "the answer chat.v3, not asked for: refused, exit 69",
         [], {"refuse": 69}, peer="server", args=protos,
         answer={"add": ["Sec-WebSocket-Protocol: chat.v3"]})
    case("proto-pick", "protocol", "the offer 'x, chat.v2, chat.v1' (server: chat.v1, chat.v2): 101 with chat.v2",
         [], {"http": {"status": 101, "eq": {"Sec-WebSocket-Protocol": "chat.v2"}}}, peer="client",
         request={"set": {"Sec-WebSocket-Protocol": "x, chat.v2, chat.v1"}})
    case("proto-none-known", "protocol", "the offer 'x, y', none known: 400",
         [], {"http": {"status": 400}}, peer="client", request={"set": {"Sec-WebSocket-Protocol": "x, y"}})
    case("proto-no-offer", "protocol", "no offer: 101 without Sec-WebSocket-Protocol",
         [], {"http": {"status": 101, "absent": ["Sec-WebSocket-Protocol"]}}, peer="client")

    # ---- deflate: the tool runs with --compress (the server is started with it)
    z = ["--compress"]
    pm = "permessage-deflate"
    per = periodic()
    two = [Z(per), Z(per)]
    for id, answer, desc, more in [
            ("neg-plain", pm, "accepted with no parameters", {}),
            ("neg-snct", pm + "; server_no_context_takeover", "accepted with server_no_context_takeover", {}),
            ("neg-cnct", pm + "; client_no_context_takeover",
             "accepted with client_no_context_takeover: each of its messages inflates alone", {}),
            ("neg-smwb10", pm + "; server_max_window_bits=10", "accepted with server_max_window_bits=10", {}),
            ("neg-cmwb9", pm + "; client_max_window_bits=9",
             "accepted with client_max_window_bits=9: its messages inflate with a 512-byte window",
             {"needs_offer": "client_max_window_bits"})]:
        case(id, "deflate", f"permessage-deflate offered, {desc}; 2 messages each way",
             two, {"deliver": [T(per), T(per)]}, peer="server", args=z, ext=answer,
             records=[T(per), T(per)], **more)
    case("neg-unknown-param", "deflate", "an answer with the unknown parameter foo=1: refused, exit 69",
         [], {"refuse": 69}, peer="server", args=z, ext=pm + "; foo=1")
    case("neg-cmwb-not-offered", "deflate",
         "an answer with client_max_window_bits=10, not offered: refused, exit 69",
         [], {"refuse": 69}, peer="server", args=z, ext=pm + "; client_max_window_bits=10",
         unless_offer="client_max_window_bits")
    for id, offer, desc, e in [
            ("offer-plain", pm, "accepted", {"ext_expect": "accept"}),
            ("offer-cmwb", pm + "; client_max_window_bits", "accepted", {"ext_expect": "accept"}),
            ("offer-snct", pm + "; server_no_context_takeover",
             "accepted with server_no_context_takeover; each echo inflates alone",
             {"ext_expect": "accept", "ext_has": ["server_no_context_takeover"]}),
            ("offer-smwb9", pm + "; server_max_window_bits=9",
             "accepted with server_max_window_bits<=9 (the echoes inflate with that window) or declined",
             {"ext_expect": "any"}),
            ("offer-unknown", pm + "; foo=1", "declined (101, no extension)", {"ext_expect": "decline"}),
            ("offer-smwb8", pm + "; server_max_window_bits=8, " + pm,
             "the 2nd offer accepted or both declined, never server_max_window_bits=8",
             {"ext_expect": "any", "ext_not": ["server_max_window_bits=8"]})]:
        case(id, "deflate", f"the offer '{offer}': {desc}; 2 messages echoed",
             two, dict(deliver=[T(per), T(per)], **e), peer="client", ext=offer)
    words = b"compressed text, compressed text, compressed text"
    case("z-one", "deflate", "a compressed text message in one frame: delivered",
         [Z(words)], {"deliver": [T(words)]}, args=z, ext=pm)
    case("z-frags", "deflate", "a compressed message in 3 frames, RSV1 on the first only: delivered",
         [Z(words, frags=3)], {"deliver": [T(words)]}, args=z, ext=pm)
    case("z-rsv1-cont", "deflate", "RSV1 on a continuation frame: fail 1002",
         [Z(words, frags=2, rsv_cont=True)], {"fail": 1002}, args=z, ext=pm)
    case("z-rsv1-ping", "deflate", "RSV1 on a ping: fail 1002",
         [F(9, b"p", rsv=4)], {"fail": 1002}, args=z, ext=pm)
    case("z-mixed", "deflate", "compressed, uncompressed (RSV1 0), compressed: all delivered",
         [Z(b"one one one"), F(1, b"two"), Z(b"three three")],
         {"deliver": [T("one one one"), T("two"), T("three three")]}, args=z, ext=pm)
    case("z-takeover", "deflate", "3 messages from one deflate context (no reset): delivered",
         [Z(words), Z(words), Z(words)], {"deliver": [T(words)] * 3}, args=z, ext=pm)
    case("z-reset", "deflate", "3 messages, the peer's context reset for each: delivered",
         [Z(words, reset=True), Z(words, reset=True), Z(words, reset=True)],
         {"deliver": [T(words)] * 3}, args=z, ext=pm)
    case("z-corrupt", "deflate", "an RSV1 frame whose payload is not deflate data: fail 1007",
         [F(1, b"\xff\xff\xff\xff\xff\xff", rsv=4)], {"fail": 1007}, args=z, ext=pm)
    case("z-utf8-300k", "deflate",
         "300 KB of é € 😀 compressed: delivered intact (characters across the inflater's pieces)",
         [{"lazy": lambda: Z(cached("mixed", lambda: mixed_utf8(300_000)))}],
         {"deliver": [{"lazy": lambda: T(cached("mixed", lambda: mixed_utf8(300_000)))}]},
         args=z, ext=pm)

    # ---- deflate-limits: --compress --max-size 100000
    zl = ["--compress", "--max-size", "100000"]
    case("z-under-limit", "deflate-limits", "a message inflating to 90000 bytes (--max-size 100000): delivered",
         [Z(text_of(90000), op=2)], {"deliver": [B(text_of(90000))]}, args=zl, ext=pm)
    case("z-bomb", "deflate-limits",
         "a message inflating to 10 MB of zeros (--max-size 100000): fail 1009, memory stays small",
         [Z(bytes(10_000_000), op=2, reset=True)], {"fail": 1009, "mem": True}, args=zl, ext=pm)


def lazy(x):
    return x["lazy"]() if isinstance(x, dict) and "lazy" in x else x


# ---------------------------------------------------------------- wire


def xor(data, key):
    n = len(data)
    if not n:
        return b""
    k = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(data, "little") ^ int.from_bytes(k, "little")).to_bytes(n, "little")


def frame_bytes(op, data, fin=True, rsv=0, mask=False, length=None):
    n = len(data) if length is None else length
    head = bytearray([(0x80 if fin else 0) | (rsv << 4) | op])
    m = 0x80 if mask else 0
    if n < 126:
        head.append(m | n)
    elif n < 65536:
        head += bytes([m | 126]) + struct.pack(">H", n)
    else:
        head += bytes([m | 127]) + struct.pack(">Q", n)
    if mask:
        key = os.urandom(4)
        head += key
        data = xor(data, key)
    return bytes(head) + data


def accept_of(key):
    return base64.b64encode(hashlib.sha1(key.encode() + GUID).digest()).decode()


def parse_head(head):
    """(first line, {lower name: joined values}) of an HTTP head."""
    lines = head.split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        headers[name] = (headers[name] + ", " if name in headers else "") + value.strip()
    return lines[0], headers


def tokens(value):
    return [t.strip().lower() for t in value.split(",") if t.strip()]


def parse_extensions(value):
    out = []
    for part in value.split(","):
        bits = [b.strip() for b in part.split(";")]
        if not bits[0]:
            continue
        params = {}
        for b in bits[1:]:
            if b:
                k, eq, v = b.partition("=")
                params[k.strip().lower()] = v.strip().strip('"') if eq else True
        out.append((bits[0].lower(), params))
    return out


KNOWN_PARAMS = {"server_no_context_takeover", "client_no_context_takeover",
                "server_max_window_bits", "client_max_window_bits"}


def answer_misfit(offer, answer):
    """Why a permessage-deflate answer cannot answer this offer (RFC 7692
    7.1), or None."""
    for k, v in answer.items():
        if k not in KNOWN_PARAMS:
            return f"the unknown parameter {k}"
        if k.endswith("no_context_takeover"):
            if v is not True:
                return f"{k} with a value"
            continue
        if v is True or not v.isdigit() or not 8 <= int(v) <= 15:
            return f"{k}={v if v is not True else ''} (must be 8..15)"
        if k == "client_max_window_bits" and k not in offer:
            return "client_max_window_bits, not offered"
        if k in offer and offer[k] is not True and int(v) > int(offer[k]):
            return f"{k}={v}, over the offered {offer[k]}"
    if "server_max_window_bits" in offer and "server_max_window_bits" not in answer:
        return "no server_max_window_bits, which the offer set"
    return None


class Deflate:
    """What permessage-deflate agreed, seen from the peer."""

    def __init__(self, params, peer_is_server):
        sw = int(params.get("server_max_window_bits", 15))
        cw = params.get("client_max_window_bits", 15)
        cw = 15 if cw is True else int(cw)
        snct = "server_no_context_takeover" in params
        cnct = "client_no_context_takeover" in params
        if peer_is_server:
            self.peer_wbits, self.peer_nct, self.tool_wbits, self.tool_nct = sw, snct, cw, cnct
        else:
            self.peer_wbits, self.peer_nct, self.tool_wbits, self.tool_nct = cw, cnct, sw, snct

    def tool_side(self):
        return f"a {self.tool_wbits}-bit window" + (", no context takeover" if self.tool_nct else "")


# ---------------------------------------------------------------- outcome


class Fail(Exception):
    pass


class Skip(Exception):
    pass


class RowTimeout(Exception):
    pass


def short(b, n=40):
    b = bytes(b)
    s = repr(b[:n])[2:-1]
    return s + (f"...({len(b)} bytes)" if len(b) > n else "")


def fmt_msgs(msgs):
    if not msgs:
        return "nothing"
    more = f", and {len(msgs) - 5} more" if len(msgs) > 5 else ""
    return "[" + ", ".join(f"{k} '{short(d)}'" for k, d in msgs[:5]) + more + "]"


def fmt_code(c):
    return "an empty close" if c is None else str(c)


# ---------------------------------------------------------------- transport


def ioctl_int(fd, request):
    try:
        return struct.unpack("i", fcntl.ioctl(fd, request, b"\0" * 4))[0]
    except OSError:
        return 0


def proc_net_addr(addr):
    """An IPv4 address as /proc/net/tcp writes it."""
    return "%08X:%04X" % (struct.unpack("=I", socket.inet_aton(addr[0]))[0], addr[1])


class Conn:
    """A connected socket, plain or TLS over memory BIOs: what we send goes
    out in the writes we choose, and no read hides in a TLS buffer."""

    def __init__(self, sock, tls_ctx=None, server_side=False):
        self.sock = sock
        sock.setblocking(False)
        self.tls = None
        if tls_ctx is not None:
            self.inc, self.outb = ssl.MemoryBIO(), ssl.MemoryBIO()
            self.tls = tls_ctx.wrap_bio(self.inc, self.outb, server_side=server_side,
                                        server_hostname=None if server_side else "localhost")
        self.inbuf = bytearray()
        self.out = bytearray()
        self.eof = False
        self.broken = None
        self.handshaken = self.tls is None

    def queue(self, data):
        if self.tls is None:
            self.out += data
            return
        view = memoryview(data)
        while len(view):
            n = self.tls.write(view)
            view = view[n:]
        self.out += self.outb.read()

    def write_some(self):
        try:
            n = self.sock.send(self.out)
            del self.out[:n]
        except BlockingIOError:
            pass
        except OSError as e:
            self.broken = e
            self.out.clear()

    def read(self):
        try:
            raw = self.sock.recv(1 << 18)
        except BlockingIOError:
            return
        except OSError:
            raw = b""
        if self.tls is None:
            if raw:
                self.inbuf += raw
            else:
                self.eof = True
            return
        if raw:
            self.inc.write(raw)
        else:
            self.inc.write_eof()
        if not self.handshaken:
            try:
                self.tls.do_handshake()
                self.handshaken = True
            except ssl.SSLWantReadError:
                pass
            except ssl.SSLError as e:
                self.eof = True
                self.broken = e
            self.out += self.outb.read()
            if not self.handshaken:
                if not raw:
                    self.eof = True
                return
            # what came with the handshake's last flight is read below
        while True:
            try:
                d = self.tls.read(1 << 18)
            except ssl.SSLWantReadError:
                break
            except ssl.SSLError:
                self.eof = True
                break
            if not d:
                self.eof = True
                break
            self.inbuf += d
        self.out += self.outb.read()
        if not raw:
            self.eof = True

    def tcp_queues(self):
        """(send queue, receive queue) in bytes of the tool's end of the
        connection, from /proc/net/tcp; None unless it is TCP on this host."""
        if self.sock.family != socket.AF_INET:
            return None
        try:
            local = proc_net_addr(self.sock.getpeername())
            remote = proc_net_addr(self.sock.getsockname())
            with open("/proc/net/tcp") as f:
                for line in f:
                    x = line.split()
                    if len(x) > 4 and x[1] == local and x[2] == remote:
                        tx, rx = x[4].split(":")
                        return int(tx, 16), int(rx, 16)
        except (OSError, ValueError):
            pass
        return None

    def unread_from_tool(self):
        """Bytes the tool has written that we have not read: in our receive
        queue, and over TCP in its send queue too (a unix socket's writer
        queues straight into the reader's)."""
        q = self.tcp_queues()
        return ioctl_int(self.sock.fileno(), termios.FIONREAD) + (q[0] if q else 0)

    def unread_by_tool(self):
        """Bytes we have sent that the tool has not read (over a unix socket,
        the memory they take: 0 once read)."""
        q = self.tcp_queues()
        return len(self.out) + ioctl_int(self.sock.fileno(), termios.TIOCOUTQ) + (q[1] if q else 0)

    def start_tls(self):
        if self.tls is not None:
            try:
                self.tls.do_handshake()
                self.handshaken = True
            except ssl.SSLWantReadError:
                pass
            self.out += self.outb.read()

    def close_notify(self):
        if self.tls is not None and self.handshaken:
            try:
                self.tls.unwrap()
            except (ssl.SSLWantReadError, ssl.SSLError):
                pass
            self.out += self.outb.read()


class Tool:
    """The tool under test as a child process: stdin records, stdout and
    stderr collected, its exit seen through a pidfd. relay: an echo, each
    stdout line (a json envelope) written back to its stdin as it comes."""

    def __init__(self, cmd, stdin_bytes, relay=False):
        self.cmd = cmd
        self.relay = relay
        self.to_stdin, self.line = bytearray(), bytearray()
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE if stdin_bytes or relay else subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if relay:
            os.set_blocking(self.proc.stdin.fileno(), False)
        elif stdin_bytes:
            try:
                self.proc.stdin.write(stdin_bytes)
                self.proc.stdin.flush()
            except BrokenPipeError:
                pass
        self.out, self.err = bytearray(), bytearray()
        self.pipes = {self.proc.stdout.fileno(): self.out, self.proc.stderr.fileno(): self.err}
        for fd in self.pipes:
            os.set_blocking(fd, False)
        self.pidfd = os.pidfd_open(self.proc.pid)
        self.status = None

    def fds(self):
        return list(self.pipes) + ([self.pidfd] if self.status is None else [])

    def wfds(self):
        return [self.proc.stdin.fileno()] if self.to_stdin and not self.proc.stdin.closed else []

    def write_stdin(self):
        try:
            n = os.write(self.proc.stdin.fileno(), self.to_stdin)
            del self.to_stdin[:n]
        except BlockingIOError:
            pass
        except OSError:
            self.to_stdin.clear()

    def stdin_unread(self):
        """Bytes written to its stdin that it has not read yet."""
        if self.proc.stdin is None or self.proc.stdin.closed:
            return 0
        return len(self.to_stdin) + ioctl_int(self.proc.stdin.fileno(), termios.FIONREAD)

    def on_ready(self, fd):
        if fd == self.pidfd:
            self.status = self.proc.wait()
            os.close(self.pidfd)
            return
        try:
            d = os.read(fd, 1 << 20)
        except BlockingIOError:
            return
        if d:
            buf = self.pipes[fd]
            if self.relay and buf is self.out:
                self.line += d
                end = self.line.rfind(b"\n") + 1
                self.to_stdin += self.line[:end]
                del self.line[:end]
            # A tool that loops writing must not take the peer's memory.
            if len(buf) < STDOUT_CAP:
                buf += d
            else:
                self.overflowed = True
        else:
            del self.pipes[fd]

    def records(self):
        """The stdout records so far (json envelopes), parsed once each."""
        if not hasattr(self, "_recs"):
            self._recs, self._pos = [], 0
        end = self.out.rfind(b"\n") + 1
        for line in bytes(self.out[self._pos:end]).split(b"\n")[:-1]:
            try:
                env = json.loads(line)
                if env.get("type") == "bytes":
                    self._recs.append(("binary", base64.b64decode(env["data"])))
                elif env.get("type") == "string":
                    self._recs.append(("text", env["data"].encode("utf-8", "surrogatepass")))
                else:
                    self._recs.append((env.get("type", "?"), json.dumps(env.get("data")).encode()))
            except (ValueError, KeyError, AttributeError, TypeError):
                self._recs.append(("unparsed", line))
        self._pos = max(self._pos, end)
        return self._recs

    def stderr_tail(self, n=3):
        lines = bytes(self.err).decode("utf-8", "replace").strip().split("\n")
        return [ln[:300] for ln in lines[-n:] if ln]

    def close_stdin(self):
        if self.proc.stdin:
            try:
                self.proc.stdin.close()
            except OSError:
                pass

    def kill(self, sig):
        if self.status is None:
            try:
                self.proc.send_signal(sig)
            except ProcessLookupError:
                pass


def proc_memory(pid, field):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


# ---------------------------------------------------------------- the loop


class World:
    """One case's event loop: the connection (and its frame session), the
    tool's pipes and exit, the listener for reconnects to turn away."""

    def __init__(self, opts, peer_is_server, tool=None, listener=None):
        self.opts = opts
        self.peer_is_server = peer_is_server
        self.tool = tool
        self.listener = listener
        self.conn = None
        self.session = None
        self.extra_conns = 0
        self.log = []
        self.probe = None
        self.mem_before = self.mem_after = None
        self.killed = False
        self.reading = True     # False: what the tool sends waits in the sockets

    def note(self, text):
        if self.opts.verbose:
            self.log.append(text)

    def select_once(self, deadline, tick=None):
        rl = []
        if self.conn is not None and not self.conn.eof and self.reading:
            rl.append(self.conn.sock)
        if self.tool is not None:
            rl += self.tool.fds()
        if self.listener is not None and self.conn is not None:
            rl.append(self.listener)
        wl = [self.conn.sock] if self.conn is not None and self.conn.out and not self.conn.broken else []
        if self.tool is not None:
            wl += self.tool.wfds()
        timeout = max(0.0, deadline - time.monotonic())
        if tick is not None:
            timeout = min(timeout, tick)
        if not rl and not wl:
            time.sleep(min(timeout, 0.05))
            return
        r, w, _ = select.select(rl, wl, [], timeout)
        for x in w:
            if self.conn is not None and x is self.conn.sock:
                self.conn.write_some()
            else:
                self.tool.write_stdin()
        for x in r:
            if self.conn is not None and x is self.conn.sock:
                self.conn.read()
                if self.session is not None:
                    self.session.parse()
            elif x is self.listener:
                try:
                    extra, _ = self.listener.accept()
                    extra.close()
                    self.extra_conns += 1
                except OSError:
                    pass
            else:
                self.tool.on_ready(x)

    def pump(self, until, bound, tick=None):
        """Runs the loop until UNTIL() or BOUND s; with TICK, UNTIL is also
        asked every TICK s (for what no descriptor tells)."""
        deadline = time.monotonic() + bound
        while True:
            if until():
                return True
            if time.monotonic() >= deadline:
                return False
            self.select_once(deadline, tick)

    def send(self, data, bound=SEND_BOUND):
        """Queues DATA and writes it (reading meanwhile); False when the
        connection broke or the bound passed first."""
        c = self.conn
        if c.broken or c.eof:
            return False
        try:
            c.queue(data)
        except ssl.SSLError as e:
            c.broken = e
            return False
        self.pump(lambda: not c.out or c.broken, bound)
        return not c.out and not c.broken

    def shutdown_write(self):
        self.conn.close_notify()
        self.pump(lambda: not self.conn.out or self.conn.broken, BOUND)
        try:
            self.conn.sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def tool_summary(self):
        if self.tool is None:
            return []
        st = "still running" if self.tool.status is None else f"exit {self.tool.status}"
        return [f"tool: {' '.join(self.tool.cmd)} ({st})"] + \
            [f"stderr: {ln}" for ln in self.tool.stderr_tail()]

    def finish_tool(self, grace):
        """Closes the tool's stdin and waits GRACE s for it to exit (turning
        reconnects away), then terminates it; True when it had to."""
        t = self.tool
        if t is None:
            return False
        t.close_stdin()
        done = lambda: t.status is not None and not t.pipes
        if self.pump(done, grace):
            return False
        t.kill(signal.SIGTERM)
        if not self.pump(done, 3):
            t.kill(signal.SIGKILL)
            self.pump(done, 3)
        return True


# ---------------------------------------------------------------- frames


class Session:
    """The frames of one connection: what the tool sends, parsed and judged
    as it arrives (pings answered), and what the peer sends, encoded."""

    def __init__(self, world, deflate):
        self.w = world
        self.conn = world.conn
        self.tool_masks = world.peer_is_server
        self.deflate = deflate
        self.msgs, self.pongs, self.pings = [], [], []
        self.events = []        # ("pong", payload) and ("msg", (kind, data)), as they came
        self.sent, self.sending, self.pings_sent = [], None, 0   # the peer's messages
        self.close = None       # (code or None, reason)
        self.problems = []
        self.partial = None
        self.inflater = None
        self.deflater = None
        self.fast = False
        self.stopped = False

    def problem(self, text):
        if text not in self.problems:
            self.problems.append(text)

    # -- what the tool sends
    def parse(self):
        buf = self.conn.inbuf
        while not self.stopped and len(buf) >= 2:
            b0, b1 = buf[0], buf[1]
            n, pos = b1 & 0x7F, 2
            if n == 126:
                if len(buf) < 4:
                    return
                n, pos = struct.unpack(">H", buf[2:4])[0], 4
            elif n == 127:
                if len(buf) < 10:
                    return
                n, pos = struct.unpack(">Q", buf[2:10])[0], 10
            if n > 1 << 28:
                self.problem(f"it sent a frame head declaring {n} bytes")
                self.stopped = True
                return
            masked = bool(b1 & 0x80)
            if masked:
                pos += 4
            if len(buf) < pos + n:
                return
            payload = bytes(buf[pos:pos + n])
            if masked:
                payload = xor(payload, bytes(buf[pos - 4:pos]))
            del buf[:pos + n]
            self.on_frame(bool(b0 & 0x80), (b0 >> 4) & 7, b0 & 0x0F, masked, payload)

    def on_frame(self, fin, rsv, op, masked, payload):
        self.w.note(f"got op={op} fin={int(fin)} rsv={rsv} masked={int(masked)} {short(payload)}")
        if self.close is not None:
            self.problem(f"it sent a frame (opcode {op}) after its close frame")
            return
        if masked != self.tool_masks:
            self.problem("it sent an unmasked frame, as a client" if self.tool_masks
                         else "it sent a masked frame, as a server")
        if op >= 8:
            if not fin or len(payload) > 125 or rsv:
                self.problem(f"it sent a control frame (opcode {op}) that is fragmented, over 125 bytes"
                             " or with RSV bits")
            if op == 8:
                if len(payload) == 1:
                    self.problem("it sent a close payload of 1 byte")
                    self.close = ("1 byte", b"")
                elif not payload:
                    self.close = (None, b"")
                else:
                    self.close = (struct.unpack(">H", payload[:2])[0], payload[2:])
                    try:
                        payload[2:].decode()
                    except UnicodeDecodeError:
                        self.problem("its close reason is not UTF-8")
            elif op == 9:
                self.pings.append(payload)
                self.conn.queue(frame_bytes(10, payload, mask=not self.tool_masks))
            elif op == 10:
                self.pongs.append(payload)
                self.events.append(("pong", payload))
            else:
                self.problem(f"it sent a frame of reserved opcode {op:#x}")
            return
        if op in (1, 2):
            if self.partial is not None:
                self.problem("it started a new message inside a fragmented one")
            if rsv & 4 and self.deflate is None:
                self.problem("it set RSV1 without permessage-deflate agreed")
            if rsv & 3:
                self.problem("it set RSV2 or RSV3")
            self.partial = [op, bool(rsv & 4), [payload]]
        elif op == 0:
            if self.partial is None:
                self.problem("it sent a continuation frame outside a message")
                return
            if rsv:
                self.problem("it set RSV bits on a continuation frame")
            self.partial[2].append(payload)
        else:
            self.problem(f"it sent a frame of reserved opcode {op:#x}")
            return
        if fin:
            op, compressed, parts = self.partial
            self.partial = None
            data = b"".join(parts)
            kind = "text" if op == 1 else "binary"
            if compressed and self.deflate is not None:
                data = self.inflate(data)
                if data is None:
                    self.msgs.append(("not inflatable", b""))
                    return
            if kind == "text":
                try:
                    data.decode("utf-8")
                except UnicodeDecodeError:
                    self.problem("it sent a text message that is not UTF-8")
            self.msgs.append((kind, data))
            self.events.append(("msg", (kind, data)))

    def inflate(self, payload):
        d = self.deflate
        if d.tool_nct or self.inflater is None or self.inflater.eof:
            self.inflater = zlib.decompressobj(-d.tool_wbits)
        # Small output pieces: zlib copies a match from its output buffer
        # without looking at the window size, so only pieces smaller than
        # the distances catch a window larger than agreed.
        piece = 256 if d.tool_wbits < 15 else 1 << 16
        data, out, total = payload + b"\x00\x00\xff\xff", [], 0
        try:
            while True:
                chunk = self.inflater.decompress(data, piece)
                data = self.inflater.unconsumed_tail
                out.append(chunk)
                total += len(chunk)
                if total > 64 << 20:
                    raise zlib.error("over 64 MiB")
                if self.inflater.eof or (not chunk and not data):
                    break
        except zlib.error as e:
            self.problem(f"its compressed message does not inflate with {d.tool_side()}: {e}")
            self.inflater = None
            return None
        return b"".join(out)

    # -- what the peer sends
    def compress(self, data, reset):
        d = self.deflate
        if reset or d.peer_nct or self.deflater is None:
            self.deflater = zlib.compressobj(6, zlib.DEFLATED, -max(d.peer_wbits, 9))
        out = self.deflater.compress(data) + self.deflater.flush(zlib.Z_SYNC_FLUSH)
        assert out.endswith(b"\x00\x00\xff\xff")
        return out[:-4]

    def track(self, op, data, fin):
        """The messages the peer sends, as the tool should see them."""
        if op == 9:
            self.pings_sent += 1
        elif op in (1, 2):
            self.sending = ["text" if op == 1 else "binary", data]
        elif op == 0 and self.sending is not None:
            self.sending[1] += data
        if op in (0, 1, 2) and fin and self.sending is not None:
            self.sent.append(tuple(self.sending))
            self.sending = None

    def encode(self, item):
        item = lazy(item)
        peer_mask = not self.tool_masks
        if "frame" in item:
            op, data, fin, rsv, mask, length = item["frame"]
            self.track(op, data, fin)
            return frame_bytes(op, data, fin, rsv, peer_mask if mask is None else mask, length)
        data, op, frags, reset, rsv_cont = item["z"]
        self.track(op, data, True)
        payload = self.compress(data, reset) if self.deflate is not None else data
        rsv = 4 if self.deflate is not None else 0
        size = -(-len(payload) // frags) if payload else 0
        pieces = [payload[i * size:(i + 1) * size] for i in range(frags)] if size else [b""] * frags
        out = b""
        for i, p in enumerate(pieces):
            out += frame_bytes(op if i == 0 else 0, p, fin=i == frags - 1,
                               rsv=rsv if i == 0 or rsv_cont else 0, mask=peer_mask)
        return out

    def closed_or_gone(self):
        return self.close is not None or self.conn.eof

    def play(self, steps):
        """Sends the steps, a write each run of frames; stops once the tool
        closed or the connection broke."""
        write = []
        for step in steps + [None]:
            if isinstance(step, dict) and ("frame" in step or "z" in step or "lazy" in step):
                write.append(step)
                continue
            if write and not self.closed_or_gone():
                self.w.note(f"send {len(write)} frames")
                self.w.send(b"".join(self.encode(i) for i in write))
            write = []
            if step is WAIT_CLOSE:
                self.w.pump(self.closed_or_gone, BOUND)
                self.fast = self.closed_or_gone()
            elif self.closed_or_gone():
                continue
            elif step is HOLD:
                self.w.reading = False
            elif step is SETTLE_STEP:
                self.settle()
            elif step is RESUME:
                self.resume()
            elif step is not None:
                self.fill(step["fill"])

    def fill(self, size):
        """While the peer does not read: sends text messages of SIZE bytes,
        FILL_BURST a write, each write once the tool has written (most of)
        the echoes of the one before, until it has written nothing for
        STALL s: its socket is full, and what it could not write waits in
        its socket library, or in its own queue, at most a burst (one write
        of its own, with the echoes to come). Nothing tells the peer that
        the tool has written nothing more, hence the wait. (Over TCP, what
        the tool wrote may count twice for a moment, in its send queue and
        in our receive queue: the goal moves by a burst from where it
        started, not from where each burst finds it.)"""
        w, c = self.w, self.conn
        msg = text_of(size)
        start = time.monotonic()
        goal = c.unread_from_tool()
        for n in range(0, FILL_MAX, FILL_BURST):
            goal += size * FILL_BURST
            last, since = c.unread_from_tool(), time.monotonic()

            def echoed_or_stalled():
                nonlocal last, since
                now, v = time.monotonic(), c.unread_from_tool()
                if v != last:
                    last, since = v, now
                return v >= goal - size // 2 or now - since >= STALL or c.broken or c.eof

            c.queue(b"".join(self.encode(F(1, msg)) for _ in range(FILL_BURST)))
            w.pump(echoed_or_stalled, SEND_BOUND, TICK)
            if last < goal - size // 2 or c.broken or c.eof:
                break
        w.note(f"filled with {n + FILL_BURST} messages of {size} bytes in {time.monotonic() - start:.2f} s: "
               f"{c.unread_from_tool()} bytes unread, {len(c.out)} not sent")

    def resume(self):
        """Reads again, until every echo and pong owed has come, and over
        TCP the tool has seen all it sent acknowledged (what a next fill
        counts from)."""
        c = self.conn
        self.w.reading = True
        self.w.pump(lambda: (len(self.msgs) >= len(self.sent) and len(self.pongs) >= self.pings_sent
                             and (c.tcp_queues() or (0,))[0] == 0) or self.closed_or_gone(),
                    BOUND + total_size(self.sent) / (256 << 10), TICK)
        self.w.note(f"read again: {len(self.msgs)} messages, {len(self.pongs)} pongs, "
                    f"{c.unread_from_tool()} bytes unread")

    def settle(self):
        """Waits for the tool to have read what the peer sent and, as an
        echo, to have queued it to send back: for the relay, until its
        stdin is read; then SETTLE s more, since nothing tells the peer when
        an echo reaches the tool's queue."""
        w, c = self.w, self.conn
        tool = w.tool
        w.pump(lambda: not c.unread_by_tool() or c.broken or c.eof, BOUND, TICK)
        if tool is not None and tool.relay:
            w.pump(lambda: len(tool.records()) >= len(self.sent) and not tool.stdin_unread()
                   or tool.status is not None, BOUND, TICK)
        w.pump(lambda: False, SETTLE)


# ---------------------------------------------------------------- judging


def total_size(msgs):
    return sum(len(d) for _, d in msgs)


def judge_reaction(w, row, problems):
    """Judges what the tool did after the case's frames, and ends the
    connection. The tool's stdout is judged later, once it has exited."""
    s, e = w.session, row["expect"]
    conn = w.conn
    deliver = s.sent if e.get("deliver_sent") else [lazy(m) for m in e.get("deliver", [])]

    def end_tcp(after):
        if w.peer_is_server:
            w.shutdown_write()
            if not w.pump(lambda: conn.eof, BOUND):
                problems.append(f"expected the tool to close TCP within {BOUND:g} s of {after}, "
                                "it kept it open")
        elif not w.pump(lambda: conn.eof, BOUND):
            problems.append(f"expected the server to close TCP within {BOUND:g} s of {after}, "
                            "it kept it open")

    if "fail" in e:
        code = e["fail"]
        w.pump(s.closed_or_gone, BOUND)
        if w.probe is not None:
            w.probe()    # while the tool is still there
        if s.close is None:
            got = "the connection ended without one" if conn.eof else f"none within {BOUND:g} s"
            problems.append(f"expected a close frame with {code}, got {got}"
                            + (f" (it sent {fmt_msgs(s.msgs)})" if s.msgs else ""))
            return
        if s.close[0] != code:
            problems.append(f"expected close code {code}, got {fmt_code(s.close[0])}")
        if e.get("fast") and not s.fast:
            problems.append(f"expected the close within {BOUND:g} s of the bad fragment, before the "
                            "last one, got it only after")
        if not conn.eof:
            w.send(frame_bytes(8, b"" if s.close[0] in (None, "1 byte") else struct.pack(">H", s.close[0]),
                               mask=not s.tool_masks), BOUND)
        end_tcp("the closing handshake")
        if not w.peer_is_server and s.msgs != deliver:
            problems.append(f"expected echoes {fmt_msgs(deliver)}, got {fmt_msgs(s.msgs)}")
        return

    if "echo" in e:
        code = e["echo"]
        w.pump(s.closed_or_gone, BOUND)
        if s.close is None:
            got = "the connection ended without one" if conn.eof else f"none within {BOUND:g} s"
            problems.append(f"expected a close frame answering ours ({code}), got {got}")
            return
        ok = s.close[0] in (None, 1000) if code == "empty" else s.close[0] == code
        if not ok:
            problems.append(f"expected the answer to our close to carry "
                            f"{'nothing or 1000' if code == 'empty' else code}, got {fmt_code(s.close[0])}")
        end_tcp("the closing handshake")
        if not w.peer_is_server and s.msgs != deliver:
            problems.append(f"expected echoes {fmt_msgs(deliver)}, got {fmt_msgs(s.msgs)}")
        return

    # Deliveries and pongs: wait for them, then close with 1000 ourselves;
    # what comes before the answer to that close is all there was.
    pongs = e.get("pongs", [])
    records = [lazy(m) for m in row["records"]] if w.peer_is_server else []
    if w.peer_is_server and row.get("relay"):
        records = deliver
    if w.peer_is_server:
        delivered = lambda: len(w.tool.records()) >= len(deliver)
        want_msgs = len(records)
    else:
        delivered = lambda: True
        want_msgs = len(deliver)
    bound = BOUND + (total_size(deliver) + total_size(records)) / (256 << 10)
    w.pump(lambda: (delivered() and len(s.pongs) >= len(pongs) and len(s.msgs) >= want_msgs)
           or s.closed_or_gone() or (w.tool is not None and w.tool.status is not None), bound)
    if s.close is not None:
        problems.append(f"expected no close, got a close with {fmt_code(s.close[0])}")
    elif conn.eof:
        problems.append("expected the connection to stay, it ended")
    else:
        w.send(frame_bytes(8, struct.pack(">H", 1000), mask=not s.tool_masks), BOUND)
        w.pump(s.closed_or_gone, BOUND)
        if s.close is None:
            problems.append(f"expected an answer to our close 1000 within {BOUND:g} s, got "
                            + ("the end of the connection" if conn.eof else "nothing"))
        else:
            end_tcp("the closing handshake")
    if s.pongs != pongs:
        problems.append(f"expected pongs {[short(p) for p in pongs]}, got {[short(p) for p in s.pongs]}")
    if w.peer_is_server:
        if s.msgs != records:
            problems.append(f"expected it to send {fmt_msgs(records)}, got {fmt_msgs(s.msgs)}")
    elif s.msgs != deliver:
        problems.append(f"expected echoes {fmt_msgs(deliver)}, got {fmt_msgs(s.msgs)}")
    late = []
    for ping, msg in e.get("pong_first", []):
        echo = ("msg", ("text", msg))
        if ("pong", ping) in s.events and echo in s.events and \
                s.events.index(echo) < s.events.index(("pong", ping)):
            late.append(ping)
    if late:
        problems.append(f"expected each pong before the echo of the message its ping came inside, got "
                        f"{len(late)} of {len(e['pong_first'])} after it ({', '.join(short(p) for p in late[:5])}"
                        + (", ..." if len(late) > 5 else "") + ")")


# ---------------------------------------------------------------- peer: server


def make_listener(opts, rcvbuf=None):
    if opts.unix:
        try:
            os.unlink(opts.unix)
        except FileNotFoundError:
            pass
        ls = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        ls.bind(opts.unix)
    else:
        ls = socket.socket()
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind(("127.0.0.1", 0))
    if rcvbuf:
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)   # its connections inherit it
    ls.listen(16)
    ls.setblocking(False)
    return ls


def tool_command(opts, row, port):
    scheme = "wss" if opts.tls else "ws"
    host = "localhost" if (opts.tls or opts.unix) else "127.0.0.1"
    url = f"{scheme}://{host}" + ("" if opts.unix else f":{port}") + f"/case/{row['id']}"
    cmd = list(opts.tool) + row["args"] + ["-f", "json"]
    if not row["records"] and not row.get("relay"):
        cmd.append("-r")
    if opts.tls:
        cmd += ["--cacert", opts.tls[0]]
    if opts.unix:
        cmd += ["--unix", opts.unix]
    cmd.append(url)
    if opts.kind == "group":
        cmd.append(GROUP_PATH)
    return cmd


def record_line(opts, msg):
    kind, data = lazy(msg)
    env = {"type": "string", "data": data.decode()} if kind == "text" else \
        {"type": "bytes", "data": base64.b64encode(data).decode()}
    if opts.kind == "group":
        env["tag"] = GROUP_PATH
    return json.dumps(env).encode() + b"\n"


def read_head(w, bound):
    c = w.conn
    w.pump(lambda: b"\r\n\r\n" in c.inbuf or c.eof, bound)
    if b"\r\n\r\n" not in c.inbuf:
        return None
    head, _, rest = bytes(c.inbuf).partition(b"\r\n\r\n")
    c.inbuf[:] = rest
    return head.decode("utf-8", "replace")


def run_as_server(opts, row, problems, w_holder):
    """One case with the peer as the server of the tool."""
    listener = make_listener(opts, row.get("rcvbuf"))
    try:
        port = None if opts.unix else listener.getsockname()[1]
        cmd = tool_command(opts, row, port)
        stdin = b"".join(record_line(opts, m) for m in row["records"])
        tool = Tool(cmd, stdin, relay=row.get("relay", False))
        w = World(opts, True, tool)
        w_holder.append(w)
        try:
            serve_case(opts, row, w, listener, problems)
        finally:
            if w.conn is not None:
                # A case that went wrong may leave the connection open: end
                # it, so that the tool goes on to its end.
                w.conn.sock.close()
                w.conn.eof = True
                w.conn.out.clear()
                w.listener = listener
            # rxws-connect --retries 0 ends once its connection has: after
            # a close with 1000, or after one attempt to reconnect, turned
            # away. rxws-group stays: it is ended.
            grace = BOUND if opts.kind == "connect" else 0
            w.killed = w.finish_tool(grace)
        judge_tool(opts, row, w, problems)
    finally:
        listener.close()


def serve_case(opts, row, w, listener, problems):
    tool = w.tool
    deadline = time.monotonic() + START_BOUND
    while w.conn is None:
        if tool.status is not None and not tool.pipes:
            raise Fail(f"expected a connection, got the tool's exit ({tool.status}) before it connected")
        if time.monotonic() >= deadline:
            raise Fail(f"expected a connection within {START_BOUND:g} s, got none")
        rl = tool.fds() + [listener]
        r, _, _ = select.select(rl, [], [], max(0.0, deadline - time.monotonic()))
        for x in r:
            if x is listener:
                try:
                    sock, _ = listener.accept()
                except OSError:
                    continue
                w.conn = Conn(sock, opts.ssl_ctx, server_side=True)
            else:
                tool.on_ready(x)
    c = w.conn
    if c.tls is not None:
        c.start_tls()
        w.pump(lambda: c.handshaken or c.eof, START_BOUND)
        if not c.handshaken:
            raise Fail(f"expected a TLS handshake, got {c.broken or 'none'}")
    head = read_head(w, START_BOUND)
    if head is None:
        raise Fail("expected a handshake request, got " + ("the end of the connection" if c.eof else "none"))
    first, headers = parse_head(head)
    w.note(f"request: {head!r}")
    parts = first.split(" ")
    want_path = f"/case/{row['id']}" + (GROUP_PATH if opts.kind == "group" else "")
    if len(parts) != 3 or parts[0] != "GET" or parts[2] != "HTTP/1.1":
        problems.append(f"expected 'GET ... HTTP/1.1', got {first!r}")
    elif parts[1] != want_path:
        problems.append(f"expected the path {want_path}, got {parts[1]}")
    key = headers.get("sec-websocket-key", "")
    try:
        if len(base64.b64decode(key, validate=True)) != 16:
            raise ValueError
    except ValueError:
        problems.append(f"expected a Sec-WebSocket-Key of 16 bytes in base64, got {key!r}")
    if "websocket" not in tokens(headers.get("upgrade", "")):
        problems.append(f"expected Upgrade: websocket, got {headers.get('upgrade')!r}")
    if "upgrade" not in tokens(headers.get("connection", "")):
        problems.append(f"expected Connection: Upgrade, got {headers.get('connection')!r}")
    if headers.get("sec-websocket-version") != "13":
        problems.append(f"expected Sec-WebSocket-Version: 13, got {headers.get('sec-websocket-version')!r}")
    for name, want in row["expect"].get("request", {}).items():
        if headers.get(name.lower()) != want:
            problems.append(f"expected the request to carry {name}: {want}, got {headers.get(name.lower())!r}")

    a = row["answer"]
    deflate = None
    extra = list(a.get("add", []))
    if row["ext"]:
        offers = parse_extensions(headers.get("sec-websocket-extensions", ""))
        pmd = [p for n, p in offers if n == "permessage-deflate"]
        if not pmd:
            raise Fail("expected the request to offer permessage-deflate, got "
                       + repr(headers.get("sec-websocket-extensions", "no Sec-WebSocket-Extensions")))
        offered = set().union(*[set(p) for p in pmd])
        if row.get("needs_offer") and row["needs_offer"] not in offered:
            raise Skip(f"the tool did not offer {row['needs_offer']}")
        if row.get("unless_offer") and row["unless_offer"] in offered:
            raise Skip(f"the tool offered {row['unless_offer']}")
        deflate = Deflate(parse_extensions(row["ext"])[0][1], peer_is_server=True) \
            if "refuse" not in row["expect"] else None
        extra.append(f"Sec-WebSocket-Extensions: {row['ext']}")
    if "raw" in a:
        answer = a["raw"]
    else:
        accept = base64.b64encode(b"x" * 20).decode() if a.get("bad_accept") else accept_of(key)
        hs = [("Upgrade", "websocket"), ("Connection", "Upgrade"), ("Sec-WebSocket-Accept", accept)]
        hs = [h for h in hs if h[0] not in a.get("drop", [])]
        status = a.get("status", 101)
        text = f"HTTP/1.1 {status} {'Switching Protocols' if status == 101 else 'Nope'}\r\n"
        text += "".join(f"{k}: {v}\r\n" for k, v in hs) + "".join(f"{h}\r\n" for h in extra) + "\r\n"
        answer = text.encode()
    w.send(answer)
    w.listener = listener    # from now on, other connections are turned away
    w.mem_before = proc_memory(tool.proc.pid, "VmRSS")

    if "refuse" in row["expect"]:
        w.refused_in_time = w.pump(lambda: tool.status is not None, BOUND)
        return
    w.session = Session(w, deflate)
    w.session.parse()

    def probe():
        w.mem_after = proc_memory(tool.proc.pid, "VmHWM")
        w.note(f"memory: VmRSS {w.mem_before} KiB at the handshake, VmHWM {w.mem_after} KiB at its close")
    w.probe = probe
    w.session.play(row["send"])
    judge_reaction(w, row, problems)
    problems.extend(w.session.problems)


def judge_tool(opts, row, w, problems):
    e, tool = row["expect"], w.tool
    if "refuse" in e:
        if not getattr(w, "refused_in_time", False):
            problems.append(f"expected the tool to give up with exit {e['refuse']} within {BOUND:g} s "
                            "of the answer, it went on")
        elif tool.status != e["refuse"]:
            problems.append(f"expected the tool to give up with exit {e['refuse']}, got exit {tool.status}")
        if not bytes(tool.err).strip():
            problems.append("expected a reason on stderr, got nothing")
    if opts.kind == "connect" and w.killed:
        if "refuse" not in e:
            problems.append(f"expected rxws-connect (--retries 0) to exit within {BOUND:g} s of the end "
                            "of its connection, it had to be killed")
    elif "exit" in e and opts.kind == "connect" and tool.status != e["exit"]:
        problems.append(f"expected exit {e['exit']}, got exit {tool.status}")
    if e.get("deliver_sent"):
        deliver = w.session.sent if w.session is not None else []
    else:
        deliver = [lazy(m) for m in e.get("deliver", [])]
    got = tool.records()
    if got != deliver:
        problems.append(f"expected on stdout {fmt_msgs(deliver)}, got {fmt_msgs(got)}")
    if e.get("mem") and opts.mem_limit_kib and w.session is not None and w.session.close is not None:
        grew = (w.mem_after or 0) - (w.mem_before or 0)
        if w.mem_after is None or w.mem_before is None:
            problems.append(f"expected to read the tool's memory, got VmRSS {w.mem_before}, "
                            f"VmHWM {w.mem_after}")
        elif grew > opts.mem_limit_kib:
            problems.append(f"expected its memory to grow by under {opts.mem_limit_kib} KiB, "
                            f"got {grew} KiB (VmRSS {w.mem_before} -> VmHWM {w.mem_after} KiB)")


# ---------------------------------------------------------------- peer: client


def connect(opts, rcvbuf=None):
    if opts.unix:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(START_BOUND)
        sock.connect(opts.unix)
    elif rcvbuf:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        sock.settimeout(START_BOUND)
        sock.connect((opts.host, opts.port))
    else:
        sock = socket.create_connection((opts.host, opts.port), timeout=START_BOUND)
    return sock


def build_request(opts, row, key):
    r = row["request"]
    host = "localhost" if (opts.unix or opts.tls) else opts.host
    if not opts.unix:
        host += f":{opts.port}"
    headers = [("Host", host), ("Upgrade", "websocket"), ("Connection", "Upgrade"),
               ("Sec-WebSocket-Key", key), ("Sec-WebSocket-Version", "13")]
    if row["ext"]:
        headers.append(("Sec-WebSocket-Extensions", row["ext"]))
    for name, value in r.get("set", {}).items():
        if any(h[0] == name for h in headers):
            headers = [(h[0], value if h[0] == name else h[1]) for h in headers]
        else:
            headers.append((name, value))
    headers = [h for h in headers if h[0] not in r.get("drop", [])]
    if r.get("big"):
        headers.append(("X-Big", "z" * r["big"]))
    eol = r.get("eol", "\r\n")
    path = f"/case/{row['id']}" + r.get("path", "")
    lines = [f"{r.get('method', 'GET')} {path} {r.get('version', 'HTTP/1.1')}"]
    lines += [f"{k}: {v}" for k, v in headers]
    return (eol.join(lines) + eol + eol).encode()


def run_as_client(opts, row, problems, w_holder):
    """One case with the peer as a client of the echo server."""
    w = World(opts, False)
    w_holder.append(w)
    try:
        sock = connect(opts, row.get("rcvbuf"))
    except OSError as e:
        raise Fail(f"expected to connect, got {e}")
    w.conn = c = Conn(sock, opts.ssl_ctx, server_side=False)
    try:
        if c.tls is not None:
            c.start_tls()
            w.pump(lambda: c.handshaken or c.eof, START_BOUND)
            if not c.handshaken:
                raise Fail(f"expected a TLS handshake, got {c.broken or 'none'}")
        key = base64.b64encode(os.urandom(16)).decode()
        w.send(build_request(opts, row, key))
        head = read_head(w, BOUND + 2)
        if head is None:
            raise Fail("expected an HTTP answer, got "
                       + ("the end of the connection" if c.eof else f"none within {BOUND + 2:g} s"))
        w.note(f"answer: {head!r}")
        first, headers = parse_head(head)
        parts = first.split(" ", 2)
        status = int(parts[1]) if len(parts) >= 2 and parts[1].isdigit() else None
        e = row["expect"]
        http = e.get("http", {"status": 101})
        if not first.startswith("HTTP/1.1 ") or status is None:
            raise Fail(f"expected an HTTP/1.1 status line, got {first!r}")
        if status != http["status"]:
            raise Fail(f"expected HTTP {http['status']}, got {first!r}")
        for name, want in http.get("has", {}).items():
            if want.lower() not in tokens(headers.get(name.lower(), "")):
                problems.append(f"expected {name}: {want} in the answer, got {headers.get(name.lower())!r}")
        for name, want in http.get("eq", {}).items():
            if headers.get(name.lower()) != want:
                problems.append(f"expected {name}: {want} in the answer, got {headers.get(name.lower())!r}")
        for name in http.get("absent", []):
            if name.lower() in headers:
                problems.append(f"expected no {name} in the answer, got {headers[name.lower()]!r}")
        if status != 101:
            return
        if "websocket" not in tokens(headers.get("upgrade", "")):
            problems.append(f"expected Upgrade: websocket, got {headers.get('upgrade')!r}")
        if "upgrade" not in tokens(headers.get("connection", "")):
            problems.append(f"expected Connection: Upgrade, got {headers.get('connection')!r}")
        if headers.get("sec-websocket-accept") != accept_of(key):
            problems.append(f"expected Sec-WebSocket-Accept: {accept_of(key)}, "
                            f"got {headers.get('sec-websocket-accept')!r}")
        offered_protos = tokens(row["request"].get("set", {}).get("Sec-WebSocket-Protocol", ""))
        proto = headers.get("sec-websocket-protocol")
        if proto is not None and proto.lower() not in offered_protos:
            problems.append(f"expected a subprotocol among those offered, got {proto!r}")
        deflate = negotiated(row, headers, problems)
        w.session = Session(w, deflate)
        w.session.parse()
        mem_before = proc_memory(opts.serve_pid, "VmRSS") if opts.serve_pid else None
        w.session.play(row["send"])
        judge_reaction(w, row, problems)
        problems.extend(w.session.problems)
        if e.get("mem") and opts.mem_limit_kib and opts.serve_pid:
            after = proc_memory(opts.serve_pid, "VmHWM")
            if after is None or mem_before is None:
                problems.append(f"expected to read the memory of pid {opts.serve_pid}, could not")
            elif after - mem_before > opts.mem_limit_kib:
                problems.append(f"expected the server's memory to grow by under {opts.mem_limit_kib} KiB, "
                                f"got {after - mem_before} KiB (VmRSS {mem_before} -> VmHWM {after} KiB)")
    finally:
        c.sock.close()


def negotiated(row, headers, problems):
    """The permessage-deflate the server's answer agreed to (client peer),
    judged against the offer and the case's expectations."""
    answer = headers.get("sec-websocket-extensions")
    e = row["expect"]
    if not row["ext"]:
        if answer is not None:
            problems.append(f"expected no Sec-WebSocket-Extensions (none offered), got {answer!r}")
        return None
    offers = [p for n, p in parse_extensions(row["ext"]) if n == "permessage-deflate"]
    exts = parse_extensions(answer or "")
    pmd = [p for n, p in exts if n == "permessage-deflate"]
    others = [n for n, _ in exts if n != "permessage-deflate"]
    want = e.get("ext_expect", "accept")
    if others:
        problems.append(f"expected no extension but permessage-deflate, got {answer!r}")
    if not pmd:
        if want == "accept":
            raise Fail(f"expected permessage-deflate accepted, got {answer!r}" if answer
                       else "expected permessage-deflate accepted, got no Sec-WebSocket-Extensions")
        return None
    if len(pmd) > 1:
        problems.append(f"expected one permessage-deflate in the answer, got {answer!r}")
    if want == "decline":
        raise Fail(f"expected the offer declined (no extension), got {answer!r}")
    misfits = [answer_misfit(o, pmd[0]) for o in offers]
    if all(m is not None for m in misfits):
        raise Fail(f"expected an answer that fits the offer, got {answer!r}: {misfits[-1]}")
    for p in e.get("ext_has", []):
        if p not in pmd[0]:
            problems.append(f"expected {p} in the answer, got {answer!r}")
    for nv in e.get("ext_not", []):
        k, _, v = nv.partition("=")
        if pmd[0].get(k) == v:
            raise Fail(f"expected never {nv} in the answer, got {answer!r}")
    return Deflate(pmd[0], peer_is_server=False)


# ---------------------------------------------------------------- main


def expect_summary(e):
    out = []
    for k in ("fail", "echo", "refuse"):
        if k in e:
            out.append(f"{k} {e[k]}")
    if "http" in e:
        out.append(f"http {e['http']['status']}")
    if e.get("deliver"):
        out.append(f"deliver {len(e['deliver'])}")
    if e.get("deliver_sent"):
        out.append("deliver all")
    if e.get("pongs"):
        out.append(f"pongs {len(e['pongs'])}" + (" first" if e.get("pong_first") else ""))
    return ", ".join(out) or "deliver 0"


def select_rows(opts, role):
    rows = [r for r in ROWS if role is None or r["peer"] in (None, role)]
    if opts.only:
        groups = {g for x in opts.only for g in x.split(",")}
        rows = [r for r in rows if r["group"] in groups]
    if opts.case:
        rows = [r for r in rows if any(fnmatch.fnmatch(r["id"], c) for c in opts.case)]
    if opts.skip:
        rows = [r for r in rows if not any(fnmatch.fnmatch(r["id"], c) for c in opts.skip)]
    return rows


def on_alarm(signum, frame):
    raise RowTimeout()


def main():
    argv = sys.argv[1:]
    role = None
    if argv and argv[0] in ("server", "client"):
        role = argv.pop(0)
    tool = []
    if "--" in argv:
        i = argv.index("--")
        argv, tool = argv[:i], argv[i + 1:]
    ap = argparse.ArgumentParser(prog="conformance.py " + (role or ""),
                                 description=__doc__.split("\n\n")[0])
    ap.add_argument("--list", action="store_true", help="print the table and exit")
    ap.add_argument("--only", action="append", default=[], help="groups to run (comma list)")
    ap.add_argument("--case", action="append", default=[], help="case ids to run (glob)")
    ap.add_argument("--skip", action="append", default=[], help="case ids not to run (glob)")
    ap.add_argument("-v", "--verbose", action="store_true", help="trace each case's frames")
    ap.add_argument("--mem-limit-kib", type=int, default=6144,
                    help="most a zip bomb may grow the tool's memory (0: not checked)")
    ap.add_argument("--unix", help="unix socket (listen on it, or connect to it)")
    ap.add_argument("--tls", nargs="*", help="server: --tls CERT KEY; client: --tls")
    ap.add_argument("--kind", choices=["connect", "group"],
                    help="server: the tool's command line (default: from TOOL's name)")
    ap.add_argument("--host", default="127.0.0.1", help="client: the server's address")
    ap.add_argument("--port", type=int, help="client: the server's port")
    ap.add_argument("--serve-pid", type=int, help="client: the server's pid, for its memory")
    opts = ap.parse_args(argv)
    build_table()

    if opts.list:
        for r in select_rows(opts, role):
            print(f"{r['id']:24} {r['group']:15} {r['peer'] or 'both':7} "
                  f"{expect_summary(r['expect']):12} {r['desc']}")
        return 0
    if role is None:
        ap.error("say server or client first (or --list)")

    opts.ssl_ctx = None
    if role == "server":
        if not tool:
            ap.error("server: give the tool after --")
        if shutil.which(tool[0]) is None:
            print(f"Bail out! {tool[0]}: not found")
            return 1
        opts.tool = tool
        opts.kind = opts.kind or ("group" if "group" in os.path.basename(tool[0]) else "connect")
        if opts.tls is not None:
            if len(opts.tls) != 2:
                ap.error("server: --tls CERT KEY")
            opts.ssl_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            opts.ssl_ctx.load_cert_chain(opts.tls[0], opts.tls[1])
    else:
        if opts.tls is not None:
            if opts.tls:
                ap.error("client: --tls takes no argument")
            opts.ssl_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            opts.ssl_ctx.check_hostname = False
            opts.ssl_ctx.verify_mode = ssl.CERT_NONE
        if not opts.unix and not opts.port:
            ap.error("client: --port P or --unix PATH")
        try:
            connect(opts).close()
        except OSError as e:
            where = opts.unix or f"{opts.host}:{opts.port}"
            print(f"Bail out! cannot connect to the server at {where}: {e}")
            return 1

    rows = select_rows(opts, role)
    if not rows:
        print("Bail out! no case matches")
        return 1
    signal.signal(signal.SIGALRM, on_alarm)
    print(f"1..{len(rows)}", flush=True)
    passed = failed = skipped = 0
    for n, row in enumerate(rows, 1):
        problems, holder, skip = [], [], None
        started = time.monotonic()
        signal.alarm(ROW_LIMIT)
        try:
            (run_as_server if role == "server" else run_as_client)(opts, row, problems, holder)
        except Fail as f:
            problems.insert(0, str(f))
        except Skip as s:
            skip = str(s)
        except RowTimeout:
            problems.insert(0, f"the case took over {ROW_LIMIT} s")
        except Exception as x:   # a bug of the peer: report the row, go on
            problems.insert(0, f"peer error {type(x).__name__}: {x}")
        finally:
            signal.alarm(0)
            if holder and holder[0].tool is not None and holder[0].tool.status is None:
                holder[0].tool.kill(signal.SIGKILL)
                holder[0].tool.proc.wait()
        w = holder[0] if holder else None
        if skip:
            skipped += 1
            print(f"ok {n} {row['id']} - {row['desc']} # SKIP {skip}", flush=True)
        elif problems:
            failed += 1
            print(f"not ok {n} {row['id']} - {row['desc']}: {'; '.join(problems)}", flush=True)
            for line in (w.tool_summary() if w else []):
                print(f"#   {line}")
        else:
            passed += 1
            print(f"ok {n} {row['id']} - {row['desc']}", flush=True)
        if opts.verbose:
            print(f"#     {time.monotonic() - started:.2f} s")
        if w and opts.verbose:
            for line in w.log:
                print(f"#     {line[:400]}")
    print(f"# {passed} passed, {failed} failed" + (f" ({skipped} skipped)" if skipped else ""), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:
        sys.exit(1)
