#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vm_profile.sh [DLOCK-BENCH ARGS]: where the CPU goes while dlock-bench
# runs one workload on a 3-node cell (default: tput bench 64 dlc1 dlc2
# dlc3).  The cell has the lockspaces "bench" and, when dlockadm has the
# node cache option, "benchc" with it on.  Run inside the VM:
#
#   tests/vm/run.sh --name bench --module MOD -- tests/bench/vm_profile.sh
#   ... -- tests/bench/vm_profile.sh pair dlc2 benchc cached
#
# Prints `perf report` of the whole VM (kernel and user, by symbol) and
# the cell's message counters per pair, which is what Documentation/
# performance.rst's analysis of the missed targets is based on.

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BENCH="$HERE/dlock-bench"
if [ $# -eq 0 ]; then
	set -- tput bench 64 dlc1 dlc2 dlc3
fi
SECS=${BENCH_SECS:-5}
CELL_TIMING=${BENCH_TIMING:- }
# shellcheck source=../selftests/dlock/cell_lib.sh
source "$HERE/../selftests/dlock/cell_lib.sh"
trap 'cell_down; rm -f /tmp/bench-perf.data' EXIT

command -v perf > /dev/null || { echo "perf not installed" >&2; exit 1; }
echo 0 > /proc/sys/kernel/kptr_restrict
echo -1 > /proc/sys/kernel/perf_event_paranoid

cell_up 3 && leader="$(wait_leader 30000)" || exit 1
ns 1 "$DLCELL" ls-add bench || exit 1
dlockadm -n dlc1 lockspace add benchc cache on 2>/dev/null ||
	echo "# no node cache option: lockspace benchc not made"
sleep 1

ctr_all() {
	local i
	for i in 1 2 3; do
		ns "$i" "$DLCELL" counters
	done | awk '{ s[$1] += $2 } END { for (k in s) print k, s[k] }' | sort
}

ctr_all > /tmp/bench-ctr.before
perf record -a -g -o /tmp/bench-perf.data -- \
	"$BENCH" --secs "$SECS" --iters "${BENCH_ITERS:-2000}" "$@" 2>&1 |
	tee /tmp/bench-perf.out
ctr_all > /tmp/bench-ctr.after
pairs="$(sed -n 's/.* n=\([0-9]*\).*/\1/p' /tmp/bench-perf.out)"
echo "# counters per lock+unlock pair (sum over the 3 nodes, $pairs pairs):"
join /tmp/bench-ctr.before /tmp/bench-ctr.after |
	awk -v n="$pairs" '$3 - $2 > 0 { printf "#   %-32s %10.2f\n", $1, ($3 - $2) / n }'
echo "# perf: top symbols (self), whole VM"
perf report -i /tmp/bench-perf.data --stdio --no-children --sort sym \
	-g none --percent-limit 0.7 2>/dev/null | grep -v '^$' | head -n 60
echo "# perf: by command"
perf report -i /tmp/bench-perf.data --stdio --no-children --sort comm \
	-g none --percent-limit 1 2>/dev/null | grep -v '^#' | grep -v '^$' | head -n 20
