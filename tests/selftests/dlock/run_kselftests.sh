#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run_kselftests.sh [TEST...]: run the dlock kselftests (default: the
# Makefile's TEST_GEN_PROGS and TEST_PROGS: harness binaries and TAP shell
# scripts) and print their TAP results as they come, one line per test
# case, so tests/check.sh can count them.  A binary that cannot run,
# crashes before reporting all of its plan, or fails with no "not ok" line
# of its own adds a "not ok" line, so no failure goes uncounted.  Exits
# non-zero if anything failed.  Needs root and dlock.ko loaded (the VM).

set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$HERE" || exit 1

# The Makefile is the one list of tests: ask make for it, through a
# throw-away rule read after the Makefile, without building anything.
list_tests() {
	printf 'dlock-list-tests:\n\t@echo $(TEST_GEN_PROGS) $(TEST_PROGS)\n' |
		make -s --no-print-directory -f Makefile -f - dlock-list-tests
}

if [ $# -eq 0 ]; then
	# shellcheck disable=SC2046 # a list of plain file names
	set -- $(list_tests)
	[ $# -gt 0 ] || { echo "not ok - no tests listed by the Makefile"; exit 1; }
fi

rc=0
for t in "$@"; do
	echo "# selftest: $t"
	start=$SECONDS
	if [ ! -x "./$t" ]; then
		echo "not ok - $t: not built"
		rc=1
		continue
	fi
	out="$(mktemp)"
	# The harness prints TAP on stdout and its diagnostics on stderr;
	# both go to the console, and stdout is kept to check the plan.
	"./$t" | tee "$out"
	t_rc=${PIPESTATUS[0]}
	plan="$(sed -n 's/^1\.\.\([0-9][0-9]*\)$/\1/p' "$out" | head -n 1)"
	results="$(grep -c -E '^(not )?ok [0-9]+' "$out")"
	failures="$(grep -c -E '^not ok [0-9]+' "$out")"
	rm -f "$out"
	if [ -z "$plan" ]; then
		echo "not ok - $t: exited $t_rc without a TAP plan"
	elif [ "$results" -lt "$plan" ]; then
		echo "not ok - $t: exited $t_rc after $results of $plan results"
	elif [ "$t_rc" -ne 0 ] && [ "$failures" -eq 0 ]; then
		echo "not ok - $t: exited $t_rc although every case passed"
	fi
	[ "$t_rc" -eq 0 ] || rc=1
	echo "# time: $t $((SECONDS - start)) s"
done
exit "$rc"
