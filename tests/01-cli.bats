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

@test "--version on every tool: one clean line, no dash after the lws version" {
	for tool in rxws-serve rxws-connect rxws-group; do
		run "$tool" --version
		assert_success
		assert_output --regexp "^$tool [0-9]+\.[0-9]+\.[0-9]+ \(libwebsockets 4\.[0-9]+\.[0-9]+\)$"
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
	for url in http://h/ ws:// 'ws://h:99999/' 'ws://h:x/' 'ws://[::1/' 'ws://us%zz@h/' 'ws://h#x' \
		   $'ws://h\r\nX-Injected/' $'ws://h\x01st/' 'ws://h st/' 'ws://h]/'; do
		run rxws-connect "$url"
		assert_failure 64
	done
	run rxws-connect $'ws://h\r\nX-Injected/'
	assert_output --partial 'the host has a character a host name cannot have'
	refute_output --partial $'\r' 
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

@test "options that exclude each other are refused with 64, naming both as given" {
	conflict() {	# conflict TOOL 'A' 'B' ARGS...: A and B, as the message names them
		local tool=$1 a=$2 b=$3
		shift 3
		run "$tool" "$@"
		assert_failure 64
		assert_output --partial "$tool: $a and $b exclude each other"
	}
	for tool in rxws-serve rxws-connect rxws-group; do
		case $tool in
		rxws-serve) where=/ ;;
		*) where=ws://127.0.0.1:1/ ;;
		esac
		conflict $tool --string --bytes --string --bytes $where
		conflict $tool --bytes --object --bytes --object $where
		conflict $tool --object '--type string' --object --type string $where
		conflict $tool '--type bytes' '--type object' --type bytes --type=object $where
		conflict $tool '-f lp' -0 -f lp -0 $where
		conflict $tool --null '--format json' --null --format json $where
		conflict $tool '--format lp' '--format line' --format lp --format line $where
		conflict $tool -q -v -q -v $where
		conflict $tool --verbose --quiet --verbose --quiet $where
		conflict $tool -r -s -r -s $where
	done
	run rxws-group --recv-only -r --send-only ws://127.0.0.1:1/ /a
	assert_failure 64
	assert_output --partial '--recv-only and --send-only exclude each other'
	# -0v: bundled short options are named one by one
	run rxws-connect -f lp -0v ws://127.0.0.1:1/
	assert_failure 64
	assert_output --partial '-f lp and -0 exclude each other'
}

@test "the same choice twice is no conflict, nor --type GLOB=TYPE beside a datatype flag" {
	run rxws-connect --bytes --type bytes --bytes -f nul -0 --null -vv -v -r --retries 0 ws://127.0.0.1:1/
	assert_failure 69
	refute_output --partial 'exclude each other'
	run rxws-connect -q --quiet -r --retries 0 ws://127.0.0.1:1/
	assert_failure 69
	refute_output --partial 'exclude each other'
	run rxws-serve --bytes --type '/t/*=string' --type '/o/*=object' -f lp -r -W 0.2 -p 0
	assert_failure 75
	refute_output --partial 'exclude each other'
}
