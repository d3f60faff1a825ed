/* SPDX-License-Identifier: GPL-2.0 */
/*
 * history.h: the one line format of a Jepsen history, written by every
 * client, by the fenced register and by the runner, read by jepsen_check.
 *
 *   TIME CLIENT NODE TYPE OP RES MODE RESULT TOKEN VALUE SEQ
 *
 * TIME is CLOCK_MONOTONIC in ns: inside one VM it is one clock for every
 * network namespace, so events of different nodes compare in real time.
 * Across separate kernels it is each guest's CLOCK_MONOTONIC plus an
 * offset to the register server's (hist_set_offset, measured by
 * regnet_sync), and "info clock" lines give the bound of that offset's
 * error in VALUE (ns), which the checker allows for.
 * TYPE is invoke, ok, fail, info or reg (a register operation, as the
 * register itself logged it).  A field that does not apply is "-".
 */
#ifndef JEPSEN_HISTORY_H
#define JEPSEN_HISTORY_H

#include <stdint.h>

#define HIST_NONE	(-1LL)	/* a numeric field that does not apply */

struct history {
	int fd;
	const char *client;
	const char *node;
};

uint64_t hist_now_ns(void);
/* Add @offset_ns to every time from now on (0 unless set). */
void hist_set_offset(int64_t offset_ns);
int hist_open(struct history *h, const char *path, const char *client,
	      const char *node);
/* One event, one write(2): lines of concurrent writers never mix. */
void hist_event(struct history *h, const char *type, const char *op,
		const char *res, const char *mode, const char *result,
		long long token, long long value, long long seq);
/* Format one line into @buf (at least HIST_LINE_MAX bytes). */
int hist_format(char *buf, uint64_t t, const char *client, const char *node,
		const char *type, const char *op, const char *res,
		const char *mode, const char *result, long long token,
		long long value, long long seq);

#define HIST_LINE_MAX	320

/* The errno name of a negative errno, "E<n>" for one we do not name. */
const char *hist_errname(int err);

#endif /* JEPSEN_HISTORY_H */
