#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# rejoin.sh: one guest's node leaves the running cell (rmmod) and joins it
# again (insmod, a new incarnation), in every guest (tests/multivm/run.sh;
# scenarios.sh full runs it after partition.sh).  The netns kselftest
# cell_rmmod.sh unloads the module under all nodes of one kernel at once;
# here one kernel unloads it while the other kernels' nodes go on.
#
#  1. A Raft cell (CELL_ID 83) forms; lockspace rj.
#  2. A follower F holds EX on rj/old; F's guest cuts its links (its
#     release cannot reach the cell), kills the holder, unloads the module
#     (its node torn down with a lock held in the cell's table) and loads
#     it again, links back up.
#  3. F configures a fresh node with the same id and address (a new
#     incarnation) and joins: every guest must then follow one leader.
#  4. Another follower W asks for rj/old: it must be granted (the lock of
#     F's earlier life is gone: the new incarnation or the lease said so)
#     with a larger fencing token, and every guest, F included, counts K
#     rounds on rj/ctr: the total is exact.
# Then every guest reloads the module, as after each cell of algos.sh.

MV_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$MV_DIR/../selftests/dlock/cell_lib.sh"
source "$MV_DIR/mv_lib.sh"
source "$MV_DIR/mv_cells.sh"

LOG=/tmp/mvrejoin
mv_script_checks rejoin.sh

CELL_TIMING="election_ms=1000 heartbeat_ms=200 lease_ms=5000 delay_ms=2000"
CELL_ID=83
cell_form rj
L="$form_leader"
followers=()
for i in $(seq 1 "$MV_NODES"); do
	[ "$i" = "$L" ] || followers+=("$i")
done
F="${followers[0]}"
W="${followers[1]}"
if [ "$me" = 1 ]; then
	"$DLCELL" ls-add rj || bail "lockspace rj added"
fi
check "lockspace rj known on guest $me" wait_ls rj "$(scaled 60)"
[ "$me" != 1 ] || echo 0 > "$MV_SHARE/rj.counter"
barrier rj-ls || bail "all guests know lockspace rj"

# --- 2. F leaves with a lock held ----------------------------------------
if [ "$me" = "$F" ]; then
	"$DLCELL" hold rj old EX 600 > "$MV_SHARE/rj.old" 2>&1 &
	hpid=$!
	check "guest $me (follower) is granted EX on old" \
		wait_grep "$MV_SHARE/rj.old" granted "$(scaled 60)"
	check "guest $me cuts its links" links down
	kill -9 "$hpid"
	wait "$hpid" 2>/dev/null
	check "guest $me: rmmod dlock with its node running and a lock held" \
		rmmod dlock
	check "guest $me: no node left: module gone" \
		eval '! grep -q "^dlock " /proc/modules'
	check "guest $me: the module loads again" insmod "$module"
	check "guest $me heals its links" links up
fi
barrier rj-left || bail "guest $F left the cell"

# --- 3. F joins again ---------------------------------------------------------
if [ "$me" = "$F" ]; then
	# shellcheck disable=SC2046 # the timing is a list of words
	"$DLCELL" set id="$me" cell="$CELL_ID" addr="10.78.0.$me" port=7477 \
		$(cell_timing) || bail "guest $me configures its new node"
	for j in $(seq 1 "$MV_NODES"); do
		[ "$j" != "$me" ] || continue
		"$DLCELL" peer-add id="$j" addr="10.78.0.$j" port=7477 ||
			bail "guest $me adds peer $j"
	done
	"$DLCELL" set key="$CELL_KEY" || bail "guest $me starts its new node"
	ms="$("$DLCELL" wait-leader "$(scaled 60000)")"
	check "guest $me's new node sees a leader (${ms:-none} ms)" [ -n "$ms" ]
fi
barrier rj-joined || bail "guest $F joined again"
# One leader: publish this guest's view until every guest's agrees.
start=$SECONDS
wait_one_leader rj-view
check "after the rejoin all $MV_NODES guests follow one leader (${one:-none}, $((SECONDS - start)) s)" \
	[ -n "$one" ]
barrier rj-one || bail "all guests follow one leader"

# --- 4. the earlier life's lock is gone; the cell serves F again -------------
if [ "$me" = "$W" ]; then
	# Lease 5 s + lock delay 2 s at most, with room for a loaded host.
	timeout "$(scaled 120)" "$DLCELL" hold rj old EX 0 > "$LOG.rjw" 2>&1
	check "guest $me is granted the lock of guest $F's earlier life" \
		grep -q released "$LOG.rjw"
	t1="$(token_of "$MV_SHARE/rj.old")"
	t2="$(token_of "$LOG.rjw")"
	check "its fencing token is larger ($t1 -> $t2)" \
		[ "${t2:-0}" -gt "${t1:-0}" ]
fi
"$DLCELL" count rj ctr "$MV_SHARE/rj.counter" "$K"
check "guest $me: $K rounds on rj/ctr after guest $F rejoined" [ $? -eq 0 ]
barrier rj-counted || bail "all guests counted"
total="$(cat "$MV_SHARE/rj.counter")"
check "counter is $((MV_NODES * K)) after $MV_NODES guests x $K ($total)" \
	[ "$total" = $((MV_NODES * K)) ]

reload rj

tap_done
