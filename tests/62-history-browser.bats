#!/usr/bin/env bats
# History and recovery for a browser (rxws(7), HISTORY AND RECOVERY):
# headless Chromium on a page that takes numbered records with
# examples/rxws.js, through a relay (tests/peers/cutter.py) that cuts its
# TCP connections when told, while tests/peers/paced.py feeds rxws-serve
# 10,000 records a second. The page (tests/peers/history.html) keeps every
# number it was given and every gap; tests/peers/history_page.js drives it
# and writes them down. And the module's parsing, by node alone.

load helpers

N=100000
RATE=10000

# site: the test page as index.html, next to the module it uses.
site() {
	mkdir -p site
	cp "$TOP/examples/rxws.js" site/
	cp "$PEERS/history.html" site/index.html
}

# start_cutter PORT: the relay to rxws-serve's PORT; sets CUT_PID, CUT_PORT.
start_cutter() {
	"$PY" "$PEERS/cutter.py" --target "$1" --port-file cport > cutter.log 2> cutter.err &
	CUT_PID=$!
	PIDS+=("$CUT_PID")
	wait_for 10 test -s cport || { cat cutter.err >&2; return 1; }
	CUT_PORT=$(cat cport)
}

# start_page QUERY UNTIL: the page, by the relay, with QUERY, until it has
# the number UNTIL and the test is done with it (touch done); sets PAGE_PID
# once the page is live.
start_page() {
	node "$PEERS/history_page.js" "http://127.0.0.1:$CUT_PORT/$1" --until "$2" \
		--hold "$T/done" --dir "$T/page" --timeout 60 > page.out 2> page.err &
	PAGE_PID=$!
	PIDS+=("$PAGE_PID")
	wait_for 30 eval 'test -e page/ready || ! kill -0 $PAGE_PID 2> /dev/null'
	[[ -e page/ready ]] || { cat page.err >&2; return 1; }
}

# start_feed: N numbers, RATE a second, into the fifo in; fed holds the last.
start_feed() {
	"$PY" "$PEERS/paced.py" "$N" "$RATE" --progress fed > in &
	PIDS+=($!)
}

# progress FIELD: the page's FIELD (received, last, opens, gaps, lives,
# state): what the driver saw last, up to 50 ms ago.
progress() {
	local -A p=()
	set -- "$1" $(cat page/progress 2> /dev/null)
	local want=$1
	shift
	while (($# >= 2)); do
		p[$1]=$2
		shift 2
	done
	echo "${p[$want]:-0}"
}

page_at() { (($(progress "$1") >= $2)); }
fed_at() { (($(cat fed 2> /dev/null || echo 0) >= $1)); }

# page_done: the driver got to N and wrote what the page was given.
page_done() {
	touch done
	wait_gone 60 "$PAGE_PID" || { tail -n 5 page/events page.err >&2; return 1; }
	wait_status "$PAGE_PID"
	[[ $STATUS == 0 ]] || { tail -n 20 page/events page.err >&2; return 1; }
}

# check_numbers [MISSING]: page/got has each number from 1 to N once, in
# order, each at its own offset (the path's Nth message), but for one run
# of MISSING numbers (0: none); prints "FIRST_MISSING LAST_MISSING".
check_numbers() {
	"$PY" - "$N" "${1:-0}" <<'PY'
import sys
n, missing = int(sys.argv[1]), int(sys.argv[2])
got = [tuple(int(x) for x in line.split()) for line in open("page/got")]
for number, offset in got:
    assert number == offset, f"number {number} at offset {offset}"
numbers = [g[0] for g in got]
for a, b in zip(numbers, numbers[1:]):
    assert a < b, f"{b} after {a}: out of order, or twice"
holes = [(a + 1, b - 1) for a, b in zip([0] + numbers, numbers + [n + 1]) if b != a + 1]
assert numbers[-1] == n, f"the last is {numbers[-1]}"
if missing == 0:
    assert not holes, f"missing: {holes[:5]}"
    print("0 0")
else:
    assert len(holes) == 1, f"not one run missing: {holes[:5]}"
    first, last = holes[0]
    assert last - first + 1 == missing, f"{last - first + 1} missing ({first}-{last}), the gap said {missing}"
    print(first, last)
PY
}

# counter NAME: a counter of the module (page/stats).
counter() {
	"$PY" -c 'import json, sys; print(json.load(open("page/stats"))[sys.argv[1]])' "$1"
}

@test "rxws.js parses positions and notices, resumes, backs off, reports gaps (node, no browser)" {
	need_node_modules
	run node --no-warnings --test "$PEERS/rxws_js_test.mjs"
	assert_success
	assert_line --regexp '^# fail 0$'
}

@test "a page cut off three times while 100,000 records pass gets each once, in order, no gap" {
	need_chromium
	site
	open_fifo in
	start_serve in serve.out serve.err -v --static site --history "$N" /feed
	start_cutter "$PORT"
	start_page '?minDelay=50&maxDelay=400&stableAfter=60000' "$N"
	start_feed
	local at cuts=0
	# Cut while the stream runs: when the feed is at each of these.
	for at in 20000 50000 80000; do
		wait_for 30 fed_at "$at"
		kill -USR1 "$CUT_PID"
		cuts=$((cuts + 1))
		wait_for 10 eval "(( \$(count_of cutter.log '^cut [1-9]') == $cuts ))"
		# Back on the relay before the next cut.
		wait_for 30 page_at opens $((cuts + 1))
	done
	page_done
	run check_numbers 0
	assert_success
	assert_equal "$(cat page/gaps)" ''
	assert_equal "$(counter duplicates)" 0
	assert_equal "$(counter opens)" 4
	# Each connection after a cut asked for what came after the last the
	# page had been given, and some of the stream came by the history.
	local since
	since=$(sed -n 's/^[0-9]* connecting .*\/feed?since=[0-9a-f]\{16\}:\([0-9]*\)$/\1/p' page/events)
	assert_equal "$(wc -w <<< "$since")" 3
	local replayed
	replayed=$(awk '{ n += $2 } END { print n + 0 }' page/lives)
	((replayed > 0))
	echo "# resumed after ${since//$'\n'/, }; replayed $replayed in all" >&3
}

@test "a page away while more records pass than --history keeps is told the gap, its exact count, then has every other one once" {
	need_chromium
	site
	open_fifo in
	start_serve in serve.out serve.err -v --static site --history 1000 /feed
	start_cutter "$PORT"
	start_page '?minDelay=50&maxDelay=400&stableAfter=60000' "$N"
	start_feed
	wait_for 30 page_at received 20000
	kill -USR2 "$CUT_PID"	# down: cut, and every new connection turned away
	wait_for 10 contains cutter.log '^down [1-9]'
	# The page has been given all that came before the cut once it knows
	# it is cut (a browser hands on what it has read before the close).
	wait_for 30 eval '[[ $(progress state) != open ]]'
	local away
	away=$(progress last)
	# Three times what the history keeps passes while the page is away, and
	# it tries (and fails) to come back at least once.
	wait_for 30 fed_at $((away + 3000))
	wait_for 10 contains cutter.log '^turned away'
	kill -USR2 "$CUT_PID"
	wait_for 10 contains cutter.log '^up$'
	page_done
	assert_equal "$(lines page/gaps)" 1
	local from to count reason
	read -r from to count reason < page/gaps
	assert_equal "$reason" trimmed
	((count >= 1500))
	run check_numbers "$count"
	assert_success
	# The page missed what came after the last it had before the cut.
	assert_equal "$(cut -d' ' -f1 <<< "$output")" $((away + 1))
	assert_equal "$(counter duplicates)" 0
	assert_equal "$(counter lost)" "$count"
	# After the gap, what the history kept: its 1000, then live.
	assert_equal "$(tail -n 1 page/lives | cut -d' ' -f2)" 1000
	echo "# away after $away; gap $from $to $count $reason" >&3
}

# member NAME IN ARGS...: rxws-serve --broker on the test's Redis, reading
# IN; sets MEMBER_PID once it reads the stream.
member() {
	local name=$1 in=$2
	shift 2
	rxws-serve -v --broker "$REDIS_URL" "$@" < "$in" > "$name.out" 2> "$name.err" &
	MEMBER_PID=$!
	PIDS+=("$MEMBER_PID")
	wait_for 10 contains "$name.err" 'listening on port' || { cat "$name.err" >&2; return 1; }
	wait_for 20 contains "$name.err" 'reading rxws:out after id' || { cat "$name.err" >&2; return 1; }
}

@test "--broker: the page's server killed and started again; the page resumes on the new process, each number once" {
	command -v redis-server > /dev/null || skip "redis-server is missing (scripts/setup-deps)"
	need_chromium
	local N=50000 port
	site
	start_redis
	open_fifo in
	# One member reads the records; the page's is another, on a port of its own.
	member feeder in -p 0 /feed
	port=$(free_port)
	member served /dev/null -k -p "$port" --history "$N" --static site /feed
	start_cutter "$port"
	start_page '?minDelay=50&maxDelay=400&stableAfter=60000' "$N"
	start_feed
	wait_for 30 fed_at 20000
	# The relay turns the page away until the new process has read back
	# the stream: the history it resumes from.
	kill -USR2 "$CUT_PID"
	kill -KILL "$MEMBER_PID"
	wait_gone 10 "$MEMBER_PID"
	member again /dev/null -k -p "$port" --history "$N" --static site /feed
	wait_for 20 contains again.err 'the history starts with [1-9][0-9]* entries'
	kill -USR2 "$CUT_PID"
	wait_for 10 contains cutter.log '^up$'
	wait_for 30 page_at opens 2
	page_done
	run check_numbers 0
	assert_success
	assert_equal "$(cat page/gaps)" ''
	assert_equal "$(counter duplicates)" 0
	assert_equal "$(counter opens)" 2
	# One epoch: the stream's, whichever process serves it.
	assert_equal "$("$PY" -c 'import json; print(len(json.load(open("page/stats"))["epochs"]))')" 1
	# Every attempt after the first asked for what came after the page's last.
	assert_equal "$(grep -c ' connecting ' page/events)" \
		$((1 + $(grep -c ' connecting .*/feed?since=[0-9a-f]\{16\}:[1-9][0-9]*$' page/events)))
}
