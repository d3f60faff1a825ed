#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# A three-node cell loses two nodes for good and is re-formed on the
# survivor with `dlockadm cell reform`, watched the way an operator would:
# `dlockadm watch --json` on the survivor (the events multicast group) and
# the module's tracepoints through tracefs.  Run in the test VM:
#   tests/vm/run.sh -- bats tests/bats/dlock_reform.bats
# The tests run in order and share the cell: healthy first, then the loss,
# then the re-form.  Every wait is bounded and polls for its condition.

load dlockadm_helpers

KEY_HEX=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
RF_BR=dlrfbr$$
TRACING=/sys/kernel/tracing

n() {
	echo "dlockbats-rf$1"
}

cell_conf() {
	local i="$1" j

	cat <<-EOF_CONF
	[node]
	id = $i
	cell = 79
	listen = 10.79.0.$i:7477
	election-timeout = 400
	heartbeat = 100
	lease = 3000
	lock-delay = 800
	key = $KEY_HEX
	EOF_CONF
	for j in 1 2 3; do
		[ "$j" = "$i" ] && continue
		printf '\n[peer]\nid = %s\nendpoint = 10.79.0.%s:7477\n' "$j" "$j"
	done
	if [ "$i" = 3 ]; then
		printf '\n[lockspace]\nname = jobs\n'
	fi
}

setup_file() {
	local i

	dlock_require_module
	# Tracepoints first, so the election of the new cell is recorded.
	if [ ! -d "$TRACING/events" ]; then
		mount -t tracefs nodev "$TRACING"
	fi
	echo 0 > "$TRACING/tracing_on"
	echo > "$TRACING/trace"
	echo 1 > "$TRACING/events/dlock/enable"
	echo 1 > "$TRACING/tracing_on"

	ip link add "$RF_BR" type bridge
	ip link set "$RF_BR" up
	for i in 1 2 3; do
		ip netns add "$(n "$i")"
		ip link add "dlrf$$$i" type veth peer name eth0 netns "$(n "$i")"
		ip link set "dlrf$$$i" master "$RF_BR" up
		ip -n "$(n "$i")" link set lo up
		ip -n "$(n "$i")" addr add "10.79.0.$i/24" dev eth0
		ip -n "$(n "$i")" link set eth0 up
	done
	# The survivor's events, from before the cell forms to the end.
	dlockadm -n "$(n 1)" --json watch timeout 300 \
		> "$BATS_FILE_TMPDIR/events" 2>&1 &
	echo $! > "$BATS_FILE_TMPDIR/watch.pid"
	sleep 0.5
	for i in 1 2 3; do
		cell_conf "$i" > "$BATS_FILE_TMPDIR/node$i.conf"
		dlockadm -n "$(n "$i")" cell load "$BATS_FILE_TMPDIR/node$i.conf"
	done
}

teardown_file() {
	local i

	kill "$(cat "$BATS_FILE_TMPDIR/watch.pid" 2>/dev/null)" 2>/dev/null || true
	echo 0 > "$TRACING/events/dlock/enable" 2>/dev/null || true
	for i in 1 2 3; do
		ip netns del "$(n "$i")" 2>/dev/null || true
	done
	ip link del "$RF_BR" 2>/dev/null || true
}

leader_of() {
	dlockadm -n "$(n "$1")" --json status 2> /dev/null |
		sed -n 's/.*"leader_id":\([0-9]*\).*/\1/p'
}

# wait_leader NODES...: the nodes agree on a leader within 30 s; prints it.
wait_leader() {
	local tries i l first

	for tries in $(seq 1 300); do
		first=""
		for i in "$@"; do
			l="$(leader_of "$i")"
			[ -n "$l" ] && [ "$l" != 0 ] || { first=""; break; }
			[ -z "$first" ] || [ "$first" = "$l" ] || { first=""; break; }
			first="$l"
		done
		if [ -n "$first" ]; then
			echo "$first"
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# wait_event TYPE: the survivor's watch printed an event of TYPE (30 s).
wait_event() {
	local tries

	for tries in $(seq 1 300); do
		grep -q "\"type\":\"$1\"" "$BATS_FILE_TMPDIR/events" && return 0
		sleep 0.1
	done
	echo "no $1 event; events seen:" >&2
	cat "$BATS_FILE_TMPDIR/events" >&2
	return 1
}

# wait_trace EVENT: tracefs recorded the tracepoint EVENT (10 s).
wait_trace() {
	local tries

	for tries in $(seq 1 100); do
		grep -q " $1: " "$TRACING/trace" && return 0
		sleep 0.1
	done
	echo "tracepoint $1 did not fire; dlock lines in the trace:" >&2
	grep dlock_ "$TRACING/trace" | tail -n 20 >&2
	return 1
}

@test "a healthy cell: cell reform is refused with one line, the leader stays" {
	local leader
	leader="$(wait_leader 1 2 3)"
	dl_run dlockadm -n "$(n 1)" cell reform
	assert_one_line_error 1 "cannot re-form the cell: .*leader"
	[ "$(wait_leader 1 2 3)" = "$leader" ]
}

@test "events group: a leader change when the cell formed" {
	wait_event leader-change
	# every line is one JSON object with the fields of the event
	python3 -c '
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    assert set(e) >= {"type", "node_id", "state", "leader_id", "term"}, e
    assert e["node_id"] == 1, e
' "$BATS_FILE_TMPDIR/events"
}

@test "tracepoints: election, grant and release fire for a lock taken under dlock" {
	wait_leader 1 2 3 > /dev/null
	ip netns exec "$(n 2)" dlock jobs traced true
	wait_trace dlock_leader
	wait_trace dlock_grant
	wait_trace dlock_release
}

@test "tracepoints: a datagram that is not sealed is dropped and traced" {
	# 5 bytes to the node's port from a peer's namespace: too short
	ip netns exec "$(n 2)" bash -c 'echo junk > /dev/udp/10.79.0.1/7477'
	wait_trace dlock_drop
	grep " dlock_drop: " "$TRACING/trace" | grep -q "malformed"
}

@test "losing two of three nodes: the survivor's holder is stopped, lease-lost and lock-revoked events" {
	local holder rc
	wait_leader 1 2 3 > /dev/null
	ip netns exec "$(n 1)" dlock jobs held sh -c 'touch "$0"; exec sleep 120' \
		"$BATS_FILE_TMPDIR/holding" 2> "$BATS_FILE_TMPDIR/holder.err" &
	holder=$!
	for _ in $(seq 1 100); do
		[ -e "$BATS_FILE_TMPDIR/holding" ] && break
		sleep 0.1
	done
	[ -e "$BATS_FILE_TMPDIR/holding" ]
	ip -n "$(n 2)" link set eth0 down
	ip -n "$(n 3)" link set eth0 down
	# No majority: the survivor's lease runs out (3 s), its lock goes.
	for _ in $(seq 1 300); do
		kill -0 "$holder" 2> /dev/null || break
		sleep 0.1
	done
	if kill -0 "$holder" 2> /dev/null; then
		kill "$holder"
		echo "the holder still runs" >&2
		return 1
	fi
	wait "$holder" && rc=0 || rc=$?
	[ "$rc" -eq 143 ]
	grep -q "lock revoked by the cell" "$BATS_FILE_TMPDIR/holder.err"
	wait_event lease-lost
	wait_event lock-revoked
	wait_trace dlock_revoke
}

@test "cell reform on the survivor: it leads, a membership event, the cell serves again" {
	local tries
	# It is refused until the lost nodes were silent for four election
	# timeouts; each refusal changes nothing.
	for tries in $(seq 1 150); do
		dl_run dlockadm -n "$(n 1)" cell reform
		[ "$status" -eq 0 ] && break
		assert_one_line_error 1 "cannot re-form the cell"
		sleep 0.2
	done
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^cell\ 79\ re-formed:\ node\ 1\ leads,\ term\ [0-9]+$ ]]
	[ "$(wait_leader 1)" = 1 ]
	wait_event membership
	# the one-node cell commits and grants
	dl_run dlockadm -n "$(n 1)" lockspace add after
	[ "$status" -eq 0 ] || { echo "$stderr" >&2; return 1; }
	ip netns exec "$(n 1)" dlock -n jobs held sh -c 'test -n "$DLOCK_TOKEN"'
	dl_run dlockadm -n "$(n 1)" --json status
	json_load <<< "$output"
	[ "$J_state" = '"leader"' ]
}
