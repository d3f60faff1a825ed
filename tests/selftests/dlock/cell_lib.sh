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
cell_up() {
	local n="$1" i j

	CELL_N="$n"
	[ "$DLOCK_TIME_SCALE" = 1 ] ||
		echo "# DLOCK_TIME_SCALE=$DLOCK_TIME_SCALE: $(cell_timing), wait limits x$DLOCK_TIME_SCALE"
	ip link add dlcbr type bridge || return 1
	ip link set dlcbr up
	for i in $(seq 1 "$n"); do
		ip netns add "dlc$i" || return 1
		ip link add "dlv$i" type veth peer name eth0 netns "dlc$i" || return 1
		ip link set "dlv$i" master dlcbr up
		ns "$i" ip link set lo up
		ns "$i" ip addr add "10.77.0.$i/24" dev eth0
		ns "$i" ip link set eth0 up
	done
	for i in $(seq 1 "$n"); do
		# shellcheck disable=SC2046 # the timing is a list of words
		ns "$i" "$DLCELL" set id="$i" cell="$CELL_ID" addr="10.77.0.$i" \
			port=7477 $(cell_timing) || return 1
		for j in $(seq 1 "$n"); do
			[ "$i" = "$j" ] && continue
			ns "$i" "$DLCELL" peer-add id="$j" addr="10.77.0.$j" \
				port=7477 || return 1
		done
	done
	for i in $(seq 1 "$n"); do
		ns "$i" "$DLCELL" set key="$CELL_KEY" || return 1
	done
}

# cell_down: delete the namespaces (each node is torn down with its own).
cell_down() {
	local i

	for i in $(seq 1 "$CELL_N"); do
		ip netns del "dlc$i" 2>/dev/null
	done
	# A namespace dies asynchronously (cleanup_net): its node, and with it
	# the host end of its veth, goes only after the module has torn the
	# node down, which takes seconds with a million locks.  Wait for the
	# veths, so that the next cell_up can create them again.
	for i in $(seq 1 "$CELL_N"); do
		for _ in $(seq 1 1200); do
			ip link show "dlv$i" > /dev/null 2>&1 || break
			sleep 0.1
		done
	done
	ip link del dlcbr 2>/dev/null
	CELL_N=0
}

# node_field I FIELD: a field (state, leader, term...) of node I's status.
node_field() {
	ns "$1" "$DLCELL" status | tr ' ' '\n' | sed -n "s/^$2=//p"
}

# cell_leader [NODES...]: the leader all the given (default all) nodes
# agree on, or nothing.
cell_leader() {
	local nodes=("$@") i l first=""

	[ ${#nodes[@]} -gt 0 ] || nodes=($(seq 1 "$CELL_N"))
	for i in "${nodes[@]}"; do
		l="$(node_field "$i" leader)"
		[ -n "$l" ] && [ "$l" != 0 ] || return 1
		[ -z "$first" ] || [ "$first" = "$l" ] || return 1
		first="$l"
	done
	echo "$first"
}

# wait_leader MS [NODES...]: until the nodes agree on a leader; prints it.
wait_leader() {
	local ms start now l

	ms="$(scaled "$1")"
	shift
	start=$(date +%s%N)
	while :; do
		if l="$(cell_leader "$@")"; then
			echo "$l"
			return 0
		fi
		now=$(date +%s%N)
		[ $(((now - start) / 1000000)) -lt "$ms" ] || return 1
		sleep 0.05
	done
}

# elect_all MS: every node, polled from inside its namespace by one dlcell
# each (in parallel, so the namespace switches do not add up), sees a
# leader within MS of that poller's start.  Prints each node's time.
elect_all() {
	local ms i rc=0 pids=()

	ms="$(scaled "$1")"
	for i in $(seq 1 "$CELL_N"); do
		ns "$i" "$DLCELL" wait-leader "$ms" > "/tmp/dlc-elect.$i" 2>&1 &
		pids+=($!)
	done
	for i in "${!pids[@]}"; do
		wait "${pids[$i]}" || rc=1
	done
	for i in $(seq 1 "$CELL_N"); do
		echo "node $i: $(cat "/tmp/dlc-elect.$i") ms"
		rm -f "/tmp/dlc-elect.$i"
	done
	return "$rc"
}

# counter I NAME: a counter of node I (0 when absent).
counter() {
	local v
	v="$(ns "$1" "$DLCELL" counters "$2" | awk -v n="$2" '$1 == n { print $2 }')"
	echo "${v:-0}"
}
