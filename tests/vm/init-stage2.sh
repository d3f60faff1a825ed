#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Stage 2 of the dlock test VM, PID 1 after switch_root into the overlay of
# the host's /.  It sets up a minimal system (no systemd), loads the dlock
# module under test, runs the job's commands with their output on the
# console, unloads the module, and reports back through /dlock-vm, the
# writable work share:
#
#   /dlock-vm/job         in:  REPO_DIR, MODULE, VM_NAME, CMDS (bash array)
#   /dlock-vm/kernel.log  out: the kernel log, streamed, then complete
#   /dlock-vm/output.log  out: the commands' stdout and stderr, free of the
#                              kernel messages that share the console
#   /dlock-vm/status      out: the exit status of the run (a number)
#
# The commands see DLOCK_MODULE (the module's path, empty if none) and
# DLOCK_VM_NAME in their environment, and the repo's tools/ on PATH.
#
# The host (run.sh) also scans the kernel log for oopses and warnings: this
# script only reports what the commands themselves returned.

SHARE=/dlock-vm

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8 TERM=dumb

say() {
	echo "### vm[${VM_NAME:-?}]: $*"
}

# PID 1 must never exit (the kernel would panic): power off instead.
finish() {
	local rc="$1"

	echo "$rc" > "$SHARE/status"
	sync
	say "exit status $rc"
	echo "DLOCK-VM-EXIT: $rc"
	echo o > /proc/sysrq-trigger
	# Builtins only: the power-off tears the 9p root down under us, and
	# an external sleep that cannot load its libc would make PID 1 exit
	# (a kernel panic in the log).
	while :; do :; done
}

mount_fs() {
	mkdir -p "$3"
	mount -t "$1" "${@:4}" "$2" "$3" || say "warning: cannot mount $3"
}

mount_fs proc proc /proc
mount_fs sysfs sysfs /sys
mount_fs devtmpfs devtmpfs /dev
mount_fs devpts devpts /dev/pts -o gid=5,mode=620,ptmxmode=666
mount_fs tmpfs tmpfs /dev/shm -o mode=1777
mount_fs debugfs debugfs /sys/kernel/debug
mount_fs cgroup2 cgroup2 /sys/fs/cgroup
ln -sf /proc/self/fd /dev/fd

# shellcheck source=/dev/null
if ! source "$SHARE/job"; then
	echo "vm stage2: error: cannot read $SHARE/job"
	finish 1
fi

# Fresh /run and /tmp, so the host's netns files, sockets and pid files do
# not leak in; but not over the tree or module under test, which may live
# there (a CI clone in /tmp): the overlay already makes those writable.
for dir in /run /tmp; do
	case "$REPO_DIR/ $MODULE" in
	("$dir"/*|*" $dir"/*)
		say "keeping the host's $dir: the tree is there"
		continue ;;
	esac
	mode=0755
	[ "$dir" != /tmp ] || mode=1777
	mount_fs tmpfs tmpfs "$dir" -o mode="$mode"
done
mkdir -p /run/netns

hostname "dlock-$VM_NAME"
ip link set lo up

# The whole kernel log, streamed to the host while the tests run (so a hang
# still leaves it there), rewritten in full before power-off.
dmesg --follow > "$SHARE/kernel.log" 2>&1 &
dmesg_pid=$!

cd "$REPO_DIR" || finish 1
export PATH="$REPO_DIR/tools:$PATH"
# For tests that unload and reload the module under test.
export DLOCK_MODULE="$MODULE" DLOCK_VM_NAME="$VM_NAME"

load_module() {
	local dep

	# The guest runs the host's /lib/modules, so modprobe finds what the
	# module depends on (udp_tunnel, crypto, ...).
	for dep in $(modinfo -F depends "$MODULE" | tr ',' ' '); do
		modprobe "$dep" || return 1
	done
	insmod "$MODULE"
}

rc=0
if [ -n "$MODULE" ]; then
	if load_module; then
		say "loaded $MODULE"
	else
		say "error: cannot load $MODULE"
		rc=1
	fi
fi

if [ "$rc" -eq 0 ]; then
	n=0
	for cmd in "${CMDS[@]}"; do
		n=$((n + 1))
		say "run $n/${#CMDS[@]}: $cmd"
		bash -c "$cmd" < /dev/null 2>&1 | tee -a "$SHARE/output.log"
		cmd_rc=${PIPESTATUS[0]}
		say "run $n/${#CMDS[@]} exited $cmd_rc"
		[ "$rc" -ne 0 ] || rc=$cmd_rc
	done
fi

if [ -n "$MODULE" ] && grep -q '^dlock ' /proc/modules; then
	if rmmod dlock; then
		say "unloaded dlock"
	else
		say "error: rmmod dlock failed"
		[ "$rc" -ne 0 ] || rc=1
	fi
fi

kill "$dmesg_pid" 2>/dev/null
wait "$dmesg_pid" 2>/dev/null
dmesg > "$SHARE/kernel.log" 2>&1
finish "$rc"
