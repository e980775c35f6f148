#!/usr/bin/env bats
# rxws-serve under a service manager: it says READY=1 on $NOTIFY_SOCKET once
# it listens (systemd's Type=notify; a python socket stands in for systemd
# here), and the wrapper of rxws-serve@.service gives it its input.

load helpers

# The wrapper the package installed next to the tools, or the tree's.
WRAPPER=$BUILD_DIR/../libexec/rxws/rxws-serve-service
[[ -x $WRAPPER ]] || WRAPPER=$TOP/systemd/rxws-serve-service

# The unit the package installed, or the tree's.
UNIT=$BUILD_DIR/../lib/systemd/system/rxws-serve@.service
[[ -f $UNIT ]] || UNIT=$TOP/systemd/rxws-serve@.service.in

# The example configuration the package installed, or the tree's.
EXAMPLE_CONF=$BUILD_DIR/../share/doc/rxws/examples/rxws-serve.conf
[[ -f $EXAMPLE_CONF ]] || EXAMPLE_CONF=$TOP/systemd/rxws-serve.conf

# unit_setting KEY: the value of the unit's KEY= line (one only).
unit_setting() {
	local v
	v=$(sed -n "s/^$1=//p" "$UNIT")
	[[ -n $v && $(wc -l <<< "$v") == 1 ]] || { echo "the unit has no single $1=" >&2; return 1; }
	echo "$v"
}

# conf_env FILE: the KEY=value lines of FILE as systemd's EnvironmentFile=
# reads them, for env(1): comments and blank lines left out.
conf_env() {
	grep -Ev '^[[:space:]]*([#;]|$)' "$1"
}

free_port() {
	"$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_notify_listener ADDR CHECK: the stand-in for systemd; sets NOTIFY_PID.
start_notify_listener() {
	"$PY" "$PEERS/notify_listener.py" "$1" "$2" > notify.out 2> notify.err &
	NOTIFY_PID=$!
	PIDS+=("$NOTIFY_PID")
	wait_for 10 contains notify.out '^bound$' || { cat notify.err >&2; return 1; }
}

# start_serve_wrapped [ARGS...]: the wrapper, running rxws-serve -v -p 0
# /feed; sets SERVE_PID and PORT.
start_serve_wrapped() {
	"$WRAPPER" "$BUILD_DIR/rxws-serve" -v -p 0 "$@" /feed 2> serve.err &
	SERVE_PID=$!
	PIDS+=("$SERVE_PID")
	wait_for 10 contains serve.err 'listening on port' || { cat serve.err >&2; return 1; }
	PORT=$(sed -n 's/.*listening on port \([0-9]*\).*/\1/p' serve.err | head -n 1)
}

@test "READY=1 reaches NOTIFY_SOCKET when the port already answers" {
	local port
	port=$(free_port)
	start_notify_listener "$T/notify" "tcp:$port"
	NOTIFY_SOCKET=$T/notify rxws-serve -p "$port" -k / < /dev/null 2> serve.err &
	PIDS+=($!)
	wait_gone 30 "$NOTIFY_PID"
	cat notify.out
	assert contains notify.out '^READY=1$'
	assert contains notify.out "^STATUS=listening as rxws-serve:127.0.0.1:$port\$"
	assert contains notify.out '^answered$'
	refute contains serve.err 'service manager'
}

@test "READY=1 on an abstract NOTIFY_SOCKET (@name) when the --unix socket already answers" {
	local addr=@rxws-test-$$-$RANDOM
	start_notify_listener "$addr" "unix:$T/sock"
	NOTIFY_SOCKET=$addr rxws-serve --unix "$T/sock" -k / < /dev/null 2> serve.err &
	PIDS+=($!)
	wait_gone 30 "$NOTIFY_PID"
	cat notify.out
	assert contains notify.out '^READY=1$'
	assert contains notify.out "^STATUS=listening as rxws-serve:$T/sock\$"
	assert contains notify.out '^answered$'
}

@test "a NOTIFY_SOCKET nobody listens on, or of another kind, is a warning: the server serves" {
	NOTIFY_SOCKET=$T/nobody start_serve /dev/null serve.out serve.err -k /
	assert contains serve.err 'warning: cannot tell the service manager at NOTIFY_SOCKET='
	run "$PY" "$PEERS/ws_client.py" --recv 0 "ws://127.0.0.1:$PORT/"
	assert_line open

	NOTIFY_SOCKET=vsock:2:1234 start_serve /dev/null serve2.out serve2.err -k /
	assert contains serve2.err 'NOTIFY_SOCKET=vsock:2:1234: not a unix socket address'
	run "$PY" "$PEERS/ws_client.py" --recv 0 "ws://127.0.0.1:$PORT/"
	assert_line open
}

@test "service wrapper: a FIFO made in the runtime directory, writers come and go, the server is the main process" {
	mkdir run
	local port
	port=$(free_port)
	start_notify_listener "$T/notify" "tcp:$port"
	RUNTIME_DIRECTORY=$T/run NOTIFY_SOCKET=$T/notify \
		"$WRAPPER" "$BUILD_DIR/rxws-serve" -v -p "$port" /feed 2> serve.err &
	local server=$!
	PIDS+=($server)
	wait_gone 30 "$NOTIFY_PID"
	assert contains notify.out '^answered$'
	# The process systemd started is the server itself, and it says READY=1
	# (NotifyAccess=main).
	assert contains notify.out "^sender $server\$"
	assert_equal "$(ps -o comm= -p "$server")" rxws-serve
	assert_equal "$(stat -c '%F %a' run/input)" 'fifo 600'

	"$PY" "$PEERS/ws_client.py" --recv 2 "ws://127.0.0.1:$port/feed" > c.out &
	PIDS+=($!)
	wait_for 10 has_clients serve.err 1
	echo one > run/input
	echo two > run/input	# a second writer: the first one's end was no end of input
	wait_for 10 contains c.out 'close'
	assert_equal "$(cat c.out)" "open
text 'one'
text 'two'
close 1000"
	kill -0 "$server"
}

@test "service wrapper: RXWS_INPUT names the FIFO, and one already there is used as it is" {
	mkfifo -m 0620 feed.fifo
	RXWS_INPUT=$T/feed.fifo start_serve_wrapped
	assert_equal "$(stat -c '%a' feed.fifo)" 620
	"$PY" "$PEERS/ws_client.py" --recv 1 "ws://127.0.0.1:$PORT/feed" > c.out &
	PIDS+=($!)
	wait_for 10 has_clients serve.err 1
	echo hello > feed.fifo
	wait_for 10 contains c.out 'close'
	assert contains c.out "text 'hello'"
}

@test "service wrapper: RXWS_COMMAND's output is the input, and the server ends with it" {
	mkdir run
	RUNTIME_DIRECTORY=$T/run RXWS_COMMAND='printf "one\ntwo\n"; echo "from the command" >&2' \
		start_serve_wrapped --wait-clients 1
	assert_equal "$(ps -o comm= -p "$SERVE_PID")" rxws-serve
	run "$PY" "$PEERS/ws_client.py" --recv 2 "ws://127.0.0.1:$PORT/feed"
	assert_line "text 'one'"
	assert_line "text 'two'"
	wait_status "$SERVE_PID"
	assert_equal "$STATUS" 0
	assert contains serve.err 'from the command'
}

@test "service wrapper: RXWS_INPUT and RXWS_COMMAND together, an input that is no FIFO, no program: exit 64" {
	RXWS_INPUT=$T/in RXWS_COMMAND=date run "$WRAPPER" "$BUILD_DIR/rxws-serve" /
	assert_failure 64
	assert_output --partial 'set RXWS_INPUT or RXWS_COMMAND, not both'
	touch file
	RXWS_INPUT=$T/file run "$WRAPPER" "$BUILD_DIR/rxws-serve" /
	assert_failure 64
	assert_output --partial "RXWS_INPUT=$T/file exists and is not a FIFO"
	run "$WRAPPER"
	assert_failure 64
	assert_output --partial 'usage: rxws-serve-service PROGRAM'
}

@test "under the unit's RestrictAddressFamilies=, --host 127.0.0.1 and ::1 listen there and only there" {
	local families host
	families=$(sed -n 's/^RestrictAddressFamilies=//p' "$UNIT")
	[[ -n $families ]]
	# The stand-in for systemd's filter does refuse the other families.
	run "$PY" "$PEERS/restrict_families.py" AF_INET -- "$PY" -c \
		'import socket; socket.socket(socket.AF_INET); socket.socket(socket.AF_UNIX)'
	assert_failure
	assert_output --partial 'Address family not supported'

	for host in 127.0.0.1 ::1; do
		"$PY" "$PEERS/restrict_families.py" $families -- \
			rxws-serve --host "$host" -p 0 -k / < /dev/null 2> "serve-$host.err" &
		PIDS+=($!)
		wait_for 10 contains "serve-$host.err" 'listening on port'
		PORT=$(sed -n 's/.*listening on port \([0-9]*\).*/\1/p' "serve-$host.err")
		run ss -Hltn "sport = :$PORT"
		assert_output --regexp "[[:space:]]${host/::1/\\[::1\\]}:$PORT[[:space:]]"
	done
}

@test "the unit: systemd-analyze verify finds nothing to say; a stop with records still queued (75) is no failure" {
	command -v systemd-analyze > /dev/null || skip "systemd-analyze is missing"
	# The tree's unit with the paths make install would fill in; its man
	# page (Documentation=) where man finds it.
	if [[ $UNIT == *.in ]]; then
		sed -e "s|@BINDIR@|$BUILD_DIR|g" -e "s|@LIBEXECDIR@|$TOP/systemd|g" \
			-e "s|@CONFDIR@|/etc/rxws|g" -e "s|@DOCDIR@|/usr/share/doc/rxws|g" "$UNIT" > 'rxws-serve@.service'
	else
		cp "$UNIT" 'rxws-serve@.service'
	fi
	mkdir -p man/man1
	cp "$TOP/man/rxws-serve.1" man/man1/
	run env MANPATH="$T/man" systemd-analyze verify "$T/rxws-serve@.service"
	assert_success
	assert_output ''
	grep -qx 'SuccessExitStatus=75' 'rxws-serve@.service'
	grep -qx 'Restart=on-failure' 'rxws-serve@.service'

	# What the unit's stop does: SIGTERM, with records queued for a client
	# that reads nothing.
	"$PY" -c 'import sys; sys.stdout.write(("x" * 4000 + "\n") * 2000)' > big
	start_serve big serve.out serve.err -v --wait-clients 1 --queue 4000 /feed
	"$PY" "$PEERS/ws_client.py" --stall-until "$T/never" "ws://127.0.0.1:$PORT/feed" > c.out &
	PIDS+=($!)
	wait_for 20 contains serve.err 'end of input: sending what is queued'
	kill -TERM "$SERVE_PID"
	wait_status "$SERVE_PID"
	assert_equal "$STATUS" 75
	assert contains serve.err 'not delivered yet: closing'
}

@test "the unit: without NAME.conf it still starts, and the wrapper says what to write where (78, not restarted)" {
	local env conf example
	# A missing file is no error of systemd's; the wrapper is told where it is.
	conf=$(unit_setting EnvironmentFile)
	[[ $conf == -*/%i.conf ]]
	env=$(unit_setting Environment)
	[[ " $env " == *" RXWS_CONFIG=${conf#-} "* ]]
	[[ " $(unit_setting RestartPreventExitStatus) " == *" 78 "* ]]
	example=$(sed -n 's/.*RXWS_CONFIG_EXAMPLE=\([^ ]*\).*/\1/p' <<< "$env")
	[[ $example == */examples/rxws-serve.conf ]]
	# Installed (or unpacked beside the tools), the example is where the
	# unit says.
	[[ $example == @DOCDIR@/* || -f $example || -f ${BUILD_DIR%/usr/bin}$example ]]

	# As the unit runs it for rxws-serve@feed, its configuration in $T/etc.
	mkdir etc run
	env=${env//%i/feed}
	env=${env//@DOCDIR@/\/usr\/share\/doc\/rxws}
	example=${example//@DOCDIR@/\/usr\/share\/doc\/rxws}
	# shellcheck disable=SC2086 # the unit's assignments, split as systemd does
	run env $env RXWS_CONFIG="$T/etc/feed.conf" RUNTIME_DIRECTORY="$T/run" \
		"$WRAPPER" "$BUILD_DIR/rxws-serve"
	assert_failure 78
	assert_output "rxws-serve-service: no $T/etc/feed.conf: copy $example there and set its RXWS_OPTIONS, then: systemctl restart rxws-serve@feed (rxws-serve(1), RUNNING UNDER SYSTEMD)"

	# A NAME.conf that sets no RXWS_OPTIONS.
	echo 'RXWS_INPUT_MODE=0600' > etc/feed.conf
	run env $env RXWS_CONFIG="$T/etc/feed.conf" RUNTIME_DIRECTORY="$T/run" \
		"$WRAPPER" "$BUILD_DIR/rxws-serve"
	assert_failure 78
	assert_output --partial "rxws-serve-service: $T/etc/feed.conf sets no RXWS_OPTIONS: add the server's options and path there"
	[[ ! -e run/input ]]
}

@test "service wrapper: RXWS_OPTIONS from a drop-in, without NAME.conf, is enough; RXWS_OPTIONS= takes the defaults" {
	mkdir run
	RXWS_CONFIG=$T/none.conf RXWS_OPTIONS='-v -p 0 /feed' RUNTIME_DIRECTORY=$T/run start_serve_wrapped
	kill "$SERVE_PID"
	wait_gone 10 "$SERVE_PID"
	# Set, even to nothing, RXWS_OPTIONS is the administrator's choice.
	: > empty.conf
	RXWS_CONFIG=$T/empty.conf RXWS_OPTIONS= RUNTIME_DIRECTORY=$T/run start_serve_wrapped
}

@test "the example configuration: only the unit's keys, and a server runs from it as it is (but for its port)" {
	local key
	# The keys the wrapper and the unit know, set or commented out.
	for key in $(sed -n 's/^#\{0,1\}\([A-Z_][A-Z0-9_]*\)=.*/\1/p' "$EXAMPLE_CONF"); do
		case $key in
		RXWS_OPTIONS | RXWS_INPUT | RXWS_INPUT_MODE | RXWS_COMMAND) ;;
		*) fail "$EXAMPLE_CONF: $key is not a setting of the unit" ;;
		esac
	done
	conf_env "$EXAMPLE_CONF" > conf.env
	grep -Eq '^RXWS_OPTIONS=(.* )?-p 8888 ' conf.env
	sed -i 's/-p 8888 /-v -p 0 /' conf.env
	cp "$EXAMPLE_CONF" feed.conf

	# As rxws-serve@feed would run, with the example as /etc/rxws/feed.conf.
	mkdir run
	local options
	options=$(sed -n 's/^RXWS_OPTIONS=//p' conf.env)
	# shellcheck disable=SC2046,SC2086 # KEY=value lines; the options split at white space
	env $(grep -v '^RXWS_OPTIONS=' conf.env) RXWS_OPTIONS="$options" RXWS_CONFIG="$T/feed.conf" \
		RUNTIME_DIRECTORY="$T/run" "$WRAPPER" "$BUILD_DIR/rxws-serve" $options 2> serve.err &
	SERVE_PID=$!
	PIDS+=("$SERVE_PID")
	wait_for 10 contains serve.err 'listening on port' || { cat serve.err >&2; return 1; }
	PORT=$(sed -n 's/.*listening on port \([0-9]*\).*/\1/p' serve.err | head -n 1)
	"$PY" "$PEERS/ws_client.py" --recv 1 "ws://127.0.0.1:$PORT/feed" > c.out &
	PIDS+=($!)
	wait_for 10 has_clients serve.err 1
	echo 'from the example' > run/input
	wait_for 10 contains c.out 'close'
	assert contains c.out "text 'from the example'"
}
