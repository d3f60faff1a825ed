#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vm_ab.sh ROUNDS MOD_A MOD_B [DLOCK-BENCH ARGS]: an A/B comparison of two
# builds of the module in one guest, interleaved (A B A B ...), so that
# both see the same host load.  Each turn loads the module, forms a fresh
# 3-node cell with the lockspaces "bench" and "benchc" (node cache on),
# runs the UDP and ioctl floors, then the workload (default: the cached
# re-take on a follower, `pair FOLLOWER benchc cached_follower`; the words
# LEADER and FOLLOWER in the arguments are replaced by those nodes'
# namespaces), and prints the cell's counters per lock+unlock pair.  Run
# inside the VM; the module run.sh loaded is replaced:
#
#   tests/vm/run.sh --name ab --module A.ko -- tests/bench/vm_ab.sh 3 A.ko B.ko
#
# Environment: BENCH_ITERS pairs (default 2000), BENCH_SECS, BENCH_TIMING.

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BENCH="$BENCH_DIR/dlock-bench"
ITERS=${BENCH_ITERS:-2000}
SECS=${BENCH_SECS:-5}
[ -n "${BENCH_TIMING:-}" ] && CELL_TIMING="$BENCH_TIMING"
# shellcheck source=../selftests/dlock/cell_lib.sh
source "$BENCH_DIR/../selftests/dlock/cell_lib.sh"
trap cell_down EXIT

[ $# -ge 3 ] || { echo "usage: vm_ab.sh ROUNDS MOD_A MOD_B [ARGS]" >&2; exit 2; }
rounds="$1"
mods=("$2" "$3")
shift 3
[ $# -gt 0 ] || set -- pair FOLLOWER benchc cached_follower

ctr_all() {
	local i
	for i in 1 2 3; do
		ns "$i" "$DLCELL" counters
	done | awk '{ s[$1] += $2 } END { for (k in s) print k, s[k] }' | sort
}

load() {
	local dep

	if grep -q '^dlock ' /proc/modules; then
		rmmod dlock || return 1
	fi
	for dep in $(modinfo -F depends "$1" | tr ',' ' '); do
		modprobe "$dep" || return 1
	done
	insmod "$1"
}

rc=0
for r in $(seq 1 "$rounds"); do
	for m in 0 1; do
		label="$(printf 'AB' | cut -c$((m + 1)))"
		load "${mods[$m]}" || { echo "# cannot load ${mods[$m]}"; exit 1; }
		cell_up 3 && leader="$(wait_leader 30000)" || exit 1
		follower=$((leader % 3 + 1))
		ns 1 "$DLCELL" ls-add bench || exit 1
		dlockadm -n dlc1 lockspace add benchc cache on || exit 1
		sleep 1
		args=()
		for a in "$@"; do
			case "$a" in
			(LEADER) args+=("dlc$leader") ;;
			(FOLLOWER) args+=("dlc$follower") ;;
			(*) args+=("$a") ;;
			esac
		done
		echo "# round $r $label (${mods[$m]}) leader $leader follower $follower, guest load $(cut -d' ' -f1-3 /proc/loadavg)"
		"$BENCH" --iters "$ITERS" udp "dlc$follower" "dlc$leader" \
			"10.77.0.$leader" | sed "s/^/$label /"
		"$BENCH" --iters "$ITERS" ioctl "dlc$follower" | sed "s/^/$label /"
		ctr_all > /tmp/ab-ctr.before
		"$BENCH" --iters "$ITERS" --secs "$SECS" "${args[@]}" |
			tee /tmp/ab.out | sed "s/^/$label /"
		[ "${PIPESTATUS[0]}" -eq 0 ] || rc=1
		ctr_all > /tmp/ab-ctr.after
		pairs="$(sed -n 's/.* n=\([0-9]*\).*/\1/p' /tmp/ab.out | head -n 1)"
		echo "# $label counters per pair ($pairs pairs, sum over 3 nodes):"
		# a counter first seen after the start counts from 0
		join -a 2 -e 0 -o 0,1.2,2.2 /tmp/ab-ctr.before /tmp/ab-ctr.after |
			awk -v n="${pairs:-1}" \
			'$3 - $2 > 0 { printf "#   %-32s %10.3f\n", $1, ($3 - $2) / n }'
		cell_down
	done
done
exit "$rc"
