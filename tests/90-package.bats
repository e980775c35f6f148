#!/usr/bin/env bats
# The installed Debian package: its files, man pages, completions, unit and
# version. make check installs it and runs the whole suite on it
# (RXWS_BUILD=/usr/bin); against a build tree these tests are skipped.

load helpers

UNIT=/usr/lib/systemd/system/rxws-serve@.service
TOOLS=(rxws-serve rxws-connect rxws-group)

installed_or_skip() {
	if [[ $BUILD_DIR != /usr/bin ]]; then
		skip "not run against the installed package: RXWS_BUILD=/usr/bin tests/run, after apt-get install ./build/deb/rxws_*.deb"
	fi
	dpkg-query -W rxws > /dev/null || fail "RXWS_BUILD=/usr/bin, but the rxws package is not installed"
}

@test "dpkg -L rxws lists the tools, pages, completions, examples, unit, wrapper and /etc/rxws" {
	installed_or_skip
	run dpkg -L rxws
	assert_success
	local f
	for f in /usr/bin/rxws-serve /usr/bin/rxws-connect /usr/bin/rxws-group \
		/usr/share/man/man1/rxws-serve.1.gz /usr/share/man/man1/rxws-connect.1.gz \
		/usr/share/man/man1/rxws-group.1.gz /usr/share/man/man7/rxws.7.gz \
		/usr/share/bash-completion/completions/rxws-serve \
		/usr/share/bash-completion/completions/rxws-connect \
		/usr/share/bash-completion/completions/rxws-group \
		/usr/share/zsh/vendor-completions/_rxws \
		/usr/share/fish/vendor_completions.d/rxws-serve.fish \
		/usr/share/fish/vendor_completions.d/rxws-connect.fish \
		/usr/share/fish/vendor_completions.d/rxws-group.fish \
		/usr/share/doc/rxws/copyright /usr/share/doc/rxws/examples/index.html \
		/usr/share/doc/rxws/examples/rxws.js \
		/usr/share/doc/rxws/examples/rxws-serve.conf /etc/rxws \
		"$UNIT" /usr/libexec/rxws/rxws-serve-service; do
		assert_line "$f"
		[[ -e $f ]] || fail "$f is listed but not there"
	done
	[[ -x /usr/libexec/rxws/rxws-serve-service ]]
}

@test "the installed tools say the package's version" {
	installed_or_skip
	local version tool
	version=$(dpkg-query -W -f='${Version}' rxws)
	for tool in "${TOOLS[@]}"; do
		assert_equal "$(command -v "$tool")" "/usr/bin/$tool"
		run "$tool" --version
		assert_success
		assert_output --regexp "^$tool ${version%-*} \\(libwebsockets "
	done
}

@test "man finds the installed pages" {
	installed_or_skip
	local tool
	for tool in "${TOOLS[@]}"; do
		assert_equal "$(man -w "$tool")" "/usr/share/man/man1/$tool.1.gz"
	done
	assert_equal "$(man -w 7 rxws)" /usr/share/man/man7/rxws.7.gz
	# Not 80 columns: man-db would show a page it formatted before and kept
	# (in /var/cache/man), maybe from an older build of the same version.
	MANWIDTH=100 man rxws-serve 2> /dev/null | grep -q 'RUNNING UNDER SYSTEMD'
	MANWIDTH=100 man 7 rxws 2> /dev/null | grep -q 'ENVELOPES'
}

# complete_words TOOL WORD...: what bash completes for the last WORD, with the
# completion that bash-completion loads on demand from the installed file.
complete_words() {
	bash -c '
		source /usr/share/bash-completion/bash_completion
		tool=$1
		shift
		_completion_loader "$tool"
		spec=$(complete -p "$tool") || exit 1
		fn=${spec#*-F }
		fn=${fn%% *}
		COMP_WORDS=("$tool" "$@")
		COMP_CWORD=$#
		COMP_LINE="${COMP_WORDS[*]}"
		COMP_POINT=${#COMP_LINE}
		"$fn" "$tool" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}"
	' complete_words "$@"
}

@test "bash completes the options of each tool from its installed file" {
	installed_or_skip
	run complete_words rxws-serve --vers
	assert_success
	assert_output -- '--version'
	run complete_words rxws-serve --ver
	assert_line -- '--version'
	assert_line -- '--verbose'
	run complete_words rxws-serve --wait-c
	assert_output -- '--wait-clients'
	run complete_words rxws-connect --retry-d
	assert_output -- '--retry-delay'
	run complete_words rxws-group --max-pa
	assert_output -- '--max-paths'
}

@test "systemd-analyze verify finds nothing to say about the installed unit" {
	installed_or_skip
	grep -qx 'ExecStart=/usr/libexec/rxws/rxws-serve-service /usr/bin/rxws-serve $RXWS_OPTIONS' "$UNIT"
	grep -qx 'EnvironmentFile=-/etc/rxws/%i.conf' "$UNIT"
	grep -qx 'Environment=RXWS_CONFIG=/etc/rxws/%i.conf RXWS_CONFIG_EXAMPLE=/usr/share/doc/rxws/examples/rxws-serve.conf' "$UNIT"
	run systemd-analyze verify "$UNIT"
	assert_success
	assert_output ''
	# Its hardening, as systemd rates it (lower is safer; 10 is none).
	run systemd-analyze security --offline=true "$UNIT"
	assert_success
	local level
	level=$(sed -n 's/.*Overall exposure level for .*: \([0-9.]*\) .*/\1/p' <<<"$output")
	echo "# exposure level $level" >&3
	assert "$PY" -c "import sys; sys.exit(not float('$level') < 2.5)"
}
