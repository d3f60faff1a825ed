#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# cell_cache.sh: the node-level grant cache in a 3-node cell.  A lockspace
# created with "dlockadm lockspace add NAME cache on" shows the setting;
# a process on a follower takes and releases one lock 1000 times, and the
# node sends no lock request for any of them (its request, acquire and
# release counters stay put while its local-grant counter moves by 1000),
# with strictly increasing fencing tokens; then a process on another node
# takes the lock: the first node's cached grant is given back (BLOCKING),
# the other node's token is above every earlier one, and the first node's
# next grant is above that.  A lockspace without the cache sends a request
# per lock, the contrast that shows what the cache saves.

source "$(dirname "${BASH_SOURCE[0]}")/cell_lib.sh"

RETAKE="$HERE/cell_cache_retake"
OUT=/tmp/dlc-cache
trap 'cell_down; rm -f $OUT.*' EXIT

# ctr I NAME: counter NAME of node I (0 while it has never moved).
ctr() {
	local v
	v="$(ns "$1" "$DLCELL" counters "$2" | awk -v n="$2" '$1 == n { print $2 }')"
	echo "${v:-0}"
}

# field OUTFILE NAME: NAME=VALUE from cell_cache_retake's line.
field() {
	sed -n "s/.*\\b$2=\\([0-9]*\\).*/\\1/p" "$1"
}

if ! command -v dlockadm > /dev/null; then
	not_ok "dlockadm on PATH (make -C tools)"
	tap_done
	exit
fi
if ! cell_up 3 || ! leader="$(wait_leader 10000)"; then
	not_ok "3-node cell formed"
	tap_done
	exit
fi
ok "3-node cell formed, leader $leader"
# two followers: f retakes, o takes the lock away from it
f=""
o=""
for i in 1 2 3; do
	[ "$i" = "$leader" ] && continue
	if [ -z "$f" ]; then f=$i; else o=$i; fi
done

check "lockspace 'cached' created with cache on" \
	dlockadm -n dlc1 lockspace add cached cache on
check "lockspace 'plain' created (cache off by default)" \
	dlockadm -n dlc1 lockspace add plain
# show_both: node f's replica lists both lockspaces with their setting
show_both() {
	dlockadm -n "dlc$f" --json lockspace show > "$OUT.show" &&
		python3 -c '
import json, sys
ls = {l["name"]: l["cache"] for l in json.load(open(sys.argv[1]))}
sys.exit(ls != {"cached": True, "plain": False})
' "$OUT.show"
}
# a follower's replica applies the new lockspaces a moment after the leader
for i in $(seq 1 "$(scaled 100)"); do
	show_both && break
	sleep 0.1
done
sed 's/^/# /' "$OUT.show"
check "lockspace show says cache on for 'cached', off for 'plain'" show_both

# warm up: the first grant comes from the cell and is then cached
ns "$f" "$RETAKE" cached r EX 2 > "$OUT.warm" 2>&1
check "node $f takes the cached lock" [ $? -eq 0 ]
warm_last="$(field "$OUT.warm" last)"
req0="$(ctr "$f" tx_ops.request)"
acq0="$(ctr "$f" cause_ops.acquire)"
rel0="$(ctr "$f" cause_ops.release)"
grants0="$(ctr "$f" cache_grants)"
ns "$f" "$RETAKE" cached r EX 1000 "${warm_last:-0}" > "$OUT.run" 2>&1
rc=$?
sed 's/^/# /' "$OUT.run"
check "node $f re-takes it 1000 times, tokens strictly increasing" \
	[ $rc -eq 0 ]
req1="$(ctr "$f" tx_ops.request)"
acq1="$(ctr "$f" cause_ops.acquire)"
rel1="$(ctr "$f" cause_ops.release)"
grants1="$(ctr "$f" cache_grants)"
echo "# node $f: requests $req0 -> $req1, acquire ops $acq0 -> $acq1," \
	"release ops $rel0 -> $rel1, local grants $grants0 -> $grants1"
check "no lock request left node $f for the 1000 re-takes" \
	eval '[ "$req0" = "$req1" ] && [ "$acq0" = "$acq1" ] && [ "$rel0" = "$rel1" ]'
check "node $f granted all 1000 from its cache" \
	[ $((grants1 - grants0)) -ge 1000 ]

f_last="$(field "$OUT.run" last)"
drops0="$(ctr "$f" cache_drops)"
ns "$o" "$RETAKE" cached r EX 1 "${f_last:-0}" > "$OUT.other" 2>&1
check "node $o takes the lock, its token above node $f's last" [ $? -eq 0 ]
o_token="$(field "$OUT.other" last)"
check "node $f's cached grant was asked back and given up" \
	eval '[ "$(ctr "$f" cache_blocked)" -ge 1 ] && [ "$(ctr "$f" cache_drops)" -gt "$drops0" ]'
ns "$f" "$RETAKE" cached r EX 1 "${o_token:-0}" > "$OUT.again" 2>&1
check "node $f takes it again, token above node $o's" [ $? -eq 0 ]

# the contrast: without the cache every lock is a request to the leader
req0="$(ctr "$f" tx_ops.request)"
ns "$f" "$RETAKE" plain r EX 20 > "$OUT.plain" 2>&1
check "node $f takes a lock of 'plain' 20 times" [ $? -eq 0 ]
req1="$(ctr "$f" tx_ops.request)"
echo "# node $f without cache: requests $req0 -> $req1"
check "without the cache each take sends requests" \
	[ $((req1 - req0)) -ge 20 ]

tap_done
