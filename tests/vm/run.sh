#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot a Debian kernel in qemu (TCG, no network device), load the dlock
# module, run commands inside, and return their exit status.
#
#   tests/vm/run.sh [options] -- CMD [ARG...]
#   tests/vm/run.sh [options] --cmd 'shell command' [--cmd '...']...
#
# Options:
#   --kernel V      6.1 (default: the kernel of KDIR's headers), 6.12, a
#                   full release such as 6.12.117+deb12-amd64, or debug: the
#                   KASAN/lockdep/kmemleak kernel of tests/debug-kernel
#                   (built by its build.sh; everything built in, so the
#                   initramfs carries no modules; build dlock.ko against
#                   its build/ dir)
#   --module PATH   module to insmod (default: kmod/dlock.ko); rmmod at the
#                   end must succeed too
#   --no-module     boot without loading dlock
#   --cmd STRING    a shell command to run in the repo dir; may repeat, all
#                   run, the first non-zero status is the result
#   --timeout SEC   kill qemu after SEC seconds (default 600, env VM_TIMEOUT)
#   --name NAME     VM name: its work dir is .build/vm/run-NAME; give each of
#                   several parallel VMs its own (default vm0)
#   --mem SIZE      guest memory (default 1G), --smp N cpus (default 2)
#   --qemu-arg ARG  extra qemu argument (may repeat), e.g. a vde netdev
#   --append ARGS   extra kernel command line arguments
#   --output FILE   also save the commands' own output (without the kernel
#                   messages that share the console) to FILE
#   --alloc-failures-expected
#                   the tests inject allocation failures (failslab): a
#                   Call Trace the kernel dumps right after reporting a
#                   failed allocation (ALLOC_FAILURE_RE) is not a problem;
#                   every other match still is
#
# The guest's root is the host's / shared read-only over virtio-9p under a
# tmpfs overlay, so the tree, bats, iproute2, nftables of the host run inside
# at the same paths.  The console streams live to stdout.  The run fails
# (exit non-zero, naming the line) when the kernel log or the console shows
# an Oops, BUG, WARNING, KASAN report, general protection fault, Call Trace
# or panic; when rmmod fails; on timeout; or when the guest never reports.

set -uo pipefail

REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VM_DIR="$REPO_DIR/tests/vm"
CACHE_DIR="$REPO_DIR/.build/vm"

# Kernel messages that mean the run is broken whatever the tests said.
KERNEL_PROBLEM_RE='Oops|BUG:|kernel BUG|WARNING:|KASAN|general protection|Call Trace|Kernel panic|UBSAN:|list_(add|del) corruption'
# With --alloc-failures-expected: the kernel's own reports of an allocation
# that failed (warn_alloc, vmalloc, a sysctl table, a slab cache or its
# kobject), which dump the stack a few lines below: injected failures, not
# bugs.  What happens after such a failure (a KASAN report, a WARNING, a
# leak) is still caught.
ALLOC_FAILURE_RE='page allocation failure|vmalloc error:|could not get directory: .* -12$|failed with error -12$|kobject_add_internal failed .*error: -12|kobject: can not set name properly'

die() {
	echo "run.sh: error: $*" >&2
	exit 2
}

usage() {
	sed -n '4,30s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
	exit 2
}

kernel_arg=""
module="$REPO_DIR/kmod/dlock.ko"
timeout="${VM_TIMEOUT:-600}"
name=vm0
mem=1G
smp=2
cmds=()
qemu_extra=()
output=""
append_extra=""
alloc_failures_expected=no

while [ $# -gt 0 ]; do
	case "$1" in
	(--kernel) kernel_arg="${2:?--kernel needs a version}"; shift 2 ;;
	(--module) module="${2:?--module needs a path}"; shift 2 ;;
	(--no-module) module=""; shift ;;
	(--cmd) cmds+=("${2:?--cmd needs a command}"); shift 2 ;;
	(--timeout) timeout="${2:?--timeout needs seconds}"; shift 2 ;;
	(--name) name="${2:?--name needs a name}"; shift 2 ;;
	(--mem) mem="${2:?--mem needs a size}"; shift 2 ;;
	(--smp) smp="${2:?--smp needs a number}"; shift 2 ;;
	(--qemu-arg) qemu_extra+=("${2:?--qemu-arg needs an argument}"); shift 2 ;;
	(--output) output="${2:?--output needs a file}"; shift 2 ;;
	(--append) append_extra+=" ${2:?--append needs arguments}"; shift 2 ;;
	(--alloc-failures-expected) alloc_failures_expected=yes; shift ;;
	(-h|--help) usage ;;
	(--) shift
		[ $# -gt 0 ] || die "nothing to run after --"
		cmds+=("$(printf '%q ' "$@")")
		break ;;
	(*) echo "run.sh: unknown argument: $1" >&2; usage ;;
	esac
done

[ ${#cmds[@]} -gt 0 ] || die "no command given (use -- CMD or --cmd STRING)"
[[ "$timeout" =~ ^[1-9][0-9]*$ ]] || die "--timeout wants whole seconds"
[[ "$name" =~ ^[A-Za-z0-9_-]+$ ]] || die "--name wants [A-Za-z0-9_-]"
[[ "$smp" =~ ^[1-9][0-9]*$ ]] || die "--smp wants a number"

# The release of the kernel whose headers are in KDIR: Debian names both the
# headers directory and /lib/modules/RELEASE after it.
kdir_release() {
	local kdir="${KDIR:-}"

	if [ -z "$kdir" ]; then
		kdir="$(ls -d /usr/src/linux-headers-6.1.*-amd64 2>/dev/null |
			sort -V | tail -n 1)"
	fi
	kdir="$(readlink -f "$kdir")"
	case "$kdir" in
	(*/lib/modules/*/build) basename "$(dirname "$kdir")" ;;
	(/usr/src/linux-headers-*) basename "$kdir" | sed 's/^linux-headers-//' ;;
	esac
}

# Newest installed Debian image of a series (6.1, 6.12), not cloud/rt.
newest_image() {
	local series="$1"

	ls /boot/vmlinuz-"$series".* 2>/dev/null | sed 's|^/boot/vmlinuz-||' |
		grep -E -- '-amd64$' | grep -v -e cloud -e '-rt-' |
		sort -V | tail -n 1
}

# Where the kernel's modules.builtin (and modules) are: /lib/modules for
# Debian's kernels, the build tree for the debug kernel.
moddir=""
case "$kernel_arg" in
("") kver="$(kdir_release)"
	[ -n "$kver" ] || die "cannot tell the kernel of KDIR=${KDIR:-}" ;;
(debug) debug_dir="$(bash "$VM_DIR/../debug-kernel/build.sh" --dir)" ||
		die "no debug kernel built: run tests/debug-kernel/build.sh"
	kver="$(cat "$debug_dir/release")"
	vmlinuz="$debug_dir/bzImage"
	moddir="$debug_dir/build" ;;
(*-*) kver="$kernel_arg" ;;
(*) kver="$(newest_image "$kernel_arg")"
	[ -n "$kver" ] || die "no /boot/vmlinuz-$kernel_arg.* installed" ;;
esac
if [ -z "$moddir" ]; then
	vmlinuz="/boot/vmlinuz-$kver"
	moddir="/lib/modules/$kver"
	[ -r "$vmlinuz" ] || die "$vmlinuz missing: install linux-image-$kver"
fi
[ -d "$moddir" ] || die "$moddir missing"

if [ -n "$module" ]; then
	[ -r "$module" ] || die "module $module not found (make modules?)"
	module="$(readlink -f "$module")"
	# A module for another kernel would fail insmod deep in the guest;
	# say so here, clearly.
	vermagic="$(modinfo -F vermagic "$module" 2>/dev/null | awk '{print $1}')"
	[ "$vermagic" = "$kver" ] ||
		die "$module is built for '$vermagic', the VM boots $kver"
fi

command -v qemu-system-x86_64 >/dev/null ||
	die "qemu-system-x86_64 missing: run tests/deps.sh"

# The initramfs depends only on the kernel and on the two files that make
# it: key the cache by both, so editing either rebuilds it.
mkdir -p "$CACHE_DIR"
key="$(cat "$VM_DIR/mkinitramfs.sh" "$VM_DIR/init-stage1.sh" |
	sha256sum | cut -c1-12)"
initramfs="$CACHE_DIR/initramfs-$kver-$key.cpio.gz"
if [ ! -s "$initramfs" ]; then
	MKINITRAMFS_MODDIR="$moddir" \
		bash "$VM_DIR/mkinitramfs.sh" "$kver" "$initramfs" ||
		die "cannot build the initramfs for $kver"
fi

work="$CACHE_DIR/run-$name"
rm -rf "$work"
mkdir -p "$work" || die "cannot create $work"
{
	printf 'REPO_DIR=%q\n' "$REPO_DIR"
	printf 'MODULE=%q\n' "$module"
	printf 'VM_NAME=%q\n' "$name"
	declare -p cmds | sed 's/^declare -a cmds=/CMDS=/'
} > "$work/job"

# quiet keeps the console for the tests' output (kernel errors still show);
# the full log comes back in kernel.log.  oops=panic with panic=-1 and
# -no-reboot ends the VM at the first oops instead of hanging until timeout.
append="console=ttyS0 quiet panic=-1 oops=panic"
# The kernel boots on one CPU and stage 1 brings the others online once
# every initcall has run.  At boot the kernel flips static keys in code
# that every CPU runs all the time (sched_clock_cpu(), for one, when
# sched_clock is marked stable) by writing an int3 over the instruction
# and then the new bytes.  Under qemu's multi-threaded TCG, another vCPU
# that translates that code during the write can keep running the int3
# after the write is done, and the kernel dies with "Oops: int3" before
# dlock is even loaded: CI saw it once on 6.12 (sched_clock_cpu+0x9, 1.4 s
# into the boot).  With one CPU during the initcalls no other vCPU runs.
[ "$smp" -eq 1 ] || append+=" maxcpus=1 dlock_cpus=$smp"
append+=" dlock_stage2=$VM_DIR/init-stage2.sh$append_extra"

qemu=(qemu-system-x86_64
	-accel tcg -nodefaults -nographic -no-reboot -bios qboot.rom
	-m "$mem" -smp "$smp"
	-nic none
	-serial stdio -monitor none
	-kernel "$vmlinuz" -initrd "$initramfs" -append "$append"
	-virtfs "local,path=/,mount_tag=host,security_model=none,readonly=on,multidevs=remap"
	-virtfs "local,path=$work,mount_tag=work,security_model=none,multidevs=remap"
	"${qemu_extra[@]}")

echo "### vm[$name]: booting $kver (timeout ${timeout}s)${module:+, module $module}"
start=$SECONDS
# The console goes live to stdout (without the serial line's \r) and, raw,
# to console.log for the scan below.
timeout -k 5 "$timeout" "${qemu[@]}" < /dev/null 2>&1 |
	tee "$work/console.log" | tr -d '\r'
qemu_rc=${PIPESTATUS[0]}
elapsed=$((SECONDS - start))

rc=0
if [ "$qemu_rc" -eq 124 ] || [ "$qemu_rc" -eq 137 ]; then
	echo "### vm[$name]: FAIL: timeout, qemu killed after ${timeout}s"
	rc=1
elif [ "$qemu_rc" -ne 0 ]; then
	echo "### vm[$name]: FAIL: qemu exited $qemu_rc"
	rc=1
fi

# Every kernel line of either log that matches; console lines carry the
# printk timestamp, which keeps test output that merely mentions "BUG:" out.
# expected_traces: with --alloc-failures-expected, the "Call Trace:" lines
# that come at most 5 lines after an allocation failure's report.
expected_traces() {
	[ "$alloc_failures_expected" = yes ] || return 0
	{
		[ -r "$work/kernel.log" ] && cat "$work/kernel.log"
		tr -d '\r' < "$work/console.log"
	} | awk -v re="$ALLOC_FAILURE_RE" '
		$0 ~ re { after = NR }
		/Call Trace:/ && after && NR - after <= 5 { print }'
}
problems="$( {
	[ -r "$work/kernel.log" ] && grep -E "$KERNEL_PROBLEM_RE" "$work/kernel.log"
	tr -d '\r' < "$work/console.log" |
		grep -E '^\[ *[0-9]+\.[0-9]+\]' | grep -E "$KERNEL_PROBLEM_RE"
} | awk '!seen[$0]++' | grep -v -x -F -f <(expected_traces; echo '#none#'))"
if [ -n "$problems" ]; then
	echo "### vm[$name]: FAIL: kernel problem in the log:"
	printf '%s\n' "$problems" | head -n 20 | sed 's/^/###   /'
	rc=1
fi

if [ ! -s "$work/status" ]; then
	echo "### vm[$name]: FAIL: the guest did not report an exit status"
	[ "$rc" -ne 0 ] || rc=1
else
	guest_rc="$(cat "$work/status")"
	[[ "$guest_rc" =~ ^[0-9]+$ ]] || guest_rc=1
	if [ "$guest_rc" -ne 0 ]; then
		echo "### vm[$name]: FAIL: commands exited $guest_rc"
		rc=$guest_rc
	fi
fi

if [ -n "$output" ]; then
	cp "$work/output.log" "$output" 2>/dev/null || : > "$output"
fi

[ "$rc" -ne 0 ] || echo "### vm[$name]: PASS in ${elapsed}s"
exit "$rc"
