#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# suite.sh: what make check-debug runs inside the debug kernel's VM
# (check-debug.sh boots it), each part under a "# suite: NAME" header:
#
#   kselftests  every dlock kselftest (tests/selftests/dlock), including
#               kfuzz.sh, the kernel-interface fuzzers
#   failslab    allocation failures in dlock's syscall paths (failslab.sh),
#               then in all of dlock's dl_zalloc() calls, work items
#               included, through its own fault attribute (fail_alloc.sh)
#   fail_alloc  fail_alloc.sh alone
#   jepsen      a short tests/jepsen run, if it is built
#   kfuzz       kfuzz.sh alone (the kselftests include it)
#   cells       the kselftests named in DEBUG_CELLS alone (default
#               "cell_lock.sh cell_failover.sh": locking, the counter,
#               fencing, failover, a lost lease)
#   quick       the bounded subset: kfuzz, failslab (fail_alloc with it)
#               and cells; check-debug.sh gives it a shorter VM timeout
#   kmemleak    a final scan, always: any unreferenced object allocated by
#               dlock fails the run
#
# The kernel log is checked by tests/vm/run.sh (KASAN, lockdep, UBSAN,
# debug objects and every other splat fail the run).  Exits non-zero if
# anything failed.  DEBUG_JEPSEN_SECONDS (default 60) sets jepsen's length;
# DEBUG_PARTS (default "kselftests failslab jepsen") picks parts, e.g.
# "quick", or "kfuzz failslab".

set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$HERE/../.." && pwd)"
KMEMLEAK=/sys/kernel/debug/kmemleak
PARTS=${DEBUG_PARTS:-kselftests failslab jepsen}
case " $PARTS " in (*" quick "*) PARTS="$PARTS kfuzz failslab cells" ;; esac
rc=0

# A KASAN and lockdep kernel under TCG runs several times slower than the
# stock one: every test's cell timing and wait limits are stretched by
# DLOCK_TIME_SCALE (cell_lib.sh).  Not one CELL_TIMING for all: tests set
# their own (cell_bully.sh its election, cell_lock.sh a longer lease).
export DLOCK_TIME_SCALE=${DLOCK_TIME_SCALE:-4}
# Volume is make check's job (and make kfuzz's): here every path runs under
# KASAN, lockdep and kmemleak, with shorter loops where the stock kernel's
# runs already repeat it at length.  Each stays well above one pass.
export LOCK_COUNT_N=${LOCK_COUNT_N:-100}
export FAILSLAB_ROUNDS=${FAILSLAB_ROUNDS:-10}

if [ ! -w "$KMEMLEAK" ]; then
	echo "not ok - $KMEMLEAK missing: not the debug kernel?"
	exit 1
fi
# What boot left behind is not ours: clear it before the first test.
echo scan > "$KMEMLEAK"
echo clear > "$KMEMLEAK"

part() {
	local name="$1" start=$SECONDS
	shift
	echo "# suite: $name"
	"$@" || rc=1
	echo "# time: $name $((SECONDS - start)) s"
}

wanted() {
	case " $PARTS " in (*" $1 "*) return 0 ;; esac
	return 1
}

if wanted kselftests; then
	part kselftests "$REPO_DIR/tests/selftests/dlock/run_kselftests.sh"
else
	wanted kfuzz && part kfuzz "$REPO_DIR/tests/selftests/dlock/kfuzz.sh"
	# shellcheck disable=SC2086 # a list of test names
	wanted cells && part cells \
		"$REPO_DIR/tests/selftests/dlock/run_kselftests.sh" \
		${DEBUG_CELLS:-cell_lock.sh cell_failover.sh}
fi
# root_works: the guest's root (the host's / over 9p under a tmpfs
# overlay) still execs programs and reads files.  failslab.sh must not
# break it (its programs arm failures only once set up: fail_self.h); if
# it ever does again, every later part would fail with "cannot open shared
# object file" and bury the cause: stop here, saying so.
root_works() {
	/usr/bin/true && /usr/bin/env true && seq 1 1 > /dev/null &&
		cat /etc/os-release "$REPO_DIR/README.md" > /dev/null ||
		return 1
	# dlcell without a command: its usage, status 2, once it has loaded.
	"$REPO_DIR/tests/selftests/dlock/dlcell" 2> /dev/null
	[ $? -eq 2 ]
}

if wanted failslab; then
	part failslab "$HERE/failslab.sh"
	if ! root_works; then
		echo "not ok 1 - the guest's root file system no longer execs programs after failslab.sh: a failure injected into exec, the loader or a 9p path walk broke it; the rest of the run would be noise, stopping"
		echo "1..1"
		exit 1
	fi
fi
if wanted failslab || wanted fail_alloc; then
	part fail_alloc "$HERE/fail_alloc.sh"
fi
if wanted jepsen; then
	if [ -x "$REPO_DIR/tests/jepsen/jepsen.sh" ] &&
	   [ -x "$REPO_DIR/tests/jepsen/jepsen_client" ]; then
		part jepsen "$REPO_DIR/tests/jepsen/jepsen.sh" \
			--seconds "${DEBUG_JEPSEN_SECONDS:-60}" --nodes 3 \
			--bound 90000
	else
		echo "# suite: jepsen"
		echo "ok 1 - # SKIP tests/jepsen is not built"
	fi
fi

# Objects are reported once they have been unreferenced for a while
# (kmemleak's min age, 5 s): wait, then scan twice.
echo "# suite: kmemleak"
sleep 6
echo scan > "$KMEMLEAK"
echo scan > "$KMEMLEAK"
# A frame in dlock, or a bare address in the module area: the frames of a
# module instance that was unloaded since (cell_rmmod.sh reloads dlock)
# no longer resolve to names.  Except one leak of the kernel's own: when
# failslab fails the kmem_cache_create() of a dlock object type (caches are
# made on a type's first allocation, kmod/env.c), 6.1's SLUB loses the
# cache's kobject name (sysfs_slab_add() returns on a failed
# kobject_init_and_add() without kobject_put()); those are counted, not
# failed.
kmemleak_dlock() {
	awk -v want="$1" '
	function flush() {
		if (obj != "" && dl && slab == (want == "slab"))
			print obj
		obj = ""; dl = 0; slab = 0
	}
	/^unreferenced object/ { flush(); obj = $0 }
	/\[dlock\]/ || /\] 0xffffffffc/ { dl = 1 }
	/sysfs_slab_add/ { slab = 1 }
	END { flush() }' "$KMEMLEAK"
}
dlock_leaks="$(kmemleak_dlock ours)"
slab_leaks="$(kmemleak_dlock slab | grep -c .)"
all="$(grep -c '^unreferenced object' "$KMEMLEAK")"
if [ -n "$dlock_leaks" ]; then
	cat "$KMEMLEAK"
	echo "not ok 1 - kmemleak: $(printf '%s\n' "$dlock_leaks" | wc -l) objects leaked by dlock"
	rc=1
else
	echo "ok 1 - kmemleak: nothing leaked by dlock ($all reports elsewhere, $slab_leaks of them SLUB's names of failed dlock caches)"
	[ "$all" -eq 0 ] || head -n 40 "$KMEMLEAK"
fi
echo "1..1"
exit "$rc"
