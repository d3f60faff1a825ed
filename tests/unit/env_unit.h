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

#endif /* DLOCK_TESTS_ENV_UNIT_H */
