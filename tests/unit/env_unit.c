// SPDX-License-Identifier: GPL-2.0
/*
 * env_unit.c - the core's host seam (kmod/core/env.h) for unit tests: a
 * hand-driven clock, a send hook the test installs, a seeded PRNG and calloc.
 * A test that needs several nodes creates one struct dl_env per node.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "env_unit.h"

u64 dl_env_now_ns(struct dl_env *env)
{
	return env ? env->now_ns : 0;
}

void dl_env_timer_arm(struct dl_env *env, u64 deadline_ns)
{
	env->timer_armed = true;
	env->timer_deadline_ns = deadline_ns;
}

void dl_env_timer_cancel(struct dl_env *env)
{
	env->timer_armed = false;
}

int dl_env_send(struct dl_env *env, u32 dst_node, const void *buf, size_t len)
{
	env->sent++;
	if (!env->send)
		return 0;
	return env->send(env, dst_node, buf, len);
}

u32 dl_env_random(struct dl_env *env)
{
	/* xorshift64*: deterministic per seed, good enough for timeouts */
	u64 x = env->rng ? env->rng : 0x9e3779b97f4a7c15ULL;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	env->rng = x;
	return (u32)((x * 0x2545f4914f6cdd1dULL) >> 32);
}

struct unit_fail_alloc unit_fail_alloc;

static bool unit_alloc_fails(void)
{
	struct unit_fail_alloc *f = &unit_fail_alloc;
	u64 x;

	if (!f->nth && !f->permille)
		return false;
	if (f->node_id && f->node_id != f->current)
		return false;
	f->calls++;
	if (f->nth && f->calls == f->nth) {
		f->failed++;
		return true;
	}
	if (!f->permille)
		return false;
	x = f->rng ? f->rng : 0x2545f4914f6cdd1dULL;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	f->rng = x;
	if (((x * 0x2545f4914f6cdd1dULL) >> 32) % 1000 < f->permille) {
		f->failed++;
		return true;
	}
	return false;
}

void *dl_zalloc(size_t size)
{
	if (unit_alloc_fails())
		return NULL;
	return calloc(1, size);
}

void dl_free(const void *p)
{
	free((void *)p);
}

void dl_env_log(struct dl_env *env, int level, const char *fmt, ...)
{
	va_list ap;

	if (!getenv("DLOCK_UNIT_VERBOSE"))
		return;
	fprintf(stderr, "[%u %d] ", env ? env->node_id : 0, level);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
