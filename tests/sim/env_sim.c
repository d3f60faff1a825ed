// SPDX-License-Identifier: GPL-2.0
/*
 * env_sim.c - kmod/core/env.h for many nodes in one process: each node's
 * struct dl_env has a skewed view of the global virtual clock, one timer in
 * the global event queue, a PRNG stream derived from the run seed, and sends
 * into the simulated network.  Allocations are counted so every run can
 * check that destroying all nodes gave every byte back.  Log lines go to a
 * per-run ring that is printed when the run fails.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "sim.h"

/* The one simulation running in this process; env.h's alloc has no env. */
static u64 alloc_live_bytes, alloc_live_count;

/*
 * Allocation header.  16 bytes keeps the caller's pointer aligned for any
 * type and lets dl_free() know the size to un-count.
 */
struct alloc_hdr {
	u64 size;
	u64 magic;
};

#define ALLOC_MAGIC	0xd10cd10cd10cd10cULL

/*
 * --fail-alloc: while a node handles a datagram or its timer during the
 * fault phase, each allocation fails with the given per-mille probability,
 * drawn from the run's own stream (so a seed replays).  The workload's
 * own calls into a node are left alone: they would only see -ENOMEM.
 * Except dl_node_release_owner() and dl_node_cancel(), which must not
 * fail for memory (a file's release cannot fail; an interrupted blocking
 * lock waits for its cancel's answer): the owner must still be released,
 * the request still cancelled (FINDINGS 19).  Their draws come from a
 * stream of their own, so those of the other entry points stay the same.
 */
static struct sim *fail_alloc_sim;
static u64 *fail_alloc_rng;

void sim_fail_alloc_arm(struct sim *s)
{
	if (s->cfg->fail_alloc_pm && !s->healed) {
		fail_alloc_sim = s;
		fail_alloc_rng = &s->rng_alloc;
	}
}

void sim_fail_alloc_arm_call(struct sim *s)
{
	if (s->cfg->fail_alloc_pm && !s->healed) {
		fail_alloc_sim = s;
		fail_alloc_rng = &s->rng_calls;
	}
}

void sim_fail_alloc_disarm(void)
{
	fail_alloc_sim = NULL;
}

void *dl_zalloc(size_t size)
{
	struct sim *s = fail_alloc_sim;
	struct alloc_hdr *h;

	if (s && rng_pm(fail_alloc_rng, s->cfg->fail_alloc_pm)) {
		s->n.alloc_failed++;
		return NULL;
	}
	h = calloc(1, sizeof(*h) + size);

	if (!h)
		return NULL;
	h->size = size;
	h->magic = ALLOC_MAGIC;
	alloc_live_bytes += size;
	alloc_live_count++;
	return h + 1;
}

void dl_free(const void *p)
{
	struct alloc_hdr *h;

	if (!p)
		return;
	h = (struct alloc_hdr *)p - 1;
	if (h->magic != ALLOC_MAGIC) {
		fprintf(stderr, "dl_free: %p was not allocated by dl_zalloc\n",
			p);
		abort();
	}
	h->magic = 0;
	alloc_live_bytes -= h->size;
	alloc_live_count--;
	free(h);
}

u64 sim_alloc_live_bytes(void)
{
	return alloc_live_bytes;
}

u64 sim_alloc_live_count(void)
{
	return alloc_live_count;
}

/* splitmix64: derives independent streams from one seed. */
u64 seed_mix(u64 seed, u64 stream)
{
	u64 z = seed + 0x9e3779b97f4a7c15ULL * (stream + 1);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return z ? z : 0x2545f4914f6cdd1dULL;
}

/* xorshift64*: fast, and good enough for delays and choices. */
u64 rng_next(u64 *state)
{
	u64 x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dULL;
}

u64 rng_below(u64 *state, u64 n)
{
	if (!n)
		return 0;
	/* the high bits are the good ones; n is small so bias is negligible */
	return (u64)(((unsigned __int128)rng_next(state) * n) >> 64);
}

bool rng_pm(u64 *state, u32 per_mille)
{
	return per_mille && rng_below(state, 1000) < per_mille;
}

void trace_mix(struct sim *s, u64 v)
{
	/* FNV-style fold with a multiply that spreads every bit */
	s->trace ^= v;
	s->trace *= 0x100000001b3ULL;
	s->trace ^= s->trace >> 29;
}

void sim_env_init(struct sim *s, struct dl_env *e, u32 idx)
{
	memset(e, 0, sizeof(*e));
	e->sim = s;
	e->idx = idx;
	e->id = idx + 1;
	e->voter = idx < s->cfg->nodes;
	e->rng = seed_mix(s->seed, 1000 + idx);
	e->timer.kind = EV_TIMER;
	e->timer.embedded = true;
	e->timer.idx = idx;
	e->rx_drain.kind = EV_RX_DRAIN;
	e->rx_drain.embedded = true;
	e->rx_drain.idx = idx;
	e->rxq_tail = &e->rxq;
	{
		/* its own stream: the other draws of a seed stay as they were */
		u64 rng = seed_mix(s->seed, 2000 + idx);

		/* one node in four takes every datagram alone */
		if (rng_below(&rng, 4))
			e->rx_batch_ns = 1 + rng_below(&rng, SIM_RX_BATCH_MAX_NS);
	}
	/* machines booted at different times: the core must not care */
	e->offset_ns = NS_PER_SEC + rng_below(&e->rng, 1000 * NS_PER_SEC);
	if (s->cfg->faults & (1U << F_SKEW)) {
		u64 span = 2 * (u64)s->cfg->skew_ppm + 1;

		e->drift_ppm = (s64)rng_below(&e->rng, span) -
			       (s64)s->cfg->skew_ppm;
	}
}

u64 sim_local_time(const struct dl_env *e, u64 t)
{
	unsigned __int128 scaled = (unsigned __int128)t *
				   (u64)(1000000 + e->drift_ppm);

	return e->offset_ns + (u64)(scaled / 1000000);
}

/* The earliest global time at which @e's clock reads at least @local. */
static u64 global_time_of(const struct dl_env *e, u64 local)
{
	unsigned __int128 num;
	u64 t;

	if (local <= e->offset_ns)
		return 0;
	num = (unsigned __int128)(local - e->offset_ns) * 1000000;
	t = (u64)(num / (u64)(1000000 + e->drift_ppm));
	/* integer rounding: settle on the exact first tick */
	while (sim_local_time(e, t) < local)
		t++;
	while (t && sim_local_time(e, t - 1) >= local)
		t--;
	return t;
}

u64 dl_env_now_ns(struct dl_env *env)
{
	return sim_local_time(env, env->sim->now);
}

void sim_queue(struct sim *s, struct sim_ev *ev, u64 time)
{
	if (heap_push(&s->q, &ev->hi, time)) {
		fprintf(stderr, "dlock-sim: out of memory\n");
		exit(2);
	}
}

void dl_env_timer_arm(struct dl_env *env, u64 deadline_ns)
{
	struct sim *s = env->sim;
	u64 t;

	/* "never" (e.g. U64 max) would overflow the clock arithmetic */
	if (deadline_ns - env->offset_ns > (1ULL << 62) &&
	    deadline_ns > env->offset_ns) {
		dl_env_timer_cancel(env);
		return;
	}
	t = global_time_of(env, deadline_ns);
	if (t < s->now)
		t = s->now;
	heap_remove(&s->q, &env->timer.hi);
	sim_queue(s, &env->timer, t);
}

void dl_env_timer_cancel(struct dl_env *env)
{
	heap_remove(&env->sim->q, &env->timer.hi);
}

int dl_env_send(struct dl_env *env, u32 dst_node, const void *buf, size_t len)
{
	return net_send(env, dst_node, buf, len);
}

u32 dl_env_random(struct dl_env *env)
{
	return (u32)(rng_next(&env->rng) >> 32);
}

static void log_line(struct sim *s, const char *line)
{
	size_t n;

	if (s->cfg->verbose)
		fprintf(stderr, "%s\n", line);
	if (!s->log)
		return;
	n = strnlen(line, sizeof(s->log[0]) - 1);
	memcpy(s->log[s->log_head], line, n);
	s->log[s->log_head][n] = 0;
	s->log_head = (s->log_head + 1) % SIM_LOG_LINES;
	if (s->log_len < SIM_LOG_LINES)
		s->log_len++;
}

static void vlog(struct sim *s, u32 node, const char *fmt, va_list ap)
{
	char msg[160];
	char line[200];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	snprintf(line, sizeof(line), "%4" PRIu64 ".%06" PRIu64 " n%-3u %s",
		 s->now / NS_PER_SEC, (s->now % NS_PER_SEC) / 1000, node, msg);
	log_line(s, line);
}

void dl_env_log(struct dl_env *env, int level, const char *fmt, ...)
{
	/* a core object made without a host context (env NULL) may log too */
	struct sim *s = env ? env->sim : sim_current;
	va_list ap;

	if (!s)
		return;
	/* debug lines only when tracing: they dominate the run time */
	if (level >= DL_LOG_DEBUG && !s->cfg->verbose)
		return;
	va_start(ap, fmt);
	vlog(s, env ? env->id : 0, fmt, ap);
	va_end(ap);
}

void sim_logf(struct sim *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(s, 0, fmt, ap);
	va_end(ap);
}

void sim_log_dump(struct sim *s, FILE *f, u32 lines)
{
	u32 n = lines < s->log_len ? lines : s->log_len;
	u32 i = (s->log_head + SIM_LOG_LINES - n) % SIM_LOG_LINES;

	fprintf(f, "# --- last %u log lines ---\n", n);
	while (n--) {
		fprintf(f, "# %s\n", s->log[i]);
		i = (i + 1) % SIM_LOG_LINES;
	}
}

void sim_fail(struct sim *s, const char *fmt, ...)
{
	va_list ap;

	if (s->failed)
		return;
	s->failed = true;
	va_start(ap, fmt);
	vsnprintf(s->fail_msg, sizeof(s->fail_msg), fmt, ap);
	va_end(ap);
	sim_logf(s, "FAIL: %s", s->fail_msg);
}
