#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# failslab.sh: allocation failures injected into dlock's syscall paths,
# inside the debug kernel's VM (CONFIG_FAILSLAB, FAULT_INJECTION_DEBUG_FS).
# Prints TAP.
#
# The stack-trace filter of failslab (require_start/require_end, which could
# aim at dlock's text alone) does not exist on x86-64, so failures are aimed
# by task: make-it-fail on the processes that drive dlock (the kselftest
# binaries, dlcell configuring nodes, the ioctl and netlink fuzzers), set by
# each of them on itself once it is set up (failing(), below), with
# task-filter=Y, ignore-gfp-wait=N (dlock allocates with
# GFP_KERNEL, which failslab otherwise spares) and FAILSLAB_PROBABILITY
# percent (default 10) of their slab allocations failing.  Everything the
# kernel allocates for them fails at that rate, not only dlock's, so the
# programs themselves see errors and fail: their exit status is not the
# test.  The test is what the kernel does meanwhile and afterwards: no oops,
# warning, KASAN or lockdep report (tests/vm/run.sh checks the log), a cell
# that forms and serves once failures stop, and kmemleak (run by the caller
# after this script) finding nothing dlock allocated and lost.
#
# Not covered: allocations in dlock's own work items and timers (a kworker
# runs them, shared with the rest of the kernel; failing its allocations
# would fail everything else's too).

source "$(cd "$(dirname "${BASH_SOURCE[0]}")/../selftests/dlock" &&
	pwd)/cell_lib.sh"

FI=/sys/kernel/debug/failslab
PROB=${FAILSLAB_PROBABILITY:-10}
ROUNDS=${FAILSLAB_ROUNDS:-20}
SEED=${FAILSLAB_SEED:-$(date +%s)}
SPARE=dlcfs
# failslab counts "times" down on every failure it injects: started high,
# what is left says how many there were.
TIMES=100000000

if [ ! -d "$FI" ]; then
	echo "1..0 # SKIP no $FI (not the debug kernel)"
	exit 0
fi
echo "# failslab: probability $PROB%, $ROUNDS rounds, seed $SEED"

failslab_setup() {
	echo 0 > "$FI/probability"
	echo 0 > "$FI/verbose"		# no stack dump per failure
	echo Y > "$FI/task-filter"
	echo N > "$FI/ignore-gfp-wait"
	echo 0 > "$FI/space"
	echo 1 > "$FI/interval"
	echo "$TIMES" > "$FI/times"
}

failslab_on() {
	echo "$PROB" > "$FI/probability"
}

failslab_off() {
	echo 0 > "$FI/probability"
}

# The programs run with failures: static builds (check-debug.sh makes them
# in FAILSLAB_BIN), copied to tmpfs.  Nothing they map then comes from the
# guest's root, the host's / over 9p: a process releases its mapped files
# when it exits, with its failures still armed, and a 9p release (clunk)
# or walk failing for memory has left the overlay root unable to load
# libc.so.6 for everyone after ("overlayfs: failed to get metacopy (-22)";
# suite.sh checks the root after this script).
BIN=/dev/shm/failslab-bin
# is_static FILE: an ELF executable with no program interpreter (no
# dynamic loader).  readelf comes with binutils, which building dlock
# needs anyway; file(1) is not on every machine (CI's clean Debian).
is_static() {
	local headers

	headers="$(readelf -l "$1" 2>/dev/null)" &&
		[[ "$headers" == *"Program Headers"* ]] &&
		[[ "$headers" != *"program interpreter"* ]]
}
PROGS="chardev_test genl_test lock_ioctl_test dlcell kfuzz_ioctl kfuzz_genl"
rm -rf "$BIN"
mkdir -p "$BIN"
for p in $PROGS; do
	if ! is_static "${FAILSLAB_BIN:-/nonexistent}/$p" ||
	   ! cp "$FAILSLAB_BIN/$p" "$BIN/"; then
		echo "not ok 1 - FAILSLAB_BIN (${FAILSLAB_BIN:-unset}) has no static $p: tests/debug-kernel/check-debug.sh builds them"
		echo "1..1"
		exit 1
	fi
done

# failing CMD...: run CMD, one of the programs in $BIN (through `ip netns
# exec` if need be), with its slab allocations failing once it has set
# itself up: it arms /proc/self/make-it-fail itself (DLOCK_MAKE_IT_FAIL,
# fail_self.h), after exec and the loader, and afterwards touches only
# /dev, sockets, netlink and tmpfs; its working directory is tmpfs too.
# Its own exit status does not matter (see above), only that it ends:
# within FAILING_LIMIT seconds (default 60 on this kernel's clock, x
# DLOCK_TIME_SCALE; the longest, kfuzz_ioctl's 2,000 calls, takes some
# 10-40 s on the debug kernel).  One that does not has its threads'
# kernel stacks printed (as TAP comments), is killed (SIGKILL: its files
# are released as a crashed process's) and named in $hung, and the
# step's other commands are skipped: a hang (such as a lock whose holder's
# release was lost, FINDINGS 19) is a "not ok" that says what hung and
# where, not a VM that waits out its own time limit.
FAILING_LIMIT=${FAILING_LIMIT:-$(scaled 60)}
hung=""
failing() {
	local start=$SECONDS pid t

	[ -z "$hung" ] || return 0
	(cd "$BIN" && DLOCK_MAKE_IT_FAIL=1 LD_BIND_NOW=1 exec "$@" \
		> /dev/null 2>&1) &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		if [ $((SECONDS - start)) -ge "$FAILING_LIMIT" ]; then
			hung="${*#"$BIN/"} (killed after $FAILING_LIMIT s)"
			echo "# failslab: still running after $FAILING_LIMIT s: ${*#"$BIN/"}"
			for t in /proc/"$pid"/task/*; do
				echo "# task ${t##*/} ($(cat "$t/comm" 2>/dev/null)), wchan $(cat "$t/wchan" 2>/dev/null):"
				sed 's/^/#   /' "$t/stack" 2>/dev/null
			done
			kill -KILL "$pid" 2>/dev/null
			break
		fi
		sleep 0.2
	done
	wait "$pid" 2>/dev/null
	return 0
}

# step_done DESC: the TAP line of a step of failing commands.
step_done() {
	if [ -n "$hung" ]; then
		not_ok "$1: hung: $hung"
		hung=""
	else
		ok "$1"
	fi
}

failslab_setup
failslab_on
trap 'failslab_off; cell_down; ip netns del $SPARE 2>/dev/null; rm -rf "$BIN"' EXIT

# 1. The kselftest binaries: /dev/dlock and netlink with failures.
start=$SECONDS
for t in chardev_test genl_test lock_ioctl_test; do
	failing "$BIN/$t"
done
step_done "kselftest binaries ran under failslab ($((SECONDS - start)) s)"

# 2. A node configured, and torn down, while its allocations fail: node
# creation, socket, peers, lockspaces.
start=$SECONDS
for r in $(seq 1 "$ROUNDS"); do
	ip netns add "$SPARE"
	ip -n "$SPARE" link set lo up
	failing "$BIN/dlcell" -n "$SPARE" set id=1 cell=5 addr=127.0.0.1 port=7477
	# Members, not voters: the node is a cell of one and commits the
	# lockspace at once instead of waiting 10 s for a quorum.
	failing "$BIN/dlcell" -n "$SPARE" peer-add id=2 addr=127.0.0.2 port=7477 \
		role=member
	failing "$BIN/dlcell" -n "$SPARE" peer-add id=3 addr=127.0.0.3 port=7477 \
		role=member
	failing "$BIN/dlcell" -n "$SPARE" set key="$CELL_KEY"
	failing "$BIN/dlcell" -n "$SPARE" ls-add "fs$r"
	failing "$BIN/dlcell" -n "$SPARE" peer-del id=3
	ip netns del "$SPARE"
done
step_done "$ROUNDS node set-ups and teardowns under failslab ($((SECONDS - start)) s)"

# 3. A live cell (set up without failures) driven by failing clients.
failslab_off
if ! cell_up 3 || ! wait_leader 30000 >/dev/null ||
   ! ns 1 "$DLCELL" ls-add kfuzz-ls; then
	not_ok "3-node cell formed for the failing clients"
	tap_done
	exit
fi
ok "3-node cell formed for the failing clients"
failslab_on
start=$SECONDS
failing ip netns exec dlc1 "$BIN/kfuzz_ioctl" -s "$SEED" -n 2000 kfuzz-ls
failing ip netns exec dlc2 "$BIN/kfuzz_genl" -r -s "$((SEED + 1))" -n 500
for r in $(seq 1 "$ROUNDS"); do
	failing "$BIN/dlcell" -n dlc3 count kfuzz-ls fs-count \
		/dev/shm/failslab-count 3
done
failing "$BIN/dlcell" -n dlc1 ls-add kfuzz-ls2
step_done "clients of a live cell ran under failslab ($((SECONDS - start)) s)"
failslab_off

# 4. With failures off, the cell serves: every node takes a lock.
# Each node gets 30 s (scaled) in all: try does not queue, but waits for
# the cell's answer, so each try is bounded too.
for i in 1 2 3; do
	served=no
	deadline=$((SECONDS + $(scaled 30)))
	while [ "$SECONDS" -lt "$deadline" ]; do
		if timeout -s KILL $((deadline - SECONDS + 1)) "$DLCELL" \
			-n "dlc$i" try kfuzz-ls "after-failslab-$i" EX \
			>/dev/null 2>&1; then
			served=yes
			break
		fi
		sleep 0.5
	done
	check "node $i serves a lock once failures stop" [ "$served" = yes ]
done
check "the cell agrees on a leader" eval 'wait_leader 30000 >/dev/null'
rm -f /dev/shm/failslab-count
injected=$((TIMES - $(cat "$FI/times")))
check "failslab injected $injected allocation failures" [ "$injected" -gt 0 ]

tap_done
