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
}
for name, data in utf8.items():
    seed("fuzz_utf8", name, data)

# ---- a server's handshake answer and frames (fuzz_client_frames) ----

def frame(b0, payload, masked=False):
    n = len(payload)
    second = 0x80 if masked else 0
    if n < 126:
        head = bytes([b0, second | n])
    elif n < 65536:
        head = bytes([b0, second | 126]) + n.to_bytes(2, "big")
    else:
        head = bytes([b0, second | 127]) + n.to_bytes(8, "big")
    return head + (b"\1\2\3\4" if masked else b"") + payload


# RFC 6455's example key, the one the target reads answers with.
answer = (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
          b"Connection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n")
client_frames = {
    "answer-then-text": b"\0" + answer + frame(0x81, b"hello"),
    "answer-401": b"\0HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n",
    "answer-extension": b"\0" + answer.replace(b"\r\n\r\n", b"\r\nSec-WebSocket-Extensions: x\r\n\r\n"),
    "answer-not-http": b"\0\x15\x03\x01\x00\x02\x02\x28",
    "fragments-around-ping": b"\1" + frame(0x01, b"frag") + frame(0x89, b"hi") + frame(0x80, b"ment"),
    "empty-and-16-bit": b"\1" + frame(0x82, b"") + frame(0x81, b"x" * 300),
    "pong-then-close": b"\1" + frame(0x8A, b"pong") + frame(0x88, b"\x03\xe8bye"),
    "masked": b"\1" + frame(0x81, b"abcde", masked=True),
    "reserved-bits": b"\1" + frame(0xC1, b"a"),
    "long-control": b"\1" + frame(0x89, b"p" * 126),
}
for name, data in client_frames.items():
    seed("fuzz_client_frames", name, data)

# ---- write them ----

for target, seeds in corpus.items():
    d = os.path.join(TOP, "corpus", target)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for name, data in seeds.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
    print(f"fuzz/corpus/{target}: {len(seeds)} seeds")
