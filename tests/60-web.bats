#!/usr/bin/env bats
# Security and the web: wss, tokens, origins, files for browsers, a real
# browser, compression.

load helpers

# A CA and a certificate for localhost and 127.0.0.1 it signed, made once.
setup_file() {
	local d=$BATS_FILE_TMPDIR
	make_test_ca "$d"
	# A self-signed one nobody trusts.
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/self.key" -out "$d/self.pem" \
		-days 2 -subj "/CN=localhost" -addext 'subjectAltName=DNS:localhost' 2> /dev/null
	echo 's3cret-Token_42' > "$d/token"
}

tls() {
	CERTS=$BATS_FILE_TMPDIR
}

@test "wss: rxws-serve --cert --key and rxws-connect --cacert, both ways" {
	tls
	seq 1 3 > in
	start_serve in serve.out serve.err --cert "$CERTS/server.pem" --key "$CERTS/server.key" --wait-clients 1 /
	run timeout 10 rxws-connect -r --cacert "$CERTS/ca.pem" "wss://localhost:$PORT/"
	assert_success
	assert_output "$(seq 1 3)"
	start_serve /dev/null s2.out s2.err -k --cert "$CERTS/server.pem" --key "$CERTS/server.key" /
	echo 'over tls' | timeout 10 rxws-connect --cacert "$CERTS/ca.pem" "wss://127.0.0.1:$PORT/"
	wait_for 10 has_lines s2.out 1
	assert_equal "$(cat s2.out)" 'over tls'
}

@test "wss: a python3-websockets client over TLS" {
	tls
	open_fifo in
	start_serve in serve.out serve.err -v --cert "$CERTS/server.pem" --key "$CERTS/server.key" /
	"$PY" "$PEERS/ws_client.py" --cafile "$CERTS/ca.pem" --text 'from python' --recv 1 "wss://localhost:$PORT/" > c.out &
	PIDS+=($!)
	wait_for 10 has_clients serve.err 1
	echo 'to python' > in
	wait_for 10 contains c.out close
	assert_equal "$(cat c.out)" "$(printf "open\ntext 'to python'\nclose 1000")"
	wait_for 10 has_lines serve.out 1
	assert_equal "$(cat serve.out)" 'from python'
}

@test "wss: a certificate not trusted is refused without --cacert or --insecure" {
	tls
	start_serve /dev/null serve.out serve.err -k --cert "$CERTS/self.pem" --key "$CERTS/self.key" /
	run timeout 10 rxws-connect -r --retries 0 "wss://localhost:$PORT/"
	assert_failure 69
	assert_output --partial "the server's certificate was refused: self-signed certificate (its CA is not trusted here: see --cacert)"
	run timeout 10 rxws-connect -r --retries 0 --cacert "$CERTS/ca.pem" "wss://localhost:$PORT/"
	assert_failure 69
	assert_output --partial "the server's certificate was refused: self-signed certificate (its CA is not trusted here: see --cacert)"
	run timeout 10 rxws-connect -r -W 1 --retries 0 --insecure "wss://localhost:$PORT/"
	assert_failure 75	# connected, then -W: not refused
	refute_output --partial 'cannot connect'
}

@test "wss: the host name is checked" {
	tls
	# Signed by the CA, for localhost and 127.0.0.1 only: not for 127.0.0.2.
	start_serve /dev/null serve.out serve.err -k --host 0.0.0.0 --cert "$CERTS/server.pem" --key "$CERTS/server.key" /
	run timeout 10 rxws-connect -r --retries 0 --cacert "$CERTS/ca.pem" "wss://127.0.0.2:$PORT/"
	assert_failure 69
	assert_output --partial "the server's certificate was refused: IP address mismatch (connect by a name or address it is for)"
	run timeout 10 rxws-connect -r -W 1 --retries 0 --cacert "$CERTS/ca.pem" "wss://127.0.0.1:$PORT/"
	assert_failure 75
	refute_output --partial 'cannot connect'
}

@test "plain ws:// to a TLS port fails with a clear error, and wss:// to a plain one" {
	tls
	start_serve /dev/null serve.out serve.err -k --cert "$CERTS/server.pem" --key "$CERTS/server.key" /
	run timeout 10 rxws-connect -r --retries 0 "ws://localhost:$PORT/"
	assert_failure 69
	assert_output --partial 'if the server speaks TLS, use wss://'
	start_serve /dev/null s2.out s2.err -k /
	run timeout 10 rxws-connect -r --retries 0 --cacert "$CERTS/ca.pem" "wss://localhost:$PORT/"
	assert_failure 69
	assert_output --partial 'the server does not speak TLS on that port (use ws://)'
}

@test "--auth-token-file: the right token in a header or the query gets in" {
	tls
	start_serve /dev/null serve.out serve.err -k -v --auth-token-file "$CERTS/token" /
	echo one | timeout 10 rxws-connect --retries 0 --auth-token-file "$CERTS/token" "ws://127.0.0.1:$PORT/"
	echo two | timeout 10 rxws-connect --retries 0 "ws://127.0.0.1:$PORT/?token=s3cret-Token_42"
	run timeout 10 "$PY" "$PEERS/ws_client.py" --header 'Authorization: Bearer s3cret-Token_42' --text three --recv 0 "ws://127.0.0.1:$PORT/"
	assert_line 'close 1000'
	wait_for 10 has_lines serve.out 3
	assert_equal "$(cat serve.out)" "$(printf 'one\ntwo\nthree')"
}

@test "--auth-token-file: wrong, missing and nearly-right tokens get 401 and a log line" {
	tls
	start_serve /dev/null serve.out serve.err -k --auth-token-file "$CERTS/token" /
	for header in '' 'Authorization: Bearer wrong' 'Authorization: Bearer s3cret-Token_4' \
		      'Authorization: Bearer s3cret-Token_421' 'Authorization: Bearer s3cret-token_42' \
		      'Authorization: Basic s3cret-Token_42'; do
		run timeout 10 "$PY" "$PEERS/ws_client.py" ${header:+--header "$header"} "ws://127.0.0.1:$PORT/"
		assert_output 'refused 401'
	done
	run timeout 10 "$PY" "$PEERS/ws_client.py" "ws://127.0.0.1:$PORT/?token=s3cret-Token_4"
	assert_output 'refused 401'
	assert_equal "$(count_of serve.err 'missing or wrong token (HTTP 401)')" 7
	run timeout 10 rxws-connect -r --retries 0 "ws://127.0.0.1:$PORT/"
	assert_failure 77
	assert_output --partial 'the server wants credentials: see --auth-token-file'
	assert_equal "$(lines serve.out)" 0
}

@test "--origin: an allowed origin gets in, any other gets 403; no Origin is not a browser" {
	start_serve /dev/null serve.out serve.err -k --origin https://app.example --origin http://localhost:8000 /
	run timeout 10 "$PY" "$PEERS/ws_client.py" --origin https://app.example --recv 0 "ws://127.0.0.1:$PORT/"
	assert_line open
	run timeout 10 "$PY" "$PEERS/ws_client.py" --origin http://localhost:8000 --recv 0 "ws://127.0.0.1:$PORT/"
	assert_line open
	run timeout 10 "$PY" "$PEERS/ws_client.py" --origin https://evil.example "ws://127.0.0.1:$PORT/"
	assert_output 'refused 403'
	run timeout 10 "$PY" "$PEERS/ws_client.py" --origin https://app.example.evil "ws://127.0.0.1:$PORT/"
	assert_output 'refused 403'
	run timeout 10 "$PY" "$PEERS/ws_client.py" --recv 0 "ws://127.0.0.1:$PORT/"
	assert_line open
}

@test "--static serves the files of DIR with their types; a WebSocket on the same port" {
	mkdir -p site/sub
	echo '<h1>page</h1>' > site/index.html
	echo 'body {}' > site/style.css
	echo 'let x;' > site/sub/app.js
	echo '{}' > site/data.json
	start_serve /dev/null serve.out serve.err -k --static site /live
	run curl -s -w ' %{http_code} %{content_type}' "http://127.0.0.1:$PORT/"
	assert_output "$(printf '<h1>page</h1>\n 200 text/html; charset=utf-8')"
	run curl -s -w ' %{http_code} %{content_type}' "http://127.0.0.1:$PORT/style.css"
	assert_output "$(printf 'body {}\n 200 text/css; charset=utf-8')"
	run curl -s -o /dev/null -w '%{http_code} %{content_type}' "http://127.0.0.1:$PORT/sub/app.js"
	assert_output '200 text/javascript; charset=utf-8'
	run curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/missing.html"
	assert_output 404
	echo 'ws too' | timeout 10 rxws-connect "ws://127.0.0.1:$PORT/live"
	wait_for 10 has_lines serve.out 1
}

@test "--static: traversal attempts never leave DIR" {
	mkdir -p top/site/sub
	echo 'inside' > top/site/index.html
	echo 'SECRET' > top/secret.txt
	start_serve /dev/null serve.out serve.err -k --static top/site /
	for p in /../secret.txt /sub/../../secret.txt /%2e%2e/secret.txt /..%2fsecret.txt \
		 /%2e%2e%2fsecret.txt /sub/%2e%2e/%2e%2e/secret.txt /.%2e/secret.txt \
		 '/..\secret.txt' /%252e%252e/secret.txt //secret.txt /./../secret.txt \
		 "/$T/top/secret.txt" /sub/..%2f..%2fsecret.txt; do
		run curl -s --path-as-is "http://127.0.0.1:$PORT$p"
		refute_output --partial SECRET
	done
	run curl -s --path-as-is "http://127.0.0.1:$PORT/sub/../index.html"
	assert_output inside
}

@test "a real browser: headless Chromium shows broadcast records and sends one back" {
	need_chromium
	open_fifo in
	start_serve in serve.out serve.err -v --static "$TOP/examples" /live
	READY_FILE=$T/ready node "$PEERS/browser.js" "http://127.0.0.1:$PORT/" \
		--expect 'first record' --expect 'second ✓' --send 'from the browser' > browser.out 2> browser.err &
	local browser=$!
	PIDS+=($browser)
	wait_for 30 test -e ready
	printf 'first record\nsecond ✓\n' > in
	wait_for 30 has_lines serve.out 1
	wait_status "$browser"
	assert_equal "$STATUS" 0
	assert_equal "$(cat serve.out)" 'from the browser'
	assert_equal "$(cat browser.out)" "$(printf 'page over http/1.1\nconnected\nsaw first record\nsaw second ✓\nsent from the browser')"
}

@test "a real browser on the example page: ?last=2 shows the last two records kept, with their offsets, then live ones" {
	need_chromium
	open_fifo in
	start_serve in serve.out serve.err -v --history 10 --static "$TOP/examples" /live
	# Kept once a client has had them.
	"$PY" "$PEERS/ws_client.py" --recv 3 "ws://127.0.0.1:$PORT/live" > first.out &
	PIDS+=($!)
	wait_for 10 has_clients serve.err 1
	printf 'one\ntwo\nthree\n' > in
	wait_for 10 contains first.out close
	READY_FILE=$T/ready node "$PEERS/browser.js" "http://127.0.0.1:$PORT/?last=2" --positions \
		--expect two --expect three --expect four > browser.out 2> browser.err &
	local browser=$!
	PIDS+=($browser)
	wait_for 30 test -e ready
	echo four > in
	wait_status "$browser"
	assert_equal "$STATUS" 0
	assert_equal "$(sed 's/[0-9a-f]\{16\}:/EPOCH:/' browser.out)" \
		"$(printf 'page over http/1.1\nconnected\nsaw two at 2\nsaw three at 3\nsaw four at 4\nrecords 3\nlive at EPOCH:4')"
	assert contains serve.err 'subprotocol rxws.pos'
}

# browser_exchange SCHEME QUERY EXPECTED_STATUS [SERVE OPTIONS...]: headless
# Chromium loads the example page from rxws-serve --static over SCHEME
# (http or https), with QUERY, sees two records and sends one back.
browser_exchange() {
	local scheme=$1 query=$2 status=$3
	shift 3
	need_chromium
	open_fifo in
	start_serve in serve.out serve.err -v --static "$TOP/examples" "$@" /live
	IGNORE_CERTIFICATES=1 READY_FILE=$T/ready node "$PEERS/browser.js" \
		"$scheme://localhost:$PORT/$query" --expect 'over the wire ✓' --expect 'again' \
		--send 'back from the browser' > browser.out 2> browser.err &
	local browser=$!
	PIDS+=($browser)
	wait_for 30 test -e ready
	printf 'over the wire ✓\nagain\n' > in
	wait_for 30 has_lines serve.out 1
	wait_status "$browser"
	assert_equal "$STATUS" 0
	assert_equal "$(cat serve.out)" 'back from the browser'
	assert_equal "$(head -n 2 browser.out)" "$(printf 'page over http/1.1\n%s' "$status")"
}

@test "a real browser over TLS: the page by HTTPS (HTTP/1.1, not h2), its WebSocket by wss://, both ways" {
	tls
	browser_exchange https '' connected --cert "$CERTS/server.pem" --key "$CERTS/server.key"
	run curl -sk --http2 -o /dev/null -w '%{http_version}' "https://localhost:$PORT/"
	assert_output 1.1
}

@test "a real browser offering a subprotocol: chosen by --protocol, over ws:// and wss://" {
	browser_exchange http '?protocol=chat.v2&protocol=chat.v1' 'connected (chat.v2)' \
		--protocol chat.v1 --protocol chat.v2
	assert contains serve.err 'subprotocol chat.v2'
}

@test "a real browser offering a subprotocol over wss://, --protocol given" {
	tls
	browser_exchange https '?protocol=chat.v1' 'connected (chat.v1)' --protocol chat.v1 \
		--cert "$CERTS/server.pem" --key "$CERTS/server.key"
}

@test "subprotocols with a wscat-style client (node ws): chosen, refused with 400, or none without --protocol" {
	need_node_modules ws
	start_serve /dev/null serve.out serve.err -k -v --protocol chat.v1 /
	run timeout 10 node "$PEERS/ws_node.js" client "ws://127.0.0.1:$PORT/" --protocol chat.v1 \
		--text hi --recv 0
	assert_line 'open chat.v1'
	run timeout 10 node "$PEERS/ws_node.js" client "ws://127.0.0.1:$PORT/" --protocol chat.v9 \
		--protocol x --recv 0
	assert_line --partial 'error Unexpected server response: 400'
	wait_for 10 contains serve.err 'none of the subprotocols offered (chat.v9, x) is served (--protocol)'
	# Without --protocol the offer is accepted with none chosen, never dropped.
	start_serve /dev/null s2.out s2.err -k /
	run curl -s -i --max-time 5 -H 'Connection: Upgrade' -H 'Upgrade: websocket' \
		-H 'Sec-WebSocket-Version: 13' -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' \
		-H 'Sec-WebSocket-Protocol: chat.v1' "http://127.0.0.1:$PORT/"
	assert_line --partial 'HTTP/1.1 101'
	refute_output --partial 'Sec-WebSocket-Protocol'
	# A python3-websockets client that offers one gets a connection without it.
	run timeout 10 "$PY" -c '
import asyncio, sys, websockets
async def main():
    async with websockets.connect(sys.argv[1], subprotocols=["chat.v1"]) as ws:
        print("open", ws.subprotocol)
asyncio.run(main())' "ws://127.0.0.1:$PORT/"
	assert_output 'open None'
}

@test "rxws-connect --protocol offers subprotocols and takes the server's choice" {
	start_serve /dev/null serve.out serve.err -k --protocol b.v1 /
	run timeout 10 rxws-connect -v --protocol a.v1 --protocol b.v1 -c 1 -k "ws://127.0.0.1:$PORT/" <<< x
	assert_output --partial 'connected (subprotocol b.v1'
	run timeout 10 rxws-connect --protocol a.v1 --retries 0 "ws://127.0.0.1:$PORT/" <<< x
	assert_failure 69
	assert_output --partial 'HTTP 400 Bad Request: none of the subprotocols offered (a.v1) is served (--protocol)'
	run rxws-connect --protocol 'bad name' ws://127.0.0.1:1/
	assert_failure 64
}

@test "--compress: 20 MB compressible and random, both ways, with python3-websockets compressing" {
	head -c 20000000 /dev/urandom > random
	yes 'the same line again and again' | head -c 20000000 > text
	start_py_server port --compress --sha256
	for f in random text; do
		timeout 60 rxws-connect --compress --bytes --max-size 32M -f lp "ws://127.0.0.1:$PY_PORT/$f" \
			< <("$PY" -c 'import struct,sys; d=open(sys.argv[1],"rb").read(); sys.stdout.buffer.write(struct.pack(">I",len(d))+d)' "$f")
		wait_for 30 contains py_server.out "^/$f binary 20000000 $(sha256sum < "$f" | cut -d' ' -f1) deflate$"
	done

	start_serve random s1.out s1.err --compress --bytes --chunk-size 16M --max-size 32M --wait-clients 1 /
	"$PY" - "ws://127.0.0.1:$PORT/" > got <<'PY'
import asyncio, hashlib, sys, websockets
async def main():
    async with websockets.connect(sys.argv[1], max_size=None, compression="deflate") as ws:
        assert any(e.name == "permessage-deflate" for e in ws.extensions)
        data = b"".join([m async for m in ws])
        print(len(data), hashlib.sha256(data).hexdigest())
asyncio.run(main())
PY
	assert_equal "$(cat got)" "20000000 $(sha256sum < random | cut -d' ' -f1)"
}

@test "--compress: rxws to rxws, and no compression unless both ask" {
	yes 'compressible' | head -n 100000 > in
	start_serve in serve.out serve.err --compress --wait-clients 1 /
	run timeout 20 rxws-connect --compress -r "ws://127.0.0.1:$PORT/"
	assert_success
	assert_equal "$(printf '%s\n' "$output" | sha256sum)" "$(sha256sum < in)"
	start_serve /dev/null s2.out s2.err -k /
	run timeout 10 "$PY" "$PEERS/ws_client.py" --compress --recv 0 "ws://127.0.0.1:$PORT/"
	assert_line open
}
