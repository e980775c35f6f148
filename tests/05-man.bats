#!/usr/bin/env bats
# The man pages beyond their options (03-options.bats holds those to the
# option table, 70-examples.bats runs their examples): the pages they
# send the reader to.

load helpers

# Each page that the man pages and the README name, NAME(N), but rxws's
# own: the Debian 12 package that has it. A page no Debian 12 package has
# (websocat(1)) would send a reader nowhere.
declare -gA DEBIAN_PAGES=(
	[dd.1]=coreutils
	[flock.2]=manpages-dev
	[fnmatch.3]=manpages-dev
	[getrandom.2]=manpages-dev
	[jq.1]=jq
	[poll.2]=manpages-dev
	[ps.1]=procps
	[systemd.exec.5]=systemd
	[systemd.service.5]=systemd
)

# page_references: "NAME.N FILE:LINE" for each NAME(N) of the man pages
# (.BR NAME (N), or NAME(N) in the text) and of the README.
page_references() {
	"$PY" - "$TOP"/man/*.[1-8] "$TOP/README.md" <<-'PY'
	import re, sys

	for path in sys.argv[1:]:
	    top = path.rsplit("/", 2)
	    where = "/".join(top[-2:]) if top[-2] == "man" else top[-1]
	    for n, line in enumerate(open(path), 1):
	        t = line.rstrip("\n")
	        if t.startswith('.\\"'):
	            continue
	        m = re.match(r"\.(B|I|BR|RB|IR|RI|BI|IB)\s+(.*)", t)
	        if m:
	            t = "".join(a.strip('"') for a in re.findall(r'"[^"]*"|\S+', m.group(2)))
	        t = re.sub(r"\\f[BIRP]", "", t).replace("\\-", "-").replace("\\&", "")
	        for r in re.finditer(r"(?<![\w.-])([a-z][a-z0-9_.+-]*)\(([1-8])\)", t):
	            print(f"{r.group(1)}.{r.group(2)} {where}:{n}")
	PY
}

@test "the pages the man pages and the README name are rxws's or a Debian 12 package's, which man finds" {
	local refs page where pkg
	refs=$(page_references)
	(($(wc -l <<< "$refs") > 50))
	while read -r page where; do
		if [[ -f $TOP/man/${page%.*}.${page##*.} ]]; then
			continue
		fi
		pkg=${DEBIAN_PAGES[$page]:-}
		[[ -n $pkg ]] || fail "$where names ${page%.*}(${page##*.}), which no Debian 12 package has (or add it to DEBIAN_PAGES, with its package)"
		# Where its package is installed, man finds it.
		if dpkg-query -W -f='${Status}' "$pkg" 2> /dev/null | grep -q 'install ok installed'; then
			man -w "${page##*.}" "${page%.*}" > /dev/null 2>&1 ||
				fail "$where names ${page%.*}(${page##*.}): $pkg is installed, but man does not find it"
		fi
	done <<< "$refs"
}

# man_text TOOL START: from the line START (a regular expression) of
# man/TOOL.1 to the next paragraph's .TP, on one line, in plain words.
man_text() {
	sed -n "/$2/,/^\\.TP/p" "$TOP/man/$1.1" | sed 's/^\.[A-Z]* //; s/\\-/-/g' | tr '\n' ' '
}

@test "each man page says --overflow's default for its tool, and what its 69 means" {
	local tool default text
	for tool in rxws-serve rxws-connect rxws-group; do
		default=block
		[[ $tool == rxws-serve ]] && default=close
		text=$(man_text "$tool" '^\.BI \\-\\-overflow ')
		[[ $text == *" $default (the default) "* ]] ||
			fail "man/$tool.1, --overflow: no \"$default (the default)\": $text"
		text=$(sed -n '/^\.SH "EXIT STATUS"/,/^\.SH SIGNALS/p' "$TOP/man/$tool.1" |
			sed -n '/^\.B 69$/,/^\.TP/p' | sed 's/^\.[A-Z]* //; s/\\-/-/g' | tr '\n' ' ')
		if [[ $tool == rxws-serve ]]; then
			[[ $text == *"Cannot listen"* ]] || fail "man/$tool.1, EXIT STATUS 69: $text"
		else
			# A client never binds nor listens: 69 is about connecting.
			[[ $text == *--retries* && ! $text =~ bind|listen ]] || fail "man/$tool.1, EXIT STATUS 69: $text"
		fi
	done
}
