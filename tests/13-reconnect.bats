#!/usr/bin/env bats
# Clients that keep themselves connected: reconnect, backoff, giving up.

load helpers

# retry_delays FILE: the waits a client logged, in order, one per line.
retry_delays() {
	sed -n 's/.*retrying in \([0-9.]*\) s.*/\1/p' "$1"
}

@test "the server is killed and restarted: queued records arrive once, in order, with growing retry delays" {
	start_unix_serve /dev/null recv s1.err -k -v /
	local s1=$SERVE_PID
	open_fifo in
	rxws-connect -v --unix "$T/sock" --retry-delay 0.1 --retry-max 10 ws://localhost/ < in > c.out 2> c.err &
	local client=$!
	PIDS+=($client)
	seq 1 100 > in
	wait_for 10 has_lines recv 100
	kill -KILL "$s1"
	wait_for 10 contains c.err 'connection lost'
	seq 101 200 > in
	wait_for 15 eval '(( $(retry_delays c.err | wc -l) >= 4 ))'
	rxws-serve --unix "$T/sock" -k -v / < /dev/null >> recv 2> s2.err &
	PIDS+=($!)
	wait_for 30 has_lines recv 200
	close_fifo
	wait_gone 10 "$client"
	wait_status "$client"
	assert_equal "$STATUS" 0
	assert_equal "$(cat recv)" "$(seq 1 200)"
	# Each wait is longer than the one before.
	retry_delays c.err | awk 'NR > 1 && $1 <= prev { bad = 1 } { prev = $1 } END { exit bad }'
	# The first is --retry-delay less up to a quarter of jitter.
	retry_delays c.err | head -n 1 | awk '{ exit !($1 >= 0.07 && $1 <= 0.10) }'
}

@test "a server restart (close 1001) is ridden out: the client comes back and goes on" {
	open_fifo sin
	start_unix_serve sin /dev/null s1.err -v /
	local s1=$SERVE_PID
	rxws-connect -v -r --unix "$T/sock" --retry-delay 0.1 ws://localhost/ > c.out 2> c.err &
	PIDS+=($!)
	wait_for 10 has_clients s1.err 1
	echo before > sin
	wait_for 10 has_lines c.out 1
	kill -TERM "$s1"
	wait_for 10 contains c.err 'closed by the server (1001)'
	close_fifo
	seq 1 3 > in2
	rxws-serve --unix "$T/sock" -v --wait-clients 1 / < in2 > /dev/null 2> s2.err &
	PIDS+=($!)
	wait_for 20 has_lines c.out 4
	assert_equal "$(cat c.out)" "$(printf 'before\n1\n2\n3')"
}

@test "--retries: giving up after N failed retries in a row exits 69 and says so" {
	run timeout 10 rxws-connect -r --retries 2 --retry-delay 0.01 ws://127.0.0.1:1/
	assert_failure 69
	assert_output --partial 'gave up after 3 attempts'
}

@test "--retries with records queued: exit 69 and the count of undelivered records" {
	run timeout 10 rxws-connect --retries 1 --retry-delay 0.5 ws://127.0.0.1:1/ <<< 'lost'
	assert_failure 69
	assert_output --partial '1 record not delivered'
}

@test "--connect-timeout bounds an attempt whose handshake never comes" {
	"$PY" -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1])
time.sleep(60)' port &
	PIDS+=($!)
	wait_for 10 test -s port
	local start ms
	start=$(now_ms)
	run timeout 20 rxws-connect -r --connect-timeout 0.5 --retries 1 --retry-delay 0.1 "ws://127.0.0.1:$(cat port)/"
	assert_failure 69
	assert_output --partial 'no connection within 0.5 s (--connect-timeout)'
	ms=$(elapsed_ms "$start")
	echo "# gave up after $ms ms" >&3
	# Two attempts of 0.5 s and a delay: about 1.1 s.
	(( ms >= 1000 && ms < 8000 ))
}

@test "a busy port: rxws-serve exits 69 and says why" {
	start_serve /dev/null serve.out serve.err -k /
	run rxws-serve -p "$PORT" / < /dev/null
	assert_failure 69
	assert_output --partial "cannot listen on 127.0.0.1 port $PORT: Address already in use"
}

@test "a unix socket a live server holds is not taken over" {
	start_unix_serve /dev/null /dev/null serve.err -k /
	run rxws-serve --unix "$T/sock" / < /dev/null
	assert_failure 69
	assert_output --partial 'another server is listening there'
}

# first_delays FILE: the first wait each source logged, one per line.
first_delays() {
	sed -n 's/^\(.*\): info: .*retrying in \([0-9.]*\) s.*/\1 \2/p' "$1" |
		awk '!seen[$1]++ { print $2 }'
}

@test "jitter from the first retry: 8 paths of one rxws-group do not all wait the same" {
	rxws-group -v -r --retry-delay 10 ws://127.0.0.1:1 /p1 /p2 /p3 /p4 /p5 /p6 /p7 /p8 2> g.err &
	PIDS+=($!)
	wait_for 10 eval '(( $(first_delays g.err | wc -l) == 8 ))'
	first_delays g.err > firsts
	# Each is --retry-delay less up to a quarter.
	awk '$1 < 7.5 || $1 > 10 { bad = 1 } END { exit bad }' firsts
	(( $(sort -u firsts | wc -l) > 1 ))
}

@test "jitter from the first retry: two rxws-connect started together wait differently" {
	local differ=0
	for i in 1 2 3 4 5; do
		rm -f a.err b.err	# the waits must not see the last pair's lines
		rxws-connect -v -r --retry-delay 10 ws://127.0.0.1:1/ 2> a.err &
		local a=$!
		rxws-connect -v -r --retry-delay 10 ws://127.0.0.1:1/ 2> b.err &
		local b=$!
		PIDS+=($a $b)
		wait_for 10 contains a.err 'retrying in'
		wait_for 10 contains b.err 'retrying in'
		kill "$a" "$b"
		[[ $(first_delays a.err) != "$(first_delays b.err)" ]] && differ=$((differ + 1))
		awk '$1 < 7.5 || $1 > 10 { bad = 1 } END { exit bad }' <(first_delays a.err)
	done
	echo "# $differ of 5 pairs differ" >&3
	(( differ > 0 ))
}
