#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-multivm.sh: `make jepsen-multivm`, the Jepsen run on a cell of
# separate kernels: MULTIVM_NODES (default 3) qemu guests, one node each
# (tests/multivm/run.sh), tests/jepsen/multivm.sh in every guest.
#
#   JEPSEN_SECONDS  seconds of faults (default 60)
#   JEPSEN_SEED     the nemesis's seed (default: from the clock; printed)
#   JEPSEN_CLIENTS  clients per guest (default 2)
#   MULTIVM_NODES   guests (default 3)
#   JEPSEN_MODULE   the dlock.ko the guests load (default kmod/dlock.ko,
#                   which the make target builds)
#
# Prints every guest's TAP and the checker's summary (ops completed,
# failures by reason, longest unavailability after a heal, violations).
# The run's files (merged history, checker report, per-client histories,
# the register server's logs, the guests' consoles) are copied to
# .build/jepsen/multivm-seed-SEED/, pass or fail; a failing run prints the
# command that replays its fault schedule.

set -uo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$REPO" || exit 2

seconds="${JEPSEN_SECONDS:-60}"
seed="${JEPSEN_SEED:-$(( $(date +%s%N) % 1000000 ))}"
clients="${JEPSEN_CLIENTS:-2}"
nodes="${MULTIVM_NODES:-3}"
ko="${JEPSEN_MODULE:-$REPO/kmod/dlock.ko}"
name=jmv
for v in "$seconds" "$seed" "$clients" "$nodes"; do
	[[ "$v" =~ ^[0-9]+$ ]] || {
		echo "jepsen-multivm: JEPSEN_SECONDS, _SEED, _CLIENTS, MULTIVM_NODES are numbers" >&2
		exit 2
	}
done
[ -r "$ko" ] || { echo "jepsen-multivm: no module $ko (make modules)" >&2; exit 2; }

echo "jepsen-multivm: seed $seed, $seconds s of faults, $nodes guests, $clients clients each"
make -s -C tests/jepsen all || exit 2
make -s -C tests/selftests/dlock dlcell || exit 2

mkdir -p "$REPO/.build/multivm"
start=$SECONDS
bash tests/multivm/run.sh --nodes "$nodes" --name "$name" --module "$ko" \
	--timeout $((seconds * 2 + 900)) -- tests/jepsen/multivm.sh \
	--seconds "$seconds" --seed "$seed" --clients "$clients" \
	> "$REPO/.build/multivm/$name.log" 2>&1
rc=$?
share="$REPO/.build/multivm/$name"
# The guests' TAP, and whether each ended well (run.sh's verdicts).
for i in $(seq 1 "$nodes"); do
	sed "s/^/[guest $i] /" "$share/out.$i" 2>/dev/null | grep -v '^\[guest [0-9]\] guest [0-9] of'
done
grep '^### multivm' "$REPO/.build/multivm/$name.log"
fails=$(cat "$share"/out.* 2>/dev/null | grep -c '^not ok')
echo "jepsen-multivm: $((SECONDS - start)) s wall clock (guests' boot included)"

keep="$REPO/.build/jepsen/multivm-seed-$seed"
rm -rf "$keep"
mkdir -p "$keep"
cp -a "$share/jepsen/." "$keep/" 2>/dev/null
cp -a "$share"/out.* "$share"/vm.*.log "$share/controller.out" "$keep/" 2>/dev/null
if [ -e "$keep/check.txt" ]; then
	echo "jepsen-multivm: history and checker report in $keep"
else
	echo "jepsen-multivm: the run left no checker report (see $keep/vm.*.log)"
	rc=1
fi
if [ "$rc" -ne 0 ] || [ "$fails" -ne 0 ]; then
	echo "jepsen-multivm: FAILED; replay the fault schedule with:"
	echo "  make jepsen-multivm JEPSEN_SEED=$seed JEPSEN_SECONDS=$seconds MULTIVM_NODES=$nodes"
	exit 1
fi
echo "jepsen-multivm: PASS"
