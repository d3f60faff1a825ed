#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# cell.sh: the cell scenario of the multi-VM cell, run in every guest by
# tests/multivm/run.sh (use tests/multivm/check.sh, which also merges the
# guests' TAP).  Each guest is one node with its own kernel:
#
#  1. form: every guest configures itself and its peers, then all start;
#     all agree on one leader L.
#  2. exclusion: every guest adds 1 to a counter file in the shared 9p
#     directory K times under one EX lock (read, write back +1): the total
#     is N*K only if no two guests ever held the lock together.
#  3. hand-off: a follower H holds EX; a NOQUEUE try from every other guest
#     fails; they queue, and each is granted only after H's "releasing"
#     line is in the shared directory, with a larger fencing token.
#  4. loss of the leader's guest: L holds a lock D, a follower holds F, the
#     other follower W waits for D.  L asks the host to SIGKILL its qemu
#     (nothing released, no goodbye).  The survivors agree on a new leader,
#     F is still held (W's try fails; F's holder ends it only after that),
#     W is granted D once L's lease has run out, with a larger token, and
#     the survivors serve a new counter.

CELL_TIMING=${CELL_TIMING:-"election_ms=1000 heartbeat_ms=200 lease_ms=5000 delay_ms=2000"}
MV_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$MV_DIR/../selftests/dlock/cell_lib.sh"
source "$MV_DIR/mv_lib.sh"
# shellcheck disable=SC2034 # mv_cell_up (mv_lib.sh) uses it
CELL_ID=78

K=${MV_COUNT:-20}
me=$MV_NODE
LOG=/tmp/mvcell

# A step that cannot go on: report, reach the end, power off.
bail() {
	not_ok "$*"
	tap_done
	exit 1
}

# --- 1. form and elect ---------------------------------------------------
mv_cell_up || bail "guest $me configures its node and peers"
ms="$("$DLCELL" wait-leader 60000)" || bail "guest $me sees a leader"
leader="$(my_field leader)"
put leader "$leader"
ok "guest $me sees leader $leader after ${ms} ms"
barrier elected || bail "all guests reach the election barrier"
agree=1
for i in $(alive); do
	[ "$(get leader "$i")" = "$leader" ] || agree=0
done
check "all $MV_NODES guests agree on leader $leader" [ "$agree" = 1 ]

if [ "$me" = 1 ]; then
	"$DLCELL" ls-add mv || bail "lockspace mv added"
fi
check "lockspace mv known on guest $me" wait_ls mv 60
barrier ls || bail "all guests know lockspace mv"

# --- 2. exclusion across kernels ----------------------------------------
"$DLCELL" count mv ctr "$MV_SHARE/counter" "$K"
check "guest $me: $K EX lock/increment/unlock rounds" [ $? -eq 0 ]
barrier counted || bail "all guests counted"
total="$(cat "$MV_SHARE/counter")"
check "counter is $((MV_NODES * K)) after $MV_NODES guests x $K ($total)" \
	[ "$total" = $((MV_NODES * K)) ]

# --- 3. hand-off between guests ------------------------------------------
followers=()
for i in $(seq 1 "$MV_NODES"); do
	[ "$i" = "$leader" ] || followers+=("$i")
done
holder="${followers[0]}"
waiter="${followers[1]}"
if [ "$me" = "$holder" ]; then
	# Held until every other guest has tried (SIGUSR1 below), however
	# long that takes on a loaded host.
	"$DLCELL" hold mv ho EX 600 > "$MV_SHARE/ho.out" 2>&1 &
	hpid=$!
	check "guest $me (follower) is granted EX on ho" \
		wait_grep "$MV_SHARE/ho.out" granted 60
fi
barrier ho-held || bail "hand-off: holder granted"
if [ "$me" != "$holder" ]; then
	"$DLCELL" try mv ho EX > /dev/null 2>&1
	check "guest $me: NOQUEUE try fails while guest $holder holds ho" \
		[ $? -eq 3 ]
fi
barrier ho-tried || bail "hand-off: all tried"
if [ "$me" = "$holder" ]; then
	# Released once the others wait in the queue (the cell's table, as
	# this node applied it, shows them), so each grant is a hand-off.
	# The hold's sleep ends at SIGUSR1: "releasing", then the unlock.
	check "guest $me sees the $((MV_NODES - 1)) other guests queued on ho" \
		wait_waiters mv ho $((MV_NODES - 1)) 120
	kill -USR1 "$hpid"
	wait "$hpid"
	check "guest $me releases ho" [ $? -eq 0 ]
else
	"$DLCELL" hold mv ho EX 0 > "$LOG.ho" 2>&1
	hrc=$?
	# Checked at once: the holder printed "releasing" before its unlock.
	released=0
	grep -q releasing "$MV_SHARE/ho.out" && released=1
	check "guest $me is granted ho after it waited" [ "$hrc" -eq 0 ]
	check "guest $me's grant came after guest $holder's release" \
		[ "$released" = 1 ]
	t1="$(token_of "$MV_SHARE/ho.out")"
	t2="$(token_of "$LOG.ho")"
	check "guest $me's fencing token is larger ($t1 -> $t2)" \
		[ "${t2:-0}" -gt "${t1:-0}" ]
fi
barrier ho-done || bail "hand-off done"

# --- 4. the leader's guest is lost -----------------------------------------
if [ "$me" = "$leader" ]; then
	"$DLCELL" hold mv dead EX 600 > "$MV_SHARE/dead.out" 2>&1 &
	check "guest $me (leader) is granted EX on dead" \
		wait_grep "$MV_SHARE/dead.out" granted 60
elif [ "$me" = "$holder" ]; then
	# Held until this script ends it, however long the failover takes
	# on a loaded host; the output is shared so the other survivor can
	# tell that the hold is still on when it tries.
	DLCELL_STAMP=fo "$DLCELL" hold mv fo EX 600 > "$MV_SHARE/fo.out" 2>&1 &
	fpid=$!
	check "guest $me (follower) is granted EX on fo" \
		wait_grep "$MV_SHARE/fo.out" granted 60
fi
barrier fo-held || bail "failover: locks held"
if [ "$me" = "$waiter" ]; then
	"$DLCELL" hold mv dead EX 0 > "$LOG.dead" 2>&1 &
	dpid=$!
	sleep 1
	check "guest $me waits for the leader's lock" \
		eval '! grep -q granted "$LOG.dead"'
fi
barrier fo-queued || bail "failover: waiter queued"
if [ "$me" = "$leader" ]; then
	echo "# guest $me: asking the host to kill this guest"
	kill_guest "$me"
	# Not reached: qemu is gone.
	sleep 600
	exit 1
fi
check "the host killed the leader's guest $leader" wait_grep \
	"$MV_SHARE/killed.$leader" killed 120
start=$(date +%s)
new=""
for _ in $(seq 1 600); do
	new="$(my_field leader)"
	[ -n "$new" ] && [ "$new" != 0 ] && [ "$new" != "$leader" ] && break
	new=""
	sleep 0.1
done
[ -n "$new" ] || bail "guest $me sees a new leader after guest $leader's loss"
ok "guest $me sees new leader $new $(($(date +%s) - start)) s after the kill"
put newleader "$new"
barrier reelected || bail "survivors reach the re-election barrier"
agree=1
for i in $(alive); do
	[ "$(get newleader "$i")" = "$new" ] || agree=0
done
check "the $(alive | wc -l) survivors agree on leader $new" [ "$agree" = 1 ]

if [ "$me" = "$waiter" ]; then
	"$DLCELL" try mv fo EX > "$LOG.try" 2>&1
	trc=$?
	check "guest $holder's lock fo is still held after failover (try: $trc)" \
		[ "$trc" -eq 3 ]
	if [ "$trc" -ne 3 ]; then
		sed 's/^/# try: /' "$LOG.try"
		sed 's/^/# fo.out: /' "$MV_SHARE/fo.out"
		echo "# now: $(date +%s.%N)"
		# fo gone with no token bump since the holder's: a release,
		# not an expiry or a lost entry (testing.rst, multi-VM)
		"$DLCELL" locks mv 2>&1 | sed 's/^/# locks: /'
	fi
fi
# The holder ends its hold only once the waiter has tried: ended at once
# after the re-election barrier, its release (the closed fd's
# RELEASE_OWNER) raced the try, and on a quiet host it won: the try was
# granted with the next token, which looked like a second holder.
barrier fo-tried || bail "failover: the waiter tried fo"
if [ "$me" = "$waiter" ]; then
	# Lease 5 s + lock delay 2 s, with room for a loaded TCG host.
	check "guest $me is granted the dead guest's lock after its lease" \
		wait_grep "$LOG.dead" granted 90
	t1="$(token_of "$MV_SHARE/dead.out")"
	t2="$(token_of "$LOG.dead")"
	check "the dead lock's fencing token advanced ($t1 -> $t2)" \
		[ "${t2:-0}" -gt "${t1:-0}" ]
	kill "$dpid" 2>/dev/null
	wait "$dpid" 2>/dev/null
elif [ "$me" = "$holder" ]; then
	# Still running and not released: the hold lasted through the
	# failover and the try, so the try's failure above was its doing.
	alive_hold=0
	kill -0 "$fpid" 2>/dev/null &&
		! grep -q releasing "$MV_SHARE/fo.out" && alive_hold=1
	check "guest $me still holds fo after the failover and the try" \
		[ "$alive_hold" = 1 ]
	echo "@$(date +%s.%N) fo: cell.sh ends the hold (SIGTERM)" \
		>> "$MV_SHARE/fo.out"
	kill "$fpid" 2>/dev/null
	wait "$fpid" 2>/dev/null
fi
barrier survived || bail "survivors checked the locks"

"$DLCELL" count mv ctr2 "$MV_SHARE/counter2" "$K"
check "guest $me: $K rounds on a new resource under leader $new" [ $? -eq 0 ]
barrier counted2 || bail "survivors counted"
n_alive=$(alive | wc -l)
total="$(cat "$MV_SHARE/counter2")"
check "counter2 is $((n_alive * K)) after $n_alive survivors x $K ($total)" \
	[ "$total" = $((n_alive * K)) ]

tap_done
