#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A cell of separate kernels: boot N qemu guests (tests/vm/run.sh each, so
# the same kernel, initramfs and kernel-log scan), joined by a private L2
# that carries no host IP traffic, and run one script in every guest.
#
#   tests/multivm/run.sh [options] -- SCRIPT [ARG...]
#
# Options:
#   --nodes N       guests (default 3; 2..9)
#   --name NAME     run name: guest i is tests/vm/run.sh --name NAME-i, the
#                   shared directory is .build/multivm/NAME (default mv)
#   --module PATH   module every guest loads (default kmod/dlock.ko)
#   --no-module     boot without dlock (the fs/dlm bench)
#   --kernel V      as tests/vm/run.sh
#   --mem SIZE      memory per guest (default 640M); 1 vCPU each
#   --timeout SEC   per guest (default 600, env VM_TIMEOUT)
#
# The network: every pair of guests (i, j) shares a point-to-point link,
# two virtio-net NICs joined by qemu's `-netdev dgram` over a pair of unix
# datagram sockets (a full mesh; no bridge, no tap, no host address).  The
# NIC of guest i toward j has MAC 52:54:00:4d:0i:0j, which is how the guest
# side (guest.sh) finds it.  Guest i owns address 10.78.0.i and routes
# 10.78.0.j/32 over the link to j.
#
# The shared directory .build/multivm/NAME is a writable 9p export (tag
# "mvshare", mounted at /mv in each guest, cache=none so writes of one guest
# are seen by the next read of another): barriers, results and requests to
# the host go through it.  A guest asks the host to kill a guest (its own
# included: "the loss of a guest") by writing its number into kill.REQ;
# this script SIGKILLs that guest's qemu, the hardest stop there is: no
# shutdown, no rmmod, no goodbye datagram.  A killed guest is not a failure.
#
# SCRIPT runs in each guest (tests/multivm/guest.sh sets up the network and
# then execs it) with MV_NODE=i, MV_NODES=N, MV_SHARE=/mv in its
# environment.  Guest i's output goes to NAME-i.out in the shared dir and,
# prefixed "[i] ", to stdout.  The exit status is 0 when every guest that
# was not killed ran SCRIPT to exit status 0 with a clean kernel log.

set -uo pipefail

REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

die() {
	echo "multivm: error: $*" >&2
	exit 2
}

nodes=3
name="mv"
mem=640M
timeout="${VM_TIMEOUT:-600}"
vm_args=()

while [ $# -gt 0 ]; do
	case "$1" in
	(--nodes) nodes="${2:?--nodes needs a number}"; shift 2 ;;
	(--name) name="${2:?--name needs a name}"; shift 2 ;;
	(--module) vm_args+=(--module "${2:?--module needs a path}"); shift 2 ;;
	(--no-module) vm_args+=(--no-module); shift ;;
	(--kernel) vm_args+=(--kernel "${2:?--kernel needs a version}"); shift 2 ;;
	(--mem) mem="${2:?--mem needs a size}"; shift 2 ;;
	(--timeout) timeout="${2:?--timeout needs seconds}"; shift 2 ;;
	(--) shift; break ;;
	(*) die "unknown argument: $1 (see the header of $0)" ;;
	esac
done
[ $# -gt 0 ] || die "no guest script given after --"
[[ "$nodes" =~ ^[2-9]$ ]] || die "--nodes wants 2..9"
[[ "$name" =~ ^[A-Za-z0-9_-]+$ ]] || die "--name wants [A-Za-z0-9_-]"
[[ "$timeout" =~ ^[1-9][0-9]*$ ]] || die "--timeout wants whole seconds"
script="$(readlink -f "$1")" || die "no such script: $1"
[ -r "$script" ] || die "no such script: $1"
shift
script_args=("$@")

share="$REPO_DIR/.build/multivm/$name"
rm -rf "$share"
mkdir -p "$share" || die "cannot create $share"
# Unix socket paths are limited to 108 bytes: keep them short, in /tmp.
sockdir="$(mktemp -d)" || die "cannot create a socket directory"

pids=()
tail_pids=()
cleanup() {
	local pid

	for pid in "${pids[@]}" "${tail_pids[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for pid in "$share"/qemu.*.pid; do
		[ -r "$pid" ] && kill "$(cat "$pid")" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$sockdir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The qemu arguments of guest i: the shared dir, a pid file, and one NIC
# per other guest.  Each end binds its own socket and sends to the other's;
# a datagram to a guest not up yet (or killed) is simply lost, as on a wire.
guest_qemu_args() {
	local i="$1" j

	echo "-virtfs"
	echo "local,path=$share,mount_tag=mvshare,security_model=none,multidevs=remap"
	echo "-pidfile"
	echo "$share/qemu.$i.pid"
	for j in $(seq 1 "$nodes"); do
		[ "$i" != "$j" ] || continue
		echo "-netdev"
		echo "dgram,id=l$j,local.type=unix,local.path=$sockdir/$i-$j,remote.type=unix,remote.path=$sockdir/$j-$i"
		echo "-device"
		echo "virtio-net-pci,netdev=l$j,mac=52:54:00:4d:0$i:0$j"
	done
}

: > "$share/args"
[ ${#script_args[@]} -eq 0 ] || printf "%s\n" "${script_args[@]}" > "$share/args"
for i in $(seq 1 "$nodes"); do
	: > "$share/out.$i"
done
echo "### multivm[$name]: $nodes guests, $mem and 1 vCPU each, script $script"
for i in $(seq 1 "$nodes"); do
	qargs=()
	while read -r a; do
		qargs+=(--qemu-arg "$a")
	done < <(guest_qemu_args "$i")
	# N one-vCPU TCG guests on a loaded two-core host: a guest can go
	# without CPU for tens of seconds (5 guests at load 23 went 38 s while
	# booting), which the default 21 s RCU stall timeout reports with a
	# Call Trace that fails the run.  A real lockup lasts; 120 s (of 300
	# at most) still catches it.  no_timer_check: the boot-time check
	# that the IO-APIC timer ticks fails on a starved vCPU ("IO-APIC +
	# timer doesn't work!", a panic seen at load 16).  watchdog_thresh=60:
	# the soft-lockup watchdog reports after twice that, 120 s, not 20 s
	# ("soft lockup - CPU#0 stuck for 22s! [cryptomgr_test]" while a
	# guest booted at load 10, with a Call Trace that failed the run).
	bash "$REPO_DIR/tests/vm/run.sh" "${vm_args[@]}" --name "$name-$i" \
		--smp 1 --mem "$mem" --timeout "$timeout" "${qargs[@]}" \
		--append rcupdate.rcu_cpu_stall_timeout=120 \
		--append no_timer_check --append watchdog_thresh=60 \
		-- bash "$REPO_DIR/tests/multivm/guest.sh" "$i" "$nodes" "$script" \
		> "$share/vm.$i.log" 2>&1 &
	pids+=($!)
done

# Serve kill requests until every guest has ended; stream their output.
declare -A killed=() done_=()
tail_pids=()
for i in $(seq 1 "$nodes"); do
	tail -n +1 -F "$share/out.$i" 2>/dev/null > >(sed -u "s/^/[$i] /") &
	tail_pids+=($!)
done
while :; do
	for req in "$share"/kill.*; do
		[ -e "$req" ] || continue
		i="$(cat "$req" 2>/dev/null)"
		[[ "$i" =~ ^[1-9]$ ]] || continue
		rm -f "$req"
		[ -z "${killed[$i]:-}" ] || continue
		if [ -r "$share/qemu.$i.pid" ] &&
		   kill -KILL "$(cat "$share/qemu.$i.pid")" 2>/dev/null; then
			killed[$i]=1
			echo "killed" > "$share/killed.$i"
			echo "### multivm[$name]: killed guest $i (SIGKILL to its qemu)"
		fi
	done
	left=0
	for i in $(seq 1 "$nodes"); do
		[ -z "${done_[$i]:-}" ] || continue
		if kill -0 "${pids[$((i - 1))]}" 2>/dev/null; then
			left=$((left + 1))
		else
			done_[$i]=1
			# The others' barriers need not wait for it.
			echo "ended" > "$share/ended.$i"
		fi
	done
	[ "$left" -gt 0 ] || break
	sleep 0.2
done
sleep 0.5
kill "${tail_pids[@]}" 2>/dev/null

rc=0
for i in $(seq 1 "$nodes"); do
	wait "${pids[$((i - 1))]}"
	vrc=$?
	if [ -n "${killed[$i]:-}" ]; then
		echo "### multivm[$name]: guest $i: killed on request"
	elif [ "$vrc" -ne 0 ]; then
		echo "### multivm[$name]: guest $i: FAIL (run.sh exited $vrc):"
		grep '^### vm' "$share/vm.$i.log" | tail -n 8 | sed 's/^/###   /'
		rc=1
	else
		echo "### multivm[$name]: guest $i: PASS"
	fi
done
exit "$rc"
