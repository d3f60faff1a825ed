#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# etcd.sh MODE: the etcd peer of `make bench`.  Starts a 3-member etcd
# cluster (Debian's etcd-server) and runs etcd-bench's workloads on it
# through the v3 JSON gateway; results are JSON lines on stdout.
#
#   netns      in the VM: members in network namespaces etc1..etc3 on a
#              bridge (10.78.0.1..3), like dlock's nodes; system "etcd_vm"
#   loopback   natively on the host: members on 127.0.0.1, ports 23791..3
#              (client) and 23801..3 (peer); system "etcd_host".  Nothing
#              leaves loopback.
#
# Environment: BENCH_ETCD_ITERS pairs of the 1-client run (default 500 on
# the host, 100 in the VM, where one pair takes about half a second under
# emulation), BENCH_SECS as in vm_dlock.sh.  In the VM the 256-client run
# is left out: its 256 lease grants alone take minutes there, and the
# 64-client run already shows where etcd under TCG stands.

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
EB="$HERE/etcd-bench"
MODE="${1:-}"
ITERS=${BENCH_ETCD_ITERS:-}
SECS=${BENCH_SECS:-5}
DATA=/tmp/bench-etcd.$MODE

pids=()
cleanup() {
	local p i
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	if [ "$MODE" = netns ]; then
		for i in 1 2 3; do
			ip netns del "etc$i" 2>/dev/null
		done
		ip link del etcbr 2>/dev/null
	fi
	rm -rf "$DATA"
}
trap cleanup EXIT

fail() {
	local i
	echo "etcd.sh: $*" >&2
	for i in 1 2 3; do
		[ -s "$DATA/m$i.log" ] && tail -n 5 "$DATA/m$i.log" | sed "s/^/# m$i: /"
	done
	exit 1
}

case "$MODE" in
(netns)
	addr() { echo "10.78.0.$1"; }
	cport() { echo 2379; }
	pport() { echo 2380; }
	in_member() { local i="$1"; shift; ip netns exec "etc$i" "$@"; }
	system=etcd_vm
	ITERS=${ITERS:-100}
	SIZES="1 8 64"
	;;
(loopback)
	addr() { echo 127.0.0.1; }
	cport() { echo $((23790 + $1)); }
	pport() { echo $((23800 + $1)); }
	in_member() { shift; "$@"; }
	system=etcd_host
	ITERS=${ITERS:-500}
	SIZES="1 8 64 256"
	;;
(*)
	echo "usage: etcd.sh netns|loopback" >&2
	exit 2
	;;
esac

[ -x "$EB" ] || fail "$EB not built (make -C tests/bench peers)"
command -v etcd > /dev/null || fail "etcd not installed (make bench-deps)"

rm -rf "$DATA"
mkdir -p "$DATA"
if [ "$MODE" = netns ]; then
	ip link add etcbr type bridge || fail "cannot make the bridge"
	ip link set etcbr up
	for i in 1 2 3; do
		ip netns add "etc$i" || fail "cannot make netns etc$i"
		ip link add "etv$i" type veth peer name eth0 netns "etc$i"
		ip link set "etv$i" master etcbr up
		ip -n "etc$i" link set lo up
		ip -n "etc$i" addr add "10.78.0.$i/24" dev eth0
		ip -n "etc$i" link set eth0 up
	done
fi

cluster=""
for i in 1 2 3; do
	cluster+="${cluster:+,}m$i=http://$(addr "$i"):$(pport "$i")"
done
for i in 1 2 3; do
	in_member "$i" etcd --name "m$i" --data-dir "$DATA/m$i" \
		--listen-client-urls "http://$(addr "$i"):$(cport "$i")" \
		--advertise-client-urls "http://$(addr "$i"):$(cport "$i")" \
		--listen-peer-urls "http://$(addr "$i"):$(pport "$i")" \
		--initial-advertise-peer-urls "http://$(addr "$i"):$(pport "$i")" \
		--initial-cluster "$cluster" --initial-cluster-state new \
		--initial-cluster-token bench > "$DATA/m$i.log" 2>&1 &
	pids+=($!)
done

healthy() {
	local i
	for i in 1 2 3; do
		in_member "$i" curl -s -m 5 "http://$(addr "$i"):$(cport "$i")/health" |
			grep -q '"health":"true"' || return 1
	done
}
start=$(date +%s)
until healthy; do
	[ $(($(date +%s) - start)) -lt 180 ] || fail "the etcd cluster did not become healthy in 180 s"
	sleep 1
done
echo "# etcd ($MODE): 3 members healthy after $(($(date +%s) - start)) s"

# The client runs where a client of each member would: in the VM, in the
# first member's namespace, which reaches the others over the bridge.
eps=""
for i in 1 2 3; do
	eps+="${eps:+,}$(addr "$i"):$(cport "$i")"
done
eb() {
	in_member 1 "$EB" --json --iters "$ITERS" --secs "$SECS" \
		--system "$system" --endpoints "$eps" "$@"
}

# pair: one client on the first member, as dlock's 1-client pair.
eb pair local || fail "etcd-bench pair failed"
for c in $SIZES; do
	eb tput "$c" || fail "etcd-bench tput $c failed"
done
for c in 8 64; do
	eb handoff "$c" || fail "etcd-bench handoff $c failed"
done
exit 0
