#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check.sh [--nodes N] [--script S] [--full] [run.sh options]: the
# multi-VM scenarios on N (default 3) separate guests, in one boot, as one
# TAP stream: every guest's results, numbered anew and prefixed with the
# guest, then one result per guest that it ended as expected (ran to its
# end, or was the leader the scenario killed).  Exit status 0 when all
# passed.  S is the script every guest runs: scenarios.sh (the default:
# algos.sh, then cell.sh; with --full also partition.sh between them) or
# one of them alone.
#
# Needs the module (kmod/dlock.ko), dlcell (make -C tests/selftests/dlock)
# and dlockadm (make -C tools) built.  `make check-multivm` runs it.

MV_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$MV_DIR/../.." && pwd)"
nodes=3
name=mvcell
script=scenarios.sh
script_args=()
args=()
while [ $# -gt 0 ]; do
	case "$1" in
	(--nodes) nodes="$2"; shift 2 ;;
	(--name) name="$2"; shift 2 ;;
	(--script) script="$2"; shift 2 ;;
	(--full) script_args=(full); shift ;;
	(*) args+=("$1"); shift ;;
	esac
done
share="$REPO_DIR/.build/multivm/$name"
log="$REPO_DIR/.build/multivm/$name.log"
mkdir -p "$REPO_DIR/.build/multivm"

start=$SECONDS
bash "$MV_DIR/run.sh" --nodes "$nodes" --name "$name" "${args[@]}" \
	-- "$MV_DIR/$script" "${script_args[@]}" > "$log" 2>&1
launcher_rc=$?
echo "# multivm: $nodes guests, $((SECONDS - start)) s; log $log"

n=0
fail=0
for i in $(seq 1 "$nodes"); do
	out="$share/out.$i"
	while IFS= read -r line; do
		case "$line" in
		("ok "*|"not ok "*)
			n=$((n + 1))
			res="${line%% [0-9]*}"
			desc="${line#* - }"
			[ "$res" = ok ] || fail=$((fail + 1))
			echo "$res $n - [guest $i] $desc" ;;
		("#"*) echo "$line" ;;
		esac
	done < <(cat "$out" 2>/dev/null)
done
# Each guest ended as the scenario wants: the killed leader by the host's
# SIGKILL, the others with a plan line of their own and no failure.
for i in $(seq 1 "$nodes"); do
	n=$((n + 1))
	if [ -e "$share/killed.$i" ]; then
		echo "ok $n - guest $i: killed by the host as the scenario asked"
	elif grep -q '^1\.\.[0-9]' "$share/out.$i" 2>/dev/null &&
	     grep -q "### vm\[$name-$i\]: PASS" "$share/vm.$i.log" 2>/dev/null; then
		echo "ok $n - guest $i: ran to its end, clean kernel log"
	else
		fail=$((fail + 1))
		echo "not ok $n - guest $i: ran to its end, clean kernel log"
		grep '^### vm' "$share/vm.$i.log" 2>/dev/null | tail -n 5 |
			sed 's/^/#   /'
	fi
done
echo "1..$n"
[ "$fail" -eq 0 ] && [ "$launcher_rc" -eq 0 ]
