#!/usr/bin/env bats
# The Makefile: what a change rebuilds, and the flags it compiles with.
# Each test builds the few objects it needs into its own directory.

load helpers

# build_objects DIR NAME...: builds common/NAME.o (NAME: layer/module) into
# DIR, quietly.
build_objects() {
	local dir=$1 name targets=()
	shift
	for name in "$@"; do
		targets+=("$dir/common/$name.o")
	done
	make -s -C "$TOP" BUILD="$dir" "${targets[@]}"
}

@test "make: a header change rebuilds what includes it, and only that" {
	build_objects "$T/b" app/reader base/base64
	# -W: as if wake_thread.h had just changed; -n: nothing is made.
	run make -n --no-print-directory -C "$TOP" BUILD="$T/b" -W common/base/wake_thread.h \
		"$T/b/common/app/reader.o" "$T/b/common/base/base64.o"
	assert_success
	assert_output --partial "-o $T/b/common/app/reader.o"
	refute_output --partial "-o $T/b/common/base/base64.o"
	run make -q --no-print-directory -C "$TOP" BUILD="$T/b" "$T/b/common/app/reader.o" "$T/b/common/base/base64.o"
	assert_success
}

@test "make: a second make with clang (make asan-build) makes nothing" {
	command -v clang > /dev/null || skip "no clang"
	make -s -C "$TOP" BUILD="$T/b" CC=clang "$T/b/common/base/base64.o"
	run make -q --no-print-directory -C "$TOP" BUILD="$T/b" CC=clang "$T/b/common/base/base64.o"
	assert_success
}

@test "make: an object without its list of headers is rebuilt" {
	build_objects "$T/b" base/base64
	rm "$T/b/common/base/base64.d"
	run make -n --no-print-directory -C "$TOP" BUILD="$T/b" "$T/b/common/base/base64.o"
	assert_success
	assert_output --partial "-o $T/b/common/base/base64.o"
}

@test "make: the libraries' pkg-config --cflags are on every compile line" {
	command -v pkg-config > /dev/null || skip "no pkg-config"
	local flags
	flags=$(pkg-config --cflags libwebsockets libcbor libssl libcrypto zlib hiredis) ||
		skip "pkg-config does not know every library"
	flags=${flags% }
	[[ -n $flags ]] || skip "the libraries need no flags here"
	run make -n --no-print-directory -C "$TOP" BUILD="$T/b" "$T/b/common/base/base64.o"
	assert_success
	assert_output --partial " $flags "
}

@test "layers: no module of common/ includes one of a layer after its own (the Makefile's LAYERS)" {
	local layers src layer inc rank_of_layer rank_of_inc bad=0
	read -ra layers <<< "$(sed -n 's/^LAYERS := //p' "$TOP/Makefile")"
	(( ${#layers[@]} >= 6 ))
	declare -A rank
	for i in "${!layers[@]}"; do rank[${layers[$i]}]=$i; done
	for src in "$TOP"/common/*/*.[ch]; do
		layer=$(basename "$(dirname "$src")")
		[[ -n ${rank[$layer]:-} ]] || { echo "common/$layer is not in LAYERS" >&2; return 1; }
		while read -r inc; do
			[[ -n ${rank[$inc]:-} ]] || continue
			if (( rank[$inc] > rank[$layer] )); then
				echo "${src#"$TOP"/} includes $inc/, a layer after $layer/" >&2
				bad=1
			fi
		done < <(sed -n 's/^#include "\([a-z]*\)\/.*/\1/p' "$src")
	done
	(( bad == 0 ))
}
