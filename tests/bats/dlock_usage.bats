#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# dlock(1)'s command line: help, version, and one-line errors with exit 64
# (EX_USAGE) for every mistake; 69 when there is no lock service.  None of
# this needs the module, so this file runs on the host as well as in the VM.

load dlockadm_helpers

# assert_dlock_error CODE REGEX: failed with CODE, nothing on stdout, one
# line "dlock: ..." on stderr matching REGEX.
assert_dlock_error() {
	if [ "$status" -ne "$1" ]; then
		echo "exit status $status, expected $1; stderr: $stderr" >&2
		return 1
	fi
	[ -z "$output" ] || { echo "unexpected stdout: $output" >&2; return 1; }
	if [ "${#stderr_lines[@]}" -ne 1 ] || [[ ! "$stderr" =~ ^dlock:\ .*$2 ]]; then
		echo "stderr '$stderr' is not one line matching 'dlock: .*$2'" >&2
		return 1
	fi
}

@test "dlock --help and -h: usage on stdout, exit 0" {
	for opt in --help -h; do
		dl_run dlock "$opt"
		[ "$status" -eq 0 ]
		[ -z "$stderr" ]
		[[ "${lines[0]}" == "Usage: dlock [-s|-x] [-n] [-w SECONDS]"* ]]
		[[ "$output" == *"DLOCK_TOKEN"* ]]
	done
}

@test "dlock --version names itself and libdlock" {
	dl_run dlock --version
	[ "$status" -eq 0 ]
	[ "$output" = "dlock 0.1.0 (libdlock 0.1.0)" ]
}

@test "dlock: missing operands, one line, exit 64" {
	dl_run dlock
	assert_dlock_error 64 "missing LOCKSPACE and RESOURCE"
	dl_run dlock ls
	assert_dlock_error 64 "missing LOCKSPACE and RESOURCE"
	dl_run dlock ls res
	assert_dlock_error 64 "missing COMMAND"
	dl_run dlock ls res --
	assert_dlock_error 64 "missing COMMAND"
}

@test "dlock: bad options and values, one line, exit 64" {
	dl_run dlock --frob ls res true
	assert_dlock_error 64 "unknown option '--frob'"
	dl_run dlock -s -x ls res true
	assert_dlock_error 64 "-s and -x exclude each other"
	dl_run dlock -n -w 2 ls res true
	assert_dlock_error 64 "-n and -w exclude each other"
	for bad in x -1 1.2345 "" 1e3 4294968; do
		dl_run dlock -w "$bad" ls res true
		assert_dlock_error 64 "invalid wait '$bad'"
	done
	dl_run dlock -w
	assert_dlock_error 64 "option '-w' needs a value"
	for bad in 256 -1 x; do
		dl_run dlock -E "$bad" ls res true
		assert_dlock_error 64 "invalid exit code '$bad' \\(expected 0..255\\)"
	done
	dl_run dlock "" res true
	assert_dlock_error 64 "invalid lockspace ''"
	dl_run dlock "$(printf 'l%.0s' {1..64})" res true
	assert_dlock_error 64 "invalid lockspace"
	dl_run dlock ls "$(printf 'r%.0s' {1..65})" true
	assert_dlock_error 64 "invalid resource"
}

@test "dlock without the module: one line, exit 69, the command not run" {
	if [ -e /dev/dlock ]; then
		skip "the dlock module is loaded here"
	fi
	dl_run dlock ls res touch "$BATS_TEST_TMPDIR/ran"
	assert_dlock_error 69 "dlock module not loaded \\(no /dev/dlock\\)"
	[ ! -e "$BATS_TEST_TMPDIR/ran" ]
}
