/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench.h - dlock-sim --bench: the core's CPU cost per lock operation and
 * its memory per held lock, measured in the simulator.  Printed, not
 * asserted: the numbers depend on the machine.
 */
#ifndef DLOCK_SIM_BENCH_H
#define DLOCK_SIM_BENCH_H

struct sim_cfg;

int sim_bench(const struct sim_cfg *cfg);
/* snaplag.c: --scenario snapshot-lag; prints TAP and the totals */
int sim_snapshot_lag(const struct sim_cfg *cfg);

#endif /* DLOCK_SIM_BENCH_H */
