# Shared by every test file: the tools on PATH, servers on free ports,
# waiting for conditions (never for a fixed time), clean-up of what a test
# started.

bats_require_minimum_version 1.5.0

load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load

TOP=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
# RXWS_BUILD: a build directory of the tree (build, build-asan), or an
# absolute directory such as /usr/bin, where the package installed the tools.
RXWS_BUILD=${RXWS_BUILD:-build}
if [[ $RXWS_BUILD == /* ]]; then
	BUILD_DIR=$RXWS_BUILD
else
	BUILD_DIR=$TOP/$RXWS_BUILD
fi
PATH=$BUILD_DIR:$PATH
PY=/usr/bin/python3
PEERS=$TOP/tests/peers
# The plain build: valgrind cannot run a sanitizer build.
PLAIN_DIR=$TOP/build
# Tests choose their proxies themselves: none from the machine's environment.
unset http_proxy https_proxy all_proxy HTTPS_PROXY ALL_PROXY no_proxy NO_PROXY
# Under AddressSanitizer (make asan) resident memory is mostly shadow and
# quarantine: figures of memory are checked by the plain run of the suite,
# which CI runs too.
SANITIZED=false
if grep -qa AddressSanitizer "$BUILD_DIR/rxws-serve" 2>/dev/null; then
	SANITIZED=true
	export LSAN_OPTIONS=suppressions=$TOP/tests/lsan.supp:print_suppressions=0
fi

# kib_below KIB LIMIT: resident memory KIB is under LIMIT KiB (not checked
# under a sanitizer).
kib_below() {
	if $SANITIZED; then
		echo "# $1 KiB, under AddressSanitizer: not held to $2" >&3
		return 0
	fi
	(( $1 < $2 ))
}

setup() {
	T=$BATS_TEST_TMPDIR
	PIDS=()
	# Every program the test starts inherits it (see kill_marked).
	export RXWS_TEST_MARK=$T
	cd "$T" || return 1
}

teardown() {
	local pid
	for pid in "${PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${PIDS[@]}"; do
		wait_gone 5 "$pid" || kill -KILL "$pid" 2>/dev/null || true
	done
	kill_marked
}

# kill_marked: kills what the test started and nobody ended: a tool under
# timeout(1) whose timeout was killed, say. One left would hold bats'
# output open, and the run would wait for it for ever.
kill_marked() {
	local env pid
	# The shells of the test itself never exec'd with the mark.
	for env in $(grep -lzx "RXWS_TEST_MARK=$RXWS_TEST_MARK" /proc/[0-9]*/environ 2>/dev/null); do
		pid=${env#/proc/}
		kill -KILL "${pid%/environ}" 2>/dev/null || true
	done
}

# now_ms [VAR]: milliseconds on a monotonic clock (the time since boot, to
# 10 ms), printed or put in VAR (no process started then). Bounds of time
# are measured with it: bash's $SECONDS counts whole seconds, so "1 s" by
# it is anything from 0 to 2 s.
now_ms() {
	local _now_up
	read -r _now_up _ < /proc/uptime
	_now_up=$((10#${_now_up/./} * 10))
	if (($#)); then printf -v "$1" %s "$_now_up"; else echo "$_now_up"; fi
}

# elapsed_ms START: milliseconds since START (a now_ms).
elapsed_ms() {
	echo $(($(now_ms) - $1))
}

# wait_for SECS CMD...: run CMD until it succeeds, at most SECS (whole)
# seconds.
wait_for() {
	local limit=$1 now deadline
	shift
	now_ms now
	deadline=$((now + limit * 1000))
	until "$@"; do
		now_ms now
		if ((now >= deadline)); then
			echo "timed out after ${limit}s waiting for: $*" >&2
			return 1
		fi
		sleep 0.02
	done
}

# wait_gone SECS PID: the process has exited.
wait_gone() {
	wait_for "$1" eval "! kill -0 $2 2>/dev/null" 2>/dev/null
}

# wait_status PID: waits for a child of the test and sets STATUS to its
# exit status ("run wait" would wait in a subshell, where it is no child).
wait_status() {
	STATUS=0
	wait "$1" || STATUS=$?
}

# wait_still SECS QUIET_MS CMD...: waits, at most SECS seconds, until what
# CMD prints has stayed the same for QUIET_MS milliseconds: for a flow that
# should stop (a reader held back), where no event says it has.
wait_still() {
	local limit=$1 quiet=$2 now deadline last was since
	shift 2
	now_ms now
	deadline=$((now + limit * 1000))
	last=$("$@")
	since=$now
	while ((now - since < quiet)); do
		if ((now >= deadline)); then
			echo "timed out after ${limit}s waiting for a still: $* (last: $last)" >&2
			return 1
		fi
		sleep 0.05
		was=$last
		last=$("$@")
		now_ms now
		[[ $last == "$was" ]] || since=$now
	done
}

# refusal_barrier LOG URL: a client asks a running rxws-serve for URL, a
# path it does not serve, and waits for the refusal in its LOG. The server
# handles one event at a time: once the refusal is in LOG, so is whatever
# it logged for what happened before the client connected.
refusal_barrier() {
	"$PY" "$PEERS/ws_client.py" --recv 0 "$2" > /dev/null 2>&1 || true
	wait_for 10 contains "$1" "refused /${2#ws://*/}: "
}

# need_node_modules NAME...: node, and each node module NAME the peers
# require (tests/package.json), can be found; if not, the test fails saying
# what is missing and how to install it.
need_node_modules() {
	command -v node > /dev/null ||
		fail "node is missing: install Debian's nodejs and npm (scripts/setup-deps does it)"
	local m
	for m in "$@"; do
		node -e 'require.resolve(process.argv[1], { paths: [process.argv[2]] })' "$m" "$PEERS" 2> /dev/null ||
			fail "node module $m is missing: run \`npm ci\` in tests/ (scripts/setup-deps does it)"
	done
}

# need_chromium: the browser that tests/peers/browser.js drives is there;
# if not, the test fails saying how to install it.
need_chromium() {
	[[ -x ${CHROMIUM:-/usr/bin/chromium} ]] ||
		fail "Chromium is missing (${CHROMIUM:-/usr/bin/chromium}): apt-get install chromium (scripts/setup-deps does it)"
	need_node_modules playwright-core
	# The engines of playwright-core's package.json: it will not start on less.
	local node_major
	node_major=$(node -p 'process.versions.node.split(".")[0]')
	((node_major >= 20)) ||
		fail "playwright-core needs Node.js 20 or later, and node is $(node --version): install a newer nodejs"
}

# lines FILE: how many lines it has (0 when missing).
lines() {
	if [[ -f $1 ]]; then wc -l < "$1"; else echo 0; fi
}

has_lines() { (($(lines "$1") >= $2)); }
contains() { grep -q -- "$2" "$1" 2>/dev/null; }
count_of() { grep -c -- "$2" "$1" 2>/dev/null || true; }
has_count() { (($(count_of "$1" "$2") >= $3)); }

# start_serve IN OUT ERR [ARGS...]: rxws-serve on a port it picks, reading
# IN, writing OUT and ERR. Sets SERVE_PID and PORT once it listens.
start_serve() {
	local in=$1 out=$2 err=$3
	shift 3
	rxws-serve -p 0 "$@" < "$in" > "$out" 2> "$err" &
	SERVE_PID=$!
	PIDS+=("$SERVE_PID")
	wait_for 10 contains "$err" 'listening on port' || { cat "$err" >&2; return 1; }
	PORT=$(sed -n 's/.*listening on port \([0-9]*\).*/\1/p' "$err" | head -n 1)
}

# start_unix_serve IN OUT ERR [ARGS...]: rxws-serve on the unix socket
# $T/sock; sets SERVE_PID once the socket is there.
start_unix_serve() {
	local in=$1 out=$2 err=$3
	shift 3
	rxws-serve --unix "$T/sock" "$@" < "$in" > "$out" 2> "$err" &
	SERVE_PID=$!
	PIDS+=("$SERVE_PID")
	wait_for 10 test -S "$T/sock" || { cat "$err" >&2; return 1; }
}

# start_py_server PORTFILE [ARGS...]: the python peer server; sets PY_PID, PY_PORT.
start_py_server() {
	local portfile=$1
	shift
	"$PY" "$PEERS/ws_server.py" "$portfile" "$@" > "$T/py_server.out" 2> "$T/py_server.err" &
	PY_PID=$!
	PIDS+=("$PY_PID")
	wait_for 10 test -s "$portfile" || { cat "$T/py_server.err" >&2; return 1; }
	PY_PORT=$(cat "$portfile")
}

# open_fifo NAME: a fifo that stays open for writing until close_fifo, so
# that a test can write to it many times ("printf ... > NAME") and its
# reader sees the end of input only when the test says. The holder opens it
# read-write, so nobody blocks, and no other process inherits it.
open_fifo() {
	mkfifo "$1"
	sleep 1000000 <> "$1" &
	FIFO_HOLDER=$!
	PIDS+=("$FIFO_HOLDER")
}

close_fifo() {
	kill "$FIFO_HOLDER"
	wait "$FIFO_HOLDER" 2>/dev/null || true
}

# Clients a server has seen connect (its -v log).
clients_seen() {
	count_of "$1" ' connected on '
}

has_clients() { (($(clients_seen "$1") >= $2)); }

# start_proxy [ARGS...]: the CONNECT proxy of tests/peers/proxy.py on a free
# port; sets PROXY_PORT; its log (a line per request) is proxy.log.
start_proxy() {
	rm -f pport
	"$PY" "$PEERS/proxy.py" --port-file pport --log proxy.log "$@" 2> proxy.err &
	PIDS+=($!)
	wait_for 10 test -s pport || { cat proxy.err >&2; return 1; }
	PROXY_PORT=$(cat pport)
}

# free_port: a TCP port on 127.0.0.1 that nothing listens on now.
free_port() {
	"$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

redis_answers() {
	redis-cli -p "$REDIS_PORT" ping 2>&1 | grep -qE 'PONG|NOAUTH'
}

# start_redis [ARGS...]: a redis-server of the test's own on 127.0.0.1,
# its data (append-only, fsync'd each write) in $T/redis. The port is
# REDIS_PORT when set (a restart), else a free one. Sets REDIS_PID,
# REDIS_PORT and REDIS_URL once it answers.
start_redis() {
	mkdir -p "$T/redis"
	REDIS_PORT=${REDIS_PORT:-$(free_port)}
	redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' \
		--appendonly yes --appendfsync always --daemonize no --dir "$T/redis" \
		"$@" >> "$T/redis.log" 2>&1 &
	REDIS_PID=$!
	PIDS+=("$REDIS_PID")
	REDIS_URL=redis://127.0.0.1:$REDIS_PORT
	wait_for 10 redis_answers || { cat "$T/redis.log" >&2; return 1; }
}

# stop_redis [SIGNAL]: stops the test's redis-server by its PID (TERM by
# default; KILL for a crash).
stop_redis() {
	kill -"${1:-TERM}" "$REDIS_PID" 2>/dev/null || true
	wait_gone 10 "$REDIS_PID"
	wait "$REDIS_PID" 2>/dev/null || true
}

# make_test_ca DIR: a CA (ca.pem, ca.key) and a certificate it signed for
# localhost and 127.0.0.1 (server.pem, server.key), in DIR.
make_test_ca() {
	local d=$1
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/ca.key" -out "$d/ca.pem" \
		-days 2 -subj "/CN=rxws test CA" 2> /dev/null
	openssl req -newkey rsa:2048 -nodes -keyout "$d/server.key" -out "$d/server.csr" \
		-subj "/CN=localhost" 2> /dev/null
	printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' > "$d/ext"
	openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
		-CAcreateserial -out "$d/server.pem" -days 2 -extfile "$d/ext" 2> /dev/null
}
