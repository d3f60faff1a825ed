#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# cell_form.sh: 3- and 5-node cells in network namespaces form and elect one
# leader, agreed by every node, within 2 s of their configuration; the leader
# hears from every peer; deleting the namespaces tears the nodes down cleanly.

source "$(dirname "${BASH_SOURCE[0]}")/cell_lib.sh"

trap cell_down EXIT

# leader_hears_all I N: node I has heard from N peers, within a few
# heartbeats (polled: a follower's first heartbeat may still be on its way).
leader_hears_all() {
	local heard end=$((SECONDS + $(scaled 10)))

	while :; do
		heard="$(ns "$1" "$DLCELL" peers | grep -c 'last_heard_ms=')"
		[ "$heard" -eq "$2" ] && return 0
		if [ "$SECONDS" -ge "$end" ]; then
			echo "# node $1 heard from $heard peers"
			return 1
		fi
		sleep 0.2
	done
}

for n in 3 5; do
	if ! cell_up "$n"; then
		not_ok "$n-node cell: configuration"
		cell_down
		continue
	fi
	ok "$n-node cell: configured over generic netlink"
	if times="$(elect_all 2000)"; then
		ok "$n-node cell: every node knows a leader within 2 s"
	else
		not_ok "$n-node cell: a node knows no leader after 2 s"
	fi
	echo "$times" | sed 's/^/# /'
	if leader="$(wait_leader 5000)"; then
		ok "$n-node cell: every node follows the same leader ($leader)"
	else
		not_ok "$n-node cell: nodes disagree on the leader"
		for i in $(seq 1 "$n"); do ns "$i" "$DLCELL" status; done
	fi
	leaders=0
	for i in $(seq 1 "$n"); do
		[ "$(node_field "$i" state)" = leader ] && leaders=$((leaders + 1))
	done
	check "$n-node cell: exactly one node is leader ($leaders)" \
		[ "$leaders" -eq 1 ]
	# Followers talk to the leader alone (session heartbeats), so the
	# leader is the node that hears every peer; a follower hears the
	# others only if their campaigns reached it, which depends on who
	# started first.
	if [ -n "${leader:-}" ]; then
		check "$n-node cell: the leader, node $leader, hears from its $((n - 1)) peers" \
			leader_hears_all "$leader" $((n - 1))
	else
		not_ok "$n-node cell: no leader to hear from its peers"
	fi
	cell_down
done

tap_done
