#!/usr/bin/env bats
# Saying why, at the default level: the reason a connection failed is in
# the final error; a server that ends the stream early, --oneshot, and the
# fields of JSON logs that let jq pick a peer, a path or a record.

load helpers

# The one line a sender that gave up ends with.
final_error() {
	grep ': error: ' "$1"
}

@test "nothing listening: the final error says the records and the last attempt's reason" {
	port=$(free_port)
	run -75 --separate-stderr timeout 20 rxws-connect --drain-timeout 1 "ws://127.0.0.1:$port/clock" <<< tick
	printf '%s\n' "$stderr" > err
	run final_error err
	assert_output "rxws-connect:ws://127.0.0.1:$port/clock: error: 1 record not delivered within --drain-timeout (1 s): last attempt: connection refused by 127.0.0.1:$port"
}

@test "a name that does not resolve: said with the resolver's words" {
	run -75 --separate-stderr timeout 20 rxws-connect --drain-timeout 1 ws://no-such-host.invalid/x <<< tick
	assert_regex "$stderr" 'error: 1 record not delivered within --drain-timeout \(1 s\): last attempt: cannot resolve no-such-host\.invalid: [A-Za-z]'
}

@test "rxws-connect --retries 0 against nothing: 69 with the errno in words, not a library's" {
	port=$(free_port)
	run -69 --separate-stderr timeout 20 rxws-connect --retries 0 "ws://127.0.0.1:$port/" <<< tick
	assert_regex "$stderr" "cannot connect: connection refused by 127\.0\.0\.1:$port \(gave up after 1 attempt\)"
	refute_regex "$stderr" 'Unable to connect|HS:|SSL err'
}

@test "a plain web server's 404: refused for good, exit 69 at once after one attempt, with no rxws hint" {
	mkdir www
	"$PY" -m http.server --bind 127.0.0.1 --directory www 0 > http.out 2>&1 &
	PIDS+=($!)
	wait_for 10 contains http.out 'Serving HTTP'
	port=$(sed -n 's/.* port \([0-9]*\) .*/\1/p' http.out)
	local t0
	t0=$(now_ms)
	run -69 --separate-stderr timeout 20 rxws-connect --drain-timeout 20 --retry-delay 0.1 --retry-max 0.2 \
		"ws://127.0.0.1:$port/feed" <<< tick
	# Not after --drain-timeout's 20 s, nor after retries: at once.
	(( $(elapsed_ms "$t0") < 5000 ))
	assert_regex "$stderr" 'error: the server answered HTTP 404 .*\(no WebSocket on that path\); not trying again: a refusal does not change by itself'
	refute_regex "$stderr" "rxws-serve's log"
	assert_equal "$(count_of http.out 'GET /feed')" 1
}

@test "rxws-serve's refusal (403, --origin) points at its log and exits 77 at once; a 503 (--max-clients) is not permanent and not warned" {
	open_fifo in
	start_serve in serve.out serve.err -k --origin https://app.example /
	run -77 --separate-stderr timeout 20 rxws-connect --drain-timeout 10 --header 'Origin: https://evil.example' \
		"ws://127.0.0.1:$PORT/" <<< tick
	assert_regex "$stderr" "error: the server answered HTTP 403 .*rxws-serve's log says why.*not trying again"
	grep -q 'refused /: origin not allowed (--origin) (HTTP 403)' serve.err
	assert_equal "$(count_of serve.err 'refused /')" 1

	start_serve in serve2.out serve2.err -v -k --max-clients 1 /
	rxws-connect -r "ws://127.0.0.1:$PORT/" > /dev/null 2>&1 &
	PIDS+=($!)
	wait_for 10 contains serve2.err ' connected on '
	run -75 --separate-stderr timeout 20 rxws-connect --drain-timeout 1 --retry-delay 0.1 "ws://127.0.0.1:$PORT/" <<< tick
	refute_regex "$stderr" 'warning: the server answered'
	assert_regex "$stderr" 'error: 1 record not delivered within --drain-timeout \(1 s\): last attempt: the server answered HTTP 503'
}

@test "wss:// to a plain port: the server does not speak TLS" {
	start_serve /dev/null serve.out serve.err -k /
	run -75 --separate-stderr timeout 20 rxws-connect --drain-timeout 1 "wss://127.0.0.1:$PORT/" <<< tick
	assert_regex "$stderr" 'last attempt: the server does not speak TLS on that port \(use ws://\)'
}

@test "rxws-group: one final error per path, each with its own reason" {
	port=$(free_port)
	run -75 --separate-stderr timeout 20 rxws-group --drain-timeout 1 "ws://127.0.0.1:$port" /a /b \
		< <(printf '/a\tone\n/b\ttwo\n/b\tthree\n')
	printf '%s\n' "$stderr" > err
	run final_error err
	assert_line "rxws-group:ws://127.0.0.1:$port:/a: error: 1 record not delivered within --drain-timeout (1 s): last attempt: connection refused by 127.0.0.1:$port"
	assert_line "rxws-group:ws://127.0.0.1:$port:/b: error: 2 records not delivered within --drain-timeout (1 s): last attempt: connection refused by 127.0.0.1:$port"
	assert_equal "${#lines[@]}" 2
}

@test "the server ends the stream (1000) before stdin ends: the rest is not read, said, exit 75" {
	open_fifo cin
	open_fifo in	# the one close_fifo closes
	start_serve in serve.out serve.err -v --wait-clients 1 /x
	rxws-connect "ws://127.0.0.1:$PORT/x" < cin > client.out 2> client.err &
	pid=$!
	PIDS+=($pid)
	seq 1 3 > cin
	wait_for 10 has_lines serve.out 3
	echo bye > in
	close_fifo	# the server's stdin ends: it closes its clients with 1000
	wait_status "$pid"
	assert_equal "$STATUS" 75
	run cat client.out
	assert_output bye
	run cat client.err
	assert_output --partial 'warning: the server ended the stream before the end of standard input: the rest of it is not read'
}

@test "the server ends the stream (1000) after stdin ended, or with -r: exit 0, nothing to say" {
	start_py_server pf --text hello --close 1000
	run -0 --separate-stderr timeout 10 rxws-connect -r "ws://127.0.0.1:$PY_PORT/"
	assert_output hello
	assert_equal "$stderr" ''
	run -0 --separate-stderr timeout 10 rxws-connect --keep-open "ws://127.0.0.1:$PY_PORT/" < /dev/null
	assert_output hello
}

@test "--oneshot: a close other than 1000 ends rxws-connect with 69 instead of reconnecting" {
	start_py_server pf --text hello --close 1011
	run -69 --separate-stderr timeout 10 rxws-connect -r --oneshot "ws://127.0.0.1:$PY_PORT/"
	assert_output hello
	assert_regex "$stderr" 'warning: closed by the server \(1011\): not connecting again \(--oneshot\)'
	# Without it, the same server is met again and again.
	run -124 --separate-stderr timeout 3 rxws-connect -r --retry-delay 0.1 --retry-max 0.1 "ws://127.0.0.1:$PY_PORT/"
	(( ${#lines[@]} >= 2 ))
}

@test "--oneshot: a server that is killed ends rxws-connect with 69; its unsent records are lost, not resent" {
	open_fifo in
	open_fifo cin
	start_serve in serve.out serve.err /
	rxws-connect --oneshot --ping-interval 0.2 --ping-timeout 0.5 "ws://127.0.0.1:$PORT/" < cin > client.out 2> client.err &
	pid=$!
	PIDS+=($pid)
	echo 1 > cin
	wait_for 10 has_lines serve.out 1
	kill -KILL "$SERVE_PID"
	wait_status "$pid"
	assert_equal "$STATUS" 69
	run cat client.err
	assert_output --partial 'connection lost: not connecting again (--oneshot)'
}

@test "--oneshot with a normal close: exit 0; rxws-group ends when its last path ends" {
	start_py_server pf --text hello --close 1000
	run -0 timeout 10 rxws-connect -r --oneshot "ws://127.0.0.1:$PY_PORT/"
	assert_output hello
	run -0 timeout 10 rxws-group -r --oneshot "ws://127.0.0.1:$PY_PORT" /a /b
	assert_line "$(printf '/a\thello')"
	assert_line "$(printf '/b\thello')"
}

@test "rxws-group --oneshot: one path closed badly makes the exit 69, the other path's records still arrive" {
	start_py_server pf --text hello --close 1000 --drop /bad
	run -69 --separate-stderr timeout 10 rxws-group -r --oneshot "ws://127.0.0.1:$PY_PORT" /good /bad
	assert_line "$(printf '/good\thello')"
	assert_regex "$stderr" '1 path ended without a normal close \(--oneshot\)'
}

@test "JSON logs: peer, path, status, close code and record number are attributes jq can select on" {
	open_fifo in
	start_serve in serve.out serve.err -v --log-format json -k --max-size 100 --allow-path /a --allow-path /b
	echo one | rxws-connect "ws://127.0.0.1:$PORT/a"
	echo two | rxws-connect "ws://127.0.0.1:$PORT/b"
	wait_for 10 has_lines serve.out 2
	run -69 timeout 10 rxws-connect -r --retries 0 "ws://127.0.0.1:$PORT/c"
	run -75 timeout 10 rxws-connect --drain-timeout 1 "ws://127.0.0.1:$PORT/a" < <(head -c 200 /dev/zero | tr '\0' x)
	wait_for 10 contains serve.err '"http.response.status_code":404'
	wait_for 10 contains serve.err '"rxws.close.code":1009'

	run jq -r 'select(.attributes["url.path"] == "/a") | .body' serve.err
	assert_line --regexp '^client 127\.0\.0\.1:[0-9]+ connected on /a '
	assert_line --regexp '^client 127\.0\.0\.1:[0-9]+ disconnected from /a$'
	refute_output --partial 'on /b'
	run jq -e -r 'select(.attributes["http.response.status_code"] == 404) | .attributes["url.path"]' serve.err
	assert_output /c
	run jq -s -e '[.[] | select(.attributes["rxws.close.code"] == 1009) | .attributes["network.peer.address"]]
		      | length > 0 and all(test("^127\\.0\\.0\\.1:[0-9]+$"))' serve.err
	assert_output true

	# A bad stdin record's number is a number.
	printf 'ok\n\xff\n' | rxws-connect --log-format json --drain-timeout 1 "ws://127.0.0.1:$PORT/a" 2> client.err || true
	run jq -e 'select(.attributes["rxws.record.number"] == 2) | .severity_text' client.err
	assert_output '"WARN"'
}

@test "-vv: a debug line for each handshake and each message, with its size and kind" {
	open_fifo in
	start_serve in serve.out serve.err -vv /
	printf 'hello\n' | rxws-connect -vv "ws://127.0.0.1:$PORT/" 2> client.err
	wait_for 10 has_lines serve.out 1
	run cat client.err
	assert_line --partial 'debug: handshake: asking for /'
	assert_line --partial 'debug: handshake: HTTP 101'
	assert_line --partial 'debug: server: sent a text message of 5 bytes (number 1)'
	wait_for 10 contains serve.err 'received a text message of 5 bytes (number 1)'
	run cat serve.err
	assert_line --regexp 'debug: client 127\.0\.0\.1:[0-9]+: handshake: HTTP 101'
}

@test "--static: .md and .wasm have their types, text says utf-8, unknown types are octet-stream; GET on a WebSocket path is 426" {
	mkdir site
	printf '# h\xc3\xa9\n' > site/README.md
	printf '\0asm\1\0\0\0' > site/app.wasm
	echo x > site/blob.xyz
	echo 'é' > site/notes.txt
	start_serve /dev/null serve.out serve.err -k --static site /live
	for f in README.md app.wasm blob.xyz notes.txt; do
		curl -s -o /dev/null -w "$f %{http_code} %{content_type}\n" "http://127.0.0.1:$PORT/$f"
	done > types
	run cat types
	assert_line 'README.md 200 text/markdown; charset=utf-8'
	assert_line 'app.wasm 200 application/wasm'
	assert_line 'blob.xyz 200 application/octet-stream'
	assert_line 'notes.txt 200 text/plain; charset=utf-8'
	run curl -s -D - "http://127.0.0.1:$PORT/live"
	assert_line --partial 'HTTP/1.1 426 Upgrade Required'
	assert_line --partial 'Upgrade: websocket'
	refute_output --partial 'error.css'
	run curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/missing"
	assert_output 404
}
