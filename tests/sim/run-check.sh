#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-check.sh - the simulator part of `make sim-check`: seeded runs of 3, 5
# and 7 voters with every fault kind (two dlock-sim processes at a time, one
# per core, over split seed ranges), the same with the node-level grant
# cache on (--cache), the 5-voter 1,000-member run, the
# leader-crash scenario and a fault-free run that prints messages per lock
# operation, and bare-Raft runs (--layer raft).  One TAP line per batch; ends with "N passed, N failed" counted
# in runs (plus the unit tests' cases).  A failing batch keeps its log (with the replay command of every
# failing seed) in check-out/.
#
# Knobs: SIM_RUNS (runs per voter count, default 700 => 2,100 runs),
# SIM_BIN (default ./dlock-sim-asan: ASan+UBSan), SIM_JOBS (default 2).
set -u
cd "$(dirname "$0")"

RUNS=${SIM_RUNS:-700}
BIN=${SIM_BIN:-./dlock-sim-asan}
JOBS=${SIM_JOBS:-2}
OUT=check-out
rm -rf "$OUT"
mkdir -p "$OUT"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# name|arguments: every batch is one dlock-sim invocation
batches=()
half=$(( RUNS / 2 ))
for n in 3 5 7; do
	base=$(( n * 100000 + 1 ))
	batches+=("v${n}a|--nodes $n --seed $base --runs $half --faults all")
	batches+=("v${n}b|--nodes $n --seed $(( base + half )) --runs $(( RUNS - half )) --faults all")
done
# bare Raft under the same faults: tells a Raft bug from a node bug
for n in 3 5 7; do
	batches+=("raft-v${n}|--layer raft --nodes $n --seed $(( n * 1000 + 1 )) --runs 300 --faults all")
done
# members under every fault, and longer runs with more contention
batches+=("members20|--nodes 3 --members 20 --clients 20 --ops 30 --duration 15 --seed 30001 --runs 40 --faults all")
batches+=("long|--nodes 5 --clients 20 --ops 60 --duration 30 --seed 20001 --runs 20 --faults all")
batches+=("members1000|--nodes 5 --members 1000 --clients 40 --ops 10 --seed 7 --runs 1 --faults all")
batches+=("leader-crash|--nodes 5 --clients 10 --ops 40 --duration 15 --seed 500 --runs 4 --faults none --scenario leader-crash")
batches+=("nofaults|--nodes 3 --clients 6 --ops 50 --seed 1 --runs 1 --faults none")
# voters crash right after granting a vote and restart: one leader per term
for n in 3 5 7; do
	batches+=("vote-restart-v${n}|--layer raft --scenario vote-restart --nodes $n --seed $(( n * 1000 + 501 )) --runs 150 --faults all")
done
batches+=("vote-restart-node|--scenario vote-restart --nodes 3 --seed 40001 --runs 60 --faults all")
# a follower cut off while 20,000 locks are taken catches up by snapshot,
# each chunk sent about once (FINDINGS 7)
batches+=("snapshot-lag|--scenario snapshot-lag --nodes 3 --seed 1")
# the node-level grant cache (kmod/core/cache.c): the lockspace caches
# grants on nodes; the checker's holders are the local owners, so two
# incompatible owners anywhere or a token not above an ended incompatible
# holding fails the run, and a batch whose nodes never granted from their
# cache fails too
batches+=("cache-v3|--cache --nodes 3 --seed 310001 --runs 300 --faults all")
batches+=("cache-v5|--cache --nodes 5 --seed 510001 --runs 300 --faults all")
batches+=("cache-v7|--cache --nodes 7 --seed 710001 --runs 200 --faults all")
# allocations fail at random on every node during the fault phase (issue
# 7): a replica must apply every committed command as the others do, only
# later; the end-of-run replica-agreement check compares the voters' lock
# tables byte for byte
batches+=("failalloc-v3|--nodes 3 --seed 910001 --runs 200 --faults all --fail-alloc 100")
batches+=("failalloc-v5|--nodes 5 --seed 960001 --runs 100 --faults all --fail-alloc 100")
# requests never answered after an allocation failure (FINDINGS 11): each
# range held a failing seed before the fix (300283, 400246, 940023); ~12 s
batches+=("failalloc200-v3|--nodes 3 --seed 300001 --runs 300 --faults all --fail-alloc 200")
batches+=("failalloc-v5-hello|--nodes 5 --seed 400001 --runs 300 --faults all --fail-alloc 100")
# an APPEND/APPEND_RESP storm (more than 2,000,000 events queued) fed by
# stale answers that flipped a follower between probe and pipeline
# (FINDINGS 12): seed 300934 failed before the fix
batches+=("failalloc200-storm|--nodes 3 --seed 300931 --runs 10 --faults all --fail-alloc 200")
# a snapshot transfer stalled for good: the follower lost its load for
# memory and restarted it from a stale first chunk, the leader took its
# answers for old ones (FINDINGS 17): seed 1000100 failed before the fix
batches+=("failalloc-long-snapshot|--nodes 5 --clients 20 --ops 60 --duration 30 --seed 1000096 --runs 10 --faults all --fail-alloc 100")
# a leader short of memory answered a retransmitted request FAILED while
# its first copy was in the log: a lock granted that its node forgot
# (FINDINGS 18): seed 5000040 failed before the fix
batches+=("failalloc-v7-members|--nodes 7 --members 20 --clients 27 --ops 30 --duration 20 --seed 5000036 --runs 5 --faults all --fail-alloc 100")
batches+=("failalloc-cache-v3|--cache --nodes 3 --seed 940001 --runs 100 --faults all --fail-alloc 50")
# a local waiter's timeout that grants the next waiter, whose request the
# timer's walk was about to visit (FINDINGS 16): seed 1000749 was a
# use-after-free (an endless timer loop without ASan) before the fix
batches+=("cache-timeout-walk|--cache --nodes 3 --seed 1000741 --runs 20 --faults all")
batches+=("cache-members20|--cache --nodes 3 --members 20 --clients 20 --ops 30 --duration 15 --seed 40001 --runs 30 --faults all")
# the slides' algorithms (classic_sim.c): 600 seeded runs each, all faults
for algo in bully ring ra; do
	for n in 3 5 7; do
		batches+=("${algo}-v${n}|--algo $algo --nodes $n --seed $(( n * 10000 + 1 )) --runs 200 --faults all")
	done
done

run_batch() {
	local name=${1%%|*} args=${1#*|}
	local start=$SECONDS
	# shellcheck disable=SC2086
	"$BIN" -q $args > "$OUT/$name.log" 2>&1
	echo "$? $(( SECONDS - start ))" > "$OUT/$name.rc"
}
export -f run_batch
export BIN OUT

passed=0
failed=0

# the checker and event-queue unit tests first: TAP from kselftest_harness
for t in checker_test heap_test; do
	out=$(./$t 2>&1)
	echo "$out"
	totals=$(echo "$out" | grep -E '^# Totals: ' | tail -n 1)
	p=$(echo "$totals" | sed -nE 's/.*pass:([0-9]+).*/\1/p')
	f=$(echo "$totals" | sed -nE 's/.*fail:([0-9]+).*/\1/p')
	[ -n "$p" ] || { p=0; f=1; }
	passed=$(( passed + p ))
	failed=$(( failed + f ))
done

t0=$SECONDS
printf '%s\n' "${batches[@]}" | xargs -P "$JOBS" -I{} bash -c 'run_batch "$@"' _ {}

i=0
echo "TAP version 13"
echo "1..$(( ${#batches[@]} + 1 ))"
for b in "${batches[@]}"; do
	name=${b%%|*}
	args=${b#*|}
	i=$(( i + 1 ))
	log="$OUT/$name.log"
	read -r rc secs < "$OUT/$name.rc" || { rc=99; secs=0; }
	summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
	p=0
	f=0
	if [ -n "$summary" ]; then
		p=${summary%% passed*}
		f=${summary#*, }
		f=${f%% failed*}
	fi
	# a crash or sanitizer abort leaves no summary: count it as a failure
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		f=1
	fi
	passed=$(( passed + p ))
	failed=$(( failed + f ))
	if [ "$rc" = 0 ] && [ "$f" = 0 ] && [ "$p" -gt 0 ]; then
		echo "ok $i - $name: $p runs passed in ${secs}s ($args)"
	else
		echo "not ok $i - $name: $p passed, $f failed, exit $rc ($args)"
		grep -E '^(not ok|# seed|# replay)' "$log" | head -n 20 | sed 's/^/# /'
		echo "#   full log: tests/sim/$log"
	fi
	if [ "$name" = nofaults ] || [ "$name" = members1000 ]; then
		grep -E '^# (messages|requests|datagrams)' "$log" | sed "s/^# /# $name: /"
	fi
	if [ "$name" = snapshot-lag ]; then
		grep -E '^# snapshot-lag' "$log" | sed "s/^# snapshot-lag: /# $name: /"
	fi
done
# same seed, same trace: two runs of three seeds must print identical lines
i=$(( i + 1 ))
det_args="--nodes 5 --seed 4242 --runs 3 --faults all"
# shellcheck disable=SC2086
a=$("$BIN" $det_args 2>&1 | grep -E '^(ok|not ok) ')
# shellcheck disable=SC2086
b=$("$BIN" $det_args 2>&1 | grep -E '^(ok|not ok) ')
if [ -n "$a" ] && [ "$a" = "$b" ]; then
	echo "ok $i - deterministic: same seeds give the same trace hashes"
	passed=$(( passed + 1 ))
else
	echo "not ok $i - deterministic: traces differ between two runs ($det_args)"
	diff <(echo "$a") <(echo "$b") | head -n 10 | sed 's/^/# /'
	failed=$(( failed + 1 ))
fi
echo "# simulator wall time: $(( SECONDS - t0 ))s"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
