#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (or reuse) the dlock debug kernel: Debian's linux-source-6.1 with
# x86_64_defconfig merged with debug.config (KASAN, lockdep, kmemleak,
# UBSAN, debug objects, failslab).  It is cached outside the repo, keyed by
# a hash of everything that shapes it (debug.config, the recipe version of
# this script and the source tarball's identity), so a config change builds
# a new kernel and an unchanged one is reused:
#
#   $DLOCK_DEBUG_KERNEL_CACHE/<key>/bzImage   the kernel run.sh boots
#   $DLOCK_DEBUG_KERNEL_CACHE/<key>/build/    the O= build tree: KDIR for
#                                             building dlock.ko against it
#   $DLOCK_DEBUG_KERNEL_CACHE/<key>/release   its release (uname -r)
#   $DLOCK_DEBUG_KERNEL_CACHE/<key>/build-time.txt  how long the build took
#
#   tests/debug-kernel/build.sh            build if needed, print the dir
#   tests/debug-kernel/build.sh --dir      print the dir only, build nothing
#                                          (exit 1 if it is not built)
#
# The build runs under nice -n 19 with -j2 (override: DEBUG_KERNEL_JOBS):
# the machine is shared.  Its log is <key>/build.log.

set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${DLOCK_DEBUG_KERNEL_CACHE:-/var/cache/dlock-debug-kernel}"
TARBALL="${LINUX_SOURCE_TARBALL:-/usr/src/linux-source-6.1.tar.xz}"
JOBS="${DEBUG_KERNEL_JOBS:-2}"

die() {
	echo "debug-kernel: error: $*" >&2
	exit 1
}

[ -r "$TARBALL" ] || die "$TARBALL missing: apt-get install linux-source-6.1"

# The kernel depends on debug.config, the source and how we build it: bump
# RECIPE when a change to this script changes the kernel it makes (a new
# make target, other flags), not for comments or checks, so that editing
# those does not cost an hour's build.  The tarball's size and mtime stand
# for its content (hashing 138 MB on every run would cost seconds); a new
# Debian upload changes both.
RECIPE=1
key="$( {
	echo "recipe $RECIPE"
	cat "$HERE/debug.config"
	stat -c '%s %Y' "$TARBALL"
} | sha256sum | cut -c1-16)"
dir="$CACHE/$key"

if [ "${1:-}" = --dir ]; then
	[ -s "$dir/bzImage" ] || exit 1
	echo "$dir"
	exit 0
fi
[ $# -eq 0 ] || die "usage: build.sh [--dir]"

mkdir -p "$CACHE"
# One build at a time per cache: a second caller waits, then reuses.
exec 9> "$CACHE/.lock"
flock 9

if [ -s "$dir/bzImage" ] && [ -s "$dir/release" ]; then
	echo "$dir"
	exit 0
fi

# The source is extracted once per tarball, shared by every config.
src="$CACHE/src-$(stat -c '%s-%Y' "$TARBALL")"
if [ ! -f "$src/.extracted" ]; then
	echo "debug-kernel: extracting $TARBALL" >&2
	rm -rf "$src"
	mkdir -p "$src"
	tar -xf "$TARBALL" -C "$src" --strip-components=1
	touch "$src/.extracted"
fi

# An interrupted build (its bzImage is missing) is resumed, not restarted:
# kbuild only compiles what is not built yet, which on a shared machine is
# the difference between minutes and an hour.
mkdir -p "$dir/build"
log="$dir/build.log"
if [ -f "$dir/build/.config" ]; then
	echo "debug-kernel: resuming the build in $dir (log $log)" >&2
	echo "=== resumed $(date -u +%FT%TZ)" >> "$log"
else
	echo "debug-kernel: building in $dir (log $log); this takes a long time" >&2
	: > "$log"
fi
start=$SECONDS
{
	make -C "$src" O="$dir/build" x86_64_defconfig
	"$src/scripts/kconfig/merge_config.sh" -m -O "$dir/build" \
		"$dir/build/.config" "$HERE/debug.config"
	make -C "$src" O="$dir/build" olddefconfig
} >> "$log" 2>&1 || die "configuring failed: see $log"

# merge_config only warns when a symbol did not take (a dependency is
# missing): for the debugging options that would silently weaken the runs.
for sym in KASAN PROVE_LOCKING DEBUG_ATOMIC_SLEEP DEBUG_KMEMLEAK \
	DEBUG_OBJECTS UBSAN FAILSLAB FAULT_INJECTION_DEBUG_FS 9P_FS \
	OVERLAY_FS VIRTIO_PCI NET_UDP_TUNNEL CRYPTO_LIB_CHACHA20POLY1305 \
	VETH BRIDGE NF_TABLES NET_SCH_NETEM; do
	grep -q "^CONFIG_$sym=y" "$dir/build/.config" ||
		die "CONFIG_$sym is not =y in the merged config"
done

nice -n 19 make -C "$src" O="$dir/build" -j"$JOBS" bzImage modules \
	>> "$log" 2>&1 || die "build failed: see $log"
elapsed=$((SECONDS - start))

make -s -C "$src" O="$dir/build" kernelrelease > "$dir/release.tmp"
mv "$dir/release.tmp" "$dir/release"
# A resumed build's time is only its last part: say so.
printf '%d s (%d min) with nice 19, -j%s on %s cores, load %s, %s%s\n' \
	"$elapsed" $((elapsed / 60)) "$JOBS" "$(nproc)" \
	"$(cut -d' ' -f1-3 /proc/loadavg)" "$(date -u +%FT%TZ)" \
	"$(grep -q '^=== resumed' "$log" && echo ', resumed (not the whole build)')" \
	> "$dir/build-time.txt"
# Last: its presence says the whole build is there.
cp "$dir/build/arch/x86/boot/bzImage" "$dir/bzImage"
echo "debug-kernel: built $(cat "$dir/release") in ${elapsed}s" >&2
echo "$dir"
