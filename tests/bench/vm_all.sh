#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vm_all.sh: everything `make bench` measures inside the VM, in order:
# dlock (vm_dlock.sh), fs/dlm one-node (vm_dlm.sh), etcd in netns
# (etcd.sh netns).  A part that fails is reported as an error result line
# ({"kind":"error",...}) and the others still run; the exit status is the
# number of failed parts.

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
failed=0

part() {
	local system="$1"
	shift
	echo "# --- $system: $* ($(cut -d' ' -f1-3 /proc/loadavg))"
	if ! "$@"; then
		echo "{\"kind\":\"error\",\"system\":\"$system\",\"label\":\"$(basename "$1")\"}"
		failed=$((failed + 1))
	fi
}

part dlock "$HERE/vm_dlock.sh"
part dlm1 "$HERE/vm_dlm.sh"
part etcd_vm "$HERE/etcd.sh" netns
exit "$failed"
