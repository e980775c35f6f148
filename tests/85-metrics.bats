#!/usr/bin/env bats
# rxws-serve --metrics: GET /metrics in the Prometheus text format (checked
# by tests/peers/prom_check.py, a strict reader of format 0.0.4, since
# promtool is not in Debian 12), the numbers as records and clients come
# and go, and GET /healthz through a run.

load helpers

setup_file() {
	local d=$BATS_FILE_TMPDIR
	make_test_ca "$d"
	echo 's3cret-Token_42' > "$d/token"
}

CHECK=$PEERS/prom_check.py

# scrape FILE [CURL ARGS...]: GET /metrics into FILE, which must parse.
scrape() {
	local file=$1
	shift
	curl -sS -f -o "$file" "$@" "http://127.0.0.1:$PORT/metrics" &&
		"$PY" "$CHECK" "$file" > /dev/null
}

# value FILE SERIES: the value of one series (name and labels, as written)
# in a scrape; nothing when it is not there.
value() {
	awk -v k="$2" '{ v = $NF; sub(/ [^ ]*$/, ""); if ($0 == k) print v }' "$1"
}

# reaches SERIES N: a new scrape says N.
reaches() {
	scrape now.txt && [[ $(value now.txt "$1") == "$2" ]]
}

# status PATH: the HTTP status of a GET of PATH (000: no answer).
status() {
	curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT$1" || true
}

healthz_is() {
	[[ $(status /healthz) == "$1" ]]
}

@test "prom_check: a valid text passes, and each kind of mistake fails with its line" {
	printf '# HELP a_total A \\\\ help\\n.\n# TYPE a_total counter\na_total{x="q\\"\\\\\\n",y="2",} 1 1700000000000\n\n# TYPE g gauge\ng -Inf\ng{p="é"} NaN\n# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_sum 3.5e2\nh_count 2\n# TYPE e_total counter\n' > good.txt
	run "$PY" "$CHECK" good.txt
	assert_success
	assert_output 'ok: 4 families, 6 samples'

	local -a bad=(
		'# TYPE c counter\nc 1\n'					'counter c does not end in _total'
		'c_total 1\n'							'sample of c_total without a TYPE before it'
		'# TYPE c_total counter\nc_total NaN\n'				'counter c_total has the value nan'
		'# TYPE c_total counter\nc_total -1\n'				'counter c_total has the value -1.0'
		'# TYPE g gauge\ng{a="1"} 1\ng{a="1"} 2\n'			'line 3: series g'
		'# TYPE g gauge\ng{a="1",a="2"} 1\n'				'label a twice'
		'# TYPE g gauge\ng{a="\\q"} 1\n'				'bad escape'
		'# TYPE g gauge\ng{a="1\n"} 1\n'				'value not closed'
		'# TYPE g gauge\ng{a="\xff"} 1\n'				'line 2: not UTF-8'
		'# TYPE g gauge\ng{a=1} 1\n'					'expected =" after label a'
		'# TYPE g gauge\ng{__a="1"} 1\n'				'reserved'
		'# TYPE g gauge\ng 1x\n'					"value '1x' is not a float"
		'# TYPE g gauge\ng 0x10\n'					"value '0x10' is not a float"
		'# TYPE g gauge\ng 1'						'does not end with a line feed'
		'# TYPE g gauge\n# TYPE g gauge\ng 1\n'				'a second TYPE for g'
		'# TYPE g gauge\ng 1\n# TYPE g gauge\n'				'TYPE of g after its samples or group'
		'# TYPE g gauge\ng 1\n# HELP g late\n'				'HELP of g after its samples or group'
		'# TYPE g gauge\n# TYPE f gauge\nf 1\ng 1\n'			'samples of g apart from its group'
		'# TYPE g gauge\ng 1\n# TYPE f gauge\nf 1\ng 2\n'		'samples of g apart from its group'
		'# TYPE g gaug\ng 1\n'						'TYPE g: expected one of'
		'# TYPE g gauge\ng{a="1" ,b="2"} 1\n'				'expected , or }'
		'# TYPE g gauge\r\ng 1\n'					'carriage return'
		'# TYPE 1g gauge\n'						'without a valid metric name'
		'# TYPE h histogram\nh_bucket 1\n'				'bucket h_bucket without le'
		'# TYPE g gauge\ng 1 12.5\n'					"timestamp '12.5' is not an int64"
	)
	local i
	for ((i = 0; i < ${#bad[@]}; i += 2)); do
		printf "${bad[i]}" > bad.txt
		run "$PY" "$CHECK" bad.txt
		assert_failure 1
		assert_output --partial "${bad[i + 1]}"
		assert_output --regexp '^line [0-9]+: '
	done
}

@test "--metrics: records, messages and clients per path move as records flow" {
	open_fifo in
	start_serve in serve.out serve.err -v --metrics
	rxws-connect -r "ws://127.0.0.1:$PORT/a" > a1.out 2> a1.err &
	PIDS+=($!)
	rxws-connect -r "ws://127.0.0.1:$PORT/a" > a2.out 2> a2.err &
	PIDS+=($!)
	rxws-connect -r "ws://127.0.0.1:$PORT/b" > b1.out 2> b1.err &
	PIDS+=($!)
	wait_for 10 has_clients serve.err 3

	run curl -s -D - -o m0.txt "http://127.0.0.1:$PORT/metrics"
	assert_line --partial 'HTTP/1.1 200 OK'
	assert_line --partial 'Content-Type: text/plain; version=0.0.4; charset=utf-8'
	run "$PY" "$CHECK" m0.txt
	assert_success
	assert_equal "$(value m0.txt rxws_clients)" 3
	assert_equal "$(value m0.txt 'rxws_path_clients{path="/a"}')" 2
	assert_equal "$(value m0.txt 'rxws_path_clients{path="/b"}')" 1
	assert_equal "$(value m0.txt 'rxws_path_clients{path="other"}')" 0
	assert_equal "$(value m0.txt rxws_paths)" 2
	assert_equal "$(value m0.txt rxws_connects_total)" 3
	assert_equal "$(value m0.txt rxws_records_read_total)" 0
	local version
	version=$(rxws-serve --version | cut -d' ' -f2)
	assert grep -qE "^rxws_build_info\\{version=\"$version\",libwebsockets=\"[0-9.]+\"\\} 1\$" m0.txt
	local started
	started=$(value m0.txt rxws_start_time_seconds)
	assert "$PY" -c "import sys, time; sys.exit(not 0 <= time.time() - $started < 600)"

	# 5 records for /a (two clients), 3 for /b, one for a path nobody is on.
	for i in 1 2 3 4 5; do printf '/a\ta%s\n' "$i"; done > in
	for i in 1 2 3; do printf '/b\tb%s\n' "$i"; done > in
	printf '/nobody\tlost in space\n' > in
	wait_for 10 has_lines a1.out 5
	wait_for 10 has_lines a2.out 5
	wait_for 10 has_lines b1.out 3
	# Delivered once the clients acknowledge what they wrote out.
	wait_for 10 reaches 'rxws_records_total{fate="delivered"}' 8
	scrape m1.txt
	assert_equal "$(value m1.txt rxws_records_read_total)" 9
	assert_equal "$(value m1.txt 'rxws_records_total{fate="discarded"}')" 1
	assert_equal "$(value m1.txt 'rxws_records_total{fate="lost"}')" 0
	assert_equal "$(value m1.txt rxws_records_pending)" 0
	assert_equal "$(value m1.txt rxws_messages_sent_total)" 13
	assert_equal "$(value m1.txt rxws_sent_bytes_total)" 26
	assert_equal "$(value m1.txt rxws_stdin_bad_records_total)" 0
	assert_equal "$(value m1.txt rxws_queued_messages)" 0

	# N more for /a: delivered goes up by N, sent by N for each of its clients.
	for i in 6 7 8 9; do printf '/a\ta%s\n' "$i"; done > in
	printf '/a\t\xff\n' > in	# not UTF-8: a bad record
	wait_for 10 reaches 'rxws_records_total{fate="delivered"}' 12
	scrape m2.txt
	assert_equal "$(value m2.txt rxws_messages_sent_total)" $((13 + 2 * 4))
	assert_equal "$(value m2.txt rxws_records_read_total)" 13
	assert_equal "$(value m2.txt rxws_stdin_bad_records_total)" 1

	# A client that sends two messages and closes with 1000.
	run timeout 10 "$PY" "$PEERS/ws_client.py" --text hi --text there --recv 0 "ws://127.0.0.1:$PORT/c"
	assert_line 'close 1000'
	wait_for 10 reaches 'rxws_disconnects_total{by="client",code="1000"}' 1
	scrape m3.txt
	assert_equal "$(value m3.txt rxws_messages_received_total)" 2
	assert_equal "$(value m3.txt rxws_received_bytes_total)" 7
	assert_equal "$(value m3.txt rxws_stdout_records_total)" 2
	assert_equal "$(value m3.txt rxws_connects_total)" 4
	assert_equal "$(value m3.txt rxws_clients)" 3
	refute grep -q 'path="/c"' m3.txt
	assert_equal "$(cat serve.out)" "$(printf '/c\thi\n/c\tthere')"
}

@test "--metrics: refused handshakes by status, closes by who and code" {
	start_serve /dev/null serve.out serve.err -k --metrics --max-size 10 /feed
	run timeout 10 "$PY" "$PEERS/ws_client.py" "ws://127.0.0.1:$PORT/other"
	assert_output 'refused 404'
	run timeout 10 "$PY" "$PEERS/ws_client.py" "ws://127.0.0.1:$PORT/other"
	assert_output 'refused 404'
	run timeout 10 "$PY" "$PEERS/ws_client.py" --header 'Sec-WebSocket-Version: 8' "ws://127.0.0.1:$PORT/feed"
	refute_output --partial open
	wait_for 10 reaches 'rxws_refused_total{status="404"}' 2
	# Over --max-size: we close with 1009.
	run timeout 10 "$PY" "$PEERS/ws_client.py" --big 100 --recv 1 "ws://127.0.0.1:$PORT/feed"
	assert_line 'close 1009'
	# The client closes with 1000.
	run timeout 10 "$PY" "$PEERS/ws_client.py" --recv 0 "ws://127.0.0.1:$PORT/feed"
	assert_line 'close 1000'
	# A client that is killed: no close at all.
	"$PY" "$PEERS/ws_client.py" --stop-reading "ws://127.0.0.1:$PORT/feed" > gone.out &
	local gone=$!
	PIDS+=("$gone")
	wait_for 10 contains gone.out open
	wait_for 10 reaches rxws_clients 1
	kill -KILL "$gone"
	wait_for 10 reaches 'rxws_disconnects_total{by="none",code="none"}' 1
	scrape m.txt
	assert_equal "$(value m.txt 'rxws_disconnects_total{by="server",code="1009"}')" 1
	assert_equal "$(value m.txt 'rxws_disconnects_total{by="client",code="1000"}')" 1
	assert_equal "$(grep -c '^rxws_disconnects_total' m.txt)" 3
	assert_equal "$(value m.txt rxws_connects_total)" 3
	assert_equal "$(value m.txt rxws_messages_bad_total)" 1
	assert_equal "$(value m.txt rxws_clients)" 0
	assert_equal "$(value m.txt 'rxws_refused_total{status="404"}')" 2
	# Another version than 13: 426 (RFC 6455 4.4).
	assert_equal "$(value m.txt 'rxws_refused_total{status="426"}')" 1
	assert_equal "$(grep -c '^rxws_refused_total' m.txt)" 2
}

@test "--metrics with --auth-token-file: 401 without the token, 200 with Bearer or ?token=; /healthz needs none" {
	local token=s3cret-Token_42
	start_serve /dev/null serve.out serve.err -k --metrics --auth-token-file "$BATS_FILE_TMPDIR/token" /feed
	run curl -s -D - -o body.txt "http://127.0.0.1:$PORT/metrics"
	assert_line --partial 'HTTP/1.1 401'
	assert_line --partial 'WWW-Authenticate: Bearer'
	refute grep -q rxws_ body.txt
	assert_equal "$(status "/metrics?token=wrong")" 401
	run curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer s3cret-Token_4' "http://127.0.0.1:$PORT/metrics"
	assert_output 401
	assert_equal "$(count_of serve.err 'refused /metrics: missing or wrong token (HTTP 401)')" 3
	scrape bearer.txt -H "Authorization: Bearer $token"
	assert_equal "$(value bearer.txt 'rxws_refused_total{status="401"}')" 3
	curl -sS -f -o query.txt "http://127.0.0.1:$PORT/metrics?token=$token"
	run "$PY" "$CHECK" query.txt
	assert_success
	run curl -s "http://127.0.0.1:$PORT/healthz"
	assert_output ok
}

@test "--metrics: HEAD answers as GET does, without the body; kept alive" {
	start_serve /dev/null serve.out serve.err -k --metrics /feed
	scrape get.txt
	run curl -s -I "http://127.0.0.1:$PORT/metrics"
	assert_line --partial 'HTTP/1.1 200 OK'
	assert_line --partial 'Content-Type: text/plain; version=0.0.4; charset=utf-8'
	assert_line --partial "Content-Length: $(wc -c < get.txt)"
	# What the socket gets: the head, and not a byte after it.
	local raw='import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"HEAD " + sys.argv[2].encode() + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
data = b""
while True:
    d = s.recv(65536)
    if not d:
        break
    data += d
head, _, body = data.partition(b"\r\n\r\n")
print(head.split(b"\r\n")[0].decode(), len(body))'
	run "$PY" -c "$raw" "$PORT" /metrics
	assert_output 'HTTP/1.1 200 OK 0'
	run "$PY" -c "$raw" "$PORT" /healthz
	assert_output 'HTTP/1.1 200 OK 0'
	# Two scrapes on one connection.
	run curl -s -o a.txt -o b.txt -w '%{num_connects} ' "http://127.0.0.1:$PORT/metrics" "http://127.0.0.1:$PORT/metrics"
	assert_output '1 0 '
	run "$PY" "$CHECK" b.txt
	assert_success
	run curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$PORT/metrics"
	assert_output 405
}

@test "--metrics over TLS (--cert): /metrics and /healthz by HTTPS" {
	local d=$BATS_FILE_TMPDIR
	start_serve /dev/null serve.out serve.err -k --metrics --cert "$d/server.pem" --key "$d/server.key" /feed
	curl -sS -f --cacert "$d/ca.pem" -o m.txt "https://localhost:$PORT/metrics"
	run "$PY" "$CHECK" m.txt
	assert_success
	assert_equal "$(value m.txt rxws_clients)" 0
	run curl -sS --cacert "$d/ca.pem" "https://localhost:$PORT/healthz"
	assert_output ok
	run curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/healthz"
	refute_output 200
}

@test "/healthz: 200 while running and draining, 503 once closing, then nothing" {
	# 2000 records of 4000 bytes for a client that reads nothing: the drain
	# cannot end, and SIGTERM finds the server with records still queued.
	"$PY" -c 'import sys; sys.stdout.write(("x" * 4000 + "\n") * 2000)' > big
	start_serve big serve.out serve.err -v --metrics --wait-clients 1 --queue 4000 --drain-timeout 60 /feed
	assert_equal "$(status /healthz)" 200
	"$PY" "$PEERS/ws_client.py" --stall-until "$T/never" "ws://127.0.0.1:$PORT/feed" > c.out &
	PIDS+=($!)
	wait_for 20 contains serve.err 'end of input: sending what is queued'
	assert_equal "$(status /healthz)" 200
	scrape m.txt
	(($(value m.txt rxws_queue_longest_messages) > 0))
	assert_equal "$(value m.txt rxws_queue_capacity_messages)" 4000
	kill -TERM "$SERVE_PID"
	wait_for 10 healthz_is 503
	run curl -s "http://127.0.0.1:$PORT/healthz"
	assert_output 'shutting down'
	wait_status "$SERVE_PID"
	assert_equal "$STATUS" 75
	assert_equal "$(status /healthz)" 000
}

@test "without --metrics, /metrics and /healthz are paths like any other; --collect --metrics is refused" {
	start_serve /dev/null serve.out serve.err -k /feed
	assert_equal "$(status /metrics)" 404
	assert_equal "$(status /healthz)" 404
	start_serve /dev/null multi.out multi.err -k
	assert_equal "$(status /metrics)" 426
	assert_equal "$(status /healthz)" 426
	run rxws-serve --broker redis://127.0.0.1:1 --collect --metrics
	assert_failure 64
	assert_output --partial '--collect listens nowhere: --metrics needs a port'
	run rxws-serve --help
	assert_output --partial '--metrics'
}

@test "--metrics wins over --static files named metrics and healthz" {
	mkdir site
	echo 'a file' > site/metrics
	echo 'a file' > site/healthz
	start_serve /dev/null serve.out serve.err -k --static site --metrics /feed
	scrape m.txt
	run curl -s "http://127.0.0.1:$PORT/healthz"
	assert_output ok
	start_serve /dev/null s2.out s2.err -k --static site /feed
	run curl -s "http://127.0.0.1:$PORT/metrics"
	assert_output 'a file'
}

@test "--metrics: 20 paths at most, the busiest, and the rest as path=\"other\"" {
	start_serve /dev/null serve.out serve.err -k -v --metrics
	local paths=()
	for i in $(seq -w 1 25); do paths+=("/p$i"); done
	rxws-group -r "ws://127.0.0.1:$PORT" "${paths[@]}" > group.out 2> group.err &
	PIDS+=($!)
	for i in 1 2; do
		rxws-connect -r "ws://127.0.0.1:$PORT/p25" > "c$i.out" 2> "c$i.err" &
		PIDS+=($!)
	done
	wait_for 20 has_clients serve.err 27
	scrape m.txt
	assert_equal "$(grep -c '^rxws_path_clients{' m.txt)" 21
	assert_equal "$(value m.txt 'rxws_path_clients{path="/p25"}')" 3
	assert_equal "$(value m.txt 'rxws_path_clients{path="/p01"}')" 1
	assert_equal "$(value m.txt 'rxws_path_clients{path="/p19"}')" 1
	assert_equal "$(value m.txt 'rxws_path_clients{path="/p20"}')" ''
	assert_equal "$(value m.txt 'rxws_path_clients{path="other"}')" 5
	assert_equal "$(value m.txt rxws_paths)" 25
	assert_equal "$(value m.txt rxws_clients)" 27
	# The busiest first.
	assert_equal "$(grep -m 1 '^rxws_path_clients{' m.txt)" 'rxws_path_clients{path="/p25"} 3'
}

@test "--metrics with --broker: the broker's counters" {
	command -v redis-server > /dev/null || skip "redis-server is missing (scripts/setup-deps)"
	start_redis
	open_fifo in
	start_serve in serve.out serve.err -v --metrics --broker "$REDIS_URL" /feed
	wait_for 20 contains serve.err 'reading rxws:out after id'
	scrape m0.txt
	assert_equal "$(value m0.txt rxws_broker_appended_total)" 0
	assert_equal "$(grep -c '^# TYPE rxws_broker_' m0.txt)" 8
	printf 'one\ntwo\n' > in
	wait_for 10 reaches rxws_broker_appended_total 2
	wait_for 10 reaches rxws_broker_read_total 2
	scrape m1.txt
	assert_equal "$(value m1.txt 'rxws_records_total{fate="delivered"}')" 2
	assert_equal "$(value m1.txt rxws_broker_gaps_total)" 0
	start_serve /dev/null plain.out plain.err -k --metrics /feed
	scrape m2.txt
	refute grep -q rxws_broker_ m2.txt
}
