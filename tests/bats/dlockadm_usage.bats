#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# dlockadm's command line: help at every level, and one-line errors with
# exit 2 for every mistake.  None of this needs the module, so this file
# runs on the host as well as in the test VM.

load dlockadm_helpers

@test "--help, -h and help print the usage on stdout and exit 0" {
	for args in "--help" "-h" "help" "help help"; do
		# shellcheck disable=SC2086
		dl_run dlockadm $args
		[ "$status" -eq 0 ]
		[ -z "$stderr" ]
		[[ "${lines[0]}" == "Usage: dlockadm [OPTIONS] COMMAND [ARGS...]" ]]
		[[ "$output" == *"  status "* ]]
		[[ "$output" == *"  node "* ]]
		[[ "$output" == *"  version "* ]]
	done
}

@test "every command has its own help" {
	for args in "version -h" "version --help" "version help" "help version" \
		    "status -h" "status --help" "help status" \
		    "node -h" "node --help" "node help" "help node" \
		    "node set -h" "node set --help" "node set help"; do
		# shellcheck disable=SC2086
		dl_run dlockadm $args
		[ "$status" -eq 0 ]
		[ -z "$stderr" ]
		# The usage names the command: the first word, or the
		# second after "help".
		set -- $args
		[[ "${lines[0]}" == "Usage: dlockadm "*" ${1/help/$2}"* ]] || {
			echo "args '$args': ${lines[0]}" >&2
			return 1
		}
	done
}

@test "help after global options" {
	dl_run dlockadm -j -n somewhere --help
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "Usage: dlockadm"* ]]
}

@test "unknown command: one line, exit 2" {
	dl_run dlockadm foo
	assert_error_line 2 "unknown command 'foo' (try 'dlockadm help')"
}

@test "help for an unknown command: one line, exit 2" {
	dl_run dlockadm help foo
	assert_one_line_error 2 "unknown command 'foo'"
}

@test "no command: one line, exit 2" {
	dl_run dlockadm
	assert_one_line_error 2 "missing command"
	dl_run dlockadm -j
	assert_one_line_error 2 "missing command"
}

@test "unknown global option: one line, exit 2" {
	dl_run dlockadm --frobnicate status
	assert_one_line_error 2 "unknown option '--frobnicate'"
}

@test "-n without a name, or with a bad name: one line, exit 2" {
	dl_run dlockadm -n
	assert_one_line_error 2 "needs a network namespace name"
	dl_run dlockadm -n ../x status
	assert_one_line_error 2 "invalid network namespace name '../x'"
	dl_run dlockadm --netns= status
	assert_one_line_error 2 "invalid network namespace name ''"
}

@test "unknown arguments to commands: one line, exit 2" {
	dl_run dlockadm status extra
	assert_one_line_error 2 "unexpected argument 'extra' to 'status'"
	dl_run dlockadm version --bogus
	assert_one_line_error 2 "unknown option '--bogus' to 'version'"
	dl_run dlockadm node
	assert_one_line_error 2 "'node' needs a subcommand"
	dl_run dlockadm node frob
	assert_one_line_error 2 "unknown node command 'frob'"
	dl_run dlockadm node set
	assert_one_line_error 2 "'node set' needs a SETTING and its VALUE"
	dl_run dlockadm node set id 3 colour blue
	assert_one_line_error 2 "unexpected argument 'colour' to 'node'"
}

@test "bad numbers for node set: one line, exit 2" {
	for bad in abc 0 -1 +1 "" 4294967296 0x100000000 1x 010 " 1"; do
		dl_run dlockadm node set id "$bad"
		assert_error_line 2 "invalid node id '$bad' (expected 1..4294967295)"
	done
	dl_run dlockadm node set id 1 cell abc
	assert_error_line 2 "invalid cell id 'abc' (expected 0..4294967295)"
	dl_run dlockadm node set id
	assert_one_line_error 2 "'id' needs a node id"
	dl_run dlockadm node set id 1 id 2
	assert_one_line_error 2 "'id' given twice"
}

@test "a usage error is reported before the namespace is entered" {
	dl_run dlockadm -n does-not-exist node set id abc
	assert_one_line_error 2 "invalid node id 'abc'"
}

@test "without the module: status says so in one line, exit 1" {
	if [ -e /dev/dlock ]; then
		skip "the dlock module is loaded here"
	fi
	dl_run dlockadm status
	assert_one_line_error 1 "dlock module not loaded"
	dl_run dlockadm node set id 3
	assert_one_line_error 1 "dlock module not loaded"
}

@test "without the module: version says 'not loaded' and succeeds" {
	if [ -e /dev/dlock ]; then
		skip "the dlock module is loaded here"
	fi
	dl_run dlockadm version
	[ "$status" -eq 0 ]
	[ "$(table_value module <<< "$output")" = "not loaded" ]
	dl_run dlockadm --json version
	[ "$status" -eq 0 ]
	json_load <<< "$output"
	[ "$J_module_loaded" = false ]
	[ "$J_module_abi" = null ]
}

@test "a namespace that does not exist: one line, exit 1" {
	dl_run dlockadm -n dlockbats-no-such-ns status
	assert_one_line_error 1 "cannot open network namespace 'dlockbats-no-such-ns': No such file or directory"
}

@test "output that cannot be written: one line, exit 1" {
	dl_run sh -c 'exec dlockadm help > /dev/full'
	assert_error_line 1 "cannot write output: No space left on device"
	dl_run sh -c 'exec dlockadm --json version > /dev/full'
	assert_error_line 1 "cannot write output: No space left on device"
}
