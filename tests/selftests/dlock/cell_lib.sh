#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# cell_lib.sh: netns cells for the dlock selftests, sourced by cell_*.sh.
#
# A cell of N nodes is N network namespaces dlc1..dlcN, each with a veth
# whose other end is on the bridge dlcbr in the caller's namespace; node i
# has address 10.77.0.i and node id i.  Every node is configured over
# generic netlink with dlcell: its own id, cell, address and timing, its
# peers, and last the cell key, which starts the node.
#
# TAP helpers: ok/not_ok print one result line each and count them; the
# script ends with tap_done, which prints the plan and sets the exit code.

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DLCELL="$HERE/dlcell"
CELL_KEY=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
CELL_ID=77
CELL_N=0
# Cell timing: roomier than the defaults (150/50/1000/500), because a TCG
# guest on a busy host can stall a node's work for a few hundred ms, which
# would otherwise read as lost heartbeats; still elects well within 2 s.
CELL_TIMING=${CELL_TIMING:-"election_ms=400 heartbeat_ms=100 lease_ms=2000 delay_ms=800"}
# DLOCK_TIME_SCALE (a whole number, default 1): a kernel that many times
# slower, such as the debug kernel (KASAN and lockdep under TCG;
# tests/debug-kernel/suite.sh sets it), multiplies every *_ms setting of
# CELL_TIMING when cell_up configures a node, and the limits of wait_leader
# and elect_all (and whatever a test passes through scaled): the tests
# assert the same things, on a slower clock.
DLOCK_TIME_SCALE=${DLOCK_TIME_SCALE:-1}
if ! [[ "$DLOCK_TIME_SCALE" =~ ^[1-9][0-9]{0,2}$ ]]; then
	echo "cell_lib.sh: DLOCK_TIME_SCALE must be a whole number from 1 to 999, not '$DLOCK_TIME_SCALE'" >&2
	exit 1
fi

# Every process a test starts costs: on the debug kernel under TCG, exec of
# a program from the guest's root (the host's / over 9p) with KASAN took 2
# to 3 s on a loaded host, and most of a cell test's time went into
# processes that only wait or parse (sleep, grep, seq, awk, date).  So the
# library waits and parses in bash itself, and only dlcell and ip, which
# do the work, are programs.
#
# sleep SECONDS: sleep(1) without a process: a read that times out on a
# pipe nobody writes to (this shell holds its only writer).  Anything but
# one plain number goes to the real sleep.  The read's timeout is its
# failure (status 142): "|| :" keeps it from failing a caller under
# set -e, as bats runs its tests (tests/bats/jepsen.bats sources this).
exec {DLC_NAP_FD}<> <(:)
sleep() {
	if [ $# -eq 1 ] && [[ "$1" =~ ^[0-9]+(\.[0-9]+)?$ ]]; then
		read -r -t "$1" -u "$DLC_NAP_FD" _ || :
		return 0
	fi
	command sleep "$@"
}

tap_n=0
tap_fail=0

ok() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $*"
}

not_ok() {
	tap_n=$((tap_n + 1))
	tap_fail=$((tap_fail + 1))
	echo "not ok $tap_n - $*"
}

# check DESCRIPTION CMD...: ok when CMD succeeds.
check() {
	local desc="$1"
	shift
	if "$@"; then
		ok "$desc"
	else
		not_ok "$desc"
	fi
}

tap_done() {
	echo "1..$tap_n"
	[ "$tap_fail" -eq 0 ]
}

# scaled N: N times DLOCK_TIME_SCALE: a time (ms or s) or a number of
# polls, as a wait limit on this kernel's clock.
scaled() {
	echo $(($1 * DLOCK_TIME_SCALE))
}

# sleep_scaled MS: sleep MS milliseconds on this kernel's clock.
sleep_scaled() {
	local ms

	ms=$(scaled "$1")
	sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
}

# cell_timing: CELL_TIMING with its *_ms values scaled.
cell_timing() {
	local w out=()

	for w in $CELL_TIMING; do
		case "$w" in
		(*_ms=*) out+=("${w%%=*}=$(scaled "${w#*=}")") ;;
		(*) out+=("$w") ;;
		esac
	done
	echo "${out[*]}"
}

# ns I CMD...: run CMD in node I's namespace.  dlcell and ip enter it
# themselves (setns), far cheaper under TCG than `ip netns exec`.
ns() {
	local i="$1"
	shift
	case "$1" in
	("$DLCELL") shift; "$DLCELL" -n "dlc$i" "$@" ;;
	(ip) shift; ip -n "dlc$i" "$@" ;;
	(*) ip netns exec "dlc$i" "$@" ;;
	esac
}

# cell_up N: make and configure an N-node cell (not waiting for a leader).
# The links are made by one `ip -batch` in this namespace and one in each
# node's, instead of six ip processes per node.
cell_up() {
	local n="$1" i j links=""

	CELL_N="$n"
	[ "$DLOCK_TIME_SCALE" = 1 ] ||
		echo "# DLOCK_TIME_SCALE=$DLOCK_TIME_SCALE: $(cell_timing), wait limits x$DLOCK_TIME_SCALE"
	links="link add dlcbr type bridge"$'\n'"link set dlcbr up"$'\n'
	for ((i = 1; i <= n; i++)); do
		links+="netns add dlc$i"$'\n'
		links+="link add dlv$i type veth peer name eth0 netns dlc$i"$'\n'
		links+="link set dlv$i master dlcbr up"$'\n'
	done
	ip -batch - <<< "$links" || return 1
	for ((i = 1; i <= n; i++)); do
		ip -n "dlc$i" -batch - <<- EOF || return 1
		link set lo up
		addr add 10.77.0.$i/24 dev eth0
		link set eth0 up
		EOF
	done
	for ((i = 1; i <= n; i++)); do
		# shellcheck disable=SC2046 # the timing is a list of words
		ns "$i" "$DLCELL" set id="$i" cell="$CELL_ID" addr="10.77.0.$i" \
			port=7477 $(cell_timing) || return 1
		for ((j = 1; j <= n; j++)); do
			[ "$i" = "$j" ] && continue
			ns "$i" "$DLCELL" peer-add id="$j" addr="10.77.0.$j" \
				port=7477 || return 1
		done
	done
	for ((i = 1; i <= n; i++)); do
		ns "$i" "$DLCELL" set key="$CELL_KEY" || return 1
	done
}

# cell_down: delete the namespaces (each node is torn down with its own).
cell_down() {
	local i dels="" end

	[ "$CELL_N" -gt 0 ] || { ip link del dlcbr 2>/dev/null; return 0; }
	for ((i = 1; i <= CELL_N; i++)); do
		dels+="netns del dlc$i"$'\n'
	done
	# -force: on past a namespace already gone (a test deleted it)
	ip -force -batch - <<< "$dels" > /dev/null 2>&1
	# A namespace dies asynchronously (cleanup_net): its node, and with it
	# the host end of its veth, goes only after the module has torn the
	# node down, which takes seconds with a million locks.  Wait for the
	# veths (120 s at most, scaled), so that the next cell_up can create
	# them again.
	end=$((SECONDS + $(scaled 120)))
	for ((i = 1; i <= CELL_N; i++)); do
		while [ -e "/sys/class/net/dlv$i" ] && [ "$SECONDS" -lt "$end" ]; do
			sleep 0.1
		done
	done
	ip link del dlcbr 2>/dev/null
	CELL_N=0
}

# node_field I FIELD: a field (state, leader, term...) of node I's status.
node_field() {
	local w

	for w in $(ns "$1" "$DLCELL" status); do
		case "$w" in ("$2="*) echo "${w#*=}" ;; esac
	done
}

# cell_leader [NODES...]: the leader all the given (default all) nodes
# agree on, or nothing.
cell_leader() {
	local nodes=("$@") i l first=""

	if [ ${#nodes[@]} -eq 0 ]; then
		for ((i = 1; i <= CELL_N; i++)); do
			nodes+=("$i")
		done
	fi
	for i in "${nodes[@]}"; do
		l="$(node_field "$i" leader)"
		[ -n "$l" ] && [ "$l" != 0 ] || return 1
		[ -z "$first" ] || [ "$first" = "$l" ] || return 1
		first="$l"
	done
	echo "$first"
}

# now_ms: the time in ms, from bash's clock (no date process).
now_ms() {
	local t="${EPOCHREALTIME/./}"

	echo $((t / 1000))
}

# wait_leader MS [NODES...]: until the nodes agree on a leader; prints it.
wait_leader() {
	local ms start l

	ms="$(scaled "$1")"
	shift
	start=$(now_ms)
	while :; do
		if l="$(cell_leader "$@")"; then
			echo "$l"
			return 0
		fi
		[ $(($(now_ms) - start)) -lt "$ms" ] || return 1
		sleep 0.05
	done
}

# wait_file FILE REGEX SECONDS: until a line of FILE matches the extended
# regular expression REGEX (as grep -E would), for SECONDS at most.
wait_file() {
	local file="$1" re="$2" end=$((SECONDS + $3)) line

	while :; do
		if [ -r "$file" ]; then
			while IFS= read -r line || [ -n "$line" ]; do
				[[ "$line" =~ $re ]] && return 0
			done < "$file"
		fi
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.1
	done
}

# elect_all MS: every node, polled from inside its namespace by one dlcell
# each (in parallel, so the namespace switches do not add up), sees a
# leader within MS of that poller's start.  Prints each node's time.
elect_all() {
	local ms i rc=0 pids=()

	ms="$(scaled "$1")"
	for ((i = 1; i <= CELL_N; i++)); do
		ns "$i" "$DLCELL" wait-leader "$ms" > "/tmp/dlc-elect.$i" 2>&1 &
		pids+=($!)
	done
	for i in "${!pids[@]}"; do
		wait "${pids[$i]}" || rc=1
	done
	for ((i = 1; i <= CELL_N; i++)); do
		echo "node $i: $(< "/tmp/dlc-elect.$i") ms"
	done
	rm -f /tmp/dlc-elect.*
	return "$rc"
}

# counter I NAME: a counter of node I (0 when absent).
counter() {
	local name value

	while read -r name value _; do
		if [ "$name" = "$2" ]; then
			echo "${value:-0}"
			return
		fi
	done < <(ns "$1" "$DLCELL" counters "$2")
	echo 0
}
