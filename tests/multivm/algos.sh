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

DLOCKADM="$MV_DIR/../../tools/dlockadm"
K=${MV_COUNT:-10}
me=$MV_NODE
LOG=/tmp/mvalgo
module="$( [ -r /dlock-vm/job ] && . /dlock-vm/job && echo "$MODULE")"

bail() {
	not_ok "$*"
	tap_done
	exit 1
}

[ -n "$module" ] && [ -f "$module" ] ||
	bail "guest $me: the VM runner's module path (/dlock-vm/job)"
[ "$MV_NODES" -ge 3 ] || bail "algos.sh needs 3 guests or more ($MV_NODES)"

# links up|down: this guest's NICs toward every other guest.  A link
# going down takes its route with it (guest.sh's /32 to the peer): put it
# back, or the guest stays cut off with its links up.
links() {
	local j

	for j in $(seq 1 "$MV_NODES"); do
		[ "$j" != "$me" ] || continue
		ip link set "mv$j" "$1" || return 1
		[ "$1" = up ] || continue
		ip route replace "10.78.0.$j/32" dev "mv$j" \
			src "10.78.0.$me" || return 1
	done
}

# reload TAG: once every guest is done with the cell TAG, unload the
# module under the running node and load it again; links back up; all
# guests reloaded before anyone configures the next cell.
reload() {
	barrier "$1-done" || bail "all guests done with the $1 cell"
	check "guest $me: rmmod dlock with its $1 node running" rmmod dlock
	check "guest $me: the module loads again" insmod "$module"
	links up || bail "guest $me: links up again"
	barrier "$1-reloaded" || bail "all guests reloaded the module"
}

# cell_form TAG [WANT]: configure and start this guest's node (CELL_TIMING,
# CELL_ID set by the caller), wait for a leader (WANT, if given), publish
# it; after the barrier every guest must name the same one.  Sets
# form_leader.  The guests start their nodes at different moments (each
# sets its key when it passes the barrier): with Bully or Ring the first
# ones can elect among themselves before the highest id starts and takes
# over, so a guest's first leader need not be the cell's.
cell_form() {
	local ms l agree=1 i _

	mv_cell_up "$1-" || bail "guest $me configures its $1 node and peers"
	ms="$("$DLCELL" wait-leader "$(scaled 60000)")" ||
		bail "guest $me sees a $1 leader"
	l="$(my_field leader)"
	if [ -n "${2:-}" ]; then
		for _ in $(seq 1 "$(scaled 600)"); do
			[ "$l" = "$2" ] && break
			sleep 0.1
			l="$(my_field leader)"
		done
	fi
	put "$1-leader" "$l"
	ok "guest $me sees $1 leader $l after ${ms} ms"
	barrier "$1-elected" || bail "all guests reach the $1 election barrier"
	for i in $(alive); do
		[ "$(get "$1-leader" "$i")" = "$l" ] || agree=0
	done
	check "all $MV_NODES guests agree on $1 leader $l" [ "$agree" = 1 ]
	form_leader="$l"
}

# my_counter NAME: this node's counter NAME (0 when absent).
my_counter() {
	local name value

	while read -r name value _; do
		[ "$name" = "$1" ] && { echo "${value:-0}"; return; }
	done < <("$DLCELL" counters "$1")
	echo 0
}

# wait_counter NAME SECS: until this node's counter NAME is above 0.
wait_counter() {
	local _

	for _ in $(seq 1 $(($2 * 10))); do
		[ "$(my_counter "$1")" -gt 0 ] && return 0
		sleep 0.1
	done
	return 1
}

# count_all TAG LS: every guest K rounds on LS/ctr, then the exact total.
count_all() {
	local total

	[ "$me" != 1 ] || echo 0 > "$MV_SHARE/$1.counter"
	barrier "$1-zeroed" || bail "the $1 counter is zeroed"
	"$DLCELL" count "$2" ctr "$MV_SHARE/$1.counter" "$K"
	check "guest $me: $K EX lock/increment/unlock rounds ($1)" [ $? -eq 0 ]
	barrier "$1-counted" || bail "all guests counted ($1)"
	total="$(cat "$MV_SHARE/$1.counter")"
	check "$1 counter is $((MV_NODES * K)) after $MV_NODES guests x $K ($total)" \
		[ "$total" = $((MV_NODES * K)) ]
}

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
