#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# cell_bully.sh: a 3-node cell electing with Bully, locking through the
# coordinator (core/classic.c); cell_ring.sh runs the same with Ring.
#
#  1. The cell forms and elects the highest id, 3; a running node refuses
#     to change its election.
#  2. A follower's lock + unlock costs the slides' 3 messages: one
#     coord_request, one coord_grant, one coord_release, counted by the
#     nodes themselves.
#  3. An EX lock held on node 1 makes node 2's request wait.
#  4. The coordinator's link goes down: nodes 1 and 2 elect 2, which
#     rebuilds its table from their reports: node 1 still holds, node 2
#     still waits, and when node 1's holder goes, node 2 is granted with a
#     larger fencing token (a later epoch).

ELECTION=${ELECTION:-bully}
# A TCG guest sharing the host with other VMs can stall a node for a second
# or more: roomy timing, so that what is tested is the algorithm.
CELL_TIMING=${CELL_TIMING:-"election=$ELECTION election_ms=1000 heartbeat_ms=200 lease_ms=5000 delay_ms=2000"}
source "$(dirname "${BASH_SOURCE[0]}")/cell_lib.sh"

OUT=/tmp/dlc-$ELECTION
trap 'cell_down; rm -f $OUT.*' EXIT

token_of() {
	sed -n 's/.*token=\([0-9]*\).*/\1/p' "$1" | head -n 1
}

# coord_ops: the cell's coordinator lock messages sent so far
coord_ops() {
	local i
	for i in $(seq 1 "$CELL_N"); do
		ns "$i" "$DLCELL" counters tx_ops.coord_
	done | awk '$1 ~ /^tx_ops\.coord_(request|grant|release)$/ { s += $2 }
		    END { print s + 0 }'
}

if ! cell_up 3 || ! leader="$(wait_leader 20000)"; then
	not_ok "3-node $ELECTION cell formed"
	tap_done
	exit
fi
ok "3-node $ELECTION cell formed, coordinator $leader"
check "the highest id is the coordinator ($leader)" [ "$leader" = 3 ]
check "node 1 speaks $ELECTION (heartbeats to the coordinator)" \
	[ "$(counter 1 "tx_ops.${ELECTION}_heartbeat")" -gt 0 ]
ns 1 "$DLCELL" set election=raft > "$OUT.set" 2>&1
check "a running node refuses another election (extack)" \
	grep -q "election of a running node cannot change" "$OUT.set"

# --- 2. messages per acquire + release ---------------------------------
before="$(coord_ops)"
timeout "$(scaled 30)" "$DLCELL" -n dlc1 hold cl r0 EX 0 > "$OUT.m" 2>&1
check "node 1 locks and unlocks r0" grep -q released "$OUT.m"
sleep_scaled 500
sent=$(($(coord_ops) - before))
check "lock + unlock from a follower: 3 messages ($sent)" [ "$sent" -eq 3 ]

# --- 3. contention -------------------------------------------------------
# held until killed below (its fd closes: the release)
"$DLCELL" -n dlc1 hold cl r EX 300 > "$OUT.h" 2>&1 &
hpid=$!
check "node 1 is granted EX" wait_file "$OUT.h" granted "$(scaled 20)"
"$DLCELL" -n dlc2 hold cl r EX 0 > "$OUT.w" 2>&1 &
wpid=$!
sleep 1
check "node 2 waits for it" eval '! grep -q granted "$OUT.w"'

# --- 4. the coordinator's link goes down --------------------------------
# new_coordinator SECONDS: nodes 1 and 2 agree on one other than 3
new_coordinator() {
	local i l
	for i in $(seq 1 $(($1 * 5))); do
		l="$(cell_leader 1 2)" && [ "$l" != 3 ] && { echo "$l"; return 0; }
		[ $((i % 5)) -eq 0 ] &&
			echo "# $((i / 5)) s: $(ns 1 "$DLCELL" status); $(ns 2 "$DLCELL" status)" >&2
		sleep 0.2
	done
	return 1
}

ip -n dlc3 link set eth0 down
down_at=$SECONDS
if new="$(new_coordinator "$(scaled 40)")"; then
	ok "nodes 1 and 2 follow a new coordinator ($new)"
else
	not_ok "nodes 1 and 2 follow a new coordinator"
fi
echo "# new coordinator after $((SECONDS - down_at)) s"
sed 's/^/# holder: /' "$OUT.h"
sed 's/^/# waiter: /' "$OUT.w"
check "the highest live id, 2, coordinates (${new:-none})" [ "${new:-0}" = 2 ]
check "node 1 still holds r (no revoke, no release)" \
	eval '! grep -q -e released -e revoked "$OUT.h"'
check "node 2 still waits" eval '! grep -q granted "$OUT.w"'
kill "$hpid"
wait "$hpid" 2>/dev/null
check "node 2 is granted once node 1's holder is gone" \
	wait_file "$OUT.w" granted "$(scaled 30)"
wait "$wpid"
th="$(token_of "$OUT.h")"
tw="$(token_of "$OUT.w")"
check "fencing token grows across the failover ($th -> $tw)" \
	[ "${tw:-0}" -gt "${th:-0}" ]
check "and its epoch too ($((${th:-0} >> 32)) -> $((${tw:-0} >> 32)))" \
	[ $((${tw:-0} >> 32)) -gt $((${th:-0} >> 32)) ]
check "the new coordinator rebuilt from reports" \
	[ "$(counter 1 tx_ops.coord_report)" -gt 0 ]

tap_done
