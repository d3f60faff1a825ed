#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: the dlock story in one VM, in under two minutes.
#
#   1. a 3-node cell forms in three network namespaces and elects a leader;
#   2. two programs on two different nodes contend for one EX lock: one
#      gets it, the other waits, and is granted with a larger fencing token
#      once the first lets go;
#   3. the leader's link goes down while a lock is held: the two other
#      nodes elect a new leader, and the lock is still held.
#
# tests/vm/demo.sh runs the VM (tests/vm/run.sh) and shows only the story;
# tests/vm/demo.sh --guest is the part that runs inside it.

set -uo pipefail

REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

if [ "${1:-}" != "--guest" ]; then
	cd "$REPO_DIR" || exit 1
	echo "dlock demo: building, then booting a VM (qemu TCG, ~30 s)..."
	make -s modules > /dev/null || { echo "demo: module build failed"; exit 1; }
	make -s -C tests/selftests/dlock dlcell > /dev/null ||
		{ echo "demo: dlcell build failed"; exit 1; }
	# The console carries kernel messages and the runner's own lines too;
	# the story is the lines the guest part prints, all prefixed "| ".
	tests/vm/run.sh --name demo --timeout 300 -- tests/vm/demo.sh --guest |
		sed -n -u 's/^| //p'
	rc=${PIPESTATUS[0]}
	[ "$rc" -eq 0 ] && echo "demo: done" || echo "demo: FAILED ($rc)"
	exit "$rc"
fi

# ---------------------------------------------------------------- guest ---
source "$REPO_DIR/tests/selftests/dlock/cell_lib.sh"
T0=$(date +%s%N)

say() {
	say_at "$(date +%s%N)" "$*"
}

say_at() {	# say_at NS_SINCE_EPOCH TEXT
	printf '| [%6.2fs] %s\n' "$(echo "($1 - $T0) / 1000000000" | bc -l)" "$2"
}

# programs: show the lock programs' lines as the story goes, in the order
# they wrote them to the one pipe they share and at the time they printed
# them (DLCELL_STAMP=LABEL puts "@SEC.NSEC LABEL: " in front of each line),
# not the time this loop got to read them on a busy guest.
programs() {
	local line

	while IFS= read -r line; do
		if [[ "$line" =~ ^@([0-9]+)\.([0-9]{9})\ (.*)$ ]]; then
			say_at "${BASH_REMATCH[1]}${BASH_REMATCH[2]}" \
				"  ${BASH_REMATCH[3]}"
		else
			say "  $line"
		fi
	done
}

status_all() {
	local i
	for i in $(seq 1 "$CELL_N"); do
		say "  dlc$i: $(ns "$i" "$DLCELL" status)"
	done
}

trap cell_down EXIT

say "1. forming a cell: netns dlc1, dlc2, dlc3 on a bridge, 10.77.0.1-3"
cell_up 3 || { say "cell configuration failed"; exit 1; }
if ! leader="$(wait_leader 10000)"; then
	say "no leader!"
	status_all
	exit 1
fi
status_all
say "=> node $leader is the leader"
ns 1 "$DLCELL" ls-add demo || exit 1
say "lockspace 'demo' created"

read -r a b <<< "$(for i in 1 2 3; do [ "$i" = "$leader" ] || echo "$i"; done | xargs)"
say ""
say "2. two programs on nodes $a and $b want EX on demo/report"
# A fifo in a private directory (mktemp -u would only name a file, and
# another process could take the name first).
story_dir="$(mktemp -d)"
mkfifo "$story_dir/story"
programs < "$story_dir/story" &
preader=$!
exec 3> "$story_dir/story"
rm -rf "$story_dir"
DLCELL_STAMP="node $a prog" "$DLCELL" -n "dlc$a" hold demo report EX 4 >&3 2>&1 &
pa=$!
sleep 1.5
DLCELL_STAMP="node $b prog" "$DLCELL" -n "dlc$b" hold demo report EX 20 >&3 2>&1 &
pb=$!
exec 3>&-
wait "$pa"
sleep 2
say ""
say "3. node $b holds the lock; taking the leader's (node $leader) link down"
ns "$leader" ip link set eth0 down
# The survivors follow the old leader until they notice it is gone.
new=""
for _ in $(seq 1 200); do
	new="$(cell_leader "$a" "$b")" && [ "$new" != "$leader" ] && break
	new=""
	sleep 0.1
done
if [ -n "$new" ]; then
	say "=> new leader: node $new"
else
	say "no new leader!"
fi
if ns "$a" "$DLCELL" try demo report EX > /dev/null 2>&1; then
	say "!! node $a could take the lock: it was lost"
else
	say "=> node $a's try-lock fails: node $b still holds the lock"
fi
status_all
wait "$pb"
wait "$preader"
say "story over"
