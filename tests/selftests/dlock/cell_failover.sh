#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# cell_failover.sh: failures of a 3-node cell.
#
#  1. Leader failover: a follower holds an EX lock and the other follower
#     waits for it; the leader's link goes down.  The two survivors elect a
#     new leader, the holder still holds (a NOQUEUE try still fails), and
#     when it releases, the waiter is granted with a larger fencing token.
#  2. Lease loss: a node holding a lock is cut off.  Its lease runs out, the
#     cell releases its lock after the lock delay, and a waiter elsewhere is
#     granted with a larger fencing token.

# Eight busy processes (or a failover) on a TCG guest that shares the host
# with other VMs can stall a node for a second or more: give sessions room,
# so that what is tested is the locking, not the host's scheduling.
CELL_TIMING=${CELL_TIMING:-"election_ms=1000 heartbeat_ms=200 lease_ms=5000 delay_ms=2000"}
source "$(dirname "${BASH_SOURCE[0]}")/cell_lib.sh"

OUT=/tmp/dlc-fail
trap 'cell_down; rm -f $OUT.*' EXIT

token_of() {
	sed -n 's/.*token=\([0-9]*\).*/\1/p' "$1" | head -n 1
}

others() {
	local i
	for i in $(seq 1 "$CELL_N"); do
		[ "$i" = "$1" ] || echo "$i"
	done
}

# --- 1. the leader's link goes down -----------------------------------
if ! cell_up 3 || ! leader="$(wait_leader 10000)" ||
   ! ns 1 "$DLCELL" ls-add fo; then
	not_ok "3-node cell formed with a lockspace"
	tap_done
	exit
fi
ok "3-node cell formed, leader $leader"
read -r holder waiter <<< "$(others "$leader" | xargs)"

"$DLCELL" -n "dlc$holder" hold fo r EX $(($(scaled 25000) / 1000)) > "$OUT.h" 2>&1 &
hpid=$!
check "node $holder (follower) is granted EX" wait_file "$OUT.h" granted $(($(scaled 20000) / 1000))
"$DLCELL" -n "dlc$waiter" hold fo r EX 0 > "$OUT.w" 2>&1 &
wpid=$!
sleep 1
check "node $waiter waits for it" eval '! grep -q granted "$OUT.w"'

ns "$leader" ip link set eth0 down
# The survivors go on following the old leader until they notice it is
# gone: wait (30 s at most, scaled) for them to agree on another one.
new=""
for _ in $(seq 1 "$(scaled 300)"); do
	new="$(cell_leader "$holder" "$waiter")" && [ "$new" != "$leader" ] && break
	new=""
	sleep 0.1
done
if [ -n "$new" ]; then
	ok "survivors elect a new leader ($leader -> $new)"
else
	not_ok "survivors elect a new leader"
fi
ns "$waiter" "$DLCELL" try fo r EX > /dev/null 2>&1
check "the lock is still held after failover (NOQUEUE fails)" [ $? -eq 3 ]
check "the waiter is still waiting" eval '! grep -q granted "$OUT.w"'

wait "$hpid"
check "the holder unlocks cleanly through the new leader" [ $? -eq 0 ]
wait "$wpid"
check "the waiter is granted" grep -q granted "$OUT.w"
t1="$(token_of "$OUT.h")"
t2="$(token_of "$OUT.w")"
check "its fencing token is larger ($t1 -> $t2)" [ "${t2:-0}" -gt "${t1:-0}" ]
cell_down

# --- 2. a lock holder loses its lease -------------------------------
if ! cell_up 3 || ! leader="$(wait_leader 10000)" ||
   ! ns 1 "$DLCELL" ls-add ll; then
	not_ok "second cell formed with a lockspace"
	tap_done
	exit
fi
read -r holder waiter <<< "$(others "$leader" | xargs)"
"$DLCELL" -n "dlc$holder" hold ll r EX $(($(scaled 60000) / 1000)) > "$OUT.lh" 2>&1 &
hpid=$!
check "node $holder is granted EX" wait_file "$OUT.lh" granted $(($(scaled 20000) / 1000))
"$DLCELL" -n "dlc$waiter" hold ll r EX 0 > "$OUT.lw" 2>&1 &
wpid=$!
sleep 1
ns "$holder" ip link set eth0 down
# Lease 5 s + lock delay 2 s (above), with slack for TCG; all of it
# DLOCK_TIME_SCALE times longer on a slower kernel.
check "after node $holder's lease is lost, node $waiter is granted" \
	wait_file "$OUT.lw" granted $(($(scaled 45000) / 1000))
t1="$(token_of "$OUT.lh")"
t2="$(token_of "$OUT.lw")"
check "the fencing token advanced ($t1 -> $t2)" [ "${t2:-0}" -gt "${t1:-0}" ]
lost="$(counter "$holder" leases_lost)"
check "node $holder counted its lost lease ($lost)" [ "${lost:-0}" -ge 1 ]
kill "$hpid" 2>/dev/null
wait "$hpid" "$wpid" 2>/dev/null

tap_done
