#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# The Jepsen test of make check, in the test VM: a short run of random
# faults on a live 5-node cell (tests/jepsen/jepsen.sh; `make jepsen` is
# the long one), and the regression test of what it found.  A failing
# run's files stay in the VM runner's share (.build/vm/run-NAME/jepsen on
# the host) and its output names the seed that replays it.

JEPSEN_DIR="$BATS_TEST_DIRNAME/../jepsen"

@test "jepsen: ${JEPSEN_SECONDS:-25} s of random faults on a 5-node cell, no violation" {
	run "$JEPSEN_DIR/jepsen.sh" --seconds "${JEPSEN_SECONDS:-25}" \
		${JEPSEN_SEED:+--seed "$JEPSEN_SEED"}
	echo "$output"
	[ "$status" -eq 0 ]
}

# Found by the jepsen run (seed 3, a slow leader): a follower's lease ran
# out while one of its clients was releasing a lock; the core revokes the
# lock, and the blocking UNLOCK waited for an UNLOCKED that never came.
@test "an unlock in flight when its node loses its lease returns ENOLCK" {
	# A long lease, so the unlock surely leaves before the lease ends.
	CELL_TIMING="election_ms=1000 heartbeat_ms=200 lease_ms=6000 delay_ms=2000"
	source "$BATS_TEST_DIRNAME/../selftests/dlock/cell_lib.sh"
	out="$BATS_TEST_TMPDIR/hold"
	gate="$BATS_TEST_TMPDIR/gate"

	cell_up 3
	leader="$(wait_leader 30000)"
	ns 1 "$DLCELL" ls-add unl
	holder=$((leader % 3 + 1))
	"$JEPSEN_DIR/jepsen_client" -n "dlc$holder" hold unl r "$gate" > "$out" 2>&1 &
	pid=$!
	end=$((SECONDS + 30))
	until grep -q granted "$out" || [ "$SECONDS" -ge "$end" ]; do
		sleep 0.1
	done
	# Cut off, then unlock: the release cannot reach the leader, and the
	# node's lease runs out with it in flight.
	ip link set "dlv$holder" down
	touch "$gate"
	echo "# node $holder cut off, unlocking; lease 6 s" >&3
	end=$((SECONDS + 40))
	while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$end" ]; do
		sleep 0.2
	done
	hung=0
	if kill -0 "$pid" 2>/dev/null; then
		echo "# the unlock is still waiting after 40 s: killing it" >&3
		hung=1
		kill -9 "$pid"
	fi
	wait "$pid" || true
	cell_down
	echo "# cell down" >&3
	cat "$out"
	[ "$hung" -eq 0 ]
	grep -q "^granted" "$out"
	grep -q "^unlock: ENOLCK" "$out"
}
