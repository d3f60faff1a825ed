/* SPDX-License-Identifier: GPL-2.0 */
/* env_unit.h - struct dl_env for unit tests; see env_unit.c. */
#ifndef DLOCK_TESTS_ENV_UNIT_H
#define DLOCK_TESTS_ENV_UNIT_H

#include "env.h"

struct dl_env {
	u32 node_id;
	u64 now_ns;		/* advanced by the test */
	u64 rng;		/* PRNG state; set to seed */
	bool timer_armed;
	u64 timer_deadline_ns;
	unsigned long sent;	/* datagrams handed to dl_env_send() */
	/* optional: where datagrams go; NULL drops them */
	int (*send)(struct dl_env *env, u32 dst, const void *buf, size_t len);
	void *priv;		/* for the test */
};

/*
 * Allocation failure injection for dl_zalloc() (which has no env): while
 * @nth or @permille is set, each call counts in @calls and fails if it is
 * the @nth since @calls was last cleared, or with probability @permille/1000
 * drawn from @rng (its own stream: the envs' draws stay as they were).
 * With @node_id set, only calls made while @current == @node_id count and
 * fail (node_cell.h's settle() sets @current around each node's entry
 * points).  @failed counts the failures.
 */
struct unit_fail_alloc {
	u64 nth;
	u32 permille;
	u64 rng;
	u32 node_id;
	u32 current;
	u64 calls;
	u64 failed;
};

extern struct unit_fail_alloc unit_fail_alloc;

#endif /* DLOCK_TESTS_ENV_UNIT_H */
