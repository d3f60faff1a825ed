#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# cell_lock.sh: locks through /dev/dlock from processes in different network
# namespaces (different nodes) of a 3-node cell: a lockspace is created over
# netlink; an EX lock held on one node makes a NOQUEUE request on another
# fail with EAGAIN and a blocking one wait; fencing tokens grow; killing the
# holder (its fd closes) releases its lock; and 8 processes over the 3 nodes
# each add 1 to a shared counter COUNT_N (LOCK_COUNT_N, default 500) times
# under an EX lock, with an exact total.

# Eight busy processes (or a failover) on a TCG guest that shares the host
# with other VMs can stall a node for a second or more: give sessions room,
# so that what is tested is the locking, not the host's scheduling.
CELL_TIMING=${CELL_TIMING:-"election_ms=1000 heartbeat_ms=200 lease_ms=5000 delay_ms=2000"}
source "$(dirname "${BASH_SOURCE[0]}")/cell_lib.sh"

COUNT_N=${LOCK_COUNT_N:-500}
COUNTER_FILE=/tmp/dlc-counter
OUT=/tmp/dlc-lock
trap 'cell_down; rm -f "$COUNTER_FILE" $OUT.*' EXIT

token_of() {
	sed -n 's/.*token=\([0-9]*\).*/\1/p' "$1" | head -n 1
}

if ! cell_up 3 || ! leader="$(wait_leader 10000)"; then
	not_ok "3-node cell formed"
	tap_done
	exit
fi
ok "3-node cell formed, leader $leader"

check "lockspace created over netlink" ns 1 "$DLCELL" ls-add test
if ns 2 "$DLCELL" ls-add test 2>"$OUT.err"; then
	not_ok "creating it again fails"
else
	check "creating it again fails with EEXIST" grep -q "File exists" "$OUT.err"
fi
if ns 3 "$DLCELL" try nosuchls r EX 2>"$OUT.err"; then
	not_ok "a lock in an unknown lockspace fails"
else
	check "a lock in an unknown lockspace fails with ENOENT" \
		grep -q "No such file" "$OUT.err"
fi

# Node 2 holds r1 for 10 s (checks below must fit in it, even on a slow
# TCG guest; DLOCK_TIME_SCALE times that on a slower kernel); node 3
# cannot have it meanwhile.
ns 2 "$DLCELL" hold test r1 EX $(($(scaled 10000) / 1000)) > "$OUT.h2" 2>&1 &
h2=$!
check "node 2 is granted EX" wait_file "$OUT.h2" granted $(($(scaled 20000) / 1000))
ns 3 "$DLCELL" try test r1 EX > "$OUT.t3" 2>&1
check "node 3's NOQUEUE request fails while node 2 holds it" \
	[ $? -eq 3 ]
ns 1 "$DLCELL" hold test r1 PR 0 > "$OUT.w1" 2>&1 &
w1=$!
sleep 1
check "node 1's blocking PR request waits" \
	eval '! grep -q granted "$OUT.w1"'
ns 3 "$DLCELL" locks test r1 > "$OUT.locks"
sed 's/^/# /' "$OUT.locks"
check "GET_LOCKS shows node 2 holding EX" \
	grep -q "res=r1 node=2 .*mode=5 waiting=0" "$OUT.locks"
check "GET_LOCKS shows node 1 waiting for PR" \
	grep -q "res=r1 node=1 .*req_mode=3 waiting=1" "$OUT.locks"
check "GET_LOCKSPACES lists 'test'" \
	eval 'ns 2 "$DLCELL" lockspaces | grep -q "name=test lvb=64"'
wait "$h2"
check "node 2 unlocked cleanly" [ $? -eq 0 ]
wait "$w1"
check "node 1 is granted after node 2's release" grep -q granted "$OUT.w1"
t2="$(token_of "$OUT.h2")"
t1="$(token_of "$OUT.w1")"
check "fencing token grows ($t2 -> $t1)" [ "${t1:-0}" -gt "${t2:-0}" ]

# Killing a holder closes its fd: the lock goes for the whole cell.
"$DLCELL" -n "dlc1" hold test r2 EX 300 > "$OUT.k1" 2>&1 &
k1=$!
check "node 1 is granted r2" wait_file "$OUT.k1" granted $(($(scaled 20000) / 1000))
kill -9 "$k1"
wait "$k1" 2>/dev/null
timeout $(($(scaled 20000) / 1000)) "$DLCELL" -n "dlc3" hold test r2 EX 0 > "$OUT.k3" 2>&1
check "after SIGKILL of the holder, node 3 is granted r2" grep -q granted "$OUT.k3"

# 8 processes over 3 nodes, COUNT_N increments each, one EX lock.
echo 0 > "$COUNTER_FILE"
pids=()
for p in $(seq 0 7); do
	ns $((p % 3 + 1)) "$DLCELL" count test counter "$COUNTER_FILE" "$COUNT_N" &
	pids+=($!)
done
failed=0
for pid in "${pids[@]}"; do
	wait "$pid" || failed=$((failed + 1))
done
check "8 counting processes finished ($failed failed)" [ "$failed" -eq 0 ]
total="$(cat "$COUNTER_FILE")"
check "shared counter is exactly $((8 * COUNT_N)) ($total)" \
	[ "$total" = $((8 * COUNT_N)) ]

tap_done
