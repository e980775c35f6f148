#!/usr/bin/env bats
# The fuzz targets (fuzz/README.md) replay their seed corpus and every
# input that once made one fail (fuzz/regressions/): no crash, no leak, no
# sanitizer report, no broken invariant. The targets are built into
# build-fuzz/ first (clang, libclang-rt-14-dev) when missing or stale.

load helpers

setup_file() {
	make -s -C "$TOP" fuzz-build >&2
}

replay() {
	run "$TOP/fuzz/run" replay build-fuzz 0 "$1"
	assert_success
	assert_output --partial "$1: "
}

@test "fuzz_decoder: corpus and regressions replay cleanly" {
	replay fuzz_decoder
}

@test "fuzz_stdin_record: corpus and regressions replay cleanly" {
	replay fuzz_stdin_record
}

@test "fuzz_client_frames: corpus and regressions replay cleanly" {
	replay fuzz_client_frames
}

@test "fuzz_server_request: corpus and regressions replay cleanly" {
	replay fuzz_server_request
}

@test "fuzz_deflate: corpus and regressions replay cleanly" {
	replay fuzz_deflate
}

@test "fuzz_network_message: corpus and regressions replay cleanly" {
	replay fuzz_network_message
}

@test "fuzz_json: corpus and regressions replay cleanly" {
	replay fuzz_json
}

@test "fuzz_cbor: corpus and regressions replay cleanly" {
	replay fuzz_cbor
}

@test "fuzz_url: corpus and regressions replay cleanly" {
	replay fuzz_url
}

@test "fuzz_proxy: corpus and regressions replay cleanly" {
	replay fuzz_proxy
}

@test "fuzz_utf8: corpus and regressions replay cleanly" {
	replay fuzz_utf8
}

@test "fuzz_positions: corpus and regressions replay cleanly" {
	replay fuzz_positions
}
