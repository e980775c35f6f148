#!/usr/bin/env bats
# Where rxws-serve listens: only on --host (lws 4.1, given an IPv4
# address, binds every interface unless it can see them through netlink).

load helpers

# listening ADDR:PORT: ss shows exactly this listening socket.
listening() {
	ss -Hltn "sport = :$PORT" | awk '{ print $4 }'
}

@test "--host 127.0.0.1 (the default) listens there only: 127.0.0.2 is refused" {
	start_serve /dev/null serve.out serve.err -k /
	assert_equal "$(listening)" "127.0.0.1:$PORT"
	run "$PY" "$PEERS/ws_client.py" --recv 0 "ws://127.0.0.1:$PORT/"
	assert_line open
	run "$PY" "$PEERS/ws_client.py" --recv 0 "ws://127.0.0.2:$PORT/"
	assert_failure 2
	assert_output --partial 'error'
}

@test "--host 127.0.0.2 is not reachable on 127.0.0.1" {
	start_serve /dev/null serve.out serve.err --host 127.0.0.2 -k /
	assert_equal "$(listening)" "127.0.0.2:$PORT"
	run "$PY" "$PEERS/ws_client.py" --recv 0 "ws://127.0.0.1:$PORT/"
	assert_failure 2
	run "$PY" "$PEERS/ws_client.py" --recv 0 "ws://127.0.0.2:$PORT/"
	assert_line open
}

@test "--host ::1 listens on IPv6 loopback only" {
	start_serve /dev/null serve.out serve.err --host ::1 -k /
	assert_equal "$(listening)" "[::1]:$PORT"
	run "$PY" "$PEERS/ws_client.py" --recv 0 "ws://[::1]:$PORT/"
	assert_line open
	run "$PY" "$PEERS/ws_client.py" --recv 0 "ws://127.0.0.1:$PORT/"
	assert_failure 2
}

@test "--host 0.0.0.0 listens on every IPv4 address" {
	start_serve /dev/null serve.out serve.err --host 0.0.0.0 -k /
	assert_equal "$(listening)" "0.0.0.0:$PORT"
	run "$PY" "$PEERS/ws_client.py" --recv 0 "ws://127.0.0.2:$PORT/"
	assert_line open
}

@test "--host localhost is resolved to its address" {
	start_serve /dev/null serve.out serve.err --host localhost -k /
	run "$PY" "$PEERS/ws_client.py" --recv 0 "ws://localhost:$PORT/"
	assert_line open
}

@test "--host with a name that does not resolve exits 69" {
	run rxws-serve --host no-such-host.invalid / < /dev/null
	assert_failure 69
	assert_output --partial 'cannot listen on no-such-host.invalid'
}

@test "--port 0 picks a free port and logs it, even without -v" {
	start_serve /dev/null serve.out serve.err -k /
	(( PORT > 0 ))
	assert contains serve.err "notice: listening on port $PORT"
}

@test "--host '[::1]': the bracketed form of an IPv6 address is accepted, and the log shows it once bracketed" {
	start_serve /dev/null serve.out serve.err --host '[::1]' -v -k /
	assert_equal "$(listening)" "[::1]:$PORT"
	run "$PY" "$PEERS/ws_client.py" --recv 0 "ws://[::1]:$PORT/"
	assert_line open
	wait_for 10 contains serve.err "rxws-serve:\[::1\]:$PORT: info: client \[::1\]"
	refute contains serve.err '\[\[::1\]\]'
}

@test "--host: brackets around an IPv4 address or a name, or unclosed, are usage errors" {
	for host in '[127.0.0.1]' '[localhost]' '[::1' '[]'; do
		run rxws-serve --host "$host" / < /dev/null
		assert_failure 64
		assert_output --partial "--host: brackets are for an IPv6 address, not '$host'"
	done
}

@test "--unix where no socket can be made: exit 69 with the reason and what to do" {
	run rxws-serve --unix "$T/no/such/dir/x.sock" / < /dev/null
	assert_failure 69
	assert_output --partial "cannot listen on $T/no/such/dir/x.sock: No such file or directory (create its directory, or choose another path)"
	touch "$T/file"
	run rxws-serve --unix "$T/file/x.sock" / < /dev/null
	assert_failure 69
	assert_output --partial "cannot listen on $T/file/x.sock: Not a directory"
	long=$T/$(printf 'a%.0s' {1..120})
	run rxws-serve --unix "$long" / < /dev/null
	assert_failure 69
	assert_output --partial "the path is over 107 bytes, the most a unix socket's may have (choose a shorter one)"
	refute [ -e "$long" ]
}

@test "where netlink is refused (lws would bind every address), --host 127.0.0.1 refuses to run instead" {
	run -69 timeout 10 "$PY" "$PEERS/restrict_families.py" AF_INET AF_INET6 AF_UNIX -- \
		rxws-serve --host 127.0.0.1 -p 0 -k / < /dev/null
	assert_output --partial 'cannot listen on 127.0.0.1 alone: the socket is bound to 0.0.0.0 (every address); allow netlink sockets (AF_NETLINK)'
	# With --host 0.0.0.0 that is what was asked for.
	"$PY" "$PEERS/restrict_families.py" AF_INET AF_INET6 AF_UNIX -- \
		rxws-serve --host 0.0.0.0 -p 0 -k / < /dev/null 2> serve.err &
	PIDS+=($!)
	wait_for 10 contains serve.err 'listening on port'
}
