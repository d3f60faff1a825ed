#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mv_cells.sh: helpers of the guest scripts that form several cells in one
# boot of the multi-VM guests (algos.sh, partition.sh, rejoin.sh,
# cache.sh), sourced after cell_lib.sh and mv_lib.sh.  Each cell ends with
# reload, so the next starts from fresh nodes.

me=$MV_NODE
K=${MV_COUNT:-10}
module="$( [ -r /dlock-vm/job ] && . /dlock-vm/job && echo "$MODULE")"

# bail MSG: a step the script cannot go on from: report it, end the plan,
# exit (the guest powers off and the others' barriers time out).
bail() {
	not_ok "$*"
	tap_done
	exit 1
}

# mv_script_checks NAME: what every such script needs before its first
# cell: the module path the VM runner loaded (reload inserts it again) and
# at least 3 guests.
mv_script_checks() {
	[ -n "$module" ] && [ -f "$module" ] ||
		bail "guest $me: the VM runner's module path (/dlock-vm/job)"
	[ "$MV_NODES" -ge 3 ] || bail "$1 needs 3 guests or more ($MV_NODES)"
}

# wait_one_leader TAG: publish this guest's view of the leader under TAG
# until every guest's view is the same live leader, or a scaled minute
# passes; sets one to that leader, or to "" if they never agreed.
wait_one_leader() {
	local l i

	one=""
	for _ in $(seq 1 "$(scaled 300)"); do
		l="$(my_field leader)"
		put "$1" "$l"
		one="$l"
		for i in $(seq 1 "$MV_NODES"); do
			[ "$(get "$1" "$i")" = "$l" ] || one=""
		done
		[ -n "$one" ] && [ "$one" != 0 ] && return 0
		one=""
		sleep 0.2
	done
}

# links up|down: this guest's NICs toward every other guest.  A link
# going down takes its route with it (guest.sh's /32 to the peer): put it
# back, or the guest stays cut off with its links up.
links() {
	local j

	for j in $(seq 1 "$MV_NODES"); do
		[ "$j" != "$me" ] || continue
		ip link set "mv$j" "$1" || return 1
		[ "$1" = up ] || continue
		ip route replace "10.78.0.$j/32" dev "mv$j" \
			src "10.78.0.$me" || return 1
	done
}

# reload TAG: once every guest is done with the cell TAG, unload the
# module under the running node and load it again; links back up; all
# guests reloaded before anyone configures the next cell.
reload() {
	barrier "$1-done" || bail "all guests done with the $1 cell"
	check "guest $me: rmmod dlock with its $1 node running" rmmod dlock
	check "guest $me: the module loads again" insmod "$module"
	links up || bail "guest $me: links up again"
	barrier "$1-reloaded" || bail "all guests reloaded the module"
}

# cell_form TAG [WANT]: configure and start this guest's node (CELL_TIMING,
# CELL_ID set by the caller), wait for a leader (WANT, if given), publish
# it; after the barrier every guest must name the same one.  Sets
# form_leader.  The guests start their nodes at different moments (each
# sets its key when it passes the barrier): with Bully or Ring the first
# ones can elect among themselves before the highest id starts and takes
# over, so a guest's first leader need not be the cell's.
cell_form() {
	local ms l agree=1 i _

	mv_cell_up "$1-" || bail "guest $me configures its $1 node and peers"
	ms="$("$DLCELL" wait-leader "$(scaled 60000)")" ||
		bail "guest $me sees a $1 leader"
	l="$(my_field leader)"
	if [ -n "${2:-}" ]; then
		for _ in $(seq 1 "$(scaled 600)"); do
			[ "$l" = "$2" ] && break
			sleep 0.1
			l="$(my_field leader)"
		done
	fi
	put "$1-leader" "$l"
	ok "guest $me sees $1 leader $l after ${ms} ms"
	barrier "$1-elected" || bail "all guests reach the $1 election barrier"
	for i in $(alive); do
		[ "$(get "$1-leader" "$i")" = "$l" ] || agree=0
	done
	check "all $MV_NODES guests agree on $1 leader $l" [ "$agree" = 1 ]
	# shellcheck disable=SC2034 # read by the caller
	form_leader="$l"
}

# my_counter NAME: this node's counter NAME (0 when absent).
my_counter() {
	local name value

	while read -r name value _; do
		[ "$name" = "$1" ] && { echo "${value:-0}"; return; }
	done < <("$DLCELL" counters "$1")
	echo 0
}

# wait_counter NAME SECS: until this node's counter NAME is above 0.
wait_counter() {
	local _

	for _ in $(seq 1 $(($2 * 10))); do
		[ "$(my_counter "$1")" -gt 0 ] && return 0
		sleep 0.1
	done
	return 1
}

# count_all TAG LS: every guest K rounds on LS/ctr, then the exact total.
count_all() {
	local total

	[ "$me" != 1 ] || echo 0 > "$MV_SHARE/$1.counter"
	barrier "$1-zeroed" || bail "the $1 counter is zeroed"
	"$DLCELL" count "$2" ctr "$MV_SHARE/$1.counter" "$K"
	check "guest $me: $K EX lock/increment/unlock rounds ($1)" [ $? -eq 0 ]
	barrier "$1-counted" || bail "all guests counted ($1)"
	total="$(cat "$MV_SHARE/$1.counter")"
	check "$1 counter is $((MV_NODES * K)) after $MV_NODES guests x $K ($total)" \
		[ "$total" = $((MV_NODES * K)) ]
}

# wait_counter_above NAME VALUE SECS: until this node's counter NAME is
# above VALUE.
wait_counter_above() {
	local _

	for _ in $(seq 1 $(($3 * 10))); do
		[ "$(my_counter "$1")" -gt "$2" ] && return 0
		sleep 0.1
	done
	return 1
}
