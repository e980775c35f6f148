#!/usr/bin/env bats
# scripts/setup-deps, the first step of make demo and make check, on a
# machine where another apt holds its lock (a fresh machine runs its own at
# boot). apt-get, dpkg-query, node and sudo are stand-ins on PATH here:
# nothing is installed, no lock of the machine is taken.

load helpers

setup() {
	T=$BATS_TEST_TMPDIR
	PIDS=()
	export RXWS_TEST_MARK=$T
	cd "$T" || return 1
	mkdir bin
	# Every package is installed but jq.
	cat > bin/dpkg-query <<-'EOF'
	#!/bin/sh
	for p; do :; done
	[ "$p" = jq ] && exit 1
	echo 'install ok installed'
	EOF
	# The node packages of tests/ are there.
	printf '#!/bin/sh\nexit 0\n' > bin/node
	cp bin/node bin/npm
	printf '#!/bin/sh\nexec "$@"\n' > bin/sudo
	# apt-get as apt 2.6 behaves, each call logged in apt.log. While the
	# file dpkg-busy says N, the dpkg lock is held for N seconds: apt-get
	# install waits if given DPkg::Lock::Timeout (a line a second on
	# stdout), else fails at once. While lists-busy says N, the next N
	# apt-get update fail at once (no option makes them wait). With
	# lists-stale, install cannot find jq until an update has run.
	cat > bin/apt-get <<-'EOF'
	#!/bin/bash
	echo "$*" >> apt.log
	wait_option=false
	for a; do [[ $a == DPkg::Lock::Timeout=* ]] && wait_option=true; done
	case " $* " in
	*" update "*)
		n=$(cat lists-busy 2> /dev/null || echo 0)
		if ((n > 0)); then
			echo $((n - 1)) > lists-busy
			echo 'Reading package lists...'
			echo 'E: Could not get lock /var/lib/apt/lists/lock. It is held by process 4242 (apt-get)' >&2
			echo 'E: Unable to lock directory /var/lib/apt/lists/' >&2
			exit 100
		fi
		rm -f lists-stale
		echo 'Hit:1 http://deb.debian.org/debian bookworm InRelease'
		echo 'Reading package lists...'
		;;
	*" install "*)
		n=$(cat dpkg-busy 2> /dev/null || echo 0)
		if ((n > 0)); then
			if ! $wait_option; then
				echo 'E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 4242 (apt-get)' >&2
				echo 'E: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), is another process using it?' >&2
				exit 100
			fi
			for _ in $(seq "$n"); do
				echo 'Waiting for cache lock: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 4242 (apt-get)...'
			done
		fi
		echo 'Reading package lists...'
		if [[ -e lists-stale ]]; then
			echo 'E: Unable to locate package jq' >&2
			exit 100
		fi
		echo 'Setting up jq (1.6-2.1) ...'
		;;
	esac
	EOF
	chmod +x bin/*
	PATH=$T/bin:$PATH
}

@test "setup-deps: waits for the dpkg lock another apt holds, and says so once" {
	echo 3 > dpkg-busy
	run --separate-stderr "$TOP/scripts/setup-deps"
	echo "$output"
	echo "$stderr"
	assert_success
	assert_equal "$(grep -c 'waiting for the dpkg lock (another apt is running)' <<< "$stderr")" 1
	refute_output --partial 'Waiting for cache lock'
	assert_output --partial 'Setting up jq'
	assert_equal "$(wc -l < apt.log)" 1
	grep -Eq -- '-o DPkg::Lock::Timeout=600 .*install .*jq' apt.log
}

@test "setup-deps: apt-get update waits for the lock of the package lists, and says so once" {
	touch lists-stale
	echo 2 > lists-busy
	run --separate-stderr "$TOP/scripts/setup-deps"
	echo "$output"
	echo "$stderr"
	assert_success
	assert_equal "$(grep -c "waiting for the lock of apt's package lists (another apt is running)" <<< "$stderr")" 1
	assert_output --partial 'Setting up jq'
	# An install (jq not found), three updates (two on a busy lock), an install.
	assert_equal "$(grep -c ' update' apt.log)" 3
	assert_equal "$(grep -c ' install ' apt.log)" 2
	grep -q 'Timeout=600 update' apt.log
}

@test "setup-deps: RXWS_APT_LOCK_TIMEOUT bounds the wait; then the hint" {
	touch lists-stale
	echo 100 > lists-busy
	RXWS_APT_LOCK_TIMEOUT=0 run --separate-stderr "$TOP/scripts/setup-deps"
	echo "$stderr"
	assert_failure 1
	assert_equal "$(grep -c ' update' apt.log)" 1
	grep -q 'DPkg::Lock::Timeout=0 ' apt.log
	grep -q 'Could not get lock /var/lib/apt/lists/lock' <<< "$stderr"
	grep -q 'RXWS_APT_LOCK_TIMEOUT=SECS waits longer' <<< "$stderr"

	RXWS_APT_LOCK_TIMEOUT=soon run "$TOP/scripts/setup-deps"
	assert_failure 64
	assert_output --partial 'RXWS_APT_LOCK_TIMEOUT=soon: expected a number of seconds'
}
