#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vm3.sh MODULE OUT: the 3-VM part of `make bench` (tests/bench/run.sh runs
# it).  Boots three guests joined by tests/multivm/run.sh's private links,
# runs tests/bench/vm3_bench.sh in each (fs/dlm, then dlock, on the same
# three kernels) and writes every result line the guests printed to OUT.
# The guests' logs stay in .build/multivm/bench3/.
#
# Environment: BENCH3_MEM (per guest, default 768M), and those of
# vm3_bench.sh (BENCH_ITERS, BENCH_SECS, BENCH3_LOCKS, BENCH3_MEM_SECS,
# BENCH3_SKIP_DLM, BENCH_TIMING).

REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
module="${1:?usage: vm3.sh MODULE OUT}"
out="${2:?usage: vm3.sh MODULE OUT}"
share="$REPO_DIR/.build/multivm/bench3"

make -s -C "$REPO_DIR/tests/multivm" || exit 1
pass_env=()
for v in BENCH_ITERS BENCH_SECS BENCH3_LOCKS BENCH3_MEM_SECS BENCH3_SKIP_DLM \
	 BENCH_TIMING; do
	[ -n "${!v:-}" ] && pass_env+=("$v=${!v}")
done
bash "$REPO_DIR/tests/multivm/run.sh" --nodes 3 --name bench3 \
	--module "$module" --mem "${BENCH3_MEM:-768M}" --timeout 1800 \
	-- "$REPO_DIR/tests/bench/vm3_bench.sh" "${pass_env[@]}"
rc=$?
cat "$share"/out.? 2>/dev/null | grep '^{' > "$out"
grep -h '^# vm3' "$share"/out.? 2>/dev/null
if [ "$rc" -ne 0 ]; then
	echo '{"kind":"error","system":"dlock3","label":"vm3.sh"}' >> "$out"
fi
exit "$rc"
