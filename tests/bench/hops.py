#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""hops.py TRACE: where one datagram hop of a dlock cell spends its time.

Reads the ftrace text of the kprobes that tests/bench/vm_hops.sh sets (every
node of the cell lives in the one kernel, so all timestamps share a clock)
and splits each hop, from the sender's dlock_node_send() to the receiver's
core entry dl_node_recv(), into:

  send      dlock_node_send() entry -> the receiver's UDP encap callback
            (sealing, kernel_sendmsg, veth, bridge, the softirq receive)
  wake      encap callback -> dlock_node_rx_work() starts (queue_work on
            the node's ordered workqueue, the kworker wakes and runs)
  lock+open dlock_node_rx_work() -> dl_node_recv() (node mutex, copy out
            of the skb, XChaCha20-Poly1305 opening, replay window)
  core      dl_node_recv() -> the first dlock_node_send() it makes, or its
            return when it sends nothing (the protocol's own work)

and prints the median (and p90) of each per op type of the datagram's
first op, plus the seal and unseal durations alone.  A hop is matched to
the latest send with the same source and destination before it; the
encap callback and the work start in between are taken as its own (one
client runs, so hops rarely overlap; the counts say how many matched).
"""
import bisect
import re
import statistics
import sys
from collections import defaultdict

OPS = {
    0x01: "PREVOTE", 0x02: "PREVOTE_RESP", 0x03: "VOTE", 0x04: "VOTE_RESP",
    0x05: "APPEND", 0x06: "APPEND_RESP", 0x07: "SNAPSHOT",
    0x08: "SNAPSHOT_RESP", 0x09: "TIMEOUT_NOW", 0x10: "REQUEST",
    0x11: "RESPONSE", 0x12: "EVENT", 0x13: "REDIRECT", 0x14: "EVENT_ACK",
    0x20: "HEARTBEAT", 0x21: "LEASE", 0x22: "HELLO",
}

LINE = re.compile(r"^\s*(?P<comm>.+?)-(?P<pid>\d+)\s+\[(?P<cpu>\d+)\]\s+"
                  r"\S+\s+(?P<ts>\d+\.\d+):\s+(?P<ev>\w+):\s*(?P<rest>.*)$")
ARG = re.compile(r"(\w+)=(0x[0-9a-f]+|-?\d+)")


def parse(path):
    evs = []
    with open(path, errors="replace") as f:
        for line in f:
            m = LINE.match(line)
            if not m:
                continue
            args = {k: int(v, 0) for k, v in ARG.findall(m.group("rest"))}
            evs.append((float(m.group("ts")) * 1e6, m.group("ev"),
                        int(m.group("pid")), args))
    evs.sort(key=lambda e: e[0])
    return evs


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(len(v) * p / 100))]


def main():
    evs = parse(sys.argv[1])
    last_tx = {}            # (src, dst) -> time of the latest send entry
    last_rcv = []           # encap callback times
    last_work = {}          # pid -> latest rx work start
    open_rx = {}            # pid -> (t, op) of a dl_node_recv in progress
    seal_in, unseal_in = {}, {}
    seg = defaultdict(lambda: defaultdict(list))
    seal, unseal = [], []
    ioc_in, ioc = {}, defaultdict(list)
    rx_log = []             # (time, op) of every datagram the cores took
    win = defaultdict(list)  # ioctl cmd -> [(t0, t1)]

    for t, ev, pid, a in evs:
        if ev == "dlh_tx":
            last_tx[(a.get("src"), a.get("dst"))] = t
            if pid in open_rx:
                t0, op = open_rx.pop(pid)
                seg[op]["core"].append(t - t0)
        elif ev == "dlh_rcv":
            last_rcv.append(t)
        elif ev == "dlh_work":
            last_work[pid] = t
        elif ev == "dlh_rx":
            op = OPS.get(a.get("op"), "op%#x" % a.get("op", 0))
            rx_log.append((t, op))
            tx = last_tx.get((a.get("src"), a.get("dst")))
            w = last_work.get(pid)
            if tx is None or w is None or w < tx:
                continue
            rcv = [r for r in last_rcv if tx <= r <= w]
            if rcv:
                seg[op]["send"].append(rcv[0] - tx)
                seg[op]["wake"].append(w - rcv[0])
            seg[op]["lock+open"].append(t - w)
            seg[op]["hop"].append(t - tx)
            open_rx[pid] = (t, op)
            del last_tx[(a.get("src"), a.get("dst"))]
            last_rcv = [r for r in last_rcv if r > w]
        elif ev == "dlh_rxr":
            if pid in open_rx:
                t0, op = open_rx.pop(pid)
                seg[op]["core"].append(t - t0)
        elif ev == "dlh_seal":
            seal_in[pid] = t
        elif ev == "dlh_sealr" and pid in seal_in:
            seal.append(t - seal_in.pop(pid))
        elif ev == "dlh_unseal":
            unseal_in[pid] = t
        elif ev == "dlh_unsealr" and pid in unseal_in:
            unseal.append(t - unseal_in.pop(pid))
        elif ev == "dlh_ioc":
            ioc_in[pid] = (t, a.get("cmd", 0))
        elif ev == "dlh_iocr" and pid in ioc_in:
            t0, cmd = ioc_in.pop(pid)
            ioc[cmd].append(t - t0)
            win[cmd].append((t0, t))

    cols = ["hop", "send", "wake", "lock+open", "core"]
    print("# per hop, us: median / p90 (n), first op of the datagram")
    print("# %-12s" % "op" + "".join("%22s" % c for c in cols))
    for op in sorted(seg, key=lambda o: -len(seg[o]["hop"])):
        row = "# %-12s" % op
        for c in cols:
            v = seg[op][c]
            row += "%22s" % ("%.1f / %.1f (%d)" % (statistics.median(v),
                                                   pct(v, 90), len(v))
                             if v else "-")
        print(row)
    for name, v in (("seal", seal), ("unseal", unseal)):
        if v:
            print("# %s alone: median %.1f us, p90 %.1f us (%d)"
                  % (name, statistics.median(v), pct(v, 90), len(v)))
    for cmd, v in sorted(ioc.items(), key=lambda kv: -len(kv[1])):
        if len(v) < 10:
            continue
        print("# ioctl %#x: median %.1f us, p90 %.1f us (%d)"
              % (cmd, statistics.median(v), pct(v, 90), len(v)))
        # what the cell received while the call waited: its critical path
        per = defaultdict(list)
        times = [t for t, _ in rx_log]
        for t0, t1 in win[cmd]:
            lo, hi = bisect.bisect_left(times, t0), bisect.bisect_right(times, t1)
            seen = defaultdict(int)
            for _, op in rx_log[lo:hi]:
                seen[op] += 1
            for op in set(o for _, o in rx_log):
                per[op].append(seen[op])
        print("#   datagrams received in the cell during the call, mean: " +
              ", ".join("%s %.2f" % (op, sum(n) / len(n))
                        for op, n in sorted(per.items())
                        if sum(n)))


if __name__ == "__main__":
    main()
