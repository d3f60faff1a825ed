#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vm3_bench.sh: the 3-VM part of `make bench`, run in every guest of a
# multi-VM cell (tests/bench/vm3.sh starts it with tests/multivm/run.sh).
# Each guest is one node with its own kernel; on the same three guests:
#
#  1. floor: UDP round trip from guest 1 to guest 2 (tests/multivm/udp_rtt),
#  2. fs/dlm: corosync (knet) with the three guests in its nodelist,
#     dlm_controld in each, the lockspace joined on all three; then
#     dlm-bench: 1 client on guest 1, and tput/handoff with the clients
#     split over the three guests (each guest runs its share at the same
#     time, after a barrier),
#  3. dlock: the same three guests as a dlock cell, dlock-bench's pair on
#     the leader and on a follower, tput/handoff split the same way, and
#     memory per held lock in guest 1 (one replica per kernel).
#
# Results are JSON lines of systems "dlm3" and "dlock3" in the guests'
# output, which vm3.sh collects; a run split over the guests is printed
# once, by guest 1, merged from the guests' parts (rates summed,
# percentiles the largest of the guests', max/min grants over all clients).
#
# Environment: BENCH_ITERS, BENCH_SECS (as vm_dlock.sh), BENCH3_LOCKS (held
# locks of the memory run, default 100000), BENCH3_MEM_SECS (its time
# budget for taking them, default 60 s; when spent, memory is measured with
# the locks held by then), BENCH3_SKIP_DLM=1.

# The host passes the environment as NAME=VALUE arguments.
for a in "$@"; do
	case "$a" in
	(BENCH_*=*|BENCH3_*=*) export "${a?}" ;;
	(*) echo "vm3_bench.sh: unknown argument $a" >&2; exit 2 ;;
	esac
done
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$BENCH_DIR/../.." && pwd)"
# One cell serves every dlock run here, the memory run too: its lease is
# vm_dlock.sh's memory cell's (10 s), because a one-vCPU guest holding tens
# of thousands of locks on a loaded host stalled past a 5 s lease (its
# locks were revoked mid-run).  No lease or election timeout is on the path
# of a lock that goes well.
CELL_TIMING=${BENCH_TIMING:-"election_ms=1000 heartbeat_ms=300 lease_ms=10000 delay_ms=2000"}
source "$REPO/tests/selftests/dlock/cell_lib.sh"
source "$REPO/tests/multivm/mv_lib.sh"
CELL_ID=79
ITERS=${BENCH_ITERS:-2000}
SECS=${BENCH_SECS:-5}
LOCKS=${BENCH3_LOCKS:-100000}
MEM_SECS=${BENCH3_MEM_SECS:-60}
DLMB="$BENCH_DIR/dlm-bench"
DB="$BENCH_DIR/dlock-bench"
RTT="$REPO/tests/multivm/udp_rtt"
me=$MV_NODE
LOG=/tmp/bench3
R="$MV_SHARE/res"
mkdir -p "$R"

note() {
	echo "# vm3[$me]: $*"
}

fail() {
	echo "vm3[$me]: error: $*" >&2
	for f in "$LOG".*; do
		[ -s "$f" ] && sed "s|^|# $(basename "$f"): |" "$f" | tail -n 20
	done
	exit 1
}

pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
}
trap cleanup EXIT

# wait_for SECONDS CMD...: poll CMD every 0.2 s until it succeeds.
wait_for() {
	local secs="$1" i
	shift
	for i in $(seq 1 $((secs * 5))); do
		"$@" > /dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}

# share_of C: this guest's part of C clients split over the guests.
share_of() {
	local c="$1"
	echo $(( c / MV_NODES + (me <= c % MV_NODES ? 1 : 0) ))
}

# merge SYSTEM FILES...: one JSON line from the guests' parts of one run.
merge() {
	python3 - "$@" <<'PY'
import json, sys
system, paths = sys.argv[1], sys.argv[2:]
parts = []
for p in paths:
    try:
        with open(p) as f:
            for line in f:
                if line.startswith("{"):
                    parts.append(json.loads(line))
    except OSError:
        pass
if len(parts) != len(paths):
    print(json.dumps({"kind": "error", "system": system,
                      "label": "merge of " + " ".join(paths)}))
    sys.exit(0)
out = dict(parts[0])
out["system"] = system
out["clients"] = sum(p["clients"] for p in parts)
out["pairs_s"] = sum(p["pairs_s"] for p in parts)
out["n"] = sum(p["n"] for p in parts)
for k in ("p50_us", "p99_us"):
    out[k] = max(p[k] for p in parts)
out["max_grants"] = max(p["max_grants"] for p in parts)
out["min_grants"] = min(p["min_grants"] for p in parts)
out["fairness"] = (out["max_grants"] / out["min_grants"]
                   if out["min_grants"] else 0.0)
for k in ("errors", "timeouts", "stuck"):
    out[k] = sum(p.get(k, 0) for p in parts)
out["label"] = "%s_%d" % (out["kind"], out["clients"])
out["guests"] = len(parts)
out["merged"] = "rates summed, percentiles the largest of the guests'"
print(json.dumps(out))
PY
}

# split_run SYS TAG C CMD...: every guest with a share of C clients runs
# CMD SHARE (its own count) at once; guest 1 prints the merged result.
split_run() {
	local sys="$1" tag="$2" c="$3" n files=() i
	shift 3

	barrier "$sys-$tag-$c" || fail "barrier $sys-$tag-$c"
	n="$(share_of "$c")"
	if [ "$n" -gt 0 ]; then
		"$@" "$n" > "$R/$sys-$tag-$c.$me" 2> "$LOG.$sys-$tag" ||
			note "$sys $tag $c: exit $? ($(tail -n 1 "$LOG.$sys-$tag"))"
	fi
	barrier "$sys-$tag-$c-done" || fail "barrier $sys-$tag-$c-done"
	[ "$me" = 1 ] || return 0
	for i in $(seq 1 "$MV_NODES"); do
		[ "$(share_of_node "$c" "$i")" -gt 0 ] && files+=("$R/$sys-$tag-$c.$i")
	done
	merge "$sys" "${files[@]}"
}

share_of_node() {
	echo $(( $1 / MV_NODES + ($2 <= $1 % MV_NODES ? 1 : 0) ))
}

# --- 1. floor ------------------------------------------------------------
if [ "$me" = 2 ]; then
	"$RTT" echo 9478 &
	pids+=($!)
fi
barrier floor || fail "floor barrier"
if [ "$me" = 1 ]; then
	sleep 0.5
	f="$("$RTT" ping 10.78.0.2 9478 "$ITERS" dlm3)" || fail "udp_rtt ping"
	echo "$f"
	echo "${f/\"dlm3\"/\"dlock3\"}"
fi
barrier floor-done || fail "floor-done barrier"

# --- 2. fs/dlm -------------------------------------------------------------
# dlm_fail WHY: say why fs/dlm could not be formed; the result line
# carries it into results.md.
DLM_WHY=""
dlm_fail() {
	DLM_WHY="$*"
	note "fs/dlm: $*"
	# The other guests need not wait for this one at the steps to come.
	: > "$MV_SHARE/bar.dlm-up.$me"
	: > "$MV_SHARE/bar.dlm-joined.$me"
}

dlm_part() {
	local i

	[ -x "$DLMB" ] || { dlm_fail "$DLMB not built (make -C tests/bench peers)"; return 1; }
	command -v corosync > /dev/null || { dlm_fail "corosync missing (make bench-deps)"; return 1; }
	modprobe dlm || { dlm_fail "modprobe dlm failed"; return 1; }
	mountpoint -q /sys/kernel/config ||
		mount -t configfs none /sys/kernel/config ||
		{ dlm_fail "cannot mount configfs"; return 1; }
	[ -e /dev/misc ] || ln -s /dev /dev/misc
	mkdir -p /etc/corosync /var/log/corosync /var/lib/corosync /run/dlm
	{
		cat <<-CONF
		totem {
			version: 2
			cluster_name: dlbench3
			transport: knet
			crypto_cipher: none
			crypto_hash: none
		}
		logging {
			to_stderr: yes
			to_logfile: no
			to_syslog: no
		}
		quorum {
			provider: corosync_votequorum
		}
		nodelist {
		CONF
		for i in $(seq 1 "$MV_NODES"); do
			printf '\tnode {\n\t\tname: g%d\n\t\tnodeid: %d\n\t\tring0_addr: 10.78.0.%d\n\t}\n' "$i" "$i" "$i"
		done
		echo "}"
	} > /etc/corosync/corosync.conf
	corosync -f > "$LOG.corosync" 2>&1 &
	pids+=($!)
	all_votes() {
		corosync-quorumtool -s 2>/dev/null |
			grep -Eq "^Total votes: +$MV_NODES\$"
	}
	wait_for 120 all_votes || { dlm_fail "corosync: not all $MV_NODES votes"; return 1; }
	note "corosync: $(corosync-quorumtool -s | grep -E '^(Quorate|Total votes)' | xargs)"
	dlm_controld --foreground --enable_fencing 0 > "$LOG.dlm_controld" 2>&1 &
	pids+=($!)
	dlm_up() {
		dlm_tool status 2>&1 | grep -q '^cluster nodeid'
	}
	wait_for 60 dlm_up || { dlm_fail "dlm_controld did not come up"; return 1; }
	barrier dlm-up || { dlm_fail "barrier dlm-up"; return 1; }
	# Every guest joins the lockspace and stays in it, so each run of
	# dlm-bench (which opens and releases it) has three members.
	# dlbench is shared (pair, hand-off); dlbI is guest I's for the
	# distinct-resource runs, so that guests' resources t-0, t-1... are
	# not the same resources (each lockspace still has three members).
	for l in dlbench $(seq -f 'dlb%g' 1 "$MV_NODES"); do
		dlm_tool join "$l" > "$LOG.join" 2>&1 ||
			{ dlm_fail "dlm_tool join $l: $(cat "$LOG.join")"; return 1; }
	done
	members() {
		[ "$(dlm_tool ls 2>/dev/null | grep -E '^members' |
			awk -v n="$MV_NODES" 'NF - 1 == n' | wc -l)" -eq $((MV_NODES + 1)) ]
	}
	wait_for 120 members || { dlm_fail "lockspaces: not $MV_NODES members each: $(dlm_tool ls 2>&1 | xargs)"; return 1; }
	barrier dlm-joined || { dlm_fail "barrier dlm-joined"; return 1; }
	[ "$me" = 1 ] && note "fs/dlm: $(dlm_tool ls | grep -cE '^members') lockspaces, members $(dlm_tool ls | grep -m1 -E '^members' | cut -c15-)"
	return 0
}

dlmb() {
	"$DLMB" --json --iters "$ITERS" --secs "$SECS" --label-prefix dlm3 "$@"
}

if [ "${BENCH3_SKIP_DLM:-0}" = 1 ]; then
	[ "$me" != 1 ] || echo '{"kind":"skip","system":"dlm3","label":"dlm3","reason":"BENCH3_SKIP_DLM=1"}'
elif dlm_part; then
	ok_dlm=1
	put dlm ok
	barrier dlm-state || fail "dlm-state barrier"
	for i in $(alive); do
		[ "$(get dlm "$i")" = ok ] || ok_dlm=0
	done
	if [ "$ok_dlm" = 1 ]; then
		[ "$me" = 1 ] && { dlmb pair local || note "dlm-bench pair failed"; }
		barrier dlm-pair || fail "dlm-pair barrier"
		for c in 1 8 64 256; do
			split_run dlm3 tput "$c" dlmb --ls "dlb$me" tput
		done
		for c in 8 64; do
			split_run dlm3 handoff "$c" dlmb handoff
		done
	fi
	for l in dlbench $(seq -f 'dlb%g' 1 "$MV_NODES"); do
		dlm_tool leave "$l" > /dev/null 2>&1
	done
	cleanup
	pids=()
else
	put dlm "failed on guest $me: $DLM_WHY"
	barrier dlm-state
	if [ "$me" = 1 ]; then
		python3 -c 'import json, sys; print(json.dumps({"kind": "error",
			"system": "dlm3", "label": "vm3_bench.sh",
			"reason": sys.argv[1]}))' "$(get dlm 1)"
	fi
	cleanup
	pids=()
fi

# --- 3. dlock ----------------------------------------------------------------
db() {
	"$DB" --json --iters "$ITERS" --secs "$SECS" "$@" | sed 's/^{/{"system":"dlock3",/'
	return "${PIPESTATUS[0]}"
}

mv_cell_up || fail "dlock node setup"
"$DLCELL" wait-leader 60000 > /dev/null || fail "no dlock leader"
barrier dlock-elected || fail "dlock-elected barrier"
leader="$(my_field leader)"
# bench is shared (pair, hand-off); bI is guest I's for the distinct-
# resource runs (dlock-bench names resources by client index).
if [ "$me" = 1 ]; then
	for l in bench $(seq -f 'b%g' 1 "$MV_NODES"); do
		"$DLCELL" ls-add "$l" || fail "ls-add $l"
	done
fi
for l in bench $(seq -f 'b%g' 1 "$MV_NODES"); do
	wait_ls "$l" 60 || fail "lockspace $l unknown"
done
barrier dlock-ls || fail "dlock-ls barrier"
[ "$me" = 1 ] && note "dlock: leader guest $leader, timing $CELL_TIMING"
follower=1
[ "$leader" != 1 ] || follower=2
[ "$me" = "$leader" ] && { db pair - bench leader || note "pair leader failed"; }
barrier dlock-pair1 || fail "barrier"
[ "$me" = "$follower" ] && { db pair - bench follower || note "pair follower failed"; }
barrier dlock-pair2 || fail "barrier"
# dlock_split KIND N: this guest's N clients of a split run, on its node.
dlock_split() {
	case "$1" in
	(tput) db tput "b$me" "$2" - ;;
	(*) db "$1" bench "$2" - ;;
	esac
}
for c in 1 8 64 256; do
	split_run dlock3 tput "$c" dlock_split tput
done
for c in 8 64; do
	split_run dlock3 handoff "$c" dlock_split handoff
done
if [ "$me" = 1 ]; then
	db --mem-secs "$MEM_SECS" memory bench - "$LOCKS" ||
		note "memory run failed"
fi
barrier dlock-done || fail "dlock-done barrier"
exit 0
