#!/usr/bin/env bats
# Logs: stderr only, levels, text and OpenTelemetry JSON, --name.

load helpers

@test "silent by default: nothing on stderr for a clean run" {
	seq 1 3 > in
	start_serve in serve.out serve.err --wait-clients 1 /
	run --separate-stderr timeout 10 rxws-connect -r "ws://127.0.0.1:$PORT/"
	assert_success
	assert_equal "$stderr" ""
	assert_output "$(seq 1 3)"
}

@test "-v says connects and retries; -q hides warnings" {
	run timeout 10 rxws-connect -v -r --retries 1 --retry-delay 0.05 ws://127.0.0.1:1/
	assert_output --partial 'info: '
	# 0.05 less up to a quarter: 0.0375 to 0.05
	assert_output --regexp 'retrying in 0\.0[45] s'
	printf '\xff\n' > bad
	start_serve /dev/null serve.out serve.err -k /
	run timeout 10 rxws-connect -q "ws://127.0.0.1:$PORT/" < bad
	# Errors only: the one that says why the exit is not 0.
	assert_failure 65
	assert_output --regexp '^[^ ]*: error: 1 bad record of stdin skipped \(-q hid which\): exit 65$'
	run timeout 10 rxws-connect "ws://127.0.0.1:$PORT/" < bad
	assert_output --partial 'warning: stdin record 1'
}

@test "--log-format json: OpenTelemetry log records, one JSON object a line" {
	run timeout 10 rxws-connect -v --log-format json -r --retries 0 ws://127.0.0.1:1/a
	assert_failure 69
	echo "$output" | "$PY" -c '
import json, sys
n = 0
for line in sys.stdin:
    r = json.loads(line)
    assert set(r) == {"timestamp", "severity_text", "severity_number", "body", "attributes"}, r
    assert r["attributes"]["log.source"] == "rxws-connect:ws://127.0.0.1:1/a", r
    assert r["severity_text"] in ("DEBUG", "INFO", "INFO2", "WARN", "ERROR"), r
    assert r["timestamp"].endswith("Z")
    n += 1
assert n >= 2, n
'
	assert_output --partial '"severity_text":"ERROR","severity_number":17'
}

@test "--name replaces the log source" {
	run timeout 10 rxws-connect --name feed -r --retries 0 ws://127.0.0.1:1/
	assert_output --partial 'feed: error: cannot connect'
	refute_output --partial 'rxws-connect'
	start_serve /dev/null serve.out serve.err -k /
	assert contains serve.err "rxws-serve:127.0.0.1:$PORT: notice: listening on port $PORT"
	# A server's every line, to the last one at its exit, has the name.
	start_serve /dev/null hub.out hub.err -k -v --name hub /
	run timeout 10 "$PY" "$PEERS/ws_client.py" --recv 0 "ws://127.0.0.1:$PORT/"
	assert_line open
	kill -TERM "$SERVE_PID"
	wait_status "$SERVE_PID"
	assert_equal "$STATUS" 0
	assert contains hub.err '^hub: info: client .* disconnected from /$'
	assert contains hub.err '^hub: info: stdin 0 records'
	refute contains hub.err 'rxws-serve'
	assert_equal "$(grep -cv '^hub: ' hub.err)" 0
}

@test "nothing but records on stdout, whatever the verbosity" {
	seq 1 3 > in
	start_serve in serve.out serve.err --wait-clients 1 -vv /
	run --separate-stderr timeout 10 rxws-connect -vv -r "ws://127.0.0.1:$PORT/"
	assert_output "$(seq 1 3)"
	[ -n "$stderr" ]
}
