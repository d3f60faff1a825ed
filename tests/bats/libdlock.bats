#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# libdlock as built: its shared-library ABI (soname, versioned exports),
# which needs no module; and tests/unit/lib_module_test (built on the host
# by "make unit"), which skips everything where the module is absent and
# must pass every test, skipping none, where it is loaded (the test VM).

load dlockadm_helpers

LIB_DIR="$DLOCK_REPO/lib"

@test "libdlock.so.0: soname, and exactly the symbols of libdlock.map, as DLOCK_0.1" {
	local so="$LIB_DIR/libdlock.so.0" exported listed

	[ -e "$so" ]
	[[ "$(readelf -d "$so")" == *"Library soname: [libdlock.so.0]"* ]]
	exported="$(nm -D --defined-only "$so" | awk '$2 == "T" { print $3 }' | sort)"
	listed="$(sed -n 's/^[[:space:]]*\(dlock_[a-z_]*\);$/\1@@DLOCK_0.1/p' \
		"$LIB_DIR/libdlock.map" | sort)"
	[ -n "$listed" ]
	if [ "$exported" != "$listed" ]; then
		diff <(echo "$listed") <(echo "$exported") >&2
		return 1
	fi
}

@test "every function declared in dlock.h is exported" {
	local declared name

	declared="$(sed -n 's/^[a-z].*[ *]\(dlock_[a-z_]*\)(.*/\1/p' \
		"$LIB_DIR/dlock.h" | sort -u)"
	[ -n "$declared" ]
	for name in $declared; do
		grep -q "^[[:space:]]*$name;\$" "$LIB_DIR/libdlock.map" || {
			echo "$name is declared in dlock.h but not in libdlock.map" >&2
			return 1
		}
	done
}

@test "dlockadm uses libdlock.so.0 through versioned symbols" {
	local adm="$DLOCK_REPO/tools/dlockadm"

	[[ "$(readelf -d "$adm")" == *"Shared library: [libdlock.so.0]"* ]]
	[[ "$(nm -D --undefined-only "$adm")" == *"dlock_admin_open@DLOCK_0.1"* ]]
}

@test "lib_module_test passes every test with the module loaded" {
	local bin="$DLOCK_REPO/tests/unit/lib_module_test"

	dlock_require_module
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
