// SPDX-License-Identifier: GPL-2.0
/*
 * dlock-bench: measurements of a dlock cell of network-namespace nodes, run
 * inside the VM by tests/bench/vm_bench.sh (which forms the cell).  Each
 * subcommand measures one thing and prints one result: a human line, or
 * with --json one JSON object on one line, which tests/bench/report.py turns
 * into the results table.
 *
 * Every thread enters its node's namespace itself (setns on a thread only
 * moves that thread), so one process drives all the nodes of a cell without
 * `ip netns exec`, whose fork and exec would cost more than what we measure.
 *
 *   dlock-bench [--json] [--iters N] [--secs S] [--mem-secs S] CMD ARGS
 *     udp NS_A NS_B ADDR_B       UDP ping-pong from NS_A to an echo in NS_B
 *     ioctl NS                   empty ioctl (DLOCK_IOC_VERSION)
 *     pair NS LS LABEL           1 client: EX lock + unlock, same resource
 *     tput LS CLIENTS NS...      CLIENTS over the nodes, distinct resources
 *     handoff LS CLIENTS NS...   CLIENTS over the nodes, one resource
 *     ceiling CLIENTS NS         what the guest can do at all with CLIENTS
 *                                threads: empty ioctls/s, and wake-ups/s of
 *                                blocked threads (pipe ping-pong pairs)
 *     failover LS CLIENT_NS LEADER_NS
 *                                cut the leader's eth0, time to first grant
 *     memory LS NS COUNT         slab/MemFree per held lock and idle resource
 */
#define _GNU_SOURCE
#include <linux/dlock.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "stats.h"

#define UDP_PORT	9477
#define MAX_NODES	16
#define MAX_CLIENTS	1024
/*
 * A client's lock waits at most this long, so a request the cell never
 * answers shows as a timeout (or a failed pair run) instead of hanging.
 */
#define CLIENT_LOCK_TIMEOUT_MS	20000

static bool json;
static unsigned int iters = 2000;
static double run_secs = 5.0;
/* Time budget of the memory run's acquiring phase (--mem-secs). */
static double mem_secs = 300.0;

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "dlock-bench: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

/*
 * Move the calling thread into the named network namespace; "-" stays in
 * the current one (a node that owns its guest, tests/bench/vm3_bench.sh).
 */
static void enter_netns(const char *name)
{
	char path[256];
	int fd;

	if (!strcmp(name, "-"))
		return;
	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("open %s: %s", path, strerror(errno));
	if (setns(fd, CLONE_NEWNET) < 0)
		die("setns %s: %s", name, strerror(errno));
	close(fd);
}

/* ---- /dev/dlock --------------------------------------------------------- */

struct dev {
	int fd;
	uint32_t ls_id;
};

/* Open /dev/dlock in the current thread's namespace (its node) and LS. */
static int dev_open(struct dev *d, const char *ls)
{
	struct dlock_ls_open o = { 0 };

	d->fd = open("/dev/dlock", O_RDWR | O_CLOEXEC);
	if (d->fd < 0)
		return -errno;
	if (strlen(ls) >= sizeof(o.name)) {
		close(d->fd);
		return -ENAMETOOLONG;
	}
	strcpy((char *)o.name, ls);
	if (ioctl(d->fd, DLOCK_IOC_LS_OPEN, &o) < 0) {
		int err = -errno;

		close(d->fd);
		return err;
	}
	d->ls_id = o.ls_id;
	return 0;
}

static void lock_req(struct dlock_lock_req *req, const struct dev *d,
		     const char *res, uint32_t flags, uint32_t timeout_ms)
{
	memset(req, 0, sizeof(*req));
	req->ls_id = d->ls_id;
	req->mode = DLOCK_MODE_EX;
	req->flags = flags;
	req->timeout_ms = timeout_ms;
	req->name_len = strlen(res);
	memcpy(req->name, res, req->name_len);
}

/* Blocking EX lock of RES; the lock id in *lock_id.  0 or -errno. */
static int dev_lock(const struct dev *d, const char *res, uint32_t timeout_ms,
		    uint64_t *lock_id)
{
	struct dlock_lock_req req;

	lock_req(&req, d, res, 0, timeout_ms);
	if (ioctl(d->fd, DLOCK_IOC_LOCK, &req) < 0)
		return -errno;
	*lock_id = req.lock_id;
	return 0;
}

static int dev_unlock(const struct dev *d, uint64_t lock_id)
{
	struct dlock_unlock_req u = { .lock_id = lock_id };

	return ioctl(d->fd, DLOCK_IOC_UNLOCK, &u) < 0 ? -errno : 0;
}

/* ---- output ------------------------------------------------------------- */

/*
 * One result: kind and label, then one number per key of @fmt (keys
 * separated by spaces, each value passed as a double).  A human line, or
 * with --json one JSON object on one line.
 */
static void result(const char *kind, const char *label, const char *fmt, ...)
{
	va_list ap;
	const char *p;

	if (json)
		printf("{\"kind\":\"%s\",\"label\":\"%s\"", kind, label);
	else
		printf("%-10s %-22s", kind, label);
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

/* ---- udp: the network floor --------------------------------------------- */

struct udp_echo {
	const char *ns;
	int fd;
	pthread_barrier_t *ready;
};

static void *udp_echo_thread(void *arg)
{
	struct udp_echo *e = arg;
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(UDP_PORT) };
	struct sockaddr_in from;
	socklen_t flen;
	char buf[256];
	ssize_t n;

	enter_netns(e->ns);
	e->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (e->fd < 0 || bind(e->fd, (void *)&sa, sizeof(sa)) < 0)
		die("udp echo socket: %s", strerror(errno));
	pthread_barrier_wait(e->ready);
	for (;;) {
		flen = sizeof(from);
		n = recvfrom(e->fd, buf, sizeof(buf), 0, (void *)&from, &flen);
		if (n < 0)
			break;
		if (n == 1 && buf[0] == 'q')
			break;
		sendto(e->fd, buf, n, 0, (void *)&from, flen);
	}
	return NULL;
}

static int cmd_udp(int argc, char **argv)
{
	struct sockaddr_in to = { .sin_family = AF_INET,
				  .sin_port = htons(UDP_PORT) };
	pthread_barrier_t ready;
	struct udp_echo e = { 0 };
	struct lat lat;
	pthread_t th;
	char buf[64] = { 0 };
	unsigned int i;
	uint64_t t0, t1, start;
	int fd;

	if (argc != 3)
		die("usage: udp NS_A NS_B ADDR_B");
	if (inet_pton(AF_INET, argv[2], &to.sin_addr) != 1)
		die("bad address %s", argv[2]);
	pthread_barrier_init(&ready, NULL, 2);
	e.ns = argv[1];
	e.ready = &ready;
	pthread_create(&th, NULL, udp_echo_thread, &e);
	pthread_barrier_wait(&ready);

	enter_netns(argv[0]);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (void *)&to, sizeof(to)) < 0)
		die("udp client socket: %s", strerror(errno));
	lat_init(&lat);
	/* A few untimed rounds first: ARP and the caches warm up. */
	for (i = 0; i < 20; i++) {
		send(fd, buf, sizeof(buf), 0);
		recv(fd, buf, sizeof(buf), 0);
	}
	start = now_ns();
	for (i = 0; i < iters; i++) {
		t0 = now_ns();
		if (send(fd, buf, sizeof(buf), 0) < 0 ||
		    recv(fd, buf, sizeof(buf), 0) < 0)
			die("udp ping-pong: %s", strerror(errno));
		t1 = now_ns();
		lat_add(&lat, t1 - t0);
	}
	t1 = now_ns();
	send(fd, "q", 1, 0);
	pthread_join(th, NULL);
	lat_sort(&lat);
	result("floor", "udp_rtt", "p50_us p99_us ops_s n",
	       lat_pct(&lat, 50), lat_pct(&lat, 99),
	       iters / ((t1 - start) / 1e9), (double)lat.n);
	lat_free(&lat);
	return 0;
}

/* ---- ioctl: the syscall floor ------------------------------------------- */

static int cmd_ioctl(int argc, char **argv)
{
	struct dlock_version v;
	struct lat lat;
	uint64_t t0, t1, start;
	unsigned int i;
	int fd;

	if (argc != 1)
		die("usage: ioctl NS");
	enter_netns(argv[0]);
	fd = open("/dev/dlock", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die("open /dev/dlock: %s", strerror(errno));
	lat_init(&lat);
	start = now_ns();
	for (i = 0; i < iters * 10; i++) {
		t0 = now_ns();
		if (ioctl(fd, DLOCK_IOC_VERSION, &v) < 0)
			die("DLOCK_IOC_VERSION: %s", strerror(errno));
		t1 = now_ns();
		lat_add(&lat, t1 - t0);
	}
	t1 = now_ns();
	lat_sort(&lat);
	result("floor", "ioctl_version", "p50_us p99_us ops_s n",
	       lat_pct(&lat, 50), lat_pct(&lat, 99),
	       lat.n / ((t1 - start) / 1e9), (double)lat.n);
	lat_free(&lat);
	close(fd);
	return 0;
}

/* ---- pair: one client's uncontended lock+unlock ------------------------- */

static int cmd_pair(int argc, char **argv)
{
	struct lat lat, lock_lat;
	struct dev d;
	uint64_t id, t0, t1, t2, start;
	unsigned int i;
	char res[32];
	int ret;

	if (argc != 3)
		die("usage: pair NS LS LABEL");
	enter_netns(argv[0]);
	ret = dev_open(&d, argv[1]);
	if (ret)
		die("open lockspace %s in %s: %s", argv[1], argv[0],
		    strerror(-ret));
	snprintf(res, sizeof(res), "pair-%s", argv[0]);
	lat_init(&lat);
	lat_init(&lock_lat);
	for (i = 0; i < 10; i++) {
		if (dev_lock(&d, res, CLIENT_LOCK_TIMEOUT_MS, &id) ||
		    dev_unlock(&d, id))
			die("warm-up lock+unlock failed: %s", strerror(errno));
	}
	start = now_ns();
	for (i = 0; i < iters; i++) {
		t0 = now_ns();
		ret = dev_lock(&d, res, CLIENT_LOCK_TIMEOUT_MS, &id);
		if (ret)
			die("lock: %s", strerror(-ret));
		t1 = now_ns();
		ret = dev_unlock(&d, id);
		if (ret)
			die("unlock: %s", strerror(-ret));
		t2 = now_ns();
		lat_add(&lat, t2 - t0);
		lat_add(&lock_lat, t1 - t0);
	}
	t2 = now_ns();
	lat_sort(&lat);
	lat_sort(&lock_lat);
	result("pair", argv[2], "p50_us p99_us lock_p50_us pairs_s n",
	       lat_pct(&lat, 50), lat_pct(&lat, 99), lat_pct(&lock_lat, 50),
	       iters / ((t2 - start) / 1e9), (double)lat.n);
	lat_free(&lat);
	lat_free(&lock_lat);
	close(d.fd);
	return 0;
}

/* ---- tput / handoff: many clients for a fixed time ---------------------- */

struct client {
	pthread_t th;
	unsigned int idx;
	const char *ns;
	const char *ls;
	bool shared;		/* all clients on one resource */
	struct lat lat;
	uint64_t pairs;
	uint64_t timeouts;	/* requests that hit their timeout */
	volatile bool done;
	int err;
};

static pthread_barrier_t start_barrier;
static volatile bool stop_clients;
/* End of the measured window: pairs completed after it do not count. */
static volatile uint64_t stop_ns = UINT64_MAX;

/* After the stop, how long a client may take to finish its last pair. */
#define CLIENT_DRAIN_S		60

/* SIGUSR1 only interrupts a blocked ioctl (no SA_RESTART): nothing to do. */
static void wake_handler(int sig)
{
	(void)sig;
}

static void *client_thread(void *arg)
{
	struct client *c = arg;
	struct dev d;
	uint64_t id, t0, t1;
	char res[32];
	int ret;

	enter_netns(c->ns);
	ret = dev_open(&d, c->ls);
	if (c->shared)
		snprintf(res, sizeof(res), "hot");
	else
		snprintf(res, sizeof(res), "t-%u", c->idx);
	pthread_barrier_wait(&start_barrier);
	if (ret) {
		c->err = ret;
		return NULL;
	}
	while (!stop_clients) {
		t0 = now_ns();
		ret = dev_lock(&d, res, CLIENT_LOCK_TIMEOUT_MS, &id);
		if (ret == -ETIMEDOUT) {
			c->timeouts++;
			continue;
		}
		if (!ret)
			ret = dev_unlock(&d, id);
		if (ret) {
			c->err = ret;
			break;
		}
		t1 = now_ns();
		if (t1 > stop_ns)
			break;
		lat_add(&c->lat, t1 - t0);
		c->pairs++;
	}
	close(d.fd);
	c->done = true;
	return NULL;
}

/*
 * Wait for the clients to finish their last pair; interrupt those that
 * are still blocked after CLIENT_DRAIN_S (their node never answered) and
 * count them: a healthy cell has none.
 */
static unsigned int join_clients(struct client *clients, unsigned int n)
{
	uint64_t deadline = now_ns() + CLIENT_DRAIN_S * 1000000000ULL;
	unsigned int i, stuck = 0;

	for (i = 0; i < n; i++) {
		while (!clients[i].done && now_ns() < deadline)
			usleep(10000);
		if (!clients[i].done) {
			stuck++;
			while (!clients[i].done) {
				pthread_kill(clients[i].th, SIGUSR1);
				usleep(10000);
			}
		}
		pthread_join(clients[i].th, NULL);
	}
	return stuck;
}

static void run_clients(bool shared, int argc, char **argv)
{
	static struct client clients[MAX_CLIENTS];
	unsigned int n, i, nns;
	uint64_t total = 0, min = UINT64_MAX, max = 0, t0, t1, timeouts = 0;
	struct sigaction sa = { .sa_handler = wake_handler };
	unsigned int stuck;
	struct lat all;
	struct timespec ts;
	char label[32];
	int errs = 0;

	if (argc < 3)
		die("usage: %s LS CLIENTS NS...", shared ? "handoff" : "tput");
	n = strtoul(argv[1], NULL, 0);
	if (!n || n > MAX_CLIENTS)
		die("CLIENTS must be 1..%d", MAX_CLIENTS);
	nns = argc - 2;
	sigaction(SIGUSR1, &sa, NULL);
	pthread_barrier_init(&start_barrier, NULL, n + 1);
	stop_clients = false;
	stop_ns = UINT64_MAX;
	for (i = 0; i < n; i++) {
		struct client *c = &clients[i];
		pthread_attr_t attr;

		memset(c, 0, sizeof(*c));
		c->idx = i;
		c->ns = argv[2 + i % nns];
		c->ls = argv[0];
		c->shared = shared;
		lat_init(&c->lat);
		pthread_attr_init(&attr);
		pthread_attr_setstacksize(&attr, 256 * 1024);
		if (pthread_create(&c->th, &attr, client_thread, c))
			die("pthread_create: %s", strerror(errno));
		pthread_attr_destroy(&attr);
	}
	pthread_barrier_wait(&start_barrier);
	t0 = now_ns();
	ts.tv_sec = (time_t)run_secs;
	ts.tv_nsec = (long)((run_secs - ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
	t1 = now_ns();
	stop_ns = t1;
	stop_clients = true;
	stuck = join_clients(clients, n);
	lat_init(&all);
	for (i = 0; i < n; i++) {
		struct client *c = &clients[i];

		if (c->err) {
			errs++;
			fprintf(stderr, "dlock-bench: client %u: %s\n", i,
				strerror(-c->err));
		}
		total += c->pairs;
		timeouts += c->timeouts;
		if (c->pairs < min)
			min = c->pairs;
		if (c->pairs > max)
			max = c->pairs;
		lat_merge(&all, &c->lat);
		lat_free(&c->lat);
	}
	lat_sort(&all);
	snprintf(label, sizeof(label), "%s_%u", shared ? "handoff" : "tput",
		 n);
	/* Rates count the pairs completed inside the window [t0, t1]. */
	result(shared ? "handoff" : "tput", label,
	       "clients pairs_s p50_us p99_us max_grants min_grants fairness errors timeouts stuck n",
	       (double)n, total / ((t1 - t0) / 1e9), lat_pct(&all, 50),
	       lat_pct(&all, 99), (double)max, (double)min,
	       min ? (double)max / min : 0.0, (double)errs, (double)timeouts,
	       (double)stuck, (double)total);
	lat_free(&all);
	pthread_barrier_destroy(&start_barrier);
}

static int cmd_tput(int argc, char **argv)
{
	run_clients(false, argc, argv);
	return 0;
}

static int cmd_handoff(int argc, char **argv)
{
	run_clients(true, argc, argv);
	return 0;
}

/* ---- ceiling: the guest's ioctl and wake-up rate, no cell -------------- */

/*
 * A lock+unlock pair costs the client two blocking ioctls, each ended by a
 * wake-up from the node's kworker, and the kworkers themselves are woken
 * by the network.  This measures the two floors with CLIENTS threads on the
 * same vCPUs the cell runs on, so that a throughput can be read as a
 * fraction of what the guest can do at all.
 */
struct ceil_thread {
	pthread_t th;
	const char *ns;
	int fd_in, fd_out;	/* pipe ends (ping-pong), or -1 */
	bool leader;		/* sends first */
	uint64_t ops;
};

static void *ceil_ioctl_thread(void *arg)
{
	struct ceil_thread *t = arg;
	struct dlock_version v;
	int fd;

	enter_netns(t->ns);
	fd = open("/dev/dlock", O_RDWR | O_CLOEXEC);
	pthread_barrier_wait(&start_barrier);
	if (fd < 0)
		return NULL;
	while (!stop_clients) {
		if (ioctl(fd, DLOCK_IOC_VERSION, &v) < 0)
			break;
		__atomic_store_n(&t->ops, t->ops + 1, __ATOMIC_RELAXED);
	}
	close(fd);
	return NULL;
}

static void *ceil_wake_thread(void *arg)
{
	struct ceil_thread *t = arg;
	char b = 0;

	pthread_barrier_wait(&start_barrier);
	if (t->leader && write(t->fd_out, &b, 1) != 1)
		return NULL;
	while (!stop_clients) {
		if (read(t->fd_in, &b, 1) != 1)
			break;
		__atomic_store_n(&t->ops, t->ops + 1, __ATOMIC_RELAXED);
		if (write(t->fd_out, &b, 1) != 1)
			break;
	}
	return NULL;
}

static double ceil_run(struct ceil_thread *th, unsigned int n,
		       void *(*fn)(void *))
{
	struct timespec ts;
	uint64_t t0, t1, total = 0, before = 0;
	unsigned int i;

	stop_clients = false;
	pthread_barrier_init(&start_barrier, NULL, n + 1);
	for (i = 0; i < n; i++)
		if (pthread_create(&th[i].th, NULL, fn, &th[i]))
			die("pthread_create: %s", strerror(errno));
	pthread_barrier_wait(&start_barrier);
	t0 = now_ns();
	for (i = 0; i < n; i++)
		before += __atomic_load_n(&th[i].ops, __ATOMIC_RELAXED);
	ts.tv_sec = (time_t)run_secs;
	ts.tv_nsec = (long)((run_secs - ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
	for (i = 0; i < n; i++)
		total += __atomic_load_n(&th[i].ops, __ATOMIC_RELAXED);
	total -= before;
	t1 = now_ns();
	stop_clients = true;
	/* a thread blocked in read() is released by closing its pipe */
	for (i = 0; i < n; i++)
		if (th[i].fd_out >= 0)
			close(th[i].fd_out);
	for (i = 0; i < n; i++)
		pthread_join(th[i].th, NULL);
	for (i = 0; i < n; i++)
		if (th[i].fd_in >= 0)
			close(th[i].fd_in);
	pthread_barrier_destroy(&start_barrier);
	return total / ((t1 - t0) / 1e9);
}

static int cmd_ceiling(int argc, char **argv)
{
	static struct ceil_thread th[MAX_CLIENTS];
	double ioctls, wakes;
	unsigned int n, i;
	int ab[2], ba[2];

	if (argc != 2)
		die("usage: ceiling CLIENTS NS");
	n = strtoul(argv[0], NULL, 0);
	if (n < 2 || n > MAX_CLIENTS || n % 2)
		die("CLIENTS must be even, 2..%d", MAX_CLIENTS);
	for (i = 0; i < n; i++) {
		memset(&th[i], 0, sizeof(th[i]));
		th[i].ns = argv[1];
		th[i].fd_in = th[i].fd_out = -1;
	}
	ioctls = ceil_run(th, n, ceil_ioctl_thread);
	for (i = 0; i < n; i += 2) {
		if (pipe(ab) || pipe(ba))
			die("pipe: %s", strerror(errno));
		memset(&th[i], 0, sizeof(th[i]));
		memset(&th[i + 1], 0, sizeof(th[i + 1]));
		th[i].fd_out = ab[1];
		th[i + 1].fd_in = ab[0];
		th[i + 1].fd_out = ba[1];
		th[i].fd_in = ba[0];
		th[i].leader = true;
	}
	/* each op counted is one wake-up of a thread blocked in read() */
	wakes = ceil_run(th, n, ceil_wake_thread);
	result("ceiling", "ceiling", "clients ioctl_s wakeups_s",
	       (double)n, ioctls, wakes);
	return 0;
}

/* ---- failover ----------------------------------------------------------- */

struct link_cut {
	const char *ns;
	uint64_t at_ns;		/* when the link went down */
};

/* Set eth0 of the thread's namespace down: ioctl, no fork, exact time. */
static void *link_cut_thread(void *arg)
{
	struct link_cut *lc = arg;
	struct ifreq ifr = { 0 };
	int fd;

	enter_netns(lc->ns);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	strcpy(ifr.ifr_name, "eth0");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		die("SIOCGIFFLAGS eth0 in %s: %s", lc->ns, strerror(errno));
	ifr.ifr_flags &= ~IFF_UP;
	lc->at_ns = now_ns();
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		die("SIOCSIFFLAGS eth0 in %s: %s", lc->ns, strerror(errno));
	close(fd);
	return NULL;
}

/*
 * A client on a follower locks and unlocks a resource in a loop; the
 * leader's link is cut; the time reported runs from the cut to the first
 * grant of a lock requested after it, which only a new leader can serve
 * (the client's node cannot reach the old one).  Exits 0 with one result,
 * or 1 when no grant came within the timeout.
 */
static int cmd_failover(int argc, char **argv)
{
	struct link_cut lc;
	struct dev d;
	pthread_t th;
	uint64_t id, t0, before = 0, deadline;
	unsigned int i;
	int ret;

	if (argc != 3)
		die("usage: failover LS CLIENT_NS LEADER_NS");
	lc.ns = argv[2];
	enter_netns(argv[1]);
	ret = dev_open(&d, argv[0]);
	if (ret)
		die("open lockspace %s: %s", argv[0], strerror(-ret));
	/* A few pairs first: the client's path to the leader is warm. */
	for (i = 0; i < 20; i++) {
		t0 = now_ns();
		if (dev_lock(&d, "fo", 0, &id) || dev_unlock(&d, id))
			die("lock+unlock before the cut: %s", strerror(errno));
		before = now_ns() - t0;
	}
	pthread_create(&th, NULL, link_cut_thread, &lc);
	pthread_join(th, NULL);
	deadline = lc.at_ns + 30ULL * 1000000000ULL;
	for (;;) {
		uint64_t now = now_ns();

		if (now > deadline) {
			result("failover", "first_grant_ms", "ms timeout",
			       -1.0, 1.0);
			return 1;
		}
		ret = dev_lock(&d, "fo", 5000, &id);
		if (!ret) {
			now = now_ns();
			dev_unlock(&d, id);
			result("failover", "first_grant_ms",
			       "ms pair_before_us",
			       (now - lc.at_ns) / 1e6, before / 1e3);
			close(d.fd);
			return 0;
		}
		/* Timed out or refused while there is no leader: again. */
		if (ret != -ETIMEDOUT && ret != -EAGAIN &&
		    ret != -ENOTCONN && ret != -EINTR && ret != -EBUSY &&
		    ret != -EIO && ret != -EHOSTUNREACH)
			die("lock after the cut: %s", strerror(-ret));
		usleep(1000);
	}
}

/* ---- memory ------------------------------------------------------------- */

#define MAX_CACHES	512

struct mem {
	uint64_t slab_bytes;	/* sum over /proc/slabinfo of objs * size */
	uint64_t free_kb;	/* MemFree */
	unsigned int n_caches;
	struct {
		char name[128];
		uint64_t bytes;
	} cache[MAX_CACHES];
};

static void mem_read(struct mem *m)
{
	char line[512];
	FILE *f;

	m->slab_bytes = 0;
	m->n_caches = 0;
	f = fopen("/proc/slabinfo", "r");
	if (!f)
		die("/proc/slabinfo: %s", strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		char name[128];
		unsigned long active, num, size;

		if (line[0] == '#' || !strncmp(line, "slabinfo", 8))
			continue;
		if (sscanf(line, "%127s %lu %lu %lu", name, &active, &num,
			   &size) != 4)
			continue;
		m->slab_bytes += (uint64_t)active * size;
		if (m->n_caches < MAX_CACHES) {
			snprintf(m->cache[m->n_caches].name,
				 sizeof(m->cache[0].name), "%s", name);
			m->cache[m->n_caches++].bytes =
				(uint64_t)active * size;
		}
	}
	fclose(f);
	m->free_kb = 0;
	f = fopen("/proc/meminfo", "r");
	if (!f)
		die("/proc/meminfo: %s", strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemFree: %" SCNu64, &m->free_kb) == 1)
			break;
	fclose(f);
}

/* Commentary: the slab caches that grew most from A to B, per lock. */
static void mem_top(const char *what, const struct mem *a,
		    const struct mem *b, unsigned long count)
{
	bool shown[MAX_CACHES] = { false };
	unsigned int i, j, k;

	for (k = 0; k < 8; k++) {
		double best = 0;
		int at = -1;

		for (i = 0; i < b->n_caches; i++) {
			double d = (double)b->cache[i].bytes;

			if (shown[i])
				continue;
			for (j = 0; j < a->n_caches; j++)
				if (!strcmp(a->cache[j].name, b->cache[i].name))
					d -= (double)a->cache[j].bytes;
			if (d > best) {
				best = d;
				at = (int)i;
			}
		}
		if (at < 0)
			break;
		shown[at] = true;
		printf("# slab %s%-24s %+8.1f B per lock\n", what,
		       b->cache[at].name, best / count);
	}
}

/*
 * Bytes from A to B in the caches whose name starts with PREFIX: the lock
 * table's own caches are "dlock_lt_" (core/lt_obj.c), one set per kernel
 * shared by every replica in it.  Only meaningful when the kernel does not
 * merge caches of similar size into one name (the bench VM boots with
 * slab_nomerge).
 */
static double mem_prefix(const struct mem *a, const struct mem *b,
			 const char *prefix)
{
	double d = 0;
	unsigned int i, j;

	for (i = 0; i < b->n_caches; i++) {
		if (strncmp(b->cache[i].name, prefix, strlen(prefix)))
			continue;
		d += (double)b->cache[i].bytes;
		for (j = 0; j < a->n_caches; j++)
			if (!strcmp(a->cache[j].name, b->cache[i].name))
				d -= (double)a->cache[j].bytes;
	}
	return d;
}

/* Let the cell settle (RCU frees, replication to followers) before reading. */
static void settle(void)
{
	int fd = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);

	sleep(2);
	if (fd >= 0) {
		/* Reclaimable slab (dentries...) is noise, not ours. */
		if (write(fd, "2", 1) < 0)
			perror("drop_caches");
		close(fd);
	}
	sleep(1);
}

/*
 * Requests in flight per file in the memory run, and files.  The lock
 * table remembers every request of an owner since its oldest unanswered
 * one (up to DL_LT_DEDUP_MAX, 1024: core/locktable.h), so a retransmitted
 * request is never executed twice, and 128 in flight per file is safe; a
 * blocking notification on these locks nobody else wants would say
 * otherwise, and is counted.  Few files keep each file's lock ids (one
 * node-wide sequence, shared by the files) dense in its xarray.
 */
#define MEM_WINDOW	128
#define MEM_FILES	4

/*
 * Hold COUNT EX locks on distinct resources through MEM_FILES files,
 * asynchronously, MEM_WINDOW requests in flight on each; read the kernel's
 * memory with all held, then close the files (the cell releases the locks)
 * and read it again: what stays is the idle resources.  REPLICAS (default
 * 3) is the number of voters whose lock tables share this kernel.
 */
static int cmd_memory(int argc, char **argv)
{
	struct dlock_lock_req req;
	struct dlock_event ev[32];
	static struct mem base, held, after;
	struct dev d[MEM_FILES];
	struct pollfd pfd[MEM_FILES];
	unsigned long count, sent = 0, granted = 0, blocking = 0, replicas;
	unsigned long inflight[MEM_FILES] = { 0 }, window = MEM_WINDOW;
	double table_b;
	uint64_t t0, t1, t2, stop;
	char res[32];
	ssize_t n;
	int ret, i, f;

	if (argc != 3 && argc != 4)
		die("usage: memory LS NS COUNT [REPLICAS]");
	count = strtoul(argv[2], NULL, 0);
	if (!count)
		die("COUNT must be > 0");
	/* BENCH_MEM_WINDOW: another depth per file (the dedup check) */
	if (getenv("BENCH_MEM_WINDOW")) {
		window = strtoul(getenv("BENCH_MEM_WINDOW"), NULL, 0);
		if (!window)
			die("BENCH_MEM_WINDOW must be > 0");
	}
	replicas = argc == 4 ? strtoul(argv[3], NULL, 0) : 3;
	if (!replicas)
		die("REPLICAS must be > 0");
	enter_netns(argv[1]);
	settle();
	mem_read(&base);
	for (f = 0; f < MEM_FILES; f++) {
		ret = dev_open(&d[f], argv[0]);
		if (ret)
			die("open lockspace: %s", strerror(-ret));
		pfd[f].fd = d[f].fd;
		pfd[f].events = POLLIN;
	}
	t0 = now_ns();
	stop = t0 + (uint64_t)(mem_secs * 1e9);
	while (granted < sent || sent < count) {
		/* Over budget: hold what is granted, measure with that. */
		if (sent < count && now_ns() > stop) {
			printf("# memory: time budget of %.0f s spent, %lu of %lu locks requested\n",
			       mem_secs, sent, count);
			count = sent;
		}
		for (f = 0; f < MEM_FILES; f++) {
			while (sent < count && inflight[f] < window) {
				snprintf(res, sizeof(res), "m%lu", sent);
				lock_req(&req, &d[f], res, DLOCK_LKF_ASYNC, 0);
				if (ioctl(d[f].fd, DLOCK_IOC_LOCK, &req) < 0)
					die("async lock %lu: %s", sent,
					    strerror(errno));
				sent++;
				inflight[f]++;
			}
		}
		if (granted == sent)
			break;
		if (poll(pfd, MEM_FILES, 60000) <= 0)
			die("no lock event for 60 s after %lu grants", granted);
		for (f = 0; f < MEM_FILES; f++) {
			if (!(pfd[f].revents & POLLIN))
				continue;
			n = read(d[f].fd, ev, sizeof(ev));
			if (n < 0)
				die("read events: %s", strerror(errno));
			for (i = 0; i < n / (ssize_t)sizeof(ev[0]); i++) {
				if (ev[i].type == DLOCK_EV_GRANT) {
					granted++;
					inflight[f]--;
				} else if (ev[i].type == DLOCK_EV_BLOCKING) {
					/* Nobody else locks here: count. */
					blocking++;
				} else {
					die("event %u status %u after %lu grants",
					    ev[i].type, ev[i].status, granted);
				}
			}
		}
	}
	if (!count)
		die("no lock requested within the time budget");
	printf("# memory: %lu in flight per file, %lu blocking notifications for locks nobody else wants\n",
	       window, blocking);
	t1 = now_ns();
	settle();
	mem_read(&held);
	mem_top("", &base, &held, count);
	for (f = 0; f < MEM_FILES; f++)
		close(d[f].fd);
	/*
	 * Closing releases every lock through the cell, which takes a while
	 * for many locks (each release is replicated): wait until the slab
	 * total stops falling for 5 s in a row (at most a minute plus twice
	 * the time the locks took to take).
	 */
	{
		uint64_t last = held.slab_bytes, deadline = now_ns() + 60e9 +
			2 * (t1 - t0);
		int still = 0;

		while (still < 5 && now_ns() < deadline) {
			sleep(1);
			mem_read(&after);
			if (after.slab_bytes + 65536 >= last)
				still++;
			else
				still = 0;
			last = after.slab_bytes < last ? after.slab_bytes :
							 last;
		}
	}
	t2 = now_ns();
	settle();
	mem_read(&after);
	mem_top("left after release: ", &base, &after, count);
	table_b = mem_prefix(&base, &held, "dlock_lt_");
	printf("# memory: lock table caches (dlock_lt_*) %.1f B per lock in"
	       " %lu replicas, %.1f B per replica; the rest of the slab %.1f B"
	       " per lock (the holder node's local lock and file record, the"
	       " Raft log)\n", table_b / count, replicas,
	       table_b / count / replicas,
	       ((double)held.slab_bytes - base.slab_bytes - table_b) / count);
	result("memory", "locks", "count hold_s locks_s release_s "
	       "slab_per_lock_b "
	       "memfree_per_lock_b slab_per_idle_res_b memfree_per_idle_res_b "
	       "slab_held_mb blocking replicas table_slab_per_lock_replica_b "
	       "other_slab_per_lock_b",
	       (double)count, (t1 - t0) / 1e9, count / ((t1 - t0) / 1e9),
	       (t2 - t1) / 1e9,
	       ((double)held.slab_bytes - base.slab_bytes) / count,
	       ((double)base.free_kb - held.free_kb) * 1024 / count,
	       ((double)after.slab_bytes - base.slab_bytes) / count,
	       ((double)base.free_kb - after.free_kb) * 1024 / count,
	       ((double)held.slab_bytes - base.slab_bytes) / 1048576.0,
	       (double)blocking, (double)replicas,
	       table_b / count / replicas,
	       ((double)held.slab_bytes - base.slab_bytes - table_b) / count);
	return 0;
}

/* ---- main --------------------------------------------------------------- */

static void usage(void)
{
	fprintf(stderr,
		"usage: dlock-bench [--json] [--iters N] [--secs S] [--mem-secs S] CMD ARGS\n"
		"  udp NS_A NS_B ADDR_B | ioctl NS | pair NS LS LABEL |\n"
		"  tput LS CLIENTS NS... | handoff LS CLIENTS NS... |\n"
		"  failover LS CLIENT_NS LEADER_NS | memory LS NS COUNT [REPLICAS] |\n"
		"  ceiling CLIENTS NS\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int argc, char **argv);
	} cmds[] = {
		{ "udp", cmd_udp }, { "ioctl", cmd_ioctl },
		{ "pair", cmd_pair }, { "tput", cmd_tput },
		{ "handoff", cmd_handoff }, { "failover", cmd_failover },
		{ "memory", cmd_memory }, { "ceiling", cmd_ceiling },
	};
	unsigned int i;

	argv++;
	argc--;
	while (argc > 0 && argv[0][0] == '-') {
		if (!strcmp(argv[0], "--json")) {
			json = true;
		} else if (!strcmp(argv[0], "--iters") && argc > 1) {
			iters = strtoul(argv[1], NULL, 0);
			argv++;
			argc--;
		} else if (!strcmp(argv[0], "--mem-secs") && argc > 1) {
			mem_secs = strtod(argv[1], NULL);
			argv++;
			argc--;
		} else if (!strcmp(argv[0], "--secs") && argc > 1) {
			run_secs = strtod(argv[1], NULL);
			argv++;
			argc--;
		} else {
			usage();
		}
		argv++;
		argc--;
	}
	if (argc < 1 || !iters || run_secs <= 0)
		usage();
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[0], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	usage();
	return 2;
}
