#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# jepsen.sh: a Jepsen-style run on a live cell, inside the test VM (root,
# dlock.ko loaded; `make jepsen` or tests/bats/jepsen.bats start it).
#
#   jepsen.sh [--seconds N] [--seed S] [--nodes N] [--clients N]
#             [--resources N] [--bound MS] [--out DIR]
#
# Forms an N-node cell (default 5) of network namespaces, starts --clients
# (default 2) workload clients on every node (jepsen_client run: locks on
# --resources hot resources, a fenced register updated under write locks),
# and for --seconds (default 60) lets the nemesis (nemesis.sh) put random
# faults in place and heal them, one at a time.  Then every fault is healed,
# the cell must agree on one leader and grant a lock within --bound ms
# (default 60000), the clients finish, and jepsen_check checks the merged
# history.  Prints TAP.  The seed (default: from the clock) is printed
# first; the same seed replays the same schedule of faults.
#
# Results go to --out (default /dlock-vm/jepsen, the VM runner's writable
# share, which the host sees as .build/vm/run-NAME/jepsen; /tmp/jepsen
# outside the VM): history (merged, sorted by time), check.txt (the
# checker's report), hist/ (one file per client and the nemesis), reg/
# (the register's own logs).

JEPSEN_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$JEPSEN_DIR/../.." && pwd)"
JC="$JEPSEN_DIR/jepsen_client"
JCHECK="$JEPSEN_DIR/jepsen_check"

seconds=60
seed=""
n_nodes=5
per_node=2
nres=3
bound=60000
out=""
while [ $# -gt 0 ]; do
	case "$1" in
	(--seconds) seconds="$2"; shift 2 ;;
	(--seed) seed="$2"; shift 2 ;;
	(--nodes) n_nodes="$2"; shift 2 ;;
	(--clients) per_node="$2"; shift 2 ;;
	(--resources) nres="$2"; shift 2 ;;
	(--bound) bound="$2"; shift 2 ;;
	(--out) out="$2"; shift 2 ;;
	(*) echo "jepsen.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
for v in "$seconds" "$n_nodes" "$per_node" "$nres" "$bound"; do
	[[ "$v" =~ ^[1-9][0-9]*$ ]] || {
		echo "jepsen.sh: numbers must be positive integers" >&2
		exit 2
	}
done
[ -n "$seed" ] || seed=$(( $(date +%s%N) % 1000000 ))
[[ "$seed" =~ ^[0-9]+$ ]] || { echo "jepsen.sh: --seed wants a number" >&2; exit 2; }
if [ -z "$out" ]; then
	if [ -d /dlock-vm ] && [ -w /dlock-vm ]; then
		out=/dlock-vm/jepsen
	else
		out=/tmp/jepsen
	fi
fi

# Sessions with room for a loaded TCG guest (see cell_failover.sh), short
# enough that partitions of a few seconds cost nodes their leases.
CELL_TIMING=${CELL_TIMING:-"election_ms=1000 heartbeat_ms=200 lease_ms=4000 delay_ms=2000"}
# shellcheck source=../selftests/dlock/cell_lib.sh
source "$REPO/tests/selftests/dlock/cell_lib.sh"
# shellcheck source=nemesis.sh
source "$JEPSEN_DIR/nemesis.sh"

echo "# jepsen: seed $seed, $seconds s of faults, $n_nodes nodes, $per_node clients each, $nres resources"
replay="make jepsen JEPSEN_SEED=$seed JEPSEN_SECONDS=$seconds"

for b in "$JC" "$JCHECK" "$DLCELL"; do
	if [ ! -x "$b" ]; then
		not_ok "$b is built (make -C tests/jepsen; make -C tests/selftests/dlock)"
		tap_done
		exit 1
	fi
done

rm -rf "$out"
mkdir -p "$out/hist" "$out/reg" || exit 1
NEM_LOG="$out/hist/nemesis"
RUN_LOG="$out/hist/runner"
: > "$NEM_LOG"
: > "$RUN_LOG"
declare -A node_pids gen

cleanup() {
	local p

	for p in "${node_pids[@]}"; do
		# shellcheck disable=SC2086 # a list of pids
		kill -9 $p 2>/dev/null
	done
	nft delete table bridge "$NEM_TABLE" 2>/dev/null
	cell_down
}
trap cleanup EXIT

run_log() {		# run_log OP RESULT [VALUE]
	echo "$("$JC" now) runner - info $1 - - $2 - ${3:--} -" >> "$RUN_LOG"
}

start_clients() {	# start_clients NODE
	local i="$1" k name left started=""

	left=$((workload_end - SECONDS))
	[ "$left" -gt 0 ] || return 0
	gen[$i]=$((${gen[$i]:--1} + 1))
	for k in $(seq 1 "$per_node"); do
		name="c$i.$k.g${gen[$i]}"
		"$JC" -n "dlc$i" run "$name" "$i" jepsen "$nres" "$left" \
			"$seed" "$out/hist/$name" "$out/reg" &
		started+="$! "
	done
	node_pids[$i]="$started"
}

# The nemesis's crash hook: the node's clients die without a word.
nem_on_crash() {
	local i="$1" p

	for p in ${node_pids[$i]}; do kill -9 "$p" 2>/dev/null; done
	for p in ${node_pids[$i]}; do wait "$p" 2>/dev/null; done
	node_pids[$i]=""
}

nem_on_restart() {
	start_clients "$1"
}

# --- the cell -------------------------------------------------------------
t0=$SECONDS
if ! cell_up "$n_nodes" || ! leader="$(wait_leader 30000)" ||
   ! ns 1 "$DLCELL" ls-add jepsen; then
	not_ok "$n_nodes-node cell formed with a lockspace"
	tap_done
	exit 1
fi
ok "$n_nodes-node cell formed in $((SECONDS - t0)) s, leader $leader"

# --- workload and faults ----------------------------------------------------
RANDOM=$seed
# Clients run through the faults and 8 s past their end, so the history
# shows the cell serving them again after the final heal.
workload_end=$((SECONDS + seconds + 8))
for i in $(seq 1 "$n_nodes"); do start_clients "$i"; done
faults=0
kinds_run=""
fault_end=$((SECONDS + seconds))
# Calm first: let every client lock once on a healthy cell.
sleep 2
while [ $((SECONDS + 3)) -lt "$fault_end" ]; do
	kind="${NEM_KINDS[$((RANDOM % ${#NEM_KINDS[@]}))]}"
	left=$((fault_end - SECONDS - 1))
	secs=$((2 + RANDOM % 5))
	[ "$secs" -le "$left" ] || secs="$left"
	echo "# nemesis: t=$((SECONDS - t0)) s: $kind for $secs s"
	nem_fault "$kind" "$secs"
	case "$kind" in
	(flap|crash*) ;;
	(*) sleep "$secs" ;;
	esac
	nem_heal_all
	faults=$((faults + 1))
	[[ " $kinds_run " == *" $kind "* ]] || kinds_run+="$kind "
	sleep $((1 + RANDOM % 3))
done
nem_heal_all
ok "$faults faults in $seconds s (seed $seed): $kinds_run"

echo "# t=$((SECONDS - t0)) s: faults over"
# --- recovery ---------------------------------------------------------------
if leader="$(wait_leader "$bound")"; then
	run_log leader ok "$leader"
	ok "all $n_nodes nodes agree on leader $leader after the final heal"
else
	not_ok "all $n_nodes nodes agree on one leader within $bound ms of the final heal"
fi
"$JC" -n dlc1 probe probe 1 jepsen probe $(((bound + 999) / 1000)) "$out/hist/probe"
check "the cell grants a lock after the final heal" [ $? -eq 0 ]

# --- the clients finish: every request they make carries a timeout ---------
deadline=$((workload_end + 60))
stuck=""
for i in $(seq 1 "$n_nodes"); do
	for p in ${node_pids[$i]}; do
		while kill -0 "$p" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do
			sleep 0.5
		done
		if kill -0 "$p" 2>/dev/null; then
			stuck+="$p "
			kill -9 "$p"
		fi
		wait "$p" 2>/dev/null
	done
	node_pids[$i]=""
done
check "every client finished on its own${stuck:+ (killed: $stuck)}" [ -z "$stuck" ]

echo "# t=$((SECONDS - t0)) s: clients done"
# --- the history and its check ----------------------------------------------
"$JC" final "$nres" "$out/hist/final" "$out/reg"
{
	cat "$out"/hist/*
	for f in "$out"/reg/reg.*; do
		[ -e "$f" ] && cut -d' ' -f5- "$f"
	done
} | sort -n -s -k1,1 > "$out/history"
"$JCHECK" -b "$bound" "$out/history" > "$out/check.txt"
check_rc=$?
sed 's/^/# /' "$out/check.txt" | head -n 60
check "checker: $(tail -n 1 "$out/check.txt") in $(wc -l < "$out/history") events" \
	[ "$check_rc" -eq 0 ]

echo "# t=$((SECONDS - t0)) s: checked"
if [ "$tap_fail" -ne 0 ]; then
	where="$out"
	if [ "$out" = /dlock-vm/jepsen ] && [ -n "${DLOCK_VM_NAME:-}" ]; then
		where="$REPO/.build/vm/run-$DLOCK_VM_NAME/jepsen (on the host)"
	fi
	echo "# jepsen FAILED: history kept in $where"
	echo "# replay: $replay"
fi
tap_done
