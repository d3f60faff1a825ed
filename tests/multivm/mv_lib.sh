#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mv_lib.sh: helpers of the scripts that run in each guest of a multi-VM
# cell (tests/multivm/run.sh), sourced after the selftests' cell_lib.sh
# (whose TAP helpers, dlcell and cell key they use).  Guests share nothing
# but the network and the 9p directory $MV_SHARE: these helpers put values
# and barriers there.  A guest the host killed on request has a killed.I
# file there, and the barriers stop waiting for it.

MV_WAIT_S=${MV_WAIT_S:-300}

# put KEY VALUE: publish this guest's VALUE under KEY.
put() {
	echo "$2" > "$MV_SHARE/val.$1.$MV_NODE.tmp" &&
		mv "$MV_SHARE/val.$1.$MV_NODE.tmp" "$MV_SHARE/val.$1.$MV_NODE"
}

# get KEY I: guest I's value of KEY (empty if none).
get() {
	cat "$MV_SHARE/val.$1.$2" 2>/dev/null
}

# wait_get KEY I SECS: guest I's value of KEY, waiting for it.
wait_get() {
	local _

	for _ in $(seq 1 $(($3 * 10))); do
		[ -e "$MV_SHARE/val.$1.$2" ] && break
		sleep 0.1
	done
	get "$1" "$2"
}

# alive: the guests not killed.
alive() {
	local i

	for i in $(seq 1 "$MV_NODES"); do
		[ -e "$MV_SHARE/killed.$i" ] || echo "$i"
	done
}

# barrier NAME: wait until every guest still alive has reached NAME.
# Fails at once when a guest that has not reached it has ended (the host
# writes ended.I), else after MV_WAIT_S seconds.
barrier() {
	local i missing _

	: > "$MV_SHARE/bar.$1.$MV_NODE"
	for _ in $(seq 1 $((MV_WAIT_S * 10))); do
		missing=0
		for i in $(alive); do
			[ -e "$MV_SHARE/bar.$1.$i" ] && continue
			# A guest that ended (failed boot, failed script) without
			# a kill request never comes: fail now, not at the timeout.
			if [ -e "$MV_SHARE/ended.$i" ]; then
				echo "# barrier $1: guest $i has ended"
				return 1
			fi
			missing=1
		done
		[ "$missing" = 1 ] || return 0
		sleep 0.1
	done
	echo "# barrier $1: guests missing after ${MV_WAIT_S}s"
	return 1
}

# kill_guest I: ask the host to SIGKILL guest I's qemu, wait until it has.
kill_guest() {
	local _

	echo "$1" > "$MV_SHARE/kill.$1"
	for _ in $(seq 1 600); do
		[ -e "$MV_SHARE/killed.$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# mv_cell_up [TAG]: configure this guest as node MV_NODE of the cell
# (CELL_TIMING scaled by DLOCK_TIME_SCALE, as cell_lib.sh's cell_up does),
# the other guests as its peers, and start it (the key goes last, after a
# barrier, so no node starts before its peers are configured; TAG names
# the barrier, for a script that forms several cells in one boot).
mv_cell_up() {
	local j

	# shellcheck disable=SC2046 # the timing is a list of words
	"$DLCELL" set id="$MV_NODE" cell="$CELL_ID" addr="10.78.0.$MV_NODE" \
		port=7477 $(cell_timing) || return 1
	for j in $(seq 1 "$MV_NODES"); do
		[ "$j" != "$MV_NODE" ] || continue
		"$DLCELL" peer-add id="$j" addr="10.78.0.$j" port=7477 || return 1
	done
	barrier "${1:-}configured" || return 1
	"$DLCELL" set key="$CELL_KEY"
}

# my_field FIELD: a field (state, leader, term...) of this node's status.
my_field() {
	"$DLCELL" status | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# wait_ls NAME SECS: until this node knows lockspace NAME.
wait_ls() {
	local _

	for _ in $(seq 1 $(($2 * 10))); do
		"$DLCELL" lockspaces 2>/dev/null | grep -qw -- "$1" && return 0
		sleep 0.1
	done
	return 1
}

# wait_grep FILE PATTERN SECS
wait_grep() {
	local _

	for _ in $(seq 1 $(($3 * 10))); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# wait_waiters LS RES N SECS: until this node's lock table shows N requests
# waiting on LS/RES.
wait_waiters() {
	local _

	for _ in $(seq 1 $(($4 * 10))); do
		[ "$("$DLCELL" locks "$1" "$2" 2>/dev/null |
		     grep -c ' waiting=1')" -ge "$3" ] && return 0
		sleep 0.1
	done
	return 1
}

token_of() {
	sed -n 's/.*token=\([0-9]*\).*/\1/p' "$1" | head -n 1
}
