#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""report.py: turn the result lines of one `make bench` run into
bench/results.md (one table, every system side by side, latencies as ratios
to the floor measured in the same run, then the issue's targets) and
bench/results.json (every raw result, the environment, the targets).

    report.py --env ENV.json --out-md FILE --out-json FILE RESULTS...

RESULTS are files whose lines starting with '{' are results of dlock-bench,
dlm-bench, etcd-bench or the scripts; other lines are ignored.  Nothing is
typed in here: a number missing from the results shows as "n/a".
"""

import argparse
import json
import statistics
import sys

SYSTEMS = [
    ("dlock", "dlock, 3 netns nodes (VM)"),
    ("dlm1", "fs/dlm, 1 node (VM)"),
    ("dlm3", "fs/dlm, 3 VMs"),
    ("dlock3", "dlock, 3 VMs"),
    ("etcd_vm", "etcd, 3 netns members (VM)"),
    ("etcd_host", "etcd, 3 members (host, native)"),
]


def load(paths):
    results = []
    for path in paths:
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                line = line.strip()
                if not line.startswith("{"):
                    continue
                try:
                    r = json.loads(line)
                except json.JSONDecodeError:
                    continue
                r.setdefault("system", "dlock")
                results.append(r)
    return results


def find(results, system, kind, label):
    for r in results:
        if (r.get("system") == system and r.get("kind") == kind
                and r.get("label") == label):
            return r
    return None


def fmt_us(v):
    if v is None:
        return "n/a"
    if v >= 10000:
        return f"{v / 1000:.1f} ms"
    return f"{v:.0f} µs" if v >= 100 else f"{v:.1f} µs"


def fmt_rate(v):
    if v is None:
        return "n/a"
    return f"{v:,.0f}/s"


def ratio(v, floor):
    if v is None or not floor:
        return ""
    return f" ({v / floor:.1f}×)"


def build(results, env):
    floor_r = find(results, "dlock", "floor", "udp_rtt")
    floor = floor_r["p50_us"] if floor_r else None
    # The 3-VM columns have their own floor: a UDP round trip between two
    # guests (tests/multivm/udp_rtt), measured in the same 3-VM run.
    floor3_r = find(results, "dlock3", "floor", "udp_rtt")
    floor3 = floor3_r["p50_us"] if floor3_r else None
    floors = {"dlock3": floor3, "dlm3": floor3}
    ioctl_r = find(results, "dlock", "floor", "ioctl_version")
    fail = [r["ms"] for r in results
            if r.get("kind") == "failover" and r.get("ms", -1) >= 0]
    fail_timeouts = sum(1 for r in results
                        if r.get("kind") == "failover" and r.get("ms", 0) < 0)
    mem = find(results, "dlock", "memory", "locks")

    rows = []  # (metric, {system: text})

    def lat_row(name, kind, labels, key):
        cells = {}
        for sysname, _ in SYSTEMS:
            for label in labels.get(sysname, []):
                r = find(results, sysname, kind, label)
                if r and key in r:
                    v = r[key]
                    cells[sysname] = fmt_us(v) + ratio(
                        v, floors.get(sysname, floor))
                    break
        rows.append((name, cells))

    def rate_row(name, kind, labels, key="pairs_s"):
        cells = {}
        for sysname, _ in SYSTEMS:
            for label in labels.get(sysname, []):
                r = find(results, sysname, kind, label)
                if r and key in r:
                    cells[sysname] = fmt_rate(r[key])
                    break
        rows.append((name, cells))

    def trouble_row(name, kind, label):
        """Clients whose run ended in an error, lock requests that timed
        out, clients still blocked a minute after the stop.  Shown only
        when not all zero."""
        cells = {}
        for sysname, _ in SYSTEMS:
            r = find(results, sysname, kind, label)
            if r and (r.get("errors") or r.get("timeouts") or r.get("stuck")):
                cells[sysname] = (f"{r.get('errors', 0):.0f} / "
                                  f"{r.get('timeouts', 0):.0f} / "
                                  f"{r.get('stuck', 0):.0f}")
        if cells:
            rows.append((name, cells))

    rows.append(("floor: UDP round trip between 2 netns, p50 / p99",
                 {"dlock": (fmt_us(floor) + " / " + fmt_us(floor_r["p99_us"]))
                  if floor_r else "n/a"}))
    rows.append(("floor: UDP round trip between 2 guests (for the 3-VM "
                 "columns), p50 / p99",
                 {s: (fmt_us(floor3) + " / " + fmt_us(floor3_r["p99_us"]))
                  for s in ("dlm3", "dlock3") if floor3_r}))
    rows.append(("floor: empty /dev/dlock ioctl, p50",
                 {"dlock": fmt_us(ioctl_r["p50_us"]) + ratio(
                     ioctl_r["p50_us"], floor) if ioctl_r else "n/a"}))
    every = {s: ["local"] for s, _ in SYSTEMS}
    lat_row("lock+unlock, 1 client on the leader's node (local for peers), p50",
            "pair", dict(every, dlock=["leader"], dlock3=["leader"]), "p50_us")
    lat_row("lock+unlock, 1 client on the leader's node (local for peers), p99",
            "pair", dict(every, dlock=["leader"], dlock3=["leader"]), "p99_us")
    lat_row("lock+unlock, 1 client on a follower, p50", "pair",
            {"dlock": ["follower"], "dlock3": ["follower"]}, "p50_us")
    lat_row("lock+unlock, 1 client on a follower, p99", "pair",
            {"dlock": ["follower"], "dlock3": ["follower"]}, "p99_us")
    lat_row("lock (grant) alone, follower / local, p50", "pair",
            dict(every, dlock=["follower"], dlock3=["follower"]),
            "lock_p50_us")
    cached = find(results, "dlock", "pair", "cached_follower")
    if cached and cached.get("unavailable"):
        rows.append(("re-take of a node-cached lock, p50",
                     {"dlock": "not available (no cache option yet)"}))
    else:
        for where in ("leader", "follower"):
            lat_row(f"re-take of a node-cached lock ({where}), "
                    "lock+unlock p50", "pair",
                    {"dlock": [f"cached_{where}"]}, "p50_us")
            lat_row(f"re-take of a node-cached lock ({where}), "
                    "lock+unlock p99", "pair",
                    {"dlock": [f"cached_{where}"]}, "p99_us")
            lat_row(f"re-take of a node-cached lock ({where}), lock p50",
                    "pair", {"dlock": [f"cached_{where}"]}, "lock_p50_us")
    for c in (1, 8, 64, 256):
        lab = {s: [f"tput_{c}"] for s, _ in SYSTEMS}
        who = f"{c} client" + ("s" if c > 1 else "")
        rate_row(f"throughput, {who}, distinct resources (pairs/s)",
                 "tput", lab)
        lat_row(f"throughput, {who}: pair p50", "tput", lab, "p50_us")
        lat_row(f"throughput, {who}: pair p99", "tput", lab, "p99_us")
        trouble_row(f"throughput, {who}: failed / timed out / stuck",
                    "tput", f"tput_{c}")
    for c in (8, 64):
        lab = {s: [f"handoff_{c}"] for s, _ in SYSTEMS}
        rate_row(f"hand-off, {c} clients on 1 resource (grants/s)",
                 "handoff", lab)
        cells = {}
        for sysname, _ in SYSTEMS:
            r = find(results, sysname, "handoff", f"handoff_{c}")
            if r:
                fair = (f"{r['fairness']:.2f}" if r["min_grants"] else
                        "∞" if r["max_grants"] else "n/a")
                cells[sysname] = (f"{fair} "
                                  f"({r['max_grants']:.0f}/{r['min_grants']:.0f})")
        rows.append((f"hand-off, {c} clients: max/min grants per client",
                     cells))
        trouble_row(f"hand-off, {c} clients: failed / timed out / stuck",
                    "handoff", f"handoff_{c}")
    if fail:
        rows.append((f"failover: cut leader to first grant, p50 / max "
                     f"({len(fail)} runs"
                     + (f", {fail_timeouts} timed out" if fail_timeouts else "")
                     + ")",
                     {"dlock": f"{statistics.median(fail):.0f} ms / "
                               f"{max(fail):.0f} ms"}))
    else:
        rows.append(("failover: cut leader to first grant", {"dlock": "n/a"}))
    if mem:
        rows.append((f"memory per held lock, {mem['count']:,.0f} held "
                     "(slab / MemFree)",
                     {"dlock": f"{mem['slab_per_lock_b']:.0f} B / "
                               f"{mem['memfree_per_lock_b']:.0f} B"}))
        rows.append(("memory per idle resource after release (slab / MemFree)",
                     {"dlock": f"{mem['slab_per_idle_res_b']:.0f} B / "
                               f"{mem['memfree_per_idle_res_b']:.0f} B"}))
    # In one guest of the 3-VM cell: one replica per kernel.
    mem3 = find(results, "dlock3", "memory", "locks")
    if mem3:
        rows.append((f"memory per held lock in one guest (one replica), "
                     f"{mem3['count']:,.0f} held (slab / MemFree)",
                     {"dlock3": f"{mem3['slab_per_lock_b']:.0f} B / "
                                f"{mem3['memfree_per_lock_b']:.0f} B"}))

    # Targets of issue 8.
    def val(system, kind, label, key):
        r = find(results, system, kind, label)
        return r.get(key) if r else None

    targets = []

    def target(text, measured, goal, ok, detail):
        targets.append({"target": text, "measured": measured, "goal": goal,
                        "met": ok, "detail": detail})

    fol = val("dlock", "pair", "follower", "p50_us")
    if fol is not None and floor:
        target("follower lock+unlock p50 within 1.2x of two UDP round trips",
               fol, 2.4 * floor, fol <= 2.4 * floor,
               f"{fol:.0f} µs = {fol / (2 * floor):.2f}× two round trips "
               f"({2 * floor:.0f} µs)")
    ct = val("dlock", "pair", "cached_follower", "p50_us")
    ctl = val("dlock", "pair", "cached_follower", "lock_p50_us")
    dlm_local = val("dlm1", "pair", "local", "p50_us")
    if ct is not None:
        ok = ct < 50 and (dlm_local is None or ct < dlm_local)
        target("re-taking a node-cached lock: p50 < 50 µs and below fs/dlm's "
               "local lock+unlock", ct, 50, ok,
               f"lock+unlock {ct:.1f} µs = {ct / 50:.2f}× of 50 µs (the lock "
               f"alone {fmt_us(ctl)}); fs/dlm local lock+unlock "
               f"{fmt_us(dlm_local)}")
    else:
        target("re-taking a node-cached lock: p50 < 50 µs and below fs/dlm's "
               "local lock+unlock", None, 50, False,
               "not measured: the module has no node cache option yet")
    t64 = val("dlock", "tput", "tput_64", "pairs_s")
    e64 = val("etcd_host", "tput", "tput_64", "pairs_s")
    d64 = val("dlm1", "tput", "tput_64", "pairs_s")
    if t64 is not None:
        parts = [f"{t64:,.0f} pairs/s = {t64 / 30000:.3f}× of 30,000"]
        ok = t64 >= 30000
        if e64:
            parts.append(f"{t64 / e64:.2f}× etcd on the host (goal 10×)")
            ok = ok and t64 >= 10 * e64
        if d64:
            parts.append(f"{t64 / d64:.2f}× fs/dlm one-node (goal 2×)")
            ok = ok and t64 >= 2 * d64
        target("64 clients on a 3-node cell: >= 30,000 pairs/s, >= 10x etcd "
               "(host), >= 2x fs/dlm one-node", t64, 30000, ok,
               "; ".join(parts))
    for c in (8, 64):
        g = val("dlock", "handoff", f"handoff_{c}", "pairs_s")
        fr = val("dlock", "handoff", f"handoff_{c}", "fairness")
        if g is not None:
            target(f"hand-off, {c} clients on one resource: >= 2,000 grants/s,"
                   " max/min <= 1.2", g, 2000,
                   g >= 2000 and fr is not None and 0 < fr <= 1.2,
                   f"{g:,.0f} grants/s ({g / 2000:.3f}× of 2,000), "
                   f"max/min {fr:.2f}")
    if fail:
        target("failover to first grant < 300 ms (default timeouts)",
               max(fail), 300, max(fail) < 300 and not fail_timeouts,
               f"p50 {statistics.median(fail):.0f} ms, max {max(fail):.0f} ms"
               f" over {len(fail)} runs"
               + (f", {fail_timeouts} timed out" if fail_timeouts else ""))
    rep = mem.get("table_slab_per_lock_replica_b") if mem else None
    if rep is not None:
        # The target is about what one voter of a real cell pays: its
        # replica of the lock table (the holder's node pays its own
        # records on top, shown beside it).
        target("< 200 bytes of kernel memory per held lock",
               rep, 200, rep < 200,
               f"{rep:.1f} B of slab per lock in one replica (the lock "
               f"table's caches), {mem.get('other_slab_per_lock_b', 0):.1f} B"
               " more on the holder's node; the whole VM (3 replicas and "
               f"the holder): slab {mem['slab_per_lock_b']:.0f} B, MemFree "
               f"{mem['memfree_per_lock_b']:.0f} B per lock")
    elif mem:
        target("< 200 bytes of kernel memory per held lock",
               mem["slab_per_lock_b"], 200, mem["memfree_per_lock_b"] < 200,
               f"slab {mem['slab_per_lock_b']:.0f} B, all kernel memory "
               f"(MemFree) {mem['memfree_per_lock_b']:.0f} B per lock, "
               "3 replicas in one kernel")
    return rows, targets


def markdown(rows, targets, env, results):
    present = [s for s, _ in SYSTEMS
               if any(r.get("system") == s and
                      r.get("kind") not in ("skip", "error", "env")
                      for r in results)]
    out = ["# dlock benchmark results", "",
           "Generated by `make bench` (tests/bench/run.sh, report.py) from "
           "measurements of one run; see Documentation/performance.rst for "
           "the method.  Latencies in parentheses are ratios to the floor "
           "(the UDP round trip between two netns of the same VM, same run; "
           "for the 3-VM columns, between two of those guests).",
           ""]
    out.append("| Measurement | " + " | ".join(
        name for s, name in SYSTEMS if s in present) + " |")
    out.append("|---|" + "---|" * len(present))
    for name, cells in rows:
        if not any(cells.get(s) for s in present):
            continue
        out.append(f"| {name} | " + " | ".join(
            cells.get(s, "") for s in present) + " |")
    missing = [name for s, name in SYSTEMS if s not in present]
    errors = [r for r in results if r.get("kind") == "error"]
    out.append("")
    if missing:
        out.append("Not measured in this run: " + ", ".join(missing)
                   + " (see Documentation/performance.rst).")
    for e in errors:
        why = f": {e['reason']}" if e.get("reason") else ""
        out.append(f"Part failed in this run: {e.get('system')} "
                   f"({e.get('label')}){why}; its log is in .build/bench/"
                   + (" and .build/multivm/bench3/"
                      if e.get("system") in ("dlm3", "dlock3") else "")
                   + ".")
    for e in results:
        if e.get("kind") == "skip":
            out.append(f"Skipped: {e.get('system')}: {e.get('reason')}")
    out += ["", "## Targets of issue 8", "",
            "| Target | Met | Measured |", "|---|---|---|"]
    for t in targets:
        out.append(f"| {t['target']} | {'yes' if t['met'] else 'no'} | "
                   f"{t['detail']} |")
    out += ["", "## Machine and load", ""]
    for k in ("date", "commit", "host_cpu", "host_cpus", "vm", "uptime_before",
              "uptime_after"):
        if k in env:
            out.append(f"- {k}: {env[k]}")
    vm = [r for r in results if r.get("kind") == "env"]
    for r in vm:
        out.append(f"- VM: {r.get('nproc')} vCPUs (TCG), {r.get('mem_mb')} MB, "
                   f"kernel {r.get('kernel')}, load at start "
                   f"{r.get('load1')}")
    out.append("")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--env", required=True)
    ap.add_argument("--out-md", required=True)
    ap.add_argument("--out-json", required=True)
    ap.add_argument("results", nargs="+")
    a = ap.parse_args()
    with open(a.env, encoding="utf-8") as f:
        env = json.load(f)
    results = load(a.results)
    if not results:
        print("report.py: no results", file=sys.stderr)
        return 1
    rows, targets = build(results, env)
    with open(a.out_md, "w", encoding="utf-8") as f:
        f.write(markdown(rows, targets, env, results))
    with open(a.out_json, "w", encoding="utf-8") as f:
        json.dump({"env": env, "results": results, "targets": targets,
                   "table": [{"measurement": n, "values": c}
                             for n, c in rows]}, f, indent=1)
        f.write("\n")
    print(open(a.out_md, encoding="utf-8").read())
    return 0


if __name__ == "__main__":
    sys.exit(main())
