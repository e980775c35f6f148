#!/usr/bin/env bats
# One table of options (common/app/options.c), and what is made of it or
# written after it: --help, the man pages' OPTIONS sections, and the bash,
# zsh and fish completions (scripts/completions, from --dump-options). Each
# test fails when one of them says something the table does not.

load helpers

TOOLS=(rxws-serve rxws-connect rxws-group)
# Tools on a build tree have their completions in $BUILD_DIR/completions;
# those of a package (RXWS_BUILD=/usr/bin, or a package unpacked) under
# share/ beside bin/.
PREFIX_DIR=${BUILD_DIR%/bin}

# completion_file bash|zsh|fish TOOL: where the completion of TOOL is.
completion_file() {
	local shell=$1 tool=$2 f
	if [[ $BUILD_DIR != */bin ]]; then
		case $shell in
		bash) echo "$BUILD_DIR/completions/rxws.bash" ;;
		zsh) echo "$BUILD_DIR/completions/_rxws" ;;
		fish) echo "$BUILD_DIR/completions/$tool.fish" ;;
		esac
		return
	fi
	case $shell in
	bash) echo "$PREFIX_DIR/share/bash-completion/completions/$tool" ;;
	zsh)
		for f in "$PREFIX_DIR"/share/zsh/{vendor-completions,site-functions}/_rxws; do
			[[ -f $f ]] && { echo "$f"; return; }
		done
		echo "$PREFIX_DIR/share/zsh/site-functions/_rxws" ;;
	fish) echo "$PREFIX_DIR/share/fish/vendor_completions.d/$tool.fish" ;;
	esac
}

# dump TOOL: the option lines of its --dump-options.
dump() {
	"$1" --dump-options > "$T/dump" || return 1
	[[ $(head -n 1 "$T/dump") == 'rxws-dump-options 1' ]] || return 1
	grep $'^option\t' "$T/dump"
}

# field N LINE: the Nth tab-separated field of LINE.
field() {
	cut -d $'\t' -f "$1" <<< "$2"
}

# operand TOOL: what the tool needs besides options to get past its checks.
operand() {
	case $1 in
	rxws-serve) echo / ;;
	*) echo ws://127.0.0.1:1/ ;;
	esac
}

@test "--dump-options: every tool, its own rows, and nothing in --help about it" {
	local tool
	for tool in "${TOOLS[@]}"; do
		run dump "$tool"
		assert_success
		assert_line --regexp $'^option\tformat\tf\tFMT\t-\t[0-9]+\tline,nul,lp,'
		assert_line --regexp $'^option\tverbose\tv\t-\t\\*\t'
		refute_line --partial $'\tdump-options\t'
		grep -q "^tool"$'\t'"$tool"$'\t' "$T/dump"
		run "$tool" --help
		refute_output --partial 'dump-options'
	done
	run dump rxws-serve
	assert_line --partial $'option\twait-clients\t-\tN\t'
	refute_line --partial $'option\tconnect-timeout\t'
	run dump rxws-group
	# rxws-group's records are tagged: raw is not one of its framings.
	assert_line --regexp $'^option\tformat\tf\tFMT\t-\t[0-9]+\tline,nul,lp,json,cbor\t'
}

@test "--help prints every row of the table, and only those" {
	local tool line left n
	for tool in "${TOOLS[@]}"; do
		"$tool" --help > "$T/help"
		n=0
		while IFS= read -r line; do
			local long short arg help
			long=$(field 2 "$line") short=$(field 3 "$line") arg=$(field 4 "$line")
			help=$(field 8- "$line")
			if [[ $short == - ]]; then
				left="      --$long"
			else
				left="  -$short, --$long"
			fi
			[[ $arg == - ]] || left+=" $arg"
			grep -qxF -- "$(printf '%-32s%s' "$left" "$help")" "$T/help" ||
				fail "$tool --help has no line for: $line"
			n=$((n + 1))
		done < <(dump "$tool")
		# As many lines of options as rows.
		assert_equal "$(grep -cE '^  (-[^-]|    --)' "$T/help")" "$n"
	done
}

@test "each man page lists its tool's options, as the table names them, and no other" {
	local tool
	for tool in "${TOOLS[@]}"; do
		dump "$tool" | cut -d $'\t' -f 1-4 | sort > "$T/table"
		"$PY" "$TOP/tests/man_options.py" "$TOP/man/$tool.1" > "$T/man"
		grep $'^option\t' "$T/man" | sort > "$T/page"
		run diff -u --label "the table of $tool" --label "man/$tool.1, OPTIONS" "$T/table" "$T/page"
		assert_success
	done
}

# The bold words of a man page's paragraph on an option that are not its
# values, and why (else they must not be there).
declare -gA NOT_VALUES=(
	[rxws-group:format]='raw'	# "raw cannot carry tags: it is a usage error"
)

@test "options that take names: the man page, --help and the parser's own error list the same ones" {
	local tool line long values w expected operand
	for tool in "${TOOLS[@]}"; do
		"$PY" "$TOP/tests/man_options.py" "$TOP/man/$tool.1" > "$T/man"
		operand=$(operand "$tool")
		while IFS= read -r line; do
			long=$(field 2 "$line") values=$(field 7 "$line")
			[[ $values == - ]] && continue
			local -A bold=() listed=()
			for w in $(grep -P "^bold\t$long\t" "$T/man" | cut -d $'\t' -f 3-); do
				bold[$w]=1
			done
			for w in ${values//,/ }; do
				listed[$w]=1
				[[ -n ${bold[$w]-} ]] || fail "man/$tool.1 does not list $w, a value of --$long"
				[[ " $(field 8- "$line") " =~ [\ ,:]$w[\ ,\;] ]] ||
					fail "$tool --help does not list $w, a value of --$long"
				# The parser takes it (--help ends the parse after it).
				run "$tool" "--$long" "$w" --help
				assert_success
			done
			for w in "${!bold[@]}"; do
				[[ -n ${listed[$w]-} || $w == rxws-* || " ${NOT_VALUES[$tool:$long]-} " == *" $w "* ]] ||
					fail "man/$tool.1 names $w in --$long, which is not one of its values"
			done
			# What the parser says it expects: the values, and those that the
			# tool refuses later on (rxws-group -f raw).
			run "$tool" "--$long" no-such-value "$operand"
			assert_failure 64
			expected=$(sed -n "s/.*--$long: expected \(.*\), not 'no-such-value'.*/\1/p" <<< "$output")
			[[ -n $expected ]] || fail "$tool --$long no-such-value: $output"
			expected=${expected//, / }
			for w in ${expected// or / }; do
				[[ $w =~ ^[a-z][a-z0-9-]*$ ]] || continue	# GLOB=TYPE
				[[ -n ${listed[$w]-} ]] && continue
				[[ " ${NOT_VALUES[$tool:$long]-} " == *" $w "* ]] ||
					fail "$tool --$long takes $w ('expected ...'), but --dump-options does not list it"
				run timeout 10 "$tool" "--$long" "$w" "$operand" < /dev/null
				assert_failure 64
			done
			unset bold listed
		done < <(dump "$tool")
	done
}

@test "the completions are what scripts/completions makes of the tools' tables" {
	local tool
	run "$TOP/scripts/completions" "$BUILD_DIR" "$T/made"
	assert_success
	for tool in "${TOOLS[@]}"; do
		cmp "$T/made/rxws.bash" "$(completion_file bash "$tool")"
		cmp "$T/made/$tool.fish" "$(completion_file fish "$tool")"
	done
	cmp "$T/made/_rxws" "$(completion_file zsh rxws-serve)"
}

@test "scripts/completions stops at what it does not know, and at what is gone" {
	local tool
	mkdir bin
	for tool in "${TOOLS[@]}"; do
		"$tool" --dump-options > "bin/$tool.dump"
		printf '#!/bin/sh\ncat "$0.dump"\n' > "bin/$tool"
		chmod +x "bin/$tool"
	done
	run "$TOP/scripts/completions" bin made
	assert_success
	# An argument of a new kind: how is it completed?
	sed -i 's/\tFILE\t/\tPEM\t/' bin/rxws-serve.dump
	run "$TOP/scripts/completions" bin made2
	assert_failure
	assert_output --partial 'PEM'
	[[ ! -e made2 ]]
	# A value described in the script that no tool takes any more.
	for tool in "${TOOLS[@]}"; do
		"$tool" --dump-options | sed 's/,drop-newest//' > "bin/$tool.dump"
	done
	run "$TOP/scripts/completions" bin made2
	assert_failure
	assert_output --partial 'drop-newest'
	# Not a dump at all.
	printf 'Usage: ...\n' > bin/rxws-group.dump
	run "$TOP/scripts/completions" bin made2
	assert_failure
}

# complete_bash TOOL WORD...: what the bash completion offers for the last
# WORD, one a line, with COMP_WORDS split as bash splits them (at = and :).
complete_bash() {
	bash -c '
		source "$1"
		shift
		COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		COMP_WORDS=()
		local_words() {
			local w
			for w in "$@"; do
				while [[ $w == *[=:]* ]]; do
					local head=${w%%[=:]*}
					[[ -n $head ]] && COMP_WORDS+=("$head")
					w=${w#"$head"}
					COMP_WORDS+=("${w:0:1}")
					w=${w:1}
				done
				COMP_WORDS+=("$w")
			done
		}
		local_words "$@"
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		complete -p "$1" > /dev/null || exit 1
		_rxws "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}"
	' complete_bash "$(completion_file bash "$1")" "$@"
}

@test "bash: options, values, files and URLs, from the generated completion" {
	run complete_bash rxws-serve --wait-c
	assert_output -- '--wait-clients'
	run complete_bash rxws-serve --ver
	assert_line -- '--version'
	assert_line -- '--verbose'
	refute_line -- '--dump-options'
	run complete_bash rxws-connect --wait-c
	assert_output ''
	run complete_bash rxws-group --max-pa
	assert_output -- '--max-paths'
	run complete_bash rxws-serve -f ''
	assert_output $'line\nnul\nlp\nraw\njson\ncbor'
	run complete_bash rxws-group --format ''
	assert_output $'line\nnul\nlp\njson\ncbor'
	run complete_bash rxws-connect --format=j
	assert_output 'json'
	run complete_bash rxws-serve --overflow drop-
	assert_output $'drop-oldest\ndrop-newest'
	run complete_bash rxws-connect --log-format ''
	assert_output $'text\njson'
	# --type GLOB=TYPE: bash replaces what follows the last '='.
	run complete_bash rxws-group --type '/a/*=ob'
	assert_output 'object'
	run complete_bash rxws-connect --type b
	assert_output 'bytes'
	# Files and directories.
	mkdir dir.d && : > cert.pem
	run complete_bash rxws-serve --cert ce
	assert_output 'cert.pem'
	run complete_bash rxws-connect --cacert ce
	assert_output 'cert.pem'
	run complete_bash rxws-serve --static ''
	assert_output 'dir.d'
	run complete_bash rxws-serve --host 127.0.
	assert_output '127.0.0.1'
	# No value to offer for a number.
	run complete_bash rxws-serve --queue ''
	assert_output ''
	# The URL, for the clients only, until there is one.
	run complete_bash rxws-connect ''
	assert_output $'ws://\nwss://'
	run complete_bash rxws-group -r ws://h/ ''
	assert_output ''
	run complete_bash rxws-serve ''
	assert_output ''
	# After --, no options.
	run complete_bash rxws-connect -- --
	assert_output ''
}

@test "zsh: options, values, files and URLs, from the generated completion" {
	command -v zsh > /dev/null || skip "no zsh (scripts/setup-deps installs it)"
	local dir
	dir=$(dirname "$(completion_file zsh rxws-serve)")
	complete_zsh() {
		timeout 30 "$TOP/tests/zsh_complete.zsh" "$dir" "$1" | sed 's/^MATCH://'
	}
	run complete_zsh 'rxws-serve --wait-c'
	assert_output -- '--wait-clients'
	run complete_zsh 'rxws-group --format '
	assert_output $'line\nnul\nlp\njson\ncbor'
	run complete_zsh 'rxws-connect --overflow drop-'
	assert_output $'drop-oldest\ndrop-newest'
	run complete_zsh 'rxws-serve --type=/a/*=o'
	assert_output -- '--type=/a/*=object'
	# One datatype, one framing.
	run complete_zsh 'rxws-connect --string -0 --'
	assert_line -- '--strict'
	refute_line -- '--bytes'
	refute_line -- '--format'
	: > cert.pem
	run complete_zsh 'rxws-serve --key ce'
	assert_output 'cert.pem'
	run complete_zsh 'rxws-connect '
	assert_output $'ws://\nwss://'
}

@test "fish: options, values, files and URLs, from the generated completion" {
	command -v fish > /dev/null || skip "no fish (scripts/setup-deps installs it)"
	complete_fish() {	# complete_fish TOOL LINE
		fish --no-config -c 'source $argv[1]; complete -C $argv[2]' \
			"$(completion_file fish "$1")" "$2" | cut -f 1
	}
	run complete_fish rxws-serve 'rxws-serve --wait-c'
	assert_output -- '--wait-clients'
	run complete_fish rxws-group 'rxws-group --format '
	assert_output $'cbor\njson\nline\nlp\nnul'
	run complete_fish rxws-serve 'rxws-serve --overflow drop-'
	assert_output $'drop-newest\ndrop-oldest'
	run complete_fish rxws-group 'rxws-group --type /a/*=o'
	assert_output '/a/*=object'
	: > cert.pem
	run complete_fish rxws-connect 'rxws-connect --cacert ce'
	assert_output 'cert.pem'
	run complete_fish rxws-connect 'rxws-connect '
	assert_output $'ws://\nwss://'
	run complete_fish rxws-serve 'rxws-serve '
	assert_output ''
}
