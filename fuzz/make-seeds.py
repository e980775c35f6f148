#!/usr/bin/python3
"""Writes the seed corpus of each fuzz target into fuzz/corpus/TARGET/.

Run it with `make fuzz-seeds` (it needs python3-cbor2) after changing it,
and commit what it writes: it replaces every file of fuzz/corpus/. Each
seed is small and stands for one case: valid and invalid records of every
framing, envelopes, JSON of every kind and $form (rxws(7)), CBOR of every
major type, indefinite lengths, nesting, truncation, URLs.

The first bytes of some targets' inputs are options; see the header of
each fuzz/fuzz_*.c. The helpers below build them. Inputs that crashed a
target are not seeds here: they are in fuzz/regressions/TARGET/, which the
fuzzing runs read as seeds too.
"""
import os
import shutil
import struct
import zlib

import cbor2

TOP = os.path.dirname(os.path.abspath(__file__))
LINE, NUL, LP, RAW, JSON, CBOR = range(6)
STRING, BYTES, OBJECT = range(3)
TAGGED, RULES = 8, 0x40
corpus = {}


def seed(target, name, data):
    if isinstance(data, str):
        data = data.encode()
    assert name not in corpus.setdefault(target, {}), (target, name)
    corpus[target][name] = data


def lp(*fields):
    return b"".join(struct.pack(">I", len(f)) + f for f in fields)


def config(framing, tagged=False, datatype=STRING, rules=False):
    """Byte 0 of fuzz_stdin_record and fuzz_network_message (fuzz_config)."""
    return bytes([framing | (TAGGED if tagged else 0) | datatype << 4
                  | (RULES if rules else 0)])


def big(n):
    """A bignum's bytes: n 0xff bytes."""
    return b"\xff" * n


# ---- CBOR items (fuzz_cbor, and data for the others) ----

nested_1000 = b"\x81" * 1000 + b"\x00"
cbor_items = {
    "uint-0": b"\x00", "uint-23": b"\x17", "uint-24": b"\x18\x18",
    "uint-16bit": b"\x19\x01\x00", "uint-32bit": b"\x1a\x00\x01\x00\x00",
    "uint-64bit-max": b"\x1b" + b"\xff" * 8, "uint-nonshortest": b"\x1b" + b"\x00" * 7 + b"\x01",
    "negint-1": b"\x20", "negint-64bit-min": b"\x3b" + b"\xff" * 8,
    "bytes-empty": b"\x40", "bytes-3": b"\x43\x00\xff\x10",
    "text-empty": b"\x60", "text-utf8": cbor2.dumps("héllo ☃ 😀"),
    "text-controls": cbor2.dumps('a"b\\c\n\x00\x1f\x7f'),
    "text-bad-utf8": b"\x62\xc3\x28", "text-surrogate": b"\x63\xed\xa0\x80",
    "array-empty": b"\x80", "array-mixed": cbor2.dumps([1, -1, "a", b"b", [None, True, False]]),
    "map-empty": b"\xa0", "map-text-keys": cbor2.dumps({"a": 1, "b": [2, 3]}),
    "map-int-keys": cbor2.dumps({1: "one", -2: "minus two"}),
    "map-bytes-key": cbor2.dumps({b"\x01": "bytes key"}),
    "map-dup-keys": b"\xa2\x61a\x01\x61a\x02",
    "map-looks-bytes": cbor2.dumps({"$bytes": "x"}),
    "map-looks-tag": cbor2.dumps({"$tag": 1, "$value": 2}),
    "map-looks-undefined": cbor2.dumps({"$undefined": True}),
    "map-tag-only": cbor2.dumps({"$tag": 1}),
    "map-dollar-other": cbor2.dumps({"$other": 1}),
    "tag-date": cbor2.dumps(cbor2.CBORTag(1, 1700000000)),
    "tag-max": b"\xdb" + b"\xff" * 8 + b"\x00",
    "tag-nested": b"\xc1\xc2\xc3\x40",
    "bignum-2": b"\xc2\x49\x01" + b"\x00" * 8,
    "bignum-3": b"\xc3\x49\x01" + b"\x00" * 8,
    "bignum-leading-zeros": b"\xc2\x4a\x00\x00\x01" + b"\x00" * 7,
    "bignum-small": b"\xc2\x41\x05", "bignum-empty": b"\xc3\x40",
    "bignum-128": b"\xc2\x58\x80" + big(128), "negbignum-128": b"\xc3\x58\x80" + big(128),
    "bignum-131": b"\xc2\x58\x83" + big(131),
    "bignum-text": b"\xc2\x61a",
    "false": b"\xf4", "true": b"\xf5", "null": b"\xf6", "undefined": b"\xf7",
    "simple-0": b"\xe0", "simple-19": b"\xf3", "simple-32": b"\xf8\x20",
    "simple-255": b"\xf8\xff", "simple-24-bad": b"\xf8\x18",
    "half-1.5": b"\xf9\x3e\x00", "half-subnormal": b"\xf9\x00\x01",
    "half-neg-zero": b"\xf9\x80\x00", "half-inf": b"\xf9\x7c\x00",
    "half-nan-payload": b"\xf9\x7c\x01", "single-0.1": b"\xfa\x3d\xcc\xcc\xcd",
    "double-0.1": cbor2.dumps(0.1), "double-max": cbor2.dumps(1.7976931348623157e308),
    "double-min-subnormal": cbor2.dumps(5e-324), "double-neg-inf": b"\xfb\xff\xf0" + b"\x00" * 6,
    "double-1e300": cbor2.dumps(1e300),
    "indef-bytes": b"\x5f\x41\x01\x42\x02\x03\xff", "indef-bytes-empty-chunk": b"\x5f\x40\x41\x01\xff",
    "indef-text": b"\x7f\x62he\x63llo\xff",
    "indef-text-split-utf8": b"\x7f\x61\xc3\x61\xa9\xff",
    "indef-array": b"\x9f\x01\x9f\x02\xff\xff", "indef-map": b"\xbf\x61a\x01\x61b\x9f\xff\xff",
    "indef-map-chunked-key": b"\xbf\x7f\x61a\xff\x01\xff",
    "indef-map-odd": b"\xbf\x61a\xff",
    "indef-bignum": b"\xc2\x5f\x41\x01\xff",
    "indef-chunk-wrong-type": b"\x5f\x61a\xff",
    "indef-chunk-nested": b"\x5f\x5f\xff\xff",
    "nested-1000": nested_1000, "nested-1001": b"\x81" * 1001 + b"\x00",
    "nested-maps": b"\xa1\x61a" * 50 + b"\x00",
    "bomb-array": b"\x9a\x10\x00\x00\x00", "bomb-map": b"\xbb\x10" + b"\x00" * 7,
    "bomb-bytes": b"\x5b\x7f" + b"\xff" * 7, "bomb-text": b"\x7a\x10\x00\x00\x00",
    "truncated-array": b"\x83\x01\x02", "truncated-head": b"\x19\x01",
    "truncated-string": b"\x65abc", "truncated-indef": b"\x9f\x01",
    "reserved-info-28": b"\x1c", "indef-uint": b"\x1f", "indef-tag": b"\xdf\x00",
    "top-break": b"\xff", "break-in-definite": b"\x82\x01\xff",
    "two-items": b"\x01\x02", "item-then-junk": b"\x81\x00\xff",
    "empty": b"",
}
for name, item in cbor_items.items():
    seed("fuzz_cbor", name, item)

# ---- JSON texts (fuzz_json) ----

json_texts = {
    "object": '{"a": 1, "b": [true, false, null], "c": {"d": "e"}}',
    "array": "[1, -2, 3.5, \"x\", [], {}]",
    "string-escapes": r'"q\" b\\ s\/ \b\f\n\r\t \u00e9 \u0000 \ud83d\ude00"',
    "string-utf8": '"héllo ☃ 😀"', "string-empty": '""',
    "lone-surrogate": r'"\ud800"', "lone-low-surrogate": r'"\udc00x"',
    "bad-escape": r'"\x"', "short-unicode": r'"\u12"', "control-char": '"a\x01b"',
    "bad-utf8": b'"\xc3\x28"', "unterminated": '"abc',
    "true": "true", "false": "false", "null": "null", "tru": "tru",
    "int-0": "0", "int-neg-zero": "-0", "int-max64": "18446744073709551615",
    "int-2^64": "18446744073709551616", "int-neg-2^64": "-18446744073709551616",
    "int-neg-2^64-1": "-18446744073709551617", "int-309": "9" * 309,
    "int-310": "1" + "0" * 309, "int-neg-309": "-" + "9" * 309,
    "leading-zero": "01", "float-1.5": "1.5", "float-0.1": "0.1", "float-exp": "1E5",
    "float-neg-zero": "-0.0", "float-1e400": "1e400", "float-tiny": "5e-324",
    "float-underflow": "1e-400", "float-long": "0." + "1" * 1100, "bad-dot": "1.",
    "bad-exp": "1e", "bad-minus": "-", "space-around": " \t\r\n[ 1 , 2 ]\n ",
    "trailing": "[1] x", "two-values": "1 2", "space-only": "   ",
    "unclosed": '{"a": [1, 2', "trailing-comma": "[1,]", "missing-colon": '{"a" 1}',
    "non-string-key": "{1: 2}", "dup-keys": '{"a": 1, "a": 2}',
    "form-bytes": '{"$bytes": "AP8Q"}', "form-bytes-unpadded": '{"$bytes": "AQ"}',
    "form-bytes-bad": '{"$bytes": "!!"}', "form-bytes-not-string": '{"$bytes": 1}',
    "form-bytes-empty": '{"$bytes": ""}',
    "form-tag": '{"$tag": 1, "$value": 1700000000}',
    "form-tag-reversed": '{"$value": "x", "$tag": 32}',
    "form-tag-bignum": '{"$tag": 2, "$value": {"$bytes": "AQ=="}}',
    "form-tag-max": '{"$tag": 18446744073709551615, "$value": null}',
    "form-tag-negative": '{"$tag": -1, "$value": 0}', "form-tag-only": '{"$tag": 1}',
    "form-undefined": '{"$undefined": true}', "form-undefined-false": '{"$undefined": false}',
    "form-float-nan": '{"$float": "NaN"}', "form-float-inf": '{"$float": "Infinity"}',
    "form-float-neg-inf": '{"$float": "-Infinity"}', "form-float-bad": '{"$float": "nan"}',
    "form-simple-19": '{"$simple": 19}', "form-simple-20": '{"$simple": 20}',
    "form-simple-32": '{"$simple": 32}', "form-simple-256": '{"$simple": 256}',
    "form-map": '{"$map": [[1, "one"], [{"$bytes": "AQ=="}, "bytes key"], [[1], {}]]}',
    "form-map-empty": '{"$map": []}', "form-map-bad-pair": '{"$map": [[1]]}',
    "form-map-not-array": '{"$map": {}}',
    "form-map-special-keys": '{"$map": [["$bytes", "x"]]}',
    "forms-nested": '[{"$tag": 0, "$value": {"$map": [[{"$undefined": true}, {"$float": "NaN"}]]}}]',
    "form-extra-key": '{"$bytes": "AQ==", "x": 1}',
    "nested-1000": "[" * 1000 + "0" + "]" * 1000,
    "nested-1001": "[" * 1001 + "0" + "]" * 1001,
    "nested-objects": '{"a":' * 200 + "1" + "}" * 200,
}
for name, text in json_texts.items():
    seed("fuzz_json", name, text)

# ---- the decoder (fuzz_decoder): framing, --max-size, chunking, stop ----


def dec(framing, tagged=False, max_byte=0x80, chunks=1, stop=0):
    return bytes([framing | (TAGGED if tagged else 0), max_byte, chunks, stop])


M10, M50 = 3, 7		# max-size bytes: 1 + 3*3 = 10, 1 + 7*7 = 50
decoder = {
    "line": dec(LINE) + b"hello\nworld\n",
    "line-no-final-newline": dec(LINE, chunks=0) + b"one\ntwo",
    "line-empty-lines": dec(LINE, chunks=2) + b"\n\n\n",
    "line-over-max": dec(LINE, max_byte=M10, chunks=3) + b"short\n" + b"x" * 30 + b"\nafter\n",
    "line-over-max-at-end": dec(LINE, max_byte=M10, chunks=0) + b"ok\n" + b"y" * 25,
    "line-exactly-max": dec(LINE, max_byte=M10) + b"x" * 10 + b"\n" + b"x" * 11 + b"\n",
    "line-crlf": dec(LINE) + b"a\r\nb\r\n",
    "line-tagged": dec(LINE, True, chunks=5) + b"/news\tfree coffee\n/a/b\tx\ty\n",
    "line-tagged-no-tab": dec(LINE, True) + b"no tag here\n/ok\tfine\n",
    "line-tagged-bad-tags": dec(LINE, True) + b"\tempty\nrel\tx\n/\x01\tctl\n/\x7f\tdel\n",
    "line-tagged-over-max": dec(LINE, True, max_byte=M10, chunks=4) + b"/t\t" + b"z" * 20 + b"\n/t\tok\n",
    "line-tagged-long-tag": dec(LINE, True, chunks=0x3f) + b"/" + b"t" * 4100 + b"\tx\n",
    "line-strict-stop": dec(LINE, True, stop=2) + b"bad\n/a\tx\n/b\ty\n",
    "nul": dec(NUL) + b"a\0b\nc\0\0",
    "nul-tagged": dec(NUL, True, chunks=0) + b"/p\tone\0/q\ttwo",
    "nul-over-max": dec(NUL, max_byte=M10, chunks=2) + b"0123456789abc\0ok\0",
    "lp": dec(LP) + lp(b"hello", b"", b"\n\0 binary"),
    "lp-empty-first": dec(LP, chunks=3) + lp(b"x", b""),
    "lp-truncated-header": dec(LP, chunks=0) + lp(b"ok") + b"\0\0",
    "lp-truncated-body": dec(LP) + struct.pack(">I", 10) + b"abc",
    "lp-huge-length": dec(LP, max_byte=M50) + b"\xff\xff\xff\xff" + b"x" * 20,
    "lp-over-max": dec(LP, max_byte=M10, chunks=2) + lp(b"z" * 20, b"ok"),
    "lp-over-max-skipped-exactly": dec(LP, max_byte=M10, chunks=0) + struct.pack(">I", 25) + b"\0" * 25 + lp(b"next"),
    "lp-tagged-payload-over-max": dec(LP, True, max_byte=M10, chunks=3) + lp(b"/a") + struct.pack(">I", 30) + b"q" * 30 + lp(b"/b", b"ok"),
    "lp-over-max-strict": dec(LP, max_byte=M10, stop=1) + struct.pack(">I", 1000) + lp(b"never"),
    "lp-tagged": dec(LP, True, chunks=7) + lp(b"/a", b"payload", b"/b", b""),
    "lp-tagged-bad-tag": dec(LP, True) + lp(b"nope", b"x", b"/ok", b"y"),
    "lp-tagged-long-tag": dec(LP, True) + struct.pack(">I", 5000) + b"/" * 5000 + lp(b"x"),
    "lp-tagged-truncated": dec(LP, True, chunks=0) + lp(b"/a"),
    "raw": dec(RAW, chunks=5) + b"any bytes\0\n\xff at all",
    "raw-small-max": dec(RAW, max_byte=M10) + b"x" * 35,
    "json": dec(JSON) + b'{"tag":"/p","data":"x"}\n{"data":1}\n\n',
    "json-over-max": dec(JSON, max_byte=M10, chunks=2) + b'{"data":"0123456789"}\n{}\n',
    "cbor": dec(CBOR, chunks=0) + cbor2.dumps({"tag": "/p", "data": "x"}) + b"\x01\x80",
    "cbor-over-max": dec(CBOR, max_byte=M10, chunks=3) + cbor2.dumps("x" * 30) + b"\x02",
    "cbor-over-max-indef": dec(CBOR, max_byte=M10) + b"\x9f" + b"\x01" * 20 + b"\xff\x03",
    "cbor-over-max-malformed": dec(CBOR, max_byte=M10) + b"\x9f" + b"\x01" * 20 + b"\x1c",
    "cbor-exactly-max": dec(CBOR, max_byte=M10, chunks=2) + b"\x49" + b"a" * 9 + b"\x00",
    "cbor-malformed": dec(CBOR) + b"\x01\x1c\x02",
    "cbor-truncated": dec(CBOR, chunks=0) + b"\x01\x83\x01",
    "cbor-bomb": dec(CBOR, max_byte=M50) + b"\x9a\x10\x00\x00\x00\x01",
    "cbor-declared-over-max": dec(CBOR, max_byte=M10, chunks=0) + b"\x82\x01\x58\x28" + b"d" * 40 + b"\x07",
    "cbor-declared-over-max-strict": dec(CBOR, max_byte=M10, stop=1) + b"\x5a\x7f\xff\xff\xff" + b"x" * 5,
    "cbor-deep": dec(CBOR, chunks=0x3f) + nested_1000 + b"\x00",
    "cbor-bad-utf8": dec(CBOR) + b"\x62\xc3\x28\x01",
    "cbor-break": dec(CBOR) + b"\xff\x01",
    "empty-input": dec(LP),
}
for name, data in decoder.items():
    seed("fuzz_decoder", name, data)

# ---- stdin records to frames (fuzz_stdin_record): config, --max-size ----


def rec(framing, tagged=False, datatype=STRING, rules=False, max_byte=0x80):
    return config(framing, tagged, datatype, rules) + bytes([max_byte])


env = lambda **kw: cbor2.dumps(kw)
stdin = {
    "line-string": rec(LINE) + "hello\nhéllo\n\n".encode(),
    "line-string-bad-utf8": rec(LINE) + b"\xc3\x28\n\xed\xa0\x80\nok\n",
    "line-bytes": rec(LINE, datatype=BYTES) + b"\xff\xfe\n",
    "line-object": rec(LINE, datatype=OBJECT) + b'{"a":[1,2.5,"x",null]}\n[]\n"s"\n',
    "line-object-forms": rec(LINE, datatype=OBJECT)
    + b'{"$bytes":"AQ=="}\n{"$tag":1,"$value":0}\n{"$map":[[1,2]]}\n{"$float":"NaN"}\n',
    "line-object-bad": rec(LINE, datatype=OBJECT) + b'{"a":}\n\n{"$bytes":"!"}\n1 2\n',
    "line-object-over-max": rec(LINE, datatype=OBJECT, max_byte=3) + b'"0123456789"\n[1]\n',
    "line-tagged-rules": rec(LINE, True, rules=True)
    + b"/s1\ttext\n/b1\t\xff\n/o1\t{\"x\":1}\n/other\tplain\n",
    "nul-object": rec(NUL, datatype=OBJECT) + b'{"a":"\\n"}\0[1]\0',
    "nul-tagged": rec(NUL, True, datatype=BYTES) + b"/p\t\x00x\n\0",
    "lp-bytes": rec(LP, datatype=BYTES) + lp(b"\x00\x01", b""),
    "lp-object": rec(LP, datatype=OBJECT) + lp(cbor2.dumps({"a": [1, 2]}), b"\x1c", b"\x01\x02", b""),
    "lp-tagged-rules": rec(LP, True, BYTES, True)
    + lp(b"/o1", cbor2.dumps([1]), b"/o2", b"\xff", b"/s1", b"text", b"/b", b"\xff"),
    "raw-string": rec(RAW) + "héllo wörld".encode(),
    "raw-bytes": rec(RAW, datatype=BYTES, max_byte=3) + b"\xff" * 25,
    "json-string": rec(JSON) + b'{"tag":"/p","type":"string","data":"hi \\u00e9"}\n',
    "json-bytes": rec(JSON, datatype=BYTES) + b'{"data":"AP8="}\n{"data":"AP8"}\n{"data":"*"}\n',
    "json-object": rec(JSON, datatype=OBJECT) + b'{"data":{"x":[1,{"$bytes":"AQ=="}]}}\n',
    "json-typed": rec(JSON, True)
    + b'{"tag":"/a","type":"bytes","data":"AQ=="}\n{"type":"object","tag":"/b","data":[1]}\n',
    "json-rules": rec(JSON, True, rules=True)
    + b'{"tag":"/o1","data":{"a":1}}\n{"tag":"/b1","data":"AQ=="}\n{"tag":"/s1","data":"x"}\n',
    "json-bad-envelopes": rec(JSON, True)
    + b'[]\n{"data":1}\n{"tag":"/a"}\n{"tag":"x","data":"y"}\n{"tag":"/a","tag":"/b","data":""}\n'
    + b'{"tag":"/a","type":"pdf","data":""}\n{"tag":"/a","data":1}\n{"tag":1,"data":""}\n'
    + b'{"tag":"/a","data":"x","data":"y"}\n{"tag":"/a","data":"x"} x\n{"tag":"/a","data":"x",}\n',
    "json-other-members": rec(JSON) + b'{"x":[1,{"y":null}],"data":"ok","z":"\\u0000"}\n',
    "json-over-max": rec(JSON, datatype=BYTES, max_byte=2) + b'{"data":"AAAAAAAA"}\n',
    "cbor-string": rec(CBOR) + env(tag="/p", type="string", data="hi"),
    "cbor-bytes": rec(CBOR, datatype=BYTES) + env(data=b"\x00\xff") + env(data="not bytes"),
    "cbor-object": rec(CBOR, datatype=OBJECT) + env(data={"a": [1, 2]}) + env(data=None),
    "cbor-indef-data": rec(CBOR)
    + b"\xa1\x64data\x7f\x62hi\x61!\xff" + b"\xa1\x64data\x5f\x41\x01\xff",
    "cbor-indef-envelope": rec(CBOR, True) + b"\xbf\x63tag\x62/a\x64data\x61x\xff",
    "cbor-chunked-keys": rec(CBOR, True) + b"\xa2\x7f\x63tag\xff\x62/a\x7f\x62da\x62ta\xff\x61x",
    "cbor-rules": rec(CBOR, True, rules=True)
    + env(tag="/o1", data=[1]) + env(tag="/b1", data=b"x") + env(tag="/s1", data="x"),
    "cbor-bad-envelopes": rec(CBOR, True) + b"\x80" + env(tag="/a") + env(data="x")
    + env(tag=1, data="x") + env(tag="/a", type="pdf", data="") + env(tag="/a", type=1, data=""),
    "cbor-over-max": rec(CBOR, datatype=BYTES, max_byte=2) + env(data=b"x" * 10),
    "cbor-malformed": rec(CBOR) + b"\xa1\x64data\x1c",
}
for name, data in stdin.items():
    seed("fuzz_stdin_record", name, data)

# ---- messages to records (fuzz_network_message): config, kind + path ----


def msg(framing, tagged=False, datatype=STRING, rules=False, binary=False, path=b""):
    return config(framing, tagged, datatype, rules) + bytes([len(path) << 1 | binary]) + path


network = {
    "line-text": msg(LINE) + "hello héllo".encode(),
    "line-text-newline": msg(LINE) + b"two\nlines",
    "line-binary-on-string": msg(LINE, binary=True) + b"\xff",
    "line-bytes": msg(LINE, datatype=BYTES, binary=True) + b"\x00\x01",
    "line-text-on-bytes": msg(LINE, datatype=BYTES) + b"text",
    "line-object": msg(LINE, datatype=OBJECT, binary=True) + cbor2.dumps({"a": [1, b"\x01", 2.5]}),
    "line-object-indef": msg(LINE, datatype=OBJECT, binary=True) + b"\xbf\x7f\x61a\xff\x01\xff",
    "line-object-not-cbor": msg(LINE, datatype=OBJECT, binary=True) + b"\x1c",
    "line-object-empty": msg(LINE, datatype=OBJECT, binary=True),
    "line-tagged": msg(LINE, True, path=b"/news") + b"free coffee",
    "line-tagged-rules": msg(LINE, True, rules=True, binary=True, path=b"/o1") + b"\x82\x01\x02",
    "nul-tagged-bytes": msg(NUL, True, BYTES, binary=True, path=b"/b") + b"a\nb",
    "nul-object": msg(NUL, datatype=OBJECT, binary=True) + cbor2.dumps(["\x00", "\n"]),
    "lp-bytes": msg(LP, datatype=BYTES, binary=True) + b"\x00\xff",
    "lp-object": msg(LP, datatype=OBJECT, binary=True) + cbor2.dumps([1, {"x": None}]),
    "lp-object-trailing": msg(LP, datatype=OBJECT, binary=True) + b"\x01\x02",
    "lp-tagged": msg(LP, True, BYTES, binary=True, path=b"/a/b") + b"x",
    "raw-bytes": msg(RAW, datatype=BYTES, binary=True) + b"\xff\x00",
    "raw-text": msg(RAW) + b"text",
    "json-text": msg(JSON, True, path=b"/p") + 'say "hi"\n\t\x01 é'.encode(),
    "json-binary": msg(JSON, binary=True) + b"\x00\xff\xfe",
    "json-object": msg(JSON, datatype=OBJECT, binary=True) + cbor2.dumps({"$bytes": "x", "n": 1.5}),
    "json-object-not-cbor": msg(JSON, datatype=OBJECT, binary=True) + b"\xff",
    "json-object-indef": msg(JSON, datatype=OBJECT, binary=True) + b"\x9f\x5f\x41\x01\xff\xff",
    "json-text-on-object": msg(JSON, True, OBJECT, path=b"/o") + b"{}",
    "json-rules": msg(JSON, True, rules=True, binary=True, path=b"/o1") + cbor2.dumps(1e300),
    "cbor-text": msg(CBOR, True, path=b"/p") + b"hi",
    "cbor-binary": msg(CBOR, binary=True) + b"\x1c",
    "cbor-object": msg(CBOR, datatype=OBJECT, binary=True) + cbor2.dumps([cbor2.CBORTag(2, b"\x01")]),
    "cbor-empty": msg(CBOR, binary=True),
    "refused-path": msg(LINE, True, path=b"x\t") + b"text",
}
for name, data in network.items():
    seed("fuzz_network_message", name, data)

# ---- URLs (fuzz_url) ----

urls = {
    "plain": "ws://localhost:8888/a", "wss": "wss://example.com/", "no-path": "ws://h",
    "query": "ws://h/p?x=1&y=2", "query-no-path": "ws://h?x", "ipv6": "ws://[::1]:8888/a?b=c",
    "ipv6-default-port": "wss://[2001:db8::1]/", "ipv6-zone": "ws://[fe80::1%25eth0]:9/p",
    "ipv6-unclosed": "ws://[::1", "ipv6-junk": "ws://[::1]x/", "port-0": "ws://h:0/",
    "port-max": "ws://h:65535/", "port-over": "ws://h:65536/", "port-empty": "ws://h:/",
    "port-text": "ws://h:abc/", "port-plus": "ws://h:+80/", "port-default": "ws://h:80/",
    "port-huge": "ws://h:99999999999999999999/", "user": "ws://user:pw@h/",
    "fragment": "ws://h/#frag", "http": "http://h/", "upper": "WSS://H:1/P",
    "no-host": "ws:///p", "no-host-port": "ws://:80/", "empty": "", "scheme-only": "wss://",
    "host-only-v6": "ws://[]/", "spaces": "ws://h p/q r", "long-path": "ws://h/" + "a/" * 200,
    "userinfo": "ws://us%3Aer:p%40ss@h:8080/p?token=x", "userinfo-empty": "wss://@h/",
    "userinfo-ipv6": "ws://u:p@[::1]:9/", "userinfo-two-ats": "ws://a@b@c/",
    "userinfo-bad-escape": "ws://u:%zz@h/", "userinfo-nul": "ws://u:%00@h/",
    "at-in-path": "ws://h/a@b", "bracket-in-path": "ws://[::1/]/",
}
for name, text in urls.items():
    seed("fuzz_url", name, text)

# ---- UTF-8 (fuzz_utf8) ----

utf8 = {
    "ascii": b"plain ascii text, longer than eight bytes", "empty": b"",
    "two-three-four": "é ☃ 😀".encode(), "max": b"\xf4\x8f\xbf\xbf",
    "above-max": b"\xf4\x90\x80\x80", "surrogate": b"\xed\xa0\x80", "last-before-surrogates": b"\xed\x9f\xbf",
    "overlong-2": b"\xc0\x80", "overlong-3": b"\xe0\x80\x80", "overlong-4": b"\xf0\x80\x80\x80",
    "c1": b"\xc1\xbf", "f5": b"\xf5\x80\x80\x80", "continuation": b"\x80",
    "truncated": b"abc\xe2\x98", "bad-after-8": b"12345678\xff", "bad-in-8": b"1234\xff678",
    "split-at-8": b"1234567\xc3\xa9 and more", "nul": b"a\0b",
    "four-byte-run": "😀😀😀😀 ok".encode(), "lead-then-ascii": b"ab\xf0\x9f\x41",
    "surrogate-start": b"ok\xed\xa0",
}
for name, data in utf8.items():
    seed("fuzz_utf8", name, data)

# ---- frames, as either end writes them ----

KEY = b"dGhlIHNhbXBsZSBub25jZQ=="	# RFC 6455's example key
ACCEPT = b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="	# and its answer
MASK = b"\x37\xfa\x21\x3d"


def frame(b0, payload, masked=False, key=MASK):
    n = len(payload)
    second = 0x80 if masked else 0
    if n < 126:
        head = bytes([b0, second | n])
    elif n < 65536:
        head = bytes([b0, second | 126]) + n.to_bytes(2, "big")
    else:
        head = bytes([b0, second | 127]) + n.to_bytes(8, "big")
    if not masked:
        return head + payload
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def masked(b0, payload):
    return frame(b0, payload, masked=True)


def compressor(wbits=15):
    return zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -wbits)


def compress(data, c=None):
    """A message as permessage-deflate sends it (RFC 7692 7.2.1)."""
    c = c or compressor()
    out = c.compress(data) + c.flush(zlib.Z_SYNC_FLUSH)
    assert out.endswith(b"\x00\x00\xff\xff")
    return out[:-4]


def close(code, reason=b""):
    return code.to_bytes(2, "big") + reason


# ---- a server's handshake answer and frames (fuzz_client_frames) ----

ANSWER_FIRST, FRAMES_ALONE, DEFLATE, PROXY, PROTOCOLS = 0, 1, 2, 4, 8
LIMIT_64, LIMIT_1000, LIMIT_64K = 0x00, 0x10, 0x20


def answer(*extra):
    return (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + ACCEPT + b"\r\n"
            + b"".join(e + b"\r\n" for e in extra) + b"\r\n")


shared = compressor()
context = compress(b"hello, hello", shared) + b"|" + compress(b"hello, hello", shared)
first, second = context.split(b"|")
client_frames = {
    "answer-then-text": bytes([ANSWER_FIRST]) + answer() + frame(0x81, b"hello"),
    "answer-401": bytes([ANSWER_FIRST]) + b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n",
    "answer-403-text": bytes([ANSWER_FIRST]) + b"HTTP/1.1 403 Forbidden\r\nServer: rxws/0.1.0\r\n"
    b"Content-Type: text/plain\r\n\r\nnot on this path\n",
    "answer-extension-not-offered": bytes([ANSWER_FIRST]) + answer(b"Sec-WebSocket-Extensions: x"),
    "answer-not-http": bytes([ANSWER_FIRST]) + b"\x15\x03\x01\x00\x02\x02\x28",
    "answer-bad-accept": bytes([ANSWER_FIRST]) + answer().replace(ACCEPT, b"x" * 28),
    "answer-deflate": bytes([ANSWER_FIRST | DEFLATE | LIMIT_1000])
    + answer(b"Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover")
    + frame(0xC1, compress(b"h\xc3\xa9llo")) + frame(0x82, b"\x00\xff"),
    "answer-deflate-windows": bytes([ANSWER_FIRST | DEFLATE])
    + answer(b"Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=10; "
             b"client_max_window_bits=9")
    + frame(0xC1, compress(b"window", compressor(10))),
    "answer-deflate-two": bytes([ANSWER_FIRST | DEFLATE])
    + answer(b"Sec-WebSocket-Extensions: permessage-deflate, permessage-deflate"),
    "answer-protocol": bytes([ANSWER_FIRST | PROTOCOLS]) + answer(b"Sec-WebSocket-Protocol: chat.v2")
    + frame(0x81, b"chat"),
    "answer-protocol-not-offered": bytes([ANSWER_FIRST | PROTOCOLS])
    + answer(b"Sec-WebSocket-Protocol: chat.v3"),
    "proxy-then-answer": bytes([ANSWER_FIRST | PROXY])
    + b"HTTP/1.1 200 Connection established\r\n\r\n" + answer() + frame(0x81, b"through"),
    "proxy-407": bytes([ANSWER_FIRST | PROXY])
    + b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\n\r\n",
    "proxy-not-http": bytes([ANSWER_FIRST | PROXY]) + b"SSH-2.0-OpenSSH_9.2\r\n",
    "fragments-around-ping": bytes([FRAMES_ALONE]) + frame(0x01, b"frag") + frame(0x89, b"hi")
    + frame(0x80, b"ment"),
    "empty-and-16-bit": bytes([FRAMES_ALONE | LIMIT_1000]) + frame(0x82, b"") + frame(0x81, b"x" * 300),
    "over-the-limit": bytes([FRAMES_ALONE | LIMIT_64]) + frame(0x82, b"y" * 65),
    "pong-then-close": bytes([FRAMES_ALONE]) + frame(0x8A, b"pong") + frame(0x88, close(1000, b"bye")),
    "close-bad-code": bytes([FRAMES_ALONE]) + frame(0x88, close(1005)),
    "close-bad-reason": bytes([FRAMES_ALONE]) + frame(0x88, close(4000, b"\xff")),
    "close-one-byte": bytes([FRAMES_ALONE]) + frame(0x88, b"\x03"),
    "text-bad-utf8": bytes([FRAMES_ALONE]) + frame(0x01, b"\xe2\x82") + frame(0x80, b"(x"),
    "masked": bytes([FRAMES_ALONE]) + frame(0x81, b"abcde", masked=True),
    "reserved-bits": bytes([FRAMES_ALONE]) + frame(0xC1, b"a"),
    "long-control": bytes([FRAMES_ALONE]) + frame(0x89, b"p" * 126),
    "deflate-context": bytes([FRAMES_ALONE | DEFLATE | LIMIT_64K]) + frame(0xC1, first)
    + frame(0xC1, second),
    "deflate-fragmented": bytes([FRAMES_ALONE | DEFLATE | LIMIT_64K])
    + frame(0x42, compress(b"\x00" * 3000)[:5]) + frame(0x8A, b"")
    + frame(0x80, compress(b"\x00" * 3000)[5:]),
    "deflate-bomb-over-limit": bytes([FRAMES_ALONE | DEFLATE | LIMIT_1000])
    + frame(0xC2, compress(b"\x00" * 100000)),
    "deflate-bad-data": bytes([FRAMES_ALONE | DEFLATE]) + frame(0xC1, b"\xff\xff\xff\xff"),
    "deflate-rsv1-continuation": bytes([FRAMES_ALONE | DEFLATE]) + frame(0x41, b"") + frame(0xC0, b""),
}
for name, data in client_frames.items():
    seed("fuzz_client_frames", name, data)

# ---- a client's requests and frames, to a server (fuzz_server_request) ----

SERVED_PROTOCOLS, COMPRESS = 1, 2
MAX_64, MAX_1000, MAX_64K = 0x0, 0x4, 0x8


def request(target=b"/", *headers, method=b"GET", version=b"1.1", key=KEY):
    lines = [method + b" " + target + b" HTTP/" + version]
    lines += [h for h in headers]
    return b"\r\n".join(lines) + b"\r\n\r\n"


UPGRADE = (b"Upgrade: websocket", b"Connection: Upgrade", b"Sec-WebSocket-Key: " + KEY,
           b"Sec-WebSocket-Version: 13")
chrome = request(b"/chat", b"Host: localhost:8888", b"Connection: Upgrade", b"Pragma: no-cache",
                 b"Cache-Control: no-cache",
                 b"User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                 b"Chrome/120.0.0.0 Safari/537.36",
                 b"Upgrade: websocket", b"Origin: http://localhost:8888",
                 b"Sec-WebSocket-Version: 13", b"Accept-Encoding: gzip, deflate, br",
                 b"Accept-Language: en-US,en;q=0.9", b"Sec-WebSocket-Key: " + KEY,
                 b"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits")
firefox = request(b"/news?token=s3cr%3Dt", b"Host: localhost:8888",
                  b"User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Firefox/115.0",
                  b"Accept: */*", b"Accept-Language: en-US,en;q=0.5", b"Accept-Encoding: gzip, deflate",
                  b"Sec-WebSocket-Version: 13", b"Origin: null",
                  b"Sec-WebSocket-Extensions: permessage-deflate",
                  b"Sec-WebSocket-Key: " + KEY, b"Connection: keep-alive, Upgrade",
                  b"Sec-Fetch-Dest: websocket", b"Sec-Fetch-Mode: websocket",
                  b"Sec-Fetch-Site: same-origin", b"Pragma: no-cache", b"Cache-Control: no-cache",
                  b"Upgrade: websocket")
curl = request(b"/", b"Host: 127.0.0.1:8888", b"User-Agent: curl/7.88.1", b"Accept: */*",
               b"Upgrade: websocket", b"Sec-WebSocket-Version: 13",
               b"Sec-WebSocket-Key: " + KEY, b"Connection: Upgrade")
python = request(b"/a/b", b"Host: localhost:8888", b"Upgrade: websocket", b"Connection: Upgrade",
                 b"Sec-WebSocket-Key: " + KEY, b"Sec-WebSocket-Version: 13",
                 b"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits",
                 b"Sec-WebSocket-Protocol: chat.v1, chat.v2",
                 b"User-Agent: Python/3.11 websockets/10.4")
rxws = request(b"/p", b"Host: localhost:8888", *UPGRADE[:4],
               b"Sec-WebSocket-Protocol: other, chat.v2",
               b"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits",
               b"User-Agent: rxws/0.1.0")

client_compressed = compressor()
server_request = {
    "chrome-text": bytes([COMPRESS | MAX_1000]) + chrome + masked(0x81, b"hello")
    + masked(0x88, close(1000)),
    "chrome-compressed": bytes([COMPRESS | MAX_64K]) + chrome
    + masked(0xC1, compress(b"h\xc3\xa9llo h\xc3\xa9llo", client_compressed))
    + masked(0xC1, compress(b"h\xc3\xa9llo again", client_compressed)),
    "firefox-no-compress": bytes([MAX_1000]) + firefox + masked(0x82, b"\x00\x01"),
    "firefox-compressed-fragments": bytes([COMPRESS | MAX_64K]) + firefox
    + masked(0x41, compress(b"abc" * 100)[:3]) + masked(0x89, b"ping")
    + masked(0x80, compress(b"abc" * 100)[3:]),
    "curl": bytes([MAX_64]) + curl + masked(0x81, b"x" * 64) + masked(0x81, b"x" * 65),
    "python-protocols": bytes([SERVED_PROTOCOLS | COMPRESS | MAX_1000]) + python
    + masked(0x8A, b"") + masked(0x88, close(4001, b"caf\xc3\xa9")),
    "rxws-second-protocol": bytes([SERVED_PROTOCOLS | MAX_1000]) + rxws + masked(0x81, b"ok"),
    "protocol-not-served": bytes([SERVED_PROTOCOLS]) + request(b"/", b"Host: h", *UPGRADE,
                                                               b"Sec-WebSocket-Protocol: mqtt"),
    "keep-alive-then-upgrade": bytes([MAX_1000]) + request(b"/index.html", b"Host: h")
    + request(b"/x", b"Host: h", method=b"HEAD") + curl + masked(0x81, b"after"),
    "http-1.0-close": bytes([0]) + request(b"/", b"Host: h", version=b"1.0") + curl,
    "connection-close": bytes([0]) + request(b"/", b"Host: h", b"Connection: close") + curl,
    "post": bytes([0]) + request(b"/", b"Host: h", *UPGRADE, method=b"POST"),
    "upgrade-http-1.0": bytes([0]) + request(b"/", b"Host: h", *UPGRADE, version=b"1.0"),
    "two-hosts": bytes([0]) + request(b"/", b"Host: a", b"host: b", *UPGRADE),
    "no-connection-upgrade": bytes([0]) + request(b"/", b"Host: h", *UPGRADE[::2], UPGRADE[3]),
    "version-8": bytes([0]) + request(b"/", b"Host: h", *UPGRADE[:3], b"Sec-WebSocket-Version: 8"),
    "key-15-bytes": bytes([0]) + request(b"/", b"Host: h", *UPGRADE[:2],
                                         b"Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAA", UPGRADE[3]),
    "key-pad-bits": bytes([0]) + request(b"/", b"Host: h", *UPGRADE[:2],
                                         b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZR==", UPGRADE[3]),
    "dot-segments": bytes([0]) + request(b"/a/./b/../../../c/%2e%2E/d/.", b"Host: h", *UPGRADE),
    "escapes": bytes([0]) + request(b"/%41%2Fb%00c?x=%zz", b"Host: h", *UPGRADE),
    "bad-escape": bytes([0]) + request(b"/a%2", b"Host: h", *UPGRADE),
    "absolute-target": bytes([0]) + request(b"http://h/x", b"Host: h", *UPGRADE),
    "asterisk": bytes([0]) + request(b"*", b"Host: h", method=b"OPTIONS"),
    "bare-lf": bytes([0]) + b"GET / HTTP/1.1\nHost: h\n\n",
    "folded": bytes([0]) + b"GET / HTTP/1.1\r\nHost: h\r\n x\r\n\r\n",
    "65-fields": bytes([0]) + request(b"/", *[b"X-%d: y" % i for i in range(65)]),
    "nul": bytes([0]) + b"GET /\x00 HTTP/1.1\r\n\r\n",
    "unmasked-frame": bytes([MAX_1000]) + curl + frame(0x81, b"not masked"),
    "deflate-not-agreed": bytes([MAX_1000]) + chrome + masked(0xC1, compress(b"x")),
    "close-bad-reason": bytes([MAX_1000]) + curl + masked(0x88, close(1000, b"\xc3")),
    "close-reserved": bytes([MAX_1000]) + curl + masked(0x88, close(1015)),
}
for name, data in server_request.items():
    seed("fuzz_server_request", name, data)

# ---- permessage-deflate (fuzz_deflate) ----

ROUND_TRIP, UNTRUSTED, NEGOTIATION = 0, 1, 2


def params(server_no_context=False, client_no_context=False, server_bits=0, client_bits=0):
    return bytes([server_no_context | client_no_context << 1 | server_bits << 4, client_bits << 4])


def message(data, from_client=False):
    assert len(data) < 128
    return bytes([len(data)]) + data + bytes([from_client])


def big_message(halves_of_kib, pattern, from_client=False):
    """pattern repeated to halves_of_kib x 512 bytes (at most 127)."""
    assert len(pattern) <= 64 and halves_of_kib < 128
    return bytes([0x80 | halves_of_kib]) + pattern + bytes([from_client])


text = "héllo wörld, héllo again ".encode()
deflate_seeds = {
    "round-trip-defaults": bytes([ROUND_TRIP]) + params() + message(text) + message(text, True)
    + message(text) + message(b"") + message(text),
    "round-trip-no-context": bytes([ROUND_TRIP]) + params(True, True) + message(text)
    + message(text) + message(text, True) + message(text, True),
    "round-trip-windows": bytes([ROUND_TRIP]) + params(False, True, 9, 12) + message(text * 4)
    + message(bytes(range(100)), True),
    "round-trip-window-8": bytes([ROUND_TRIP]) + params(server_bits=8, client_bits=8) + message(text),
    "round-trip-big": bytes([ROUND_TRIP]) + params() + big_message(80, bytes(range(64)))
    + big_message(3, b"ab", True),
    "inflate-messages": bytes([UNTRUSTED, 0, 2]) + compress(b"first message") + compress(b"second"),
    "inflate-context": bytes([UNTRUSTED, 0, 1]) + context.replace(b"|", b""),
    "inflate-final-block": bytes([UNTRUSTED, 0, 1]) + zlib.compressobj(9, zlib.DEFLATED, -15).compress(b"end")
    + zlib.compressobj(9, zlib.DEFLATED, -15).flush(),
    "inflate-bomb-stopped": bytes([UNTRUSTED, 10, 1]) + compress(b"\x00" * 2000000),
    "inflate-stored": bytes([UNTRUSTED, 1, 1]) + b"\x00\x05\x00\xfa\xffhello",
    "inflate-bad-block": bytes([UNTRUSTED, 0, 1]) + b"\x07\x00",
    "inflate-bad-distance": bytes([UNTRUSTED, 0, 1]) + b"\x63\x00\x42\x00",
    "offer-chrome": bytes([NEGOTIATION]) + b"permessage-deflate; client_max_window_bits",
    "offer-firefox": bytes([NEGOTIATION]) + b"permessage-deflate",
    "offer-all": bytes([NEGOTIATION]) + b"permessage-deflate; server_no_context_takeover; "
    b"client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=9",
    "offer-quoted": bytes([NEGOTIATION]) + b'permessage-deflate; server_max_window_bits="15"',
    "offer-window-8-then-plain": bytes([NEGOTIATION])
    + b"permessage-deflate; server_max_window_bits=8, permessage-deflate",
    "offer-duplicate-param": bytes([NEGOTIATION])
    + b"permessage-deflate; server_no_context_takeover; server_no_context_takeover",
    "offer-bad-values": bytes([NEGOTIATION]) + b"permessage-deflate; server_max_window_bits=16\n"
    b"permessage-deflate; client_max_window_bits=07\npermessage-deflate; server_max_window_bits",
    "offer-unknown-then-deflate": bytes([NEGOTIATION]) + b"x-webkit-deflate-frame\n"
    b"foo; bar=1, PerMessage-Deflate ; Client_Max_Window_Bits = 11",
    "offer-empty-items": bytes([NEGOTIATION]) + b", ,permessage-deflate;,",
}
for name, data in deflate_seeds.items():
    seed("fuzz_deflate", name, data)

# ---- proxy settings (fuzz_proxy) ----

NOPROXY, PROXY_URL, WSS, V6 = 0, 1, 2, 4
proxy_seeds = {
    "noproxy-names": bytes([NOPROXY]) + b"localhost, .example.com,internal\nwww.Example.COM",
    "noproxy-not-suffix": bytes([NOPROXY]) + b"example.com\nbadexample.com",
    "noproxy-star": bytes([NOPROXY]) + b"*\nanything",
    "noproxy-cidr4": bytes([NOPROXY]) + b"10.0.0.0/8,192.168.1.0/24\n10.1.2.3",
    "noproxy-cidr6": bytes([NOPROXY]) + b"fd00::/8\nfd12::1",
    "noproxy-brackets": bytes([NOPROXY]) + b"[::1]\n::1",
    "noproxy-bad-cidr": bytes([NOPROXY]) + b"10.0.0.0/,1.2.3.4/99,/8\n10.0.0.1",
    "noproxy-empty": bytes([NOPROXY]) + b"\nhost",
    "url-plain": bytes([PROXY_URL]) + b"http://proxy.example:3128",
    "url-no-scheme": bytes([PROXY_URL | WSS]) + b"proxy:8080",
    "url-credentials": bytes([PROXY_URL]) + b"http://us%40er:p%3Ass@w@proxy:8080/",
    "url-ipv6": bytes([PROXY_URL | V6]) + b"http://[::1]:3128",
    "url-default-port": bytes([PROXY_URL | WSS | V6]) + b"HTTP://proxy",
    "url-https": bytes([PROXY_URL]) + b"https://proxy:443",
    "url-socks": bytes([PROXY_URL]) + b"socks5://proxy:1080",
    "url-port-0": bytes([PROXY_URL]) + b"http://proxy:0",
    "url-port-junk": bytes([PROXY_URL]) + b"http://proxy:80x",
    "url-no-host": bytes([PROXY_URL]) + b"http://user@:80",
    "url-bad-escape": bytes([PROXY_URL]) + b"http://us%zzer@proxy",
    "url-nul-escape": bytes([PROXY_URL]) + b"http://user:pa%00ss@proxy",
    "url-unclosed": bytes([PROXY_URL]) + b"http://[::1:3128",
    "url-empty": bytes([PROXY_URL]),
}
for name, data in proxy_seeds.items():
    seed("fuzz_proxy", name, data)

# ---- positions: frames of rxws.pos, notices, state files (fuzz_positions) ----

FRAME, STATE = 0, 1
E, F = b"0123456789abcdef", b"fedcba9876543210"
position_seeds = {
    "frame": bytes([FRAME]) + E + b":42\nhello",
    "frame-empty-data": bytes([FRAME]) + E + b":1\n",
    "frame-zeros": bytes([FRAME]) + E + b":007\nx",
    "frame-max": bytes([FRAME]) + E + b":18446744073709551615\ndata",
    "frame-too-large": bytes([FRAME]) + E + b":18446744073709551616\ndata",
    "frame-no-newline": bytes([FRAME]) + E + b":5",
    "frame-upper-epoch": bytes([FRAME]) + E.upper() + b":5\nx",
    "frame-data-newlines": bytes([FRAME]) + E + b":9\na\nb\n",
    "head": bytes([FRAME]) + b"!head " + E + b":12",
    "live": bytes([FRAME]) + b"!live " + E + b":0",
    "gap": bytes([FRAME]) + b"!gap " + E + b":3 " + E + b":9 7 trimmed",
    "gap-epoch": bytes([FRAME]) + b"!gap " + F + b":8 " + E + b":0 ? epoch",
    "gap-short": bytes([FRAME]) + b"!gap " + E + b":3 " + E + b":9 7",
    "gap-long-reason": bytes([FRAME]) + b"!gap " + E + b":3 " + E + b":9 7 " + b"r" * 40,
    "head-two": bytes([FRAME]) + b"!head " + E + b":1 " + E + b":2",
    "notice-other": bytes([FRAME]) + b"!tail anything at all",
    "notice-bare": bytes([FRAME]) + b"!",
    "state-padded": bytes([STATE]) + (b"rxws-state 1\n" + E + b":5 /a\n" + F + b":6 /b c\n").ljust(4095, b" ") + b"\n",
    "state-by-hand": bytes([STATE]) + b"rxws-state 1\n# mine\n\n" + E + b":5 /log",
    "state-empty": bytes([STATE]),
    "state-header": bytes([STATE]) + b"rxws-state 1",
    "state-twice": bytes([STATE]) + b"rxws-state 1\n" + E + b":5 /a\n" + E + b":6 /a\n",
    "state-bad-header": bytes([STATE]) + b"rxws-state 2\n",
    "state-bad-path": bytes([STATE]) + b"rxws-state 1\n" + E + b":5 a\n",
    "state-control": bytes([STATE]) + b"rxws-state 1\n" + E + b":5 /a\x01\n",
    "state-many": bytes([STATE]) + b"rxws-state 1\n" + b"".join(
        E + b":%d /path/%d\n" % (i, i) for i in range(200)),
    "state-long-path": bytes([STATE]) + b"rxws-state 1\n" + E + b":1 /" + b"p" * 4043 + b"\n",
}
for name, data in position_seeds.items():
    seed("fuzz_positions", name, data)

# ---- write them ----

for target, seeds in corpus.items():
    d = os.path.join(TOP, "corpus", target)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for name, data in seeds.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
    print(f"fuzz/corpus/{target}: {len(seeds)} seeds")
