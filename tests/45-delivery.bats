#!/usr/bin/env bats
# Delivery you can count on: numbered streams through peers that are
# killed (SIGKILL), stopped past their ping timeout (SIGSTOP) and
# restarted, checked record by record; the exact account with peers that do
# not acknowledge; the exit summary's equation; signals.

load helpers

N=1000000
# Python peers take some 15,000 messages a second: fewer for them.
PY_N=200000

setup_file() {
	seq 1 "$N" > "$BATS_FILE_TMPDIR/numbers"
	seq 1 "$PY_N" > "$BATS_FILE_TMPDIR/py-numbers"
	"$PY" -c '
import sys
n = int(sys.argv[1])
with open(sys.argv[2], "w") as f:
    for i in range(1, n + 1):
        for tag in ("/a", "/b", "/c"):
            f.write(f"{tag}\t{i}\n")' 334000 "$BATS_FILE_TMPDIR/tagged"
}

NUMBERS=$BATS_FILE_TMPDIR/numbers
# Short keepalive, quick retries: faults are seen in well under a second.
FAST=(--ping-interval 0.3 --ping-timeout 0.3 --retry-delay 0.05 --retry-max 0.2 --connect-timeout 1)

# summary FILE: the last exit summary's counters, "read delivered
# discarded dropped unconfirmed lost pending".
summary() {
	sed -n 's/.*stdin \([0-9]*\) records ([^)]*): \([0-9]*\) delivered, \([0-9]*\) discarded, \([0-9]*\) dropped, \([0-9]*\) unconfirmed, \([0-9]*\) lost, \([0-9]*\) pending.*/\1 \2 \3 \4 \5 \6 \7/p' "$1" | tail -n 1
}

# equation_holds FILE: read = delivered + discarded + dropped + unconfirmed + lost, none pending.
equation_holds() {
	local read delivered discarded dropped unconfirmed lost pending
	read -r read delivered discarded dropped unconfirmed lost pending <<< "$(summary "$1")"
	[[ -n $read ]] || { echo "no summary in $1" >&2; return 1; }
	(( pending == 0 && read == delivered + discarded + dropped + unconfirmed + lost )) ||
		{ echo "unbalanced: $(summary "$1")" >&2; return 1; }
}

# resent FILE: how many messages a tool sent again (its summary).
resent() {
	sed -n 's/.*sent [0-9]* messages ([0-9]* bytes, \([0-9]*\) again).*/\1/p' "$1" | tail -n 1
}

# agrees LOG GOT: the summary in LOG claims no more than GOT, the records
# the receiver wrote, shows: delivered at most the distinct records in GOT,
# and GOT's duplicates at most the records LOG's tool sent again.
agrees() {
	local read delivered discarded dropped unconfirmed lost pending unique dups again
	read -r read delivered discarded dropped unconfirmed lost pending <<< "$(summary "$1")"
	[[ -n $read ]] || { echo "no summary in $1" >&2; return 1; }
	unique=$(sort -u "$2" | wc -l)
	dups=$(( $(wc -l < "$2") - unique ))
	again=$(resent "$1")
	(( delivered <= unique )) ||
		{ echo "$1 claims $delivered delivered; $2 has $unique records" >&2; return 1; }
	(( dups <= ${again:-0} )) ||
		{ echo "$2 has $dups duplicates; $1 sent ${again:-0} again" >&2; return 1; }
}

# serve_unix IN ERR [ARGS...]: rxws-serve on $T/sock reading IN, appending
# to got, logging to ERR (a background job's stdin must be given: it is
# /dev/null otherwise). Sets SERVE_PID.
serve_unix() {
	local in=$1 err=$2
	shift 2
	rxws-serve --unix "$T/sock" "$@" < "$in" >> got 2> "$err" &
	SERVE_PID=$!
	PIDS+=("$SERVE_PID")
}

@test "connect to serve, the server killed (SIGKILL) and restarted: every number, in order, duplicates only within --queue" {
	serve_unix /dev/null s1.err -r -k /
	local s1=$SERVE_PID
	wait_for 10 test -S "$T/sock"
	rxws-connect -v "${FAST[@]}" --unix "$T/sock" ws://localhost/ < "$NUMBERS" 2> c.err &
	local client=$!
	PIDS+=($client)
	wait_for 60 has_lines got 200000
	kill -KILL "$s1"
	wait_gone 10 "$s1"
	serve_unix /dev/null s2.err -r -k /
	wait_gone 120 "$client"
	wait_status "$client"
	assert_equal "$STATUS" 0
	run "$PY" "$PEERS/numbers.py" got "$N" --max-dup 1024
	assert_success
	equation_holds c.err
	agrees c.err got
	assert_equal "$(summary c.err | cut -d' ' -f1,2)" "$N $N"
	echo "# receiver killed: $output; sent again: $(resent c.err)" >&3
}

@test "connect to serve, the server stopped (SIGSTOP) past the ping timeout, then continued: every number once, in order" {
	serve_unix /dev/null s1.err -r -k /
	local s1=$SERVE_PID
	wait_for 10 test -S "$T/sock"
	rxws-connect -v "${FAST[@]}" --unix "$T/sock" ws://localhost/ < "$NUMBERS" 2> c.err &
	local client=$!
	PIDS+=($client)
	wait_for 60 has_lines got 200000
	kill -STOP "$s1"
	wait_for 10 contains c.err 'no answer to a ping'
	wait_for 10 contains c.err 'retrying'
	kill -CONT "$s1"
	wait_gone 120 "$client" || { tail -n 20 c.err s1.err >&2; false; }
	wait_status "$client"
	assert_equal "$STATUS" 0
	run "$PY" "$PEERS/numbers.py" got "$N"
	assert_success
	equation_holds c.err
	agrees c.err got
	assert_equal "$(summary c.err | cut -d' ' -f1,2)" "$N $N"
	echo "# receiver stopped: $output; sent again: $(resent c.err)" >&3
}

@test "serve to connect, the client killed (SIGKILL) and restarted with --session: every number, duplicates only within --queue" {
	serve_unix "$NUMBERS" s.err -v --wait-clients 1 --resume-timeout 30 /
	wait_for 10 test -S "$T/sock"
	rxws-connect -r --session fault-test --unix "$T/sock" ws://localhost/ >> got 2> c1.err &
	local c1=$!
	PIDS+=($c1)
	wait_for 60 has_lines got 200000
	kill -KILL "$c1"
	rxws-connect -r -v --session fault-test "${FAST[@]}" --unix "$T/sock" ws://localhost/ >> got 2> c2.err &
	local c2=$!
	PIDS+=($c2)
	wait_gone 120 "$SERVE_PID"
	wait_status "$SERVE_PID"
	assert_equal "$STATUS" 0
	wait_gone 10 "$c2"
	wait_status "$c2"
	assert_equal "$STATUS" 0
	run "$PY" "$PEERS/numbers.py" got "$N" --max-dup 1024
	assert_success
	equation_holds s.err
	agrees s.err got
	assert_equal "$(summary s.err | cut -d' ' -f1,2)" "$N $N"
	assert contains s.err 'resumed'
	echo "# receiver killed: $output; sent again: $(resent s.err)" >&3
}

@test "serve to connect, the client stopped (SIGSTOP) past the ping timeout, then continued: every number once, in order" {
	serve_unix "$NUMBERS" s.err -v --wait-clients 1 "${FAST[@]:0:4}" /
	wait_for 10 test -S "$T/sock"
	rxws-connect -r -v "${FAST[@]}" --unix "$T/sock" ws://localhost/ > got 2> c.err &
	local client=$!
	PIDS+=($client)
	wait_for 60 has_lines got 200000
	kill -STOP "$client"
	wait_for 10 contains s.err 'no answer to a ping'
	wait_for 10 contains s.err 'its session waits'
	kill -CONT "$client"
	wait_gone 120 "$SERVE_PID"
	wait_status "$SERVE_PID"
	assert_equal "$STATUS" 0
	wait_gone 10 "$client"
	run "$PY" "$PEERS/numbers.py" got "$N"
	assert_success
	equation_holds s.err
	agrees s.err got
	assert_equal "$(summary s.err | cut -d' ' -f1,2)" "$N $N"
	echo "# receiver stopped: $output; sent again: $(resent s.err)" >&3
}

@test "rxws-group over three paths, the server killed and restarted: each path's numbers, in order" {
	serve_unix /dev/null s1.err -r -k
	local s1=$SERVE_PID
	wait_for 10 test -S "$T/sock"
	rxws-group -v "${FAST[@]}" --unix "$T/sock" ws://localhost /a /b /c < "$BATS_FILE_TMPDIR/tagged" 2> g.err &
	local group=$!
	PIDS+=($group)
	wait_for 60 has_lines got 300000
	kill -KILL "$s1"
	wait_gone 10 "$s1"
	serve_unix /dev/null s2.err -r -k
	wait_gone 120 "$group"
	wait_status "$group"
	assert_equal "$STATUS" 0
	run "$PY" "$PEERS/numbers.py" got 334000 --max-dup 1024 --tags /a,/b,/c
	assert_success
	equation_holds g.err
	agrees g.err got
	assert_equal "$(summary g.err | cut -d' ' -f1,2)" "1002000 1002000"
	echo "# group, receiver killed: $(echo $output); sent again: $(resent g.err)" >&3
}

@test "serve to rxws-group over three paths, the group stopped past the ping timeout: each path's numbers once, in order" {
	# Half the records before the stop, half while stopped: the flood
	# cannot be over before the group stops, however fast the machine.
	head -n 501000 "$BATS_FILE_TMPDIR/tagged" > first
	tail -n +501001 "$BATS_FILE_TMPDIR/tagged" > second
	open_fifo feed
	serve_unix feed s.err -v --wait-clients 3 "${FAST[@]:0:4}"
	wait_for 10 test -S "$T/sock"
	rxws-group -r -v "${FAST[@]}" --unix "$T/sock" ws://localhost /a /b /c > got 2> g.err &
	local group=$! writer
	PIDS+=($group)
	cat first > feed
	wait_for 60 has_lines got 501000
	kill -STOP "$group"
	cat second > feed &
	writer=$!
	PIDS+=($writer)
	wait_for 10 contains s.err 'its session waits'
	kill -CONT "$group"
	wait_gone 60 "$writer"
	close_fifo
	wait_gone 120 "$SERVE_PID" || { tail -n 20 s.err g.err >&2; false; }
	wait_status "$SERVE_PID"
	assert_equal "$STATUS" 0
	run "$PY" "$PEERS/numbers.py" got 334000 --tags /a,/b,/c
	assert_success
	equation_holds s.err
	agrees s.err got
	assert_equal "$(summary s.err | cut -d' ' -f1,2)" "1002000 1002000"
	echo "# group, receiver stopped: $(echo $output); sent again: $(resent s.err)" >&3
}

@test "a python websockets server killed, then stopped: what rxws-connect calls unconfirmed covers what it lacks; exit 75" {
	"$PY" "$PEERS/ws_sink.py" server "$T/py.sock" got > py1.out &
	local py=$!
	PIDS+=($py)
	wait_for 10 test -S "$T/py.sock"
	# A python peer is slower: a longer ping timeout, lest a busy one be dropped.
	rxws-connect -v --ping-interval 0.5 --ping-timeout 1 --retry-delay 0.05 --retry-max 0.2 \
		--connect-timeout 1 --unix "$T/py.sock" ws://localhost/ < "$BATS_FILE_TMPDIR/py-numbers" 2> c.err &
	local client=$!
	PIDS+=($client)
	wait_for 60 has_lines got 50000
	kill -KILL "$py"
	wait_gone 10 "$py"
	rm -f "$T/py.sock"
	"$PY" "$PEERS/ws_sink.py" server "$T/py.sock" got > py2.out &
	py=$!
	PIDS+=($py)
	wait_for 60 has_lines got 120000
	kill -STOP "$py"
	wait_for 10 contains c.err 'no answer to a ping'
	kill -CONT "$py"
	wait_gone 120 "$client"
	wait_status "$client"
	assert_equal "$STATUS" 75
	assert contains c.err 'records not confirmed delivered'
	local unconfirmed missing
	unconfirmed=$(summary c.err | cut -d' ' -f5)
	missing=$(( PY_N - $(sort -un got | wc -l) ))
	echo "# python server killed and stopped: $missing missing, $unconfirmed unconfirmed" >&3
	# At most --queue in flight when a connection breaks, each time.
	local breaks
	breaks=$(grep -c 'sent on a connection that broke' c.err)
	echo "# ($breaks connections broke)" >&3
	(( missing <= unconfirmed ))
	(( unconfirmed <= breaks * 1024 ))
	(( unconfirmed > 0 ))
	equation_holds c.err
	run "$PY" "$PEERS/numbers.py" got "$PY_N"
	assert_failure	# the peer really lacks some
}

@test "rxws-serve to a python websockets client that is killed: unconfirmed and lost cover what it lacks; exit 75" {
	# Not FAST's keepalive: a python peer on a loaded machine can take more
	# than 0.3 s to answer a ping, and be dropped before it is killed (and
	# the connection that follows too); a killed one is seen at once anyway,
	# its socket closed.
	serve_unix "$BATS_FILE_TMPDIR/py-numbers" s.err -v --wait-clients 1 /
	wait_for 10 test -S "$T/sock"
	"$PY" "$PEERS/ws_sink.py" client ws://localhost/ got --unix "$T/sock" > py1.out &
	local py=$!
	PIDS+=($py)
	wait_for 60 has_lines got 50000
	kill -KILL "$py"
	"$PY" "$PEERS/ws_sink.py" client ws://localhost/ got --unix "$T/sock" > py2.out &
	PIDS+=($!)
	wait_gone 120 "$SERVE_PID"
	wait_status "$SERVE_PID"
	assert_equal "$STATUS" 75
	local read delivered discarded dropped unconfirmed lost pending missing
	read -r read delivered discarded dropped unconfirmed lost pending <<< "$(summary s.err)"
	missing=$(( PY_N - $(sort -un got | wc -l) ))
	echo "# python client killed: $missing missing; $unconfirmed unconfirmed, $lost lost, $discarded discarded" >&3
	(( missing <= unconfirmed + lost + discarded ))
	(( unconfirmed <= 1024 ))
	equation_holds s.err
}

@test "SIGTERM at random points of a flood: read = delivered + discarded + dropped + unconfirmed + lost, every time" {
	serve_unix /dev/null s.err -r -k /
	wait_for 10 test -S "$T/sock"
	local i client until
	for i in $(seq 1 20); do
		rm -f c.err	# the wait below must not see the last client's lines
		rxws-connect -v --unix "$T/sock" ws://localhost/ < "$NUMBERS" 2> c.err &
		client=$!
		# Signals are handled from the loop's set-up on (a SIGTERM
		# before it ends the process, with no summary: not our case).
		wait_for 10 eval "grep -q 'connected\\|stdin' c.err || ! kill -0 $client 2> /dev/null"
		# A random point: after 0 to about 1 s of sending.
		until=$(( $(now_ms) + RANDOM * 30 / 1000 ))
		wait_for 10 eval "(( \$(now_ms) >= $until ))"
		kill -TERM "$client" 2> /dev/null || true	# it may have finished
		wait_gone 20 "$client"
		equation_holds c.err
	done
	# And the server's side: a flood to a client, the server stopped.
	for i in $(seq 1 20); do
		rxws-serve --unix "$T/s$i" -v --wait-clients 1 / < "$NUMBERS" 2> s$i.err &
		local server=$!
		wait_for 10 test -S "$T/s$i"
		rxws-connect -r --unix "$T/s$i" ws://localhost/ > /dev/null 2>&1 &
		PIDS+=($!)
		until=$(( $(now_ms) + RANDOM * 30 / 1000 ))
		wait_for 10 eval "(( \$(now_ms) >= $until ))"
		kill -TERM "$server" 2> /dev/null || true
		wait_gone 20 "$server"
		equation_holds s$i.err
	done
}

@test "a second SIGTERM ends a tool whose stdout is blocked at once (within 1 s)" {
	# Records of 4 KiB: a pipe holds 16 of them.
	"$PY" -c 'import sys; sys.stdout.write(("x" * 4095 + "\n") * 5000)' > big
	start_serve big serve.out serve.err --wait-clients 1 /
	mkfifo out
	sleep 1000 < out &	# opens the pipe and never reads it
	PIDS+=($!)
	rxws-connect -r -v "ws://127.0.0.1:$PORT/" > out 2> c.err &
	local client=$!
	PIDS+=($client)
	# (SIGUSR1 before the client set up its handling of it would end it.)
	wait_for 10 contains c.err 'connected'
	# The pipe (64 KiB) is full, its writer blocked, long before 500 records came.
	wait_for 30 eval "kill -USR1 $client; sleep 0.05; grep -qE 'received [0-9]{3,} messages' c.err"
	kill -TERM "$client"
	wait_for 10 contains c.err 'signal received: closing'
	local t0 ms
	t0=$(now_ms)
	kill -TERM "$client"
	wait_gone 5 "$client"
	ms=$(elapsed_ms "$t0")
	echo "# gone $ms ms after the second SIGTERM" >&3
	(( ms < 1000 ))
	wait_status "$client"
	assert_equal "$STATUS" 143
	equation_holds c.err
}

@test "records discarded for want of a client are said (a line per path per second, with the count), exit 0" {
	run timeout 30 rxws-serve -p 0 / < "$NUMBERS"
	assert_success
	local said
	said=$(sed -n 's/.*warning: \([0-9]*\) records for \/ discarded: no client on the path/\1/p' <<< "$output" |
		awk '{ n += $1 } END { print n }')
	assert_equal "$said" "$N"
	(( $(grep -c 'discarded' <<< "$output") <= 5 ))
	run timeout 30 rxws-serve -p 0 -v / < "$NUMBERS"
	assert_line --partial "stdin $N records"
	assert_line --partial "0 delivered, $N discarded, 0 dropped, 0 unconfirmed, 0 lost, 0 pending"
}

@test "--no-ack: rxws tools speak plain RFC 6455; what a killed receiver lacks is unconfirmed, not resent" {
	# The first server's stdout stops after 200,000 lines: it cannot have
	# read (and so confirmed) the whole stream, however fast the machine.
	mkfifo out
	"$PY" -c '
import sys, time
with open("got", "a") as got:
    for _ in range(200000):
        got.write(sys.stdin.readline())
time.sleep(1000)' < out &
	local reader=$!
	PIDS+=($reader)
	rxws-serve --unix "$T/sock" -r -k --no-ack / < /dev/null > out 2> s1.err &
	local s1=$!
	PIDS+=($s1)
	wait_for 10 test -S "$T/sock"
	rxws-connect -v "${FAST[@]}" --unix "$T/sock" ws://localhost/ < "$NUMBERS" 2> c.err &
	local client=$!
	PIDS+=($client)
	wait_for 60 has_lines got 200000
	# Killed at a random moment, the server may have just answered the
	# ping after the last records sent to it, the client not yet sent
	# more: nothing would be unconfirmed. Stopped first, it answers no
	# more pings: the client, which sends on, gives up on it with records
	# in flight.
	kill -STOP "$s1"
	wait_for 10 contains c.err 'no answer to a ping'
	kill -KILL "$s1" "$reader"
	wait_gone 10 "$s1"
	serve_unix /dev/null s2.err -r -k --no-ack /
	wait_gone 120 "$client"
	wait_status "$client"
	assert_equal "$STATUS" 75
	refute contains c.err 'acknowledged'
	assert_equal "$(resent c.err)" 0
	# What its pongs confirmed, the killed server had read; it may not all
	# have reached its stdout (rxws(7), DELIVERY): the peer's own loss.
	local unconfirmed
	unconfirmed=$(summary c.err | cut -d' ' -f5)
	(( unconfirmed > 0 && unconfirmed <= 1024 ))
	run "$PY" "$PEERS/numbers.py" got "$N"
	assert_failure
}

@test "peers we did not write see plain frames: node ws gets exactly the records, no header of ours, no extra message" {
	need_node_modules ws
	seq 1 1000 > in
	start_serve in serve.out serve.err -v --wait-clients 1 /
	run timeout 20 node "$PEERS/ws_node.js" client "ws://127.0.0.1:$PORT/" --recv 1000
	assert_line 'open'
	assert_equal "$(grep -c '^text ' <<< "$output")" 1000
	assert_equal "$(grep '^text ' <<< "$output" | head -n 1)" 'text "1"'
	# Logged as it connected, before the records went.
	assert contains serve.err 'connected on /'
	refute contains serve.err 'acknowledged'
	# The other way: a node ws server gets the records as they were, and nothing else.
	node "$PEERS/ws_node.js" server port > node.out &
	PIDS+=($!)
	wait_for 10 test -s port
	run timeout 20 rxws-connect -v "ws://127.0.0.1:$(cat port)/x" < in
	assert_success
	wait_for 10 eval "(( \$(grep -c '^/x text' node.out) >= 1000 ))"
	assert_equal "$(grep -c '^/x ' node.out)" 1000
	refute_output --partial 'acknowledged'
	# The handshake: no Rxws-Delivery header goes to a peer that did not offer it.
	run curl -s -i --max-time 5 -H 'Connection: Upgrade' -H 'Upgrade: websocket' \
		-H 'Sec-WebSocket-Version: 13' -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' \
		"http://127.0.0.1:$PORT/"
	refute_output --partial 'Rxws-'
}

@test "an ack lost with its connection is sent again, unasked, on the resumed one" {
	serve_unix /dev/null s.err -v -r -k /
	wait_for 10 test -S "$T/sock"
	run "$PY" "$PEERS/delivery_peer.py" --unix "$T/sock" ack-again
	echo "$output"
	assert_success
	assert_line 'ok'
}

@test "connect to serve, the server stopped mid-stream while the client gives up on attempts, 50 times: no resumed stream stalls" {
	# Attempts the client abandons queue up at the stopped server, which
	# answers them all once continued: an ack sent on one of those, or on
	# a connection that then broke, was once never repeated, and a client
	# whose queue was full of records the server had waited for ever.
	local i client s writer
	seq 1 100000 > first
	seq 100001 200000 > second
	for i in $(seq 1 50); do
		rm -f got c.err "$T/sock" feed
		serve_unix /dev/null s$i.err -v -r -k "${FAST[@]:0:4}" /
		s=$SERVE_PID
		wait_for 10 test -S "$T/sock"
		# Half the stream before the stop, half while stopped: the flood
		# cannot be over before the stop, however fast the machine.
		open_fifo feed
		rxws-connect -v "${FAST[@]:0:8}" --connect-timeout 0.3 --unix "$T/sock" \
			ws://localhost/ < feed 2> c.err &
		client=$!
		PIDS+=($client)
		cat first > feed
		wait_for 30 has_lines got 20000
		kill -STOP "$s"
		cat second > feed &
		writer=$!
		PIDS+=($writer)
		# An attempt given up on while the server is stopped.
		wait_for 10 contains c.err 'no connection within'
		kill -CONT "$s"
		wait_gone 30 "$writer"
		close_fifo
		wait_gone 30 "$client" || { echo "run $i stalled" >&2; tail -n 5 c.err s$i.err >&2; false; }
		wait_status "$client"
		assert_equal "$STATUS" 0
		run "$PY" "$PEERS/numbers.py" got 200000
		assert_success
		equation_holds c.err
		agrees c.err got
		kill "$s"
		wait_gone 10 "$s"
	done
}

# slow_reader OUT: reads stdin at about 100 lines a second into OUT, and
# leaves the rest when killed (its pipe's writer may be killed first).
slow_reader() {
	"$PY" -c '
import sys, time
with open(sys.argv[1], "w") as out:
    for line in sys.stdin:
        out.write(line)
        out.flush()
        time.sleep(0.01)' "$1"
}

# big_numbers N: N numbered records of 1 KiB (a pipe holds 64 of them).
big_numbers() {
	seq -f %01023.0f 1 "$1"
}

@test "rxws-serve stopped by SIGTERM while an acknowledging client writes slowly: delivered is what the client wrote, the rest unconfirmed, exit 75" {
	big_numbers 1000 > in
	serve_unix in s.err -v --wait-clients 1 /
	wait_for 10 test -S "$T/sock"
	rxws-connect -r --unix "$T/sock" ws://localhost/ 2> c.err | slow_reader got &
	local pipeline=$!
	PIDS+=($pipeline)
	wait_for 30 has_lines got 50
	kill -TERM "$SERVE_PID"
	wait_gone 20 "$SERVE_PID"
	wait_status "$SERVE_PID"
	assert_equal "$STATUS" 75
	# The reader gets all the client wrote before it dies.
	pkill -KILL -f "rxws-connect -r --unix $T/sock" || true
	wait_gone 30 "$pipeline"
	equation_holds s.err
	agrees s.err got
	local read delivered discarded dropped unconfirmed lost pending
	read -r read delivered discarded dropped unconfirmed lost pending <<< "$(summary s.err)"
	echo "# the reader has $(lines got); the server: $delivered delivered, $unconfirmed unconfirmed" >&3
	(( unconfirmed > 0 ))
	assert contains s.err 'records not confirmed delivered'
}

@test "--drain-timeout with an acknowledging client that writes slowly: the error and the summary say the same, exit 75" {
	big_numbers 1000 > in
	serve_unix in s.err -v --wait-clients 1 --drain-timeout 1 /
	wait_for 10 test -S "$T/sock"
	rxws-connect -r --unix "$T/sock" ws://localhost/ 2> c.err | slow_reader got &
	local pipeline=$!
	PIDS+=($pipeline)
	wait_gone 30 "$SERVE_PID"
	wait_status "$SERVE_PID"
	assert_equal "$STATUS" 75
	pkill -KILL -f "rxws-connect -r --unix $T/sock" || true
	wait_gone 30 "$pipeline"
	equation_holds s.err
	agrees s.err got
	local read delivered discarded dropped unconfirmed lost pending said
	read -r read delivered discarded dropped unconfirmed lost pending <<< "$(summary s.err)"
	said=$(sed -n 's/.*error: \([0-9]*\) records\{0,1\} not delivered within --drain-timeout.*/\1/p' s.err)
	echo "# the reader has $(lines got); the server said $said not delivered; $delivered delivered, $unconfirmed unconfirmed, $lost lost" >&3
	assert_equal "$said" "$((unconfirmed + lost))"
	assert_equal "$delivered" "$((read - said))"
}

@test "--overflow close: a stuck client's queued records and the new one count as dropped, not delivered" {
	big_numbers 20000 > in
	serve_unix in s.err -v --wait-clients 2 /
	wait_for 10 test -S "$T/sock"
	rxws-connect -r --unix "$T/sock" ws://localhost/ > fast.out 2> fast.err &
	PIDS+=($!)
	# The stuck client's stdout is a pipe nobody reads until the end.
	rxws-connect -r --unix "$T/sock" ws://localhost/ 2> stuck.err |
		{ wait_for 120 test -e "$T/go"; cat > stuck.out; } &
	local stuck=$!
	PIDS+=($stuck)
	wait_gone 120 "$SERVE_PID"
	wait_status "$SERVE_PID"
	assert_equal "$STATUS" 0
	assert contains s.err 'is too slow (--queue 1024 full): closing with 1008'
	pkill -KILL -f "rxws-connect -r --unix $T/sock" || true
	touch "$T/go"
	wait_gone 30 "$stuck"
	equation_holds s.err
	local read delivered discarded dropped unconfirmed lost pending
	read -r read delivered discarded dropped unconfirmed lost pending <<< "$(summary s.err)"
	echo "# stuck client wrote $(lines stuck.out); the server: $delivered delivered, $dropped dropped" >&3
	# Delivered means both clients have it: the stuck one has few.
	(( delivered <= $(sort -u stuck.out | wc -l) + read - 1024 - 1 ))
	(( dropped >= 1025 ))
	(( delivered + dropped == read ))
}

@test "stdout's count is of records written: a second SIGTERM with stdout blocked, and a server's stdout never read" {
	big_numbers 2000 > in
	start_serve in serve.out serve.err --wait-clients 1 /
	# stdout: a pipe read only once the test says (go), all at once.
	mkfifo out
	{ wait_for 120 test -e "$T/go"; cat > got; } < out &
	local reader=$!
	PIDS+=($reader)
	rxws-connect -r -v "ws://127.0.0.1:$PORT/" > out 2> c.err &
	local client=$!
	PIDS+=($client)
	wait_for 10 contains c.err 'connected'
	wait_for 30 eval "kill -USR1 $client; sleep 0.05; grep -qE 'received [0-9]{3,} messages' c.err"
	kill -TERM "$client"
	wait_for 10 contains c.err 'signal received: closing'
	kill -TERM "$client"
	wait_gone 5 "$client"
	touch "$T/go"
	wait_gone 10 "$reader"
	# What the pipe held is what the summary says was written, no more.
	local written
	written=$(sed -n 's/.*stdout \([0-9]*\) records.*/\1/p' c.err | tail -n 1)
	echo "# the client wrote $(lines got) records, and says $written" >&3
	assert_equal "$(lines got)" "$written"
	(( written < 2000 ))
	assert contains c.err "records received and not written to stdout"

	# rxws-serve -r into a pipe nobody reads: SIGTERM twice.
	rm -f "$T/go"
	mkfifo sout
	{ wait_for 120 test -e "$T/go"; cat > sgot; } < sout &
	reader=$!
	PIDS+=($reader)
	rxws-serve --unix "$T/sock2" -r -v / > sout 2> s2.err &
	local server=$!
	PIDS+=($server)
	wait_for 10 test -S "$T/sock2"
	rxws-connect --unix "$T/sock2" ws://localhost/ < in 2> c2.err &
	PIDS+=($!)
	wait_for 30 eval "kill -USR1 $server; sleep 0.05; grep -qE 'received [0-9]{3,} messages' s2.err"
	kill -TERM "$server"
	wait_for 10 contains s2.err 'signal received: closing'
	kill -TERM "$server"
	wait_gone 5 "$server"
	touch "$T/go"
	wait_gone 10 "$reader"
	written=$(sed -n 's/.*stdout \([0-9]*\) records.*/\1/p' s2.err | tail -n 1)
	echo "# the server wrote $(lines sgot) records, and says $written" >&3
	assert_equal "$(lines sgot)" "$written"
}

@test "a receiving client killed (SIGKILL) again and again with a slow stdout leaves only whole records behind" {
	"$PY" -c '
for i in range(1, 100001):
    print("%d %s" % (i, "x" * (i % 300)))' > in
	serve_unix in s.err -v --wait-clients 1 --resume-timeout 30 /
	wait_for 10 test -S "$T/sock"
	local k pipeline before
	for k in $(seq 1 8); do
		before=$(lines got)
		rxws-connect -r --session frag --unix "$T/sock" ws://localhost/ 2>> c.err |
			"$PY" -c '
import os, sys, time
with open("got", "ab", buffering=0) as out:
    while True:
        b = os.read(0, 3000)
        if not b:
            break
        out.write(b)
        time.sleep(0.002)' &
		pipeline=$!
		PIDS+=($pipeline)
		wait_for 30 eval "(( \$(lines got) >= $before + 2000 ))"
		pkill -KILL -f "rxws-connect -r --session frag" || true
		wait_gone 30 "$pipeline"
	done
	rxws-connect -r --session frag --unix "$T/sock" ws://localhost/ >> got 2>> c.err
	wait_gone 60 "$SERVE_PID"
	# Every line whole: its number, then as many x as the number says.
	run "$PY" -c '
bad = 0
for line in open("got", "rb"):
    n, _, xs = line.rstrip(b"\n").partition(b" ")
    if not n.isdigit() or xs != b"x" * (int(n) % 300):
        bad += 1
        print("not whole:", line[:60])
print("fragments:", bad)
exit(1 if bad else 0)'
	echo "$output" | tail -n 3
	assert_success
	run "$PY" "$PEERS/numbers.py" <(cut -d' ' -f1 got) 100000 --max-dup 100000
	assert_success
}

@test "a client away comes back while rxws-serve drains at the end of its input, and gets what it lacks" {
	open_fifo feed
	serve_unix feed s.err -v --wait-clients 1 "${FAST[@]:0:4}" /
	wait_for 10 test -S "$T/sock"
	rxws-connect -r -v "${FAST[@]}" --unix "$T/sock" ws://localhost/ > got 2> c.err &
	local client=$!
	PIDS+=($client)
	seq 1 100 > feed
	wait_for 10 has_lines got 100
	kill -STOP "$client"
	wait_for 10 contains s.err 'its session waits'
	seq 101 500 > feed
	close_fifo
	wait_for 10 contains s.err 'end of input'
	kill -CONT "$client"
	wait_gone 20 "$SERVE_PID" || { cat s.err >&2; false; }
	wait_status "$SERVE_PID"
	assert_equal "$STATUS" 0
	refute contains s.err 'shutting down'
	wait_gone 10 "$client"
	run "$PY" "$PEERS/numbers.py" got 500
	assert_success
	equation_holds s.err
	agrees s.err got
}

@test "a record the server refuses for good (1009) is given up at once, named, and the stream goes on" {
	serve_unix /dev/null s.err -v -r -k --max-size 100 /
	wait_for 10 test -S "$T/sock"
	{ seq 1 4; printf '%0300d\n' 5; seq 6 10; } > in
	local t0
	t0=$(now_ms)
	run rxws-connect -v --drain-timeout 20 --retry-delay 0.05 --unix "$T/sock" ws://localhost/ < in
	echo "$output"
	# Not after --drain-timeout: at once.
	(( $(elapsed_ms "$t0") < 10000 ))
	assert_equal "$status" 75
	assert_line --partial 'stdin record 5 (300 bytes) refused with 1009 (message too big): not sent again'
	assert_line --partial '9 delivered, 0 discarded, 0 dropped, 0 unconfirmed, 1 lost, 0 pending'
	wait_for 10 has_lines got 9
	assert_equal "$(tr '\n' ' ' < got)" "1 2 3 4 6 7 8 9 10 "
}

@test "a record the client refuses for good (1009) is given up by rxws-serve, named, and the stream goes on" {
	{ seq 1 4; printf '%0300d\n' 5; seq 6 10; } > in
	serve_unix in s.err -v --wait-clients 1 /
	wait_for 10 test -S "$T/sock"
	rxws-connect -r -v --max-size 100 --retry-delay 0.05 --unix "$T/sock" ws://localhost/ > got 2> c.err &
	local client=$!
	PIDS+=($client)
	wait_gone 20 "$SERVE_PID" || { cat s.err c.err >&2; false; }
	wait_status "$SERVE_PID"
	assert_equal "$STATUS" 75
	assert contains s.err 'stdin record 5 (300 bytes) refused with 1009 (message too big): not sent again'
	assert_equal "$(summary s.err)" "10 9 0 0 0 1 0"
	wait_gone 10 "$client"
	assert_equal "$(tr '\n' ' ' < got)" "1 2 3 4 6 7 8 9 10 "
}

@test "records past --count are acknowledged only with the records written before them" {
	# 1 KiB records: a pipe holds 64 of them. The client takes 100
	# (--count) and consumes the rest, which it may acknowledge only once
	# the 100 are written: its stdout is never read, and it is killed.
	big_numbers 300 > in
	serve_unix in s.err -v --wait-clients 1 -k /
	wait_for 10 test -S "$T/sock"
	mkfifo out
	{ wait_for 120 test -e "$T/go"; cat > got; } < out &
	local reader=$!
	PIDS+=($reader)
	rxws-connect -r -c 100 -v --unix "$T/sock" ws://localhost/ > out 2> c.err &
	local client=$!
	PIDS+=($client)
	# (SIGUSR1 before the client set up its handling of it would end it.)
	wait_for 10 contains c.err 'connected'
	wait_for 30 eval "kill -USR1 $client; sleep 0.05; grep -q 'received 300 messages' c.err"
	kill -KILL "$client"
	kill -TERM "$SERVE_PID"
	wait_gone 20 "$SERVE_PID"
	touch "$T/go"
	wait_gone 10 "$reader"
	equation_holds s.err
	agrees s.err got
	echo "# the reader has $(lines got); the server: $(summary s.err)" >&3
}
