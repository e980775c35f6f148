#!/usr/bin/env bats
# How the tools end: signals, a closed stdout, --count, --timeout,
# --drain-timeout, counters on SIGUSR1.

load helpers

@test "SIGTERM on rxws-serve: every client sees close code 1001, exit 0" {
	start_serve /dev/null serve.out serve.err -k -v /
	"$PY" "$PEERS/ws_client.py" "ws://127.0.0.1:$PORT/" > c1 &
	PIDS+=($!)
	"$PY" "$PEERS/ws_client.py" "ws://127.0.0.1:$PORT/" > c2 &
	PIDS+=($!)
	wait_for 10 has_clients serve.err 2
	kill -TERM "$SERVE_PID"
	wait_for 10 contains c1 'close 1001'
	wait_for 10 contains c2 'close 1001'
	wait_gone 10 "$SERVE_PID"
	wait_status "$SERVE_PID"
	assert_equal "$STATUS" 0
}

@test "SIGINT on rxws-connect: the server sees close code 1001, exit 0" {
	start_py_server port
	rxws-connect -r "ws://127.0.0.1:$PY_PORT/x" > c.out 2> c.err &
	local client=$!
	PIDS+=($client)
	wait_for 10 contains py_server.out 'open /x'
	kill -INT "$client"
	wait_for 10 contains py_server.out 'closed /x 1001'
	wait_gone 10 "$client"
	wait_status "$client"
	assert_equal "$STATUS" 0
}

@test "SIGTERM on rxws-connect reading an open pipe that sends nothing: exit 0 at once" {
	start_serve /dev/null serve.out serve.err -k -v /
	open_fifo in
	rxws-connect "ws://127.0.0.1:$PORT/" < in > c.out 2> c.err &
	local client=$!
	PIDS+=($client)
	echo one > in
	wait_for 10 has_lines serve.out 1
	# The stdin thread now waits for more: the signal must end it anyway.
	kill -TERM "$client"
	wait_gone 5 "$client"
	wait_status "$client"
	assert_equal "$STATUS" 0
}

# stdin_records_reported PID FILE N: asks PID for its counters (SIGUSR1);
# FILE, its stderr, shows N records read from stdin (N: a pattern).
stdin_records_reported() {
	kill -USR1 "$1"
	contains "$2" "stdin $3 records ("
}

# stdin_records_read PID FILE: asks PID for its counters, and says how
# many records its stderr FILE then shows read from stdin.
stdin_records_read() {
	local before
	before=$(count_of "$2" 'stdin [0-9]* records (')
	kill -USR1 "$1"
	wait_for 5 has_count "$2" 'stdin [0-9]* records (' $((before + 1)) 2> /dev/null
	sed -n 's/.*stdin \([0-9]*\) records (.*/\1/p' "$2" | tail -n 1
}

@test "SIGTERM on rxws-connect while its stdin stays open and the queues are full: exit 75 at once" {
	mkfifo in
	yes > in &
	PIDS+=($!)
	# Nothing is delivered (port 1 refuses): once the connection's queue
	# and what waits for it are full, stdin is read no more.
	rxws-connect -v --queue 4 --retry-delay 0.1 ws://127.0.0.1:1/ < in > c.out 2> c.err &
	local client=$!
	PIDS+=($client)
	# Running (it takes SIGUSR1 from then on).
	wait_for 10 contains c.err 'connection refused'
	wait_for 10 stdin_records_reported "$client" c.err '[0-9]*'
	wait_still 10 500 stdin_records_read "$client" c.err
	local read
	read=$(stdin_records_read "$client" c.err)
	# Bounded: the queue, and a few slices of stdin decoded ahead of it.
	(( read > 0 && read < 5000 ))
	kill -TERM "$client"
	wait_gone 5 "$client"
	wait_status "$client"
	assert_equal "$STATUS" 75
	assert contains c.err "$read records not confirmed delivered"
}

@test "a terminal on stdin: what is typed is sent, and SIGTERM ends rxws-connect with 0 at once" {
	start_serve /dev/null serve.out serve.err -k -v /
	open_fifo keys
	"$PY" "$PEERS/on_tty.py" pid status rxws-connect "ws://127.0.0.1:$PORT/" < keys > c.out 2> c.err &
	PIDS+=($!)
	wait_for 10 test -s pid
	local client
	client=$(cat pid)
	PIDS+=($client)
	echo typed > keys
	wait_for 10 has_lines serve.out 1
	assert_equal "$(cat serve.out)" typed
	kill -TERM "$client"
	wait_for 5 test -s status
	assert_equal "$(cat status)" 0
}

@test "a terminal on stdin: ^D at the start of a line ends the input, and rxws-connect with 0" {
	start_serve /dev/null serve.out serve.err -k -v /
	# The terminal stays open: only the ^D can end the input.
	printf 'last\n\004' | "$PY" "$PEERS/on_tty.py" pid status \
		rxws-connect "ws://127.0.0.1:$PORT/" > c.out 2> c.err &
	PIDS+=($!)
	wait_for 10 test -s pid
	PIDS+=($(cat pid))
	wait_for 10 test -s status
	assert_equal "$(cat status)" 0
	wait_for 10 has_lines serve.out 1
	assert_equal "$(cat serve.out)" last
}

@test "a stdin that cannot be read (a directory): exit 74, saying why" {
	start_serve /dev/null serve.out serve.err -k /
	run -74 --separate-stderr timeout 10 rxws-connect "ws://127.0.0.1:$PORT/" < "$T"
	assert_regex "$stderr" 'cannot read stdin: Is a directory'
}

@test "rxws-connect | head -1 exits at once, though the server sends nothing more" {
	open_fifo in
	start_serve in serve.out serve.err -v /
	( rxws-connect -r "ws://127.0.0.1:$PORT/" | head -n 1 > first ) 2> c.err &
	local pipeline=$!
	PIDS+=($pipeline)
	wait_for 10 has_clients serve.err 1
	echo only-one > in
	wait_for 10 has_lines first 1
	# head is gone: rxws-connect must notice its closed stdout by itself.
	wait_gone 5 "$pipeline"
	assert_equal "$(cat first)" only-one
	wait_for 10 contains serve.err 'disconnected'
}

@test "-c 3 exits 0 after three records" {
	seq 1 10 > in
	start_serve in serve.out serve.err --wait-clients 1 /
	run timeout 10 rxws-connect -r -c 3 "ws://127.0.0.1:$PORT/"
	assert_success
	assert_output "$(seq 1 3)"
}

@test "-c on rxws-serve exits after N records from clients" {
	start_serve /dev/null serve.out serve.err -k -c 2 /
	# The server ends the stream (1000) after two: the client's other
	# records were not delivered, and its exit status says so.
	run -75 --separate-stderr timeout 10 rxws-connect "ws://127.0.0.1:$PORT/" < <(seq 1 5)
	assert_regex "$stderr" 'records? (not sent|sent and not confirmed): the server ended the stream'
	wait_gone 10 "$SERVE_PID"
	wait_status "$SERVE_PID"
	assert_equal "$STATUS" 0
	assert_equal "$(cat serve.out)" "$(seq 1 2)"
}

@test "rxws-serve -c N confirms every record it took before it closes: the client that sent exactly N exits 0" {
	seq 1 200000 > in
	local turn
	# Its close used to overtake the acks of the last records written,
	# often enough that five runs would see it.
	for turn in 1 2 3 4 5; do
		start_serve /dev/null "serve$turn.out" "serve$turn.err" -r -c 200000 /
		run --separate-stderr timeout 30 rxws-connect "ws://127.0.0.1:$PORT/" < in
		[[ $status == 0 ]] || { echo "run $turn: $stderr" >&2; return 1; }
		wait_gone 10 "$SERVE_PID"
		wait_status "$SERVE_PID"
		assert_equal "$STATUS" 0
		assert_equal "$(wc -l < "serve$turn.out")" 200000
	done
}

@test "-W 1 exits 75 when the time is up" {
	start_serve /dev/null serve.out serve.err -k /
	local start ms
	start=$(now_ms)
	run timeout 10 rxws-connect -r -W 1 "ws://127.0.0.1:$PORT/"
	assert_failure 75
	assert_output --partial 'still running after 1 s (--timeout)'
	ms=$(elapsed_ms "$start")
	echo "# exited after $ms ms" >&3
	(( ms >= 990 && ms < 5000 ))
}

@test "--drain-timeout: records that cannot be delivered exit 75 with their count" {
	run timeout 10 rxws-connect --drain-timeout 0.5 --retry-delay 0.1 ws://127.0.0.1:1/ <<< "$(seq 1 3)"
	assert_failure 75
	assert_output --partial '3 records not delivered within --drain-timeout (0.5 s)'
}

@test "SIGUSR1 prints the counters on stderr and goes on" {
	start_serve /dev/null serve.out serve.err -k /
	open_fifo cin
	rxws-connect "ws://127.0.0.1:$PORT/" < cin > c.out 2> c.err &
	local client=$!
	PIDS+=($client)
	seq 1 4 > cin
	wait_for 10 has_lines serve.out 4
	kill -USR1 "$client"
	wait_for 10 contains c.err 'stdin 4 records (8 bytes, 0 bad): 4 delivered, 0 discarded, 0 dropped, 0 unconfirmed, 0 lost, 0 pending; sent 4 messages (4 bytes, 0 again)'
	echo 5 > cin
	wait_for 10 has_lines serve.out 5
	kill -0 "$client"
}

@test "a closed stdout on rxws-serve ends it with 0 and closes clients with 1001" {
	( rxws-serve -p 0 -k -v / < /dev/null 2> s2.err | head -n 1 > first ) &
	PIDS+=($!)
	wait_for 10 contains s2.err 'listening on port'
	local port
	port=$(sed -n 's/.*listening on port \([0-9]*\).*/\1/p' s2.err)
	run timeout 10 "$PY" "$PEERS/ws_client.py" --text one --text two "ws://127.0.0.1:$port/"
	assert_line 'close 1001'
	assert_equal "$(cat first)" one
}
