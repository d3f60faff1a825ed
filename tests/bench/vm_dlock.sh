#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vm_dlock.sh: the dlock half of `make bench`, run inside the VM with the
# module loaded (tests/bench/run.sh starts it).  Forms a 3-node cell of
# network namespaces with cell_lib.sh and runs every dlock-bench measurement
# on it; each result is one JSON line on stdout (lines starting with '{'),
# everything else is commentary.
#
# Environment:
#   BENCH_ITERS      lock+unlock pairs of the 1-client runs (default 2000)
#   BENCH_SECS       seconds of each multi-client run (default 5)
#   BENCH_FAILOVERS  failover repetitions (default 10)
#   BENCH_LOCKS      locks held for the memory measurement (default 1000000)
#   BENCH_MEM_SECS   time budget for taking them (default 300); when it runs
#                    out, memory is measured with the locks held by then
#   BENCH_TIMING     cell timing words (dlcell set) of the cell that runs
#                    everything but failover (default: cell_lib.sh's, 400/
#                    100/2000/800 ms: on a loaded host the module's 1 s
#                    lease runs out between a node's work items, and lease
#                    losses, not locking, would be measured)
#   BENCH_MEM_TIMING the same for the memory run's cell (default: election
#                    1 s, heartbeat 300 ms, lease 10 s, lock delay 2 s: a
#                    lease lost while a million locks are taken revokes
#                    them all, and the run measures nothing)
#   BENCH_FAILOVER_TIMING
#                    the same for the failover cell (default: none, i.e. the
#                    module's defaults, which the failover target is about)

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BENCH="$HERE/dlock-bench"
ITERS=${BENCH_ITERS:-2000}
SECS=${BENCH_SECS:-5}
FAILOVERS=${BENCH_FAILOVERS:-10}
LOCKS=${BENCH_LOCKS:-1000000}
MEM_SECS=${BENCH_MEM_SECS:-300}
[ -n "${BENCH_TIMING:-}" ] && CELL_TIMING="$BENCH_TIMING"
# A blank (not empty) value keeps cell_lib.sh from putting in its own
# timing: dlcell set then sends none, and the module uses its defaults.
FAILOVER_TIMING=${BENCH_FAILOVER_TIMING:- }
MEM_TIMING=${BENCH_MEM_TIMING:-"election_ms=1000 heartbeat_ms=300 lease_ms=10000 delay_ms=2000"}
# shellcheck source=../selftests/dlock/cell_lib.sh
source "$HERE/../selftests/dlock/cell_lib.sh"

trap 'cell_down' EXIT

note() {
	echo "# $*"
}

# emit JSON-LINE: print one extra result line (for facts the script knows).
emit() {
	echo "$1"
}

# wait_ls NAME: until every node's replica lists lockspace NAME (creation
# is replicated, and a loaded guest applies it on a follower late; a
# client opening it before gets ENOENT).
wait_ls() {
	local i t
	for i in $(seq 1 "$CELL_N"); do
		for t in $(seq 1 300); do
			ns "$i" "$DLCELL" lockspaces | grep -q "name=$1 " && break
			[ "$t" -lt 300 ] || return 1
			sleep 0.1
		done
	done
}

bench() {
	"$BENCH" --json --iters "$ITERS" --secs "$SECS" --mem-secs "$MEM_SECS" "$@"
}

nodes_ns() {
	local i
	for i in $(seq 1 "$CELL_N"); do
		echo "dlc$i"
	done
}

if ! cell_up 3 || ! leader="$(wait_leader 30000)"; then
	echo "vm_dlock: the 3-node cell did not form" >&2
	exit 1
fi
follower=$((leader % 3 + 1))
note "cell formed, leader $leader, follower used: $follower, timing: $CELL_TIMING"
ns 1 "$DLCELL" ls-add bench && wait_ls bench || exit 1

emit "{\"kind\":\"env\",\"label\":\"vm\",\"nproc\":$(nproc),\"load1\":$(cut -d' ' -f1 /proc/loadavg),\"mem_mb\":$(awk '/MemTotal/ { print int($2 / 1024) }' /proc/meminfo),\"kernel\":\"$(uname -r)\"}"

bench udp "dlc$follower" "dlc$leader" "10.77.0.$leader" || exit 1
bench ioctl "dlc$follower" || exit 1
bench pair "dlc$leader" bench leader || exit 1
bench pair "dlc$follower" bench follower || exit 1

# The node cache (a lockspace option, "cache on"), when this module and
# dlockadm have it.
if dlockadm -n "dlc1" lockspace add benchc cache on 2>/tmp/bench-cache.err &&
   wait_ls benchc; then
	bench pair "dlc$leader" benchc cached_leader
	bench pair "dlc$follower" benchc cached_follower
else
	note "node cache not available: $(head -n 1 /tmp/bench-cache.err)"
	emit '{"kind":"pair","label":"cached_follower","unavailable":1}'
fi

mapfile -t all_ns < <(nodes_ns)
for c in 1 8 64 256; do
	bench tput bench "$c" "${all_ns[@]}"
done
for c in 8 64; do
	bench handoff bench "$c" "${all_ns[@]}"
done

cell_down

# Memory, on a fresh cell (nothing else allocated in it) with the memory
# timing.
CELL_TIMING="$MEM_TIMING"
if ! cell_up 3 || ! leader="$(wait_leader 30000)" ||
   ! ns 1 "$DLCELL" ls-add mem || ! wait_ls mem; then
	echo "vm_dlock: the memory cell did not form" >&2
	exit 1
fi
note "memory cell timing: $CELL_TIMING"
bench memory mem "dlc$leader" "$LOCKS"
ns 1 "$DLCELL" lockspaces | sed 's/^/# after release: /'
cell_down

# Failover, on a fresh cell with the failover timing: cut the leader's
# link, time the first grant on a survivor, bring the link back and wait
# until all three agree on a leader again.
CELL_TIMING="$FAILOVER_TIMING"
if ! cell_up 3 || ! wait_leader 30000 > /dev/null ||
   ! ns 1 "$DLCELL" ls-add fo || ! wait_ls fo; then
	echo "vm_dlock: the failover cell did not form" >&2
	exit 1
fi
if [ -z "${CELL_TIMING// /}" ]; then
	note "failover cell timing: the module's defaults"
else
	note "failover cell timing: $CELL_TIMING"
fi
sleep 1
for r in $(seq 1 "$FAILOVERS"); do
	if ! leader="$(wait_leader 30000)"; then
		note "failover $r: no agreed leader before the cut"
		break
	fi
	client=$((leader % 3 + 1))
	bench failover fo "dlc$client" "dlc$leader"
	ns "$leader" ip link set eth0 up
	# The old leader rejoins as a follower; the next cut needs all three
	# and a leader that has had time to settle its followers' sessions.
	wait_leader 30000 > /dev/null
	sleep 1
done
exit 0
