#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# cell_sample.sh: the in-kernel API from kernel context.  In a running
# 3-node cell, sample/dlock_sample.ko is loaded into a follower's namespace;
# its init takes, contends, converts and releases locks through the
# exported API (see dlock_sample.c) and refuses to load on any failure.
# Then the cell is left running with a lockspace and a fresh lock history,
# and the sample unloaded.

source "$(dirname "${BASH_SOURCE[0]}")/cell_lib.sh"

SAMPLE="${DLOCK_SAMPLE_KO:-$HERE/sample/dlock_sample.ko}"
trap cell_down EXIT

if [ ! -f "$SAMPLE" ]; then
	not_ok "sample module built ($SAMPLE)"
	tap_done
	exit
fi
if ! cell_up 3 || ! leader="$(wait_leader 10000)" ||
   ! ns 1 "$DLCELL" ls-add sample; then
	not_ok "3-node cell formed with lockspace 'sample'"
	tap_done
	exit
fi
ok "3-node cell formed, leader $leader"
node=$((leader % 3 + 1))

if ns "$node" insmod "$SAMPLE" ls=sample res=kres; then
	ok "sample client on node $node passed (insmod)"
else
	not_ok "sample client on node $node failed"
fi
dmesg | grep 'dlock_sample:' | tail -n 8 | sed 's/^/# /'
if grep -q '^dlock_sample ' /proc/modules; then
	check "sample client unloads" rmmod dlock_sample
fi
tap_done
