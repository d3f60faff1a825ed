#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# dlockadm's command line: help at every level, and one-line errors with
# exit 2 for every mistake.  None of this needs the module, so this file
# runs on the host as well as in the test VM.

load dlockadm_helpers

@test "--help, -h and help print the usage on stdout and exit 0" {
	for args in "--help" "-h" "help" "help help"; do
		# shellcheck disable=SC2086
		dl_run dlockadm $args
		[ "$status" -eq 0 ]
		[ -z "$stderr" ]
		[[ "${lines[0]}" == "Usage: dlockadm [OPTIONS] COMMAND [ARGS...]" ]]
		[[ "$output" == *"  status "* ]]
		[[ "$output" == *"  node "* ]]
		[[ "$output" == *"  version "* ]]
	done
}

@test "every command has its own help" {
	for args in "version -h" "version --help" "version help" "help version" \
		    "status -h" "status --help" "help status" \
		    "node -h" "node --help" "node help" "help node" \
		    "node set -h" "node set --help" "node set help"; do
		# shellcheck disable=SC2086
		dl_run dlockadm $args
		[ "$status" -eq 0 ]
		[ -z "$stderr" ]
		# The usage names the command: the first word, or the
		# second after "help".
		set -- $args
		[[ "${lines[0]}" == "Usage: dlockadm "*" ${1/help/$2}"* ]] || {
			echo "args '$args': ${lines[0]}" >&2
			return 1
		}
	done
}

@test "help after global options" {
	dl_run dlockadm -j -n somewhere --help
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "Usage: dlockadm"* ]]
}

@test "unknown command: one line, exit 2" {
	dl_run dlockadm foo
	assert_error_line 2 "unknown command 'foo' (try 'dlockadm help')"
}

@test "help for an unknown command: one line, exit 2" {
	dl_run dlockadm help foo
	assert_one_line_error 2 "unknown command 'foo'"
}

@test "no command: one line, exit 2" {
	dl_run dlockadm
	assert_one_line_error 2 "missing command"
	dl_run dlockadm -j
	assert_one_line_error 2 "missing command"
}

@test "unknown global option: one line, exit 2" {
	dl_run dlockadm --frobnicate status
	assert_one_line_error 2 "unknown option '--frobnicate'"
}

@test "-n without a name, or with a bad name: one line, exit 2" {
	dl_run dlockadm -n
	assert_one_line_error 2 "needs a network namespace name"
	dl_run dlockadm -n ../x status
	assert_one_line_error 2 "invalid network namespace name '../x'"
	dl_run dlockadm --netns= status
	assert_one_line_error 2 "invalid network namespace name ''"
}

@test "unknown arguments to commands: one line, exit 2" {
	dl_run dlockadm status extra
	assert_one_line_error 2 "unexpected argument 'extra' to 'status'"
	dl_run dlockadm version --bogus
	assert_one_line_error 2 "unknown option '--bogus' to 'version'"
	dl_run dlockadm node
	assert_one_line_error 2 "'node' needs a subcommand"
	dl_run dlockadm node frob
	assert_one_line_error 2 "unknown node command 'frob'"
	dl_run dlockadm node set
	assert_one_line_error 2 "'node set' needs a SETTING and its VALUE"
	dl_run dlockadm node set id 3 colour blue
	assert_one_line_error 2 "unexpected argument 'colour' to 'node'"
}

@test "bad numbers for node set: one line, exit 2" {
	for bad in abc 0 -1 +1 "" 4294967296 0x100000000 1x 010 " 1"; do
		dl_run dlockadm node set id "$bad"
		assert_error_line 2 "invalid node id '$bad' (expected 1..4294967295)"
	done
	dl_run dlockadm node set id 1 cell abc
	assert_error_line 2 "invalid cell id 'abc' (expected 0..4294967295)"
	dl_run dlockadm node set id
	assert_one_line_error 2 "'id' needs a node id"
	dl_run dlockadm node set id 1 id 2
	assert_one_line_error 2 "'id' given twice"
}

@test "a usage error is reported before the namespace is entered" {
	dl_run dlockadm -n does-not-exist node set id abc
	assert_one_line_error 2 "invalid node id 'abc'"
}

@test "without the module: status says so in one line, exit 1" {
	if [ -e /dev/dlock ]; then
		skip "the dlock module is loaded here"
	fi
	dl_run dlockadm status
	assert_one_line_error 1 "dlock module not loaded"
	dl_run dlockadm node set id 3
	assert_one_line_error 1 "dlock module not loaded"
}

@test "without the module: version says 'not loaded' and succeeds" {
	if [ -e /dev/dlock ]; then
		skip "the dlock module is loaded here"
	fi
	dl_run dlockadm version
	[ "$status" -eq 0 ]
	[ "$(table_value module <<< "$output")" = "not loaded" ]
	dl_run dlockadm --json version
	[ "$status" -eq 0 ]
	json_load <<< "$output"
	[ "$J_module_loaded" = false ]
	[ "$J_module_abi" = null ]
}

@test "a namespace that does not exist: one line, exit 1" {
	dl_run dlockadm -n dlockbats-no-such-ns status
	assert_one_line_error 1 "cannot open network namespace 'dlockbats-no-such-ns': No such file or directory"
}

@test "output that cannot be written: one line, exit 1" {
	dl_run sh -c 'exec dlockadm help > /dev/full'
	assert_error_line 1 "cannot write output: No space left on device"
	dl_run sh -c 'exec dlockadm --json version > /dev/full'
	assert_error_line 1 "cannot write output: No space left on device"
}

@test "every new command and subcommand has its own help" {
	local cmd
	for cmd in cell peer lockspace lock stats watch elect; do
		for args in "$cmd -h" "$cmd --help" "$cmd help" "help $cmd"; do
			# shellcheck disable=SC2086
			dl_run dlockadm $args
			[ "$status" -eq 0 ] || { echo "$args: $stderr" >&2; return 1; }
			[ -z "$stderr" ]
			[[ "${lines[0]}" == "Usage: dlockadm "*" $cmd"* ]] || {
				echo "args '$args': ${lines[0]}" >&2
				return 1
			}
		done
	done
	for args in "peer add -h" "lockspace del --help" "cell load -h" \
		    "elect campaign --help" "lock show -h"; do
		# shellcheck disable=SC2086
		dl_run dlockadm $args
		[ "$status" -eq 0 ]
		[[ "${lines[0]}" == "Usage: dlockadm "* ]]
	done
	dl_run dlockadm help
	for cmd in cell node peer lockspace lock stats watch elect; do
		[[ "$output" == *"  $cmd "* ]] || { echo "no $cmd in help" >&2; return 1; }
	done
}

@test "unknown subcommands: one line, exit 2" {
	local cmd
	for cmd in cell peer lockspace lock elect; do
		dl_run dlockadm "$cmd" frob
		assert_error_line 2 "unknown $cmd command 'frob' (try 'dlockadm $cmd help')"
	done
	dl_run dlockadm elect
	assert_one_line_error 2 "'elect' needs a subcommand"
}

@test "peer add/del: bad ids, addresses, ports and roles, one line, exit 2" {
	dl_run dlockadm peer add
	assert_error_line 2 "'peer add' needs ID and ADDR[:PORT] (try 'dlockadm peer help')"
	dl_run dlockadm peer add 2
	assert_one_line_error 2 "'peer add' needs ID and ADDR"
	for bad in 0 abc -1 4294967296; do
		dl_run dlockadm peer add "$bad" 10.0.0.1
		assert_error_line 2 "invalid peer id '$bad' (expected 1..4294967295)"
	done
	for bad in 10.0.0 10.0.0.1:0 10.0.0.1:65536 10.0.0.1:x '[::1' '[::1]x' host.example ''; do
		dl_run dlockadm peer add 2 "$bad"
		assert_one_line_error 2 "invalid peer address"
	done
	dl_run dlockadm peer add 2 10.0.0.2 role king
	assert_error_line 2 "invalid role 'king' (expected voter or member)"
	dl_run dlockadm peer add 2 10.0.0.2 colour blue
	assert_one_line_error 2 "unexpected argument 'colour' to 'peer'"
	dl_run dlockadm peer add 2 10.0.0.2 role
	assert_error_line 2 "'role' needs a value"
	dl_run dlockadm peer del
	assert_one_line_error 2 "'peer del' needs ID"
	dl_run dlockadm peer del 0
	assert_one_line_error 2 "invalid peer id '0'"
	dl_run dlockadm peer del 2 3
	assert_one_line_error 2 "unexpected argument '3' to 'peer'"
	dl_run dlockadm peer show extra
	assert_one_line_error 2 "unexpected argument 'extra' to 'peer'"
}

@test "lockspace add/del/show: bad names, sizes and algorithms, one line, exit 2" {
	local long
	long="$(printf 'x%.0s' {1..64})"
	dl_run dlockadm lockspace add
	assert_one_line_error 2 "'lockspace add' needs NAME"
	dl_run dlockadm lockspace add "$long"
	assert_one_line_error 2 "invalid lockspace name '$long' \\(1..63 bytes\\)"
	dl_run dlockadm lockspace add ""
	assert_one_line_error 2 "invalid lockspace name ''"
	for bad in 0 16 48 128 x; do
		dl_run dlockadm lockspace add jobs lvb "$bad"
		assert_error_line 2 "invalid value block size '$bad' (expected 32 or 64)"
	done
	dl_run dlockadm lockspace add jobs algo paxos
	assert_error_line 2 "invalid algorithm 'paxos' (expected cell or ra)"
	dl_run dlockadm lockspace add jobs lvb 32 lvb 64
	assert_error_line 2 "'lvb' given twice"
	dl_run dlockadm lockspace add jobs lvb
	assert_error_line 2 "'lvb' needs a value"
	dl_run dlockadm lockspace add jobs cache yes
	assert_error_line 2 "invalid cache setting 'yes' (expected on or off)"
	dl_run dlockadm lockspace add jobs cache on cache off
	assert_error_line 2 "'cache' given twice"
	dl_run dlockadm lockspace add jobs cache
	assert_error_line 2 "'cache' needs a value"
	dl_run dlockadm lockspace del
	assert_one_line_error 2 "'lockspace del' needs NAME"
	dl_run dlockadm lockspace del a b
	assert_one_line_error 2 "unexpected argument 'b' to 'lockspace'"
	dl_run dlockadm lockspace show a b
	assert_one_line_error 2 "unexpected argument 'b' to 'lockspace'"
}

@test "lock show, stats, watch: bad arguments, one line, exit 2" {
	dl_run dlockadm lock show a b c
	assert_one_line_error 2 "unexpected argument 'c' to 'lock'"
	dl_run dlockadm lock show "$(printf 'x%.0s' {1..64})"
	assert_one_line_error 2 "invalid lockspace name"
	dl_run dlockadm lock show ls "$(printf 'x%.0s' {1..65})"
	assert_one_line_error 2 "invalid resource"
	dl_run dlockadm stats a b
	assert_one_line_error 2 "unexpected argument 'b' to 'stats'"
	dl_run dlockadm watch count 0
	assert_error_line 2 "invalid count '0' (expected 1..4294967295)"
	dl_run dlockadm watch timeout 1.2345
	assert_one_line_error 2 "invalid timeout '1.2345'"
	dl_run dlockadm watch timeout
	assert_error_line 2 "'timeout' needs a value"
	dl_run dlockadm watch forever
	assert_one_line_error 2 "unexpected argument 'forever' to 'watch'"
}

@test "node set: every setting checks its value, one line, exit 2" {
	dl_run dlockadm node set listen 10.0.0.300
	assert_one_line_error 2 "invalid listen address '10.0.0.300'"
	dl_run dlockadm node set port 0
	assert_error_line 2 "invalid port '0' (expected 1..65535)"
	dl_run dlockadm node set port 65536
	assert_error_line 2 "invalid port '65536' (expected 1..65535)"
	dl_run dlockadm node set listen 10.0.0.1:7000 port 7001
	assert_error_line 2 "'port' given twice"
	dl_run dlockadm node set election paxos
	assert_error_line 2 "invalid election 'paxos' (expected raft, bully or ring)"
	dl_run dlockadm node set role king
	assert_error_line 2 "invalid role 'king' (expected voter or member)"
	for key in election-timeout heartbeat lease lock-delay; do
		dl_run dlockadm node set "$key" 0
		assert_one_line_error 2 "invalid .* '0' \\(expected 1..4294967295\\)"
	done
	# A bad key is never echoed: it may be most of a secret.
	dl_run dlockadm node set key 00112233secret
	assert_error_line 2 "invalid key (expected 64 hex digits or 44 base64 characters)"
	[[ "$stderr" != *secret* ]]
	dl_run dlockadm node set key "$(printf 'A%.0s' {1..43})B"
	assert_one_line_error 2 "invalid key"
	dl_run dlockadm node set key-file /nonexistent/key
	assert_one_line_error 2 "cannot read key file '/nonexistent/key'"
	dl_run dlockadm node set key
	assert_error_line 2 "'key' needs a key"
}

@test "cell create: needs a cell id and a node id, one line, exit 2" {
	dl_run dlockadm cell create
	assert_one_line_error 2 "'cell create' needs CELL_ID"
	dl_run dlockadm cell create x id 1
	assert_error_line 2 "invalid cell id 'x' (expected 0..4294967295)"
	dl_run dlockadm cell create 7
	assert_one_line_error 2 "'cell create' needs 'id NODE_ID'"
	dl_run dlockadm cell create 7 id 1 cell 8
	assert_error_line 2 "'cell' given twice"
	dl_run dlockadm cell reform now
	assert_one_line_error 2 "unexpected argument 'now' to 'cell'"
	dl_run dlockadm cell show all
	assert_one_line_error 2 "unexpected argument 'all' to 'cell'"
}

# cell_load_error FILE-CONTENT REGEX: cell load of that content fails with
# one line naming the file and line, before touching any kernel (so this
# runs on a host without the module, and in a namespace that does not
# exist).
cell_load_error() {
	local conf="$BATS_TEST_TMPDIR/cell.conf"

	printf '%s\n' "$1" > "$conf"
	dl_run dlockadm -n dlockbats-no-such-ns cell load "$conf"
	assert_one_line_error 2 "$conf:$2"
}

@test "cell load: the whole file is checked first; each mistake is one line with FILE:LINE" {
	cell_load_error 'id = 1' "1: 'id' outside a section"
	cell_load_error '[nodes]' "1: unknown section '\\[nodes\\]'"
	cell_load_error $'[node]\nid = 0' "2: invalid node id '0'"
	cell_load_error $'[node]\nid = 1\nid = 2' "3: 'id' given twice"
	cell_load_error $'[node]\ncolour = blue' "2: unknown key 'colour' in \\[node\\]"
	cell_load_error $'[node]\njust words' "2: expected 'key = value'"
	cell_load_error $'[node]\nid = 1\n[node]\ncell = 2' "3: \\[node\\] given twice"
	cell_load_error $'[peer]\nid = 2' "1: \\[peer\\] needs 'id' and 'endpoint'"
	cell_load_error $'[peer]\nid = 2\nendpoint = 10.0.0.2:99999' "1: invalid peer address"
	cell_load_error $'[peer]\nid = 2\nendpoint = 10.0.0.2\nrole = king' "1: invalid role 'king'"
	cell_load_error $'[peer]\nid = 2\nendpoint = 10.0.0.2\n[peer]\nid = 2\nendpoint = 10.0.0.3' "4: peer 2 given twice"
	cell_load_error $'[peer]\nid = 2\nendpoint = a\nendpoint = b' "4: 'endpoint' given twice"
	cell_load_error $'[peer]\nname = x' "2: unknown key 'name' in \\[peer\\]"
	cell_load_error $'[lockspace]\nlvb = 64' "1: \\[lockspace\\] needs 'name'"
	cell_load_error $'[lockspace]\nname = a\nlvb = 48' "1: invalid value block size '48'"
	cell_load_error $'[lockspace]\nname = a\n[lockspace]\nname = a' "3: lockspace 'a' given twice"
	cell_load_error $'[node]\nid = 2\n[peer]\nid = 2\nendpoint = 10.0.0.2' " peer 2 is this node's own id"
	cell_load_error '# only a comment' " nothing to configure"
}

@test "cell load: a missing file, or no file, one line, exit 2" {
	dl_run dlockadm cell load /nonexistent/cell.conf
	assert_one_line_error 2 "cannot open '/nonexistent/cell.conf': No such file or directory"
	dl_run dlockadm cell load
	assert_one_line_error 2 "'cell load' needs FILE"
	dl_run dlockadm cell load a b
	assert_one_line_error 2 "unexpected argument 'b' to 'cell'"
}

@test "elect: bad arguments, one line, exit 2" {
	dl_run dlockadm elect campaign ls
	assert_one_line_error 2 "'elect campaign' needs LOCKSPACE, NAME and VALUE"
	dl_run dlockadm elect campaign ls "" v
	assert_one_line_error 2 "invalid election name ''"
	dl_run dlockadm elect campaign ls "$(printf 'x%.0s' {1..59})" v
	assert_one_line_error 2 "invalid election name"
	dl_run dlockadm elect campaign ls db ""
	assert_one_line_error 2 "invalid value ''"
	dl_run dlockadm elect campaign ls db "$(printf 'v%.0s' {1..64})"
	assert_one_line_error 2 "invalid value"
	dl_run dlockadm elect campaign ls db v timeout x
	assert_one_line_error 2 "invalid timeout 'x'"
	dl_run dlockadm elect campaign ls db v color red
	assert_one_line_error 2 "unexpected argument 'color' to 'elect'"
	dl_run dlockadm elect observe ls
	assert_one_line_error 2 "'elect observe' needs LOCKSPACE and NAME"
	dl_run dlockadm elect observe ls db count 0
	assert_one_line_error 2 "invalid count '0'"
	dl_run dlockadm elect resign
	assert_one_line_error 2 "'elect resign' needs 'pidfile FILE'"
	dl_run dlockadm elect resign pidfile /nonexistent/pid
	assert_one_line_error 1 "cannot read pidfile '/nonexistent/pid'"
}

@test "without the module: new commands say so in one line, exit 1" {
	if [ -e /dev/dlock ]; then
		skip "the dlock module is loaded here"
	fi
	for args in "peer show" "peer add 2 10.0.0.2" "peer del 2" \
		    "lockspace show" "lockspace add a" "lockspace del a" \
		    "lock show" "stats" "watch count 1" "cell show" \
		    "cell reform" "cell create 1 id 1" \
		    "elect observe ls db" "elect campaign ls db v"; do
		# shellcheck disable=SC2086
		dl_run dlockadm $args
		assert_one_line_error 1 "dlock module not loaded" || {
			echo "args: $args" >&2
			return 1
		}
	done
}
