#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# cache.sh: the node-level grant cache across kernels, in every guest
# (tests/multivm/run.sh; scenarios.sh full runs it after rejoin.sh).  The
# netns kselftest cell_cache.sh runs it with every node in one kernel;
# here the guest that caches and the guest that wants the lock back are
# separate kernels, so the BLOCKING call-back and the give-back cross a
# real (emulated) wire.
#
#  1. A Raft cell (CELL_ID 84) with lockspace "cached" (cache on); F and O
#     are two followers.
#  2. F re-takes one EX lock R times (cell_cache_retake, tokens strictly
#     increasing): no lock request leaves F's node for them (tx_ops.request,
#     cause_ops.acquire and cause_ops.release stay put) and its cache
#     grants them all (cache_grants).
#  3. F holds the lock; O asks for it; F's node must get the cell's
#     BLOCKING (cache_blocked moves) while the holder still holds, and
#     only then does F's holder release.  O must then be granted, its
#     token above F's, F's node must have given the cached grant up
#     (cache_drops moves), and F's next grant must be above O's token.
# Then every guest reloads the module, as after each cell of algos.sh.

MV_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$MV_DIR/../selftests/dlock/cell_lib.sh"
source "$MV_DIR/mv_lib.sh"
source "$MV_DIR/mv_cells.sh"

DLOCKADM="$MV_DIR/../../tools/dlockadm"
RETAKE="$MV_DIR/../selftests/dlock/cell_cache_retake"
R=${MV_RETAKES:-200}
LOG=/tmp/mvcache

mv_script_checks cache.sh
[ -x "$RETAKE" ] || bail "cell_cache_retake built (make -C tests/selftests/dlock)"

# field FILE NAME: NAME=VALUE from cell_cache_retake's line.
field() {
	sed -n "s/.*\\b$2=\\([0-9]*\\).*/\\1/p" "$1"
}

CELL_TIMING="election_ms=1000 heartbeat_ms=200 lease_ms=5000 delay_ms=2000"
CELL_ID=84
cell_form cache
L="$form_leader"
followers=()
for i in $(seq 1 "$MV_NODES"); do
	[ "$i" = "$L" ] || followers+=("$i")
done
F="${followers[0]}"
O="${followers[1]}"
if [ "$me" = 1 ]; then
	"$DLOCKADM" lockspace add cached cache on ||
		bail "lockspace cached added with cache on"
fi
check "lockspace cached known on guest $me" wait_ls cached "$(scaled 60)"
barrier cache-ls || bail "all guests know lockspace cached"

# --- 2. re-takes from the cache ---------------------------------------------
if [ "$me" = "$F" ]; then
	# An NL holder keeps the cell lock in use (an unused cached lock goes
	# back by itself after 10 s, DL_CACHE_IDLE_MS), as cell_cache.sh.
	"$DLCELL" hold cached r NL 3600 > "$LOG.pin" 2>&1 &
	pin=$!
	check "guest $me holds r in NL mode" \
		wait_grep "$LOG.pin" granted "$(scaled 60)"
	"$RETAKE" cached r EX 2 > "$LOG.warm" 2>&1
	check "guest $me takes the cached lock" [ $? -eq 0 ]
	req0="$(my_counter tx_ops.request)"
	acq0="$(my_counter cause_ops.acquire)"
	rel0="$(my_counter cause_ops.release)"
	grants0="$(my_counter cache_grants)"
	"$RETAKE" cached r EX "$R" "$(field "$LOG.warm" last)" > "$LOG.run" 2>&1
	rc=$?
	sed 's/^/# /' "$LOG.run"
	check "guest $me re-takes it $R times, tokens strictly increasing" \
		[ "$rc" -eq 0 ]
	req1="$(my_counter tx_ops.request)"
	acq1="$(my_counter cause_ops.acquire)"
	rel1="$(my_counter cause_ops.release)"
	grants1="$(my_counter cache_grants)"
	echo "# guest $me: requests $req0 -> $req1, acquire $acq0 -> $acq1, release $rel0 -> $rel1, cache grants $grants0 -> $grants1"
	check "no lock request left guest $me for the $R re-takes" \
		[ "$req0/$acq0/$rel0" = "$req1/$acq1/$rel1" ]
	check "guest $me's cache granted all $R" \
		[ $((grants1 - grants0)) -ge "$R" ]
	kill "$pin"
	wait "$pin" 2>/dev/null
	# --- 3. F holds; O's request must call the cached grant back ---------
	blocked0="$(my_counter cache_blocked)"
	drops0="$(my_counter cache_drops)"
	"$DLCELL" hold cached r EX 600 > "$MV_SHARE/cache.f" 2>&1 &
	fpid=$!
	check "guest $me holds r EX again" \
		wait_grep "$MV_SHARE/cache.f" granted "$(scaled 60)"
fi
barrier cache-fheld || bail "guest $F holds r"
if [ "$me" = "$O" ]; then
	"$RETAKE" cached r EX 1 "$(token_of "$MV_SHARE/cache.f")" \
		> "$MV_SHARE/cache.o" 2>&1 &
	opid=$!
elif [ "$me" = "$F" ]; then
	check "guest $me's node is asked for its cached grant back (BLOCKING)" \
		wait_counter_above cache_blocked "$blocked0" "$(scaled 60)"
	check "guest $O is not granted while guest $me holds" \
		eval '! grep -q last= "$MV_SHARE/cache.o" 2>/dev/null'
	kill -USR1 "$fpid"
	wait "$fpid"
	check "guest $me releases r" [ $? -eq 0 ]
fi
if [ "$me" = "$O" ]; then
	wait "$opid"
	rc=$?
	sed 's/^/# /' "$MV_SHARE/cache.o"
	check "guest $me takes r, its token above guest $F's" [ "$rc" -eq 0 ]
	check "guest $me's grant came after guest $F's release" \
		grep -q releasing "$MV_SHARE/cache.f"
fi
barrier cache-taken || bail "guest $O took r"
if [ "$me" = "$F" ]; then
	check "guest $me's node gave the cached grant up" \
		[ "$(my_counter cache_drops)" -gt "$drops0" ]
	"$RETAKE" cached r EX 1 "$(field "$MV_SHARE/cache.o" last)" \
		> "$LOG.again" 2>&1
	check "guest $me takes r again, its token above guest $O's" [ $? -eq 0 ]
fi

reload cache

tap_done
