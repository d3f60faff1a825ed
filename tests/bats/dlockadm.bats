#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# dlockadm against the loaded dlock module.  Run inside the test VM:
#   tests/vm/run.sh -- bats tests/bats/dlockadm.bats
# Every test works on nodes of network namespaces it creates, so the node
# of the initial namespace is only read (to see it does not change).

load dlockadm_helpers

setup_file() {
	dlock_require_module
}

setup() {
	NS1="$(dlock_netns_add a)"
	NS2="$(dlock_netns_add b)"
}

teardown() {
	dlock_netns_cleanup
}

@test "version shows the module's ABI 1" {
	dl_run dlockadm version
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$(table_value dlockadm <<< "$output")" = "0.1.0" ]
	[ "$(table_value libdlock <<< "$output")" = "0.1.0 (ABI 1)" ]
	[ "$(table_value module <<< "$output")" = "ABI 1" ]
}

@test "version --json: valid JSON with the module's ABI" {
	dl_run dlockadm --json version
	[ "$status" -eq 0 ]
	json_load <<< "$output"
	[ "$J_KEYS" = "dlockadm libdlock library_abi module_abi module_loaded" ]
	[ "$J_module_loaded" = true ]
	[ "$J_module_abi" = 1 ]
	[ "$J_library_abi" = 1 ]
	[ "$J_dlockadm" = '"0.1.0"' ]
	[ "$J_libdlock" = '"0.1.0"' ]
}

@test "status of a fresh node: an aligned table" {
	dl_run dlockadm -n "$NS1" status
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "${#lines[@]}" -eq 6 ]
	[ "${lines[0]}" = "node id     unset" ]
	[ "${lines[1]}" = "cell id     0" ]
	[ "${lines[2]}" = "state       unconfigured" ]
	[ "${lines[3]}" = "leader      none" ]
	[ "${lines[4]}" = "term        0" ]
	[ "${lines[5]}" = "module ABI  1" ]
}

@test "status --json: valid JSON with the same fields, state as a word" {
	dl_run dlockadm -n "$NS1" status --json
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "${#lines[@]}" -eq 1 ]
	json_load <<< "$output"
	[ "$J_KEYS" = "abi_version cell_id leader_id node_id state term" ]
	[ "$J_node_id" = 0 ]
	[ "$J_cell_id" = 0 ]
	[ "$J_state" = '"unconfigured"' ]
	[ "$J_leader_id" = 0 ]
	[ "$J_term" = 0 ]
	[ "$J_abi_version" = 1 ]
}

@test "-j before the command is the same as --json after it" {
	dl_run dlockadm -n "$NS1" status --json
	local after="$output"
	dl_run dlockadm -j -n "$NS1" status
	[ "$status" -eq 0 ]
	[ "$output" = "$after" ]
}

@test "node set id 3, then status shows 3" {
	dl_run ip netns exec "$NS1" dlockadm node set id 3
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ -z "$stderr" ]
	dl_run ip netns exec "$NS1" dlockadm status
	[ "$status" -eq 0 ]
	[ "$(table_value 'node id' <<< "$output")" = 3 ]
	dl_run ip netns exec "$NS1" dlockadm --json status
	json_load <<< "$output"
	[ "$J_node_id" = 3 ]
}

@test "node set with a cell, then each alone: what is not given stays" {
	dlockadm -n "$NS1" node set id 0x10 cell 5
	dl_run dlockadm -n "$NS1" --json status
	json_load <<< "$output"
	[ "$J_node_id" = 16 ]
	[ "$J_cell_id" = 5 ]
	dlockadm -n "$NS1" node set cell 4294967295
	dl_run dlockadm -n "$NS1" --json status
	json_load <<< "$output"
	[ "$J_node_id" = 16 ]
	[ "$J_cell_id" = 4294967295 ]
	dlockadm -n "$NS1" node set id 4294967295
	dl_run dlockadm -n "$NS1" --json status
	json_load <<< "$output"
	[ "$J_node_id" = 4294967295 ]
	[ "$J_cell_id" = 4294967295 ]
}

@test "-n changes only that namespace's node" {
	dl_run dlockadm --json status
	[ "$status" -eq 0 ]
	local init_before="$output"
	dlockadm -n "$NS1" node set id 11 cell 1
	dlockadm -n "$NS2" node set id 22 cell 2
	dl_run dlockadm -n "$NS1" --json status
	json_load <<< "$output"
	[ "$J_node_id" = 11 ]
	[ "$J_cell_id" = 1 ]
	dl_run dlockadm -n "$NS2" --json status
	json_load <<< "$output"
	[ "$J_node_id" = 22 ]
	[ "$J_cell_id" = 2 ]
	dl_run dlockadm --json status
	[ "$status" -eq 0 ]
	[ "$output" = "$init_before" ]
}

@test "bad numbers change nothing" {
	dlockadm -n "$NS1" node set id 3 cell 7
	for bad in abc 0 4294967296; do
		dl_run dlockadm -n "$NS1" node set id "$bad" cell 8
		assert_error_line 2 "invalid node id '$bad' (expected 1..4294967295)"
	done
	dl_run dlockadm -n "$NS1" --json status
	json_load <<< "$output"
	[ "$J_node_id" = 3 ]
	[ "$J_cell_id" = 7 ]
}

@test "bad subcommand against a live module: one line, exit 2" {
	dl_run dlockadm -n "$NS1" nodes
	assert_error_line 2 "unknown command 'nodes' (try 'dlockadm help')"
	dl_run dlockadm -n "$NS1" node get
	assert_error_line 2 "unknown node command 'get' (try 'dlockadm node help')"
}

@test "node set without CAP_NET_ADMIN: one line naming it, exit 1" {
	# Enter the namespace first: that needs the privilege dropped after.
	dl_run ip netns exec "$NS1" \
		setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$DLOCK_REPO/tools/dlockadm" node set id 3
	assert_error_line 1 "cannot set node: operation not permitted (dlock administration needs CAP_NET_ADMIN)"
	dl_run dlockadm -n "$NS1" --json status
	json_load <<< "$output"
	[ "$J_node_id" = 0 ]
}

@test "status needs no privilege" {
	dlockadm -n "$NS1" node set id 9
	dl_run ip netns exec "$NS1" \
		setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$DLOCK_REPO/tools/dlockadm" status
	[ "$status" -eq 0 ]
	[ "$(table_value 'node id' <<< "$output")" = 9 ]
}
