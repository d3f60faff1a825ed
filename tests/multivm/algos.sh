#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# algos.sh: the classic algorithms across separate kernels, run in every
# guest by tests/multivm/run.sh before cell.sh (scenarios.sh runs both in
# one boot).  The netns kselftests cell_bully.sh, cell_ring.sh and
# cell_ra.sh run the same algorithms with every node in one kernel; here
# each guest is one node, with its own clock, scheduler and NIC.
#
# For each of Bully and Ring (a cell of its own, CELL_ID 79 and 80):
#  1. the guests form a cell electing with it and agree on the highest id
#     N as coordinator; the followers send it that election's heartbeats;
#  2. every guest counts K rounds under one EX lock on a counter in the
#     shared directory: the total is exact (N*K) only if no two guests'
#     holds overlapped;
#  3. guest 1 holds EX on r, guest 2 queues on it; the coordinator's guest
#     cuts its links (ip link down on every NIC); the others elect the
#     highest live id, N-1, which rebuilds its table from their reports:
#     guest 1 still holds (no release, no revoke), guest 2 still waits;
#     once guest 1 releases, guest 2 is granted, after the release, with a
#     larger fencing token and a larger epoch.
# Then, a Raft cell (CELL_ID 81) with a Ricart-Agrawala lockspace declared
# on every guest:
#  4. every guest counts K rounds in it: the total is exact;
#  5. guest 1 holds x, guest 2 queues on it, and is granted only after
#     guest 1's release.
# Between the cells every guest unloads the module with its node running
# (rmmod) and loads it again, so each cell starts from fresh nodes (new
# incarnations) on the same addresses and port.

MV_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$MV_DIR/../selftests/dlock/cell_lib.sh"
source "$MV_DIR/mv_lib.sh"
source "$MV_DIR/mv_cells.sh"

DLOCKADM="$MV_DIR/../../tools/dlockadm"
LOG=/tmp/mvalgo

mv_script_checks algos.sh

# classic ALG: steps 1-3 with Bully or Ring, cell id CID.
classic() {
	local alg="$1" coord new i agree hold_ok t1 t2

	CELL_TIMING="election=$alg election_ms=1000 heartbeat_ms=200 lease_ms=5000 delay_ms=2000"
	CELL_ID="$2"
	cell_form "$alg" "$MV_NODES"
	coord="$form_leader"
	check "$alg: the highest id, $MV_NODES, coordinates ($coord)" \
		[ "$coord" = "$MV_NODES" ]
	if [ "$me" = "$coord" ]; then
		check "$alg: the coordinator hears its followers' heartbeats" \
			wait_counter "rx_ops.${alg}_heartbeat" "$(scaled 30)"
	else
		check "guest $me speaks $alg (heartbeats to the coordinator)" \
			wait_counter "tx_ops.${alg}_heartbeat" "$(scaled 30)"
	fi

	count_all "$alg" cl

	# --- a holder, a waiter, and the coordinator's guest cut off --------
	if [ "$me" = 1 ]; then
		"$DLCELL" hold cl r EX 600 > "$MV_SHARE/$alg.h" 2>&1 &
		hpid=$!
		check "$alg: guest 1 is granted EX on r" \
			wait_grep "$MV_SHARE/$alg.h" granted "$(scaled 60)"
	fi
	barrier "$alg-held" || bail "$alg: guest 1 holds r"
	if [ "$me" = 2 ]; then
		"$DLCELL" hold cl r EX 0 > "$MV_SHARE/$alg.w" 2>&1 &
		wpid=$!
		wait_grep "$MV_SHARE/$alg.w" requesting "$(scaled 30)"
		sleep 1
		check "$alg: guest 2 waits for r" \
			eval '! grep -q granted "$MV_SHARE/$alg.w"'
	fi
	barrier "$alg-queued" || bail "$alg: guest 2 queued on r"
	if [ "$me" = "$coord" ]; then
		check "$alg: the coordinator's guest cuts its links" links down
	fi
	barrier "$alg-cut" || bail "$alg: the coordinator is cut off"
	if [ "$me" != "$coord" ]; then
		# The highest live id, N-1, is where the survivors must end
		# up; on the way a guest may follow another for a moment (a
		# Ring hop not acknowledged in time on a loaded host makes a
		# node skip its successor and close the ring without it; the
		# probes then merge the rounds).
		start=$SECONDS
		new=""
		for _ in $(seq 1 "$(scaled 600)"); do
			new="$(my_field leader)"
			[ "$new" = $((MV_NODES - 1)) ] && break
			sleep 0.1
		done
		check "$alg: guest $me follows the highest live id, $((MV_NODES - 1)) ($new, $((SECONDS - start)) s after the cut)" \
			[ "$new" = $((MV_NODES - 1)) ]
		put "$alg-new" "$new"
	fi
	barrier "$alg-reelected" || bail "$alg: survivors re-elected"
	if [ "$me" != "$coord" ]; then
		agree=1
		for i in $(seq 1 "$MV_NODES"); do
			[ "$i" = "$coord" ] && continue
			[ "$(get "$alg-new" "$i")" = "$new" ] || agree=0
		done
		check "$alg: the survivors agree on coordinator $new" \
			[ "$agree" = 1 ]
	fi
	if [ "$me" = 1 ]; then
		hold_ok=0
		kill -0 "$hpid" 2>/dev/null &&
			! grep -q -e releasing -e revoked "$MV_SHARE/$alg.h" &&
			hold_ok=1
		check "$alg: guest 1 still holds r after the failover" \
			[ "$hold_ok" = 1 ]
	elif [ "$me" = 2 ]; then
		check "$alg: guest 2 still waits for r after the failover" \
			eval '! grep -q granted "$MV_SHARE/$alg.w"'
	fi
	barrier "$alg-checked" || bail "$alg: survivors checked r"
	if [ "$me" = 1 ]; then
		# The hold's sleep ends at SIGUSR1: "releasing", then the unlock.
		kill -USR1 "$hpid"
		wait "$hpid"
		check "$alg: guest 1 releases r" [ $? -eq 0 ]
		# Guest 1 is never the new coordinator (N-1 >= 2): it sent
		# its table to the one that rebuilt from the survivors'.
		check "$alg: guest 1 reported its locks to the new coordinator" \
			[ "$(my_counter tx_ops.coord_report)" -gt 0 ]
	elif [ "$me" = 2 ]; then
		check "$alg: guest 2 is granted r once guest 1 releases it" \
			wait_grep "$MV_SHARE/$alg.w" granted "$(scaled 60)"
		check "$alg: guest 2's grant came after guest 1's release" \
			grep -q releasing "$MV_SHARE/$alg.h"
		wait "$wpid"
		t1="$(token_of "$MV_SHARE/$alg.h")"
		t2="$(token_of "$MV_SHARE/$alg.w")"
		check "$alg: the fencing token grows across the failover ($t1 -> $t2)" \
			[ "${t2:-0}" -gt "${t1:-0}" ]
		check "$alg: and its epoch too ($((${t1:-0} >> 32)) -> $((${t2:-0} >> 32)))" \
			[ $((${t2:-0} >> 32)) -gt $((${t1:-0} >> 32)) ]
	fi
	reload "$alg"
}

# ra: steps 4-5, a Ricart-Agrawala lockspace in a Raft cell.
ra() {
	local t

	CELL_TIMING="election_ms=1000 heartbeat_ms=200 lease_ms=5000 delay_ms=2000"
	CELL_ID=81
	cell_form ra
	"$DLOCKADM" lockspace add rals algo ra > "$LOG.add" 2>&1
	check "guest $me: lockspace add rals algo ra" [ $? -eq 0 ]
	barrier ra-added || bail "ra: every guest declared rals"

	count_all ra rals

	if [ "$me" = 1 ]; then
		"$DLCELL" hold rals x EX 600 > "$MV_SHARE/ra.h" 2>&1 &
		hpid=$!
		check "ra: guest 1 is granted x" \
			wait_grep "$MV_SHARE/ra.h" granted "$(scaled 60)"
	fi
	barrier ra-held || bail "ra: guest 1 holds x"
	if [ "$me" = 2 ]; then
		"$DLCELL" hold rals x EX 0 > "$MV_SHARE/ra.w" 2>&1 &
		wpid=$!
		wait_grep "$MV_SHARE/ra.w" requesting "$(scaled 30)"
		sleep 1
		check "ra: guest 2 waits for x" \
			eval '! grep -q granted "$MV_SHARE/ra.w"'
	fi
	barrier ra-queued || bail "ra: guest 2 queued on x"
	if [ "$me" = 1 ]; then
		kill -USR1 "$hpid"
		wait "$hpid"
		check "ra: guest 1 releases x" [ $? -eq 0 ]
	elif [ "$me" = 2 ]; then
		check "ra: guest 2 is granted x once guest 1 releases it" \
			wait_grep "$MV_SHARE/ra.w" granted "$(scaled 60)"
		t=0
		grep -q releasing "$MV_SHARE/ra.h" && t=1
		check "ra: guest 2's grant came after guest 1's release" [ "$t" = 1 ]
		wait "$wpid"
	fi
	reload ra
}

classic bully 79
classic ring 80
ra

tap_done
