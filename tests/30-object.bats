#!/usr/bin/env bats
# --object (CBOR frames), the json and cbor framings, jq.

load helpers

# vmhwm PID: peak resident memory of a process, in KiB.
vmhwm() {
	awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"
}

@test "a JSON line through rxws-connect --object reaches a CBOR peer as the same value, and back" {
	start_py_server port --cbor --cbor-hex a2617883010203617362c3a9
	echo '{"x":[1,2,3],"s":"é"}' | timeout 10 rxws-connect --object -s "ws://127.0.0.1:$PY_PORT/o"
	wait_for 10 contains py_server.out '/o cbor'
	assert_equal "$(grep '/o cbor' py_server.out)" "/o cbor {'x': [1, 2, 3], 's': 'é'}"
	run timeout 10 rxws-connect --object -r -c 1 "ws://127.0.0.1:$PY_PORT/o"
	assert_success
	assert_output '{"x":[1,2,3],"s":"é"}'
}

@test "every CBOR type round-trips through JSON lines and back to the same value" {
	local n
	n=$("$PY" "$PEERS/cbor_roundtrip.py" --count)
	"$PY" "$PEERS/cbor_roundtrip.py" port > rt.out 2> rt.err &
	PIDS+=($!)
	wait_for 10 test -s port
	timeout 20 rxws-connect --object -r -c "$n" "ws://127.0.0.1:$(cat port)/src" > items.json
	assert_equal "$(lines items.json)" "$n"
	# Each is one compact JSON value a line, as jq reads it.
	jq -c . items.json > /dev/null
	timeout 20 rxws-connect --object "ws://127.0.0.1:$(cat port)/dst" < items.json
	wait_for 10 contains rt.out done
	run grep -v '^same ' rt.out
	assert_output done
	# What JSON lacks takes a $form, and bignums stay exact numbers.
	assert contains items.json '^{"\$bytes":"AAH+/w=="}$'
	assert contains items.json '^{"\$float":"NaN"}$'
	assert contains items.json '^{"\$undefined":true}$'
	assert contains items.json '^{"\$map":\[\[1,"int key"\]'
	assert contains items.json '^-18446744073709551617$'
	assert contains items.json '^{"\$tag":32,"\$value":"http://x/"}$'
}

@test "JSON values round-trip: objects in, the same JSON out" {
	cat > in <<'JSON'
{"i":1,"v":"x","n":null,"t":true,"f":false}
[1,-2,3.5,1e-07,-0.0,18446744073709551615,-18446744073709551616,123456789012345678901234567890]
"just a string with \" and \\ and \u00e9 and \ud83d\ude00"
{"nested":{"deep":[[[[{"a":[]}]]]]},"empty":{}}
{"$bytes":"AAE="}
{"$map":[[1,2]]}
JSON
	start_serve in serve.out serve.err --object --wait-clients 1 /
	run timeout 10 rxws-connect --object -r "ws://127.0.0.1:$PORT/"
	assert_success
	assert_equal "$(echo "$output" | sed -n 1p)" '{"i":1,"v":"x","n":null,"t":true,"f":false}'
	assert_equal "$(echo "$output" | sed -n 2p)" '[1,-2,3.5,1e-07,-0.0,18446744073709551615,-18446744073709551616,123456789012345678901234567890]'
	assert_equal "$(echo "$output" | sed -n 3p)" '"just a string with \" and \\ and é and 😀"'
	assert_equal "$(echo "$output" | sed -n 4p)" '{"nested":{"deep":[[[[{"a":[]}]]]]},"empty":{}}'
	assert_equal "$(echo "$output" | sed -n 5p)" '{"$bytes":"AAE="}'
	assert_equal "$(echo "$output" | sed -n 6p)" '{"$map":[[1,2]]}'
}

@test "rxws-serve --format json into jq selects by tag; jq's output fed back reaches clients as the same frames" {
	start_serve /dev/null a.out a.err -v -k --format json -c 4
	"$PY" "$PEERS/ws_client.py" --text 'for a' --binary 00ff --recv 0 "ws://127.0.0.1:$PORT/a" > ca.out
	"$PY" "$PEERS/ws_client.py" --text 'for b' --binary 0102 --recv 0 "ws://127.0.0.1:$PORT/b" > cb.out
	wait_gone 10 "$SERVE_PID"
	jq -c 'select(.tag == "/a")' a.out > selected
	assert_equal "$(lines selected)" 2
	assert_equal "$(jq -r '.type' selected | tr '\n' ' ')" 'string bytes '

	local first=$PORT
	start_serve selected b.out b.err -v --format json --wait-clients 1
	run timeout 10 "$PY" "$PEERS/ws_client.py" "ws://127.0.0.1:$PORT/a"
	assert_output "$(printf "open\ntext 'for a'\nbinary 00ff\nclose 1000")"
	[ "$first" != "$PORT" ]
}

@test "json framing: binary data is base64 with type bytes; every frame keeps its kind" {
	start_serve /dev/null serve.out serve.err -k --format json -c 2 /p
	"$PY" "$PEERS/ws_client.py" --binary 00010203 --text 'text' --recv 0 "ws://127.0.0.1:$PORT/p" > c.out
	wait_gone 10 "$SERVE_PID"
	assert_equal "$(sed -n 1p serve.out)" '{"tag":"/p","type":"string","data":"text"}'
	assert_equal "$(sed -n 2p serve.out)" '{"tag":"/p","type":"bytes","data":"AAECAw=="}'
}

@test "a 20 MB binary frame through json framing (base64) comes out identical" {
	head -c 20000000 /dev/urandom > big
	"$PY" - big <<'PY' > big.hex.sha
import hashlib, sys
print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())
PY
	start_serve /dev/null a.out a.err -k --format json --max-size 32M -c 1 /
	"$PY" - "ws://127.0.0.1:$PORT/" big <<'PY'
import asyncio, sys, websockets
async def main():
    async with websockets.connect(sys.argv[1], max_size=None) as ws:
        await ws.send(open(sys.argv[2], "rb").read())
asyncio.run(main())
PY
	wait_gone 20 "$SERVE_PID"
	[ "$(jq -r .type a.out)" = bytes ]
	[ "$(jq -r .data a.out | base64 -d | sha256sum | cut -d' ' -f1)" = "$(cat big.hex.sha)" ]
	# ...and back out of another server as the same binary frame.
	start_serve a.out b.out b.err --format json --max-size 32M --wait-clients 1 /
	"$PY" - "ws://127.0.0.1:$PORT/" > got.sha <<'PY'
import asyncio, hashlib, sys, websockets
async def main():
    async with websockets.connect(sys.argv[1], max_size=None) as ws:
        m = await ws.recv()
        print(type(m).__name__, hashlib.sha256(m).hexdigest())
asyncio.run(main())
PY
	assert_equal "$(cat got.sha)" "bytes $(cat big.hex.sha)"
}

@test "cbor framing: rxws-serve --format cbor -k / < fifo > fifo is a faithful echo server" {
	mkfifo loop
	# Read-write, so that opening it waits for nobody.
	rxws-serve -p 0 --format cbor -k / <> loop 2> serve.err > loop &
	PIDS+=($!)
	wait_for 10 contains serve.err 'listening on port'
	local port
	port=$(sed -n 's/.*listening on port \([0-9]*\).*/\1/p' serve.err)
	run timeout 10 "$PY" "$PEERS/ws_client.py" --text 'echo é' --binary 00ff00 --text '' --recv 3 "ws://127.0.0.1:$port/"
	assert_output "$(printf "open\ntext 'echo é'\ntext ''\nbinary 00ff00\nclose 1000")"
}

@test "cbor framing: envelopes in, the frames their type says out; other members are ignored" {
	"$PY" -c '
import cbor2, sys
out = sys.stdout.buffer
for env in [{"tag": "/p", "type": "string", "data": "s"},
            {"tag": "/p", "data": b"\x01\x02"},
            {"tag": "/p", "type": "object", "data": {"k": [1, 2]}, "extra": 1},
            {"tag": "/p", "type": "bytes", "data": "not bytes"},
            {"data": "no tag"},
            {"tag": "/p", "type": "string", "data": "last"}]:
    out.write(cbor2.dumps(env))' > in
	open_fifo hold
	start_serve hold serve.out serve.err -v --format cbor --type '/p=bytes'
	"$PY" "$PEERS/ws_client.py" --recv 4 "ws://127.0.0.1:$PORT/p" > c.out &
	PIDS+=($!)
	wait_for 10 has_clients serve.err 1
	cat in > hold
	wait_for 10 contains c.out close
	assert_equal "$(cat c.out)" "$(printf "open\ntext 's'\nbinary 0102\nbinary a1616b820102\ntext 'last'\nclose 1000")"
	assert contains serve.err 'stdin record 4: "data" must be a byte string; skipped'
	assert contains serve.err 'stdin record 5: envelope without "tag"; skipped'
}

@test "bad JSON and bad envelopes are reported by record number and skipped; --strict exits 65" {
	start_py_server port --cbor
	printf '%s\n' '{"ok":1}' '{"a":' '{"b":1} trailing' '' '[1,]' '"\ud800"' '{"ok":2}' > in
	run timeout 10 rxws-connect --object "ws://127.0.0.1:$PY_PORT/o" < in
	assert_failure 65
	assert_output --partial 'stdin record 2: unexpected end of JSON; skipped'
	assert_output --partial 'stdin record 3: more after the JSON value; skipped'
	assert_output --partial 'stdin record 4: empty: no JSON value; skipped'
	assert_output --partial 'stdin record 5: unexpected character in JSON; skipped'
	assert_output --partial 'stdin record 6: lone surrogate in a string; skipped'
	wait_for 10 has_count py_server.out '/o cbor' 2
	run timeout 10 rxws-connect --strict --object "ws://127.0.0.1:$PY_PORT/o" < in
	assert_failure 65

	printf '%s\n' '{"tag":"/o"}' '{"data":"x","type":"matrix"}' '{"data":1}' '{"data":"x","data":"y"}' 'nope' > env
	run timeout 10 rxws-connect --format json "ws://127.0.0.1:$PY_PORT/o" < env
	assert_output --partial 'stdin record 1: envelope without "data"'
	assert_output --partial 'stdin record 2: unknown "type": expected string, bytes or object'
	assert_output --partial 'stdin record 3: "data" must be a string'
	assert_output --partial 'stdin record 4: duplicate "data" in the envelope'
	assert_output --partial 'stdin record 5: an envelope must be a JSON object'
	run timeout 10 rxws-connect --strict --format json "ws://127.0.0.1:$PY_PORT/o" < env
	assert_failure 65
}

@test "hostile CBOR and JSON: the length bomb, truncation, 100,000 levels: skipped, memory bounded" {
	"$PY" -c '
import struct, sys
out = sys.stdout.buffer
def lp(b): out.write(struct.pack(">I", len(b)) + b)
lp(bytes([0x9a, 0x10, 0, 0, 0]))          # an array of 2^28 items, in 5 bytes
lp(bytes([0x5b]) + b"\xff" * 8)          # a byte string of 2^64-1 bytes
lp(bytes([0xa1, 0x01]))                   # a map key without its value
lp(b"\x9f" * 100000)                      # 100,000 nested arrays
lp(bytes([0x62, 0xff, 0xfe]))             # text that is not UTF-8
lp(bytes([0x01, 0x02]))                   # two items, not one
lp(bytes([0x1c]))                         # a reserved head
lp(bytes([0x82, 0x01, 0x02]))             # a good one: [1, 2]
' > in.lp
	start_py_server port --cbor
	open_fifo hold
	rxws-connect --object -f lp --max-size 1M "ws://127.0.0.1:$PY_PORT/o" < hold 2> c.err &
	local client=$!
	PIDS+=($client)
	cat in.lp > hold
	wait_for 10 contains py_server.out '/o cbor \[1, 2\]'
	assert_equal "$(count_of py_server.out '/o cbor')" 1
	for i in 1 2 3 4 5 6 7; do assert contains c.err "stdin record $i: "; done
	assert contains c.err 'record 4: nested deeper than 1000 levels'
	kib_below "$(vmhwm "$client")" 20000

	printf '%s\n' "$(head -c 100000 /dev/zero | tr '\0' '[')" '{"ok":true}' > deep.json
	local status=0
	rxws-connect --object "ws://127.0.0.1:$PY_PORT/j" < deep.json 2> d.err || status=$?
	assert_equal "$status" 65
	assert contains d.err 'stdin record 1: nested deeper than 1000 levels'
	wait_for 10 contains py_server.out "/j cbor {'ok': True}"
}

@test "hostile CBOR from a peer: a bad record, counted, the connection kept" {
	start_serve /dev/null serve.out serve.err -k -v --object /o
	run timeout 10 "$PY" "$PEERS/ws_client.py" --binary 9a10000000 --binary 62fffe --binary 8201 --text 'text' --binary a0 --recv 0 "ws://127.0.0.1:$PORT/o"
	assert_line 'close 1000'
	wait_for 10 has_lines serve.out 1
	assert_equal "$(cat serve.out)" '{}'
	assert contains serve.err 'truncated CBOR: more items declared than bytes: skipped'
	assert contains serve.err 'CBOR text string is not valid UTF-8: skipped'
	assert contains serve.err 'text frame on an object path: skipped'
	assert_equal "$(count_of serve.err ': skipped')" 4
}

@test "per-path --type on rxws-serve: a frame of the wrong kind for its path is a bad record" {
	start_serve /dev/null serve.out serve.err -k -v --type '/bin/*=bytes' --type '/obj=object' -f lp
	"$PY" "$PEERS/ws_client.py" --text nope --binary 01 --recv 0 "ws://127.0.0.1:$PORT/bin/x" > c1.out
	"$PY" "$PEERS/ws_client.py" --binary 01 --text yes --recv 0 "ws://127.0.0.1:$PORT/str" > c2.out
	"$PY" "$PEERS/ws_client.py" --binary ff --binary 01 --recv 0 "ws://127.0.0.1:$PORT/obj" > c3.out
	wait_for 10 has_count serve.err 'skipped' 3
	assert contains serve.err 'text frame on a bytes path: skipped'
	assert contains serve.err 'binary frame on a string path: skipped'
	assert contains serve.err 'malformed CBOR: unexpected break: skipped'
}

@test "--object with --format raw is a usage error" {
	run rxws-connect --object -f raw ws://h/
	assert_failure 64
	run rxws-serve --type '/x=object' -f raw /x
	assert_failure 64
}

@test "--max-size is the payload's on both sides of an envelope loop: 1000 bytes come back (cbor, json, JSON texts), 1001 are refused with 1009" {
	local big text item f port pid
	big=$(head -c 1000 /dev/urandom | od -An -v -tx1 | tr -d ' \n')
	# 1000 bytes of text that JSON escapes, each as \u0001: the largest envelope
	text=$(head -c 1000 /dev/zero | tr '\0' '\1')
	# a CBOR byte string of 1000 bytes in all, as JSON {"$bytes":"..."} 1351
	item=5903e5${big:0:1994}
	for f in cbor json object; do
		rm -f loop
		mkfifo loop
		if [[ $f == object ]]; then
			rxws-serve -p 0 --object --max-size 1000 -k / <> loop 2> "serve-$f.err" > loop &
		else
			rxws-serve -p 0 --format $f --max-size 1000 -k / <> loop 2> "serve-$f.err" > loop &
		fi
		pid=$!	# (each its own log: an old one's "listening" would mislead)
		PIDS+=($pid)
		wait_for 10 contains "serve-$f.err" 'listening on port'
		port=$(sed -n 's/.*listening on port \([0-9]*\).*/\1/p' "serve-$f.err")
		if [[ $f == object ]]; then
			run timeout 10 "$PY" "$PEERS/ws_client.py" --binary "$item" --recv 1 "ws://127.0.0.1:$port/"
			assert_output "$(printf 'open\nbinary %s\nclose 1000' "$item")"
			run timeout 10 "$PY" "$PEERS/ws_client.py" --binary "${item/#5903e5/5903e6}00" --recv 1 "ws://127.0.0.1:$port/"
		else
			run timeout 10 "$PY" "$PEERS/ws_client.py" --binary "$big" --recv 1 "ws://127.0.0.1:$port/"
			assert_output "$(printf 'open\nbinary %s\nclose 1000' "$big")"
			run timeout 10 "$PY" "$PEERS/ws_client.py" --text "$text" --recv 1 "ws://127.0.0.1:$port/"
			assert_line --index 1 "text '$(printf '\\x01%.0s' {1..1000})'"
			run timeout 10 "$PY" "$PEERS/ws_client.py" --binary "${big}00" --recv 1 "ws://127.0.0.1:$port/"
		fi
		assert_line 'close 1009'
		assert contains "serve-$f.err" 'over --max-size (1000): closing with 1009'
		# A record after it comes round the loop: had the refused one gone
		# to stdout, it would have come back as a stdin record before.
		if [[ $f == object ]]; then
			run timeout 10 "$PY" "$PEERS/ws_client.py" --binary "$item" --recv 1 "ws://127.0.0.1:$port/"
			assert_output "$(printf 'open\nbinary %s\nclose 1000' "$item")"
		else
			run timeout 10 "$PY" "$PEERS/ws_client.py" --binary "$big" --recv 1 "ws://127.0.0.1:$port/"
			assert_output "$(printf 'open\nbinary %s\nclose 1000' "$big")"
		fi
		refute contains "serve-$f.err" 'stdin record'
		kill "$pid"
		wait "$pid" || true
	done
}

@test "--max-size holds the payload an envelope carries, exactly: 1000 bytes go, 1001 are a bad record" {
	start_serve /dev/null serve.out serve.err -k --bytes --max-size 1000 /
	"$PY" -c '
import base64, cbor2, json, sys
for n in (1000, 1001):
    print(json.dumps({"type": "bytes", "data": base64.b64encode(b"j" * n).decode()}))
' > in.json
	"$PY" -c '
import cbor2, sys
for n in (1000, 1001):
    sys.stdout.buffer.write(cbor2.dumps({"type": "bytes", "data": b"c" * n}))
for n in (1000, 1001):
    sys.stdout.buffer.write(cbor2.dumps({"type": "object", "data": b"o" * (n - 3)}))
' > in.cbor
	run timeout 10 rxws-connect --format json --max-size 1000 "ws://127.0.0.1:$PORT/" < in.json
	assert_failure 65
	assert_output --partial 'stdin record 2: 1001 bytes is over --max-size (1000); skipped'
	refute_output --partial 'stdin record 1'
	run timeout 10 rxws-connect --format cbor --max-size 1000 "ws://127.0.0.1:$PORT/" < in.cbor
	assert_failure 65
	assert_output --partial 'stdin record 2: 1001 bytes is over --max-size (1000); skipped'
	assert_output --partial 'stdin record 4: 1001 bytes is over --max-size (1000); skipped'
	refute_output --partial 'stdin record 1'
	refute_output --partial 'stdin record 3'
	wait_for 10 eval '(( $(stat -c %s serve.out) == 3000 ))'
}
