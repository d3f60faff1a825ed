#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# partition.sh: the Raft leader's guest cut off and healed, in every guest
# (tests/multivm/run.sh; scenarios.sh full runs it between algos.sh and
# cell.sh).  The netns kselftests cut a veth in one kernel; here the
# leader's guest takes its own NICs down (every datagram to or from it is
# lost on the emulated wire) while its kernel, clock and node keep running.
#
#  1. A Raft cell (CELL_ID 82) forms; all agree on a leader L; lockspace pt.
#  2. L's guest cuts its links, then asks for an EX lock on pt/iso.  The
#     others elect a new leader among themselves and count K rounds each
#     on pt/ctr under it: the total is exact.  The cut lasts until the new
#     leader has expired L's session (nodes_expired): L's request is never
#     granted, L's own lease runs out (leases_lost) and the request fails
#     with ENOLINK, as protocol.rst's session states say.
#  3. L's guest heals its links.  Every guest must follow one leader again
#     (each polls until all the published views agree), a new request of
#     L must be granted within a bound (service back), and then every
#     guest counts K rounds on pt/ctr2: exact again, now N*K.
# Then every guest reloads the module, as after each cell of algos.sh.

MV_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$MV_DIR/../selftests/dlock/cell_lib.sh"
source "$MV_DIR/mv_lib.sh"
source "$MV_DIR/mv_cells.sh"

LOG=/tmp/mvpart

mv_script_checks partition.sh

CELL_TIMING="election_ms=1000 heartbeat_ms=200 lease_ms=5000 delay_ms=2000"
CELL_ID=82
cell_form part
L="$form_leader"
if [ "$me" = 1 ]; then
	"$DLCELL" ls-add pt || bail "lockspace pt added"
fi
check "lockspace pt known on guest $me" wait_ls pt "$(scaled 60)"
[ "$me" != 1 ] || echo 0 > "$MV_SHARE/part.counter"
barrier part-ls || bail "all guests know lockspace pt"

# --- 2. the leader's guest cut off ---------------------------------------
if [ "$me" = "$L" ]; then
	check "guest $me (leader) cuts its links" links down
	# "granted" (it must not be), or the request's error
	"$DLCELL" watch-revoke pt iso EX 3 > "$MV_SHARE/part.iso" 2>&1 &
	ipid=$!
fi
barrier part-cut || bail "the leader's guest is cut off"
if [ "$me" != "$L" ]; then
	start=$SECONDS
	new=""
	for _ in $(seq 1 "$(scaled 600)"); do
		new="$(my_field leader)"
		[ -n "$new" ] && [ "$new" != 0 ] && [ "$new" != "$L" ] && break
		new=""
		sleep 0.1
	done
	check "guest $me follows a leader other than $L (${new:-none}, $((SECONDS - start)) s after the cut)" \
		[ -n "$new" ]
	"$DLCELL" count pt ctr "$MV_SHARE/part.counter" "$K"
	check "guest $me: $K rounds on pt/ctr while guest $L is cut off" \
		[ $? -eq 0 ]
	# The cut lasts until the new leader has expired L's session
	# (lease + lock delay after it took office), whatever the speed.
	if [ "$(my_field leader)" = "$me" ]; then
		check "guest $me (new leader) expires guest $L's session" \
			wait_counter nodes_expired "$(scaled 60)"
	fi
fi
barrier part-counted || bail "the majority counted"
total="$(cat "$MV_SHARE/part.counter")"
check "counter is $(((MV_NODES - 1) * K)) after $((MV_NODES - 1)) guests x $K ($total)" \
	[ "$total" = $(((MV_NODES - 1) * K)) ]
if [ "$me" = "$L" ]; then
	check "guest $me's request is not granted while it is cut off" \
		eval '! grep -q granted "$MV_SHARE/part.iso"'
fi
barrier part-checked || bail "the cut-off guest checked its request"

# --- 3. heal ----------------------------------------------------------------
if [ "$me" = "$L" ]; then
	check "guest $me heals its links" links up
fi
barrier part-healed || bail "the leader's guest healed"
# One leader again: publish this guest's view until every guest's agrees.
start=$SECONDS
wait_one_leader part-view
check "after the heal all $MV_NODES guests follow one leader (${one:-none}, $((SECONDS - start)) s)" \
	[ -n "$one" ]
if [ "$me" = "$L" ]; then
	wait "$ipid"
	irc=$?
	sed 's/^/# iso: /' "$MV_SHARE/part.iso"
	for c in leases_lost revoked nodes_expired; do
		echo "# guest $me: $c $(my_counter $c)"
	done
	# Cut off past the new leader's EXPIRE_NODE, so past the end of
	# its own lease (protocol.rst, "Why the old holder has stopped"):
	# the lease ran out, and the waiting request failed with ENOLINK.
	check "guest $me's own lease ran out while cut off (leases_lost)" \
		[ "$(my_counter leases_lost)" -gt 0 ]
	check "guest $me's request made while cut off failed ENOLINK, not granted ($irc)" \
		eval 'grep -q "Link has been severed" "$MV_SHARE/part.iso" &&
		      ! grep -q granted "$MV_SHARE/part.iso"'
	# Service back: a new request after the heal is granted.
	timeout "$(scaled 120)" "$DLCELL" hold pt iso EX 0 > "$LOG.iso2" 2>&1
	sed 's/^/# iso2: /' "$LOG.iso2"
	check "guest $me is granted a new request after the heal" \
		grep -q released "$LOG.iso2"
fi
barrier part-served || bail "the healed guest was served"
[ "$me" != 1 ] || echo 0 > "$MV_SHARE/part.counter2"
barrier part-zeroed2 || bail "counter2 zeroed"
"$DLCELL" count pt ctr2 "$MV_SHARE/part.counter2" "$K"
check "guest $me: $K rounds on pt/ctr2 after the heal" [ $? -eq 0 ]
barrier part-counted2 || bail "all guests counted after the heal"
total="$(cat "$MV_SHARE/part.counter2")"
check "counter2 is $((MV_NODES * K)) after $MV_NODES guests x $K ($total)" \
	[ "$total" = $((MV_NODES * K)) ]

reload part

tap_done
