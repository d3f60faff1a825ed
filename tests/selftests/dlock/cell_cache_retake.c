// SPDX-License-Identifier: GPL-2.0
/*
 * cell_cache_retake: take and release one lock N times through /dev/dlock,
 * in the caller's network namespace (node), and check every grant's fencing
 * token is above the one before.  For cell_cache.sh: with the lockspace's
 * grant cache on, the node grants every retake from its cached cell lock.
 *
 *   cell_cache_retake LOCKSPACE RESOURCE MODE N [MIN_TOKEN]
 *
 * Prints "first=T last=T p50_us=U p99_us=U" (tokens, and the latency of
 * lock+unlock pairs) and exits 0; exits 1 with a message on any failure,
 * including a token not above the previous one or not above MIN_TOKEN.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/dlock.h>

static uint32_t mode_of(const char *s)
{
	static const char * const names[] = { "NL", "CR", "CW", "PR", "PW",
					      "EX" };
	unsigned int i;

	for (i = 0; i < 6; i++)
		if (!strcmp(s, names[i]))
			return i;
	fprintf(stderr, "cell_cache_retake: bad mode '%s'\n", s);
	exit(2);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	struct dlock_ls_open o = { 0 };
	uint64_t first = 0, prev, *lat;
	unsigned long n, i;
	uint32_t mode;
	int fd;

	if (argc < 5) {
		fprintf(stderr,
			"usage: cell_cache_retake LS RES MODE N [MIN_TOKEN]\n");
		return 2;
	}
	mode = mode_of(argv[3]);
	n = strtoul(argv[4], NULL, 0);
	prev = argc > 5 ? strtoull(argv[5], NULL, 0) : 0;
	if (!n || strlen(argv[1]) >= sizeof(o.name) ||
	    strlen(argv[2]) > DLOCK_NAME_MAX) {
		fprintf(stderr, "cell_cache_retake: bad arguments\n");
		return 2;
	}
	lat = calloc(n, sizeof(*lat));
	fd = open("/dev/dlock", O_RDWR | O_CLOEXEC);
	if (!lat || fd < 0) {
		perror("cell_cache_retake: /dev/dlock");
		return 1;
	}
	strcpy((char *)o.name, argv[1]);
	if (ioctl(fd, DLOCK_IOC_LS_OPEN, &o) < 0) {
		perror("cell_cache_retake: LS_OPEN");
		return 1;
	}
	for (i = 0; i < n; i++) {
		struct dlock_lock_req req = {
			.ls_id = o.ls_id, .mode = mode,
			.name_len = (uint32_t)strlen(argv[2]),
		};
		struct dlock_unlock_req u = { 0 };
		uint64_t t0 = now_ns();

		memcpy(req.name, argv[2], req.name_len);
		if (ioctl(fd, DLOCK_IOC_LOCK, &req) < 0) {
			fprintf(stderr, "cell_cache_retake: lock %lu: %s\n", i,
				strerror(errno));
			return 1;
		}
		if (req.token <= prev) {
			fprintf(stderr,
				"cell_cache_retake: grant %lu token %llu not above %llu\n",
				i, (unsigned long long)req.token,
				(unsigned long long)prev);
			return 1;
		}
		prev = req.token;
		if (!i)
			first = req.token;
		u.lock_id = req.lock_id;
		if (ioctl(fd, DLOCK_IOC_UNLOCK, &u) < 0) {
			fprintf(stderr, "cell_cache_retake: unlock %lu: %s\n",
				i, strerror(errno));
			return 1;
		}
		lat[i] = now_ns() - t0;
	}
	qsort(lat, n, sizeof(*lat), cmp_u64);
	printf("first=%llu last=%llu p50_us=%llu p99_us=%llu\n",
	       (unsigned long long)first, (unsigned long long)prev,
	       (unsigned long long)(lat[n / 2] / 1000),
	       (unsigned long long)(lat[n * 99 / 100] / 1000));
	close(fd);
	free(lat);
	return 0;
}
