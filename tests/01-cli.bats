#!/usr/bin/env bats
# The command lines: help, version, usage errors (exit 64).

load helpers

@test "--help on every tool lists its options and exits 0" {
	for tool in rxws-serve rxws-connect rxws-group; do
		run "$tool" --help
		assert_success
		assert_line --partial "Usage: $tool"
		assert_output --partial '--max-size'
		assert_output --partial '--overflow'
	done
	run rxws-serve --help
	assert_output --partial '--wait-clients'
	assert_output --partial '--broker URL'
	refute_output --partial '--connect-timeout'
	run rxws-connect --help
	assert_output --partial '--retry-delay'
	refute_output --partial '--wait-clients'
	run rxws-connect -h
	assert_success
}

@test "--version on every tool" {
	for tool in rxws-serve rxws-connect rxws-group; do
		run "$tool" --version
		assert_success
		assert_output --regexp "^$tool [0-9]+\.[0-9]+\.[0-9]+ \(libwebsockets 4\."
	done
}

@test "usage errors exit 64 with a hint" {
	run rxws-connect
	assert_failure 64
	assert_output --partial 'missing URL'
	assert_output --partial "Try 'rxws-connect --help'"
	run rxws-connect --no-such-option ws://h/
	assert_failure 64
	assert_output --partial "unknown option '--no-such-option'"
	run rxws-connect -Z ws://h/
	assert_failure 64
	assert_output --partial "unknown option '-Z'"
	run rxws-connect ws://h/ --queue
	assert_failure 64
	assert_output --partial "missing argument for '--queue'"
	run rxws-connect --queue 0 ws://h/
	assert_failure 64
	run rxws-connect --max-size 5G ws://h/
	assert_failure 64
	run rxws-connect --format yaml ws://h/
	assert_failure 64
	run rxws-connect --overflow sometimes ws://h/
	assert_failure 64
	run rxws-connect --retry-delay -1 ws://h/
	assert_failure 64
	run rxws-connect -r -s ws://h/
	assert_failure 64
	assert_output --partial 'exclude each other'
	run rxws-connect ws://a/ ws://b/
	assert_failure 64
	run rxws-serve --wait-clients x /
	assert_failure 64
	run rxws-serve /a /b
	assert_failure 64
	run rxws-serve relative
	assert_failure 64
	assert_output --partial "PATH must start with '/'"
	run rxws-serve --retry-delay 1 /
	assert_failure 64
}

@test "bad URLs are usage errors" {
	for url in http://h/ ws:// 'ws://h:99999/' 'ws://h:x/' 'ws://[::1/' 'ws://user@h/' 'ws://h#x'; do
		run rxws-connect "$url"
		assert_failure 64
	done
	run rxws-connect ftp://h/
	assert_output --partial 'must start with ws:// or wss://'
}

@test "--format raw cannot carry tags" {
	run rxws-serve -f raw
	assert_failure 64
	assert_output --partial 'cannot carry tags'
	run rxws-serve --bytes -f raw / < /dev/null
	refute_output --partial 'cannot carry tags'
}

@test "options may come after operands, and -- ends them" {
	run rxws-connect ws://127.0.0.1:1/ -r --retries 0
	assert_failure 69
	run rxws-connect -- --not-an-option
	assert_failure 64
	assert_output --partial 'must start with ws://'
}

@test "sizes take k, M and G suffixes" {
	run rxws-connect --max-size 1x ws://h/
	assert_failure 64
	run rxws-connect -r --retries 0 --max-size 64k --queue 2k ws://127.0.0.1:1/
	assert_failure 69
}
