#!/usr/bin/env bats
# rxws-group: one client per path of one server, tagged records both ways.

load helpers

@test "records for /a, /b and /c each go out on their own path's connection" {
	start_serve /dev/null serve.out serve.err -k -v
	for i in $(seq 1 30); do
		printf '/a\ta%d\n/b\tb%d\n/c\tc%d\n' "$i" "$i" "$i"
	done > in
	run timeout 20 rxws-group "ws://127.0.0.1:$PORT" < in
	assert_success
	wait_for 10 has_lines serve.out 90
	# rxws-serve tags each record with the path of the connection it came on.
	for p in a b c; do
		assert_equal "$(grep "^/$p	" serve.out)" "$(seq 1 30 | sed "s|^|/$p	$p|")"
	done
	assert_equal "$(count_of serve.err ' connected on /')" 3
}

@test "broadcasts on two paths come out of rxws-group tagged with their path" {
	open_fifo in
	start_serve in serve.out serve.err -v
	rxws-group -r "ws://127.0.0.1:$PORT" /x /y/z > group.out 2> group.err &
	PIDS+=($!)
	wait_for 10 has_clients serve.err 2
	printf '/x\thello x\n/y/z\thello y\n/x\tagain x\n' > in
	wait_for 10 has_lines group.out 3
	assert_equal "$(grep '^/x' group.out)" "$(printf '/x\thello x\n/x\tagain x')"
	assert_equal "$(grep '^/y/z' group.out)" "$(printf '/y/z\thello y')"
}

@test "lazy opening: no connection before a path's first record, and that record arrives" {
	start_serve /dev/null serve.out serve.err -k -v
	# Only records for /eager, to the end of input: rxws-group opens no
	# other path in its whole run (its exit makes its log whole).
	printf '/eager\tone\n' > in
	run timeout 10 rxws-group -v "ws://127.0.0.1:$PORT" /eager < in
	assert_success
	assert_output --partial ':/eager: info: connected'
	assert_equal "$(grep -c ': info: connected' <<< "$output")" 1
	wait_for 10 contains serve.err 'disconnected from /eager'
	assert_equal "$(clients_seen serve.err)" 1
	assert_equal "$(cat serve.out)" "$(printf '/eager\tone')"
	# A path's first record opens it, and is delivered.
	open_fifo gin
	rxws-group -v "ws://127.0.0.1:$PORT" /eager < gin > group.out 2> group.err &
	PIDS+=($!)
	wait_for 10 has_clients serve.err 2
	wait_for 10 contains group.err ':/eager: info: connected'
	printf '/lazy\tfirst\n' > gin
	wait_for 10 has_lines serve.out 2
	assert_equal "$(tail -n 1 serve.out)" "$(printf '/lazy\tfirst')"
	assert contains serve.err 'connected on /lazy'
}

@test "isolation: /bad refused by the server retries with growing delays, /good gets everything" {
	start_py_server port --refuse /bad
	for i in $(seq 1 50); do printf '/good\tg%d\n/bad\tb%d\n' "$i" "$i"; done > in
	open_fifo gin
	rxws-group -v --retry-delay 0.05 --drain-timeout 1 "ws://127.0.0.1:$PY_PORT" < gin > group.out 2> group.err &
	local group=$!
	PIDS+=($group)
	cat in > gin
	wait_for 10 has_count py_server.out "^/good text" 50
	wait_for 10 has_count group.err ':/bad: info: .*retrying in' 4
	close_fifo
	wait_gone 10 "$group"
	wait_status "$group"
	assert_equal "$STATUS" 75
	assert contains group.err ':/bad: error: 50 records not delivered'
	assert_equal "$(grep '^/good text' py_server.out | cut -d"'" -f2)" "$(seq 1 50 | sed 's/^/g/')"
	sed -n 's/.*:\/bad: info: .*retrying in \([0-9.]*\) s.*/\1/p' group.err > delays
	awk 'NR > 1 && $1 <= prev { bad = 1 } { prev = $1 } END { exit bad }' delays
}

@test "isolation: a path the server keeps closing backs off, the others carry on" {
	start_py_server port --drop /bad
	open_fifo gin
	rxws-group -v --retry-delay 0.05 "ws://127.0.0.1:$PY_PORT" < gin > group.out 2> group.err &
	PIDS+=($!)
	for i in $(seq 1 200); do printf '/bad\tb%d\n/good\tg%d\n' "$i" "$i"; done > gin
	wait_for 10 has_count py_server.out "^/good text" 200
	wait_for 10 has_count group.err ':/bad: info: closed by the server (1011); retrying in' 4
	sed -n 's/.*:\/bad: info: closed by the server (1011); retrying in \([0-9.]*\) s.*/\1/p' group.err > delays
	awk 'NR > 1 && $1 <= prev { bad = 1 } { prev = $1 } END { exit bad }' delays
}

@test "--max-paths bounds the paths input may open; the rest are bad records" {
	start_serve /dev/null serve.out serve.err -k
	printf '/p1\t1\n/p2\t2\n/p3\t3\n/p1\t4\n' > in
	run timeout 10 rxws-group --max-paths 2 "ws://127.0.0.1:$PORT" < in
	assert_equal "$status" 65	# skipped, so not a clean run
	assert_output --partial 'stdin record 3: path /p3 would be over --max-paths (2); skipped'
	wait_for 10 has_lines serve.out 3
	assert_equal "$(sort serve.out)" "$(printf '/p1\t1\n/p1\t4\n/p2\t2')"
	run timeout 10 rxws-group --strict --max-paths 2 "ws://127.0.0.1:$PORT" < in
	assert_failure 65
}

@test "bad tagged records: no tag, empty tag, tag without a leading /; --strict exits 65" {
	start_serve /dev/null serve.out serve.err -k
	printf 'untagged\n\tempty\nrel\tx\n/ok\tfine\n' > in
	run timeout 10 rxws-group "ws://127.0.0.1:$PORT" < in
	assert_equal "$status" 65	# skipped, so not a clean run
	assert_output --partial 'stdin record 1: no tag'
	assert_output --partial 'stdin record 2: empty tag'
	assert_output --partial 'stdin record 3: tag must be a path starting with /'
	wait_for 10 has_lines serve.out 1
	assert_equal "$(cat serve.out)" "$(printf '/ok\tfine')"
	run timeout 10 rxws-group --strict "ws://127.0.0.1:$PORT" < in
	assert_failure 65
}

@test "per-path --type: /audio/*=bytes sends binary frames, the rest text frames" {
	start_py_server port
	printf '/audio/mic\tabc\n/chat\thi\n/audio/line\t\x00\x01\n' > in
	run timeout 10 rxws-group --type '/audio/*=bytes' "ws://127.0.0.1:$PY_PORT" < in
	assert_success
	wait_for 10 has_count py_server.out 'closed' 3
	assert contains py_server.out '^/audio/mic binary 616263$'
	assert contains py_server.out "^/chat text 'hi'$"
	assert contains py_server.out '^/audio/line binary 0001$'
}

@test "a path in the URL is a prefix of every path, its query goes to each; tags stay short" {
	open_fifo sin
	start_serve sin serve.out serve.err -v
	open_fifo gin
	rxws-group "ws://127.0.0.1:$PORT/pre/?k=v" /a < gin > group.out 2> group.err &
	PIDS+=($!)
	wait_for 10 contains serve.err 'connected on /pre/a'
	printf '/pre/a\tdown\n' > sin
	wait_for 10 has_lines group.out 1
	assert_equal "$(cat group.out)" "$(printf '/a\tdown')"
	printf '/a\tup\n' > gin
	wait_for 10 has_lines serve.out 1
	assert_equal "$(cat serve.out)" "$(printf '/pre/a\tup')"
}

@test "a path the server ended (1000) opens again on its next record" {
	start_py_server port --close-after 1
	open_fifo gin
	rxws-group -v "ws://127.0.0.1:$PY_PORT" < gin > group.out 2> group.err &
	PIDS+=($!)
	printf '/p\tone\n' > gin
	wait_for 10 contains group.err ':/p: info: the server ended the stream (1000)'
	printf '/p\ttwo\n' > gin
	wait_for 10 contains py_server.out "/p text 'two'"
	assert_equal "$(count_of py_server.out '^open /p$')" 2
}

@test "a path that gives up (--retries) loses its records, the others deliver; exit 69" {
	start_py_server port --refuse /bad
	printf '/bad\tx\n/good\ty\n' > in
	run timeout 20 rxws-group --retries 1 --retry-delay 0.05 "ws://127.0.0.1:$PY_PORT" < in
	assert_failure 69
	assert_output --partial ':/bad: error: cannot connect'
	assert_output --partial '1 path gave up (--retries): records were lost'
	wait_for 10 contains py_server.out "/good text 'y'"
}

@test "rxws-group rejects a URL with a fragment or no host, and raw framing" {
	run rxws-group ws:///
	assert_failure 64
	run rxws-group --bytes -f raw ws://h/
	assert_failure 64
	run rxws-group ws://h/ relative
	assert_failure 64
}

@test "--overflow block: a path whose queue is full holds stdin, so later paths wait too" {
	start_py_server port --refuse /bad
	printf '/bad\t1\n/bad\t2\n/bad\t3\n/good\tlate\n' > in
	run timeout 20 rxws-group -v --queue 2 -W 2 --retry-delay 0.05 "ws://127.0.0.1:$PY_PORT" < in
	assert_failure 75
	# It has exited: its log is whole, and /good was never opened.
	assert_output --partial 'stdin 4 records'
	refute_output --partial ':/good:'
	# Every connection the server saw has ended, what it carried printed.
	wait_for 10 eval '(( $(count_of py_server.out "^open ") == $(count_of py_server.out "^closed ") ))'
	refute contains py_server.out 'late'
}

@test "--overflow drop-newest: a path whose queue is full drops its own records, others go on" {
	start_py_server port --refuse /bad
	{ for i in $(seq 1 10); do printf '/bad\t%d\n' "$i"; done; printf '/good\tlate\n'; } > in
	run timeout 20 rxws-group --queue 3 --overflow drop-newest --drain-timeout 1 --retry-delay 0.05 "ws://127.0.0.1:$PY_PORT" < in
	assert_failure 75
	assert_output --partial ':/bad: warning: server: queue full (--queue 3): dropping new records'
	assert_equal "$(count_of <(echo "$output") 'queue full')" 1
	assert_output --partial ':/bad: error: 3 records not delivered'
	wait_for 10 contains py_server.out "/good text 'late'"
}

@test "rxws-group -f raw: a usage error that speaks of rxws-group" {
	run rxws-group -f raw ws://127.0.0.1:1/ /a
	assert_failure 64
	assert_output --partial '--format raw cannot carry tags: use lp, or rxws-connect for one path'
	refute_output --partial 'give one path'
}
