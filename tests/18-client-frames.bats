#!/usr/bin/env bats
# A plain ws:// connection's handshake and frames are read by rxws itself:
# a hand-written server (tests/peers/raw_server.py) sends what no WebSocket
# library would, and prints what the client sends back.

load helpers

# start_raw_server [ARGS...]: sets RAW_PORT; its report goes to raw.out.
start_raw_server() {
	rm -f "$T/rawport"
	"$PY" "$PEERS/raw_server.py" "$T/rawport" "$@" > "$T/raw.out" 2> "$T/raw.err" &
	PIDS+=($!)
	RAW_PID=$!
	wait_for 10 test -s "$T/rawport" || { cat "$T/raw.err" >&2; return 1; }
	RAW_PORT=$(cat "$T/rawport")
}

stop_raw_server() {
	kill "$RAW_PID" 2>/dev/null || true
	wait_gone 5 "$RAW_PID"
}

# frame B0 TEXT: a server frame (unmasked) in hex; B0 is its first byte in
# hex (FIN, RSV and opcode), TEXT its payload.
frame() {
	local hex n
	hex=$(printf '%s' "$2" | od -An -v -tx1 | tr -d ' \n')
	n=$((${#hex} / 2))
	if ((n < 126)); then
		printf '%s%02x%s' "$1" "$n" "$hex"
	elif ((n < 65536)); then
		printf '%s7e%04x%s' "$1" "$n" "$hex"
	else
		printf '%s7f%016x%s' "$1" "$n" "$hex"
	fi
}

@test "plain ws://: frames in the 101's packet, fragments around a ping, empty, 16- and 64-bit lengths" {
	local long300 long70k
	long300=$(head -c 300 /dev/zero | tr '\0' x)
	long70k=$(head -c 70000 /dev/zero | tr '\0' y)
	frame 81 "$long70k" > big.hex
	start_raw_server --send "$(frame 81 hello)" \
		--send "$(frame 01 frag)" --send "$(frame 89 hi)" --send "$(frame 80 ment)" \
		--send "$(frame 81 '')" --send "$(frame 81 "$long300")" --send @big.hex
	run timeout 10 rxws-connect -r -c 5 "ws://127.0.0.1:$RAW_PORT/"
	assert_success
	assert_equal "$output" "$(printf 'hello\nfragment\n\n%s\n%s' "$long300" "$long70k")"
	wait_for 10 contains raw.out '^close 1000'
	assert contains raw.out '^pong 6869$'
	refute contains raw.out '^unmasked'
}

@test "the upgrade request: the target escaped where it must be, the token and --header lines" {
	echo 'tok-42' > token
	start_raw_server --send 880203e8
	run timeout 10 rxws-connect -r --auth-token-file token --header 'X-Api-Key: 2f7c' \
		"ws://127.0.0.1:$RAW_PORT/a b/é?x=1&y=%41"
	assert_success
	wait_for 10 contains raw.out '^eof'
	assert_equal "$(sed -n 's/^> //p' raw.out | grep -v '^Rxws-Delivery: ')" "$(printf '%s\r\n' \
		'GET /a%20b/é?x=1&y=%41 HTTP/1.1' "Host: 127.0.0.1:$RAW_PORT" 'Upgrade: websocket' \
		'Connection: Upgrade' 'Sec-WebSocket-Version: 13' 'Authorization: Bearer tok-42' \
		'User-Agent: rxws/0.1.0' 'X-Api-Key: 2f7c' | tr -d '\r')"
}

@test "plain ws://: the handshake and frames a byte per packet" {
	start_raw_server --byte-by-byte --send "$(frame 81 'one ✓')" \
		--send "$(frame 01 ab)" --send "$(frame 89 p)" --send "$(frame 80 cd)" \
		--send "$(frame 81 '')"
	run timeout 20 rxws-connect -r -c 3 "ws://127.0.0.1:$RAW_PORT/"
	assert_success
	assert_equal "$output" "$(printf 'one ✓\nabcd\n')"
	wait_for 10 contains raw.out '^close 1000'
	assert contains raw.out '^pong 70$'
}

@test "a server's protocol errors: the client closes with 1002 or 1007 and says why" {
	local cases=(
		"8185000000006865$(printf 6c6c6f)|1002|a masked frame from the server"
		"c100|1002|RSV1 set, with no compression agreed"
		"a100|1002|RSV2 or RSV3 set, with no extension that defines them"
		"8300|1002|a frame with an unknown opcode"
		"0900|1002|a fragmented control frame"
		"897e007e|1002|a control frame over 125 bytes"
		"8000|1002|a continuation frame outside a message"
		"01016181016162|1002|a new message inside a fragmented one"
		"880103|1002|a close frame of one byte"
		"8102c328|1007|text that is not UTF-8"
	)
	local c bytes code why
	for c in "${cases[@]}"; do
		IFS='|' read -r bytes code why <<< "$c"
		start_raw_server --send "$bytes"
		rm -f c.out c.err	# a case's wait must not see the last one's lines
		timeout 20 rxws-connect -r "ws://127.0.0.1:$RAW_PORT/" > c.out 2> c.err &
		local client=$!
		PIDS+=($client)
		wait_for 10 contains raw.out "^close $code"
		wait_for 10 contains c.err "$why: closing with $code"
		kill "$client"
		# The server never answers the close: the client waits for it up
		# to 5 s before it goes.
		wait_gone 15 "$client"
		assert_equal "$(cat c.out)" ''
		stop_raw_server
	done
}

# refused_with WHY [ARGS...]: a raw server with ARGS makes rxws-connect give
# up (exit 69; 77 for a 401), saying WHY.
refused_with() {
	local why=$1 code=69
	shift
	[[ $* == *"--status 401"* ]] && code=77
	start_raw_server "$@"
	run timeout 10 rxws-connect -r --retries 0 "ws://127.0.0.1:$RAW_PORT/"
	assert_failure "$code"
	assert_output --partial "$why"
	stop_raw_server
}

@test "handshake answers that are not an upgrade are refused, saying what was wrong" {
	refused_with 'Sec-WebSocket-Accept does not answer our key' --bad-accept
	refused_with 'Sec-WebSocket-Accept does not answer our key' --drop-header Sec-WebSocket-Accept
	refused_with 'the server answered 101 without upgrading to WebSocket' --drop-header Upgrade
	refused_with 'the server answered 101 without upgrading to WebSocket' --drop-header Connection
	refused_with 'chose an extension that was not offered' \
		--add-header 'Sec-WebSocket-Extensions: permessage-deflate'
	refused_with 'chose a subprotocol that was not offered' --add-header 'Sec-WebSocket-Protocol: chat'
	refused_with 'answered HTTP 401 Nope, not 101 (the server wants credentials: see --auth-token-file' \
		--status 401
	refused_with 'answered HTTP 302 Nope, not 101 (a redirect' --status 302
	refused_with 'answered HTTP 404 Nope, not 101 (no WebSocket on that path)' --status 404
	refused_with "the server's answer is not HTTP (if the server speaks TLS, use wss://)" \
		--raw-answer 15030100020228
	refused_with 'the connection closed during the handshake (if the server speaks TLS, use wss://)' \
		--raw-answer "$(printf 'HTTP/1.1 101 OK\r\n' | od -An -v -tx1 | tr -d ' \n')" --close-at-once
	refused_with "the server's handshake answer is over 16384 bytes" \
		--add-header "X-Big: $(head -c 17000 /dev/zero | tr '\0' z)"
}

@test "a server's close is answered with its code; 1000 ends the client with 0" {
	start_raw_server --send 880503e9627965
	timeout 20 rxws-connect -v -r --retry-delay 5 "ws://127.0.0.1:$RAW_PORT/" 2> c.err &
	local client=$!
	PIDS+=($client)
	wait_for 10 contains c.err 'closed by the server (1001); retrying'
	assert contains raw.out '^close 1001 $'
	kill "$client"
	stop_raw_server

	start_raw_server --send "$(frame 81 last)" --send 880203e8
	run timeout 10 rxws-connect -r "ws://127.0.0.1:$RAW_PORT/"
	assert_success
	assert_output 'last'
	wait_for 10 contains raw.out '^close 1000 $'
}

@test "a close we start waits for the server's answer, but not for ever" {
	start_raw_server
	run timeout 10 rxws-connect -s "ws://127.0.0.1:$RAW_PORT/" <<< 'bye'
	assert_success
	# A plain peer is asked for a pong after the data: it confirms 'bye'.
	assert_equal "$(grep -v '^>' raw.out)" "$(printf "conn 1\ntext 'bye'\nping 727877732031\nclose 1000 \neof")"
	stop_raw_server

	start_raw_server --no-close-answer
	local start ms
	start=$(now_ms)
	run timeout 20 rxws-connect -s "ws://127.0.0.1:$RAW_PORT/" <<< 'bye'
	# The server never answers, neither ping nor close: 5 s later the client
	# goes, and 'bye' is unconfirmed.
	assert_failure 75
	assert_output --partial '1 record not confirmed delivered: 1 unconfirmed, 0 lost'
	ms=$(elapsed_ms "$start")
	echo "# gone after $ms ms" >&3
	(( ms >= 4900 && ms <= 10000 ))
	assert contains raw.out '^close 1000'
}

@test "a frame over --max-size is refused with 1009 before it has all come" {
	# 10 MB declared, 3,000 bytes sent.
	start_raw_server --send "817f0000000000989680$(head -c 3000 /dev/zero | od -An -v -tx1 | tr -d ' \n')"
	timeout 20 rxws-connect -r --max-size 1000 "ws://127.0.0.1:$RAW_PORT/" > c.out 2> c.err &
	PIDS+=($!)
	wait_for 10 contains raw.out '^close 1009'
	wait_for 10 contains c.err 'over --max-size (1000): closing with 1009'
	assert_equal "$(cat c.out)" ''
}

@test "ws://user:password@host sends HTTP Basic credentials, never logged; User-Agent rxws/VERSION, overridable" {
	start_raw_server --send 880203e8
	run timeout 10 rxws-connect -vv -r "ws://al%40ce:pa:ss@127.0.0.1:$RAW_PORT/x"
	assert_success
	refute_output --partial 'pa:ss'
	refute_output --partial 'al%40ce'
	assert_output --partial "rxws-connect:ws://127.0.0.1:$RAW_PORT/x"
	wait_for 10 contains raw.out '^eof'
	# base64 of "al@ce:pa:ss"
	assert contains raw.out '^> Authorization: Basic YWxAY2U6cGE6c3M=$'
	assert contains raw.out "^> User-Agent: rxws/$(rxws-connect --version | awk '{ print $2 }')\$"
	stop_raw_server
	start_raw_server --send 880203e8
	run timeout 10 rxws-connect -r --header 'User-Agent: my-bot/2' "ws://127.0.0.1:$RAW_PORT/"
	assert_success
	wait_for 10 contains raw.out '^eof'
	assert contains raw.out '^> User-Agent: my-bot/2$'
	assert_equal "$(grep -c '^> User-Agent' raw.out)" 1
	echo tok > token
	run rxws-connect --auth-token-file token ws://u:p@127.0.0.1:1/
	assert_failure 64
	assert_output --partial 'not both'
	run rxws-connect 'ws://u%zz@127.0.0.1:1/'
	assert_failure 64
	assert_output --partial 'bad %-escape'
}
