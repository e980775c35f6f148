#!/usr/bin/env bats
# Binary data and the framings: raw, lp, nul.

load helpers

# lp_records FILE PAYLOAD...: writes length-prefixed records (python escapes).
lp_records() {
	local file=$1
	shift
	"$PY" - "$file" "$@" <<'PY'
import struct, sys
with open(sys.argv[1], "wb") as f:
    for p in sys.argv[2:]:
        b = p.encode("latin-1").decode("unicode_escape").encode("latin-1")
        f.write(struct.pack(">I", len(b)) + b)
PY
}

@test "20 MB of random bytes, --bytes raw, serve to connect: the sha256 matches" {
	head -c 20000000 /dev/urandom > in
	start_serve in serve.out serve.err --bytes --wait-clients 1 /
	timeout 60 rxws-connect --bytes -r "ws://127.0.0.1:$PORT/" > got
	[ "$(sha256sum < got)" = "$(sha256sum < in)" ]
}

@test "20 MB of random bytes, --bytes raw, connect to serve: the sha256 matches" {
	head -c 20000000 /dev/urandom > in
	start_serve /dev/null serve.out serve.err --bytes -k /
	timeout 60 rxws-connect --bytes "ws://127.0.0.1:$PORT/" < in
	wait_for 20 eval '(( $(stat -c %s serve.out) >= 20000000 ))'
	[ "$(sha256sum < serve.out)" = "$(sha256sum < in)" ]
}

@test "lp round trip keeps payloads with newline, NUL and 0xFF bytes exactly" {
	lp_records in 'a\nb' '\x00\x00' '\xff\xfe\xff' '' 'plain' "$(printf 'x%.0s' $(seq 1 5000))"
	start_serve in serve.out serve.err --bytes -f lp --wait-clients 1 /
	timeout 20 rxws-connect --bytes -f lp -r "ws://127.0.0.1:$PORT/" > got
	cmp got in
}

@test "lp framing carries one frame per record, whatever the bytes" {
	lp_records in 'one\ntwo' '\x00' 'three'
	start_serve in serve.out serve.err --bytes -f lp --wait-clients 1 /
	run timeout 10 "$PY" "$PEERS/ws_client.py" "ws://127.0.0.1:$PORT/"
	assert_output "$(printf 'open\nbinary 6f6e650a74776f\nbinary 00\nbinary 7468726565\nclose 1000')"
}

@test "tagged lp: a tag field, then a payload field, both ways" {
	open_fifo in
	start_serve in serve.out serve.err -v --bytes
	"$PY" "$PEERS/ws_client.py" --binary 00ff0a "ws://127.0.0.1:$PORT/p/q" > client.out &
	PIDS+=($!)
	wait_for 10 has_clients serve.err 1
	wait_for 10 eval '(( $(stat -c %s serve.out) >= 15 ))'
	lp_records expected '/p/q' '\x00\xff\n'
	cmp serve.out expected
	lp_records tagged '/p/q' 'to\x00you'
	cat tagged > in
	wait_for 10 contains client.out 'binary 746f00796f75'
}

@test "nul framing (-0) splits on NUL and keeps newlines inside records" {
	printf 'one\nline\0two\0' > in
	start_serve in serve.out serve.err -0 --wait-clients 1 /
	timeout 10 rxws-connect -0 -r "ws://127.0.0.1:$PORT/" > got
	cmp got in
}

@test "raw framing: a read goes out in frames of --chunk-size bytes" {
	head -c 10000 /dev/zero > in
	start_serve in serve.out serve.err --bytes --chunk-size 4000 --wait-clients 1 /
	run timeout 10 "$PY" "$PEERS/ws_client.py" "ws://127.0.0.1:$PORT/"
	assert_success
	# A regular file is read whole: 4,000 + 4,000 + 2,000.
	local sizes=() line
	for line in "${lines[@]}"; do
		[[ $line == binary* ]] && sizes+=($(( (${#line} - 7) / 2 )))
	done
	assert_equal "${sizes[*]}" '4000 4000 2000'
	assert_line close\ 1000
}

@test "a final line without a newline is a record, and comes out with one" {
	printf 'a\nb' > in
	start_serve in serve.out serve.err --wait-clients 1 /
	run timeout 10 rxws-connect -r "ws://127.0.0.1:$PORT/"
	assert_output "$(printf 'a\nb')"
}

@test "empty lines are empty messages" {
	printf 'a\n\nb\n' > in
	start_serve in serve.out serve.err --wait-clients 1 /
	run timeout 10 "$PY" "$PEERS/ws_client.py" "ws://127.0.0.1:$PORT/"
	assert_output "$(printf "open\ntext 'a'\ntext ''\ntext 'b'\nclose 1000")"
}
