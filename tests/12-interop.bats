#!/usr/bin/env bats
# Peers we did not write: python3-websockets as client and as server.

load helpers

@test "a python3-websockets client gets text frames from rxws-serve and sends text back" {
	open_fifo in
	start_serve in serve.out serve.err -v /chat
	"$PY" "$PEERS/ws_client.py" --text 'héllo from python' --recv 2 "ws://127.0.0.1:$PORT/chat" > client.out &
	PIDS+=($!)
	wait_for 10 has_clients serve.err 1
	printf 'one\ntwo ✓\n' > in
	wait_for 10 contains client.out 'close'
	assert_equal "$(cat client.out)" "$(printf "open\ntext 'one'\ntext 'two ✓'\nclose 1000")"
	wait_for 10 has_lines serve.out 1
	assert_equal "$(cat serve.out)" 'héllo from python'
}

@test "a python3-websockets client gets binary frames from rxws-serve --bytes and sends binary back" {
	open_fifo in
	start_serve in serve.out serve.err -v --bytes -f lp /bin
	"$PY" "$PEERS/ws_client.py" --binary 00ff0a0d --recv 1 "ws://127.0.0.1:$PORT/bin" > client.out &
	PIDS+=($!)
	wait_for 10 has_clients serve.err 1
	printf '\0\0\0\3\x01\x02\xff' > in
	wait_for 10 contains client.out 'close'
	assert_equal "$(cat client.out)" "$(printf "open\nbinary 0102ff\nclose 1000")"
	wait_for 10 eval '(( $(stat -c %s serve.out) >= 8 ))'
	assert_equal "$(od -An -tx1 serve.out | tr -d ' \n')" 0000000400ff0a0d
}

@test "rxws-connect against a python3-websockets server: text both ways" {
	start_py_server port --text 'from python' --text 'ünïcode'
	run timeout 10 rxws-connect -r -c 2 "ws://127.0.0.1:$PY_PORT/t?k=v"
	assert_success
	assert_output "$(printf 'from python\nünïcode')"
	assert contains py_server.out 'open /t?k=v'
	run timeout 10 rxws-connect -s "ws://127.0.0.1:$PY_PORT/t" <<< 'from rxws'
	assert_success
	wait_for 10 contains py_server.out "/t text 'from rxws'"
}

@test "rxws-connect against a python3-websockets server: binary both ways" {
	start_py_server port --binary 00010203ff
	timeout 10 rxws-connect -r --bytes -c 1 "ws://127.0.0.1:$PY_PORT/b" > got
	assert_equal "$(od -An -tx1 got | tr -d ' \n')" 00010203ff
	printf 'bin\0ary' | timeout 10 rxws-connect -s --bytes "ws://127.0.0.1:$PY_PORT/b"
	wait_for 10 contains py_server.out '/b binary 62696e00617279'
}

@test "rxws-connect ends with 0 when the server closes with 1000, after writing what came" {
	start_py_server port --text a --text b --close 1000
	run timeout 10 rxws-connect -r "ws://127.0.0.1:$PY_PORT/"
	assert_success
	assert_output "$(printf 'a\nb')"
}

@test "IPv6: rxws-serve --host ::1 and rxws-connect ws://[::1]:PORT/" {
	seq 1 3 > in
	start_serve in serve.out serve.err --host ::1 --wait-clients 1 /
	run timeout 10 rxws-connect -r "ws://[::1]:$PORT/"
	assert_success
	assert_output "$(seq 1 3)"
}

@test "unix sockets: rxws-serve --unix and rxws-connect --unix" {
	seq 1 3 > in
	start_unix_serve in serve.out serve.err --wait-clients 1 /
	run timeout 10 rxws-connect --unix "$T/sock" -r ws://localhost/
	assert_success
	assert_output "$(seq 1 3)"
}

@test "node's ws as a client of rxws-serve: text and binary both ways" {
	need_node_modules ws
	open_fifo in
	start_serve in serve.out serve.err -v --type '/bin=bytes' -f lp
	node "$PEERS/ws_node.js" client "ws://127.0.0.1:$PORT/txt" --text 'from node ✓' --recv 1 > t.out &
	PIDS+=($!)
	node "$PEERS/ws_node.js" client "ws://127.0.0.1:$PORT/bin" --binary 00ff10 --recv 1 > b.out &
	PIDS+=($!)
	wait_for 10 has_clients serve.err 2
	"$PY" -c '
import struct, sys
out = sys.stdout.buffer
for tag, data in ((b"/txt", "to node é".encode()), (b"/bin", b"\x01\x02")):
    out.write(struct.pack(">I", len(tag)) + tag + struct.pack(">I", len(data)) + data)' > in
	wait_for 10 contains t.out close
	wait_for 10 contains b.out close
	assert_equal "$(cat t.out)" "$(printf 'open\ntext "to node é"\nclose 1000')"
	assert_equal "$(cat b.out)" "$(printf 'open\nbinary 0102\nclose 1000')"
	"$PY" -c '
import struct, sys
d = open(sys.argv[1], "rb").read()
while d:
    t = struct.unpack(">I", d[:4])[0]; tag = d[4:4 + t]; d = d[4 + t:]
    n = struct.unpack(">I", d[:4])[0]; print(tag.decode(), d[4:4 + n].hex()); d = d[4 + n:]' serve.out > got
	assert contains got '^/txt 66726f6d206e6f646520e29c93$'
	assert contains got '^/bin 00ff10$'
}

@test "rxws-connect against node's ws server: text and binary both ways" {
	need_node_modules ws
	node "$PEERS/ws_node.js" server port --text 'from node' --binary 0001ff > node.out &
	PIDS+=($!)
	wait_for 10 test -s port
	run timeout 10 rxws-connect -r -c 1 "ws://127.0.0.1:$(cat port)/t"
	assert_output 'from node'
	timeout 10 rxws-connect -r --bytes -c 1 "ws://127.0.0.1:$(cat port)/b" > got
	assert_equal "$(od -An -tx1 got | tr -d ' \n')" 0001ff
	echo 'from rxws' | timeout 10 rxws-connect -s "ws://127.0.0.1:$(cat port)/in"
	printf '\xde\xad' | timeout 10 rxws-connect -s --bytes "ws://127.0.0.1:$(cat port)/in"
	wait_for 10 contains node.out '/in text "from rxws"'
	wait_for 10 contains node.out '/in binary dead'
}
