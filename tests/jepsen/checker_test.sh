#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# checker_test.sh: jepsen_check on crafted histories (histories/*.hist),
# one TAP result each.  A history's first line says what the checker must
# find: "# expect: none" (it passes, exit 0, no violation) or
# "# expect: KIND" (it fails, exit 1, with a "VIOLATION KIND:" line).  So
# every kind of violation is shown to be caught, and the faults a correct
# cell goes through (a revoked holder overlapping its successor, a crash
# cutting an op short) are shown not to be.

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CHECK="$HERE/jepsen_check"
n=0
failed=0

result() {		# result OK? DESCRIPTION
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		failed=$((failed + 1))
		echo "not ok $n - $2"
	fi
}

if [ ! -x "$CHECK" ]; then
	echo "not ok 1 - $CHECK is built"
	echo "1..1"
	exit 1
fi

for f in "$HERE"/histories/*.hist; do
	name="$(basename "$f" .hist)"
	expect="$(sed -n '1s/^# expect: //p' "$f")"
	out="$("$CHECK" "$f" 2>&1)"
	rc=$?
	if [ -z "$expect" ]; then
		result 1 "$name: has an '# expect:' first line"
	elif [ "$expect" = none ]; then
		result "$([ "$rc" -eq 0 ] && echo 0 || echo 1)" \
			"$name: no violation"
	else
		flagged=1
		grep -q "^VIOLATION $expect: " <<< "$out" && flagged=0
		result "$([ "$rc" -eq 1 ] && [ "$flagged" -eq 0 ] && echo 0 || echo 1)" \
			"$name: flagged as $expect"
	fi
	[ "$rc" -eq 0 ] || [ "$expect" != none ] || sed 's/^/# /' <<< "$out"
done

# The overlap the clock allowance excused is counted, not silently lost.
"$CHECK" "$HERE/histories/good_clock_overlap.hist" 2>&1 |
	grep -q '; 1 overlaps of logged times within 2E not counted$'
result $? "good_clock_overlap: the excused overlap is reported"

# Usage and input errors are errors (2), never a pass.
"$CHECK" > /dev/null 2>&1
result "$([ $? -eq 2 ] && echo 0 || echo 1)" "no history: usage error"
"$CHECK" "$HERE/histories/no-such-file" > /dev/null 2>&1
result "$([ $? -eq 2 ] && echo 0 || echo 1)" "unreadable history: error"
printf '12 c1 1 invoke lock\n' > "${TMPDIR:-/tmp}/jepsen-short.$$"
"$CHECK" "${TMPDIR:-/tmp}/jepsen-short.$$" 2>&1 | grep -q '^VIOLATION malformed: '
result $? "a truncated line is malformed"
rm -f "${TMPDIR:-/tmp}/jepsen-short.$$"

echo "1..$n"
[ "$failed" -eq 0 ]
