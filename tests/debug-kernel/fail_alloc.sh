#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# fail_alloc.sh: allocation failures injected into every dl_zalloc() of a
# live cell, the node's work items and timers included, through dlock's
# own fault attribute /sys/kernel/debug/dlock/fail_alloc/ (kmod/env.c;
# needs CONFIG_FAULT_INJECTION_DEBUG_FS: the debug kernel).  Prints TAP.
#
# failslab.sh aims failslab at tasks, which cannot reach what a kworker
# allocates for dlock (receive, replication, the lock table); this attribute
# fails dlock's allocations alone, whatever context makes them.
#
# A 3-node cell forms without failures, a client per node locks and unlocks
# (one resource of its own, one shared by all three), then FAIL_ALLOC_PROB
# percent (default 5) of dl_zalloc() calls fail for FAIL_ALLOC_SECONDS
# (default 24) while the traffic goes on, a lockspace is added and removed,
# and halfway through the leader's link goes down for a while, forcing an
# election.  The clients see errors and their exit status is not the test.
# The test is: no oops, warning, KASAN or lockdep report meanwhile
# (tests/vm/run.sh checks the log), a leader all nodes agree on and a lock
# served on every node within FAIL_ALLOC_RECOVER_S (default 60) s of the
# failures stopping, failures actually injected, and nothing dlock
# allocated left unreferenced (kmemleak, scanned by suite.sh afterwards),
# and, once the cell has settled, the same locks listed by all three nodes
# (the replicas agree: issue 7).

source "$(cd "$(dirname "${BASH_SOURCE[0]}")/../selftests/dlock" &&
	pwd)/cell_lib.sh"

FA=/sys/kernel/debug/dlock/fail_alloc
PROB=${FAIL_ALLOC_PROB:-5}
SECS=${FAIL_ALLOC_SECONDS:-24}
RECOVER_S=${FAIL_ALLOC_RECOVER_S:-60}
OUT=/tmp/fail-alloc
# "times" counts down on every failure injected: started high, what is
# left says how many there were.
TIMES=100000000

if [ ! -d "$FA" ]; then
	echo "1..0 # SKIP no $FA (kernel without CONFIG_FAULT_INJECTION_DEBUG_FS)"
	exit 0
fi
echo "# fail_alloc: probability $PROB%, $SECS s of failures"

fail_alloc_off() {
	echo 0 > "$FA/probability"
}

# Every caller, every context: no task filter, no stack dump per failure
# (a "Call Trace" in the log would read as a splat), no budget but times.
echo 0 > "$FA/probability"
echo 0 > "$FA/verbose"
echo N > "$FA/task-filter"
echo 0 > "$FA/space"
echo 1 > "$FA/interval"
echo "$TIMES" > "$FA/times"

traffic_pids=()
stop_traffic() {
	touch "$OUT.stop"
	[ ${#traffic_pids[@]} -eq 0 ] || wait "${traffic_pids[@]}"
	traffic_pids=()
}
trap 'fail_alloc_off; stop_traffic; cell_down; rm -f "$OUT".*' EXIT
rm -f "$OUT".*

# client I: node I's lock traffic until told to stop.  Every dlcell call is
# bounded: a lock request whose messages failed to allocate must still
# end (lease, timeout), and if one never does, timeout ends it and the
# recovery checks below tell.
client() {
	local i="$1"

	while [ ! -e "$OUT.stop" ]; do
		timeout 60 "$DLCELL" -n "dlc$i" count fa-ls "own-$i" \
			"$OUT.own-$i" 5 > /dev/null 2>&1
		timeout 60 "$DLCELL" -n "dlc$i" count fa-ls shared \
			"$OUT.shared-$i" 2 > /dev/null 2>&1
		timeout 60 "$DLCELL" -n "dlc$i" try fa-ls "try-$i" PR \
			> /dev/null 2>&1
		sleep 0.1
	done
}

if ! cell_up 3 || ! leader="$(wait_leader 60000)" ||
   ! ns 1 "$DLCELL" ls-add fa-ls > /dev/null; then
	not_ok "3-node cell formed before failures"
	tap_done
	exit
fi
ok "3-node cell formed before failures (leader $leader)"

for i in 1 2 3; do
	client "$i" &
	traffic_pids+=($!)
done
sleep 2

echo "$PROB" > "$FA/probability"
start=$SECONDS
# A lockspace created and removed: replication and the lock table.
timeout 60 "$DLCELL" -n dlc2 ls-add fa-ls2 > /dev/null 2>&1
sleep $((SECS / 3))
# An election under failures: the leader of the moment is cut off.
leader="$(cell_leader)" || leader="$(node_field 1 leader)"
case "$leader" in
(1|2|3) ;;
(*) leader=1 ;;
esac
echo "# cutting off node $leader's link"
ns "$leader" ip link set eth0 down
sleep $((SECS / 3))
ns "$leader" ip link set eth0 up
timeout 60 "$DLCELL" -n dlc3 ls-del fa-ls2 > /dev/null 2>&1
while [ $((SECONDS - start)) -lt "$SECS" ]; do
	sleep 1
done
fail_alloc_off
injected=$((TIMES - $(cat "$FA/times")))
check "fail_alloc injected $injected allocation failures in $SECS s" \
	[ "$injected" -gt 0 ]
stop_traffic
ok "the clients ended ($((SECONDS - start)) s after failures began)"

# Recovery: a leader all agree on, then a lock served on every node, all
# within RECOVER_S of the failures stopping.
leader_agreed() {
	wait_leader "$((RECOVER_S * 1000))" > /dev/null
}
stopped=$SECONDS
check "the cell agrees on a leader once failures stop" leader_agreed
for i in 1 2 3; do
	served=no
	while [ $((SECONDS - stopped)) -lt "$RECOVER_S" ]; do
		if timeout 30 "$DLCELL" -n "dlc$i" try fa-ls "after-$i" EX \
			> /dev/null 2>&1; then
			served=yes
			break
		fi
		sleep 0.5
	done
	check "node $i serves a lock within $RECOVER_S s of failures stopping" \
		[ "$served" = yes ]
done
echo "# recovered in $((SECONDS - stopped)) s"

# The replicas (issue 7): with the clients gone and failures off, the
# three nodes' lock tables must list the same locks.  A committed command
# whose apply failed for memory on one node used to be skipped there; now
# that node stops and applies it again later, so the tables may differ
# for a while (a replica behind), but not once the cell has settled: the
# dumps must be equal twice in a row, a second apart, within RECOVER_S.
dump() {
	ns "$1" "$DLCELL" locks 2> /dev/null | sort
}
tables_agree() {
	local a b c

	a="$(dump 1)" && b="$(dump 2)" && c="$(dump 3)" &&
		[ "$a" = "$b" ] && [ "$b" = "$c" ]
}
settled=$SECONDS
agreed=no
while [ $((SECONDS - settled)) -lt "$RECOVER_S" ]; do
	if tables_agree && sleep 1 && tables_agree; then
		agreed=yes
		break
	fi
	sleep 1
done
for i in 1 2 3; do
	stalls="$(ns "$i" "$DLCELL" counters apply_stalls 2> /dev/null)"
	echo "# node $i: $(dump "$i" | wc -l) locks listed, ${stalls:-apply_stalls ?}"
	dump "$i" | sed "s/^/#   node $i:/"
done
check "the three nodes' lock tables agree once the cell settles" \
	[ "$agreed" = yes ]

tap_done
