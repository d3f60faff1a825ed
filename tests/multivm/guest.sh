#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# guest.sh I N SCRIPT: inside guest I of an N-guest cell (tests/multivm/run.sh
# boots it), mount the shared directory at /mv, bring up the links to the
# other guests, then run SCRIPT with the launcher's arguments, its output
# in /mv/out.I.  The exit status is SCRIPT's.
#
# Addressing: 10.78.0.I/32 on every link of this guest, and a /32 route to
# 10.78.0.J over the link whose MAC is 52:54:00:4d:0I:0J (run.sh gives the
# NICs those MACs).  The peer answers ARP for its address on that link
# because Linux answers for any local address (arp_ignore=0).

MV_NODE="$1"
MV_NODES="$2"
script="$3"
MV_SHARE=/mv
export MV_NODE MV_NODES MV_SHARE

mkdir -p "$MV_SHARE"
if ! mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,cache=none \
	mvshare "$MV_SHARE"; then
	echo "guest $MV_NODE: cannot mount the shared directory"
	exit 1
fi
out="$MV_SHARE/out.$MV_NODE"

net_up() {
	local j mac dev found

	modprobe virtio_net || return 1
	for j in $(seq 1 "$MV_NODES"); do
		[ "$j" != "$MV_NODE" ] || continue
		mac="52:54:00:4d:0$MV_NODE:0$j"
		found=""
		# The NICs may take a moment to appear after the driver loads.
		for _ in $(seq 1 100); do
			for dev in /sys/class/net/*; do
				[ "$(cat "$dev/address" 2>/dev/null)" = "$mac" ] || continue
				found="${dev##*/}"
			done
			[ -z "$found" ] || break
			sleep 0.1
		done
		[ -n "$found" ] || { echo "no NIC with MAC $mac"; return 1; }
		ip link set "$found" name "mv$j" || return 1
		ip link set "mv$j" up || return 1
		ip addr add "10.78.0.$MV_NODE/32" dev "mv$j" || return 1
		ip route add "10.78.0.$j/32" dev "mv$j" src "10.78.0.$MV_NODE" ||
			return 1
	done
}

{
	echo "guest $MV_NODE of $MV_NODES: kernel $(uname -r)"
	if ! net_up; then
		echo "guest $MV_NODE: network setup failed"
		exit 1
	fi
	mapfile -t args < "$MV_SHARE/args"
	bash "$script" "${args[@]}"
} > "$out" 2>&1
