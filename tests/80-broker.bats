#!/usr/bin/env bats
# rxws-serve --broker: many members serve one set of paths through Redis.
# Each test starts its own redis-server (start_redis) and stops it by PID.

load helpers

setup_file() {
	command -v redis-server >/dev/null || skip "redis-server is missing (scripts/setup-deps)"
}

declare -gA MPID MPORT

# start_member NAME IN [ARGS...]: rxws-serve -v --broker $REDIS_URL on a
# free port, stdin IN, NAME.out and NAME.err; returns once it listens and
# knows where it reads the stream from. Sets MPID[NAME] and MPORT[NAME].
start_member() {
	local name=$1 in=$2
	shift 2
	rxws-serve -p 0 -v --broker "$REDIS_URL" "$@" < "$in" > "$name.out" 2> "$name.err" &
	MPID[$name]=$!
	PIDS+=($!)
	wait_for 10 contains "$name.err" 'listening on port' || { cat "$name.err" >&2; return 1; }
	wait_for 20 contains "$name.err" 'reading rxws:out after id' || { cat "$name.err" >&2; return 1; }
	MPORT[$name]=$(sed -n 's/.*listening on port \([0-9]*\).*/\1/p' "$name.err" | head -n 1)
}

# client NAME MEMBER PATH COUNT: rxws-connect -r -c COUNT on MEMBER's PATH.
client() {
	rxws-connect -r -c "$4" "ws://127.0.0.1:${MPORT[$2]}$3" > "$1.out" 2> "$1.err" &
	PIDS+=($!)
	eval "CPID_$1=$!"
}

# counters NAME: the member's counters (SIGUSR1), as the last such line.
counters() {
	local before
	before=$(count_of "$1.err" 'broker: appended')
	kill -USR1 "${MPID[$1]}"
	wait_for 10 has_count "$1.err" 'broker: appended' $((before + 1))
	grep 'broker: appended' "$1.err" | tail -n 1
}

# xadd ARGS...: one entry, as any program can add it.
xadd() {
	redis-cli -p "$REDIS_PORT" XADD rxws:out '*' "$@" > /dev/null
}

same_as_seq() {
	cmp -s "$1" <(seq "$2" "$3")
}

# appended_at_least NAME N: the member's counters say N records appended.
appended_at_least() {
	local line
	line=$(counters "$1") || return 1
	[[ $line =~ appended\ ([0-9]+) ]] && ((BASH_REMATCH[1] >= $2))
}

@test "three members: 100,000 records fed to one, and one from redis-cli, reach the clients of all three, in order" {
	start_redis
	open_fifo in
	start_member m1 in /
	start_member m2 /dev/null -k /
	start_member m3 /dev/null -k /
	client c1 m1 / 100001
	client c2 m2 / 100001
	client c3 m3 / 100001
	wait_for 10 has_clients m1.err 1
	wait_for 10 has_clients m2.err 1
	wait_for 10 has_clients m3.err 1

	seq 1 100000 > in
	wait_for 120 has_lines c1.out 100000
	wait_for 120 has_lines c2.out 100000
	wait_for 120 has_lines c3.out 100000
	xadd path / data 'from redis-cli'
	for c in c1 c2 c3; do
		eval "wait_gone 30 \$CPID_$c"
		run cat "$c.out"
		assert_equal "${#lines[@]}" 100001
		assert_equal "${lines[100000]}" 'from redis-cli'
		head -n 100000 "$c.out" > "$c.first"
		same_as_seq "$c.first" 1 100000
	done
	run counters m1
	assert_output --partial 'appended 100000, read 100001, 0 duplicates, 0 gaps'
}

@test "a relay (-r) serves what others feed; the collector writes what clients of every member sent, tagged" {
	start_redis
	rxws-serve -v --broker "$REDIS_URL" --collect > coll.out 2> coll.err &
	PIDS+=($!)
	local collector=$!
	wait_for 20 contains coll.err 'reading rxws:in after id'
	rxws-serve -v --broker "$REDIS_URL" --collect /b > coll_b.out 2> coll_b.err &
	PIDS+=($!)
	wait_for 20 contains coll_b.err 'reading rxws:in after id'
	run ls "$T"
	refute_output --partial sock	# a collector listens nowhere

	start_member m1 /dev/null -k --broker-inbound
	start_member m2 /dev/null -k --broker-inbound
	start_member m3 /dev/null -k --broker-inbound
	start_member relay /dev/null -r

	# Records fed straight into Redis reach the relay's client.
	client r1 relay /news 500
	wait_for 10 has_clients relay.err 1
	for i in $(seq 1 500); do echo "XADD rxws:out * path /news data n$i"; done |
		redis-cli -p "$REDIS_PORT" > /dev/null
	wait_gone 30 "$CPID_r1"
	cmp r1.out <(seq -f 'n%g' 1 500)

	# What the clients of each member send comes out of the collector.
	seq -f 'a%g' 1 1000 | rxws-connect "ws://127.0.0.1:${MPORT[m1]}/a" 2> s1.err &
	PIDS+=($!)
	seq -f 'b%g' 1 1000 | rxws-connect "ws://127.0.0.1:${MPORT[m2]}/b" 2> s2.err &
	PIDS+=($!)
	seq -f 'c%g' 1 1000 | rxws-connect "ws://127.0.0.1:${MPORT[m3]}/c" 2> s3.err &
	PIDS+=($!)
	wait_for 60 has_lines coll.out 3000
	wait_for 60 has_lines coll_b.out 1000
	cmp <(grep '^/a	' coll.out) <(seq -f '/a	a%g' 1 1000)
	cmp <(grep '^/b	' coll.out) <(seq -f '/b	b%g' 1 1000)
	cmp <(grep '^/c	' coll.out) <(seq -f '/c	c%g' 1 1000)
	# With a PATH, only that path, untagged.
	cmp coll_b.out <(seq -f 'b%g' 1 1000)
	# Each member still writes its own clients' records, as without a broker.
	cmp m1.out <(seq -f '/a	a%g' 1 1000)
	assert_equal "$(lines coll.out)" 3000
}

@test "Redis killed and restarted with its data mid-flow: 1,000,000 records reach every client of every member once, in order" {
	start_redis
	open_fifo in
	start_member m1 in --retry-delay 0.05 --retry-max 0.5 /
	start_member m2 /dev/null -k --retry-delay 0.05 --retry-max 0.5 /
	start_member m3 /dev/null -k --retry-delay 0.05 --retry-max 0.5 /
	for m in m1 m2 m3; do client "c_$m" "$m" / 1000000; done
	for m in m1 m2 m3; do wait_for 10 has_clients "$m.err" 1; done

	seq 1 1000000 > in &
	local feeder=$!
	wait_for 120 has_lines c_m2.out 200000
	stop_redis KILL
	start_redis
	wait_gone 300 "$feeder"
	for m in m1 m2 m3; do
		eval "wait_gone 300 \$CPID_c_$m"
		same_as_seq "c_$m.out" 1 1000000
	done
	local figures=''
	for m in m1 m2 m3; do
		run counters "$m"
		assert_output --partial '0 gaps (0 records lost), 0 bad'
		figures+="$m: ${output#*broker: }; "
	done
	echo "# $figures" >&3
	# Every member saw the loss and came back.
	for m in m1 m2 m3; do contains "$m.err" 'lost the connection'; done
	contains m1.err 'appender connected again'
	# A record sent again was not appended again: no offset spent on a copy.
	assert_equal "$(redis-cli -p "$REDIS_PORT" HGET rxws:offsets /)" 1000000
	assert_equal "$(redis-cli -p "$REDIS_PORT" XLEN rxws:out)" 1000000
}

@test "Redis restarted without its data: every member reports the reset, the feeder's summary counts what it lost and it exits 75" {
	start_redis
	open_fifo in
	local fast=(--retry-delay 0.05 --retry-max 0.2)
	start_member m1 in "${fast[@]}" /
	start_member m2 /dev/null -k --metrics "${fast[@]}" /
	start_member m3 /dev/null -k "${fast[@]}" /
	for m in m1 m2 m3; do
		rxws-connect -r "${fast[@]}" "ws://127.0.0.1:${MPORT[$m]}/" > "c_$m.out" 2> "c_$m.err" &
		PIDS+=($!)
	done
	for m in m1 m2 m3; do wait_for 10 has_clients "$m.err" 1; done

	# 200,000 records at 50,000 a second.
	"$PY" -c '
import sys, time
n, rate, t0, i = 200000, 50000, time.monotonic(), 1
while i <= n:
    due = min(n, int((time.monotonic() - t0) * rate) + 1)
    sys.stdout.write("".join("%d\n" % k for k in range(i, due + 1)))
    sys.stdout.flush()
    i = due + 1
    time.sleep(0.005)' > in &
	local feeder=$!
	PIDS+=($feeder)
	wait_for 60 has_lines c_m1.out 50000
	# m3 falls behind; then Redis loses everything.
	kill -STOP "${MPID[m3]}"
	wait_for 60 has_lines c_m1.out 100000
	stop_redis KILL
	rm -rf "$T/redis"
	start_redis
	wait_for 20 contains m1.err 'was reset'
	kill -CONT "${MPID[m3]}"
	wait_gone 60 "$feeder"
	close_fifo
	wait_gone 60 "${MPID[m1]}" || { tail -n 20 m1.err >&2; false; }
	wait_status "${MPID[m1]}"
	assert_equal "$STATUS" 75
	assert contains m1.err "what it appended may not have reached every member"
	# Every member says so, and counts it.
	for m in m2 m3; do
		wait_for 20 contains "$m.err" 'was reset (its epoch changed'
		run counters "$m"
		assert_output --partial ', 1 resets'
		assert_output --regexp '[1-9][0-9]* gaps'
	done
	run curl -s --max-time 5 "http://127.0.0.1:${MPORT[m2]}/metrics"
	assert_line 'rxws_broker_resets_total 1'
	# The feeder's account: what it counts delivered, its own client has.
	local delivered lost
	delivered=$(sed -n 's/.*stdin 200000 records ([^)]*): \([0-9]*\) delivered.*/\1/p' m1.err)
	lost=$(sed -n 's/.* \([0-9]*\) lost, 0 pending.*/\1/p' m1.err | tail -n 1)
	wait_for 20 eval "(( \$(lines c_m1.out) >= $delivered ))"
	echo "# feeder: $delivered delivered, $lost lost; clients: $(lines c_m1.out), $(lines c_m2.out), $(lines c_m3.out)" >&3
	assert_equal "$(sort -un c_m1.out | wc -l)" "$delivered"
	(( delivered + lost == 200000 ))
	(( $(lines c_m3.out) < 200000 ))
}

@test "a member killed and restarted: its new clients get the records from then on; the others are not disturbed" {
	start_redis
	open_fifo in
	start_member m1 in /
	start_member m2 /dev/null -k /
	start_member m3 /dev/null -k /
	client c1 m1 / 100000
	client c2 m2 / 100000
	client c3 m3 / 100000
	for m in m1 m2 m3; do wait_for 10 has_clients "$m.err" 1; done

	seq 1 50000 > in
	wait_for 60 has_lines c3.out 50000
	kill -KILL "${MPID[m3]}"
	seq 50001 70000 > in	# while m3 is down
	wait_for 60 appended_at_least m1 70000
	start_member m3 /dev/null -k /
	client c3b m3 / 30000
	wait_for 10 has_clients m3.err 1
	seq 70001 100000 > in
	wait_gone 60 "$CPID_c1"
	wait_gone 60 "$CPID_c2"
	wait_gone 60 "$CPID_c3b"
	same_as_seq c1.out 1 100000
	same_as_seq c2.out 1 100000
	same_as_seq c3b.out 70001 100000
	run counters m1
	assert_output --partial '0 duplicates, 0 gaps'
}

@test "a member whose last id was trimmed reports the gap with the exact count" {
	start_redis
	open_fifo in
	start_member m1 in --broker-maxlen 100 /
	start_member m2 /dev/null -k /
	client c2 m2 / 100000
	wait_for 10 has_clients m2.err 1

	seq 1 10 > in
	wait_for 30 has_lines c2.out 10
	kill -STOP "${MPID[m2]}"
	seq 11 5000 > in
	wait_for 60 appended_at_least m1 5000
	local added length
	added=$(redis-cli -p "$REDIS_PORT" XINFO STREAM rxws:out | sed -n '/^entries-added$/{n;p}')
	length=$(redis-cli -p "$REDIS_PORT" XLEN rxws:out)
	assert_equal "$added" 5000
	# m2 had read 10 entries (its ordinal): the rest of those trimmed is its gap.
	local expected=$((added - length - 10))
	((expected > 0))
	kill -CONT "${MPID[m2]}"
	wait_for 30 contains m2.err "gap in rxws:out: $expected records were trimmed after id"
	wait_for 30 has_lines c2.out $((10 + length))
	head -n 10 c2.out | cmp - <(seq 1 10)
	tail -n "$length" c2.out | cmp - <(seq $((5000 - length + 1)) 5000)
	run counters m2
	assert_output --partial "1 gaps ($expected records lost)"
	echo "# added $added, length $length, gap $expected" >&3
}

@test "bad stream entries are logged with their id, counted and skipped; the member keeps running" {
	start_redis
	start_member m1 /dev/null -k --max-size 16 --type '/o=object' /
	client c1 m1 / 1
	wait_for 10 has_clients m1.err 1
	xadd data 'no path'
	xadd path / kind bogus data 'unknown kind'
	xadd path / data 'longer than sixteen bytes'
	xadd path / data $'\xff\xfe not UTF-8'
	xadd path / kind text data $'\xc0\xaf'
	xadd path relative data 'not a path'
	xadd path / data good
	wait_gone 20 "$CPID_c1"
	assert_equal "$(cat c1.out)" good
	run grep -c 'rxws:out entry [0-9]*-[0-9]*: .*; skipped' m1.err
	assert_output 6
	contains m1.err 'no path field; skipped'
	contains m1.err 'unknown kind (text or binary); skipped'
	contains m1.err 'data over --max-size; skipped'
	contains m1.err 'text that is not UTF-8; skipped'
	run counters m1
	assert_output --partial '6 bad'
	# Still serving.
	client c2 m1 / 1
	wait_for 10 has_clients m1.err 2
	xadd path / data again
	wait_gone 20 "$CPID_c2"
	assert_equal "$(cat c2.out)" again
}

@test "copies of an entry (the same src and seq, as a retried XADD leaves them) are dropped and counted" {
	start_redis
	start_member m1 /dev/null -k /
	client c1 m1 / 4
	wait_for 10 has_clients m1.err 1
	xadd path / data one src feeder1 seq 1
	xadd path / data two src feeder1 seq 2
	xadd path / data one src feeder1 seq 1
	xadd path / data two src feeder1 seq 2
	xadd path / data other src feeder2 seq 1
	xadd path / data three src feeder1 seq 3
	xadd path / data 'no src: never a copy'
	wait_gone 20 "$CPID_c1"
	assert_equal "$(cat c1.out)" "$(printf 'one\ntwo\nother\nthree')"
	run counters m1
	assert_output --partial 'read 5, 2 duplicates'
}

@test "--broker with a bad URL, or the broker options without --broker: exit 64" {
	local url
	for url in http://127.0.0.1 redis:// 'redis://h:99999' 'redis://h/x' 'redis+unix://relative' \
		'redis+unix:///s?db=x' 'redis://us%zzer:p@h'; do
		run rxws-serve --broker "$url" /
		assert_equal "$status" 64
		assert_output --partial -- '--broker:'
	done
	run rxws-serve --retries 3 /
	assert_equal "$status" 64
	run rxws-serve --collect /
	assert_equal "$status" 64
	run rxws-serve --broker redis://h --collect --broker-inbound
	assert_equal "$status" 64
	run rxws-serve --broker redis://h --broker-maxlen 0
	assert_equal "$status" 64
}

@test "Redis not reachable, --retries given: exit 69 with the reason" {
	local port
	port=$(free_port)
	run timeout 30 rxws-serve -p 0 -r --broker "redis://127.0.0.1:$port" --retries 2 --retry-delay 0.05 /
	assert_equal "$status" 69
	assert_output --partial 'Connection refused'
	assert_output --partial 'gave up after 2 retries'

	start_redis --requirepass sekrit
	run timeout 30 rxws-serve -p 0 -r --broker "redis://:wrong@127.0.0.1:$REDIS_PORT" --retries 1 --retry-delay 0.05 /
	assert_equal "$status" 69
	assert_output --partial 'authentication failed (WRONGPASS'
	run timeout 30 rxws-serve -p 0 -r --broker "$REDIS_URL" --retries 0 /
	assert_equal "$status" 69
	assert_output --partial 'authentication required (NOAUTH'
	# The right password, percent-encoded or not, and a database.
	run timeout 30 rxws-serve -p 0 -r -v -W 1 --broker "redis://default:sek%72it@127.0.0.1:$REDIS_PORT/3" --retries 0 /
	assert_equal "$status" 75
	assert_output --partial 'reader connected'
}

@test "a member on a unix socket URL; SIGTERM ends its threads cleanly" {
	mkdir -p redis
	redis-server --port 0 --unixsocket "$T/redis.sock" --save '' --daemonize no --dir "$T/redis" > redis.log 2>&1 &
	PIDS+=($!)
	wait_for 10 test -S "$T/redis.sock"
	REDIS_URL="redis+unix://$T/redis.sock?db=2"
	start_member m1 /dev/null -k /
	client c1 m1 / 1
	wait_for 10 has_clients m1.err 1
	redis-cli -s "$T/redis.sock" -n 2 XADD rxws:out '*' path / data 'over a socket' > /dev/null
	wait_gone 20 "$CPID_c1"
	assert_equal "$(cat c1.out)" 'over a socket'
	kill -TERM "${MPID[m1]}"
	wait_gone 10 "${MPID[m1]}"
	wait_status "${MPID[m1]}"
	assert_equal "$STATUS" 0
}

@test "a feeding member serves its records to its slow clients for as long as it takes after stdin ends, then exits 0" {
	start_redis --appendfsync no	# Redis faster than the client
	# 80 MB: more than the sockets and queues between the member and its client hold.
	seq -f '%-199g' 1 400000 > in
	rxws-serve -p 0 -v --broker "$REDIS_URL" --drain-timeout 1 --wait-clients 1 / < in > m1.out 2> m1.err &
	local member=$!
	PIDS+=($member)
	wait_for 10 contains m1.err 'listening on port'
	local port
	port=$(sed -n 's/.*listening on port \([0-9]*\).*/\1/p' m1.err | head -n 1)
	# A client slower than Redis: its stdout waits five seconds first.
	( rxws-connect -r "ws://127.0.0.1:$port/" | { sleep 5; cat; } > c1.out ) 2> c1.err &
	PIDS+=($!)
	wait_gone 120 "$member"
	wait_status "$member"
	assert_equal "$STATUS" 0
	wait_for 30 has_lines c1.out 400000
	cmp c1.out in
}

# hc NAME MEMBER QUERY [ARGS...]: a python client asking positions (rxws.pos)
# of MEMBER's /n with QUERY (?since=..., ?last=...), into NAME.out.
hc() {
	local name=$1 member=$2 query=$3
	shift 3
	"$PY" "$PEERS/history_client.py" --pos "$@" "ws://127.0.0.1:${MPORT[$member]}/n$query" \
		> "$name.out" 2> "$name.err" &
	PIDS+=($!)
	eval "HPID_$name=$!"
}

# data_of FILE...: the numbers the clients got, without positions or notices.
data_of() {
	cat "$@" | awk '/^[0-9a-f]+:[0-9]+ / { print $2 }'
}

# last_pos FILE: the position of the last message in a client's output.
last_pos() {
	awk '/^[0-9a-f]+:[0-9]+ / { p = $1 } END { print p }' "$1"
}

@test "positions: every member gives a record the same one; a member that starts fills its history from the stream" {
	start_redis
	open_fifo in
	start_member m1 in --history 1000 /n
	start_member m2 /dev/null -r --history 1000 /n
	seq 1 3000 > in
	wait_for 60 eval "[[ \$(redis-cli -p $REDIS_PORT HGET rxws:offsets /n) == 3000 ]]"
	local epoch
	epoch=$(redis-cli -p "$REDIS_PORT" GET rxws:epoch | cut -c1-16)
	# A member started now reads back the last 1,000 of /n.
	start_member m3 /dev/null -r --history 1000 /n
	wait_for 20 contains m3.err 'the history starts with'
	for m in m1 m2 m3; do
		hc "last_$m" "$m" '?last=1000' --recv 1000
		eval "wait_gone 20 \$HPID_last_$m"
		run sed -n 2p "last_$m.out"
		assert_output "# Rxws-Position: $epoch:3000"
		diff <(data_of "last_$m.out") <(seq 2001 3000)
		# Each message's offset is its number.
		awk '/^[0-9a-f]+:[0-9]+ / { split($1, p, ":"); if (p[2] != $2) exit 1 }' "last_$m.out"
	done
	# What goes beyond the history is a gap, the same on every member.
	hc gap m3 "?since=$epoch:1500" --recv 1000
	wait_gone 20 "$HPID_gap"
	run sed -n 3p gap.out
	assert_output "# Rxws-Gap: from=$epoch:1501; to=$epoch:2000; count=500; reason=trimmed"
	# An entry another program appended has no offset: live only, with an empty position.
	hc live m2 '' --recv 1
	wait_for 10 contains live.out '^!live '
	redis-cli -p "$REDIS_PORT" XADD rxws:out '*' path /n data hello > /dev/null
	wait_gone 10 "$HPID_live"
	run tail -n 1 live.out
	assert_output ' hello'
}

@test "three members on one Redis: a client of a member killed (SIGKILL) resumes on another, every number once, in order" {
	start_redis
	open_fifo in
	start_member m1 in --history 50000 /n
	start_member m2 /dev/null -r --history 50000 /n
	start_member m3 /dev/null -r --history 50000 /n
	hc first m2 '?last=1' --until 40000
	wait_for 10 has_clients m2.err 1
	local round
	seq 1 20000 > in
	wait_for 60 eval "(( \$(data_of first.out | wc -l) >= 5000 ))"
	kill -KILL "${MPID[m2]}"
	wait_for 10 contains first.out '^close '
	seq 20001 40000 > in
	local since
	since=$(last_pos first.out)
	hc second m3 "?since=$since" --until 40000
	wait_gone 60 "$HPID_second" || { tail -n 3 second.out >&2; false; }
	refute grep -q '^!gap' second.out
	diff <(data_of first.out second.out) <(seq 1 40000)
	echo "# killed after $(data_of first.out | wc -l) records; resumed on m3 from $since: $(data_of second.out | wc -l) more, 0 duplicates, 0 gaps" >&3
}

@test "Redis restarted without its data: a new epoch; a client of rxws.pos is told the gap, of unknown size" {
	start_redis
	open_fifo in
	local fast=(--retry-delay 0.05 --retry-max 0.2)
	start_member m1 in --history 100 "${fast[@]}" /n
	hc c m1 '' --until after
	wait_for 10 has_clients m1.err 1
	seq 1 10 > in
	wait_for 20 eval "(( \$(data_of c.out | wc -l) == 10 ))"
	local old
	old=$(last_pos c.out)
	stop_redis KILL
	rm -rf "$T/redis"
	start_redis
	wait_for 20 contains m1.err 'was reset'
	echo after > in
	wait_gone 20 "$HPID_c"
	local new_epoch
	new_epoch=$(redis-cli -p "$REDIS_PORT" GET rxws:epoch | cut -c1-16)
	[[ $new_epoch != "${old%:*}" ]]
	run grep -e '^!gap' -e 'after$' c.out
	assert_line -n 0 "!gap ${old%:*}:11 $new_epoch:0 ? epoch"
	assert_line -n 1 "$new_epoch:1 after"
}

@test "a member that has not caught up with the stream answers an ask with 503, never with a silent hole" {
	REDIS_PORT=$(free_port)
	REDIS_URL=redis://127.0.0.1:$REDIS_PORT
	# Redis is not there yet: the member listens, and knows nothing of the stream.
	rxws-serve -p 0 -v --broker "$REDIS_URL" -r --history 100 --retry-delay 0.05 --retry-max 0.2 /n \
		< /dev/null > m.out 2> m.err &
	MPID[m]=$!
	PIDS+=($!)
	wait_for 10 contains m.err 'listening on port'
	MPORT[m]=$(sed -n 's/.*listening on port \([0-9]*\).*/\1/p' m.err | head -n 1)
	run "$PY" "$PEERS/history_client.py" "ws://127.0.0.1:${MPORT[m]}/n?last=5"
	assert_output 'refused 503'
	wait_for 10 contains m.err "still reading the broker's stream: ask again in a moment (HTTP 503)"
	# A client that asks for nothing is served meanwhile.
	run "$PY" "$PEERS/history_client.py" --recv 0 "ws://127.0.0.1:${MPORT[m]}/n"
	assert_output 'open -'

	start_redis
	open_fifo in
	start_member feeder in --history 100 /n
	seq 1 10 > in
	wait_for 20 eval "[[ \$(redis-cli -p $REDIS_PORT HGET rxws:offsets /n) == 10 ]]"
	local epoch
	epoch=$(redis-cli -p "$REDIS_PORT" GET rxws:epoch | cut -c1-16)
	wait_for 20 contains m.err 'reading rxws:out after id'
	wait_for 20 eval "\"$PY\" \"$PEERS/history_client.py\" --pos --recv 10 'ws://127.0.0.1:${MPORT[m]}/n?since=$epoch:0' > c.out"
	diff <(awk '/^[0-9a-f]+:[0-9]+ / { print $2 }' c.out) <(seq 1 10)
	# Ahead of what this member has read: 503 too (another member may be further on).
	run "$PY" "$PEERS/history_client.py" "ws://127.0.0.1:${MPORT[m]}/n?since=$epoch:50"
	assert_output 'refused 503'
	wait_for 10 contains m.err "this member has not read that far yet (it is at $epoch:10)"
}
