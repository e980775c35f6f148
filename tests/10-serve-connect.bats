#!/usr/bin/env bats
# Records between rxws-serve and rxws-connect: order, completeness,
# broadcast per path, tagging in multi-path mode.

load helpers

@test "10,000 numbered lines go from rxws-serve to rxws-connect whole and in order" {
	seq 1 10000 > in
	start_serve in serve.out serve.err --wait-clients 1 /
	run timeout 20 rxws-connect -r "ws://127.0.0.1:$PORT/"
	assert_success
	[ "$output" = "$(cat in)" ]
	wait_gone 10 "$SERVE_PID"
	wait "$SERVE_PID"
}

@test "10,000 numbered lines go from rxws-connect to rxws-serve whole and in order" {
	start_serve /dev/null serve.out serve.err -k /
	seq 1 10000 > in
	run timeout 20 rxws-connect "ws://127.0.0.1:$PORT/" < in
	assert_success
	wait_for 10 has_lines serve.out 10000
	cmp serve.out in
}

@test "broadcast: three clients on /a get every record, a client on /b none of them" {
	open_fifo in
	start_serve in serve.out serve.err -v
	for i in 1 2 3; do
		rxws-connect -r "ws://127.0.0.1:$PORT/a" > "a$i" 2> "a$i.err" &
		PIDS+=($!)
	done
	rxws-connect -r "ws://127.0.0.1:$PORT/b" > b 2> b.err &
	PIDS+=($!)
	wait_for 10 has_clients serve.err 4
	for i in $(seq 1 100); do printf '/a\trecord %d\n' "$i" > in; done
	printf '/b\tlast\n' > in
	for i in 1 2 3; do wait_for 10 has_lines "a$i" 100; done
	wait_for 10 has_lines b 1
	seq 1 100 | sed 's/^/record /' > expected
	for i in 1 2 3; do cmp "a$i" expected; done
	[ "$(cat b)" = last ]
}

@test "multi-path: tagged stdin records reach their path; client messages come out tagged" {
	open_fifo in
	start_serve in serve.out serve.err -v
	rxws-connect -r "ws://127.0.0.1:$PORT/x" > x 2> x.err &
	PIDS+=($!)
	rxws-connect -r "ws://127.0.0.1:$PORT/y/z?q=1" > y 2> y.err &
	PIDS+=($!)
	wait_for 10 has_clients serve.err 2
	printf '/x\tfor x\n/y/z\tfor y\n/nobody\tlost\n/x\tagain x\n' > in
	wait_for 10 has_lines x 2
	wait_for 10 has_lines y 1
	[ "$(cat x)" = "$(printf 'for x\nagain x')" ]
	[ "$(cat y)" = "for y" ]

	echo "from a client" | rxws-connect "ws://127.0.0.1:$PORT/talk/here"
	wait_for 10 has_lines serve.out 1
	[ "$(cat serve.out)" = "$(printf '/talk/here\tfrom a client')" ]
}

@test "single-path mode refuses a handshake for another path with HTTP 404, and logs it" {
	start_serve /dev/null serve.out serve.err -k /only
	run "$PY" "$PEERS/ws_client.py" "ws://127.0.0.1:$PORT/other"
	assert_output "refused 404"
	assert [ "$(count_of serve.err 'refused /other: path not served')" = 1 ]
	run "$PY" "$PEERS/ws_client.py" --recv 0 "ws://127.0.0.1:$PORT/only"
	assert_line open
}

@test "--allow-path limits the paths of a multi-path server" {
	start_serve /dev/null serve.out serve.err -k --allow-path '/pub/*' --allow-path /status
	run "$PY" "$PEERS/ws_client.py" --recv 0 "ws://127.0.0.1:$PORT/pub/news"
	assert_line open
	run "$PY" "$PEERS/ws_client.py" --recv 0 "ws://127.0.0.1:$PORT/status"
	assert_line open
	run "$PY" "$PEERS/ws_client.py" "ws://127.0.0.1:$PORT/private"
	assert_output "refused 404"
}

@test "--max-clients refuses the client beyond N with HTTP 503" {
	start_serve /dev/null serve.out serve.err -k -v --max-clients 2 /
	rxws-connect -r "ws://127.0.0.1:$PORT/" > c1 2>&1 &
	PIDS+=($!)
	rxws-connect -r "ws://127.0.0.1:$PORT/" > c2 2>&1 &
	PIDS+=($!)
	wait_for 10 has_clients serve.err 2
	run "$PY" "$PEERS/ws_client.py" "ws://127.0.0.1:$PORT/"
	assert_output "refused 503"
}

@test "--wait-clients holds stdin until N clients are on" {
	seq 1 5 > in
	start_serve in serve.out serve.err -v --wait-clients 2 /
	rxws-connect -r "ws://127.0.0.1:$PORT/" > c1 2> c1.err &
	PIDS+=($!)
	wait_for 10 has_clients serve.err 1
	# Past the first client's arrival, where "reading stdin" would be logged.
	refusal_barrier serve.err "ws://127.0.0.1:$PORT/barrier"
	refute contains serve.err 'reading stdin'
	run timeout 10 rxws-connect -r "ws://127.0.0.1:$PORT/"
	assert_success
	assert_output "$(seq 1 5)"
	wait_for 10 has_lines c1 5
	[ "$(cat c1)" = "$(seq 1 5)" ]
}

@test "a client that sends nothing still exits at the end of its stdin" {
	start_serve /dev/null serve.out serve.err -k /
	run timeout 10 rxws-connect "ws://127.0.0.1:$PORT/" < /dev/null
	assert_success
}

@test "the end of stdin delivers what is queued to every client, then closes with 1000" {
	seq 1 3 > in
	start_serve in serve.out serve.err --wait-clients 1 /
	run timeout 10 "$PY" "$PEERS/ws_client.py" "ws://127.0.0.1:$PORT/"
	assert_success
	assert_output "$(printf "open\ntext '1'\ntext '2'\ntext '3'\nclose 1000")"
	wait_gone 10 "$SERVE_PID"
	wait "$SERVE_PID"
}
