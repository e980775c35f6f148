#!/usr/bin/env bats
# Flow control and hardening: slow peers, a slow stdout, dead links,
# idle and churning connections, memory and files that stay bounded.

load helpers

# peak_rss PID OUT: samples the peak resident memory (KiB) of PID into OUT
# until it exits; run it in the background.
peak_rss() {
	local pid=$1 out=$2 v
	while v=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status" 2>/dev/null) && [[ -n $v ]]; do
		echo "$v" > "$out"
		sleep 0.02
	done
}

rss_of() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
hwm_of() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }
fds_of() { ls "/proc/$1/fd" | wc -l; }

# slow_broadcast POLICY SIZE: rxws-serve broadcasts SIZE random bytes to a
# normal client and to one that stalls; sets SLOW (its output file).
slow_broadcast() {
	local policy=$1 size=$2
	head -c "$size" /dev/urandom > data
	start_serve data serve.out serve.err -v --bytes --chunk-size 64k --queue 64 \
		--overflow "$policy" --wait-clients 2 /
	peak_rss "$SERVE_PID" serve.peak &
	"$PY" "$PEERS/ws_client.py" --stall-until resume --count-only "ws://127.0.0.1:$PORT/" > slow.out &
	PIDS+=($!)
	wait_for 10 has_clients serve.err 1
	timeout 120 rxws-connect --bytes -r "ws://127.0.0.1:$PORT/" > normal.out &
	NORMAL=$!
	PIDS+=($NORMAL)
}

@test "a client that stalls while rxws-serve broadcasts 200 MB: closed with 1008, the other gets all, memory bounded" {
	slow_broadcast close 200000000
	wait_for 30 contains serve.err 'is too slow (--queue 64 full): closing with 1008'
	touch resume
	wait "$NORMAL"
	[ "$(sha256sum < normal.out)" = "$(sha256sum < data)" ]
	wait_for 20 contains slow.out close
	assert contains slow.out '^close 1008$'
	wait_gone 20 "$SERVE_PID"
	kib_below "$(cat serve.peak)" 65536
}

@test "--overflow drop-oldest: the stalled client loses counted records, the other gets all" {
	slow_broadcast drop-oldest 50000000
	wait_for 30 contains serve.err 'queue full (--queue 64): dropping the oldest records'
	wait_for 60 contains serve.err 'end of input'
	touch resume
	wait "$NORMAL"
	[ "$(sha256sum < normal.out)" = "$(sha256sum < data)" ]
	wait_for 60 contains slow.out close
	# -v: the counters at exit.
	wait_gone 20 "$SERVE_PID"
	local dropped
	dropped=$(sed -n 's/.*, \([0-9]*\) dropped,.*/\1/p' serve.err | tail -n 1)
	(( dropped > 0 ))
	# What the stalled one got plus what was dropped for it is everything.
	local got
	got=$(sed -n 's/got \([0-9]*\) messages.*/\1/p' slow.out)
	local total=$(( (50000000 + 65535) / 65536 ))
	(( got + dropped == total ))
	kib_below "$(cat serve.peak)" 65536
}

@test "--overflow block: the stalled client is waited for, and everyone gets everything" {
	slow_broadcast block 20000000
	wait_for 10 has_clients serve.err 2
	# Blocked: stdin is not read on while the stalled client is full. No
	# event says so: the flow to the other client stops short of the end
	# (a server that read on would send all 20 MB in well under a second).
	wait_for 30 test -s normal.out
	wait_still 60 1000 stat -c %s normal.out
	local held
	held=$(stat -c %s normal.out)
	echo "# the flow stopped at $held bytes of 20000000" >&3
	(( held < 20000000 ))
	refute contains serve.err 'end of input'
	touch resume
	wait_for 60 contains slow.out close
	wait "$NORMAL"
	[ "$(sha256sum < normal.out)" = "$(sha256sum < data)" ]
	assert contains slow.out "got $(( (20000000 + 65535) / 65536 )) messages, 20000000 bytes"
}

@test "a slow stdout: rxws-connect stops reading the network, stays small, and writes all 200 MB" {
	head -c 200000000 /dev/urandom > data
	start_serve data serve.out serve.err --bytes --chunk-size 64k --overflow close --wait-clients 1 /
	( rxws-connect --bytes -r "ws://127.0.0.1:$PORT/" 2> c.err | { sleep 5; cat > out; } ) &
	local pipeline=$!
	PIDS+=($pipeline)
	local client
	wait_for 10 eval 'client=$(pgrep -f "rxws-connect --bytes -r ws://127.0.0.1:$PORT/")'
	peak_rss "$client" peak &
	wait "$pipeline"
	[ "$(sha256sum < out)" = "$(sha256sum < data)" ]
	kib_below "$(cat peak)" 65536
	refute contains serve.err 'too slow'
}

@test "a SIGSTOPped server is found dead by ping, and the client reconnects once it goes on" {
	open_fifo sin
	start_unix_serve sin /dev/null serve.err -v /
	local server=$SERVE_PID
	rxws-connect -v -r --unix "$T/sock" --ping-interval 0.5 --ping-timeout 0.5 \
		--retry-delay 0.1 --retry-max 0.5 --connect-timeout 1 ws://localhost/ > c.out 2> c.err &
	PIDS+=($!)
	wait_for 10 has_clients serve.err 1
	kill -STOP "$server"
	local start ms
	start=$(now_ms)
	wait_for 10 contains c.err 'no answer to a ping in 0.5 s: dropping the connection'
	ms=$(elapsed_ms "$start")
	echo "# dropped $ms ms after SIGSTOP" >&3
	(( ms <= 3000 ))
	kill -CONT "$server"
	wait_for 20 has_count c.err ': info: connected' 2
	echo after > sin
	wait_for 10 contains c.out after
}

@test "a SIGSTOPped client is dropped by the server within --ping-interval + --ping-timeout" {
	start_serve /dev/null serve.out serve.err -k -v --ping-interval 0.5 --ping-timeout 0.5 /
	rxws-connect -r --ping-interval 0 "ws://127.0.0.1:$PORT/" > c.out 2> c.err &
	local client=$!
	PIDS+=($client)
	wait_for 10 has_clients serve.err 1
	kill -STOP "$client"
	local start ms
	start=$(now_ms)
	wait_for 10 contains serve.err 'no answer to a ping in 0.5 s: dropping the connection'
	# Its session waits for it (rxws-connect acknowledges): the connection is gone.
	wait_for 10 contains serve.err 'is gone from /: its session waits'
	ms=$(elapsed_ms "$start")
	echo "# gone $ms ms after SIGSTOP" >&3
	(( ms <= 3000 ))
	kill -CONT "$client"
}

@test "a peer that connects and sends nothing is dropped within --handshake-timeout" {
	start_serve /dev/null serve.out serve.err -k --handshake-timeout 1 /
	local start ms
	start=$(now_ms)
	run timeout 10 "$PY" -c "
import socket, sys
s = socket.create_connection(('127.0.0.1', int(sys.argv[1])))
print(s.recv(10))" "$PORT"
	assert_output "b''"
	ms=$(elapsed_ms "$start")
	echo "# dropped $ms ms after it connected" >&3
	# libwebsockets looks at its timeouts once a second: 1 to 2 s.
	(( ms >= 900 && ms <= 4000 ))
}

@test "2,000 connections opened and closed: memory and open files come back" {
	start_serve /dev/null serve.out serve.err -k /
	timeout 60 "$PY" "$PEERS/churn.py" "ws://127.0.0.1:$PORT/" 200
	local rss0 fds0
	rss0=$(rss_of "$SERVE_PID")
	fds0=$(fds_of "$SERVE_PID")
	run timeout 120 "$PY" "$PEERS/churn.py" "ws://127.0.0.1:$PORT/" 2000
	assert_output 'done 2000'
	assert_equal "$(fds_of "$SERVE_PID")" "$fds0"
	kib_below "$(rss_of "$SERVE_PID")" $(( rss0 + 513 ))
	kill -USR1 "$SERVE_PID"
	wait_for 10 contains serve.err 'clients 0 now, 2200 in all'
}

@test "idle clients cost little: 1,000 of them under 16 KiB each" {
	start_serve /dev/null serve.out serve.err -k /
	local rss0
	rss0=$(rss_of "$SERVE_PID")
	"$PY" "$PEERS/churn.py" --idle 60 "ws://127.0.0.1:$PORT/" 1000 > idle.out &
	PIDS+=($!)
	wait_for 60 contains idle.out 'open 1000'
	local per=$(( ($(rss_of "$SERVE_PID") - rss0) / 1000 ))
	echo "# $per KiB per idle client" >&3
	kib_below "$per" 16
}

@test "the open-file limit is raised to the hard limit at start" {
	prlimit --nofile=64:4096 rxws-serve -p 0 -k / < /dev/null 2> serve.err &
	local server=$!
	PIDS+=($server)
	wait_for 10 contains serve.err 'listening on port'
	assert_equal "$(awk '/Max open files/ { print $4 }' "/proc/$server/limits")" 4096
}

@test "valgrind: a server that served 1,000 short connections ends with no leak and no error" {
	valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
		--log-file=vg.log "$PLAIN_DIR/rxws-serve" -p 0 -k / < /dev/null 2> serve.err &
	local server=$!
	PIDS+=($server)
	wait_for 60 contains serve.err 'listening on port'
	local port
	port=$(sed -n 's/.*listening on port \([0-9]*\).*/\1/p' serve.err)
	run timeout 180 "$PY" "$PEERS/churn.py" -k 10 "ws://127.0.0.1:$port/" 1000
	assert_output 'done 1000'
	kill -TERM "$server"
	wait_status "$server"
	assert_equal "$STATUS" 0
	assert contains vg.log 'ERROR SUMMARY: 0 errors'
	assert grep -qE 'definitely lost: 0 bytes|All heap blocks were freed' vg.log
}

@test "keepalive keeps quiet, healthy peers: pings are answered both ways" {
	start_serve /dev/null serve.out serve.err -k -v --ping-interval 0.3 --ping-timeout 0.3 /
	"$PY" "$PEERS/ws_client.py" "ws://127.0.0.1:$PORT/" > py.out &
	PIDS+=($!)
	rxws-connect -v -r --ping-interval 0.3 --ping-timeout 0.3 "ws://127.0.0.1:$PORT/" > c.out 2> c.err &
	local client=$!
	PIDS+=($client)
	wait_for 10 has_clients serve.err 2
	# Many ping periods, as the server's counters see them.
	local deadline=$(($(now_ms) + 3000))
	until (($(now_ms) >= deadline)); do
		refute contains serve.err 'no answer to a ping'
		refute contains c.err 'no answer to a ping'
		sleep 0.1
	done
	# What the server did in that time is in its log by now.
	refusal_barrier serve.err "ws://127.0.0.1:$PORT/barrier"
	refute contains serve.err 'no answer to a ping'
	refute contains serve.err 'disconnected'
	kill -0 "$client"
}
