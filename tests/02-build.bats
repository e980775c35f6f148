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

@test "make: a line per file, not the commands; V=1 shows the commands, -s nothing" {
	run make --no-print-directory -C "$TOP" BUILD="$T/b" "$T/b/common/base/base64.o" "$T/b/common/base/buf.o"
	assert_success
	assert_output "$(printf '  CC   common/base/base64.c\n  CC   common/base/buf.c')"

	run make --no-print-directory -C "$TOP" BUILD="$T/v" V=1 "$T/v/common/base/base64.o"
	assert_success
	assert_line --regexp "^(cc|gcc|clang).* -c common/base/base64\\.c -o $T/v/common/base/base64\\.o\$"
	assert_line "mkdir -p $T/v/common/base"

	run make -s --no-print-directory -C "$TOP" BUILD="$T/s" "$T/s/common/base/base64.o"
	assert_success
	assert_output ''
	[[ -f $T/s/common/base/base64.o ]]
}

@test "make: the Debian build shows every command, with dpkg-buildflags' flags (blhc reads them)" {
	command -v dpkg-buildflags > /dev/null || skip "no dpkg-buildflags"
	command -v dh_auto_build > /dev/null || skip "no debhelper"
	# What debian/rules runs for the build and the install (nothing is run).
	run env -C "$TOP" DH_NO_ACT=1 debian/rules override_dh_auto_build override_dh_auto_install
	assert_success
	assert_line --regexp '^[[:space:]]*make .* V=1$'
	assert_line --regexp '^[[:space:]]*make .*install .* V=1$'
	# And what make then shows: the flags dh exports, on the command.
	local flags
	flags=$(cd "$TOP" && DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --export=sh)
	run env -C "$TOP" bash -c "$flags
		make --no-print-directory BUILD='$T/b' V=1 '$T/b/common/base/base64.o'"
	assert_success
	assert_line --regexp " -fstack-protector-strong .*-c common/base/base64\\.c -o $T/b/common/base/base64\\.o\$"
	assert_line --partial ' -D_FORTIFY_SOURCE=2 '
}
