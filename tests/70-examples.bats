#!/usr/bin/env bats
# The examples of README.md and the man pages, run as they are written.
#
# Each example is named where it stands: an HTML comment before each code
# block of README.md, "<!-- examples: NAME... -->" (one name for each part
# of the block, parts being split by blank lines), and a roff comment
# before each .EX of a man page, '.\" example: NAME'. The first test checks
# that every example is named, and that each name is either run by a test
# below ("example NAME") or listed in NOT_RUN with the reason.
#
# An example runs as the docs show it, with only what this machine needs
# changed (runnable): servers listen on a free port (-p 0), clients go to
# it, the hosts of the docs (example.org, hub, studio, proxy) are a local
# rxws-serve, --host 0.0.0.0 is 127.0.0.1 (the tests stay on loopback),
# files and sockets are in the test's directory, -W 10 is -W 3, and the
# placeholders sensor-read and state-watch are small scripts. The
# examples/ of the README is the tree's; the man pages' installed
# /usr/share/doc/rxws/examples/ is that of the package under test, when
# the tools are a package's, else the tree's examples/ too.

load helpers

declare -gA NOT_RUN=(
	[readme-serve-mic]="arecord: needs a sound card and a microphone"
	[serve-mic]="arecord: needs a sound card and a microphone"
	[readme-connect-ipv6-audio]="aplay: needs a sound card (the URL's form, ws://[::1]:PORT/, runs in connect-record-ipv6)"
	[readme-source-tree]="a listing of the source tree, not a command"
	[readme-install-deb]="installs system-wide: make check builds, installs and tests the package (scripts/check, tests/90-package.bats)"
	[readme-service-feed-conf]="a configuration file of the systemd unit, not a command"
	[readme-service-feed]="needs systemd as PID 1: tests/70-service.bats runs the unit's wrapper as the unit would"
	[readme-service-journal-conf]="a configuration file of the systemd unit, not a command"
	[readme-service-journal-edit]="a drop-in of the systemd unit, not a command"
	[readme-service-journal]="needs systemd as PID 1: tests/70-service.bats runs the unit's wrapper as the unit would"
	[service-feed]="needs systemd as PID 1: tests/70-service.bats runs the unit's wrapper as the unit would"
	[service-journal]="needs systemd as PID 1: tests/70-service.bats runs the unit's wrapper as the unit would"
	[service-tls]="needs systemd as PID 1 (LoadCredential=)"
	[readme-broker-cluster]="fixed ports (Redis 6379, members 8881-8883): tests/80-broker.bats runs such a cluster on free ports, with the feeder, relays and a client"
	[readme-broker-xadd]="the rxws:out key of a Redis on 6379: tests/80-broker.bats feeds its cluster with redis-cli XADD"
	[readme-broker-collect]="fixed ports and a Redis on 6379: tests/80-broker.bats runs members with --broker-inbound and a --collect process on free ports"
	[broker-cluster]="members on other machines and a Redis named redis: tests/80-broker.bats runs such a cluster on one machine"
	[broker-xadd]="a Redis named redis: tests/80-broker.bats feeds its cluster with redis-cli XADD"
	[serve-metrics-prometheus]="a configuration file of Prometheus, not a command (tests/85-metrics.bats checks what Prometheus would read)"
)
# Not run within examples that are run:
#  - readme-make: "make check" (it runs this suite, and more);
#  - readme-build: "make asan", "make fuzz" and "make bench" (minutes
#    each; make check runs the first two, CI the third), "make unit" (make
#    test and make check run it) and "make clean" (it would remove the
#    build these tests run).

setup_file() {
	extract_examples "$BATS_FILE_TMPDIR/examples" 2> /dev/null || true
}

setup() {
	T=$BATS_TEST_TMPDIR
	PIDS=()
	GROUPS_STARTED=()
	EXAMPLES=$BATS_FILE_TMPDIR/examples
	cd "$T" || return 1
	mkdir -p bin
	PATH=$T/bin:$PATH
	DOC_EXAMPLES=$BUILD_DIR/../share/doc/rxws/examples/
	[[ -f $DOC_EXAMPLES/index.html ]] || DOC_EXAMPLES=$TOP/examples/
	export T TOP DOC_EXAMPLES
}

teardown() {
	local g pid
	for g in "${GROUPS_STARTED[@]}"; do
		kill -TERM -- "-$g" 2> /dev/null || true
	done
	for pid in "${PIDS[@]}"; do
		kill -TERM "$pid" 2> /dev/null || true
	done
	for pid in "${GROUPS_STARTED[@]}" "${PIDS[@]}"; do
		wait_gone 5 "$pid" || kill -KILL "$pid" 2> /dev/null || true
	done
}

# extract_examples DIR: every example of the docs into DIR/NAME, and
# DIR/.index ("NAME<TAB>FILE:LINE"); what is not named is said on stderr,
# and the status is then 1.
extract_examples() {
	"$PY" - "$TOP" "$1" <<'PY'
import os, re, sys

top, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
problems, index = [], []


def put(name, text, where):
    if name in (n for n, _ in index):
        problems.append(f"{where}: the name {name} is taken")
    index.append((name, where))
    with open(os.path.join(out, name), "w") as f:
        f.write(text + "\n")


# README.md: indented code blocks after a blank line.
lines = open(os.path.join(top, "README.md")).read().split("\n")
i, prev_blank = 0, True
while i < len(lines):
    if not (lines[i].startswith("    ") and prev_blank):
        prev_blank = lines[i].strip() == ""
        i += 1
        continue
    start, block = i, []
    while i < len(lines) and (lines[i].startswith("    ") or not lines[i].strip()):
        block.append(lines[i][4:])
        i += 1
    prev_blank = True
    j = start - 1
    while j >= 0 and not lines[j].strip():
        j -= 1
    m = re.fullmatch(r"<!-- examples: ([a-z0-9 -]+) -->", lines[j].strip()) if j >= 0 else None
    parts, cur = [], []
    for b in block + [""]:
        if not b.strip():
            if cur:
                parts.append(cur)
            cur = []
        elif not b.lstrip().startswith("#"):
            cur.append(b)
    where = f"README.md:{start + 1}"
    if not m:
        problems.append(f"{where}: a code block without <!-- examples: NAME... -->")
        continue
    names = m.group(1).split()
    if len(names) != len(parts):
        problems.append(f"{where}: {len(names)} names for {len(parts)} examples")
        continue
    for name, part in zip(names, parts):
        put(name, "\n".join(part), where)


def unroff(s):
    for a, b in (("\\-", "-"), ("\\(aq", "'"), ("\\(dq", '"'), ("\\&", "")):
        s = s.replace(a, b)
    s = re.sub(r"\\f[BIRP]", "", s)
    return s.replace("\\e", "\\")


# The man pages: .EX ... .EE, named by the last '.\" example: NAME' before.
for page in ("rxws-serve.1", "rxws-connect.1", "rxws-group.1", "rxws.7"):
    name, body = None, None
    for n, line in enumerate(open(os.path.join(top, "man", page)).read().split("\n"), 1):
        m = re.fullmatch(r'\.\\" example: ([a-z0-9-]+)', line)
        if m:
            if name:
                problems.append(f"man/{page}:{n}: {name} names no example")
            name = m.group(1)
        elif line == ".EX":
            body, where = [], f"man/{page}:{n}"
        elif line == ".EE":
            if not name:
                problems.append(f"{where}: an example without '.\\\" example: NAME'")
            else:
                put(name, unroff("\n".join(body)), where)
            name, body = None, None
        elif body is not None:
            body.append(line)

with open(os.path.join(out, ".index"), "w") as f:
    for name, where in index:
        f.write(f"{name}\t{where}\n")
for p in problems:
    print(p, file=sys.stderr)
sys.exit(1 if problems else 0)
PY
}

# example NAME: EX is the example's text, as the docs show it.
example() {
	if [[ ! -f $EXAMPLES/$1 ]]; then
		echo "no example named $1 in the docs" >&2
		return 1
	fi
	EX=$(cat "$EXAMPLES/$1")
}

# runnable TEXT: the example as it runs here (see the header); clients go
# to $PORT, which must be set when they are in TEXT.
runnable() {
	PORT=${PORT:-} "$PY" - "$1" <<'PY'
import os, re, sys

s, port = sys.argv[1], os.environ["PORT"]
T, TOP = os.environ["T"], os.environ["TOP"]
s = s.replace("$(pidof rxws-serve)", "$SERVE_PID")
for host in ("127.0.0.1:8888", "example.org:8888", "hub:8888", "studio:8888", "proxy"):
    s = s.replace("ws://" + host, "ws://127.0.0.1:" + port)
s = s.replace("http://127.0.0.1:8888/", "http://127.0.0.1:" + port + "/")
s = s.replace("ws://[::1]:8888", "ws://[::1]:" + port)
s = s.replace("wss://localhost:8888", "wss://localhost:" + port)
s = s.replace("wss://proxy", "wss://localhost:" + port)
s = re.sub(r"rxws-serve(?! --unix)(?! -p )", "rxws-serve -p 0", s)
s = s.replace(" -p 8889", " -p 0 --name relay")
s = s.replace("--host 0.0.0.0", "--host 127.0.0.1")
for sock in ("/tmp/rxws.sock", "/run/rxws.sock"):
    s = s.replace(sock, T + "/rxws.sock")
s = s.replace("/var/log/syslog", T + "/syslog")
s = s.replace("/var/log/app.log", T + "/app.log")
s = s.replace("/var/lib/feed/", T + "/")
s = s.replace("--static examples/", "--static " + TOP + "/examples/")
s = s.replace("--static /usr/share/doc/rxws/examples/", "--static " + os.environ["DOC_EXAMPLES"])
s = s.replace("DESTDIR=/tmp/pkg", "DESTDIR=" + T + "/pkg")
s = s.replace("-W 10", "-W 3")
print(s)
PY
}

# logical_lines TEXT: one command a line, continuation lines (after \ or |)
# joined.
logical_lines() {
	"$PY" -c '
import sys
out, cur = [], ""
for line in sys.argv[1].split("\n"):
    cur += line.strip() if cur else line
    if cur.endswith("\\"):
        cur = cur[:-1].rstrip() + " "
    elif cur.endswith("|"):
        cur += " "
    else:
        out.append(cur)
        cur = ""
print("\n".join(out))' "$1"
}

# start_example CMD IN OUT ERR: CMD in a shell and process group of its
# own, in the background; EX_PID is that shell.
start_example() {
	setsid bash -c "$1" < "$2" > "$3" 2> "$4" &
	EX_PID=$!
	GROUPS_STARTED+=("$EX_PID")
}

# listening ERR [NAME]: PORT (or the port of the server logging as NAME),
# once a server that ERR is the stderr of listens.
listening() {
	local who=${2:-rxws-serve:}
	wait_for 10 eval "grep -q '^$who.*listening on port' '$1'" || { cat "$1" >&2; return 1; }
	sed -n "s/^$who.*listening on port \\([0-9]*\\).*/\\1/p" "$1" | head -n 1
}

# client PATH ARGS...: the python peer on the example's server, in the
# background, writing PATH's name + .out (slashes as _).
client() {
	local path=$1
	shift
	"$PY" "$PEERS/ws_client.py" "$@" "ws://127.0.0.1:$PORT$path" > "c${path//\//_}.out" 2>&1 &
	PIDS+=($!)
}

# A server of the examples' clients: rxws-serve -p 0 ARGS, stdin IN.
server() {
	local in=$1
	shift
	start_serve "$in" serve.out serve.err "$@"
}

@test "the README's source tree names every module of common/, in its layer, and only those" {
	local src m layer listed
	for src in "$TOP"/common/*/*.c; do
		m=$(basename "$src" .c)
		layer=$(basename "$(dirname "$src")")
		# The module's line comes after its layer's heading, before the next one.
		sed -n "/^      $layer\/ /,/^      [a-z]*\/ /p" "$TOP/README.md" | grep -qE "^        $m +[^ ]" ||
			{ echo "README.md does not list common/$layer/$m under $layer/" >&2; return 1; }
	done
	listed=$(sed -n '/^    common\//,/^    tests\//s/^        \([a-z_0-9]*\) .*/\1/p' "$TOP/README.md")
	for m in $listed; do
		compgen -G "$TOP/common/*/$m.c" > /dev/null ||
			{ echo "README.md lists common/*/$m, which is not there" >&2; return 1; }
	done
}

@test "every example of README.md and the man pages is named, and run here or listed as not run" {
	run extract_examples "$T/ex"
	assert_success
	local names n
	names=$(cut -f1 "$T/ex/.index" | sort)
	(($(wc -l <<< "$names") > 40))
	# The tests, without the NOT_RUN list: where run examples are named.
	sed '/^declare -gA NOT_RUN/,/^)/d' "$BATS_TEST_FILENAME" > tests.txt
	for n in $names; do
		if [[ -z ${NOT_RUN[$n]:-} ]] && ! grep -Eq "(^|[^a-z0-9-])$n([^a-z0-9-]|\$)" tests.txt; then
			echo "example $n is neither run nor in NOT_RUN" >&2
			return 1
		fi
	done
	for n in $(sed -n 's/^[[:space:]]*example \([a-z0-9-]*\)$/\1/p' tests.txt) "${!NOT_RUN[@]}"; do
		grep -qx "$n" <<< "$names" || { echo "no example $n in the docs" >&2; return 1; }
	done
}

@test "README: make demo, its build one line (V=1: the commands), then the demo" {
	example readme-make
	grep -qx 'make demo .*' <<< "$EX"
	# A copy of the tree's build, with one file to compile again.
	[[ -x $PLAIN_DIR/rxws-serve ]] || make -s -C "$TOP" all
	cp -a "$PLAIN_DIR" "$T/b"
	rm "$T/b/common/base/base64.o"
	run make --no-print-directory -C "$TOP" BUILD="$T/b" demo
	assert_success
	assert_output --partial 'client got: hello from the server'
	assert_output --partial 'server got: hello from a client'
	assert_line "  MAKE $T/b/ (the tools; make V=1 demo shows the commands)"
	refute_output --partial 'common/base/base64'
	refute_output --partial 'Entering directory'
	[[ $T/b/rxws-serve -nt $T/b/common/base/base64.o ]]
	# -s: the demo alone; V=1: the commands.
	run make -s --no-print-directory -C "$TOP" BUILD="$T/b" demo
	assert_success
	assert_equal "${lines[0]}" '# server to client: rxws-serve --wait-clients 1 /news < news'
	rm "$T/b/common/base/base64.o"
	run make --no-print-directory -C "$TOP" BUILD="$T/b" V=1 demo
	assert_success
	assert_line --regexp " -c common/base/base64\\.c -o $T/b/common/base/base64\\.o\$"
	assert_output --partial 'server got: hello from a client'
}

@test "README: make, make install and make uninstall" {
	local line
	example readme-build
	grep -q '^make\( .*\)\?$' <<< "$EX"
	run make -s -C "$TOP"
	assert_success
	# Staged, as its comment says, in the test's directory.
	example readme-install-make
	for line in 'make install PREFIX=/usr/local' 'make uninstall PREFIX=/usr/local'; do
		grep -q "^$line\( .*\)\?$" <<< "$EX"
		run bash -c "cd '$TOP' && $line DESTDIR='$T/pkg' -s"
		assert_success
		if [[ $line == 'make install'* ]]; then
			[[ -x $T/pkg/usr/local/bin/rxws-serve && -f $T/pkg/usr/local/share/man/man7/rxws.7 ]]
			[[ -f $T/pkg/usr/local/share/bash-completion/completions/rxws-group ]]
			# The service's configuration: its directory, empty, and an example.
			[[ -d $T/pkg/etc/rxws && -z $(ls -A "$T/pkg/etc/rxws") ]]
			[[ -f $T/pkg/usr/local/share/doc/rxws/examples/rxws-serve.conf ]]
			grep -qx 'EnvironmentFile=-/etc/rxws/%i.conf' "$T/pkg/usr/local/lib/systemd/system/rxws-serve@.service"
			grep -q ' RXWS_CONFIG_EXAMPLE=/usr/local/share/doc/rxws/examples/rxws-serve.conf' \
				"$T/pkg/usr/local/lib/systemd/system/rxws-serve@.service"
		fi
	done
	[[ ! -e $T/pkg/usr/local/bin/rxws-serve && ! -e $T/pkg/usr/local/share/man/man1/rxws-connect.1 ]]
	[[ ! -e $T/pkg/etc/rxws && ! -e $T/pkg/usr/local/share/doc/rxws ]]
}

@test "rxws-serve: a log file to the network, from the first client on (README, man)" {
	local name
	for name in readme-serve-syslog serve-syslog; do
		example $name
		mkdir "$name" && cd "$name"
		: > "$T/syslog"
		start_example "$(runnable "$EX")" /dev/null out err
		PORT=$(listening err)
		client /log --recv 1
		wait_for 10 contains c_log.out open
		echo "the log goes on" >> "$T/syslog"
		wait_for 10 contains c_log.out "text 'the log goes on'"
		cd "$T"
	done
}

@test "rxws-serve: collect what clients send on /in (README)" {
	example readme-serve-collect
	start_example "$(runnable "$EX")" /dev/null out err
	PORT=$(listening err)
	client /in --text 'for the log' --recv 0
	wait_for 10 has_lines received.log 1
	assert_equal "$(cat received.log)" 'for the log'
}

@test "rxws-serve multi-path: one record for /news, one for /weather (README, man)" {
	local name
	for name in readme-serve-multipath serve-multipath; do
		example $name
		mkdir "$name" && cd "$name"
		start_example "$(runnable "$EX")" /dev/null out err
		PORT=$(listening err)
		client /news --recv 1
		client /weather --recv 1
		wait_gone 10 "$EX_PID"
		wait_status "$EX_PID"
		assert_equal "$STATUS" 0
		wait_for 10 contains c_news.out 'close'
		wait_for 10 contains c_weather.out 'close'
		assert_equal "$(sed -n 2p c_news.out)" "text 'free coffee'"
		assert_equal "$(sed -n 2p c_weather.out)" "text 'sunny'"
		cd "$T"
	done
}

@test "rxws-serve: a chat server, each message to every client of its path (README, man)" {
	local name
	for name in readme-serve-chat serve-chat; do
		example $name
		mkdir "$name" && cd "$name"
		start_example "$(runnable "$EX")" /dev/null out err
		PORT=$(listening err)
		client /room --recv 1
		wait_for 10 contains c_room.out open
		mv c_room.out listener.out
		client /room --text 'hello all' --recv 1
		wait_for 10 contains c_room.out "text 'hello all'"
		wait_for 10 contains listener.out "text 'hello all'"
		cd "$T"
	done
}

@test "rxws-serve: binary paths under /cam/, text elsewhere, length-prefixed both ways (man)" {
	example serve-cam-lp
	"$PY" -c '
import struct, sys
for f in (b"/cam/1", b"\x00\xff", b"/log", b"text"):
    sys.stdout.buffer.write(struct.pack(">I", len(f)) + f)' > frames.lp
	start_example "$(runnable "$EX")" /dev/null out err
	PORT=$(listening err)
	client /cam/1 --binary 0102 --recv 1
	client /log --text 'up' --recv 1
	wait_for 10 contains c_cam_1.out 'binary 00ff'
	wait_for 10 contains c_log.out "text 'text'"
	wait_for 10 eval '(( $(stat -c %s uploads.lp) == 30 ))'
	"$PY" -c '
import struct, sys
b, recs = open("uploads.lp", "rb").read(), []
while b:
    n = struct.unpack(">I", b[:4])[0]
    recs.append(b[4:4 + n])
    b = b[4 + n:]
pairs = sorted(zip(recs[::2], recs[1::2]))
assert pairs == [(b"/cam/1", b"\x01\x02"), (b"/log", b"up")], pairs'
}

@test "rxws-serve --object: JSON lines in, CBOR to /state's clients, their CBOR out as JSON (man)" {
	example serve-objects-state
	open_fifo state
	printf '#!/bin/sh\nexec cat "%s/state"\n' "$T" > bin/state-watch
	chmod +x bin/state-watch
	start_example "$(runnable "$EX")" /dev/null out err
	PORT=$(listening err)
	# {"a":1} as CBOR
	client /state --binary a1616101 --recv 1
	wait_for 10 contains c_state.out open
	wait_for 10 contains out '{"a":1}'
	echo '{"on":true}' > state
	wait_for 10 contains c_state.out 'binary a1626f6ef5'
}

@test "rxws-serve --type '/ctl/*=object': CBOR under /ctl/, text elsewhere (man)" {
	example serve-ctl-objects
	start_example "$(runnable "$EX")" /dev/null out err
	PORT=$(listening err)
	client /ctl/lamp --recv 1
	client /log --recv 1
	wait_gone 10 "$EX_PID"
	wait_for 10 contains c_ctl_lamp.out 'close'
	wait_for 10 contains c_log.out 'close'
	assert_equal "$(sed -n 2p c_ctl_lamp.out)" 'binary a1626f6ef5'
	assert_equal "$(sed -n 2p c_log.out)" "text 'lamp on'"
}

@test "rxws-serve --format json | jq: what clients send on /a only (README, man)" {
	local name
	for name in readme-serve-envelopes serve-envelopes-jq; do
		example $name
		mkdir "$name" && cd "$name"
		start_example "$(runnable "$EX")" /dev/null out err
		PORT=$(listening err)
		client /b --text 'not this' --recv 0
		client /a --text 'this' --binary 00ff --recv 0
		wait_for 10 has_lines out 2
		wait_for 10 contains c_b.out close
		assert_equal "$(cat out)" "$(printf '%s\n' '{"tag":"/a","type":"string","data":"this"}' '{"tag":"/a","type":"bytes","data":"AP8="}')"
		cd "$T"
	done
}

@test "rxws-serve --format cbor: a faithful echo server (README, man)" {
	local name
	for name in readme-serve-echo serve-echo; do
		example $name
		mkdir "$name" && cd "$name"
		start_example "$(runnable "$EX")" /dev/null out err
		PORT=$(listening err)
		run timeout 10 "$PY" "$PEERS/ws_client.py" --text 'text' --binary 00ff --recv 2 "ws://127.0.0.1:$PORT/"
		assert_output "$(printf "open\ntext 'text'\nbinary 00ff\nclose 1000")"
		cd "$T"
	done
}

@test "unix sockets: the server collects, the client sends the date (README, and rxws-serve(1) with rxws-connect(1))" {
	example readme-unix
	start_example "$(runnable "$EX")" /dev/null out err
	wait_for 10 has_lines received.log 1
	grep -q "$(date +%Y)" received.log
	kill -TERM -- "-$EX_PID"
	wait_for 10 eval "! kill -0 -- -$EX_PID 2> /dev/null"

	mkdir man && cd man
	example serve-unix
	start_example "$(runnable "$EX")" /dev/null out err
	wait_for 10 test -S "$T/rxws.sock"
	example connect-unix
	run timeout 10 bash -c "$(runnable "$EX")"
	assert_success
	wait_for 10 has_lines received.log 1
	grep -q "$(date +%Y)" received.log
}

@test "TLS and a token: a self-signed certificate, a clock over wss:// (README, rxws-serve(1), rxws-connect(1))" {
	local line
	example readme-tls-files
	while read -r line; do
		run bash -c "$line"
		assert_success
	done <<< "$(logical_lines "$EX")"
	[[ -s cert.pem && -s key.pem && $(wc -c < token) == 33 ]]

	example readme-tls-clock
	mapfile -t cmds <<< "$(logical_lines "$EX")"
	assert_equal "${#cmds[@]}" 2
	start_example "$(runnable "${cmds[0]}")" /dev/null out err
	PORT=$(listening err)
	run timeout 10 bash -c "$(runnable "${cmds[1]}")"
	assert_success
	assert_output --partial "$(date +%Y)"

	mkdir man && cd man
	example serve-tls
	mapfile -t cmds <<< "$(logical_lines "$EX")"
	assert_equal "${#cmds[@]}" 3
	run bash -c "${cmds[0]} 2> /dev/null && ${cmds[1]}"
	assert_success
	start_example "$(runnable "${cmds[2]}")" /dev/null out err
	PORT=$(listening err)
	example connect-tls
	run timeout 10 bash -c "$(runnable "$EX")"
	assert_success
	assert_output --partial "$(date +%Y)"
}

@test "--static: the page of the source tree (README) or the installed one (man), a chat room on /live" {
	local name
	for name in readme-static-chat serve-static-chat; do
		example $name
		if [[ $name == readme-* ]]; then
			grep -q -- '--static examples/ ' <<< "$EX"
		else
			grep -q -- '--static /usr/share/doc/rxws/examples/ ' <<< "$EX"
		fi
		mkdir "$name" && cd "$name"
		start_example "$(runnable "$EX")" /dev/null out err
		PORT=$(listening err)
		run curl -sf "http://127.0.0.1:$PORT/"
		assert_success
		assert_output --partial '<html'
		client /live --recv 1
		wait_for 10 contains c_live.out open
		mv c_live.out listener.out
		client /live --text 'hi tabs' --recv 1
		wait_for 10 contains listener.out "text 'hi tabs'"
		cd "$T"
	done
}

@test "--static for other machines: TLS, a token, one origin, compression (README, man)" {
	local name token
	example readme-tls-files
	bash -c "$(logical_lines "$EX")" 2> /dev/null
	token=$(cat token)
	for name in readme-static-tls serve-static-tls; do
		example $name
		if [[ $name == readme-* ]]; then
			grep -q -- '--static examples/ ' <<< "$EX"
		else
			grep -q -- '--static /usr/share/doc/rxws/examples/ ' <<< "$EX"
		fi
		rm -f live
		mkfifo live
		start_example "$(runnable "$EX")" /dev/null out err
		PORT=$(listening err)
		run curl -sf --cacert cert.pem "https://localhost:$PORT/"
		assert_success
		assert_output --partial '<html'
		run timeout 10 "$PY" "$PEERS/ws_client.py" --cafile cert.pem --compress \
			--origin https://example.org:8888 --text 'over tls' --recv 1 \
			"wss://localhost:$PORT/live?token=$token"
		assert_output "$(printf "open deflate\ntext 'over tls'\nclose 1000")"
		run timeout 10 "$PY" "$PEERS/ws_client.py" --cafile cert.pem \
			--origin https://other.example --recv 1 "wss://localhost:$PORT/live?token=$token"
		assert_output 'refused 403'
		run timeout 10 "$PY" "$PEERS/ws_client.py" --cafile cert.pem \
			--origin https://example.org:8888 --recv 1 "wss://localhost:$PORT/live"
		assert_output 'refused 401'
		kill -TERM -- "-$EX_PID"
		wait_gone 10 "$EX_PID"
	done
}

@test "rxws-serve: SIGUSR1 prints the counters of a running server (man)" {
	example serve-usr1
	server /dev/null -k /
	run bash -c "SERVE_PID=$SERVE_PID; $(runnable "$EX")"
	assert_success
	wait_for 10 contains serve.err 'stdin 0 records (0 bytes, 0 bad): 0 delivered'
}

@test "--metrics: a scrape by hand, with the token (man)" {
	example serve-metrics-curl
	echo 'metrics-Token_1' > token
	server /dev/null -k --metrics --auth-token-file token /feed
	run bash -c "$(runnable "$EX")"
	assert_success
	assert_line 'rxws_clients 0'
	"$PY" "$PEERS/prom_check.py" <<<"$output"
}

@test "rxws-connect: follow a feed through jq (README, man)" {
	local name
	for name in readme-connect-feed connect-feed; do
		example $name
		mkdir "$name" && cd "$name"
		echo '{"price":1.5,"x":0}' > feed
		server feed --wait-clients 1 /feed
		run timeout 10 bash -c "$(runnable "$EX")"
		assert_success
		assert_output '1.5'
		cd "$T"
	done
}

@test "rxws-connect: through a proxy that wants credentials, to a server that wants a token (man)" {
	example connect-proxy-credentials
	echo 'from behind the proxy' > feed
	echo 2f7c > token
	server feed -v --compress --auth-token-file token --wait-clients 1 /feed
	start_proxy --auth 'alice:s3cret'
	run timeout 10 bash -c "$(runnable "$EX" | sed "s/@proxy:3128 /@127.0.0.1:$PROXY_PORT /")"
	assert_success
	assert_output 'from behind the proxy'
	# The credentials went to the proxy, the token to the server.
	assert_equal "$(cat proxy.log)" "CONNECT 127.0.0.1:$PORT auth=yes"
	assert contains serve.err 'connected on /feed'
}

@test "rxws-connect: send the date, and end (README, man)" {
	local name
	for name in readme-connect-date connect-date; do
		example $name
		mkdir "$name" && cd "$name"
		server /dev/null -k -c 1 /clock
		run timeout 10 bash -c "$(runnable "$EX")"
		assert_success
		wait_for 10 has_lines serve.out 1
		grep -q "$(date +%Y)" serve.out
		cd "$T"
	done
}

@test "rxws-connect: ask, and wait for one answer (README, man)" {
	local name
	for name in readme-connect-ask connect-ask; do
		example $name
		mkdir "$name" && cd "$name"
		# The server answers each question with itself.
		mkfifo rpc
		start_example 'rxws-serve -p 0 -k /rpc <>rpc >rpc' /dev/null out err
		PORT=$(listening err)
		run timeout 10 bash -c "$(runnable "$EX")"
		assert_success
		assert_output '{"op":"status"}'
		cd "$T"
	done
}

@test "rxws-connect: record a binary stream from [::1] for a while, then 75 (man)" {
	example connect-record-ipv6
	open_fifo audio
	start_serve audio serve.out serve.err --host ::1 --bytes -v /
	start_example "$(runnable "$EX")" /dev/null out err
	wait_for 10 has_clients serve.err 1
	printf 'PCM\0\1' > audio
	wait_gone 10 "$EX_PID"
	wait_status "$EX_PID"
	assert_equal "$STATUS" 75
	assert_equal "$(od -An -c audio.raw | tr -s ' ')" "$(printf 'PCM\0\1' | od -An -c | tr -s ' ')"
}

@test "rxws-connect: a sensor feed with bounded retries; rxws-group: a sensor hub (man, README)" {
	printf '#!/bin/sh\nprintf "t1 21.5\\nt2 19.0\\n"\n' > bin/sensor-read
	chmod +x bin/sensor-read
	example connect-sensor
	server /dev/null -k /temp
	run timeout 10 bash -c "$(runnable "$EX")"
	assert_success
	wait_for 10 has_lines serve.out 2
	assert_equal "$(cat serve.out)" "$(printf 't1 21.5\nt2 19.0')"

	local name
	for name in readme-group-sensors group-sensors; do
		example $name
		mkdir "$name" && cd "$name"
		server /dev/null -k -r
		run timeout 10 bash -c "$(runnable "$EX")"
		assert_success
		wait_for 10 has_lines serve.out 2
		assert_equal "$(sort serve.out)" "$(printf '/sensor/t1\t21.5\n/sensor/t2\t19.0')"
		cd "$T"
	done
}

@test "--object: a JSON object sent as CBOR, a CBOR feed read as JSON (README, rxws-connect(1), rxws(7))" {
	local name send feed
	for name in readme-objects connect-objects rxws7-object; do
		if [[ $name == rxws7-object ]]; then
			example rxws7-object-send
			send=$EX
			example rxws7-object-feed
			feed=$EX
		else
			example $name
			send=$(sed -n 1p <<< "$EX")
			feed=$(sed -n 2p <<< "$EX")
		fi
		mkdir "$name" && cd "$name"
		open_fifo in
		server in -v --object
		run timeout 10 bash -c "$(runnable "$send")"
		assert_success
		wait_for 10 has_lines serve.out 1
		assert_equal "$(cat serve.out)" "$(printf '/o\t{"x":[1,2,3]}')"
		start_example "$(runnable "$feed")" /dev/null out err
		wait_for 10 has_clients serve.err 2
		printf '/feed\t{"field":[42]}\n' > in
		# jq writes when it ends: when the server does, at the end of its input
		close_fifo
		wait_gone 10 "$EX_PID"
		assert_equal "$(tr -d ' \n' < out)" '[42]'
		cd "$T"
	done
}

@test "--format json: text and binary frames, told apart by jq (rxws-connect(1), rxws(7))" {
	local name
	for name in connect-mixed-text rxws7-mixed-bytes; do
		example $name
		mkdir "$name" && cd "$name"
		printf '%s\n' '{"data":"a text"}' '{"type":"bytes","data":"YmluYXJ5"}' > in
		server in --format json --wait-clients 1 /mixed
		run timeout 10 bash -c "$(runnable "$EX")"
		assert_success
		if [[ $name == connect-mixed-text ]]; then
			assert_output 'a text'
		else
			assert_output 'binary'
		fi
		cd "$T"
	done
}

@test "rxws-connect: copy a server's stream, until the server's input ends (man)" {
	example connect-copy-lp
	printf 'a stream' > in
	server in --bytes --wait-clients 1 /
	run timeout 10 bash -c "$(runnable "$EX")"
	assert_success
	assert_equal "$(od -An -tx1 copy.lp | tr -d ' \n')" "00000008$(printf 'a stream' | od -An -tx1 | tr -d ' \n')"
}

@test "envelopes as the man pages show them: what rxws-connect and rxws-serve write (rxws-connect(1), rxws(7))" {
	example connect-json-output
	echo hello > in
	server in --wait-clients 1 /feed
	run timeout 10 rxws-connect -r --format json "ws://127.0.0.1:$PORT/feed"
	assert_success
	# The epoch is the server's own, new each time it starts.
	local epoch
	epoch=$(sed -n 's/.*"pos":"\([0-9a-f]\{16\}\):1".*/\1/p' <<< "$output")
	[[ -n $epoch ]] || fail "no position in: $output"
	assert_output "${EX//5c1d0e3f9a2b4c6d/$epoch}"

	example rxws7-envelope-output
	start_serve /dev/null out2 err2 -k -r --format json --type '/p=object' /p
	# text "hello", binary 00 ff, and the CBOR of {"x":[1,2,3]}
	run timeout 10 "$PY" "$PEERS/ws_client.py" --text hello --binary 00ff --binary a1617883010203 --recv 0 "ws://127.0.0.1:$PORT/p"
	wait_for 10 has_lines out2 3
	assert_equal "$(cat out2)" "$EX"
}

@test "envelopes and tagged records as stdin, as the man page shows them (rxws(7))" {
	example rxws7-envelope-input
	echo "$EX" > envelope
	server envelope --format json --wait-clients 1
	run timeout 10 "$PY" "$PEERS/ws_client.py" --recv 1 "ws://127.0.0.1:$PORT/p"
	assert_line "text 'hello'"

	example rxws7-tagged-record
	run bash -c "$EX"
	assert_output "$(printf '/news\tfree coffee')"
	bash -c "$EX" > tagged
	start_serve tagged out2 err2 --wait-clients 1
	run timeout 10 "$PY" "$PEERS/ws_client.py" --recv 1 "ws://127.0.0.1:$PORT/news"
	assert_line "text 'free coffee'"
}

@test "--type rules: binary under /cam/, CBOR on /ctl, text elsewhere, lp (rxws(7))" {
	example rxws7-type-rules
	open_fifo in
	start_example "$(runnable "$EX") -v" in out err
	PORT=$(listening err)
	client /cam/1 --recv 1
	client /ctl --recv 1
	client /log --recv 1
	wait_for 10 has_clients err 3
	"$PY" -c '
import struct, sys
for f in (b"/cam/1", b"\x00\x01", b"/ctl", b"\xa1\x61\x78\x01", b"/log", b"text"):
    sys.stdout.buffer.write(struct.pack(">I", len(f)) + f)' > in
	wait_for 10 contains c_cam_1.out 'binary 0001'
	wait_for 10 contains c_ctl.out 'binary a1617801'
	wait_for 10 contains c_log.out "text 'text'"
}

@test "a relay: what clients send on /a goes to the clients of another server (rxws(7))" {
	example rxws7-relay
	start_example "$(runnable "$EX")" /dev/null out err
	PORT=$(listening err)
	local relay
	relay=$(listening err relay:)
	"$PY" "$PEERS/ws_client.py" --recv 1 "ws://127.0.0.1:$relay/a" > relayed.out &
	PIDS+=($!)
	wait_for 10 contains relayed.out open
	client /b --text 'not relayed' --recv 0
	client /a --text 'relayed' --recv 0
	wait_for 10 contains relayed.out "text 'relayed'"
	refute contains relayed.out 'not relayed'
}

@test "rxws-group: from jq, a binary frame to /bin and a CBOR map to /cfg (rxws(7))" {
	example rxws7-jq-group
	server /dev/null -k -r --format json --type '/cfg=object'
	run timeout 10 bash -c "$(runnable "$EX")"
	assert_success
	wait_for 10 has_lines serve.out 2
	assert_equal "$(sort serve.out)" "$(printf '%s\n' '{"tag":"/bin","type":"bytes","data":"aGVsbG8="}' '{"tag":"/cfg","type":"object","data":{"rate":16000}}')"
}

@test "rxws-group: tagged records in, each path its own connection; a JSON object to /cfg (README, man)" {
	example readme-group-tagged
	server /dev/null -k -r -v
	run timeout 10 bash -c "$(runnable "$EX")"
	assert_success
	wait_for 10 has_lines serve.out 2
	assert_equal "$(sort serve.out)" "$(printf '/a\tone\n/b\ttwo')"
	assert_equal "$(clients_seen serve.err)" 2

	mkdir man && cd man
	example group-cfg-object
	server /dev/null -k -r --type '/cfg=object'
	run timeout 10 bash -c "$(runnable "$EX")"
	assert_success
	wait_for 10 has_lines serve.out 2
	assert_equal "$(sort serve.out)" "$(printf '/cfg\t{"rate":16000}\n/log\tstarted')"
}

@test "rxws-group: follow two paths, tell them apart (README, man)" {
	local name
	for name in readme-group-follow group-follow-case; do
		example $name
		mkdir "$name" && cd "$name"
		open_fifo in
		server in -v
		start_example "$(runnable "$EX")" /dev/null out err
		wait_for 10 has_clients serve.err 2
		printf '/a\tone\n/b\ttwo\n' > in
		wait_for 10 has_lines out 2
		if [[ $name == readme-group-follow ]]; then
			assert_equal "$(sort out)" "$(printf '/a: one\n/b: two')"
		else
			assert_equal "$(sort out)" "$(printf 'A says one\nB says two')"
		fi
		close_fifo
		cd "$T"
	done
}

@test "rxws-group: binary frames under /audio/, text for the rest, from an lp file (README, man)" {
	local name
	"$PY" -c '
import struct, sys
for f in (b"/audio/mic", b"\x00\xff\x01", b"/notes", b"take 1"):
    sys.stdout.buffer.write(struct.pack(">I", len(f)) + f)' > takes.lp
	for name in readme-group-audio group-audio; do
		example $name
		mkdir "$name" && cp takes.lp "$name/" && cd "$name"
		server /dev/null -k -r -v -f lp --type '/audio/*=bytes'
		run timeout 10 bash -c "$(runnable "$EX")"
		assert_success
		wait_for 10 eval '(( $(stat -c %s serve.out) == 41 ))'
		"$PY" -c '
import struct
b, recs = open("serve.out", "rb").read(), []
while b:
    n = struct.unpack(">I", b[:4])[0]
    recs.append(b[4:4 + n])
    b = b[4 + n:]
pairs = sorted(zip(recs[::2], recs[1::2]))
assert pairs == [(b"/audio/mic", b"\x00\xff\x01"), (b"/notes", b"take 1")], pairs'
		cd "$T"
	done
}

@test "rxws-group: a URL prefix and a token in the query, or in a header over TLS (man)" {
	printf '/a\tone\n/b\ttwo\n' > in.tsv
	echo abc > abc
	example group-proxy-token
	server /dev/null -k -r --auth-token-file abc
	run timeout 10 bash -c "$(runnable "$EX")"
	assert_success
	wait_for 10 has_lines serve.out 2
	assert_equal "$(sort serve.out)" "$(printf '/rxws/a\tone\n/rxws/b\ttwo')"

	mkdir tls && cd tls
	cp ../in.tsv .
	openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
		-addext subjectAltName=DNS:localhost -keyout key.pem -out ca.pem 2> /dev/null
	openssl rand -hex 16 > token
	example group-proxy-tls
	server /dev/null -k -r --cert ca.pem --key key.pem --auth-token-file token
	run timeout 10 bash -c "$(runnable "$EX")"
	assert_success
	wait_for 10 has_lines serve.out 2
	assert_equal "$(sort serve.out)" "$(printf '/rxws/a\tone\n/rxws/b\ttwo')"
}

@test "rxws-group: what a path that cannot deliver says at the end (man)" {
	example group-undelivered-log
	PORT=$(free_port)
	for i in $(seq 1 50); do printf '/bad\tb%d\n' "$i"; done > in
	run timeout 20 rxws-group --drain-timeout 1 "ws://127.0.0.1:$PORT" < in
	assert_failure 75
	# The page shows the default, 10 s, and port 8888; 1 s here keeps the test short.
	assert_line "$(runnable "$EX" | sed "s/127\.0\.0\.1:8888/127.0.0.1:$PORT/g; s/(10 s)/(1 s)/")"
}

@test "rxws-connect: the final error of a cron sender with nothing to connect to (man)" {
	example connect-undelivered-log
	PORT=$(free_port)
	run --separate-stderr timeout 20 rxws-connect --drain-timeout 1 "ws://127.0.0.1:$PORT/clock" <<< tick
	assert_equal "$status" 75
	# The page shows the default, 10 s, and port 8888.
	assert_equal "$(grep ': error: ' <<< "$stderr")" \
		"$(runnable "$EX" | sed "s/127\.0\.0\.1:8888/127.0.0.1:$PORT/; s/(10 s)/(1 s)/")"
}

@test "history: a log dashboard that never misses a line; the page and rxws.js are served (README, man)" {
	local name
	for name in readme-history-dashboard serve-history-dashboard; do
		mkdir "$name" && cd "$name"
		one_dashboard "$name"
		cd "$T"
	done
}

# one_dashboard NAME: the dashboard example NAME, run and checked.
one_dashboard() {
	seq 1 5 > "$T/app.log"
	example "$1"
	start_example "$(runnable "$EX")" /dev/null out err
	PORT=$(listening err)
	run curl -sf "http://127.0.0.1:$PORT/"
	assert_output --partial 'rxws.js'
	run curl -sf "http://127.0.0.1:$PORT/rxws.js"
	assert_output --partial 'export class RxwsClient'
	# The five lines already written are kept: the last 3, then live.
	wait_for 10 eval "\"$PY\" \"$PEERS/history_client.py\" --recv 0 'ws://127.0.0.1:$PORT/log?last=1' | grep -q ':5\$'"
	"$PY" "$PEERS/history_client.py" --pos --until 6 "ws://127.0.0.1:$PORT/log?last=3" > c.out &
	local c=$!
	PIDS+=($c)
	wait_for 10 contains c.out '^!live '
	echo 6 >> "$T/app.log"
	wait_gone 10 "$c"
	assert_equal "$(awk '/^[0-9a-f]+:[0-9]+ / { print $2 }' c.out)" "$(seq 3 6)"
	kill -TERM -- "-$EX_PID"
	wait_gone 10 "$EX_PID"
}

@test "delivery: a feed whose client is killed and restarted with --session loses nothing (README)" {
	: > "$T/app.log"
	example readme-delivery-serve
	start_example "$(runnable "$EX")" /dev/null out err
	PORT=$(listening err)
	example readme-delivery-connect
	local connect
	connect=$(runnable "$EX")
	start_example "$connect" /dev/null c1.out c1.err
	local first=$EX_PID
	seq 1 100 >> "$T/app.log"
	wait_for 10 has_lines archive.log 100
	kill -KILL -- "-$first"
	seq 101 200 >> "$T/app.log"
	start_example "$connect" /dev/null c2.out c2.err
	wait_for 10 has_lines archive.log 200
	assert_equal "$(sort -un archive.log)" "$(seq 1 200)"
}

# stands_at PATH N [ARGS...]: the server of PORT says PATH's last message is N
# (a client asks for the last one and ends).
stands_at() {
	local path=$1 n=$2
	shift 2
	[[ $(timeout 5 rxws-connect -r --last 1 --exit-at-end "$@" "ws://127.0.0.1:$PORT$path" 2> /dev/null) == "$n" ]]
}

# run_apart NAME...: runs each example in a folder of its own (NAME, under
# $T), so that the files each writes (a state file, a log) are its alone.
run_apart() {
	local name
	for name in "$@"; do
		example "$name"
		mkdir "$name" && cd "$name"
		run timeout 10 bash -c "$(runnable "$EX" | sed "s|$T/|$T/$name/|")"
		assert_success
		cd "$T"
	done
}

# epoch_of PATH: the epoch of the positions of PATH on the server of PORT.
epoch_of() {
	timeout 5 rxws-connect -r -f json --last 1 --exit-at-end "ws://127.0.0.1:$PORT$1" |
		jq -r '.pos | split(":")[0]'
}

@test "history: a feed kept for late clients, the last 10 then live, a cron job that resumes (README, rxws-connect(1))" {
	: > "$T/app.log"
	example readme-history-serve
	start_example "$(runnable "$EX")" /dev/null serve.out serve.err
	PORT=$(listening serve.err)
	seq 1 50 >> "$T/app.log"
	wait_for 10 stands_at /log 50

	example readme-history-last
	start_example "$(runnable "$EX")" /dev/null last.out last.err
	wait_for 10 has_lines last.out 10
	seq 51 55 >> "$T/app.log"
	wait_for 10 has_lines last.out 15
	assert_equal "$(cat last.out)" "$(seq 41 55)"

	# A first run starts live (the README's: nothing yet), or takes what the
	# server keeps (--last, the man page's); a second one what came since.
	run_apart readme-history-cron connect-cron-resume
	assert_equal "$(cat readme-history-cron/log.txt)" ""
	assert_equal "$(cat connect-cron-resume/log.txt)" "$(seq 1 55)"
	seq 56 60 >> "$T/app.log"
	wait_for 10 stands_at /log 60
	for name in readme-history-cron connect-cron-resume; do
		example $name
		cd "$name"
		run timeout 10 bash -c "$(runnable "$EX" | sed "s|$T/|$T/$name/|")"
		assert_success
		cd "$T"
	done
	assert_equal "$(cat readme-history-cron/log.txt)" "$(seq 56 60)"
	assert_equal "$(cat connect-cron-resume/log.txt)" "$(seq 1 60)"
}

@test "history: the cron job of rxws-connect(1) appends what came since its last run" {
	open_fifo in
	server in --history 1000 /ticks
	seq 1 5 > in
	wait_for 10 stands_at /ticks 5
	example connect-cron-ticks
	mkdir -p home/.cache
	# Three runs, as cron would start them, with the stream moving on between.
	local k
	for k in 1 2 3; do
		run timeout 10 env HOME="$T/home" bash -c "$(runnable "$EX")" < /dev/null
		assert_success
		seq $((k * 5 + 1)) $((k * 5 + 5)) > in
		wait_for 10 stands_at /ticks $((k * 5 + 5))
	done
	# The first run started live: the next two have what came after it.
	assert_equal "$(cat ticks.txt)" "$(seq 6 15)"
	[[ $(sed -n 2p home/.cache/ticks.pos) == *:15\ /ticks ]]
}

@test "history: positions in envelopes, checked for a hole with jq; a gap said as the man page shows it (rxws-connect(1))" {
	open_fifo in
	server in --history 100 /log
	seq 1 250 > in
	wait_for 10 stands_at /log 250
	example connect-json-positions
	run --separate-stderr timeout 10 bash -c "$(runnable "$EX")"
	assert_success
	assert_output ''
	# --last 1000 asked for more than the server keeps: a gap, said.
	[[ $stderr == *"gap on /log: 150 messages missed"* ]]
	# What --history no longer has: a warning, with the count.
	example connect-gap-log
	local epoch
	epoch=$(epoch_of /log)
	run --separate-stderr timeout 10 rxws-connect -r --since "$epoch:0" --exit-at-end \
		"ws://127.0.0.1:$PORT/log"
	assert_success
	assert_equal "$(seq 151 250)" "$output"
	assert_equal "$(grep ': warning: ' <<< "$stderr")" \
		"$(runnable "$EX" | sed "s/127\.0\.0\.1:8888/127.0.0.1:$PORT/; s/5c1d0e3f9a2b4c6d/$epoch/g")"
}

@test "history: rxws-group from cron resumes each path; --since PATH=POS and --last (README, rxws-group(1))" {
	open_fifo in
	server in --history 10000
	printf '/%s\tone\n' a b c news weather sport > in
	wait_for 10 stands_at /sport one
	run_apart readme-history-group group-cron-resume
	printf '/%s\ttwo\n' a c news sport > in
	wait_for 10 stands_at /sport two
	for name in readme-history-group group-cron-resume; do
		example $name
		cd "$name"
		run timeout 10 bash -c "$(runnable "$EX" | sed "s|$T/|$T/$name/|")"
		assert_success
		cd "$T"
	done
	# The first runs started live: the second ones have what came since.
	# (Paths are apart, each its own connection: no order between them.)
	assert_equal "$(sort readme-history-group/tagged.log)" "$(printf '/a\ttwo\n/c\ttwo')"
	assert_equal "$(sort group-cron-resume/feeds.tsv)" "$(printf '/news\ttwo\n/sport\ttwo')"

	example group-since-last
	seq 1 1300 | sed 's|^|/a\t|' > in
	seq 1 20 | sed 's|^|/b\t|' > in
	wait_for 10 stands_at /b 20
	local epoch
	epoch=$(epoch_of /a)
	run timeout 10 bash -c "$(runnable "$EX" | sed "s/5c1d0e3f9a2b4c6d/$epoch/")"
	assert_success
	# /a's positions count "one" and "two" too: 1200 is the 1198th of seq.
	assert_equal "$(grep '^/a' <<< "$output" | cut -f2)" "$(seq 1199 1300)"
	assert_equal "$(grep '^/b' <<< "$output" | cut -f2)" "$(seq 11 20)"
}
