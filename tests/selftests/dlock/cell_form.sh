#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# cell_form.sh: 3- and 5-node cells in network namespaces form and elect one
# leader, agreed by every node, within 2 s of their configuration; peers see
# each other; deleting the namespaces tears the nodes down cleanly.

source "$(dirname "${BASH_SOURCE[0]}")/cell_lib.sh"

trap cell_down EXIT

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
	alive="$(ns 1 "$DLCELL" peers | grep -c 'last_heard_ms=')"
	check "$n-node cell: node 1 hears from its $((n - 1)) peers ($alive)" \
		[ "$alive" -eq $((n - 1)) ]
	cell_down
done

tap_done
