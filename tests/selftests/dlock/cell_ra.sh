#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# cell_ra.sh: an "ra" lockspace (Ricart-Agrawala, core/classic.c) on the
# three voters of a Raft cell.
#
#  1. dlockadm lockspace add NAME algo ra, on every node.
#  2. One uncontended acquire costs 2(n - 1) = 4 messages (ra_request and
#     ra_reply), the release none.
#  3. Six processes over the three nodes each add 1 to a shared counter
#     COUNT_N times under the lock: the total is exact.

CELL_TIMING=${CELL_TIMING:-"election_ms=1000 heartbeat_ms=200 lease_ms=5000 delay_ms=2000"}
source "$(dirname "${BASH_SOURCE[0]}")/cell_lib.sh"

DLOCKADM="$HERE/../../../tools/dlockadm"
COUNT_N=${COUNT_N:-20}
COUNTER_FILE=/tmp/dlc-ra-counter
OUT=/tmp/dlc-ra
trap 'cell_down; rm -f "$COUNTER_FILE" $OUT.*' EXIT

ra_ops() {
	local i
	for i in $(seq 1 "$CELL_N"); do
		ns "$i" "$DLCELL" counters tx_ops.ra_
	done | awk '$1 ~ /^tx_ops\.ra_(request|reply)$/ { s += $2 }
		    END { print s + 0 }'
}

if ! cell_up 3 || ! leader="$(wait_leader 15000)"; then
	not_ok "3-node cell formed"
	tap_done
	exit
fi
ok "3-node cell formed, leader $leader"

added=0
for i in 1 2 3; do
	"$DLOCKADM" -n "dlc$i" lockspace add rals algo ra > "$OUT.add" 2>&1 &&
		added=$((added + 1))
done
check "lockspace add rals algo ra on every node ($added of 3)" \
	[ "$added" -eq 3 ]
"$DLOCKADM" -n dlc1 lockspace add rals algo ra cache on > "$OUT.err" 2>&1
check "an ra lockspace with a cache is refused" \
	grep -q "an ra lockspace has no cache" "$OUT.err"
timeout "$(scaled 30)" "$DLCELL" -n dlc1 hold rals x PR 0 > "$OUT.pr" 2>&1
check "a shared lock in an ra lockspace is refused" \
	eval '! grep -q granted "$OUT.pr"'

before="$(ra_ops)"
timeout "$(scaled 30)" "$DLCELL" -n dlc2 hold rals x EX 0 > "$OUT.one" 2>&1
check "node 2 locks and unlocks x" grep -q released "$OUT.one"
sleep_scaled 500
sent=$(($(ra_ops) - before))
check "acquire + release: 2(n - 1) = 4 messages ($sent)" [ "$sent" -eq 4 ]

echo 0 > "$COUNTER_FILE"
pids=()
for p in $(seq 0 5); do
	ns $((p % 3 + 1)) "$DLCELL" count rals counter "$COUNTER_FILE" \
		"$COUNT_N" &
	pids+=($!)
done
failed=0
for pid in "${pids[@]}"; do
	wait "$pid" || failed=$((failed + 1))
done
check "6 counting processes finished ($failed failed)" [ "$failed" -eq 0 ]
total="$(cat "$COUNTER_FILE")"
check "shared counter is exactly $((6 * COUNT_N)) ($total)" \
	[ "$total" = $((6 * COUNT_N)) ]

tap_done
