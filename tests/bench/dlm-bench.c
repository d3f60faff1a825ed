// SPDX-License-Identifier: GPL-2.0
/*
 * dlm-bench: the fs/dlm peer of dlock-bench.  Drives the kernel's DLM
 * through libdlm (Debian's libdlm3; the cluster is formed by corosync and
 * dlm_controld, see tests/bench/vm_dlm.sh) with the same workloads and the
 * same output as dlock-bench, so report.py puts them side by side.
 *
 *   dlm-bench [--json] [--iters N] [--secs S] [--label-prefix P] [--ls NAME]
 *             CMD ARGS
 *     pair LABEL                 1 client: EX lock + unlock, same resource
 *     tput CLIENTS               CLIENTS threads, distinct resources
 *     handoff CLIENTS            CLIENTS threads, one resource
 *
 * Every thread shares one lockspace handle; libdlm's pthread mode (one
 * thread reading the device, dlm_ls_pthread_init) completes the *_wait
 * calls of all of them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/types.h>	/* mode_t, which libdlm.h uses without it */
#include <libdlm.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "stats.h"

/* The lockspace: --ls picks another (tests/bench/vm3_bench.sh). */
static const char *ls_name = "dlbench";
#define MAX_CLIENTS	1024

static bool json;
static unsigned int iters = 2000;
static double run_secs = 5.0;
static const char *prefix = "dlm1";
static dlm_lshandle_t ls;

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "dlm-bench: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

/* Same output as dlock-bench's result(): keys in fmt, double values. */
static void result(const char *kind, const char *label, const char *fmt, ...)
{
	va_list ap;
	const char *p;

	if (json)
		printf("{\"kind\":\"%s\",\"system\":\"%s\",\"label\":\"%s\"",
		       kind, prefix, label);
	else
		printf("%-10s %-8s %-22s", kind, prefix, label);
	va_start(ap, fmt);
	for (p = fmt; *p; ) {
		const char *end = strchr(p, ' ');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		double v = va_arg(ap, double);

		if (json)
			printf(",\"%.*s\":%.6g", (int)len, p, v);
		else
			printf(" %.*s=%.6g", (int)len, p, v);
		p += len;
		while (*p == ' ')
			p++;
	}
	va_end(ap);
	printf(json ? "}\n" : "\n");
	fflush(stdout);
}

/* EX lock + unlock of RES; 0 or -errno. */
static int dlm_pair(const char *res, uint64_t *lock_ns)
{
	struct dlm_lksb lksb = { 0 };
	uint64_t t0 = now_ns();
	int ret;

	ret = dlm_ls_lock_wait(ls, LKM_EXMODE, &lksb, 0, res, strlen(res), 0,
			       NULL, NULL, NULL);
	if (ret)
		return -errno;
	if (lksb.sb_status)
		return -lksb.sb_status;
	if (lock_ns)
		*lock_ns = now_ns() - t0;
	ret = dlm_ls_unlock_wait(ls, lksb.sb_lkid, 0, &lksb);
	if (ret)
		return -errno;
	/* A completed unlock reports EUNLOCK in the status block. */
	if (lksb.sb_status && lksb.sb_status != EUNLOCK)
		return -lksb.sb_status;
	return 0;
}

static int cmd_pair(int argc, char **argv)
{
	struct lat lat, lock_lat;
	uint64_t t0, t1, start, lock_ns;
	unsigned int i;
	int ret;

	if (argc != 1)
		die("usage: pair LABEL");
	lat_init(&lat);
	lat_init(&lock_lat);
	for (i = 0; i < 10; i++) {
		ret = dlm_pair("pair", NULL);
		if (ret)
			die("warm-up lock+unlock: %s", strerror(-ret));
	}
	start = now_ns();
	for (i = 0; i < iters; i++) {
		t0 = now_ns();
		ret = dlm_pair("pair", &lock_ns);
		if (ret)
			die("lock+unlock: %s", strerror(-ret));
		t1 = now_ns();
		lat_add(&lat, t1 - t0);
		lat_add(&lock_lat, lock_ns);
	}
	t1 = now_ns();
	lat_sort(&lat);
	lat_sort(&lock_lat);
	result("pair", argv[0], "p50_us p99_us lock_p50_us pairs_s n",
	       lat_pct(&lat, 50), lat_pct(&lat, 99), lat_pct(&lock_lat, 50),
	       iters / ((t1 - start) / 1e9), (double)lat.n);
	lat_free(&lat);
	lat_free(&lock_lat);
	return 0;
}

struct client {
	pthread_t th;
	unsigned int idx;
	bool shared;
	struct lat lat;
	uint64_t pairs;
	int err;
};

static pthread_barrier_t start_barrier;
static volatile bool stop_clients;
/* End of the measured window: pairs completed after it do not count. */
static volatile uint64_t stop_ns = UINT64_MAX;

static void *client_thread(void *arg)
{
	struct client *c = arg;
	uint64_t t0;
	char res[32];
	int ret;

	snprintf(res, sizeof(res), c->shared ? "hot" : "t-%u", c->idx);
	pthread_barrier_wait(&start_barrier);
	while (!stop_clients) {
		t0 = now_ns();
		ret = dlm_pair(res, NULL);
		if (ret) {
			c->err = ret;
			break;
		}
		if (now_ns() > stop_ns)
			break;
		lat_add(&c->lat, now_ns() - t0);
		c->pairs++;
	}
	return NULL;
}

static void run_clients(bool shared, int argc, char **argv)
{
	static struct client clients[MAX_CLIENTS];
	uint64_t total = 0, min = UINT64_MAX, max = 0, t0, t1;
	struct timespec ts;
	struct lat all;
	unsigned int n, i;
	char label[32];
	int errs = 0;

	if (argc != 1)
		die("usage: %s CLIENTS", shared ? "handoff" : "tput");
	n = strtoul(argv[0], NULL, 0);
	if (!n || n > MAX_CLIENTS)
		die("CLIENTS must be 1..%d", MAX_CLIENTS);
	pthread_barrier_init(&start_barrier, NULL, n + 1);
	stop_clients = false;
	stop_ns = UINT64_MAX;
	for (i = 0; i < n; i++) {
		memset(&clients[i], 0, sizeof(clients[i]));
		clients[i].idx = i;
		clients[i].shared = shared;
		if (pthread_create(&clients[i].th, NULL, client_thread,
				   &clients[i]))
			die("pthread_create failed");
	}
	pthread_barrier_wait(&start_barrier);
	t0 = now_ns();
	ts.tv_sec = (time_t)run_secs;
	ts.tv_nsec = (long)((run_secs - ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
	/* Rates count the pairs completed inside the window [t0, t1]. */
	t1 = now_ns();
	stop_ns = t1;
	stop_clients = true;
	for (i = 0; i < n; i++)
		pthread_join(clients[i].th, NULL);
	lat_init(&all);
	for (i = 0; i < n; i++) {
		struct client *c = &clients[i];

		if (c->err) {
			errs++;
			fprintf(stderr, "dlm-bench: client %u: %s\n", i,
				strerror(-c->err));
		}
		total += c->pairs;
		min = c->pairs < min ? c->pairs : min;
		max = c->pairs > max ? c->pairs : max;
		lat_merge(&all, &c->lat);
		lat_free(&c->lat);
	}
	lat_sort(&all);
	snprintf(label, sizeof(label), "%s_%u", shared ? "handoff" : "tput",
		 n);
	result(shared ? "handoff" : "tput", label,
	       "clients pairs_s p50_us p99_us max_grants min_grants fairness errors n",
	       (double)n, total / ((t1 - t0) / 1e9), lat_pct(&all, 50),
	       lat_pct(&all, 99), (double)max, (double)min,
	       min ? (double)max / min : 0.0, (double)errs, (double)total);
	lat_free(&all);
	pthread_barrier_destroy(&start_barrier);
}

int main(int argc, char **argv)
{
	int ret = 0;

	argv++;
	argc--;
	while (argc > 1 && argv[0][0] == '-') {
		if (!strcmp(argv[0], "--json")) {
			json = true;
			argv++;
			argc--;
			continue;
		}
		if (!strcmp(argv[0], "--iters"))
			iters = strtoul(argv[1], NULL, 0);
		else if (!strcmp(argv[0], "--secs"))
			run_secs = strtod(argv[1], NULL);
		else if (!strcmp(argv[0], "--label-prefix"))
			prefix = argv[1];
		else if (!strcmp(argv[0], "--ls"))
			ls_name = argv[1];
		else
			die("unknown option %s", argv[0]);
		argv += 2;
		argc -= 2;
	}
	if (argc < 1 || !iters || run_secs <= 0)
		die("usage: dlm-bench [--json] [--iters N] [--secs S] "
		    "[--label-prefix P] [--ls NAME] pair LABEL | tput N | handoff N");
	ls = dlm_create_lockspace(ls_name, 0600);
	if (!ls)
		die("dlm_create_lockspace %s: %s", ls_name, strerror(errno));
	if (dlm_ls_pthread_init(ls))
		die("dlm_ls_pthread_init: %s", strerror(errno));
	if (!strcmp(argv[0], "pair"))
		ret = cmd_pair(argc - 1, argv + 1);
	else if (!strcmp(argv[0], "tput"))
		run_clients(false, argc - 1, argv + 1);
	else if (!strcmp(argv[0], "handoff"))
		run_clients(true, argc - 1, argv + 1);
	else
		die("unknown command %s", argv[0]);
	dlm_release_lockspace(ls_name, ls, 1);
	return ret;
}
