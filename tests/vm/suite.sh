#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# suite.sh: the in-VM test suite, run by tests/check.sh as
#   tests/vm/run.sh -- tests/vm/suite.sh
# with dlock.ko loaded and the repo's tools on PATH.  Runs the kselftests,
# then every tests/bats/*.bats with `bats --tap`, each under a
# "# suite: NAME" header so their TAP results can be told apart.  A bats
# file that stops before its plan is complete adds a "not ok" line.  Exits
# non-zero if anything failed.

set -uo pipefail

REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$REPO_DIR" || exit 1

rc=0

echo "# suite: kselftests"
start=$SECONDS
tests/selftests/dlock/run_kselftests.sh || rc=1
echo "# time: kselftests $((SECONDS - start)) s"

shopt -s nullglob
bats_files=(tests/bats/*.bats)
if [ ${#bats_files[@]} -gt 0 ] && ! command -v bats >/dev/null; then
	echo "not ok - bats is not installed (tests/deps.sh)"
	rc=1
	bats_files=()
fi
for f in "${bats_files[@]}"; do
	echo "# suite: bats/$(basename "$f" .bats)"
	start=$SECONDS
	out="$(mktemp)"
	bats --tap "$f" | tee "$out"
	f_rc=${PIPESTATUS[0]}
	plan="$(sed -n 's/^1\.\.\([0-9][0-9]*\)$/\1/p' "$out" | head -n 1)"
	results="$(grep -c -E '^(not )?ok [0-9]+' "$out")"
	failures="$(grep -c -E '^not ok [0-9]+' "$out")"
	rm -f "$out"
	if [ -z "$plan" ]; then
		echo "not ok - $f: bats exited $f_rc without a TAP plan"
	elif [ "$results" -lt "$plan" ]; then
		echo "not ok - $f: bats exited $f_rc after $results of $plan results"
	elif [ "$f_rc" -ne 0 ] && [ "$failures" -eq 0 ]; then
		echo "not ok - $f: bats exited $f_rc although every test passed"
	fi
	[ "$f_rc" -eq 0 ] || rc=1
	echo "# time: $f $((SECONDS - start)) s"
done
exit "$rc"
