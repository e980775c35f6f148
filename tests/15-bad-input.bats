#!/usr/bin/env bats
# Bad records: reported with their number and reason, skipped, counted;
# --strict exits 65. Too large from a peer: closed with 1009.

load helpers

lp() {
	"$PY" -c '
import struct, sys
out = sys.stdout.buffer
for arg in sys.argv[1:]:
    if arg.startswith("len="):
        out.write(struct.pack(">I", int(arg[4:])))
    elif arg.startswith("raw="):
        out.write(arg[4:].encode())
    else:
        b = arg.encode()
        out.write(struct.pack(">I", len(b)) + b)' "$@"
}

# A server that prints what it gets, and its port.
sink() {
	start_serve /dev/null serve.out serve.err -k "$@"
}

@test "invalid UTF-8 under --string: record reported by number, skipped, the rest delivered" {
	sink /
	printf 'ok1\n\xff\xfe\nok2\n' > in
	run timeout 10 rxws-connect "ws://127.0.0.1:$PORT/" < in
	assert_equal "$status" 65	# skipped, so not a clean run
	assert_output --partial 'stdin record 2: not valid UTF-8'
	wait_for 10 has_lines serve.out 2
	assert_equal "$(cat serve.out)" "$(printf 'ok1\nok2')"
}

@test "invalid UTF-8 with --strict: exit 65, records before it delivered" {
	sink /
	printf 'ok1\n\xc3\x28\nok2\n' > in
	run timeout 10 rxws-connect --strict "ws://127.0.0.1:$PORT/" < in
	assert_failure 65
	assert_output --partial 'stdin record 2: not valid UTF-8'
	wait_for 10 has_lines serve.out 1
	assert_equal "$(cat serve.out)" ok1
}

@test "overlong and surrogate UTF-8 encodings are invalid too" {
	sink /
	printf 'a\n\xc0\xaf\n\xed\xa0\x80\n\xf4\x90\x80\x80\nb\n' > in
	run timeout 10 rxws-connect "ws://127.0.0.1:$PORT/" < in
	assert_equal "$status" 65	# skipped, so not a clean run
	assert_output --partial 'stdin record 2'
	assert_output --partial 'stdin record 3'
	assert_output --partial 'stdin record 4'
	wait_for 10 has_lines serve.out 2
	assert_equal "$(cat serve.out)" "$(printf 'a\nb')"
}

@test "an lp length over --max-size is a bad record; the next one is fine" {
	sink --bytes -f lp /
	lp first len=100 "raw=$(head -c 100 /dev/zero | tr '\0' x)" last > in
	run timeout 10 rxws-connect --bytes -f lp --max-size 50 "ws://127.0.0.1:$PORT/" < in
	assert_equal "$status" 65	# skipped, so not a clean run
	assert_output --partial 'stdin record 2: length 100 is over --max-size (50); skipping its 100 bytes'
	wait_for 10 eval '(( $(stat -c %s serve.out) >= 17 ))'
	lp first last > expected
	cmp serve.out expected
}

@test "an lp length over --max-size is reported at once, its bytes skipped as they come, the next record sent before the end of input" {
	sink --bytes -f lp /
	open_fifo in
	rxws-connect --bytes -f lp --max-size 50 "ws://127.0.0.1:$PORT/" < in > c.out 2> c.err &
	local client=$!
	PIDS+=($client)
	lp first len=100000 raw=abc > in
	wait_for 10 contains c.err 'stdin record 2: length 100000 is over --max-size (50); skipping its 100000 bytes'
	head -c 99997 /dev/zero > in
	lp next > in
	wait_for 10 eval '(( $(stat -c %s serve.out) >= 17 ))'
	lp first next > expected
	cmp serve.out expected
	close_fifo
	wait_status "$client"
	assert_equal "$STATUS" 65	# skipped, so not a clean run
	assert_equal "$(count_of c.err 'stdin record')" 1
}

@test "an lp length over --max-size under --strict: exit 65 at once, not at the end of input" {
	sink --bytes -f lp /
	open_fifo in
	rxws-connect --strict --bytes -f lp --max-size 50 "ws://127.0.0.1:$PORT/" < in > c.out 2> c.err &
	local client=$!
	PIDS+=($client)
	lp first len=2147483647 raw=abc > in
	wait_gone 10 "$client"
	wait_status "$client"
	assert_equal "$STATUS" 65
	assert contains c.err 'stdin record 2: length 2147483647 is over --max-size (50); stopping (--strict)'
	lp first > expected
	wait_for 10 eval 'cmp -s serve.out expected'
}

@test "tagged lp: a tag or payload length over its limit is reported at once and skipped exactly" {
	start_serve /dev/null serve.out serve.err -k -f lp
	open_fifo in
	rxws-group -f lp --max-size 50 "ws://127.0.0.1:$PORT" < in > g.out 2> g.err &
	local group=$!
	PIDS+=($group)
	# a tag of 5000 bytes, and its payload of 10
	{ lp len=5000; head -c 5000 /dev/zero | tr '\0' /; lp 0123456789; } > hdr
	head -c 4 hdr > in
	wait_for 10 contains g.err 'stdin record 1: tag length 5000 is over 4096; skipping its 5000 bytes and its payload'
	tail -c +5 hdr > in
	# /a, then a payload of 1000
	{ lp /a len=1000; head -c 1000 /dev/zero; } > big
	head -c 10 big > in
	wait_for 10 contains g.err 'stdin record 2: length 1000 is over --max-size (50); skipping its 1000 bytes'
	tail -c +11 big > in
	lp /a one /a two > in
	lp /a one /a two > expected
	wait_for 10 eval 'cmp -s serve.out expected'
	close_fifo
	wait_status "$group"
	assert_equal "$STATUS" 65	# skipped, so not a clean run
}

@test "cbor: an item that declares more than --max-size is reported at once, skipped as it comes, and the next one is sent" {
	sink --bytes /
	open_fifo in
	rxws-connect --format cbor --max-size 50 "ws://127.0.0.1:$PORT/" < in > c.out 2> c.err &
	local client=$!
	PIDS+=($client)
	envelope() {	# envelope TEXT|-N: {"type":"bytes","data":h'..'} in CBOR, of TEXT or N zeros
		"$PY" -c '
import sys
a = sys.argv[1]
d = bytes(-int(a)) if a.startswith("-") else a.encode()
head = b"\x5a" + len(d).to_bytes(4, "big") if len(d) > 23 else bytes([0x40 + len(d)])
sys.stdout.buffer.write(b"\xa2\x64type\x65bytes\x64data" + head + d)' "$1"
	}
	envelope hi > in
	wait_for 10 eval '[[ $(cat serve.out) == hi ]]'
	# A map whose data declares 100000 bytes: known to be too large from its head.
	envelope -100000 > big
	head -c 30 big > in
	wait_for 10 contains c.err 'stdin record 2: CBOR item of 100022 bytes or more is over --max-size (50), even for a CBOR envelope (at most 16434); skipping it'
	tail -c +31 big > in
	envelope ok > in
	wait_for 10 eval '[[ $(cat serve.out) == hiok ]]'
	close_fifo
	wait_status "$client"
	assert_equal "$STATUS" 65	# skipped, so not a clean run
}

@test "a truncated lp record at the end of input is reported" {
	sink --bytes -f lp /
	{ lp whole; printf '\0\0\0\x10abc'; } > in
	run timeout 10 rxws-connect --bytes -f lp "ws://127.0.0.1:$PORT/" < in
	assert_equal "$status" 65	# skipped, so not a clean run
	assert_output --partial 'stdin record 2: truncated at end of input'
	run timeout 10 rxws-connect --strict --bytes -f lp "ws://127.0.0.1:$PORT/" < in
	assert_failure 65
}

@test "a line over --max-size is a bad record and costs no more than --max-size" {
	sink /
	{ echo short; head -c 100000 /dev/zero | tr '\0' y; echo; echo after; } > in
	run timeout 10 rxws-connect --max-size 1000 "ws://127.0.0.1:$PORT/" < in
	assert_equal "$status" 65	# skipped, so not a clean run
	assert_output --partial 'stdin record 2: '
	assert_output --partial 'is over --max-size (1000)'
	wait_for 10 has_lines serve.out 2
	assert_equal "$(cat serve.out)" "$(printf 'short\nafter')"
}

@test "tagged records: no tag, empty tag, tag without a leading / are bad; --strict exits 65" {
	open_fifo in
	start_serve in serve.out serve.err -v
	rxws-connect -r "ws://127.0.0.1:$PORT/a" > a 2> a.err &
	PIDS+=($!)
	wait_for 10 has_clients serve.err 1
	printf 'no tab here\n\tempty tag\nrel\tno slash\n/a\tgood\n' > in
	wait_for 10 has_lines a 1
	assert_equal "$(cat a)" good
	assert contains serve.err 'stdin record 1: no tag: expected TAG<TAB>PAYLOAD; skipped'
	assert contains serve.err 'stdin record 2: empty tag; skipped'
	assert contains serve.err 'stdin record 3: tag must be a path starting with /; skipped'

	printf 'no tab\n' > bad
	run timeout 10 rxws-serve -p 0 --strict < bad
	assert_failure 65
}

@test "a peer message over --max-size: the peer sees close code 1009, other peers go on" {
	sink -v --max-size 1000 /
	rxws-connect -r "ws://127.0.0.1:$PORT/" > other &
	PIDS+=($!)
	run timeout 10 "$PY" "$PEERS/ws_client.py" --big 2000 "ws://127.0.0.1:$PORT/"
	assert_line 'close 1009'
	assert contains serve.err 'over --max-size (1000): closing with 1009'
	run timeout 10 "$PY" "$PEERS/ws_client.py" --big 1000 --recv 0 "ws://127.0.0.1:$PORT/"
	assert_line 'close 1000'
	wait_for 10 has_lines serve.out 1
}

@test "rxws-connect closes with 1009 a server message over --max-size" {
	start_py_server port --text "$(head -c 3000 /dev/zero | tr '\0' z)"
	run timeout 10 rxws-connect -r --retries 0 --max-size 1000 "ws://127.0.0.1:$PY_PORT/"
	assert_output --partial 'over --max-size (1000): closing with 1009'
	wait_for 10 contains py_server.out 'closed / 1009'
}

@test "a frame of the wrong kind is a bad record: logged, skipped, connection kept" {
	sink -v /
	run timeout 10 "$PY" "$PEERS/ws_client.py" --binary 0102 --text after --recv 0 "ws://127.0.0.1:$PORT/"
	assert_line 'close 1000'
	wait_for 10 has_lines serve.out 1
	assert_equal "$(cat serve.out)" after
	assert contains serve.err 'binary frame on a string path: skipped'
}

@test "a handshake for a path with control characters is refused with 400" {
	sink -v
	run "$PY" "$PEERS/ws_client.py" "ws://127.0.0.1:$PORT/a%09b"
	assert_output 'refused 400'
	assert contains serve.err 'refused /a\\x09b: path has control characters (HTTP 400)'
}

@test "a handshake for a path that is not UTF-8 is refused with 400" {
	sink -v
	run "$PY" "$PEERS/ws_client.py" "ws://127.0.0.1:$PORT/caf%E9"
	assert_output 'refused 400'
	assert contains serve.err 'refused /caf\\xe9: path is not UTF-8 (HTTP 400)'
	run "$PY" "$PEERS/ws_client.py" --text ok --recv 0 "ws://127.0.0.1:$PORT/caf%C3%A9"
	assert_line 'close 1000'
}
