#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-vm.sh: `make jepsen`.  Builds a private copy of the module (under
# .build/jepsen/, so it does not touch kmod/'s objects), the workload client,
# the checker and the cell helper, boots the test VM once and runs
# tests/jepsen/jepsen.sh in it on a 5-node cell.
#
#   JEPSEN_SECONDS  seconds of faults (default 300)
#   JEPSEN_SEED     the nemesis's seed (default: from the clock; printed)
#   JEPSEN_NODES, JEPSEN_CLIENTS  cell size, clients per node (5, 2)
#   JEPSEN_MODULE   a dlock.ko to use instead of building one
#   KDIR            kernel headers to build against (as the Makefile's)
#
# The run's files (merged history, checker report, per-client histories,
# register logs) are copied to .build/jepsen/seed-SEED/, pass or fail; a
# failing run prints the command that replays its fault schedule.

set -uo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$REPO" || exit 2

seconds="${JEPSEN_SECONDS:-300}"
seed="${JEPSEN_SEED:-$(( $(date +%s%N) % 1000000 ))}"
nodes="${JEPSEN_NODES:-5}"
clients="${JEPSEN_CLIENTS:-2}"
: "${KDIR:=$(ls -d /usr/src/linux-headers-6.1.*-amd64 2>/dev/null | sort -V | tail -n 1)}"
for v in "$seconds" "$seed" "$nodes" "$clients"; do
	[[ "$v" =~ ^[0-9]+$ ]] || {
		echo "jepsen: JEPSEN_SECONDS, _SEED, _NODES, _CLIENTS are numbers" >&2
		exit 2
	}
done

echo "jepsen: seed $seed, $seconds s of faults, $nodes nodes"
make -s -C tests/jepsen all || exit 2
make -s -C tests/selftests/dlock dlcell || exit 2

ko="${JEPSEN_MODULE:-}"
if [ -z "$ko" ]; then
	mod="$REPO/.build/jepsen/mod"
	rm -rf "$mod"
	mkdir -p "$mod"
	rsync -a --exclude='*.o' --exclude='*.ko' --exclude='*.mod' \
		--exclude='*.mod.c' --exclude='.*.cmd' --exclude='*.cmd' \
		--exclude='modules.order' --exclude='Module.symvers' \
		Kbuild kmod uapi "$mod/" || exit 2
	make -s -C "$KDIR" M="$mod" -j2 modules > "$REPO/.build/jepsen/build.log" 2>&1 || {
		cat "$REPO/.build/jepsen/build.log"
		exit 2
	}
	ko="$mod/kmod/dlock.ko"
fi

bash tests/vm/run.sh --name jepsen --module "$ko" \
	--timeout $((seconds * 2 + 600)) -- \
	tests/jepsen/jepsen.sh --seconds "$seconds" --seed "$seed" \
	--nodes "$nodes" --clients "$clients"
rc=$?

keep="$REPO/.build/jepsen/seed-$seed"
rm -rf "$keep"
mkdir -p "$REPO/.build/jepsen"
if [ -d "$REPO/.build/vm/run-jepsen/jepsen" ] &&
   cp -a "$REPO/.build/vm/run-jepsen/jepsen" "$keep"; then
	echo "jepsen: history and checker report in $keep"
else
	echo "jepsen: the run left no history (see the VM's output above)"
fi
if [ "$rc" -ne 0 ]; then
	echo "jepsen: FAILED; replay the fault schedule with:"
	echo "  make jepsen JEPSEN_SEED=$seed JEPSEN_SECONDS=$seconds"
fi
exit "$rc"
