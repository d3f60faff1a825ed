#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# libdlock against the loaded module: runs tests/unit/lib_module_test (built
# on the host by "make unit"), which skips everything where the module is
# absent, and here must pass every test without skipping any.

load dlockadm_helpers

setup_file() {
	dlock_require_module
}

@test "lib_module_test passes every test with the module loaded" {
	local bin="$DLOCK_REPO/tests/unit/lib_module_test"

	if [ ! -x "$bin" ]; then
		echo "$bin is not built: run 'make unit' on the host first" >&2
		return 1
	fi
	run "$bin"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"# Totals: pass:"*" fail:0 "*" skip:0 error:0"* ]]
	[[ "$output" != *"# Totals: pass:0 "* ]]
}
