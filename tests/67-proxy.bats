#!/usr/bin/env bats
# Clients through an HTTP proxy, found as curl finds it: http_proxy,
# https_proxy, all_proxy, no_proxy, --proxy, --noproxy; CONNECT with Basic
# credentials from the proxy URL; a proxy's refusal said as the proxy's.

load helpers

# Every test has an echo server on a free port: what a client sends comes back.
setup() {
	T=$BATS_TEST_TMPDIR
	PIDS=()
	cd "$T" || return 1
	mkfifo echo
	rxws-serve -p 0 -k / <> echo > echo 2> serve.err &
	SERVE_PID=$!
	PIDS+=("$SERVE_PID")
	wait_for 10 contains serve.err 'listening on port'
	PORT=$(sed -n 's/.*listening on port \([0-9]*\).*/\1/p' serve.err | head -n 1)
}

@test "http_proxy: rxws-connect goes through the proxy's tunnel, and says so with -v" {
	start_proxy
	run env http_proxy="http://127.0.0.1:$PROXY_PORT" \
		timeout 10 rxws-connect -v -c 1 -k "ws://127.0.0.1:$PORT/" <<< 'via the proxy'
	assert_success
	assert_line 'via the proxy'
	assert_output --partial "through the proxy 127.0.0.1:$PROXY_PORT"
	assert_equal "$(cat proxy.log)" "CONNECT 127.0.0.1:$PORT auth=no"
}

@test "no_proxy: a matching host goes straight; one that does not match goes through" {
	start_proxy
	for skip in 127.0.0.1 '*' 127.0.0.0/8 'example.org, 127.0.0.1'; do
		run env http_proxy="http://127.0.0.1:$PROXY_PORT" no_proxy="$skip" \
			timeout 10 rxws-connect -c 1 -k "ws://127.0.0.1:$PORT/" <<< "direct ($skip)"
		assert_success
		assert_output "direct ($skip)"
	done
	refute [ -s proxy.log ]
	run env http_proxy="http://127.0.0.1:$PROXY_PORT" no_proxy=example.org,10.0.0.0/8 \
		timeout 10 rxws-connect -c 1 -k "ws://127.0.0.1:$PORT/" <<< 'proxied'
	assert_success
	assert_output proxied
	assert_equal "$(wc -l < proxy.log)" 1
}

@test "--proxy overrides the environment; --proxy '' and --noproxy '*' mean none" {
	start_proxy
	run env http_proxy=http://127.0.0.1:1 \
		timeout 10 rxws-connect -c 1 -k --proxy "127.0.0.1:$PROXY_PORT" "ws://127.0.0.1:$PORT/" <<< one
	assert_success
	assert_output one
	assert_equal "$(wc -l < proxy.log)" 1
	run env http_proxy="http://127.0.0.1:$PROXY_PORT" \
		timeout 10 rxws-connect -c 1 -k --proxy '' "ws://127.0.0.1:$PORT/" <<< two
	assert_output two
	run env all_proxy="http://127.0.0.1:$PROXY_PORT" \
		timeout 10 rxws-connect -c 1 -k --noproxy '*' "ws://127.0.0.1:$PORT/" <<< three
	assert_output three
	assert_equal "$(wc -l < proxy.log)" 1
	# all_proxy is used when http_proxy is not set.
	run env all_proxy="http://127.0.0.1:$PROXY_PORT" \
		timeout 10 rxws-connect -c 1 -k "ws://127.0.0.1:$PORT/" <<< four
	assert_output four
	assert_equal "$(wc -l < proxy.log)" 2
}

@test "proxy credentials from the proxy URL; without them the proxy's 407 is said, exit 69" {
	start_proxy --auth 'alice:s3cr@t'
	run env http_proxy="http://alice:s3cr%40t@127.0.0.1:$PROXY_PORT" \
		timeout 10 rxws-connect -vv -c 1 -k "ws://127.0.0.1:$PORT/" <<< authorized
	assert_success
	assert_line authorized
	refute_output --partial 's3cr'
	assert_equal "$(cat proxy.log)" "CONNECT 127.0.0.1:$PORT auth=yes"
	run env http_proxy="http://127.0.0.1:$PROXY_PORT" \
		timeout 10 rxws-connect --retries 0 "ws://127.0.0.1:$PORT/" <<< refused
	assert_failure 69
	assert_output --partial 'the proxy refused the tunnel: HTTP 407 Proxy Authentication Required (the proxy wants credentials'
}

@test "a proxy that refuses (403, 502): the proxy's answer, exit 69" {
	start_proxy --refuse 403
	run env http_proxy="http://127.0.0.1:$PROXY_PORT" \
		timeout 10 rxws-connect --retries 0 "ws://127.0.0.1:$PORT/" <<< x
	assert_failure 69
	assert_output --partial 'the proxy refused the tunnel: HTTP 403 Forbidden (the proxy does not allow this destination)'
	kill "${PIDS[-1]}"
	start_proxy
	run env http_proxy="http://127.0.0.1:$PROXY_PORT" \
		timeout 10 rxws-connect --retries 0 ws://127.0.0.1:1/ <<< x
	assert_failure 69
	assert_output --partial 'the proxy refused the tunnel: HTTP 502'
}

@test "rxws-group opens each path through the proxy" {
	mkfifo multi
	rxws-serve -p 0 -k <> multi > multi 2> multi.err &
	PIDS+=($!)
	wait_for 10 contains multi.err 'listening on port'
	PORT=$(sed -n 's/.*listening on port \([0-9]*\).*/\1/p' multi.err | head -n 1)
	start_proxy
	run env http_proxy="http://127.0.0.1:$PROXY_PORT" \
		timeout 10 rxws-group -c 2 -k "ws://127.0.0.1:$PORT" <<< $'/a\tfor a\n/b\tfor b'
	assert_success
	assert_line $'/a\tfor a'
	assert_line $'/b\tfor b'
	assert_equal "$(grep -c "^CONNECT 127.0.0.1:$PORT " proxy.log)" 2
}

@test "wss:// inside the tunnel (https_proxy), and --compress through it" {
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
		-addext subjectAltName=DNS:localhost -keyout key.pem -out cert.pem 2> /dev/null
	mkfifo tls-echo
	rxws-serve -p 0 -k --compress --cert cert.pem --key key.pem / <> tls-echo > tls-echo 2> tls.err &
	PIDS+=($!)
	wait_for 10 contains tls.err 'listening on port'
	local tls_port
	tls_port=$(sed -n 's/.*listening on port \([0-9]*\).*/\1/p' tls.err | head -n 1)
	start_proxy
	run env https_proxy="http://127.0.0.1:$PROXY_PORT" http_proxy=http://127.0.0.1:1 \
		timeout 10 rxws-connect -c 1 -k --compress --cacert cert.pem "wss://localhost:$tls_port/" <<< 'secret and squeezed'
	assert_success
	assert_output 'secret and squeezed'
	assert_equal "$(cat proxy.log)" "CONNECT localhost:$tls_port auth=no"
}

@test "bad proxy settings are usage errors" {
	run env http_proxy=socks5://127.0.0.1:1080 rxws-connect ws://127.0.0.1:1/
	assert_failure 64
	assert_output --partial 'proxy: only http:// proxies are supported'
	run rxws-connect --proxy 'http://127.0.0.1:99999' ws://127.0.0.1:1/
	assert_failure 64
	assert_output --partial 'proxy'
}

@test "--unix never goes through a proxy" {
	mkfifo uecho
	rxws-serve --unix "$T/u.sock" -k / <> uecho > uecho 2> u.err &
	PIDS+=($!)
	wait_for 10 test -S "$T/u.sock"
	run env http_proxy=http://127.0.0.1:1 \
		timeout 10 rxws-connect -c 1 -k --unix "$T/u.sock" ws://localhost/ <<< 'local only'
	assert_success
	assert_output 'local only'
}
