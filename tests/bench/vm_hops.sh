#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vm_hops.sh: the follower's lock+unlock pair alone, against the UDP floor
# of the same run, with the cell's datagrams per pair, then the same pair
# under kprobes to split one datagram hop into its kernel stages (see
# tests/bench/hops.py).  Run inside the VM with the module loaded:
#
#   tests/vm/run.sh --name NAME --module MOD -- tests/bench/vm_hops.sh
#
# Environment: BENCH_ITERS pairs (default 2000), HOPS_ITERS pairs traced
# (default 300), BENCH_TIMING cell timing (default cell_lib.sh's, as
# `make bench` uses).

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BENCH="$BENCH_DIR/dlock-bench"
ITERS=${BENCH_ITERS:-2000}
HOPS_ITERS=${HOPS_ITERS:-300}
[ -n "${BENCH_TIMING:-}" ] && CELL_TIMING="$BENCH_TIMING"
# shellcheck source=../selftests/dlock/cell_lib.sh
source "$BENCH_DIR/../selftests/dlock/cell_lib.sh"
TR=/sys/kernel/tracing

cleanup() {
	if [ -d "$TR" ]; then
		echo 0 > "$TR/tracing_on" 2>/dev/null
		echo 0 > "$TR/events/dlh/enable" 2>/dev/null
		echo > "$TR/kprobe_events" 2>/dev/null
	fi
	cell_down
}
trap cleanup EXIT

ctr_all() {
	local i
	for i in 1 2 3; do
		ns "$i" "$DLCELL" counters
	done | awk '{ s[$1] += $2 } END { for (k in s) print k, s[k] }' | sort
}

# per_pair BEFORE AFTER N: every counter that moved, divided by N
per_pair() {
	join "$1" "$2" | awk -v n="$3" '$3 - $2 > 0 {
		printf "#   %-32s %10.2f\n", $1, ($3 - $2) / n }'
}

cell_up 3 && leader="$(wait_leader 30000)" || exit 1
follower=$((leader % 3 + 1))
ns 1 "$DLCELL" ls-add bench || exit 1
sleep 1
echo "# leader $leader, follower $follower, timing: $CELL_TIMING"
echo "# guest load: $(cat /proc/loadavg)"

"$BENCH" --json --iters "$ITERS" udp "dlc$follower" "dlc$leader" \
	"10.77.0.$leader" || exit 1
ctr_all > /tmp/hops-ctr.before
"$BENCH" --json --iters "$ITERS" pair "dlc$follower" bench follower ||
	{ echo "# the follower pair failed (see leases_lost, revoked below)"
	  for i in 1 2 3; do
		echo "# node $i: $(ns "$i" "$DLCELL" status)"
		ns "$i" "$DLCELL" lockspaces | sed 's/^/#   /'
		ns "$i" "$DLCELL" locks bench | head -5 | sed 's/^/#   /'
	  done
	  dmesg | grep -i dlock | tail -20 | sed 's/^/# dmesg: /'; }
ctr_all > /tmp/hops-ctr.after
echo "# counters per follower lock+unlock pair (sum over the 3 nodes," \
	"$ITERS pairs and 10 warm-up pairs, idle heartbeats included):"
per_pair /tmp/hops-ctr.before /tmp/hops-ctr.after $((ITERS + 10))
"$BENCH" --json --iters "$ITERS" pair "dlc$leader" bench leader ||
	echo "# the leader pair failed"

# Hops: kprobes on the receive and send path of every node.
if [ ! -d "$TR/events" ]; then
	mount -t tracefs nodev "$TR" 2>/dev/null ||
		{ echo "# no tracefs: hops not measured"; exit 0; }
fi
{
	echo 'p:dlh/dlh_tx dlock_node_send dst=%si:u32 src=+8(%dx):u32 op=+32(%dx):u8'
	echo 'p:dlh/dlh_rcv dlock_socket_rcv'
	echo 'p:dlh/dlh_work dlock_node_rx_work'
	echo 'p:dlh/dlh_rx dl_node_recv src=+8(%si):u32 dst=+12(%si):u32 op=+32(%si):u8'
	echo 'r:dlh/dlh_rxr dl_node_recv'
	echo 'p:dlh/dlh_seal dlock_seal'
	echo 'r:dlh/dlh_sealr dlock_seal'
	echo 'p:dlh/dlh_unseal dlock_unseal'
	echo 'r:dlh/dlh_unsealr dlock_unseal'
	echo 'p:dlh/dlh_ioc dlock_chardev_ioctl cmd=%si:u32'
	echo 'r:dlh/dlh_iocr dlock_chardev_ioctl'
} > "$TR/kprobe_events" || { echo "# kprobes refused: hops not measured"; exit 0; }
echo 16384 > "$TR/buffer_size_kb"
echo > "$TR/trace"
echo 1 > "$TR/events/dlh/enable"
echo 1 > "$TR/tracing_on"
"$BENCH" --json --iters "$HOPS_ITERS" pair "dlc$follower" bench follower_traced
echo 0 > "$TR/tracing_on"
cat "$TR/trace" > /tmp/hops-trace.txt
echo "# traced: $(grep -c dlh_rx: /tmp/hops-trace.txt) datagrams received"
python3 "$BENCH_DIR/hops.py" /tmp/hops-trace.txt
exit 0
