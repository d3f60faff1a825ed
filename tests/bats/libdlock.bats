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

@test "make install: headers, library, pkg-config file, tools and man pages under DESTDIR/PREFIX; a program builds against them" {
	local d="$BATS_TEST_TMPDIR/root" p=/opt/dl f

	make -s -C "$DLOCK_REPO/lib" install DESTDIR="$d" PREFIX="$p" > /dev/null
	make -s -C "$DLOCK_REPO/tools" install DESTDIR="$d" PREFIX="$p" > /dev/null
	for f in include/dlock.h lib/libdlock.so.0.1.0 lib/libdlock.so.0 \
		 lib/libdlock.so lib/libdlock.a lib/pkgconfig/libdlock.pc \
		 sbin/dlockadm bin/dlock share/man/man1/dlock.1 \
		 share/man/man3/libdlock.3 share/man/man8/dlockadm.8; do
		[ -e "$d$p/$f" ] || { echo "missing $p/$f" >&2; return 1; }
	done
	grep -qx "prefix=$p" "$d$p/lib/pkgconfig/libdlock.pc"
	grep -qx "libdir=$p/lib" "$d$p/lib/pkgconfig/libdlock.pc"
	cat > "$BATS_TEST_TMPDIR/prog.c" <<-'EOF_C'
	#include <stdio.h>
	#include <dlock.h>

	int main(void)
	{
		printf("%s %s\n", dlock_lib_version(),
		       dlock_mode_name(DLOCK_MODE_EX));
		return 0;
	}
	EOF_C
	cc -Wall -Werror -I"$d$p/include" -I"$DLOCK_REPO/uapi" \
		-o "$BATS_TEST_TMPDIR/prog" "$BATS_TEST_TMPDIR/prog.c" \
		-L"$d$p/lib" -ldlock
	run env LD_LIBRARY_PATH="$d$p/lib" "$BATS_TEST_TMPDIR/prog"
	[ "$status" -eq 0 ]
	[ "$output" = "0.1.0 EX" ]
	# The installed tools find the installed library ($ORIGIN/../lib).
	run "$d$p/bin/dlock" --version
	[ "$output" = "dlock 0.1.0 (libdlock 0.1.0)" ]
	make -s -C "$DLOCK_REPO/lib" > /dev/null
}
