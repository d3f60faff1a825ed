#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# cell_rmmod.sh: unloading the module under a live cell is clean.  A
# 3-node cell runs with a lockspace; node 2's link is cut while one of its
# programs holds a lock, and that program is killed, so the lock stays held
# in the others' lock table (the release cannot reach the leader).  Then
# rmmod must succeed with every node still configured and running (each
# namespace's node is torn down by the module's pernet exit), and the
# module loads again (the same file the VM runner loaded) for what follows.
# The VM runner fails the run on any warning in the kernel log.

source "$(dirname "${BASH_SOURCE[0]}")/cell_lib.sh"

trap cell_down EXIT

module="$( [ -r /dlock-vm/job ] && . /dlock-vm/job && echo "$MODULE")"
if [ -z "$module" ] || [ ! -f "$module" ]; then
	echo "ok 1 - rmmod under a live cell # SKIP not in the VM runner"
	echo "1..1"
	exit 0
fi

if ! cell_up 3 || ! leader="$(wait_leader 10000)" ||
   ! ns 1 "$DLCELL" ls-add rm; then
	not_ok "3-node cell formed with a lockspace"
	tap_done
	exit
fi
ok "3-node cell formed, leader $leader"
holder=$((leader % 3 + 1))
"$DLCELL" -n "dlc$holder" hold rm r EX 300 > /tmp/dlc-rm.h 2>&1 &
hpid=$!
for _ in $(seq 1 "$(scaled 100)"); do
	grep -q granted /tmp/dlc-rm.h && break
	sleep 0.1
done
check "node $holder holds a lock" grep -q granted /tmp/dlc-rm.h
ns "$holder" ip link set eth0 down
kill -9 "$hpid"
wait "$hpid" 2>/dev/null
rm -f /tmp/dlc-rm.h
other=$((holder % 3 + 1))
ns "$other" "$DLCELL" try rm r EX > /dev/null 2>&1
check "the lock is still held in the cell (node $other's try fails)" [ $? -eq 3 ]

check "rmmod dlock with the cell running" rmmod dlock
check "no node left behind: module gone" eval '! grep -q "^dlock " /proc/modules'
cell_down
check "the module loads again" insmod "$module"

tap_done
