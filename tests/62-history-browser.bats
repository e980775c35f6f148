#!/usr/bin/env bats
# History and recovery for a browser (rxws(7), HISTORY AND RECOVERY):
# examples/rxws.js, the module of the example page. Its parsing, resuming,
# backoff and gaps, by node alone against a fake WebSocket.

load helpers

@test "rxws.js parses positions and notices, resumes, backs off, reports gaps (node, no browser)" {
	need_node_modules
	run node --no-warnings --test "$PEERS/rxws_js_test.mjs"
	assert_success
	assert_line --regexp '^# fail 0$'
}
