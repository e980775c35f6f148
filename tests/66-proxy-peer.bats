#!/usr/bin/env bats
# The HTTP CONNECT proxy of the tests (tests/peers/proxy.py) is known-good:
# curl tunnels through it to a small HTTP server, and it refuses as told.

load helpers

# start_http: a python http.server serving $T/www; sets HTTP_PORT.
start_http() {
	mkdir -p www
	echo 'through the tunnel' > www/hello.txt
	"$PY" -u -m http.server --bind 127.0.0.1 --directory www 0 > http.out 2> http.err &
	PIDS+=($!)
	wait_for 10 contains http.out 'port [0-9]'
	HTTP_PORT=$(sed -n 's/.* port \([0-9]*\).*/\1/p' http.out | head -n 1)
}

@test "proxy.py: a CONNECT tunnel to an HTTP server, and its log" {
	start_http
	start_proxy
	run curl -sS --max-time 10 -p -x "http://127.0.0.1:$PROXY_PORT" "http://127.0.0.1:$HTTP_PORT/hello.txt"
	assert_success
	assert_output 'through the tunnel'
	assert_equal "$(cat proxy.log)" "CONNECT 127.0.0.1:$HTTP_PORT auth=no"
	# Not CONNECT: 405.
	run curl -s --max-time 10 -o /dev/null -w '%{http_code}' -x "http://127.0.0.1:$PROXY_PORT" \
		"http://127.0.0.1:$HTTP_PORT/hello.txt"
	assert_output 405
	assert contains proxy.log "^GET http://127.0.0.1:$HTTP_PORT/hello.txt auth=no$"
}

@test "proxy.py --auth: 407 without the credentials, a tunnel with them" {
	start_http
	start_proxy --auth 'user:pa ss'
	run curl -s --max-time 10 -o /dev/null -D headers -w '%{http_connect}' -p \
		-x "http://127.0.0.1:$PROXY_PORT" "http://127.0.0.1:$HTTP_PORT/hello.txt"
	assert_output 407
	assert contains headers 'Proxy-Authenticate: Basic realm="test"'
	run curl -s --max-time 10 -o /dev/null -w '%{http_connect}' -p -U 'user:wrong' \
		-x "http://127.0.0.1:$PROXY_PORT" "http://127.0.0.1:$HTTP_PORT/hello.txt"
	assert_output 407
	run curl -sS --max-time 10 -p -U 'user:pa ss' -x "http://127.0.0.1:$PROXY_PORT" \
		"http://127.0.0.1:$HTTP_PORT/hello.txt"
	assert_success
	assert_output 'through the tunnel'
	assert_equal "$(cat proxy.log)" "$(printf 'CONNECT 127.0.0.1:%s auth=%s\n' \
		"$HTTP_PORT" no "$HTTP_PORT" no "$HTTP_PORT" yes)"
}

@test "proxy.py --refuse 403, and 502 for a target that is not there" {
	start_http
	start_proxy --refuse 403
	run curl -s --max-time 10 -o /dev/null -w '%{http_connect}' -p \
		-x "http://127.0.0.1:$PROXY_PORT" "http://127.0.0.1:$HTTP_PORT/hello.txt"
	assert_output 403
	start_proxy
	# A port nobody listens on: one taken from the kernel and closed at once.
	local dead
	dead=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	run curl -s --max-time 10 -o /dev/null -w '%{http_connect}' -p \
		-x "http://127.0.0.1:$PROXY_PORT" "http://127.0.0.1:$dead/"
	assert_output 502
}
