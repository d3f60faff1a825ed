/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared pieces of the kernel-interface fuzzers (kfuzz_*.c): a seeded
 * PRNG (xorshift64*: reproducible from the printed seed on any libc),
 * boundary values, and the common command line (-s SEED -n COUNT).
 *
 * Every fuzzer prints "seed=N" first, so a failing run is replayed with
 * the same -s.  They judge the kernel by what it must never do (crash,
 * hang, leak, answer nonsense) rather than by which error a random
 * request gets: the caller (kfuzz.sh) checks the kernel log, the cell's
 * health and memory afterwards.
 */
#ifndef DLOCK_KFUZZ_UTIL_H
#define DLOCK_KFUZZ_UTIL_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static uint64_t kfuzz_state;

static inline void kfuzz_seed(uint64_t seed)
{
	/* xorshift must not start from zero. */
	kfuzz_state = seed ? seed : 0x9e3779b97f4a7c15ULL;
}

static inline uint64_t kfuzz_rand64(void)
{
	kfuzz_state ^= kfuzz_state >> 12;
	kfuzz_state ^= kfuzz_state << 25;
	kfuzz_state ^= kfuzz_state >> 27;
	return kfuzz_state * 0x2545f4914f6cdd1dULL;
}

/* Uniform in [0, n), 0 for n == 0 (the modulo's bias does not matter). */
static inline uint32_t kfuzz_below(uint32_t n)
{
	return n ? (uint32_t)(kfuzz_rand64() >> 32) % n : 0;
}

/* True with probability 1/n. */
static inline bool kfuzz_one_in(uint32_t n)
{
	return kfuzz_below(n) == 0;
}

static inline void kfuzz_bytes(void *buf, size_t len)
{
	uint8_t *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)kfuzz_rand64();
}

/*
 * A value for an integer field of @bits bits: mostly the edges where
 * checks go wrong (0, 1, max, max-1, sign bit, powers of two around the
 * interface's limits) and sometimes anything.
 */
static inline uint64_t kfuzz_boundary(unsigned int bits)
{
	static const uint64_t edges[] = {
		0, 1, 2, 3, 4, 5, 6, 7, 8, 15, 16, 31, 32, 33, 63, 64, 65,
		127, 128, 255, 256, 1000, 4095, 4096, 65535, 65536,
		0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ULL,
		0x7fffffffffffffffULL, 0x8000000000000000ULL, ~0ULL,
	};
	uint64_t mask = bits >= 64 ? ~0ULL : (1ULL << bits) - 1;
	uint64_t v;

	switch (kfuzz_below(4)) {
	case 0:
		v = kfuzz_rand64();
		break;
	case 1:
		v = mask - kfuzz_below(3);
		break;
	default:
		v = edges[kfuzz_below(sizeof(edges) / sizeof(edges[0]))];
		break;
	}
	return v & mask;
}

/* Parsed common options; fuzzers add their own after these. */
struct kfuzz_opts {
	uint64_t seed;
	unsigned long count;
	bool verbose;
	bool restricted;	/* -r: the fuzzer's own tamer mode */
	unsigned int seconds;	/* -t: stop sending after this long (0: no) */
};

/*
 * -s SEED (default: from the clock), -n COUNT (default @def_count), -v,
 * -r (what it restricts is the fuzzer's to say), -t SECONDS (a time
 * budget, for fuzzers whose requests may each wait for the cell).
 * Returns the index of the first non-option argument.
 */
static inline int kfuzz_parse(int argc, char **argv, struct kfuzz_opts *o,
			      unsigned long def_count, const char *usage)
{
	int c;

	o->seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	o->count = def_count;
	o->verbose = false;
	o->restricted = false;
	o->seconds = 0;
	while ((c = getopt(argc, argv, "s:n:t:vrh")) != -1) {
		switch (c) {
		case 's':
			o->seed = strtoull(optarg, NULL, 0);
			break;
		case 'n':
			o->count = strtoul(optarg, NULL, 0);
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'r':
			o->restricted = true;
			break;
		case 't':
			o->seconds = strtoul(optarg, NULL, 0);
			break;
		default:
			fprintf(stderr,
				"usage: %s [-s SEED] [-n COUNT] [-t SECS] [-v] %s\n",
				argv[0], usage);
			exit(2);
		}
	}
	printf("%s: seed=%llu count=%lu\n", argv[0],
	       (unsigned long long)o->seed, o->count);
	fflush(stdout);
	kfuzz_seed(o->seed);
	return optind;
}

/* Per-errno tally of the results, printed at the end of a run. */
struct kfuzz_tally {
	unsigned long ok;
	unsigned long err[256];
};

static inline void kfuzz_tally_add(struct kfuzz_tally *t, int ret, int err)
{
	if (ret >= 0)
		t->ok++;
	else
		t->err[err > 0 && err < 256 ? err : 255]++;
}

static inline void kfuzz_tally_print(const char *what,
				     const struct kfuzz_tally *t)
{
	int i;

	unsigned long n = t->ok;

	for (i = 1; i < 256; i++)
		n += t->err[i];
	if (!n)
		return;
	printf("%s: ok %lu", what, t->ok);
	for (i = 1; i < 256; i++)
		if (t->err[i])
			printf(", %s %lu", strerrorname_np(i) ?: "E?", t->err[i]);
	printf("\n");
}

#endif /* DLOCK_KFUZZ_UTIL_H */
