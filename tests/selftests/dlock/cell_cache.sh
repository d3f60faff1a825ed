#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# cell_cache.sh: the node-level grant cache in a 3-node cell.  A lockspace
# created with "dlockadm lockspace add NAME cache on" shows the setting;
# a process on a follower takes and releases one lock 1000 times, and the
# node sends no lock request for any of them (its request, acquire and
# release counters stay put while its local-grant counter moves by 1000),
# with strictly increasing fencing tokens; then, while the first node holds
# it again, a process on another node takes the lock: the first node's
# cached grant is asked back (BLOCKING) and given back,
# the other node's token is above every earlier one, and the first node's
# next grant is above that.  A lockspace without the cache sends a request
# per lock, the contrast that shows what the cache saves.

source "$(dirname "${BASH_SOURCE[0]}")/cell_lib.sh"

RETAKE="$HERE/cell_cache_retake"
OUT=/tmp/dlc-cache
trap 'kill $(jobs -p) 2>/dev/null; cell_down; rm -f $OUT.*' EXIT

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

# A null-mode holder on node f keeps its cell lock in use from here until
# the 1000 re-takes are counted: an unused cached lock goes back by itself
# after 10 s (DL_CACHE_IDLE_MS), which reading the counters can take on a
# slow guest, and the re-takes would then ask the cell again.  NL is
# compatible with every mode, so it leaves the re-takes to the cache.
"$DLCELL" -n "dlc$f" hold cached r NL 3600 > "$OUT.pin" 2>&1 &
pin=$!
check "node $f holds r in NL mode" wait_file "$OUT.pin" granted "$(scaled 20)"
# warm up: the first EX grant comes from the cell and is then cached
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
kill "$pin"
wait "$pin" 2>/dev/null

# Node f holds the lock (granted from its cache) while node o asks for it:
# the cell asks f for its grant back (BLOCKING) and f gives it up once its
# holder is done.  Held, not merely cached: an unused cached lock goes by
# itself after 10 s (DL_CACHE_IDLE_MS), and on the debug kernel the
# processes between the re-takes and node o's request took longer than
# that, so the cell had nothing to ask back.
f_last="$(field "$OUT.run" last)"
drops0="$(ctr "$f" cache_drops)"
blocked0="$(ctr "$f" cache_blocked)"
"$DLCELL" -n "dlc$f" hold cached r EX "$(scaled 3)" > "$OUT.fhold" 2>&1 &
fhold=$!
check "node $f holds the lock again" \
	wait_file "$OUT.fhold" granted "$(scaled 20)"
f_held="$(sed -n 's/.*granted.*token=\([0-9]*\).*/\1/p' "$OUT.fhold")"
ns "$o" "$RETAKE" cached r EX 1 "${f_held:-${f_last:-0}}" > "$OUT.other" 2>&1
check "node $o takes the lock, its token above node $f's last" [ $? -eq 0 ]
wait "$fhold"
sed 's/^/# node '"$f"' holder: /' "$OUT.fhold"
o_token="$(field "$OUT.other" last)"
check "node $f's cached grant was asked back and given up" \
	eval '[ "$(ctr "$f" cache_blocked)" -gt "$blocked0" ] && [ "$(ctr "$f" cache_drops)" -gt "$drops0" ]'
ns "$f" "$RETAKE" cached r EX 1 "${o_token:-0}" > "$OUT.again" 2>&1
check "node $f takes it again, token above node $o's" [ $? -eq 0 ]

# the contrast: without the cache every lock is a request to the leader
req0="$(ctr "$f" tx_ops.request)"
ns "$f" "$RETAKE" plain r EX 20 > "$OUT.plain" 2>&1
check "node $f takes a lock of 'plain' 20 times" [ $? -eq 0 ]
sed 's/^/# /' "$OUT.plain"
req1="$(ctr "$f" tx_ops.request)"
echo "# node $f without cache: requests $req0 -> $req1"
check "without the cache each take sends requests" \
	[ $((req1 - req0)) -ge 20 ]

tap_done
