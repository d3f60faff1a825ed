#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# nemesis.sh: the faults of the Jepsen test, sourced by jepsen.sh after
# cell_lib.sh (cells of netns nodes dlc1..dlcN on the bridge dlcbr, node i
# on the bridge port dlvI).  Every fault is put in place by nem_fault and
# taken away by nem_heal_all; each logs an "info" history line, with the
# history's clock (jepsen_client now), so the checker sees when it was on.
#
# Faults, all of them on the VM's own virtual network:
#   partition    nftables (bridge family, forward hook, in the caller's
#                namespace) drops frames between two sets of bridge ports:
#                a majority/minority split, a bridge split (one node sees
#                both sides, the sides do not see each other), the
#                leader alone, or any one node alone
#   netem        tc netem on every bridge port (each frame passes one): loss,
#                duplication, reordering (with delay), delay with jitter
#   slow         one node's veth delays everything 200-400 ms both ways
#   flap         one node's bridge port goes down and up a few times
#   crash        one node stops dead: its port goes down (nothing it says
#                gets out), its clients are SIGKILLed (their fds close,
#                and the releases that closing sends go nowhere), then the
#                node is restarted over netlink with its configuration
#                (SET_NODE with the key: the module stops the node, which
#                forgets every lock, and starts a new incarnation that
#                rejoins); it stays cut off for a while, then its port comes
#                back and new clients start on it.  This is what a machine
#                that crashes and reboots looks like to the cell: the
#                cell's copy of its locks goes only when its lease expires.
#
# The choice of faults, nodes and durations comes from bash's RANDOM, seeded
# once by the caller: a seed replays the same schedule of faults (not the
# same interleaving of messages, which the kernel's timing decides).

NEM_TABLE=jepsen_nemesis
NEM_SLOW=""
# Set by the caller: JC (jepsen_client), NEM_LOG (history file),
# and the hook nem_on_crash NODE / nem_on_restart NODE.

nem_log() {		# nem_log OP NODE RESULT
	echo "$("$JC" now) nemesis $2 info $1 - - $3 - - -" >> "$NEM_LOG"
}

nem_rand() {		# nem_rand N: 0..N-1
	echo $((RANDOM % $1))
}

# nem_shuffle: the node numbers 1..CELL_N in a random order.
nem_shuffle() {
	local a=() i j t

	for i in $(seq 1 "$CELL_N"); do a+=("$i"); done
	for ((i = ${#a[@]} - 1; i > 0; i--)); do
		j=$((RANDOM % (i + 1)))
		t=${a[$i]}; a[$i]=${a[$j]}; a[$j]=$t
	done
	echo "${a[@]}"
}

# nem_block "A..." "B...": drop every frame between the two sets of nodes.
nem_block() {
	local a b rules=""

	for a in $1; do
		for b in $2; do
			rules+="add rule bridge $NEM_TABLE drops iifname \"dlv$a\" oifname \"dlv$b\" drop"$'\n'
			rules+="add rule bridge $NEM_TABLE drops iifname \"dlv$b\" oifname \"dlv$a\" drop"$'\n'
		done
	done
	nft -f - <<- EOT
	add table bridge $NEM_TABLE
	add chain bridge $NEM_TABLE drops { type filter hook forward priority -10; policy accept; }
	$rules
	EOT
}

# nem_netem_all NETEM-ARGS...: on every bridge port's egress, that is on
# every frame once (each goes from one node's veth to another's through
# the bridge), in one tc process: under TCG each process costs.
nem_netem_all() {
	local i

	for i in $(seq 1 "$CELL_N"); do
		echo "qdisc replace dev dlv$i root netem $*"
	done | tc -batch -
}

# The leader as some node sees it; a random node if none does.
nem_leader() {
	local l

	l="$(node_field $((RANDOM % CELL_N + 1)) leader)"
	[ -n "$l" ] && [ "$l" != 0 ] || l=$((RANDOM % CELL_N + 1))
	echo "$l"
}

nem_others() {		# nem_others NODE...: every node not listed
	local i

	for i in $(seq 1 "$CELL_N"); do
		[[ " $* " == *" $i "* ]] || echo -n "$i "
	done
}

# nem_fault KIND SECONDS: put fault KIND in place for about SECONDS (flap
# and crash take their time here; the others stay until nem_heal_all).
nem_fault() {
	local kind="$1" secs="$2" order a b i half pct n end

	case "$kind" in
	(partition-majority)
		read -r -a order <<< "$(nem_shuffle)"
		half=$((CELL_N / 2))
		a="${order[*]:0:$half}"
		b="${order[*]:$half}"
		nem_log fault - "$kind:${a// /,}|${b// /,}"
		nem_block "$a" "$b" ;;
	(partition-bridge)
		read -r -a order <<< "$(nem_shuffle)"
		half=$(((CELL_N - 1) / 2))
		a="${order[*]:1:$half}"
		b="${order[*]:$((half + 1))}"
		nem_log fault "${order[0]}" "$kind:${a// /,}|${b// /,}"
		nem_block "$a" "$b" ;;
	(isolate-leader|isolate-node)
		if [ "$kind" = isolate-leader ]; then
			i="$(nem_leader)"
		else
			i=$((RANDOM % CELL_N + 1))
		fi
		nem_log fault "$i" "$kind"
		nem_block "$i" "$(nem_others "$i")" ;;
	(netem-loss)
		pct=$((10 + RANDOM % 21))
		nem_log fault - "$kind:$pct%"
		nem_netem_all loss "$pct%" ;;
	(netem-dup)
		pct=$((20 + RANDOM % 31))
		nem_log fault - "$kind:$pct%"
		nem_netem_all duplicate "$pct%" ;;
	(netem-reorder)
		pct=$((25 + RANDOM % 26))
		nem_log fault - "$kind:$pct%"
		nem_netem_all delay 20ms reorder "$pct%" 50% ;;
	(netem-delay)
		n=$((30 + RANDOM % 91))
		nem_log fault - "$kind:${n}ms"
		nem_netem_all delay "${n}ms" "$((n / 3))ms" ;;
	(slow-node)
		i=$((RANDOM % CELL_N + 1))
		n=$((200 + RANDOM % 201))
		nem_log fault "$i" "$kind:${n}ms"
		# Both ways: to the node on its port, from it on its eth0.
		tc qdisc replace dev "dlv$i" root netem delay "${n}ms" "$((n / 4))ms"
		tc -n "dlc$i" qdisc replace dev eth0 root netem delay "${n}ms" "$((n / 4))ms"
		NEM_SLOW="$i" ;;
	(flap)
		i=$((RANDOM % CELL_N + 1))
		nem_log fault "$i" "$kind"
		end=$((SECONDS + secs))
		while [ "$SECONDS" -lt "$end" ]; do
			ip link set "dlv$i" down
			sleep "0.$((3 + RANDOM % 7))"
			ip link set "dlv$i" up
			sleep "0.$((2 + RANDOM % 8))"
		done ;;
	(crash|crash-leader)
		if [ "$kind" = crash-leader ]; then
			i="$(nem_leader)"
		else
			i=$((RANDOM % CELL_N + 1))
		fi
		nem_log fault "$i" "$kind"
		ip link set "dlv$i" down
		nem_on_crash "$i"
		nem_log crash "$i" -
		ns "$i" "$DLCELL" set key="$CELL_KEY" ||
			echo "# nemesis: node $i did not restart"
		sleep "$secs"
		ip link set "dlv$i" up
		nem_log restart "$i" -
		nem_on_restart "$i" ;;
	(*)
		echo "nemesis: unknown fault $kind" >&2
		return 1 ;;
	esac
}

# shellcheck disable=SC2034 # the runner picks from it
NEM_KINDS=(partition-majority partition-bridge isolate-leader isolate-node
	netem-loss netem-dup netem-reorder netem-delay slow-node flap
	crash crash-leader)

# nem_heal_all: every fault off (idempotent, and cheap: a few processes
# whatever was on); logs a heal.
nem_heal_all() {
	local i

	nft delete table bridge "$NEM_TABLE" 2>/dev/null
	for i in $(seq 1 "$CELL_N"); do
		echo "qdisc del dev dlv$i root"
	done | tc -force -batch - 2>/dev/null
	if [ -n "$NEM_SLOW" ]; then
		tc -n "dlc$NEM_SLOW" qdisc del dev eth0 root 2>/dev/null
		NEM_SLOW=""
	fi
	for i in $(seq 1 "$CELL_N"); do
		echo "link set dlv$i up"
	done | ip -batch -
	nem_log heal - -
}
