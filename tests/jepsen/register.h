/* SPDX-License-Identifier: GPL-2.0 */
/*
 * register.h: a fenced register, the storage of Kleppmann's fencing
 * argument.  A client holding a write lock reads the value, then writes
 * value + 1, presenting its fencing token both times; the register refuses
 * a token lower than any it has seen (read or write), and a write whose
 * token is not above the last accepted write's.  So a holder whose lock
 * was taken away while it paused cannot overwrite the work of the holder
 * after it: its stale token is rejected.
 *
 * It is an append-only file: every operation appends one line, made of the
 * register's state after the operation (SEQ VALUE SEEN LASTW) and then the
 * operation as a history line (history.h, TYPE "reg").  The line is written
 * with one write(2) under flock(2), so it is the commit point: a client
 * killed mid-operation either logged (and did) it, or did nothing.
 *
 * Across separate kernels (no flock shared between them) the register is
 * served by jepsen_regd (regd.c) over UDP: a DIR of "udp:ADDR:PORT" makes
 * the operations requests to it (regnet.h), and the server keeps the same
 * file with the same rules.  An operation whose reply never comes within
 * 10 s fails with -ETIMEDOUT: done or not, the server's log says which.
 */
#ifndef JEPSEN_REGISTER_H
#define JEPSEN_REGISTER_H

#include "history.h"

#include <stdbool.h>

struct fenced_register {
	int fd;			/* the log; -1 for a register over UDP */
	const char *res;
	struct regnet *net;	/* the server's, or NULL for a local file */
};

struct reg_result {
	bool accepted;
	long long value;	/* read: the value; write: the value written */
	long long seq;		/* the register's sequence number of the op */
};

int reg_open(struct fenced_register *r, const char *dir, const char *res);
void reg_close(struct fenced_register *r);
int reg_read(struct fenced_register *r, struct history *h, const char *mode,
	     long long token, struct reg_result *out);
int reg_write(struct fenced_register *r, struct history *h, const char *mode,
	      long long token, long long value, struct reg_result *out);
/* The current value (0 for a register never written). */
int reg_value(struct fenced_register *r, long long *value);

#endif /* JEPSEN_REGISTER_H */
