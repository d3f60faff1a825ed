#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vm_tput.sh [WORKLOAD...]: the throughput and hand-off parts of
# vm_dlock.sh alone, each followed by the cell's counters per lock+unlock
# pair (sum over the three nodes), and the guest's own ceiling (empty
# ioctls and thread wake-ups per second with 64 threads, no cell).  The
# counters do not depend on the host's load; the rates do.  Run inside
# the VM:
#
#   tests/vm/run.sh --name tput --module kmod/dlock.ko -- tests/bench/vm_tput.sh
#   ... -- tests/bench/vm_tput.sh "handoff 64"     # one workload
#
# A WORKLOAD is "tput N", "handoff N" or "ceiling N".  BENCH_SECS (default
# 5) is the length of each run, BENCH_TIMING the cell timing (default
# cell_lib.sh's, as vm_dlock.sh).

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BENCH="$HERE/dlock-bench"
SECS=${BENCH_SECS:-5}
[ -n "${BENCH_TIMING:-}" ] && CELL_TIMING="$BENCH_TIMING"
# shellcheck source=../selftests/dlock/cell_lib.sh
source "$HERE/../selftests/dlock/cell_lib.sh"
trap 'cell_down' EXIT

if [ $# -eq 0 ]; then
	set -- "ceiling 64" "tput 1" "tput 8" "tput 64" "tput 256" \
		"handoff 8" "handoff 64"
fi

cell_up 3 && leader="$(wait_leader 30000)" || exit 1
ns 1 "$DLCELL" ls-add bench || exit 1
echo "# cell formed, leader $leader"
sleep 1

ctr_all() {
	local i
	for i in 1 2 3; do
		ns "$i" "$DLCELL" counters
	done | awk '{ s[$1] += $2 } END { for (k in s) print k, s[k] }' | sort
}

# What a pair costs the cell, from the counters that matter here.
per_pair() {
	join /tmp/tput-ctr.before /tmp/tput-ctr.after | awk -v n="$1" '
		{ d[$1] = $3 - $2 }
		END {
			if (n <= 0) exit
			printf "#   per pair: datagrams %.2f, APPEND ops %.2f," \
			       " REQUEST ops %.2f, EVENT ops %.2f, retries %.3f," \
			       " duplicate requests %.3f\n",
			       d["tx_datagrams"] / n, d["tx_ops.raft_append"] / n,
			       d["tx_ops.request"] / n, d["tx_ops.event"] / n,
			       d["retries"] / n, d["dup_requests"] / n
			if (d["rx_batches"] > 0)
				printf "#   datagrams per receive batch %.2f\n",
				       d["rx_datagrams"] / d["rx_batches"]
		}'
}

for w in "$@"; do
	read -r kind n <<< "$w"
	if [ "$kind" = ceiling ]; then
		"$BENCH" --secs "$SECS" ceiling "$n" dlc1
		continue
	fi
	ctr_all > /tmp/tput-ctr.before
	out="$("$BENCH" --secs "$SECS" "$kind" bench "$n" dlc1 dlc2 dlc3)"
	echo "$out"
	ctr_all > /tmp/tput-ctr.after
	pairs="$(sed -n 's/.* n=\([0-9]*\).*/\1/p' <<< "$out")"
	per_pair "${pairs:-0}"
done
