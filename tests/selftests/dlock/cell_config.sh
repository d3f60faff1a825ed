#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# cell_config.sh: generic netlink configuration is checked and a refused
# request changes nothing: each bad request fails with its errno and an
# extended-ack message, and the peer table and status stay as they were.
# Runs in a private namespace; needs no cell.

source "$(dirname "${BASH_SOURCE[0]}")/cell_lib.sh"

trap 'ip netns del dlcfg 2>/dev/null' EXIT
ip netns add dlcfg || exit 1
c() { "$DLCELL" -n dlcfg "$@"; }

# refused ERRNO-TEXT DESCRIPTION ARGS...: the request fails with that errno
# and an extack message.
refused() {
	local want="$1" desc="$2" err
	shift 2
	if err="$(c "$@" 2>&1)"; then
		not_ok "$desc: accepted"
		return
	fi
	if [[ "$err" == *"$want"*"("*")"* ]]; then
		ok "$desc: $want, with a message"
	else
		not_ok "$desc: got '$err', want '$want (message)'"
	fi
}

check "node id and address set" c set id=1 cell=5 addr=10.0.0.1 port=7400
check "a voter peer added" c peer-add id=2 addr=10.0.0.2 port=7400
before="$(c peers; c status)"

refused "Invalid argument" "node id 0" set id=0
refused "Invalid argument" "heartbeat not shorter than election" \
	set heartbeat_ms=500 election_ms=300
refused "Invalid argument" "lock delay under twice the election timeout" \
	set election_ms=300 delay_ms=500
refused "Numerical result out of range" "election timeout 0" set election_ms=0
refused "Invalid argument" "peer without id" peer-add addr=10.0.0.3
refused "Invalid argument" "peer id 0" peer-add id=0 addr=10.0.0.3
refused "Invalid argument" "peer without address" peer-add id=3
refused "Invalid argument" "peer with two addresses" \
	peer-add id=3 addr=10.0.0.3 addr=fd00::3
refused "Invalid argument" "peer 0.0.0.0" peer-add id=3 addr=0.0.0.0
refused "Invalid argument" "peer is the node itself" peer-add id=1 addr=10.0.0.9
refused "File exists" "peer added twice" peer-add id=2 addr=10.0.0.2
refused "Numerical result out of range" "peer role 7" \
	peer-add id=3 addr=10.0.0.3 role=7
refused "No such file or directory" "removing an unknown peer" peer-del id=9
refused "Transport endpoint is not connected" "lockspace on a stopped node" \
	ls-add x
check "refused requests changed nothing" [ "$before" = "$(c peers; c status)" ]

check "peer removed" c peer-del id=2
check "peer table empty" [ -z "$(c peers)" ]

# Only CAP_NET_ADMIN may change the node.
if command -v setpriv > /dev/null; then
	if err="$(ip netns exec dlcfg setpriv --inh-caps=-all --bounding-set=-net_admin \
			"$DLCELL" peer-add id=4 addr=10.0.0.4 2>&1)"; then
		not_ok "peer-add without CAP_NET_ADMIN: accepted"
	else
		check "peer-add without CAP_NET_ADMIN: EPERM" \
			eval '[[ "$err" == *"Operation not permitted"* ]]'
	fi
fi

tap_done
