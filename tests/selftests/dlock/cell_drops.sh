#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# cell_drops.sh: hostile datagrams sent to a live node from a plain UDP
# socket are dropped and counted per reason, and change nothing: truncated
# (malformed), oversize (malformed), forged (a known peer's clear header
# with garbage ciphertext: authentication fails), another cell's, an
# unknown sender's, and a captured real datagram sent again (replayed).
# The cell still has its leader afterwards.  The VM runner fails the run if
# the console shows any warning.

source "$(dirname "${BASH_SOURCE[0]}")/cell_lib.sh"

INJECT="$HERE/dlinject"
CAP=/tmp/dlc-captured
trap 'cell_down; rm -f "$CAP"' EXIT

if ! cell_up 3 || ! leader="$(wait_leader 10000)"; then
	not_ok "3-node cell formed"
	tap_done
	exit
fi
ok "3-node cell formed, leader $leader"

# drop_test NAME COUNTER INJECT-ARGS...: send from node 2 to node 1.
drop_test() {
	local name="$1" ctr="transport_drops.$2" before after
	shift 2
	before="$(counter 1 "$ctr")"
	if ! ns 2 "$INJECT" 10.77.0.1 7477 "$@"; then
		not_ok "$name: sent"
		return
	fi
	for _ in $(seq 1 "$(scaled 50)"); do
		after="$(counter 1 "$ctr")"
		[ "$after" -gt "$before" ] && break
		sleep 0.1
	done
	check "$name datagram dropped and counted as ${ctr#*.} ($before -> $after)" \
		[ "$after" -eq $((before + 1)) ]
}

drop_test "truncated" malformed short
drop_test "oversize" malformed oversize "$CELL_ID" 2
drop_test "forged" forged forged "$CELL_ID" 2
drop_test "another cell's" wrong_cell forged 12345 2
drop_test "unknown sender's" unknown_peer forged "$CELL_ID" 99

# Capture a real datagram arriving at node 1, then play it again.
before="$(counter 1 transport_drops.replayed)"
if ns 1 "$INJECT" capture eth0 7477 "$CAP" &&
   ns 2 "$INJECT" 10.77.0.1 7477 replay "$CAP"; then
	for _ in $(seq 1 "$(scaled 50)"); do
		after="$(counter 1 transport_drops.replayed)"
		[ "$after" -gt "$before" ] && break
		sleep 0.1
	done
	check "replayed datagram dropped and counted ($before -> $after)" \
		[ "$after" -eq $((before + 1)) ]
else
	not_ok "replayed datagram: captured and sent"
fi

check "the cell still agrees on a leader" wait_leader 5000

tap_done
