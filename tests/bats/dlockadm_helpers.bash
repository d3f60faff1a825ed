# SPDX-License-Identifier: GPL-2.0
#
# Helpers shared by the dlockadm bats files: the tool under test on PATH,
# a cheap "run", the one-line error contract, JSON field access, and
# throwaway network namespaces (each a separate dlock node).
#
# These files run in a TCG-emulated VM where every fork is costly: bats'
# own "run" takes about 350 ms there, dl_run below 35 ms, and python3 about
# 600 ms to start, so JSON is parsed once per document (json_load).

bats_require_minimum_version 1.5.0

DLOCK_REPO="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
PATH="$DLOCK_REPO/tools:$PATH"
export PATH

# The namespaces a test made, removed by dlock_netns_cleanup.
DLOCK_TEST_NETNS=()

# dlock_netns_add NAME: a new network namespace for this test.
dlock_netns_add() {
	local ns="dlockbats-$$-$1"

	ip netns add "$ns"
	DLOCK_TEST_NETNS+=("$ns")
	echo "$ns"
}

dlock_netns_cleanup() {
	local ns

	for ns in "${DLOCK_TEST_NETNS[@]}"; do
		ip netns del "$ns" 2>/dev/null || true
	done
	DLOCK_TEST_NETNS=()
}

# Fail the whole file with a clear reason when the module is not loaded.
dlock_require_module() {
	if [ ! -e /dev/dlock ]; then
		echo "dlock module not loaded: run this file in the test VM" \
			"(tests/vm/run.sh -- bats $BATS_TEST_FILENAME)" >&2
		return 1
	fi
}

# dl_run CMD [ARG...]: run CMD, leaving its exit code in status, stdout in
# output and lines, stderr in stderr and stderr_lines (as bats' "run
# --separate-stderr" does, without its cost).  Never fails itself.
dl_run() {
	local errfile="$BATS_TEST_TMPDIR/dl_run.stderr"

	output="$("$@" 2> "$errfile")" && status=0 || status=$?
	stderr="$(< "$errfile")"
	lines=()
	stderr_lines=()
	if [ -n "$output" ]; then
		mapfile -t lines <<< "$output"
	fi
	if [ -n "$stderr" ]; then
		mapfile -t stderr_lines <<< "$stderr"
	fi
	return 0
}

# assert_one_line_error CODE REGEX: after dl_run, the command failed with
# exit CODE, wrote nothing on stdout and exactly one line on stderr,
# "dlockadm: ..." matching REGEX.
assert_one_line_error() {
	local code="$1" regex="$2"

	if [ "$status" -ne "$code" ]; then
		echo "exit status $status, expected $code; stderr: $stderr" >&2
		return 1
	fi
	if [ -n "$output" ]; then
		echo "unexpected stdout: $output" >&2
		return 1
	fi
	if [ "${#stderr_lines[@]}" -ne 1 ]; then
		echo "expected one line on stderr, got ${#stderr_lines[@]}:" >&2
		echo "$stderr" >&2
		return 1
	fi
	if [[ ! "$stderr" =~ ^dlockadm:\ .*$regex ]]; then
		echo "stderr '$stderr' does not match 'dlockadm: .*$regex'" >&2
		return 1
	fi
}

# assert_error_line CODE TEXT: as assert_one_line_error, the line being
# exactly "dlockadm: TEXT".
assert_error_line() {
	assert_one_line_error "$1" "" || return 1
	if [ "$stderr" != "dlockadm: $2" ]; then
		echo "stderr '$stderr' is not 'dlockadm: $2'" >&2
		return 1
	fi
}

# json_load <<< JSON: check that the input is one valid JSON object and set
# J_<key> to each member's value as JSON text ("a" with its quotes for a
# string), and J_KEYS to the sorted keys, space-separated.  Fails on
# anything else.
json_load() {
	local assignments

	assignments="$(python3 -c '
import json, shlex, sys
doc = json.load(sys.stdin)
if not isinstance(doc, dict):
    sys.exit("not a JSON object")
for key, value in doc.items():
    if not (key.isascii() and key.isidentifier()):
        sys.exit("key %r is not a shell name" % key)
    print("J_%s=%s" % (key, shlex.quote(json.dumps(value))))
print("J_KEYS=%s" % shlex.quote(" ".join(sorted(doc))))
')" || return 1
	eval "$assignments"
}

# table_value LABEL <<< TABLE: the value on the line labelled LABEL.
table_value() {
	local label="$1" line

	while IFS= read -r line; do
		if [[ "$line" =~ ^$label\ +(.*)$ ]]; then
			echo "${BASH_REMATCH[1]}"
			return 0
		fi
	done
	return 1
}
