#!/usr/bin/env bats
# History and recovery for clients that are not rxws tools (rxws(7),
# HISTORY AND RECOVERY): positions, ?since= and ?last= (and their headers),
# the subprotocol rxws.pos, gaps said with their exact size, and bad asks
# refused with 400. Numbered streams, checked record by record.

load helpers

HC=$PEERS/history_client.py

# serve_numbers ARGS...: rxws-serve reading the fifo "in" (open_fifo),
# logging to s.err; PORT once it listens.
serve_numbers() {
	open_fifo in
	start_serve in out s.err -v "$@"
}

# position_of PATH: the path's last position (Rxws-Position of a ?last=1 ask).
position_of() {
	"$PY" "$HC" --recv 0 "ws://127.0.0.1:$PORT$1?last=1" |
		sed -n 's/^# Rxws-Position: //p'
}

# stands_at PATH OFFSET: the path's last message has this offset.
stands_at() {
	[[ $(position_of "$1") == *:"$2" ]]
}

# data_of FILE: the data lines of a client's output (no open, header,
# notice or close line), without positions.
data_of() {
	grep -v -e '^open ' -e '^# ' -e '^!' -e '^close ' "$1" | sed 's/^[0-9a-f]*:[0-9]* //'
}

# positions_match FILE EPOCH: under rxws.pos, each message's offset is its number.
positions_match() {
	awk -v e="$2" '/^[0-9a-f]+:[0-9]+ / {
		split($1, p, ":")
		if (p[1] != e || p[2] != $2) { print "line " NR ": " $0 > "/dev/stderr"; bad = 1 }
	} END { exit bad }' "$1"
}

@test "a late joiner with ?last=1000 gets exactly the last 1,000, then live, no seam" {
	serve_numbers --history 2000 /n
	seq 1 5000 > in
	wait_for 10 stands_at /n 5000
	local pos
	pos=$(position_of /n)
	local epoch=${pos%:*}
	[[ $epoch =~ ^[0-9a-f]{16}$ ]]

	"$PY" "$HC" --pos --until 6000 "ws://127.0.0.1:$PORT/n?last=1000" > c.out 2> c.err &
	local client=$!
	PIDS+=("$client")
	wait_for 10 contains c.out '^!live '
	seq 5001 6000 > in
	wait_status "$client"
	((STATUS == 0)) || { cat c.err; false; }

	run sed -n '1,3p' c.out
	assert_line -n 0 'open rxws.pos'
	assert_line -n 1 "# Rxws-Position: $epoch:5000"
	assert_line -n 2 "!head $epoch:5000"
	assert_equal "$(grep '^!live' c.out)" "!live $epoch:5000"
	# The live notice comes after the 1,000th message of the backlog.
	assert_equal "$(grep -n '^!live' c.out | cut -d: -f1)" 1004
	diff <(data_of c.out) <(seq 4001 6000)
	positions_match c.out "$epoch"
}

@test "?since= recovers exactly what was missed, with and without rxws.pos, python and node" {
	need_node_modules ws
	serve_numbers --history 1000 /n
	seq 1 300 > in
	wait_for 10 stands_at /n 300
	local epoch
	epoch=$(position_of /n)
	epoch=${epoch%:*}

	# python websockets, plain frames: what it missed, told by the 101 only.
	"$PY" "$HC" --until 400 "ws://127.0.0.1:$PORT/n?since=$epoch:100" > plain.out &
	PIDS+=($!)
	local plain=$!
	# python websockets, the header instead of the query, with rxws.pos.
	"$PY" "$HC" --pos --until 400 --header "Rxws-Since: $epoch:250" \
		"ws://127.0.0.1:$PORT/n" > pos.out &
	local pos=$!
	PIDS+=("$pos")
	# node ws with rxws.pos.
	node "$PEERS/ws_node.js" client "ws://127.0.0.1:$PORT/n?since=$epoch:299" \
		--protocol rxws.pos --recv 103 > node.out &
	local nodec=$!
	PIDS+=("$nodec")
	wait_for 10 contains plain.out '^300$'
	wait_for 10 contains pos.out '^!live '
	wait_for 10 contains node.out 'live '
	seq 301 400 > in
	wait_status "$plain"; ((STATUS == 0))
	wait_status "$pos"; ((STATUS == 0))
	wait_status "$nodec"; ((STATUS == 0))

	assert_equal "$(sed -n 1,2p plain.out)" "open -
# Rxws-Position: $epoch:300"
	grep -q '^!' plain.out && fail "notices went to a client that did not ask for rxws.pos"
	diff <(data_of plain.out) <(seq 101 400)

	assert_equal "$(grep '^!' pos.out)" "!head $epoch:300
!live $epoch:300"
	diff <(data_of pos.out) <(seq 251 400)
	positions_match pos.out "$epoch"

	# node prints each frame as "text <json>": the notices and "POS\nDATA".
	run sed -n 1,4p node.out
	assert_line -n 0 'open rxws.pos'
	assert_line -n 1 "text \"!head $epoch:300\""
	assert_line -n 2 "text \"$epoch:300\\n300\""
	assert_line -n 3 "text \"!live $epoch:300\""
	assert_equal "$(grep -v '^close' node.out | sed -n '$p')" "text \"$epoch:400\\n400\""
}

@test "a client that does not ask sees the frames of old, byte for byte" {
	serve_numbers --history 10 /n
	"$PY" "$PEERS/ws_client.py" --recv 3 "ws://127.0.0.1:$PORT/n" > c.out &
	local client=$!
	PIDS+=("$client")
	wait_for 10 has_clients s.err 1
	printf 'a\nb\nc\n' > in
	wait_status "$client"
	assert_equal "$(cat c.out)" "open
text 'a'
text 'b'
text 'c'
close 1000"
}

@test "a history too short: the gap is said with its exact size, then all that is kept comes" {
	serve_numbers --history 100 /n
	seq 1 500 > in
	wait_for 10 stands_at /n 500
	local epoch
	epoch=$(position_of /n)
	epoch=${epoch%:*}

	run "$PY" "$HC" --pos --until 500 "ws://127.0.0.1:$PORT/n?since=$epoch:150"
	assert_success
	assert_line -n 1 "# Rxws-Position: $epoch:500"
	assert_line -n 2 "# Rxws-Gap: from=$epoch:151; to=$epoch:400; count=250; reason=trimmed"
	assert_line -n 3 "!head $epoch:500"
	assert_line -n 4 "!gap $epoch:151 $epoch:400 250 trimmed"
	assert_line -n 5 "$epoch:401 401"
	diff <(data_of <(printf '%s\n' "${lines[@]}")) <(seq 401 500)

	# ?last= past what is kept: the same gap, for a plain client in the 101.
	run "$PY" "$HC" --until 500 "ws://127.0.0.1:$PORT/n?last=450"
	assert_success
	assert_line -n 2 "# Rxws-Gap: from=$epoch:51; to=$epoch:400; count=350; reason=trimmed"
	assert_equal "$(printf '%s\n' "${lines[@]:3}" | wc -l)" 100

	# Both are logged and counted.
	wait_for 10 contains s.err '250 messages of /n it asked for are not kept (trimmed): a gap, said'
	contains s.err '350 messages of /n it asked for are not kept (trimmed): a gap, said'
	curl -sS "http://127.0.0.1:$PORT/metrics" > m.txt || true
}

@test "another epoch: the gap says its count cannot be known, then all that is kept comes" {
	serve_numbers --history 100 /n
	seq 1 20 > in
	wait_for 10 stands_at /n 20
	local epoch
	epoch=$(position_of /n)
	epoch=${epoch%:*}
	local other=0123456789abcdef
	[[ $epoch != "$other" ]] || other=fedcba9876543210

	run "$PY" "$HC" --pos --until 20 "ws://127.0.0.1:$PORT/n?since=$other:7"
	assert_success
	assert_line -n 2 "# Rxws-Gap: from=$other:8; to=$epoch:0; count=?; reason=epoch"
	assert_line -n 4 "!gap $other:8 $epoch:0 ? epoch"
	diff <(data_of <(printf '%s\n' "${lines[@]}")) <(seq 1 20)
	wait_for 10 contains s.err 'an unknown number of messages of /n it asked for are not kept (epoch)'
}

@test "a server started again without a broker is another epoch" {
	serve_numbers --history 100 /n
	seq 1 5 > in
	wait_for 10 stands_at /n 5
	local first
	first=$(position_of /n)
	kill "$SERVE_PID"
	wait_gone 10 "$SERVE_PID"
	close_fifo
	rm in
	serve_numbers --history 100 /n
	seq 1 5 > in
	wait_for 10 stands_at /n 5
	local second
	second=$(position_of /n)
	[[ ${first%:*} != "${second%:*}" ]]
	run "$PY" "$HC" --until 5 "ws://127.0.0.1:$PORT/n?since=$first"
	assert_line -n 2 "# Rxws-Gap: from=${first%:*}:6; to=${second%:*}:0; count=?; reason=epoch"
}

@test "?last=1 is the retained last value; Rxws-Last asks the same; without history it is a gap" {
	serve_numbers --history 1 /n
	printf 'cold\nwarm\nhot\n' > in
	wait_for 10 stands_at /n 3
	run "$PY" "$HC" --recv 1 "ws://127.0.0.1:$PORT/n?last=1"
	assert_output --partial $'\nhot'
	run "$PY" "$HC" --recv 1 --header 'Rxws-Last: 1' "ws://127.0.0.1:$PORT/n"
	assert_equal "${lines[2]}" hot
	close_fifo
	wait_gone 10 "$SERVE_PID"

	rm in
	serve_numbers /n
	# A client stays on the path: without one, or a history, it is forgotten.
	"$PY" "$PEERS/ws_client.py" --recv 4 "ws://127.0.0.1:$PORT/n" > live.out &
	PIDS+=($!)
	wait_for 10 has_clients s.err 1
	printf 'cold\nwarm\nhot\n' > in
	wait_for 10 contains live.out "text 'hot'"
	run "$PY" "$HC" --pos --recv 0 "ws://127.0.0.1:$PORT/n?last=1"
	assert_line -n 2 --regexp '^# Rxws-Gap: from=[0-9a-f]{16}:3; to=[0-9a-f]{16}:3; count=1; reason=trimmed$'
}

@test "bad asks are refused with 400 and a reason, logged; the server goes on" {
	serve_numbers --history 10 /n
	seq 1 3 > in
	wait_for 10 stands_at /n 3
	local epoch
	epoch=$(position_of /n)
	epoch=${epoch%:*}
	local -a asks=(
		'?since=12'			'since: '
		'?since=xyz:1'			'since: '
		"?since=$epoch"			'since: '
		"?since=$epoch:"		'since: '
		"?since=$epoch:-1"		'since: '
		"?since=$epoch:99999999999999999999999"	'since: '
		"?since=${epoch}00:1"		'since: '
		"?since=$epoch:4"		"since: ahead of the path's last message ($epoch:3)"
		'?last=0'			'last: expected a count from 1 to 16777216'
		'?last=-3'			'last: expected a count from 1 to 16777216'
		'?last=abc'			'last: expected a count from 1 to 16777216'
		'?last=16777217'		'last: expected a count from 1 to 16777216'
		'?last='			'last: expected a count from 1 to 16777216'
		"?last=2&since=$epoch:1"	'since and last: ask for one of them'
	)
	local i url want got
	for ((i = 0; i < ${#asks[@]}; i += 2)); do
		url="http://127.0.0.1:$PORT/n${asks[i]}"
		want=${asks[i + 1]}
		got=$(curl -sS -i -H 'Connection: Upgrade' -H 'Upgrade: websocket' \
			-H 'Sec-WebSocket-Version: 13' -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' \
			"$url")
		[[ $got == 'HTTP/1.1 400 '* ]] || fail "${asks[i]}: not a 400: $got"
		[[ $got == *"$want"* ]] || fail "${asks[i]}: no reason '$want' in: $got"
	done
	# The same through the headers.
	run "$PY" "$HC" --header 'Rxws-Since: nope' "ws://127.0.0.1:$PORT/n"
	assert_failure
	assert_output 'refused 400'
	run "$PY" "$HC" --header 'Rxws-Last: 0' "ws://127.0.0.1:$PORT/n"
	assert_output 'refused 400'
	# Logged, each with its reason; the server still serves.
	wait_for 10 has_count s.err 'refused /n: .*(HTTP 400)' 16
	contains s.err "since: ahead of the path's last message"
	kill -0 "$SERVE_PID"
	run "$PY" "$HC" --recv 1 "ws://127.0.0.1:$PORT/n?last=1"
	assert_success
	assert_line -n 2 3
}

@test "a slow client whose replay the history overtakes is told the gap, then goes on from what is kept" {
	serve_numbers --history 50 --queue 4 /n
	seq 1 50 > in
	wait_for 10 stands_at /n 50
	local epoch
	epoch=$(position_of /n)
	epoch=${epoch%:*}
	# It asks for all 50, reads nothing until told; meanwhile 1,000 more come.
	"$PY" "$PEERS/history_client.py" --pos --until 1050 "ws://127.0.0.1:$PORT/n?since=$epoch:0" > c.out &
	local client=$!
	PIDS+=("$client")
	wait_for 10 has_clients s.err 1
	kill -STOP "$client"
	seq 51 1050 > in
	wait_for 10 stands_at /n 1050
	kill -CONT "$client"
	wait_status "$client"
	((STATUS == 0))
	# Each number at most once, in order; what is missing is exactly what
	# the gaps said.
	local got missing said
	got=$(data_of c.out)
	diff <(echo "$got") <(echo "$got" | sort -n -u)
	missing=$((1050 - $(echo "$got" | wc -l)))
	said=$(awk '/^!gap / { n += $4 } END { print n + 0 }' c.out)
	assert_equal "$said" "$missing"
	assert_equal "$(echo "$got" | tail -n 1)" 1050
}

@test "the history is bounded by --history-bytes over all paths, and by --history-age" {
	serve_numbers --history 1000 --history-bytes 1000 --metrics
	# 100 records of 52 bytes on /a then 100 on /b: each costs 100 (48 for
	# its entry), so 10 fit, all of them /b's last.
	for i in $(seq 1 100); do printf '/a\t%052d\n' "$i"; done > a.txt
	for i in $(seq 1 100); do printf '/b\t%052d\n' "$i"; done > b.txt
	cat a.txt b.txt > in
	wait_for 10 stands_at /b 100
	# /a, with nothing kept and no client, is forgotten: a new epoch, at 0.
	run "$PY" "$HC" --recv 0 "ws://127.0.0.1:$PORT/a?last=1"
	assert_line -n 1 --regexp '^# Rxws-Position: [0-9a-f]{16}:0$'
	run "$PY" "$HC" --recv 10 "ws://127.0.0.1:$PORT/b?last=10"
	assert_success
	refute_line --partial 'Rxws-Gap'
	assert_equal "${lines[2]}" "$(printf '%052d' 91)"
	run "$PY" "$HC" --recv 0 "ws://127.0.0.1:$PORT/b?last=11"
	assert_line -n 2 --regexp 'from=[0-9a-f]{16}:90; to=[0-9a-f]{16}:90; count=1; reason=trimmed$'
	curl -sS "http://127.0.0.1:$PORT/metrics" > m.txt
	grep -qx 'rxws_history_messages 10' m.txt
	grep -qx 'rxws_history_bytes 1000' m.txt
	close_fifo
	wait_gone 10 "$SERVE_PID"

	rm in
	serve_numbers --history 1000 --history-age 1 --metrics /n
	# A client on the path keeps it known once its history has gone.
	"$PY" "$PEERS/ws_client.py" --recv 100 "ws://127.0.0.1:$PORT/n" > live.out &
	PIDS+=($!)
	wait_for 10 has_clients s.err 1
	seq 1 10 > in
	wait_for 10 stands_at /n 10
	wait_for 10 eval "curl -sS http://127.0.0.1:$PORT/metrics | grep -qx 'rxws_history_messages 0'"
	run "$PY" "$HC" --recv 0 "ws://127.0.0.1:$PORT/n?last=3"
	assert_line -n 2 --regexp 'count=3; reason=trimmed$'
}

@test "the summary and /metrics count the history, replays served and gaps reported" {
	serve_numbers --history 10 --metrics /n
	seq 1 30 > in
	wait_for 10 stands_at /n 30
	"$PY" "$HC" --recv 10 "ws://127.0.0.1:$PORT/n?last=10" > /dev/null
	"$PY" "$HC" --recv 10 "ws://127.0.0.1:$PORT/n?last=15" > /dev/null
	curl -sS "http://127.0.0.1:$PORT/metrics" > m.txt
	"$PY" "$PEERS/prom_check.py" m.txt > /dev/null
	grep -qx 'rxws_history_messages 10' m.txt
	grep -qx 'rxws_history_bytes 500' m.txt
	# The probes of stands_at asked too: at least our two, and one gap.
	awk '$1 == "rxws_replays_total" && $2 >= 2 { ok = 1 } END { exit !ok }' m.txt
	grep -qx 'rxws_gaps_reported_total 1' m.txt
	close_fifo
	wait_status "$SERVE_PID"
	grep -E 'history 10 messages \(500 bytes\), [0-9]+ replays, 1 gaps' s.err
}
