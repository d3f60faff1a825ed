#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vm_dlm.sh: the fs/dlm peer of `make bench`, run inside the VM (after
# vm_dlock.sh, same VM).  Forms a one-node fs/dlm cluster the way Debian
# runs one: Debian 6.1's dlm module, corosync (knet, one node on
# 127.0.0.1), dlm_controld without fencing, configfs, and a /dev/misc
# symlink where libdlm looks for dlm-control.  Then dlm-bench runs the
# dlock-bench workloads on it; results are JSON lines on stdout.
#
# fs/dlm serves only init_net, so a multi-node fs/dlm cell needs one kernel
# per node (see Documentation/performance.rst).
#
# Environment: BENCH_ITERS, BENCH_SECS as in vm_dlock.sh.

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DLMB="$HERE/dlm-bench"
ITERS=${BENCH_ITERS:-2000}
SECS=${BENCH_SECS:-5}
LOG=/tmp/bench-dlm

note() {
	echo "# $*"
}

fail() {
	echo "vm_dlm: $*" >&2
	for f in "$LOG".*; do
		[ -s "$f" ] && sed "s|^|# $(basename "$f"): |" "$f" | tail -n 20
	done
	exit 1
}

pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
}
trap cleanup EXIT

# wait_for SECONDS CMD...: poll CMD every 0.2 s until it succeeds.
wait_for() {
	local secs="$1" i
	shift
	for i in $(seq 1 $((secs * 5))); do
		"$@" > /dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}

[ -x "$DLMB" ] || fail "$DLMB not built (make -C tests/bench peers)"
command -v corosync > /dev/null || fail "corosync not installed (make bench-deps)"
command -v dlm_controld > /dev/null || fail "dlm_controld not installed (make bench-deps)"

modprobe dlm || fail "modprobe dlm failed"
mountpoint -q /sys/kernel/config ||
	mount -t configfs none /sys/kernel/config || fail "cannot mount configfs"
[ -e /dev/misc ] || ln -s /dev /dev/misc
mkdir -p /etc/corosync /var/log/corosync /var/lib/corosync /run/dlm

cat > /etc/corosync/corosync.conf <<EOF
totem {
	version: 2
	cluster_name: dlbench
	transport: knet
	crypto_cipher: none
	crypto_hash: none
}
logging {
	to_stderr: yes
	to_logfile: no
	to_syslog: no
}
quorum {
	provider: corosync_votequorum
}
nodelist {
	node {
		name: n1
		nodeid: 1
		ring0_addr: 127.0.0.1
	}
}
EOF

ip link set lo up
corosync -f > "$LOG.corosync" 2>&1 &
pids+=($!)
wait_for 60 corosync-quorumtool -s || fail "corosync did not become quorate"
note "corosync up: $(corosync-quorumtool -s | grep -E '^Quorate' | xargs)"

dlm_controld --foreground --enable_fencing 0 > "$LOG.dlm_controld" 2>&1 &
pids+=($!)
dlm_up() {
	dlm_tool status 2>&1 | grep -q '^cluster nodeid'
}
wait_for 60 dlm_up || fail "dlm_controld did not come up"
note "dlm_controld up: $(dlm_tool status 2>&1 | head -n 1)"

dlmb() {
	"$DLMB" --json --iters "$ITERS" --secs "$SECS" --label-prefix dlm1 "$@"
}

dlmb pair local || fail "dlm-bench pair failed"
for c in 1 8 64 256; do
	dlmb tput "$c" || fail "dlm-bench tput $c failed"
done
for c in 8 64; do
	dlmb handoff "$c" || fail "dlm-bench handoff $c failed"
done
exit 0
