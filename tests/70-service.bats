#!/usr/bin/env bats
# rxws-serve under a service manager: it says READY=1 on $NOTIFY_SOCKET once
# it listens (systemd's Type=notify; a python socket stands in for systemd
# here).

load helpers

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
