// SPDX-License-Identifier: GPL-2.0
/*
 * insn.c - a user-space instruction counter for dlock-sim --bench
 * (perf_event_open, PERF_COUNT_HW_INSTRUCTIONS of this thread, kernel
 * excluded).  Instructions are stable from run to run and machine to
 * machine where nanoseconds are not (a loaded shared host, TCG); where the
 * counter cannot be opened (no PMU in a VM, perf_event_paranoid) the bench
 * prints nanoseconds only.
 */
#include <linux/perf_event.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sim.h"

static int insn_fd = -1;

bool sim_insn_open(void)
{
	struct perf_event_attr attr;

	if (insn_fd >= 0)
		return true;
	memset(&attr, 0, sizeof(attr));
	attr.type = PERF_TYPE_HARDWARE;
	attr.size = sizeof(attr);
	attr.config = PERF_COUNT_HW_INSTRUCTIONS;
	attr.exclude_kernel = 1;
	attr.exclude_hv = 1;
	insn_fd = (int)syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0);
	return insn_fd >= 0;
}

bool sim_insn_available(void)
{
	return insn_fd >= 0;
}

u64 sim_insn_read(void)
{
	u64 v = 0;

	if (insn_fd < 0 || read(insn_fd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

void sim_insn_close(void)
{
	if (insn_fd >= 0)
		close(insn_fd);
	insn_fd = -1;
}
