#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# multivm.sh: the Jepsen run on a cell of separate kernels, one node per
# qemu guest.  tests/multivm/run.sh runs it in every guest (MV_NODE,
# MV_NODES, MV_SHARE set); `make jepsen-multivm` (run-multivm.sh) starts
# it all.
#
#   multivm.sh [--seconds N] [--seed S] [--clients N] [--resources N]
#              [--bound MS]
#
# What differs from jepsen.sh (one kernel, netns nodes):
#
# * The fenced registers are served by jepsen_regd on guest 1 over UDP
#   (port 7600), not files under flock(2), which does not lock across
#   guests over 9p.  Its logs (the checker's "register" and "lost-update"
#   evidence) are written by that one process.
# * One time base: guest 1's regd's clock.  Each guest measures the offset
#   of its CLOCK_MONOTONIC to it once (jepsen_client sync: best of 16 round
#   trips, error at most half the best one) and every process of the guest
#   stamps its history with it (JEPSEN_OFFSET_NS); at the end each guest
#   measures again and logs how far the offset has drifted.  The checker
#   shrinks every hold by the largest error bound (check.c).
# * The nemesis: guest 1 picks the faults (bash RANDOM seeded with the
#   seed: a seed replays the schedule) and posts them, through the shared
#   directory, to an agent in each guest that applies them to its own
#   network and node:
#     isolate-node, isolate-leader  nftables in each guest drops dlock's
#                     datagrams (UDP port 7477) between the node and the
#                     others, both ways
#     cut-link        the same between two guests; the others see both
#     partition-halves  the same between a random minority and the rest
#     netem-loss, netem-dup, netem-delay
#                     tc netem on every guest's every link (each frame
#                     passes one egress)
#     slow-node       one guest's traffic delayed 200-400 ms both ways
#     crash, crash-leader
#                     the guest's dlock traffic is dropped, its clients
#                     are SIGKILLed, its node is restarted over netlink (a
#                     new incarnation that forgot every lock), it stays cut
#                     off for the fault's time, then new clients start
#   The register's and clock's port is not filtered: the register stands
#   for storage on a network of its own; loss, duplication and delay do hit
#   it (its client resends, the server answers a resend without redoing
#   it).
#
# Results in $MV_SHARE/jepsen: history, check.txt, hist/, reg/.

JEPSEN_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$JEPSEN_DIR/../.." && pwd)"
JC="$JEPSEN_DIR/jepsen_client"
JCHECK="$JEPSEN_DIR/jepsen_check"
JREGD="$JEPSEN_DIR/jepsen_regd"

seconds=60
seed=1
per_node=2
nres=3
bound=60000
while [ $# -gt 0 ]; do
	case "$1" in
	(--seconds) seconds="$2"; shift 2 ;;
	(--seed) seed="$2"; shift 2 ;;
	(--clients) per_node="$2"; shift 2 ;;
	(--resources) nres="$2"; shift 2 ;;
	(--bound) bound="$2"; shift 2 ;;
	(*) echo "multivm.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done

CELL_TIMING=${CELL_TIMING:-"election_ms=1000 heartbeat_ms=200 lease_ms=4000 delay_ms=2000"}
# shellcheck source=../selftests/dlock/cell_lib.sh
source "$REPO/tests/selftests/dlock/cell_lib.sh"
# shellcheck source=../multivm/mv_lib.sh
source "$REPO/tests/multivm/mv_lib.sh"
# shellcheck disable=SC2034 # mv_cell_up uses it
CELL_ID=79

me=$MV_NODE
REGD_ADDR=10.78.0.1:7600
OUT="$MV_SHARE/jepsen"
NEM="$MV_SHARE/nem"
NEM_TABLE=jepsen_nem
AGENT_LOG="$OUT/hist/agent.$me"

bail() {
	not_ok "$*"
	tap_done
	exit 1
}

# --- the register server, the cell, the clock --------------------------------
if [ "$me" = 1 ]; then
	mkdir -p "$OUT/hist" "$OUT/reg" "$NEM" || bail "result directories"
	"$JREGD" "$REGD_ADDR" "$OUT/reg" > /tmp/regd.out 2>&1 &
	regd_pid=$!
fi
mv_cell_up || bail "guest $me configures its node and peers"
"$DLCELL" wait-leader 60000 > /dev/null || bail "guest $me sees a leader"
if [ "$me" = 1 ]; then
	"$DLCELL" ls-add jepsen || bail "lockspace jepsen added"
fi
check "guest $me knows lockspace jepsen" wait_ls jepsen 60
barrier ready || bail "all guests ready"

# Up to 5 s for regd and the route to it (guest 1 started it long ago).
offset=""
for _ in 1 2 3 4 5; do
	offset="$("$JC" sync "$REGD_ADDR" "clock$me" "$me" "$OUT/hist/clock.$me")" &&
		break
	offset=""
done
[ -n "$offset" ] || bail "guest $me measures its clock's offset to the register server"
export JEPSEN_OFFSET_NS="$offset"
ok "guest $me: clock offset $offset ns ($(tail -n 1 "$OUT/hist/clock.$me" | cut -d' ' -f10) ns error bound)"

# nap SECS: sleep without a fork (a read timing out on a FIFO nobody
# writes): the agents and the controller poll the shared directory
# often, and each fork costs a TCG guest's one vCPU.
NAP_FIFO=/tmp/jepsen-nap
rm -f "$NAP_FIFO"
mkfifo "$NAP_FIFO" || bail "guest $me makes a FIFO"
exec {nap_fd}<>"$NAP_FIFO"
nap() {
	read -r -t "$1" -u "$nap_fd" _
}

agent_log() {		# agent_log OP RESULT
	echo "$("$JC" now) nemesis $me info $1 - - $2 - - -" >> "$AGENT_LOG"
}

# --- the clients --------------------------------------------------------------
gen=-1
client_pids=""
workload_end=$((SECONDS + seconds + 8))
start_clients() {
	local k name left

	left=$((workload_end - SECONDS))
	[ "$left" -gt 0 ] || return 0
	gen=$((gen + 1))
	client_pids=""
	for k in $(seq 1 "$per_node"); do
		name="c$me.$k.g$gen"
		"$JC" run "$name" "$me" jepsen "$nres" "$left" "$seed" \
			"$OUT/hist/$name" "udp:$REGD_ADDR" &
		client_pids+="$! "
	done
}

# --- the agent: faults on this guest's own links and node ---------------------
block_peers() {		# block_peers J...: drop dlock's datagrams to/from them
	local j rules=""

	for j in "$@"; do
		rules+="add rule inet $NEM_TABLE in ip saddr 10.78.0.$j udp dport 7477 drop"$'\n'
		rules+="add rule inet $NEM_TABLE out ip daddr 10.78.0.$j udp dport 7477 drop"$'\n'
	done
	nft -f - <<- EOT
	add table inet $NEM_TABLE
	add chain inet $NEM_TABLE in { type filter hook input priority -10; policy accept; }
	add chain inet $NEM_TABLE out { type filter hook output priority -10; policy accept; }
	$rules
	EOT
}

links() {
	local j

	for j in $(seq 1 "$MV_NODES"); do
		[ "$j" = "$me" ] || echo "mv$j"
	done
}

heal() {
	local d

	nft delete table inet "$NEM_TABLE" 2>/dev/null
	for d in $(links); do
		echo "qdisc del dev $d root"
	done | tc -force -batch - 2>/dev/null
	return 0
}

crash() {		# crash SECS
	local p

	# shellcheck disable=SC2046 # the other nodes
	block_peers $(links | sed 's/^mv//') || return 1
	for p in $client_pids; do kill -9 "$p" 2>/dev/null; done
	for p in $client_pids; do wait "$p" 2>/dev/null; done
	client_pids=""
	agent_log crash -
	"$DLCELL" set key="$CELL_KEY" || echo "# guest $me: node did not restart"
	sleep "$1"
	nft delete table inet "$NEM_TABLE"
	agent_log restart -
	start_clients
}

do_cmd() {		# do_cmd WORD ARGS...: one command of the controller
	local d

	case "$1" in
	(block) shift; block_peers "$@" ;;
	(netem)
		shift
		for d in $(links); do
			echo "qdisc replace dev $d root netem $*"
		done | tc -batch - ;;
	(netem-to)
		d="mv$2"
		shift 2
		tc qdisc replace dev "$d" root netem "$@" ;;
	(crash) crash "$2" ;;
	(heal) heal ;;
	(*) echo "# guest $me: unknown nemesis command $*"; return 1 ;;
	esac
}

# Commands are files cmd.I.SEQ (written whole, then renamed); each is
# answered by ack.I.SEQ.  "end" ends the fault phase.
agent() {
	local seq=1 f cmd rc t

	while :; do
		f="$NEM/cmd.$me.$seq"
		if [ ! -e "$f" ]; then
			nap 0.05
			continue
		fi
		cmd="$(cat "$f")"
		[ "$cmd" != end ] || return 0
		t=$SECONDS
		# shellcheck disable=SC2086 # the command's words
		do_cmd $cmd > /tmp/nem.out 2>&1
		rc=$?
		echo "# guest $me: t=$t s: $cmd: $((SECONDS - t)) s, status $rc"
		echo "$rc" > "$NEM/ack.$me.$seq.tmp"
		mv "$NEM/ack.$me.$seq.tmp" "$NEM/ack.$me.$seq"
		[ "$rc" -eq 0 ] || sed "s/^/# guest $me: $cmd: /" /tmp/nem.out
		seq=$((seq + 1))
	done
}

# Load nftables' and netem's modules now (an nft table made and removed,
# sch_netem): loaded by the first fault instead, from the host's root over
# 9p, they took up to 7 s of a 4 s fault.
if ! block_peers "$me" || ! heal || ! modprobe -q sch_netem; then
	bail "guest $me loads nftables and netem"
fi

# --- the controller (guest 1): the schedule of faults ---------------------
declare -A nem_seq
nem_failed=0
send() {		# send GUEST CMD...: post a command, do not wait
	local g="$1"

	shift
	nem_seq[$g]=$((${nem_seq[$g]:-0} + 1))
	echo "$*" > "$NEM/cmd.$g.${nem_seq[$g]}.tmp"
	mv "$NEM/cmd.$g.${nem_seq[$g]}.tmp" "$NEM/cmd.$g.${nem_seq[$g]}"
}

wait_acks() {		# wait_acks GUEST...: their last commands done
	local g _ rc=0

	for g in "$@"; do
		for _ in $(seq 1 1200); do
			[ -e "$NEM/ack.$g.${nem_seq[$g]}" ] && break
			nap 0.1
		done
		if [ "$(cat "$NEM/ack.$g.${nem_seq[$g]}" 2>/dev/null)" != 0 ]; then
			echo "# nemesis: guest $g failed or missed command ${nem_seq[$g]}"
			nem_failed=$((nem_failed + 1))
			rc=1
		fi
	done
	return "$rc"
}

mapfile -t ALL < <(seq 1 "$MV_NODES")

nem_log() {		# nem_log OP NODE RESULT
	echo "$("$JC" now) nemesis $2 info $1 - - $3 - - -" >> "$OUT/hist/nemesis"
}

others_of() {		# others_of I...: every guest not listed
	local g

	for g in "${ALL[@]}"; do
		[[ " $* " == *" $g "* ]] || echo -n "$g "
	done
}

shuffle() {		# the guests' numbers in a random order
	local a=("${ALL[@]}") i j t

	for ((i = ${#a[@]} - 1; i > 0; i--)); do
		j=$((RANDOM % (i + 1)))
		t=${a[i]}; a[i]=${a[j]}; a[j]=$t
	done
	echo "${a[@]}"
}

leader_now() {		# as guest 1's node sees it; a random guest if none
	local l

	l="$(my_field leader)"
	[ -n "$l" ] && [ "$l" != 0 ] || l=$((RANDOM % MV_NODES + 1))
	echo "$l"
}

# fault KIND SECS: put it in place (crash: and take its time).
fault() {
	local kind="$1" secs="$2" i j g pct n a b order

	case "$kind" in
	(isolate-node|isolate-leader)
		if [ "$kind" = isolate-leader ]; then
			i="$(leader_now)"
		else
			i=$((RANDOM % MV_NODES + 1))
		fi
		nem_log fault "$i" "$kind"
		# shellcheck disable=SC2046 # the other guests
		send "$i" block $(others_of "$i")
		for g in $(others_of "$i"); do send "$g" block "$i"; done
		wait_acks "${ALL[@]}" ;;
	(cut-link)
		i=$((RANDOM % MV_NODES + 1))
		j=$((RANDOM % (MV_NODES - 1) + 1))
		[ "$j" -lt "$i" ] || j=$((j + 1))
		nem_log fault - "$kind:$i|$j"
		send "$i" block "$j"
		send "$j" block "$i"
		wait_acks "$i" "$j" ;;
	(partition-halves)
		# A random minority (half, rounded down) and the majority: with
		# five guests a 2|3 split, which isolating one never makes.
		read -r -a order <<< "$(shuffle)"
		a="${order[*]:0:$((MV_NODES / 2))}"
		b="${order[*]:$((MV_NODES / 2))}"
		nem_log fault - "$kind:${a// /,}|${b// /,}"
		# shellcheck disable=SC2086 # lists of guests
		for g in $a; do send "$g" block $b; done
		# shellcheck disable=SC2086
		for g in $b; do send "$g" block $a; done
		wait_acks "${ALL[@]}" ;;
	(netem-loss|netem-dup|netem-delay)
		case "$kind" in
		(netem-loss) pct=$((10 + RANDOM % 21)); n="loss $pct%" ;;
		(netem-dup) pct=$((20 + RANDOM % 31)); n="duplicate $pct%" ;;
		(netem-delay) pct=$((30 + RANDOM % 91)); n="delay ${pct}ms $((pct / 3))ms" ;;
		esac
		nem_log fault - "$kind:${n// /_}"
		for g in "${ALL[@]}"; do send "$g" netem "$n"; done
		wait_acks "${ALL[@]}" ;;
	(slow-node)
		i=$((RANDOM % MV_NODES + 1))
		n=$((200 + RANDOM % 201))
		nem_log fault "$i" "$kind:${n}ms"
		send "$i" netem delay "${n}ms" "$((n / 4))ms"
		for g in $(others_of "$i"); do
			send "$g" netem-to "$i" delay "${n}ms" "$((n / 4))ms"
		done
		wait_acks "${ALL[@]}" ;;
	(crash|crash-leader)
		if [ "$kind" = crash-leader ]; then
			i="$(leader_now)"
		else
			i=$((RANDOM % MV_NODES + 1))
		fi
		nem_log fault "$i" "$kind"
		send "$i" crash "$secs"
		wait_acks "$i" ;;
	esac
}

heal_all() {
	local g

	for g in "${ALL[@]}"; do send "$g" heal; done
	wait_acks "${ALL[@]}"
	nem_log heal - -
}

# The kinds in three groups; every round of three faults has one of each,
# in a seeded order, so even a short run has a partition, a crash and a
# degraded network.
NEM_GROUPS=("isolate-node isolate-leader cut-link partition-halves"
	    "crash crash-leader"
	    "netem-loss netem-dup netem-delay slow-node")

controller() {
	local fault_end=$((SECONDS + seconds)) kind left secs faults=0 run=""
	local g round=() members

	RANDOM=$seed
	sleep 2
	while [ $((SECONDS + 3)) -lt "$fault_end" ]; do
		if [ ${#round[@]} -eq 0 ]; then
			round=(0 1 2)
			g=$((RANDOM % 3))
			round=("${round[@]:$g}" "${round[@]:0:$g}")
			[ $((RANDOM % 2)) = 0 ] || round=("${round[0]}" "${round[2]}" "${round[1]}")
		fi
		read -r -a members <<< "${NEM_GROUPS[${round[0]}]}"
		round=("${round[@]:1}")
		kind="${members[$((RANDOM % ${#members[@]}))]}"
		left=$((fault_end - SECONDS - 1))
		secs=$((2 + RANDOM % 5))
		[ "$secs" -le "$left" ] || secs="$left"
		echo "# nemesis: t=$SECONDS s: $kind for $secs s"
		fault "$kind" "$secs"
		case "$kind" in
		(crash*) ;;
		(*) nap "$secs" ;;
		esac
		heal_all
		faults=$((faults + 1))
		[[ " $run " == *" $kind "* ]] || run+="$kind "
		nap $((1 + RANDOM % 3))
	done
	heal_all
	for g in "${ALL[@]}"; do send "$g" end; done
	echo "$faults faults in $seconds s (seed $seed): $run" > "$NEM/summary"
	echo "$nem_failed" > "$NEM/failed"
}

if [ "$me" = 1 ]; then
	controller > "$MV_SHARE/controller.out" 2>&1 &
	ctl_pid=$!
fi
start_clients
agent
if [ "$me" = 1 ]; then
	wait "$ctl_pid"
	cat "$MV_SHARE/controller.out"
	check "$(cat "$NEM/summary" 2>/dev/null || echo "the nemesis ran")" \
		[ -s "$NEM/summary" ]
	check "every nemesis command applied ($(cat "$NEM/failed" 2>/dev/null) failed)" \
		[ "$(cat "$NEM/failed" 2>/dev/null)" = 0 ]
fi
echo "# guest $me: t=$SECONDS s: faults over"

# --- recovery: one leader for all, a lock granted -------------------------
if [ "$me" = 1 ]; then
	start=$SECONDS
	agreed=""
	while [ $((SECONDS - start)) -lt $(((bound + 999) / 1000)) ]; do
		put leader "$(my_field leader)"
		l="$(get leader 1)"
		agreed="$l"
		for g in $(alive); do
			[ "$(get leader "$g")" = "$l" ] || agreed=""
		done
		[ -n "$agreed" ] && [ "$agreed" != 0 ] && break
		agreed=""
		sleep 0.5
	done
	if [ -n "$agreed" ]; then
		echo "$("$JC" now) runner - info leader - - ok - $agreed -" >> "$OUT/hist/runner"
		ok "all $MV_NODES guests agree on leader $agreed after the final heal"
	else
		not_ok "all $MV_NODES guests agree on one leader within $bound ms of the final heal"
	fi
	: > "$MV_SHARE/leader-agreed"
	"$JC" probe probe 1 jepsen probe $(((bound + 999) / 1000)) "$OUT/hist/probe"
	check "the cell grants a lock after the final heal" [ $? -eq 0 ]
else
	# Until guest 1 has seen every guest agree (or given up).
	while [ ! -e "$MV_SHARE/leader-agreed" ]; do
		put leader "$(my_field leader)"
		sleep 0.5
	done
fi

# --- the clients finish: every request they make carries a timeout ---------
deadline=$((workload_end + 60))
stuck=""
for p in $client_pids; do
	while kill -0 "$p" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do
		sleep 0.5
	done
	if kill -0 "$p" 2>/dev/null; then
		stuck+="$p "
		kill -9 "$p"
	fi
	wait "$p" 2>/dev/null
done
check "guest $me: every client finished on its own${stuck:+ (killed: $stuck)}" [ -z "$stuck" ]

# How far this guest's clock has drifted from the offset it used.
"$JC" sync "$REGD_ADDR" "clock$me" "$me" "$OUT/hist/clock.$me" "$offset" > /dev/null
sync_rc=$?
check "guest $me: clock re-measured ($(tail -n 1 "$OUT/hist/clock.$me" | cut -d' ' -f10) ns bound at the end)" [ "$sync_rc" -eq 0 ]
barrier clients-done || bail "all guests' clients done"

# --- the history and its check (guest 1) --------------------------------------
if [ "$me" = 1 ]; then
	"$JC" final "$nres" "$OUT/hist/final" "udp:$REGD_ADDR"
	kill "$regd_pid" 2>/dev/null
	wait "$regd_pid" 2>/dev/null
	{
		cat "$OUT"/hist/*
		for f in "$OUT"/reg/reg.*; do
			[ -e "$f" ] && cut -d' ' -f5- "$f"
		done
	} | sort -n -s -k1,1 > "$OUT/history"
	"$JCHECK" -b "$bound" "$OUT/history" > "$OUT/check.txt"
	check_rc=$?
	sed 's/^/# /' "$OUT/check.txt" | head -n 60
	check "checker: $(tail -n 1 "$OUT/check.txt") in $(wc -l < "$OUT/history") events" \
		[ "$check_rc" -eq 0 ]
	# The clocks' allowance must leave the real-time rules something to
	# check: holds last 0-120 ms plus a register round trip.
	e_us="$(sed -n 's/.*error bound E = \([0-9]*\).*/\1/p' "$OUT/check.txt")"
	check "clock error bound E = ${e_us:-?} us, under 20 ms" \
		[ "${e_us:-999999}" -lt 20000 ]
fi
barrier checked || bail "guest 1 checked the history"
tap_done
