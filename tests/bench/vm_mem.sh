#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vm_mem.sh: the memory part of the dlock benchmark, inside the VM with the
# module loaded.  vm_dlock.sh runs it as its memory step; it also runs
# alone, for whoever works on memory:
#
#   tests/vm/run.sh --name mem --mem 4G --append slab_nomerge \
#       --module kmod/dlock.ko -- tests/bench/vm_mem.sh
#
# Forms a fresh 3-node cell of network namespaces with the memory timing,
# creates lockspace "mem" and runs `dlock-bench memory` on the leader's
# node: BENCH_LOCKS EX locks held (default 1000000), taken within
# BENCH_MEM_SECS (default 300).  Then lists the lockspaces (every lock
# must be gone) and the node's counters.  One JSON result line on stdout.
#
# slab_nomerge on the kernel command line keeps the lock table's caches
# (dlock_lt_*, dlock_local_lock) under their own names in /proc/slabinfo,
# so that the per-replica figure can be told from the rest; without it the
# totals are the same and the split may be missing.

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BENCH="$HERE/dlock-bench"
LOCKS=${BENCH_LOCKS:-1000000}
MEM_SECS=${BENCH_MEM_SECS:-300}
MEM_TIMING=${BENCH_MEM_TIMING:-"election_ms=1000 heartbeat_ms=300 lease_ms=10000 delay_ms=2000"}
# shellcheck source=../selftests/dlock/cell_lib.sh
source "$HERE/../selftests/dlock/cell_lib.sh"

trap 'cell_down' EXIT

CELL_TIMING="$MEM_TIMING"
if ! cell_up 3 || ! leader="$(wait_leader 30000)" ||
   ! ns 1 "$DLCELL" ls-add mem; then
	echo "vm_mem: the memory cell did not form" >&2
	exit 1
fi
echo "# memory cell timing: $CELL_TIMING"
grep -q slab_nomerge /proc/cmdline ||
	echo "# memory: caches may be merged (no slab_nomerge): the per-replica split may be missing"
sleep 1
"$BENCH" --json --mem-secs "$MEM_SECS" memory mem "dlc$leader" "$LOCKS" 3
for i in 1 2 3; do
	ns "$i" "$DLCELL" lockspaces | sed "s/^/# after release, node $i: /"
done
# What the lock table's caches hold a while later (every replica applied
# the release, the idle compaction ran): should be nothing.
sleep 20
grep '^dlock_' /proc/slabinfo | awk '{ printf "# 20 s later: %s %d objects of %d B\n", $1, $2, $4 }'
