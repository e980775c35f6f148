#!/usr/bin/env bats
# History and recovery on the clients' side (rxws-connect(1), rxws-group(1),
# HISTORY AND RESUMING; rxws(7), HISTORY AND RECOVERY): --since, --last,
# --state and --exit-at-end against rxws-serve --history, positions in
# envelopes, gaps said and counted, a state file that survives SIGKILL, a
# server that restarts, and every bad ask or file refused with its reason.
# Numbered streams, checked record by record.

load helpers

# serve_numbers ARGS...: rxws-serve reading the fifo "in" (open_fifo),
# logging to s.err; PORT once it listens.
serve_numbers() {
	open_fifo in
	start_serve in s.out s.err -v "$@"
}

# last_of PATH [ARGS...]: PATH's last message on the server of PORT (a
# client asks for the last one, and ends once it has it).
last_of() {
	local path=$1
	shift
	timeout 5 rxws-connect -r --last 1 --exit-at-end "$@" "ws://127.0.0.1:$PORT$path" 2> /dev/null
}

# stands_at PATH N [ARGS...]: PATH's last message is N.
stands_at() {
	local path=$1 n=$2
	shift 2
	[[ $(last_of "$path" "$@") == "$n" ]]
}

# epoch_of PATH: the epoch of PATH's positions (from an envelope).
epoch_of() {
	timeout 5 rxws-connect -r -f json --last 1 --exit-at-end "ws://127.0.0.1:$PORT$1" |
		jq -r '.pos | split(":")[0]'
}

# state_offset FILE: the offset a state file holds for its one path ("-": none).
state_offset() {
	local pos
	pos=$(sed -n '2s/ .*//p' "$1" 2> /dev/null)
	if [[ -n $pos ]]; then echo "${pos#*:}"; else echo -; fi
}

@test "--last N and --since POS: exactly the records asked for, then live" {
	serve_numbers --history 1000 /n
	seq 1 300 > in
	wait_for 10 stands_at /n 300
	local epoch
	epoch=$(epoch_of /n)
	[[ $epoch =~ ^[0-9a-f]{16}$ ]]

	rxws-connect -r --last 100 "ws://127.0.0.1:$PORT/n" > last.out 2> last.err &
	PIDS+=($!)
	rxws-connect -r -v --since "$epoch:250" "ws://127.0.0.1:$PORT/n" > since.out 2> since.err &
	PIDS+=($!)
	wait_for 10 has_lines last.out 100
	wait_for 10 has_lines since.out 50
	seq 301 310 > in
	wait_for 10 has_lines last.out 110
	wait_for 10 has_lines since.out 60
	assert_equal "$(cat last.out)" "$(seq 201 310)"
	assert_equal "$(cat since.out)" "$(seq 251 310)"
	# Where it started, where the path stood, and that it asked in a header.
	assert contains since.err "starting after $epoch:250 (--since)"
	assert contains since.err "/n stands at $epoch:300"
	assert contains since.err 'connected (acknowledged, with positions)'
	run cat last.err
	assert_output ''
}

@test "records are byte for byte what they are without positions: binary lp, text with newlines" {
	serve_numbers --bytes -f lp --history 10 /b
	# Payloads that look like a position and a newline, hold NUL bytes, or nothing.
	"$PY" -c '
import struct, sys
for p in (b"0123456789abcdef:1\nx", b"a\0b", b"", b"!live 0123456789abcdef:1"):
    sys.stdout.buffer.write(struct.pack(">I", len(p)) + p)' > rec.lp
	cat rec.lp > in
	# Once the server has the four, a client that asks for them gets them as they were.
	wait_for 10 eval "timeout 5 rxws-connect -r --bytes -f lp --last 4 --exit-at-end ws://127.0.0.1:$PORT/b | cmp -s - rec.lp"
	timeout 10 rxws-connect -r --bytes -f lp --last 4 --exit-at-end "ws://127.0.0.1:$PORT/b" > got.lp
	cmp got.lp rec.lp
	# The same records through rxws-group: tag, then payload, as ever.
	timeout 10 rxws-group -r --bytes -f lp --last 4 --exit-at-end "ws://127.0.0.1:$PORT" /b > got2.lp
	assert_equal "$(od -An -tx1 got2.lp | tr -d ' \n' | head -c 20)" "000000022f6200000014"
}

@test "--exit-at-end: rxws-connect exits 0 after exactly the backlog, while the stream goes on" {
	serve_numbers --history 100000 /n
	seq 1 1000 > in
	wait_for 10 stands_at /n 1000
	# A feed that goes on while the client reads its backlog.
	( for i in $(seq 1001 100 20000); do seq "$i" $((i + 99)); sleep 0.01; done > in ) &
	local feed=$!
	PIDS+=("$feed")
	run --separate-stderr timeout 20 rxws-connect -r -v --last 300 --exit-at-end "ws://127.0.0.1:$PORT/n"
	assert_success
	# 300 records, consecutive, up to where the path stood: none past it.
	assert_equal "$(wc -l <<< "$output")" 300
	local first
	first=$(head -n 1 <<< "$output")
	assert_equal "$output" "$(seq "$first" $((first + 299)))"
	[[ $stderr == *"live after "*":$((first + 299)) (the backlog asked for is done)"* ]]
	[[ $stderr == *"the backlog is written (--exit-at-end): closing"* ]]
	kill "$feed" 2> /dev/null || true

	# Nothing asked for: the backlog is empty, and the run ends at once.
	run --separate-stderr timeout 10 rxws-connect -r --exit-at-end "ws://127.0.0.1:$PORT/n"
	assert_success
	assert_output ''
	# The end of stdin does not end the run before the backlog is written.
	run --separate-stderr timeout 10 rxws-connect --last 5 --exit-at-end "ws://127.0.0.1:$PORT/n" < /dev/null
	assert_success
	assert_equal "$(wc -l <<< "$output")" 5
}

@test "--exit-at-end: rxws-group exits 0 once each of three paths has written its backlog" {
	serve_numbers --history 1000
	{ seq 1 100 | sed 's|^|/a\t|'; seq 1 50 | sed 's|^|/b\t|'; } > in
	wait_for 10 stands_at /b 50
	run --separate-stderr timeout 10 rxws-group -r -v --last 20 --exit-at-end \
		"ws://127.0.0.1:$PORT" /a /b /c
	assert_success
	assert_equal "$(grep '^/a' <<< "$output" | cut -f2)" "$(seq 81 100)"
	assert_equal "$(grep '^/b' <<< "$output" | cut -f2)" "$(seq 31 50)"
	assert_equal "$(grep -c '^/c' <<< "$output")" 0
	[[ $stderr == *"every path's backlog is written (--exit-at-end): closing"* ]]

	# --since per path, --last for the others.
	local epoch
	epoch=$(epoch_of /a)
	run --separate-stderr timeout 10 rxws-group -r --since "/a=$epoch:95" --last 3 \
		--exit-at-end "ws://127.0.0.1:$PORT" /a /b
	assert_success
	assert_equal "$(grep '^/a' <<< "$output" | cut -f2)" "$(seq 96 100)"
	assert_equal "$(grep '^/b' <<< "$output" | cut -f2)" "$(seq 48 50)"
}

@test "--state: killed with SIGKILL five times in a stream, started again each time: every record, in order, only the last write again" {
	serve_numbers --history 200000 /n
	local N=100000
	# A backlog first, so that kills come in the middle of busy writes too;
	# then a steady feed, 1,000 records every 20 ms.
	seq 1 30000 > in
	wait_for 10 stands_at /n 30000
	( for i in $(seq 30 99); do seq $((i * 1000 + 1)) $((i * 1000 + 1000)); sleep 0.02; done > in ) &
	local feed=$!
	PIDS+=("$feed")
	local k pid runs=() target
	for k in 1 2 3 4 5; do
		rxws-connect -r --state st --last 200000 "ws://127.0.0.1:$PORT/n" > "out.$k" 2> "err.$k" &
		pid=$!
		PIDS+=("$pid")
		# Killed somewhere along the stream, whatever it is doing then.
		# (The first one most often while it catches up with the backlog.)
		target=$((k == 1 ? 5000 + RANDOM % 20000 : k * 15000 + RANDOM % 10000))
		wait_for 30 eval "(( \$(cat out.* | wc -l) >= $target ))"
		kill -KILL "$pid"
		wait "$pid" 2> /dev/null || true
		runs+=("out.$k:$(state_offset st)")
	done
	wait "$feed"
	wait_for 10 stands_at /n "$N"
	# The last run takes what is left, and ends.
	timeout 20 rxws-connect -r --state st --exit-at-end "ws://127.0.0.1:$PORT/n" > out.6
	runs+=("out.6:$(state_offset st)")
	run "$PY" "$PEERS/resume_runs.py" "$N" "${runs[@]}"
	printf '# %s\n' "${lines[@]}" >&3
	assert_success
	assert_line --regexp "^records out [0-9]+, unique $N, duplicates [0-9]+, gaps 0$"
	# The state file ends where stdout did.
	assert_equal "$(state_offset st)" "$N"
}

@test "json and cbor envelopes carry \"pos\", offsets consecutive; one on stdin is ignored" {
	serve_numbers --history 1000 /n
	seq 1 500 > in
	wait_for 10 stands_at /n 500
	local epoch
	epoch=$(epoch_of /n)
	timeout 10 rxws-connect -r -f json --last 500 --exit-at-end "ws://127.0.0.1:$PORT/n" > env.json
	run jq -rs --arg e "$epoch" '
		[.[] | .pos | split(":")] as $p
		| if ($p | map(.[0]) | unique) != [$e] then "epochs: \($p | map(.[0]) | unique)"
		  elif ($p | map(.[1] | tonumber)) != [range(1; 501)] then "offsets not 1..500"
		  else "ok" end' env.json
	assert_output ok
	# Each position is its record's: the data is the number.
	assert_equal "$(jq -r 'select(.data != (.pos | split(":")[1])) | .pos' env.json)" ''
	assert_equal "$(head -n 1 env.json)" "{\"tag\":\"/n\",\"pos\":\"$epoch:1\",\"type\":\"string\",\"data\":\"1\"}"

	timeout 10 rxws-connect -r -f cbor --last 500 --exit-at-end "ws://127.0.0.1:$PORT/n" > env.cbor
	run "$PY" - env.cbor "$epoch" <<-'PY'
		import io, sys, cbor2
		f, epoch = io.BytesIO(open(sys.argv[1], "rb").read()), sys.argv[2]
		items = []
		while f.tell() < len(f.getvalue()):
		    items.append(cbor2.load(f))
		assert list(items[0]) == ["tag", "pos", "type", "data"], list(items[0])
		assert [i["pos"] for i in items] == [f"{epoch}:{n}" for n in range(1, 501)]
		assert [i["data"] for i in items] == [str(n) for n in range(1, 501)]
		print("ok", len(items))
	PY
	assert_output 'ok 500'

	# rxws-group's too, with each path's tag.
	run timeout 10 rxws-group -r -f json --last 2 --exit-at-end "ws://127.0.0.1:$PORT" /n
	assert_success
	assert_equal "$(jq -r '"\(.tag) \(.pos)"' <<< "$output")" "$(printf '/n %s\n' "$epoch:499" "$epoch:500")"

	# An envelope read on stdin may carry "pos": it is not read.
	run timeout 10 rxws-connect -f json "ws://127.0.0.1:$PORT/n" <<< '{"pos":"whatever","data":"from a client"}'
	assert_success
	wait_for 10 contains s.out 'from a client'
}

@test "a history too short: a warning with the exact count, in the summary and JSON logs; exit 0" {
	serve_numbers --history 100 /n
	seq 1 1000 > in
	wait_for 10 stands_at /n 1000
	local epoch
	epoch=$(epoch_of /n)
	run --separate-stderr timeout 10 rxws-connect -r -v --since "$epoch:0" --exit-at-end \
		"ws://127.0.0.1:$PORT/n"
	assert_success
	assert_equal "$output" "$(seq 901 1000)"
	[[ $stderr == *"warning: gap on /n: 900 messages missed (trimmed: older than the server's history keeps), from $epoch:1 to $epoch:900"* ]]
	[[ $stderr == *"; 0 reconnects; 1 gap (900 messages missed)"* ]]

	# --last past what is kept: the same, counted as attributes too.
	run --separate-stderr timeout 10 rxws-connect -r -v --log-format json --last 250 --exit-at-end \
		"ws://127.0.0.1:$PORT/n"
	assert_success
	assert_equal "$(wc -l <<< "$output")" 100
	assert_equal "$(jq -c 'select(.attributes.gaps != null) | [.attributes.gaps, .attributes.gap_messages]' <<< "$stderr")" '[1,150]'

	# rxws-group: the warning names the path.
	run --separate-stderr timeout 10 rxws-group -r --since "/n=$epoch:850" --exit-at-end \
		"ws://127.0.0.1:$PORT" /n
	assert_success
	assert_equal "$(wc -l <<< "$output")" 100
	[[ $stderr == *"rxws-group:ws://127.0.0.1:$PORT:/n: warning: gap on /n: 50 messages missed"* ]]
}

@test "bad --since, --last, --state: a usage error (64) that says why, never a crash" {
	local url=ws://127.0.0.1:1/n e=0123456789abcdef
	# check STATUS WORDS CMD...: exits STATUS, says WORDS, writes nothing on stdout.
	check() {
		local want=$1 words=$2
		shift 2
		run --separate-stderr timeout 10 "$@"
		[[ $status == "$want" ]] || fail "$*: status $status, not $want: $stderr"
		[[ $stderr == *"$words"* ]] || fail "$*: '$stderr' does not say '$words'"
		assert_output ''
	}
	check 64 "--since '12:5': not a position: expected EPOCH:OFFSET" rxws-connect --since 12:5 "$url"
	check 64 "its offset is not a number" rxws-connect --since "$e:x" "$url"
	check 64 "its epoch is not 16 hex digits" rxws-connect --since "0123456789ABCDEF:1" "$url"
	check 64 "--since: give one position, not two" rxws-connect --since "$e:1" --since "$e:2" "$url"
	check 64 "--since and --last exclude each other" rxws-connect --since "$e:1" --last 5 "$url"
	check 64 "--last: expected a count from 1 to 16777216, not '0'" rxws-connect --last 0 "$url"
	check 64 "--last: expected a count from 1 to 16777216, not '16777217'" rxws-connect --last 16777217 "$url"
	check 64 "--last: expected a count" rxws-connect --last many "$url"
	check 64 "--since: expected PATH=POS (rxws-group keeps a position per path)" \
		rxws-group --since "$e:1" ws://127.0.0.1:1 /a
	check 64 "--since 'a=$e:1': bad PATH: tag must be a path starting with /" \
		rxws-group --since "a=$e:1" ws://127.0.0.1:1 /a
	check 64 "--since: /a is given twice" rxws-group --since "/a=$e:1" --since "/a=$e:2" ws://127.0.0.1:1 /a
	check 64 "--since '/a=1': not a position" rxws-group --since /a=1 ws://127.0.0.1:1 /a
	check 64 "--state keeps the position of what is written to stdout, and -s writes nothing" \
		rxws-connect -s --state st "$url"
	check 64 "--exit-at-end and --session exclude each other" rxws-connect --exit-at-end --session x "$url"

	# State files that are not.
	echo 'hello' > bad1
	check 64 "--state bad1: line 1: not a state file of rxws: its first line is not \"rxws-state 1\"" \
		rxws-connect -r --state bad1 "$url"
	printf 'rxws-state 1\n# mine\n%s:5 /n\n12:5 /m\n' "$e" > bad2
	check 64 "--state bad2: line 4: not a position" rxws-connect -r --state bad2 "$url"
	check 64 "fix it, or remove it to start anew" rxws-connect -r --state bad2 "$url"
	printf 'rxws-state 1\n%s:5 /a\n%s:6 /a\n' "$e" "$e" > bad3
	check 64 "--state bad3: line 3: the path /a comes twice" rxws-group -r --state bad3 ws://127.0.0.1:1 /a
	mkdir adir
	check 64 "cannot read --state adir: not a regular file" rxws-connect -r --state adir "$url"
	check 64 "cannot open --state nodir/st: its lock nodir/st.lock: No such file or directory" rxws-connect -r --state nodir/st "$url"
	# Another URL's (or a group's) state: not this URL's path.
	printf 'rxws-state 1\n%s:5 /other\n' "$e" > other
	check 64 "--state other keeps the position of /other, not of the URL's path /n: give each URL a FILE of its own" \
		rxws-connect -r --state other "$url"
	# None of them changed the files they refused.
	assert_equal "$(cat bad1)" hello
	assert_equal "$(sed -n 4p bad2)" '12:5 /m'
}

@test "--state: one run at a time (75); a file written by hand is read, and replaced whole" {
	serve_numbers --history 100 /n
	seq 1 10 > in
	wait_for 10 stands_at /n 10
	local epoch
	epoch=$(epoch_of /n)
	# By hand: a comment, a blank line, the position.
	printf 'rxws-state 1\n# mine\n\n%s:7 /n\n' "$epoch" > st
	local inode
	inode=$(stat -c %i st)
	run --separate-stderr timeout 10 rxws-connect -r --state st --exit-at-end "ws://127.0.0.1:$PORT/n"
	assert_success
	assert_equal "$output" "$(seq 8 10)"
	# Replaced (a new file renamed over it), the position moved on; no
	# temporary file left, the lock file next to it.
	assert_equal "$(cat st)" "$(printf 'rxws-state 1\n%s:10 /n' "$epoch")"
	[[ $(stat -c %i st) != "$inode" ]]
	[[ ! -e st.tmp && -f st.lock ]]

	# A run that keeps it (it locks the file before it connects): a second
	# one is refused, and says why.
	rxws-connect -r -v --state st "ws://127.0.0.1:$PORT/n" > held.out 2> held.err &
	local held=$!
	PIDS+=("$held")
	wait_for 10 contains held.err 'info: connected'
	run --separate-stderr timeout 10 rxws-connect -r --state st --exit-at-end "ws://127.0.0.1:$PORT/n"
	assert_failure 75
	[[ $stderr == *"--state st is in use by another process: one run at a time may keep a state file"* ]]
	kill -TERM "$held"
	wait "$held" || true
	# Free again.
	run --separate-stderr timeout 10 rxws-connect -r --state st --exit-at-end "ws://127.0.0.1:$PORT/n"
	assert_success
}

@test "--state keeps a quiet path where it stood: the next run misses nothing" {
	serve_numbers --history 100
	seq 1 5 | sed 's|^|/n\t|' > in
	wait_for 10 stands_at /n 5
	# A first run starts live: nothing to write, but the path's place is kept.
	run --separate-stderr timeout 10 rxws-connect -r --state st --exit-at-end "ws://127.0.0.1:$PORT/n"
	assert_success
	assert_output ''
	[[ $(sed -n 2p st) == *:5\ /n ]]
	seq 6 8 | sed 's|^|/n\t|' > in
	wait_for 10 stands_at /n 8
	run --separate-stderr timeout 10 rxws-connect -r --state st --exit-at-end "ws://127.0.0.1:$PORT/n"
	assert_success
	assert_equal "$output" "$(seq 6 8)"
	# rxws-group: each path a line of its own, a quiet one too, which then
	# resumes where it stood.
	run --separate-stderr timeout 10 rxws-group -r --state gst --last 2 --exit-at-end \
		"ws://127.0.0.1:$PORT" /n /quiet
	assert_success
	assert_equal "$output" "$(printf '/n\t7\n/n\t8')"
	assert_equal "$(sed -n '2,3p' gst | cut -d' ' -f2 | sort)" "$(printf '/n\n/quiet')"
	printf '/quiet\tnow\n' > in
	wait_for 10 stands_at /quiet now
	run --separate-stderr timeout 10 rxws-group -r --state gst --exit-at-end \
		"ws://127.0.0.1:$PORT" /n /quiet
	assert_success
	assert_output "$(printf '/quiet\tnow')"
}

@test "the server killed and started again (no --broker): the client says the epoch gap, and goes on" {
	serve_numbers --history 1000 /n
	seq 1 100 > in
	wait_for 10 stands_at /n 100
	rxws-connect -r -v --last 1000 --retry-delay 0.1 --retry-max 0.2 "ws://127.0.0.1:$PORT/n" > c.out 2> c.err &
	PIDS+=($!)
	wait_for 10 has_lines c.out 100
	local first
	first=$(epoch_of /n)
	kill -KILL "$SERVE_PID"
	wait "$SERVE_PID" 2> /dev/null || true
	# The same port, a new server: a new history, a new epoch.
	rxws-serve -p "$PORT" -v --history 1000 /n < in > s2.out 2> s2.err &
	SERVE_PID=$!
	PIDS+=("$SERVE_PID")
	wait_for 10 eval "(( \$(grep -c 'info: connected' c.err) >= 2 ))"
	wait_for 10 contains c.err 'gap on /n'
	seq 101 150 > in
	wait_for 10 has_lines c.out 150
	assert_equal "$(cat c.out)" "$(seq 1 150)"
	local second
	second=$(epoch_of /n)
	[[ $first != "$second" ]]
	assert contains c.err "warning: gap on /n: an unknown number of messages missed (epoch: the server's history started anew), from $first:101 to $second:0"
	# It asked the new server for what came after its last: a gap there too.
	assert contains s2.err 'it asked for are not kept (epoch): a gap, said'
}

@test "--no-ack: positions through the subprotocol rxws.pos; acknowledgements off at the server only: 69, said" {
	serve_numbers --history 100 /n
	seq 1 20 > in
	wait_for 10 stands_at /n 20
	run --separate-stderr timeout 10 rxws-connect -r -v --no-ack --last 5 --exit-at-end "ws://127.0.0.1:$PORT/n"
	assert_success
	assert_equal "$output" "$(seq 16 20)"
	[[ $stderr == *"connected (subprotocol rxws.pos, with positions)"* ]]
	# json under --no-ack, with no need of positions: no subprotocol, no "pos".
	rxws-connect -r -v --no-ack -f json -c 1 "ws://127.0.0.1:$PORT/n" > json.out 2> json.err &
	local json=$!
	PIDS+=("$json")
	wait_for 10 contains json.err 'info: connected'
	echo 21 > in
	wait_status "$json"
	((STATUS == 0))
	assert_equal "$(cat json.out)" '{"tag":"/n","type":"string","data":"21"}'

	# A server without acknowledgements.
	mkfifo in2
	sleep 1000000 <> in2 &
	PIDS+=($!)
	start_serve in2 s2.out s2.err -v --no-ack --history 100 /n
	seq 22 30 > in2
	wait_for 10 stands_at /n 30 --no-ack
	run --separate-stderr timeout 10 rxws-connect -r --last 5 --exit-at-end "ws://127.0.0.1:$PORT/n"
	assert_failure 69
	[[ $stderr == *"the server gives no positions, which --since, --last, --state and --exit-at-end need"*"or it runs with --no-ack (then give --no-ack here too); not trying again"* ]]
	run --separate-stderr timeout 10 rxws-connect -r --no-ack --last 5 --exit-at-end "ws://127.0.0.1:$PORT/n"
	assert_success
	assert_equal "$output" "$(seq 26 30)"
}

@test "a peer that breaks the form of positions: each bad notice said with its number, counted, skipped" {
	local e=0123456789abcdef
	start_py_server pport --subprotocol rxws.pos \
		--text 'no position here' --text '!gap junk' --text "!head $e:2" \
		--text "$e:1"$'\n'"hello" --text "!live $e:x" --text '!future notice' \
		--text "$e:2"$'\n'"world" --text "!live $e:2"
	run --separate-stderr timeout 10 rxws-connect -r -v --no-ack --last 5 --exit-at-end \
		"ws://127.0.0.1:$PY_PORT/p"
	assert_success
	# A message without a position (rxws(7): a broker entry of another
	# program's) is data all the same: written, said once.
	assert_equal "$output" "$(printf 'no position here\nhello\nworld')"
	[[ $stderr == *"warning: server: message 1 has no position (rxws.pos): written, but a restart cannot resume from it (said once for /p)"* ]]
	[[ $stderr == *"server: message 2: !gap: expected FROM TO COUNT WHY, FROM and TO positions: skipped"* ]]
	[[ $stderr == *"server: message 5: !live: expected one position: skipped"* ]]
	[[ $stderr == *"received 8 messages ("*" bytes), 2 bad"* ]]
	assert contains py_server.out 'open /p rxws.pos'

	# A server that takes no subprotocol gives no positions: 69, at once.
	start_py_server pport2 --text hello
	run --separate-stderr timeout 10 rxws-connect -r --no-ack --last 5 "ws://127.0.0.1:$PY_PORT/p"
	assert_failure 69
	[[ $stderr == *"the server gives no positions"* ]]
}
