#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# cell_reform.sh: a 5-node cell loses 3 nodes (the leader among them) for
# good and is re-formed from the two survivors (DLOCK_CMD_REFORM, what
# `dlockadm cell reform` sends):
#
#  - re-form is refused while the node reaches a majority, changing nothing;
#  - after the loss it succeeds on a survivor, which leads the new cell;
#  - every lock is revoked: a holder on a survivor gets REVOKED, a lock
#    held on a lost node is free again, and the next grant's fencing token
#    is above every token of the old cell;
#  - the re-formed cell serves: lockspace changes commit, locks are granted.

# A lost node is noticed after the lease time (nothing heard within it), so
# keep it short; the lock delay does not matter here.
CELL_TIMING=${CELL_TIMING:-"election_ms=400 heartbeat_ms=100 lease_ms=2000 delay_ms=800"}
source "$(dirname "${BASH_SOURCE[0]}")/cell_lib.sh"

OUT=/tmp/dlc-reform
trap 'kill $(jobs -p) 2>/dev/null; cell_down; rm -f $OUT.*' EXIT

token_of() {
	sed -n "s/.*$2.*token=\([0-9]*\).*/\1/p" "$1" | head -n 1
}

if ! cell_up 5 || ! leader="$(wait_leader 15000)" ||
   ! ns 1 "$DLCELL" ls-add rf; then
	not_ok "5-node cell formed with a lockspace"
	tap_done
	exit
fi
ok "5-node cell formed, leader $leader"

# Survivors: the two highest ids that are not the leader; the leader and
# the other two are lost.
mapfile -t rest < <(seq 5 -1 1 | grep -vx "$leader")
s1="${rest[0]}" s2="${rest[1]}"
lost=("$leader" "${rest[2]}" "${rest[3]}")

out="$(ns "$s1" "$DLCELL" reform 2>&1)"
rc=$?
check "re-form on a healthy cell is refused: $out" \
	eval '[ $rc -ne 0 ] && [[ "$out" == *busy*leader* ]]'
check "the cell still has its leader ($leader)" \
	eval '[ "$(wait_leader 10000)" = "$leader" ]'

# A holder on a lost node and one on a survivor.
"$DLCELL" -n "dlc${lost[1]}" watch-revoke rf lostres EX 120 > "$OUT.lost" 2>&1 &
"$DLCELL" -n "dlc$s1" watch-revoke rf keepres EX 120 > "$OUT.s1" 2>&1 &
s1pid=$!
check "node ${lost[1]} (to be lost) holds lostres" wait_file "$OUT.lost" granted "$(scaled 20)"
check "node $s1 (survivor) holds keepres" wait_file "$OUT.s1" granted "$(scaled 20)"
if ! grep -q granted "$OUT.lost" || ! grep -q granted "$OUT.s1"; then
	tap_done
	exit
fi
t_lost="$(token_of "$OUT.lost" granted)"
t_s1="$(token_of "$OUT.s1" granted)"

for i in "${lost[@]}"; do
	ns "$i" ip link set eth0 down
done

# Until node s1 has heard nothing from the lost nodes for a lease time,
# it still counts them: poll (each refused attempt changes nothing).
reformed=no
for _ in $(seq 1 "$(scaled 300)"); do
	if out="$(ns "$s1" "$DLCELL" reform 2>&1)"; then
		reformed=yes
		break
	fi
	sleep 0.1
done
check "re-form on survivor $s1 after losing ${lost[*]} (last: $out)" \
	[ "$reformed" = yes ]
l="$(wait_leader 15000 "$s1" "$s2")"
check "both survivors follow node $s1 (leader: ${l:-none})" [ "$l" = "$s1" ]

check "the survivor's holder is told REVOKED" wait_file "$OUT.s1" ^revoked "$(scaled 30)"
wait "$s1pid"
check "its watcher exits 0 on REVOKED" [ $? -eq 0 ]

# Bounded: a cell that does not serve would leave the requests waiting.
timeout "$(scaled 30)" "$DLCELL" -n "dlc$s2" try rf lostres EX > "$OUT.t1" 2>&1
check "the lost node's lock is free: node $s2 takes it" [ $? -eq 0 ]
t_new="$(token_of "$OUT.t1" granted)"
check "its fencing token is above the old holders' ($t_lost, $t_s1 -> $t_new)" \
	eval '[ "${t_new:-0}" -gt "${t_lost:-0}" ] && [ "${t_new:-0}" -gt "${t_s1:-0}" ]'
timeout "$(scaled 30)" "$DLCELL" -n "dlc$s1" try rf keepres EX > "$OUT.t2" 2>&1
check "the survivor's revoked lock is free too" [ $? -eq 0 ]

check "the re-formed cell commits a lockspace change" \
	timeout "$(scaled 30)" "$DLCELL" -n "dlc$s2" ls-add rf2
timeout "$(scaled 30)" "$DLCELL" -n "dlc$s2" try rf2 r EX > /dev/null 2>&1
check "and grants its locks" [ $? -eq 0 ]
rev="$(counter "$s1" revoked)"
check "node $s1 counted its revoked lock ($rev)" [ "${rev:-0}" -ge 1 ]

tap_done
