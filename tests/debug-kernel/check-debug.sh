#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check-debug.sh: make check-debug.  Builds the debug kernel (or reuses the
# cached one: tests/debug-kernel/build.sh), builds dlock.ko against it in
# a private tree, builds the selftests and tests/jepsen, and boots the
# kernel once to run tests/debug-kernel/suite.sh (kselftests with the
# fuzzers, failslab, a short jepsen, a final kmemleak scan).  Ends with
# "N passed, N failed" over the TAP lines of the run; exits non-zero on any
# failure or any splat in the kernel log.
#
# DEBUG_PARTS picks the parts of the suite (see suite.sh), e.g.
# DEBUG_PARTS=quick make check-debug for the bounded subset.
#
# Not part of make check, nor of .ci/run: building the kernel takes over an
# hour on two shared cores, and the whole run on a cached kernel most of
# an hour under TCG (Documentation/testing.rst has the measured times).
# With --if-cached it builds no kernel: when none is cached it says so and
# succeeds, having tested nothing.

set -uo pipefail

REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="$REPO_DIR/.build/check-debug"
MOD="$OUT/mod"
# At the tree's path within $MOD: its Kbuild finds kmod/ and uapi/ four
# levels up.
SAMPLE="$MOD/tests/selftests/dlock/sample"
# DEBUG_PARTS=quick's hard limit in seconds (see below).
QUICK_TIMEOUT=2400

die() {
	echo "check-debug: error: $*" >&2
	exit 2
}

case "${1:-}" in
(--if-cached)
	if ! dir="$(bash "$REPO_DIR/tests/debug-kernel/build.sh" --dir)"; then
		echo "check-debug: SKIPPED: no debug kernel is cached in ${DLOCK_DEBUG_KERNEL_CACHE:-/var/cache/dlock-debug-kernel} (make check-debug builds one: over an hour on two cores); nothing was tested on it"
		exit 0
	fi
	;;
("")
	dir="$(bash "$REPO_DIR/tests/debug-kernel/build.sh")" ||
		die "the debug kernel did not build"
	;;
(*)
	die "usage: check-debug.sh [--if-cached]"
	;;
esac
mkdir -p "$OUT"
echo "check-debug: kernel $(cat "$dir/release") from $dir"
[ ! -r "$dir/build-time.txt" ] ||
	echo "check-debug: it took $(cat "$dir/build-time.txt") to build"

# A private copy: others build the module in kmod/ for the stock kernel.
rm -rf "$MOD"
mkdir -p "$MOD"
rsync -a --exclude='*.o' --exclude='*.ko' --exclude='.*.cmd' \
	"$REPO_DIR/Kbuild" "$REPO_DIR/kmod" "$REPO_DIR/uapi" "$MOD/" ||
	die "cannot copy the module sources"
nice -n 10 make -C "$dir/build" M="$MOD" W=1 -j2 modules \
	> "$OUT/module-build.log" 2>&1 ||
	{ tail -n 30 "$OUT/module-build.log"; die "dlock.ko did not build"; }
# The in-kernel API's sample client (cell_sample.sh) against this kernel
# and this dlock.ko, also in a private copy: the tree's own is the stock
# kernel's.
mkdir -p "$SAMPLE"
rsync -a "$REPO_DIR/tests/selftests/dlock/sample/Kbuild" \
	"$REPO_DIR/tests/selftests/dlock/sample/dlock_sample.c" "$SAMPLE/" ||
	die "cannot copy the sample module's sources"
nice -n 10 make -C "$dir/build" M="$SAMPLE" W=1 \
	KBUILD_EXTRA_SYMBOLS="$MOD/Module.symvers" modules \
	> "$OUT/sample-build.log" 2>&1 ||
	{ tail -n 30 "$OUT/sample-build.log"; die "dlock_sample.ko did not build"; }
# The tests and their helpers, not the Makefile's sample target (the stock
# kernel's, which needs a stock dlock.ko built first).
# shellcheck disable=SC2016 # make expands them
selftests="$(printf 'dlock-list-built:\n\t@echo $(TEST_GEN_PROGS) $(TEST_GEN_FILES)\n' |
	make -s --no-print-directory -C "$REPO_DIR/tests/selftests/dlock" \
		-f Makefile -f - dlock-list-built)"
# shellcheck disable=SC2086 # a list of plain file names
nice -n 10 make -C "$REPO_DIR/tests/selftests/dlock" $selftests \
	> "$OUT/selftests-build.log" 2>&1 ||
	{ tail -n 30 "$OUT/selftests-build.log"; die "the selftests did not build"; }
# failslab.sh's programs, static, from a copy of their sources: run from
# tmpfs with failures armed, they map nothing of the VM's 9p root.
STATIC="$OUT/failslab-bin"
rm -rf "$STATIC"
mkdir -p "$STATIC"
cp "$REPO_DIR"/tests/selftests/dlock/*.[ch] \
	"$REPO_DIR/tests/selftests/dlock/Makefile" "$STATIC/" ||
	die "cannot copy the selftests' sources"
nice -n 10 make -C "$STATIC" TOP="$REPO_DIR" LDFLAGS=-static \
	chardev_test genl_test lock_ioctl_test dlcell kfuzz_ioctl kfuzz_genl \
	> "$OUT/failslab-bin-build.log" 2>&1 ||
	{ tail -n 30 "$OUT/failslab-bin-build.log"; die "failslab's static programs did not build"; }
# libdlock and the tools (dlockadm: cell_cache.sh, cell_ra.sh and
# cell_reform.sh run it, from PATH or tools/), and tests/jepsen: built
# here, not left to an earlier make check (a clean clone has none).
for dir in lib tools tests/jepsen; do
	log_name="$(basename "$dir")-build.log"
	nice -n 10 make -C "$REPO_DIR/$dir" > "$OUT/$log_name" 2>&1 ||
		{ tail -n 30 "$OUT/$log_name"; die "$dir did not build"; }
done

# The VM's hard limit: qemu is killed, and the run fails, past it.  The
# quick subset (suite.sh) must never run away; the whole suite gets room
# for a loaded machine.  DEBUG_VM_TIMEOUT overrides both.
case " ${DEBUG_PARTS:-} " in
(*" quick "*) vm_timeout=${DEBUG_VM_TIMEOUT:-$QUICK_TIMEOUT} ;;
(*) vm_timeout=${DEBUG_VM_TIMEOUT:-5400} ;;
esac
log="$OUT/vm.log"
echo "check-debug: parts: ${DEBUG_PARTS:-kselftests failslab jepsen}, VM timeout $vm_timeout s, load: $(cut -d' ' -f1-3 /proc/loadavg)"
vm_start=$SECONDS
bash "$REPO_DIR/tests/vm/run.sh" --kernel debug --name check-debug \
	--mem 2G --timeout "$vm_timeout" --alloc-failures-expected \
	--module "$MOD/kmod/dlock.ko" -- env \
	DEBUG_PARTS="${DEBUG_PARTS:-kselftests failslab jepsen}" \
	DLOCK_SAMPLE_KO="$SAMPLE/dlock_sample.ko" FAILSLAB_BIN="$STATIC" \
	DEBUG_CELLS="${DEBUG_CELLS:-}" \
	tests/debug-kernel/suite.sh 2>&1 |
	tee "$log"
vm_rc=${PIPESTATUS[0]}

passed=$(grep -c -E '^ok [0-9]+' "$log")
failed=$(grep -c -E '^not ok' "$log")
if [ "$vm_rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
	# A splat, a timeout or rmmod: the runner said why above.
	failed=1
fi
echo "check-debug: the VM ran $((SECONDS - vm_start)) s, load now: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "check-debug: $passed passed, $failed failed (log: $log)"
[ "$failed" -eq 0 ] && [ "$vm_rc" -eq 0 ]
