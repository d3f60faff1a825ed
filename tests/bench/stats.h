/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stats.h: latency samples and percentiles, shared by the benchmark clients
 * (dlock-bench, dlm-bench, etcd-bench) so every system is measured and
 * summarized the same way.  Header-only: each client is one C file.
 */
#ifndef DLOCK_BENCH_STATS_H
#define DLOCK_BENCH_STATS_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Every sample, in ns; sorted once at the end for exact percentiles. */
struct lat {
	uint64_t *v;
	size_t n, cap;
};

static inline void lat_init(struct lat *l)
{
	memset(l, 0, sizeof(*l));
}

static inline void lat_free(struct lat *l)
{
	free(l->v);
	lat_init(l);
}

static inline void lat_add(struct lat *l, uint64_t ns)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 1024;
		uint64_t *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			abort();
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = ns;
}

static inline void lat_merge(struct lat *into, const struct lat *from)
{
	size_t i;

	for (i = 0; i < from->n; i++)
		lat_add(into, from->v[i]);
}

static int lat_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static inline void lat_sort(struct lat *l)
{
	if (l->n)
		qsort(l->v, l->n, sizeof(*l->v), lat_cmp);
}

/* Percentile P (0..100) of sorted samples, in microseconds; -1 if none. */
static inline double lat_pct(const struct lat *l, double p)
{
	size_t i;

	if (!l->n)
		return -1.0;
	i = (size_t)(p / 100.0 * (double)(l->n - 1) + 0.5);
	return l->v[i] / 1000.0;
}

#endif /* DLOCK_BENCH_STATS_H */
