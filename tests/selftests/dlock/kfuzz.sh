#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kfuzz.sh: the kernel-interface fuzzers against a live 3-node cell, each
# followed by the checks that matter: the cell still elects and serves a
# lock, the drop counters moved, and no memory was lost.  The VM runner
# fails the run on any oops, warning, KASAN or UBSAN report in the log.
#
#   kfuzz.sh                 counts for make check (a minute or so)
#   KFUZZ_SCALE=N kfuzz.sh   N times the counts: 3,300 /dev/dlock
#                            operations, up to 3,000 netlink messages, 10,000
#                            datagrams each
#   KFUZZ_DATAGRAMS=N        the datagram count alone (make kfuzz: scale
#                            40 and 1,050,000 datagrams)
#   KFUZZ_SEED=S kfuzz.sh    replay: every fuzzer's seed derives from S,
#                            which is printed at the start
#
#   kfuzz_ioctl  in node 1's namespace (and a few in a namespace without a
#                node), on the lockspace kfuzz-ls
#   kfuzz_genl   read-only commands in node 1's namespace, every command
#                in namespaces of their own (a node configured at random),
#                500 messages or 10 s each
#   kfuzz_udp    from the bridge's namespace to node 1, which knows the
#                fuzzer as member 9 (so sealed garbage gets past the seal)
#
# Memory: with kmemleak (the debug kernel) a scan after the cell is gone
# must find nothing allocated by dlock (not cleared first: a leak of an
# earlier test counts too, make check-debug clears only after boot);
# without it, the kernel's
# unreclaimable slab after the run may not exceed the level before it by
# more than KFUZZ_SLAB_SLACK_KB (default 4096): a rough net for leaks of
# one object per request, which at these counts would be megabytes.

source "$(dirname "${BASH_SOURCE[0]}")/cell_lib.sh"

SCALE=${KFUZZ_SCALE:-1}
SEED=${KFUZZ_SEED:-$(date +%s)}
SLACK_KB=${KFUZZ_SLAB_SLACK_KB:-4096}
FUZZ_NS=dlcfz
FUZZ_ADDR=10.77.0.254
FUZZ_PEER=9
KMEMLEAK=/sys/kernel/debug/kmemleak

echo "# kfuzz: seed $SEED scale $SCALE (replay: KFUZZ_SEED=$SEED KFUZZ_SCALE=$SCALE)"
trap 'cell_down; ip netns del $FUZZ_NS 2>/dev/null' EXIT

sunreclaim_kb() {
	awk '$1 == "SUnreclaim:" { print $2 }' /proc/meminfo
}

# Let deferred frees (RCU, the namespaces' cleanup work) land before
# reading memory: until unreclaimable slab stops falling (20 s at most).
settle_memory() {
	local prev now i

	sync
	echo 3 > /proc/sys/vm/drop_caches 2>/dev/null
	prev=$(sunreclaim_kb)
	for i in $(seq 1 "$(scaled 20)"); do
		sleep 1
		now=$(sunreclaim_kb)
		[ $((prev - now)) -gt 64 ] || break
		prev=$now
	done
}

# Sum of the counters of node I whose names start with PREFIX.
counter_sum() {
	ns "$1" "$DLCELL" counters "$2" | awk '{ s += $2 } END { print s + 0 }'
}

settle_memory
slab_before=$(sunreclaim_kb)

if ! cell_up 3 || ! leader="$(wait_leader 20000)" ||
   ! ns 1 "$DLCELL" ls-add kfuzz-ls; then
	not_ok "3-node cell formed with lockspace kfuzz-ls"
	echo "# kfuzz: $SECONDS s in all"
tap_done
	exit
fi
ok "3-node cell formed with lockspace kfuzz-ls, leader $leader"

# timed DESCRIPTION CMD...: check, with the seconds it took in the name.
timed() {
	local desc="$1" start=$SECONDS
	shift
	if "$@"; then
		ok "$desc ($((SECONDS - start)) s)"
	else
		not_ok "$desc ($((SECONDS - start)) s)"
	fi
}

# serves I: node I takes and releases an EX lock (20 s of retries: the
# cell may be electing after a fuzzer's flood).
serves() {
	local i="$1" tries

	for tries in $(seq 1 "$(scaled 40)"); do
		ns "$i" "$DLCELL" try kfuzz-ls "kfuzz-serves-$tries" EX \
			>/dev/null 2>&1 && return 0
		sleep 0.5
	done
	return 1
}

# --- /dev/dlock ---
n=$((3000 * SCALE))
timed "kfuzz_ioctl: $n operations in node 1" \
	ns 1 "$HERE/kfuzz_ioctl" -s "$SEED" -n "$n" kfuzz-ls
timed "kfuzz_ioctl: $((n / 10)) operations with no node" \
	"$HERE/kfuzz_ioctl" -s "$((SEED + 1))" -n $((n / 10)) kfuzz-ls
check "the cell serves a lock after the ioctl fuzzer" serves 2

# --- generic netlink ---
# Read-only to the live node (its dumps cost more), every command to a
# spare one: 3000 in all per SCALE.
n=$((1500 * SCALE))
timed "kfuzz_genl: $((n / 3)) read-only messages to node 1" \
	ns 1 "$HERE/kfuzz_genl" -r -s "$((SEED + 2))" -n "$((n / 3))"
# In fresh namespaces, 500 messages each: the random peers it adds can
# leave its node without a quorum, and then every lockspace change waits
# 10 s for one; a new namespace starts over, and -t bounds each batch
# (the count is then not reached: each batch prints what it sent).
genl_spare() {
	local total="$1" done=0 batch k=0 rc=0

	while [ "$done" -lt "$total" ]; do
		batch=$((total - done < 500 ? total - done : 500))
		ip netns add "$FUZZ_NS" && ip -n "$FUZZ_NS" link set lo up
		ip netns exec "$FUZZ_NS" "$HERE/kfuzz_genl" -t 10 \
			-s "$((SEED + 100 + k))" -n "$batch" || rc=1
		ip netns del "$FUZZ_NS"
		done=$((done + batch))
		k=$((k + 1))
	done
	return "$rc"
}
timed "kfuzz_genl: up to $((n + n / 3 * 2)) messages of every command to spare namespaces" \
	genl_spare $((n + n / 3 * 2))
check "the cell serves a lock after the netlink fuzzer" serves 3

# --- UDP ---
n=${KFUZZ_DATAGRAMS:-$((10000 * SCALE))}
ip addr add "$FUZZ_ADDR/24" dev dlcbr
ns 1 "$DLCELL" peer-add id="$FUZZ_PEER" addr="$FUZZ_ADDR" port=7477 \
	role=member || not_ok "node 1 knows the fuzzer as member $FUZZ_PEER"
transport_before=$(counter_sum 1 transport_drops.)
core_before=$(counter_sum 1 drops.)
timed "kfuzz_udp: $n datagrams to node 1" \
	"$HERE/kfuzz_udp" -s "$((SEED + 4))" -n "$n" 10.77.0.1 7477 \
	"$CELL_ID" "$FUZZ_PEER" 1 "$CELL_KEY" dlv1 10.77.0.2
# The node works through its queue after the sender is done.
sleep "$(scaled 2)"
transport_after=$(counter_sum 1 transport_drops.)
core_after=$(counter_sum 1 drops.)
check "node 1 counted transport drops ($transport_before -> $transport_after)" \
	[ "$transport_after" -gt "$transport_before" ]
# Only datagrams that passed the seal reach the core's decoder: this says
# the fuzzer's sealing is right, so the decoder was fuzzed at all.
check "node 1's core counted decoder drops ($core_before -> $core_after)" \
	[ "$core_after" -gt "$core_before" ]
ns 1 "$DLCELL" peer-del id="$FUZZ_PEER"
check "the cell agrees on a leader after the datagram fuzzer" \
	eval 'wait_leader 30000 >/dev/null'
check "the cell serves a lock after the datagram fuzzer" serves 1

# --- memory ---
cell_down
trap - EXIT
settle_memory
if [ -w "$KMEMLEAK" ]; then
	echo scan > "$KMEMLEAK"
	echo scan > "$KMEMLEAK"
	leaks="$(grep -c -E '^unreferenced object' "$KMEMLEAK")"
	dlock_leaks="$(awk '/^unreferenced object/ { obj = $0 }
		/\[dlock\]/ && obj { print obj; obj = "" }' "$KMEMLEAK")"
	if [ -n "$dlock_leaks" ]; then
		cat "$KMEMLEAK"
		not_ok "kmemleak: objects leaked by dlock"
	else
		ok "kmemleak: nothing leaked by dlock ($leaks other reports)"
	fi
else
	slab_after=$(sunreclaim_kb)
	check "unreclaimable slab ${slab_before} kB -> ${slab_after} kB (slack ${SLACK_KB} kB)" \
		[ "$slab_after" -le $((slab_before + SLACK_KB)) ]
fi

echo "# kfuzz: $SECONDS s in all"
tap_done
