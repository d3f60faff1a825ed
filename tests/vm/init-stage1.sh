#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the dlock test VM's initramfs (busybox sh).  Its only job is to
# build the guest's root and hand over to stage 2:
#
#   - load the virtio/9p/overlay modules the initramfs carries (the kernel
#     may have some built in; mkinitramfs.sh lists only those it lacks),
#   - mount the host's / (9p tag "host", read-only) under a tmpfs overlay,
#     so the guest runs the host's own bash, bats, iproute2 and nftables, and
#     any write inside the guest lands in RAM and never on the host,
#   - mount the run's work directory (9p tag "work", writable) at /dlock-vm:
#     the job description comes in there, the exit status and kernel log go
#     out there,
#   - switch_root and exec stage 2 (dlock_stage2=PATH on the kernel command
#     line; the kernel hands unknown NAME=VALUE parameters to init as
#     environment variables).

export PATH=/bin

# Stage 1 has no other way out: without a power-off the VM would sit until
# the host's timeout.  busybox poweroff -f calls reboot(2) at once, and qemu
# -no-reboot exits.
die() {
	echo "vm stage1: error: $*"
	poweroff -f
	sleep 10
}

mount -t proc proc /proc || die "mount /proc"
mount -t sysfs sysfs /sys || die "mount /sys"
mount -t devtmpfs devtmpfs /dev || die "mount /dev"

# run.sh boots with maxcpus=1 (why: see there) and dlock_cpus=N: bring the
# other CPUs online now, and stop if the guest does not get all N.
if [ -n "$dlock_cpus" ]; then
	for online in /sys/devices/system/cpu/cpu[0-9]*/online; do
		[ "$(cat "$online")" = 1 ] || echo 1 > "$online" ||
			die "cannot bring ${online%/online} online"
	done
	cpus=0
	for cpu in /sys/devices/system/cpu/cpu[0-9]*; do
		[ ! -e "$cpu/online" ] || [ "$(cat "$cpu/online")" = 1 ] &&
			cpus=$((cpus + 1))
	done
	[ "$cpus" -eq "$dlock_cpus" ] ||
		die "$cpus CPUs online, wanted $dlock_cpus"
fi

while read -r mod; do
	[ -n "$mod" ] || continue
	insmod "/lib/modules/$mod.ko" || die "insmod $mod"
done < /modules.order

# 9p over virtio: a large msize turns the many small reads of starting
# host binaries into few round trips.
P9OPTS=trans=virtio,version=9p2000.L,msize=512000
mkdir -p /lower /rw /newroot
mount -t 9p -o "$P9OPTS,ro,cache=loose" host /lower || die "mount host / over 9p"
mount -t tmpfs -o mode=0755 tmpfs /rw || die "mount tmpfs"
mkdir -p /rw/upper /rw/work
mount -t overlay overlay \
	-o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work /newroot ||
	die "mount overlay"
mkdir -p /newroot/dlock-vm
mount -t 9p -o "$P9OPTS" work /newroot/dlock-vm || die "mount work share"

[ -n "$dlock_stage2" ] || die "no dlock_stage2= on the kernel command line"
[ -r "/newroot$dlock_stage2" ] || die "stage 2 $dlock_stage2 not found"

# Stage 2 mounts its own /proc, /sys and /dev.
umount /proc /sys /dev
exec switch_root /newroot /bin/bash "$dlock_stage2"
