#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh: `make bench`.  Builds a private copy of the module and the
# benchmark clients, runs etcd natively on the host (loopback only), boots
# one VM that measures dlock, fs/dlm and etcd (tests/bench/vm_all.sh), then
# three VMs that measure fs/dlm and dlock on separate kernels
# (tests/bench/vm3.sh), and writes bench/results.md and bench/results.json
# with report.py.  Logs and raw outputs are in .build/bench/.
#
# Environment (also passed into the VM): BENCH_ITERS, BENCH_SECS,
# BENCH_FAILOVERS, BENCH_LOCKS, BENCH_MEM_SECS, BENCH_TIMING,
# BENCH_MEM_TIMING, BENCH_FAILOVER_TIMING (see vm_dlock.sh),
# BENCH_ETCD_ITERS (etcd.sh); BENCH_VM_MEM (default 4G: a million held
# locks), BENCH_SKIP_HOST_ETCD=1; BENCH_SKIP_VM3=1 skips the 3-VM part,
# BENCH3_LOCKS, BENCH3_MEM, BENCH3_SKIP_DLM tune it (tests/bench/vm3.sh).

set -uo pipefail

REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$REPO_DIR/tests/bench"
OUT="$REPO_DIR/.build/bench"
MOD="$OUT/mod"
KDIR="${KDIR:-$(ls -d /usr/src/linux-headers-6.1.*-amd64 | sort -V | tail -n 1)}"

die() {
	echo "bench: error: $*" >&2
	exit 1
}

say() {
	echo "bench: $*"
}

mkdir -p "$OUT"
rm -f "$OUT"/*.out

# What is measured: the work tree as it is now, which on a shared checkout
# may hold others' uncommitted changes; say so in the results.
commit="$(git -C "$REPO_DIR" rev-parse --short HEAD)"
dirty="$(git -C "$REPO_DIR" status --porcelain -- kmod uapi Kbuild | wc -l)"
[ "$dirty" -eq 0 ] || commit+=" + $dirty uncommitted file(s) in kmod/uapi"

# A private copy of the module: other builds in kmod/ may be under way.
say "building the module in $MOD"
rm -rf "$MOD"
mkdir -p "$MOD"
rsync -a --exclude='*.o' --exclude='*.ko' --exclude='.*.cmd' \
	"$REPO_DIR/Kbuild" "$REPO_DIR/kmod" "$REPO_DIR/uapi" "$MOD/" ||
	die "copying the module sources failed"
make -s -C "$KDIR" M="$MOD" -j2 modules > "$OUT/build.log" 2>&1 ||
	die "module build failed (see $OUT/build.log)"
make -s -C "$REPO_DIR/lib" >> "$OUT/build.log" 2>&1 &&
	make -s -C "$REPO_DIR/tools" >> "$OUT/build.log" 2>&1 &&
	make -s -C "$REPO_DIR/tests/selftests/dlock" dlcell >> "$OUT/build.log" 2>&1 &&
	make -s -C "$HERE" all peers >> "$OUT/build.log" 2>&1 ||
	die "building the tools and benchmark clients failed (see $OUT/build.log)"

env_json() {
	python3 - "$@" <<'EOF'
import json, os, subprocess, sys
def sh(c):
    return subprocess.run(c, shell=True, capture_output=True, text=True).stdout.strip()
env = {
    "date": sh("date -u +%Y-%m-%dT%H:%M:%SZ"),
    "commit": sys.argv[4],
    "host_cpu": sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2").strip(),
    "host_cpus": os.cpu_count(),
    "vm": "qemu-system-x86_64 -accel tcg, Debian kernel 6.1, " + sys.argv[2],
    "uptime_before": sys.argv[3],
    "uptime_after": sh("uptime"),
}
print(json.dumps(env))
EOF
}

uptime_before="$(uptime)"
say "load before: $uptime_before"

if [ "${BENCH_SKIP_HOST_ETCD:-0}" != 1 ]; then
	say "etcd natively on the host (loopback)"
	nice -n 5 "$HERE/etcd.sh" loopback > "$OUT/etcd_host.out" 2> "$OUT/etcd_host.err" ||
		echo '{"kind":"error","system":"etcd_host","label":"etcd.sh"}' >> "$OUT/etcd_host.out"
	grep -v '^{' "$OUT/etcd_host.out"
fi

vm_mem="${BENCH_VM_MEM:-4G}"
pass_env=""
for v in BENCH_ITERS BENCH_SECS BENCH_FAILOVERS BENCH_LOCKS BENCH_MEM_SECS \
	 BENCH_TIMING BENCH_MEM_TIMING BENCH_FAILOVER_TIMING BENCH_ETCD_ITERS; do
	[ -n "${!v:-}" ] && pass_env+="$v=$(printf '%q' "${!v}") "
done
say "VM: dlock, fs/dlm one-node, etcd in netns (memory $vm_mem)"
# slab_nomerge: the memory run tells the lock table's own caches
# (dlock_lt_*) from the rest only if they keep their names
bash "$REPO_DIR/tests/vm/run.sh" --name bench --module "$MOD/kmod/dlock.ko" \
	--mem "$vm_mem" --timeout 2400 --output "$OUT/vm.out" \
	--append slab_nomerge \
	--cmd "${pass_env}tests/bench/vm_all.sh" > "$OUT/vm.log" 2>&1
vm_rc=$?
grep -v '^{' "$OUT/vm.out" | grep '^#' || true
[ $vm_rc -eq 0 ] || say "the VM run reported failures (status $vm_rc, see $OUT/vm.log)"

# fs/dlm and dlock on three separate kernels: three guests of one vCPU
# joined by tests/multivm's private links (tests/bench/vm3.sh), after the
# big VM has ended, so the two never share the cores.
if [ "${BENCH_SKIP_VM3:-0}" = 1 ]; then
	for s in dlm3 dlock3; do
		echo "{\"kind\":\"skip\",\"system\":\"$s\",\"label\":\"$s\",\"reason\":\"BENCH_SKIP_VM3=1\"}"
	done > "$OUT/vm3.out"
else
	say "3 VMs: fs/dlm, then dlock, on three separate kernels"
	vm3_start=$SECONDS
	bash "$HERE/vm3.sh" "$MOD/kmod/dlock.ko" "$OUT/vm3.out" \
		> "$OUT/vm3.log" 2>&1 ||
		say "the 3-VM part reported failures (see $OUT/vm3.log)"
	grep '^# vm3' "$OUT/vm3.log" | sort -u || true
	say "3 VMs: $((SECONDS - vm3_start)) s"
fi

env_json "$REPO_DIR" "$vm_mem" "$uptime_before" "$commit" > "$OUT/env.json" ||
	die "collecting the environment failed"
mkdir -p "$REPO_DIR/bench"
python3 "$HERE/report.py" --env "$OUT/env.json" \
	--out-md "$REPO_DIR/bench/results.md" \
	--out-json "$REPO_DIR/bench/results.json" \
	"$OUT"/*.out || die "report.py failed"
say "wrote bench/results.md and bench/results.json"
exit $vm_rc
