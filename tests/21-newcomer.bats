#!/usr/bin/env bats
# What a newcomer meets in the first hour: a refusal is not an outage, a
# clean leave is not a failure, a server says that it started and why it
# ends, skipped records show in the exit status, -c waits for its N, and
# messages say what to do. Exit codes mean one thing each (the man pages'
# EXIT STATUS).

load helpers

@test "a wrong token: exit 77 at once, one attempt, and the hint says the token was refused" {
	echo secret > token
	echo wrong > badtoken
	start_serve /dev/null serve.out serve.err -k --auth-token-file token /ticks
	local t0
	t0=$(now_ms)
	run -77 --separate-stderr timeout 20 rxws-connect --auth-token-file badtoken \
		"ws://127.0.0.1:$PORT/ticks" <<< tick
	(( $(elapsed_ms "$t0") < 5000 ))
	assert_regex "$stderr" 'HTTP 401 .*the server refused these credentials.*not trying again'
	refute_regex "$stderr" 'wants credentials'
	assert_equal "$(count_of serve.err 'refused /ticks')" 1
	# Without a token the hint says how to give one.
	run -77 --separate-stderr timeout 20 rxws-connect "ws://127.0.0.1:$PORT/ticks" <<< tick
	assert_regex "$stderr" 'the server wants credentials: see --auth-token-file'
}

@test "an outage keeps its retries and its 75; a refused path of rxws-group ends that path, the others deliver, exit 69" {
	port=$(free_port)
	run -75 --separate-stderr timeout 20 rxws-connect --drain-timeout 1 --retry-delay 0.05 \
		"ws://127.0.0.1:$port/x" <<< tick
	assert_regex "$stderr" 'retrying|not delivered within --drain-timeout'
	start_serve /dev/null serve.out serve.err -k --allow-path '/ok*'
	run -69 --separate-stderr timeout 20 rxws-group --retry-delay 0.05 "ws://127.0.0.1:$PORT" /ok /no \
		< <(printf '/ok\tone\n/no\ttwo\n/ok\tthree\n')
	assert_regex "$stderr" 'HTTP 404.*not trying again'
	assert_regex "$stderr" 'a path was refused for good'
	wait_for 10 has_lines serve.out 2
	assert_equal "$(cat serve.out)" "$(printf '/ok\tone\n/ok\tthree')"
}

@test "--oneshot makes one attempt: the server down is exit 69 at once, with the reason" {
	port=$(free_port)
	local t0
	t0=$(now_ms)
	run -69 --separate-stderr timeout 20 rxws-connect --oneshot "ws://127.0.0.1:$port/" <<< tick
	(( $(elapsed_ms "$t0") < 3000 ))
	assert_regex "$stderr" 'cannot connect: .*refused.*\(--oneshot: one attempt\)'
}

@test "a client that leaves by its own clean close is no delivery failure: what it did not take is discarded, exit 0" {
	need_node_modules ws
	open_fifo in
	start_serve in serve.out serve.err -v -k /n
	node "$PEERS/ws_node.js" client "ws://127.0.0.1:$PORT/n" --recv 1 > node.out &
	local node=$!
	PIDS+=($node)
	wait_for 10 contains serve.err ' connected on /n'
	seq 1 1000 > in
	wait_gone 10 "$node"
	assert contains node.out 'text "1"'
	wait_for 10 contains serve.err 'disconnected from /n'
	kill -TERM "$SERVE_PID"
	wait_gone 10 "$SERVE_PID"
	wait_status "$SERVE_PID"
	assert_equal "$STATUS" 0
	refute contains serve.err 'unconfirmed: the peer may not'
	assert contains serve.err 'left (1000)'
	run grep 'stdin 1000 records' serve.err
	assert_output --regexp ' 0 unconfirmed, 0 lost, 0 pending'
	# A connection that breaks is still a failure: a python client killed.
	start_serve in serve2.out serve2.err -v -k /n
	"$PY" "$PEERS/ws_sink.py" client "ws://127.0.0.1:$PORT/n" got > py.out &
	local py=$!
	PIDS+=($py)
	wait_for 10 contains serve2.err ' connected on /n'
	kill -STOP "$py"
	seq 1 100000 > in
	wait_for 30 eval "kill -USR1 $SERVE_PID; sleep 0.05; grep -qE 'sent [0-9]{3,} messages' serve2.err"
	kill -KILL "$py"
	wait_for 10 contains serve2.err 'disconnected from /n'
	kill -TERM "$SERVE_PID"
	wait_gone 10 "$SERVE_PID"
	wait_status "$SERVE_PID"
	assert_equal "$STATUS" 75
}

@test "rxws-serve says at the default level that it started, where, and what it does with stdin; -q is quiet" {
	run --separate-stderr timeout 5 rxws-serve -p 0 /chat < /dev/null
	assert_success
	assert_regex "$stderr" 'notice: listening on port [0-9]+ of 127\.0\.0\.1 \(ws://127\.0\.0\.1:[0-9]+/chat\): stdin goes to its clients, what they send to stdout'
	run --separate-stderr timeout 5 rxws-serve -p 0 -r < /dev/null &
	run --separate-stderr timeout 5 rxws-serve --unix "$T/s" -p 0 < /dev/null
	assert_regex "$stderr" "notice: listening on $T/s \\(/ and any other path\\): stdin records go to the clients of their tag's path, what clients send to stdout, tagged"
	run --separate-stderr timeout 5 rxws-serve -q -p 0 /chat < /dev/null
	assert_success
	assert_equal "$stderr" ""
}

@test "rxws-serve on an empty stdin says why it ends at once" {
	run --separate-stderr timeout 5 rxws-serve -p 0 /x < /dev/null
	assert_success
	assert_regex "$stderr" 'standard input was empty: closing \(-k keeps the server open; -r reads no standard input\)'
	# A stdin with records ends as before, quietly.
	run --separate-stderr timeout 5 rxws-serve -p 0 /x <<< record
	refute_regex "$stderr" 'was empty'
}

@test "skipped records are not a clean run: exit 65, and a forgotten tag says what to do" {
	run --separate-stderr timeout 5 rxws-serve -p 0 <<< hello
	assert_equal "$status" 65
	assert_regex "$stderr" 'stdin record 1: no tag: expected TAG<TAB>PAYLOAD; skipped \(multi-path mode: give a PATH, or tag each record\)'
	assert_regex "$stderr" 'error: 1 bad record of stdin skipped \(said above\): exit 65'
	# Good records alone: 0.
	run --separate-stderr timeout 5 rxws-serve -p 0 <<< $'/a\thello'
	assert_success
}

@test "-c N does not end at the end of stdin: rxws-connect sends, then waits for its N answers; -W bounds the wait" {
	# The server answers each record with two, a moment after it came.
	mkfifo loop
	rxws-serve -p 0 -k / < loop 2> serve.err | while read -r line; do
		printf '%s-a\n%s-b\n' "$line" "$line"
	done > loop &
	PIDS+=($!)
	wait_for 10 contains serve.err 'listening on port'
	PORT=$(sed -n 's/.*listening on port \([0-9]*\).*/\1/p' serve.err | head -n 1)
	run --separate-stderr timeout 10 rxws-connect -c 4 "ws://127.0.0.1:$PORT/" < <(printf 'x\ny\n')
	assert_success
	assert_output "$(printf 'x-a\nx-b\ny-a\ny-b')"
	# Fewer answers than asked for: -W ends the wait with 75.
	run --separate-stderr timeout 10 rxws-connect -c 5 -W 1 "ws://127.0.0.1:$PORT/" < <(printf 'z\n')
	assert_equal "$status" 75
	assert_output "$(printf 'z-a\nz-b')"
}

@test "-q shows errors only, not the counters line, when a run fails" {
	port=$(free_port)
	run --separate-stderr timeout 10 rxws-connect -q --drain-timeout 0.5 --retry-delay 0.05 \
		"ws://127.0.0.1:$port/" <<< tick
	assert_equal "$status" 75
	refute_regex "$stderr" 'info: |stdin 1 record'
	assert_regex "$stderr" 'error: '
}

@test "messages say what to do: a busy port, a port below 1024, a bad group PATH, a path --allow-path refuses, plurals, attempts" {
	start_serve /dev/null serve.out serve.err -k /
	run --separate-stderr timeout 5 rxws-serve -p "$PORT" /
	assert_equal "$status" 69
	assert_regex "$stderr" 'Address already in use \(another program listens there: choose another --port, or -p 0 for a free one\)'
	if command -v setpriv > /dev/null && id nobody > /dev/null 2>&1; then
		run --separate-stderr timeout 5 setpriv --reuid=nobody --regid=nogroup --clear-groups \
			"$(command -v rxws-serve)" -p 81 /
		assert_equal "$status" 69
		assert_regex "$stderr" 'Permission denied \(a port below 1024 needs root or CAP_NET_BIND_SERVICE: use a port above 1023\)'
	fi
	run --separate-stderr rxws-group ws://127.0.0.1:1 a b
	assert_equal "$status" 64
	assert_regex "$stderr" "bad PATH 'a': "
	run --separate-stderr timeout 10 rxws-serve -p 0 --allow-path '/ok' <<< $'/no\tone'
	assert_regex "$stderr" 'record for /no discarded: not allowed by --allow-path'
	run --separate-stderr timeout 10 rxws-serve -v -p 0 /x <<< one
	assert_regex "$stderr" 'stdin 1 record \('
	port=$(free_port)
	run --separate-stderr timeout 10 rxws-connect -v --retries 3 --retry-delay 0.01 "ws://127.0.0.1:$port/" <<< tick
	assert_regex "$stderr" '0 reconnects, 4 attempts failed'
}
