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

@test "a program built with pkg-config against the installed libdlock.pc takes and releases a lock" {
	local d="$BATS_TEST_TMPDIR/root" p=/usr ns="dlockbats-pc$$" key
	local KEY_HEX=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f

	# What `make install DESTDIR=$d PREFIX=/usr` puts in place for
	# programs (its module part is DKMS's or modules_install's, and is
	# not rebuilt in the VM).
	make -s -C "$DLOCK_REPO/lib" install DESTDIR="$d" PREFIX="$p" > /dev/null
	install -D -m 0644 "$DLOCK_REPO/uapi/linux/dlock.h" \
		"$d$p/include/linux/dlock.h"
	cat > "$BATS_TEST_TMPDIR/locker.c" <<-'EOF_C'
	#include <stdio.h>
	#include <string.h>
	#include <dlock.h>

	int main(int argc, char **argv)
	{
		struct dlock_grant g;
		struct dlock_dev *dev;
		uint32_t ls;
		int err;

		if (argc != 3)
			return 2;
		err = dlock_open(&dev);
		if (!err)
			err = dlock_ls_open(dev, argv[1], &ls);
		if (!err)
			err = dlock_lock(dev, ls, argv[2], strlen(argv[2]),
					 DLOCK_MODE_EX, 0, 10000, &g);
		if (err) {
			fprintf(stderr, "lock: %s\n", dlock_strerror(err));
			return 1;
		}
		printf("granted token=%llu\n", (unsigned long long)g.token);
		err = dlock_unlock(dev, g.lock_id, NULL, 0);
		if (err) {
			fprintf(stderr, "unlock: %s\n", dlock_strerror(err));
			return 1;
		}
		printf("released\n");
		dlock_close(dev);
		return 0;
	}
	EOF_C
	# The .pc names the final paths; the sysroot points them at DESTDIR.
	local flags
	flags="$(PKG_CONFIG_PATH="$d$p/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$d" \
		 pkg-config --cflags --libs libdlock)"
	[[ "$flags" == *"-I$d$p/include"* ]]
	[[ "$flags" == *"-ldlock"* ]]
	# shellcheck disable=SC2086 # flags is a list of words
	cc -Wall -Werror -o "$BATS_TEST_TMPDIR/locker" "$BATS_TEST_TMPDIR/locker.c" $flags

	# A one-voter cell of its own, with a lockspace.
	key="$BATS_TEST_TMPDIR/key"
	printf '%s\n' "$KEY_HEX" > "$key"
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	dlockadm -n "$ns" cell create 81 id 1 listen 127.0.0.1:7481 \
		election-timeout 400 heartbeat 100 lease 3000 lock-delay 800 \
		key-file "$key"
	local tries
	for tries in $(seq 1 100); do
		dlockadm -n "$ns" lockspace add pc 2> /dev/null && break
		sleep 0.1
	done
	run ip netns exec "$ns" env LD_LIBRARY_PATH="$d$p/lib" \
		"$BATS_TEST_TMPDIR/locker" pc job
	ip netns del "$ns"
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
	[[ "${lines[0]}" =~ ^granted\ token=[1-9][0-9]*$ ]]
	[ "${lines[1]}" = released ]
	# It really ran against the installed library.
	ldd "$BATS_TEST_TMPDIR/locker" | grep -q "libdlock.so.0 => $d$p/lib/" ||
		env LD_LIBRARY_PATH="$d$p/lib" ldd "$BATS_TEST_TMPDIR/locker" |
		grep -q "libdlock.so.0 => $d$p/lib/"
	make -s -C "$DLOCK_REPO/lib" > /dev/null
}
