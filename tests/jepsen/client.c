// SPDX-License-Identifier: GPL-2.0
/*
 * jepsen_client: the workload of the Jepsen test of a live dlock cell, and
 * its history recorder.  One process is one sequential client on the node
 * of the network namespace it runs in; every operation it invokes and its
 * completion go to the history file (history.h) with CLOCK_MONOTONIC times.
 *
 *   jepsen_client [-n NETNS] run NAME NODE LS NRES SECONDS SEED HIST REGDIR
 *	until SECONDS have passed: lock one of NRES hot resources r0..
 *	in a random mode (mostly EX), as a trylock or with a timeout;
 *	holding EX or PW, read-modify-write the resource's fenced register
 *	(register.h) with the grant's fencing token; unlock.
 *   jepsen_client [-n NETNS] probe NAME NODE LS RES SECONDS HIST
 *	EX lock and unlock RES, retrying until it succeeds (exit 0) or
 *	SECONDS have passed (exit 1): does the cell serve?
 *   jepsen_client [-n NETNS] hold LS RES GATE
 *	EX lock RES, print "granted token=N", wait until the file GATE
 *	exists, unlock, print "released" or "unlock: ERRNAME".
 *   jepsen_client final NRES HIST REGDIR
 *	log each register's final value ("info final").
 *   jepsen_client now
 *	print CLOCK_MONOTONIC in ns, the history's clock, for shell scripts.
 *   jepsen_client sync ADDR:PORT NAME NODE HIST [USED_OFFSET]
 *	measure the offset from this clock to the register server's
 *	(regnet_sync) and print it; log an "info clock" line whose VALUE is
 *	the bound of the error of the offset in use: the measurement's own,
 *	or, given the offset used so far, how far that one is off now.
 *
 * REGDIR "udp:ADDR:PORT" uses the register server (regd.c) instead of
 * files, and the environment's JEPSEN_OFFSET_NS (from sync) is added to
 * every time: a cell of separate kernels (tests/jepsen/multivm.sh).
 *
 * Lock requests always carry a timeout (or NOQUEUE), so every request must
 * complete; a request that does not is the checker's to report.
 */
#define _GNU_SOURCE
#include "history.h"
#include "register.h"
#include "regnet.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/dlock.h>

#define MAX_RES		8

static const char * const mode_names[DLOCK_MODE_COUNT] = {
	"NL", "CR", "CW", "PR", "PW", "EX"
};

struct client {
	struct history h;
	int fd;
	uint32_t ls_id;
	uint64_t rng;
	/* The lock held now (0: none), to name REVOKED events. */
	uint64_t lock_id;
	const char *res;
	const char *mode;
	long long token;
};

static uint64_t rnd(struct client *c)
{
	/* xorshift64*: a seeded, reproducible choice of operations. */
	c->rng ^= c->rng >> 12;
	c->rng ^= c->rng << 25;
	c->rng ^= c->rng >> 27;
	return c->rng * 0x2545F4914F6CDD1DULL;
}

static unsigned int rnd_below(struct client *c, unsigned int n)
{
	return (unsigned int)(rnd(c) >> 33) % n;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static int enter_netns(const char *name)
{
	char path[256];
	int fd, ret;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = setns(fd, CLONE_NEWNET) ? -errno : 0;
	close(fd);
	return ret;
}

static int dev_open(struct client *c, const char *ls)
{
	struct dlock_ls_open o;

	memset(&o, 0, sizeof(o));
	if (strlen(ls) >= sizeof(o.name))
		return -ENAMETOOLONG;
	/* Non-blocking reads: events are drained between operations. */
	c->fd = open("/dev/dlock", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (c->fd < 0)
		return -errno;
	memcpy(o.name, ls, strlen(ls));
	if (ioctl(c->fd, DLOCK_IOC_LS_OPEN, &o) < 0)
		return -errno;
	c->ls_id = o.ls_id;
	return 0;
}

static int dev_lock(struct client *c, const char *res, uint32_t mode,
		    uint32_t flags, uint32_t timeout_ms, uint64_t *lock_id,
		    long long *token)
{
	struct dlock_lock_req req;

	memset(&req, 0, sizeof(req));
	req.ls_id = c->ls_id;
	req.mode = mode;
	req.flags = flags;
	req.timeout_ms = timeout_ms;
	req.name_len = strlen(res);
	memcpy(req.name, res, req.name_len);
	if (ioctl(c->fd, DLOCK_IOC_LOCK, &req) < 0)
		return -errno;
	*lock_id = req.lock_id;
	*token = (long long)req.token;
	return 0;
}

static int dev_unlock(struct client *c, uint64_t lock_id)
{
	struct dlock_unlock_req u = { .lock_id = lock_id };

	return ioctl(c->fd, DLOCK_IOC_UNLOCK, &u) < 0 ? -errno : 0;
}

/* Log every REVOKED event of the lock held now; others are not ours. */
static void drain_events(struct client *c)
{
	struct dlock_event ev;

	while (read(c->fd, &ev, sizeof(ev)) == (ssize_t)sizeof(ev)) {
		if (ev.type == DLOCK_EV_REVOKED && c->lock_id &&
		    ev.lock_id == c->lock_id)
			hist_event(&c->h, "info", "revoked", c->res, c->mode,
				   "event", c->token, HIST_NONE, HIST_NONE);
	}
}

/* Whether the lock held now is still ours, as the node sees it. */
static void check_held(struct client *c)
{
	struct dlock_lock_info info;

	memset(&info, 0, sizeof(info));
	info.lock_id = c->lock_id;
	if (ioctl(c->fd, DLOCK_IOC_LOCK_INFO, &info) < 0)
		hist_event(&c->h, "info", "revoked", c->res, c->mode,
			   hist_errname(-errno), c->token, HIST_NONE,
			   HIST_NONE);
}

static uint32_t pick_mode(struct client *c)
{
	/* Mostly writers, so the fenced register sees contention. */
	static const uint8_t weights[DLOCK_MODE_COUNT] = { 3, 8, 5, 14, 15, 55 };
	unsigned int x = rnd_below(c, 100), m;

	for (m = 0; m < DLOCK_MODE_COUNT - 1; m++) {
		if (x < weights[m])
			return m;
		x -= weights[m];
	}
	return DLOCK_MODE_EX;
}

/* Read-modify-write of the fenced register, holding a write lock. */
static void update_register(struct client *c, struct fenced_register *reg)
{
	struct reg_result rd, wr;
	int ret;

	hist_event(&c->h, "invoke", "read", c->res, c->mode, NULL, c->token,
		   HIST_NONE, HIST_NONE);
	ret = reg_read(reg, &c->h, c->mode, c->token, &rd);
	if (ret) {
		hist_event(&c->h, "fail", "read", c->res, c->mode,
			   hist_errname(ret), c->token, HIST_NONE, HIST_NONE);
		return;
	}
	hist_event(&c->h, rd.accepted ? "ok" : "fail", "read", c->res,
		   c->mode, rd.accepted ? "ok" : "stale", c->token, rd.value,
		   rd.seq);
	/* A pause in the middle is what fencing is for: let faults hit it. */
	sleep_ms(rnd_below(c, 120));
	check_held(c);
	drain_events(c);
	if (!rd.accepted)
		return;
	hist_event(&c->h, "invoke", "write", c->res, c->mode, NULL, c->token,
		   rd.value + 1, HIST_NONE);
	ret = reg_write(reg, &c->h, c->mode, c->token, rd.value + 1, &wr);
	if (ret)
		hist_event(&c->h, "fail", "write", c->res, c->mode,
			   hist_errname(ret), c->token, rd.value + 1,
			   HIST_NONE);
	else
		hist_event(&c->h, wr.accepted ? "ok" : "fail", "write",
			   c->res, c->mode, wr.accepted ? "ok" : "stale",
			   c->token, wr.value, wr.seq);
}

static void one_op(struct client *c, char res_names[][8],
		   struct fenced_register *regs, unsigned int nres)
{
	unsigned int r = rnd_below(c, nres);
	uint32_t mode = pick_mode(c);
	bool try = rnd_below(c, 4) == 0;
	uint32_t timeout_ms = try ? 0 : 300 + rnd_below(c, 2700);
	char how[16];
	uint64_t lock_id;
	long long token;
	int ret;

	c->res = res_names[r];
	c->mode = mode_names[mode];
	if (try)
		snprintf(how, sizeof(how), "try");
	else
		snprintf(how, sizeof(how), "wait%u", timeout_ms);
	hist_event(&c->h, "invoke", "lock", c->res, c->mode, how, HIST_NONE,
		   HIST_NONE, HIST_NONE);
	ret = dev_lock(c, c->res, mode, try ? DLOCK_LKF_NOQUEUE : 0,
		       timeout_ms, &lock_id, &token);
	if (ret) {
		hist_event(&c->h, "fail", "lock", c->res, c->mode,
			   hist_errname(ret), HIST_NONE, HIST_NONE, HIST_NONE);
		drain_events(c);
		/* A busy or leaderless cell: do not spin on it. */
		sleep_ms(20 + rnd_below(c, 80));
		return;
	}
	c->lock_id = lock_id;
	c->token = token;
	hist_event(&c->h, "ok", "lock", c->res, c->mode, "ok", token,
		   (long long)lock_id, HIST_NONE);
	if (mode == DLOCK_MODE_EX || mode == DLOCK_MODE_PW)
		update_register(c, &regs[r]);
	else
		sleep_ms(rnd_below(c, 120));
	drain_events(c);
	hist_event(&c->h, "invoke", "unlock", c->res, c->mode, NULL, token,
		   (long long)lock_id, HIST_NONE);
	ret = dev_unlock(c, lock_id);
	hist_event(&c->h, ret ? "fail" : "ok", "unlock", c->res, c->mode,
		   ret ? hist_errname(ret) : "ok", token, (long long)lock_id,
		   HIST_NONE);
	drain_events(c);
	c->lock_id = 0;
	/* Think time: ten clients must not starve a TCG guest's two CPUs. */
	sleep_ms(50 + rnd_below(c, 200));
}

static uint64_t seed_of(const char *name, unsigned long long seed)
{
	uint64_t h = 1469598103934665603ULL ^ seed;

	while (*name)
		h = (h ^ (unsigned char)*name++) * 1099511628211ULL;
	return h ? h : 1;
}

static int cmd_run(char **argv)
{
	char res_names[MAX_RES][8];
	struct fenced_register regs[MAX_RES];
	unsigned int nres = (unsigned int)atoi(argv[3]), i;
	uint64_t end = hist_now_ns() + strtoull(argv[4], NULL, 0) * 1000000000ULL;
	struct client c;
	int ret;

	memset(&c, 0, sizeof(c));
	if (!nres || nres > MAX_RES) {
		fprintf(stderr, "jepsen_client: NRES must be 1..%d\n", MAX_RES);
		return 2;
	}
	c.rng = seed_of(argv[0], strtoull(argv[5], NULL, 0));
	ret = hist_open(&c.h, argv[6], argv[0], argv[1]);
	if (ret)
		goto err;
	for (i = 0; i < nres; i++) {
		snprintf(res_names[i], sizeof(res_names[i]), "r%u", i);
		ret = reg_open(&regs[i], argv[7], res_names[i]);
		if (ret)
			goto err;
	}
	ret = dev_open(&c, argv[2]);
	if (ret) {
		hist_event(&c.h, "info", "abort", NULL, NULL,
			   hist_errname(ret), HIST_NONE, HIST_NONE, HIST_NONE);
		goto err;
	}
	hist_event(&c.h, "info", "start", NULL, NULL, NULL, HIST_NONE,
		   HIST_NONE, HIST_NONE);
	while (hist_now_ns() < end)
		one_op(&c, res_names, regs, nres);
	hist_event(&c.h, "info", "end", NULL, NULL, NULL, HIST_NONE,
		   HIST_NONE, HIST_NONE);
	return 0;
err:
	fprintf(stderr, "jepsen_client %s: %s\n", argv[0], strerror(-ret));
	return 1;
}

static int cmd_probe(char **argv)
{
	uint64_t end = hist_now_ns() + strtoull(argv[4], NULL, 0) * 1000000000ULL;
	const char *res = argv[3];
	uint64_t lock_id;
	long long token;
	struct client c;
	int ret;

	memset(&c, 0, sizeof(c));
	ret = hist_open(&c.h, argv[5], argv[0], argv[1]);
	if (!ret)
		ret = dev_open(&c, argv[2]);
	if (ret) {
		fprintf(stderr, "jepsen_client probe: %s\n", strerror(-ret));
		return 1;
	}
	while (hist_now_ns() < end) {
		hist_event(&c.h, "invoke", "lock", res, "EX", "wait1000",
			   HIST_NONE, HIST_NONE, HIST_NONE);
		ret = dev_lock(&c, res, DLOCK_MODE_EX, 0, 1000, &lock_id,
			       &token);
		if (ret) {
			hist_event(&c.h, "fail", "lock", res, "EX",
				   hist_errname(ret), HIST_NONE, HIST_NONE,
				   HIST_NONE);
			sleep_ms(50);
			continue;
		}
		hist_event(&c.h, "ok", "lock", res, "EX", "ok", token,
			   (long long)lock_id, HIST_NONE);
		hist_event(&c.h, "invoke", "unlock", res, "EX", NULL, token,
			   (long long)lock_id, HIST_NONE);
		ret = dev_unlock(&c, lock_id);
		hist_event(&c.h, ret ? "fail" : "ok", "unlock", res, "EX",
			   ret ? hist_errname(ret) : "ok", token,
			   (long long)lock_id, HIST_NONE);
		hist_event(&c.h, "info", "end", NULL, NULL, NULL, HIST_NONE,
			   HIST_NONE, HIST_NONE);
		return ret ? 1 : 0;
	}
	hist_event(&c.h, "info", "end", NULL, NULL, NULL, HIST_NONE,
		   HIST_NONE, HIST_NONE);
	return 1;
}

/*
 * hold: EX lock RES, say so, wait for the file GATE to exist, unlock, say
 * how that went.  The caller cuts the node off in between, to release a
 * lock while the node cannot reach its cell (tests/bats/jepsen.bats).
 */
static int cmd_hold(char **argv)
{
	const char *res = argv[1], *gate = argv[2];
	uint64_t lock_id;
	long long token;
	struct client c;
	int ret;

	memset(&c, 0, sizeof(c));
	ret = dev_open(&c, argv[0]);
	if (!ret)
		ret = dev_lock(&c, res, DLOCK_MODE_EX, 0, 0, &lock_id, &token);
	if (ret) {
		printf("lock: %s\n", hist_errname(ret));
		return 1;
	}
	printf("granted token=%lld\n", token);
	fflush(stdout);
	while (access(gate, F_OK))
		sleep_ms(20);
	ret = dev_unlock(&c, lock_id);
	if (ret)
		printf("unlock: %s\n", hist_errname(ret));
	else
		printf("released\n");
	return ret ? 1 : 0;
}

static int cmd_final(char **argv)
{
	unsigned int nres = (unsigned int)atoi(argv[0]), i;
	struct fenced_register reg;
	struct history h;
	char res[8];
	long long v;
	int ret;

	ret = hist_open(&h, argv[1], "runner", "-");
	for (i = 0; !ret && i < nres && i < MAX_RES; i++) {
		snprintf(res, sizeof(res), "r%u", i);
		ret = reg_open(&reg, argv[2], res);
		if (!ret)
			ret = reg_value(&reg, &v);
		if (!ret)
			hist_event(&h, "info", "final", res, NULL, NULL,
				   HIST_NONE, v, HIST_NONE);
		reg_close(&reg);
	}
	if (ret)
		fprintf(stderr, "jepsen_client final: %s\n", strerror(-ret));
	return ret ? 1 : 0;
}

static int cmd_sync(int argc, char **argv)
{
	int64_t off, err, rtt, used;
	struct regnet rn;
	struct history h;
	int ret;

	ret = regnet_open(&rn, argv[0], argv[1]);
	if (!ret)
		ret = regnet_sync(&rn, 16, &off, &err, &rtt);
	regnet_close(&rn);
	if (ret) {
		fprintf(stderr, "jepsen_client sync: %s\n", strerror(-ret));
		return 1;
	}
	if (argc > 4) {
		used = strtoll(argv[4], NULL, 0);
		err += off > used ? off - used : used - off;
		off = used;
	}
	hist_set_offset(off);
	ret = hist_open(&h, argv[3], argv[1], argv[2]);
	if (ret) {
		fprintf(stderr, "jepsen_client sync: %s\n", strerror(-ret));
		return 1;
	}
	hist_event(&h, "info", "clock", NULL, NULL, "sync", rtt, err,
		   HIST_NONE);
	printf("%lld\n", (long long)off);
	return 0;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: jepsen_client [-n NETNS] run NAME NODE LS NRES SECONDS SEED HIST REGDIR\n"
		"       jepsen_client [-n NETNS] probe NAME NODE LS RES SECONDS HIST\n"
		"       jepsen_client [-n NETNS] hold LS RES GATE\n"
		"       jepsen_client final NRES HIST REGDIR\n"
		"       jepsen_client now\n"
		"       jepsen_client sync ADDR:PORT NAME NODE HIST [USED_OFFSET]\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *off = getenv("JEPSEN_OFFSET_NS");
	int ret;

	if (off && *off)
		hist_set_offset(strtoll(off, NULL, 0));

	if (argc > 2 && !strcmp(argv[1], "-n")) {
		ret = enter_netns(argv[2]);
		if (ret) {
			fprintf(stderr, "jepsen_client: netns %s: %s\n",
				argv[2], strerror(-ret));
			return 1;
		}
		argc -= 2;
		argv += 2;
	}
	if (argc == 2 && !strcmp(argv[1], "now")) {
		printf("%llu\n", (unsigned long long)hist_now_ns());
		return 0;
	}
	if (argc == 10 && !strcmp(argv[1], "run"))
		return cmd_run(argv + 2);
	if (argc == 8 && !strcmp(argv[1], "probe"))
		return cmd_probe(argv + 2);
	if (argc == 5 && !strcmp(argv[1], "hold"))
		return cmd_hold(argv + 2);
	if ((argc == 6 || argc == 7) && !strcmp(argv[1], "sync"))
		return cmd_sync(argc - 2, argv + 2);
	if (argc == 5 && !strcmp(argv[1], "final"))
		return cmd_final(argv + 2);
	return usage();
}
