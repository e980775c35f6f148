# bash completion for rxws-serve, rxws-connect and rxws-group.
# Installed once per tool name; each copy registers all three.

_rxws_options() {
	local common='--string --bytes --object --type -f --format -0 --null --chunk-size
		--max-size --strict --queue --overflow --drain-timeout
		--ping-interval --ping-timeout -k --keep-open -r --recv-only
		-s --send-only -c --count -W --timeout -v --verbose -q --quiet
		--log-format --name -h --help --version --no-ack'
	local client='--retry-delay --retry-max --retries --unix --connect-timeout
		--header --auth-token-file --cacert --insecure --compress --protocol
		--proxy --noproxy --session --oneshot'
	case $1 in
	rxws-serve)
		echo "$common --host -p --port --unix --allow-path --max-clients --wait-clients
			--handshake-timeout --cert --key --auth-token-file --origin --static --metrics --compress
			--protocol --resume-timeout --broker --broker-prefix --broker-maxlen
			--broker-inbound --collect --retry-delay --retry-max --retries" ;;
	rxws-connect)
		echo "$common $client" ;;
	rxws-group)
		echo "$common $client --max-paths" ;;
	esac
}

# Options whose value is the next word (or follows '=').
_rxws_takes_value() {
	case $1 in
	--type | -f | --format | --chunk-size | --max-size | --queue | --overflow | \
	--drain-timeout | --ping-interval | --ping-timeout | -c | --count | \
	-W | --timeout | --host | -p | --port | --unix | --allow-path | \
	--max-clients | --wait-clients | --handshake-timeout | --cert | --key | \
	--auth-token-file | --origin | --static | --retry-delay | --retry-max | \
	--retries | --connect-timeout | --header | --cacert | --max-paths | \
	--protocol | --proxy | --noproxy | --session | --resume-timeout | \
	--broker | --broker-prefix | --broker-maxlen | --log-format | --name)
		return 0 ;;
	esac
	return 1
}

_rxws() {
	local tool=${1##*/}
	local -a words=()
	local i j=-1 cword=0 glue=0 w

	# Put back together what COMP_WORDBREAKS split ("--format=lp",
	# "ws://h:1/"), so that an option and its value are seen whole.
	for ((i = 0; i < ${#COMP_WORDS[@]}; i++)); do
		w=${COMP_WORDS[i]}
		if ((j >= 0)) && [[ $w == [=:] || $glue == 1 ]]; then
			words[j]+=$w
		else
			words[++j]=$w
		fi
		glue=0
		[[ $w == [=:] ]] && glue=1
		((i == COMP_CWORD)) && cword=$j
	done

	local cur=${words[cword]} prev=
	((cword > 0)) && prev=${words[cword - 1]}

	# --opt=VALUE: complete VALUE as if it were the next word.
	if [[ $cur == --*=* ]]; then
		prev=${cur%%=*}
		cur=${cur#*=}
	elif ! _rxws_takes_value "$prev"; then
		prev=
	fi
	# After "--", there are no more options.
	for ((i = 1; i < cword; i++)); do
		[[ ${words[i]} == -- ]] && { prev=; break; }
	done

	local -a cands=()
	case $prev in
	-f | --format)
		# rxws-group's records are tagged: raw cannot carry them.
		if [[ $tool == rxws-group ]]; then
			cands=(line nul lp json cbor)
		else
			cands=(line nul lp raw json cbor)
		fi ;;
	--overflow)
		cands=(block drop-oldest drop-newest close) ;;
	--log-format)
		cands=(text json) ;;
	--type)
		if [[ $tool != rxws-connect && $cur == *=* ]]; then
			cands=("${cur%=*}=string" "${cur%=*}=bytes" "${cur%=*}=object")
		else
			cands=(string bytes object)
		fi ;;
	--unix | --cert | --key | --cacert | --auth-token-file)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return 0 ;;
	--static)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -d -- "$cur")
		return 0 ;;
	--host)
		mapfile -t cands < <(compgen -A hostname)
		cands+=(127.0.0.1 0.0.0.0 ::1 ::) ;;
	?*)
		# A number, a duration, a glob or a name: nothing to offer.
		COMPREPLY=()
		return 0 ;;
	*)
		if [[ $cur == -* ]] && ! [[ " ${words[*]:1:cword-1} " == *" -- "* ]]; then
			# shellcheck disable=SC2207
			cands=($(_rxws_options "$tool"))
		elif [[ $tool != rxws-serve ]] && ! [[ " ${words[*]:1:cword-1} " == *" "ws://* ||
			" ${words[*]:1:cword-1} " == *" "wss://* ]]; then
			cands=(ws:// wss://)
			compopt -o nospace 2>/dev/null
		fi ;;
	esac

	COMPREPLY=()
	local c
	for c in "${cands[@]}"; do
		[[ $c == "$cur"* ]] && COMPREPLY+=("$c")
	done

	# bash replaces only what follows the last '=' or ':' of the word.
	if [[ $cur == *[=:]* ]]; then
		local head=${cur%"${cur##*[=:]}"}
		for i in "${!COMPREPLY[@]}"; do
			COMPREPLY[i]=${COMPREPLY[i]#"$head"}
		done
	fi
	return 0
}

complete -F _rxws rxws-serve rxws-connect rxws-group
