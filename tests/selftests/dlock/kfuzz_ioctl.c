// SPDX-License-Identifier: GPL-2.0
/*
 * kfuzz_ioctl: random and boundary requests to /dev/dlock.
 *
 *   kfuzz_ioctl [-s SEED] [-n COUNT] [-v] LOCKSPACE...
 *
 * Runs in the network namespace of a live node (ip netns exec), with the
 * named lockspaces created.  COUNT operations, each one of: an ioctl with
 * every number of uapi/linux/dlock.h and its neighbours (wrong sizes,
 * directions, numbers, magics), whose argument is a good buffer of random
 * or boundary fields, NULL, an unmapped page, a kernel address, or a
 * struct that runs off the end of a mapping; read() of random sizes; poll;
 * closing a file with requests still pending and opening another.  A
 * second thread cancels and unlocks lock ids the first one got, on the
 * same files, racing it; an interval timer interrupts blocking waits
 * (which would otherwise sit forever on a resource held by ourselves).
 *
 * It fails (exit 1) when the kernel answers something it never may:
 * VERSION's fixed fields wrong, an unknown dlock ioctl not -ENOTTY, a
 * read() that is not whole events, a success with a lock request the
 * uapi calls invalid.  At the end it closes everything, then checks that
 * the node still serves: a fresh file locks and unlocks a resource.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/time.h>

#include <linux/dlock.h>

#include "fail_self.h"
#include "kfuzz_util.h"

#define NFD		4
#define NIDS		64
#define PAGE		4096
#define N_RES		6

static int fds[NFD];
static uint64_t ids[NIDS];
static char **ls_names;
static int n_ls;
static uint8_t *area;		/* PAGE read-write, then PAGE PROT_NONE */
static uint8_t *none_page;	/* PROT_NONE */
static volatile bool stop;
static int failures;
static struct kfuzz_tally tally[8];	/* by ioctl nr, 6: others, 7: read */

static const unsigned int ioc_cmds[] = {
	DLOCK_IOC_VERSION, DLOCK_IOC_LS_OPEN, DLOCK_IOC_LOCK,
	DLOCK_IOC_UNLOCK, DLOCK_IOC_CANCEL, DLOCK_IOC_LOCK_INFO,
};
#define N_CMDS (sizeof(ioc_cmds) / sizeof(ioc_cmds[0]))

static void fail(const char *fmt, unsigned long long a, unsigned long long b)
{
	printf("kfuzz_ioctl: FAIL: ");
	printf(fmt, a, b);
	printf("\n");
	failures++;
}

/* A new file, mostly with the first lockspace open as handle 1. */
static int open_dev(void)
{
	int flags = O_RDWR | O_CLOEXEC, fd;
	struct dlock_ls_open o = { };

	if (kfuzz_one_in(3))
		flags |= O_NONBLOCK;
	fd = open("/dev/dlock", flags);
	if (fd >= 0 && !kfuzz_one_in(8)) {
		snprintf((char *)o.name, sizeof(o.name), "%s", ls_names[0]);
		ioctl(fd, DLOCK_IOC_LS_OPEN, &o);
	}
	return fd;
}

static uint64_t pick_id(void)
{
	uint64_t id = __atomic_load_n(&ids[kfuzz_below(NIDS)], __ATOMIC_RELAXED);

	return id && !kfuzz_one_in(5) ? id : kfuzz_boundary(64);
}

static void remember_id(uint64_t id)
{
	if (id)
		__atomic_store_n(&ids[kfuzz_below(NIDS)], id, __ATOMIC_RELAXED);
}

/* A user pointer for an lvb or the ioctl argument: good, or not. */
static uint64_t pick_ptr(void *good)
{
	switch (kfuzz_below(12)) {
	case 0:
		return 0;
	case 1:
		return (uintptr_t)none_page;
	case 2:
		return 0xffffffff81000000ULL;	/* kernel text */
	case 3:
		return (uintptr_t)area + PAGE - 1 - kfuzz_below(40);
	case 4:
		return kfuzz_rand64();
	default:
		return (uintptr_t)good;
	}
}

static void fill_name(uint8_t *name, size_t size, uint32_t *len)
{
	memset(name, 0, size);
	if (kfuzz_one_in(4)) {
		kfuzz_bytes(name, size);
		*len = kfuzz_boundary(32);
		return;
	}
	/* A few hot resources, so requests meet each other. */
	*len = snprintf((char *)name, size, "kfuzz-r%u", kfuzz_below(N_RES));
	if (kfuzz_one_in(8))
		*len = kfuzz_boundary(32);
}

static void fill_ls_open(struct dlock_ls_open *a)
{
	size_t n;

	memset(a, 0, sizeof(*a));
	switch (kfuzz_below(6)) {
	case 0:
		kfuzz_bytes(a, sizeof(*a));
		return;
	case 1:		/* not NUL-terminated */
		memset(a->name, 'x', sizeof(a->name));
		break;
	case 2:		/* garbage after the NUL */
		strcpy((char *)a->name, ls_names[0]);
		a->name[sizeof(a->name) - 1] = 'y';
		break;
	case 3:		/* empty, or a lockspace nobody created */
		if (kfuzz_one_in(2))
			strcpy((char *)a->name, "kfuzz-no-such-ls");
		break;
	default:
		n = strlen(ls_names[kfuzz_below(n_ls)]);
		memcpy(a->name, ls_names[kfuzz_below(n_ls)],
		       n < sizeof(a->name) - 1 ? n : sizeof(a->name) - 1);
		break;
	}
	if (kfuzz_one_in(6))
		a->flags = kfuzz_boundary(32);
	if (kfuzz_one_in(6))
		a->reserved = kfuzz_boundary(32);
}

static uint8_t lvb_buf[2 * DLOCK_LVB_MAX];

static void fill_lock(struct dlock_lock_req *r)
{
	/* Most requests valid, so the lock paths past the checks run too. */
	bool sane = !kfuzz_one_in(3);

	memset(r, 0, sizeof(*r));
	if (kfuzz_one_in(12)) {
		kfuzz_bytes(r, sizeof(*r));
		return;
	}
	r->ls_id = sane || !kfuzz_one_in(4) ? 1U + kfuzz_one_in(4) :
		kfuzz_boundary(32);
	r->mode = !sane && kfuzz_one_in(4) ? kfuzz_boundary(32) :
		kfuzz_below(DLOCK_MODE_COUNT);
	r->flags = !sane && kfuzz_one_in(4) ? kfuzz_boundary(32) :
		kfuzz_below(DLOCK_LKF_ALL + 1);
	/* Mostly short waits; 0 (forever) ends by the interval timer. */
	r->timeout_ms = kfuzz_one_in(5) ? kfuzz_boundary(32) : kfuzz_below(30);
	if (r->flags & DLOCK_LKF_CONVERT || kfuzz_one_in(8))
		r->lock_id = pick_id();
	r->cookie = kfuzz_rand64();
	if (r->flags & DLOCK_LKF_VALBLK || kfuzz_one_in(8)) {
		r->lvb_ptr = sane ? (uintptr_t)lvb_buf : pick_ptr(lvb_buf);
		r->lvb_len = !sane && kfuzz_one_in(2) ? kfuzz_boundary(32) :
			(kfuzz_one_in(2) ? 32 : 64);
		kfuzz_bytes(lvb_buf, sizeof(lvb_buf));
	}
	fill_name(r->name, sizeof(r->name), &r->name_len);
	if (sane && (!r->name_len || r->name_len > DLOCK_NAME_MAX))
		r->name_len = 1 + kfuzz_below(DLOCK_NAME_MAX);
	if (sane)
		return;
	if (kfuzz_one_in(4))
		r->status = kfuzz_boundary(32);
	if (kfuzz_one_in(4))
		r->reserved = kfuzz_boundary(32);
	if (kfuzz_one_in(4))
		r->token = kfuzz_rand64();
}

/* Requests the uapi says are invalid must never succeed. */
static bool lock_req_invalid(const struct dlock_lock_req *r)
{
	return r->mode >= DLOCK_MODE_COUNT || r->flags & ~DLOCK_LKF_ALL ||
		r->reserved || !r->name_len || r->name_len > DLOCK_NAME_MAX;
}

static void fill_unlock(struct dlock_unlock_req *u)
{
	memset(u, 0, sizeof(*u));
	u->lock_id = pick_id();
	if (kfuzz_one_in(3)) {
		u->flags = kfuzz_one_in(3) ? kfuzz_boundary(32) :
			DLOCK_LKF_VALBLK;
		u->lvb_ptr = pick_ptr(lvb_buf);
		u->lvb_len = kfuzz_one_in(2) ? kfuzz_boundary(32) : 32;
	}
}

/* Decode the events a read() returned: grants give us lock ids. */
static void do_read(int fd)
{
	static const size_t sizes[] = { 0, 1, DLOCK_EVENT_SIZE - 1,
		DLOCK_EVENT_SIZE, DLOCK_EVENT_SIZE + 1, 3 * DLOCK_EVENT_SIZE,
		PAGE };
	static uint8_t buf[2 * PAGE];
	size_t size = sizes[kfuzz_below(sizeof(sizes) / sizeof(sizes[0]))];
	void *p = buf;
	ssize_t n;
	size_t off;

	if (kfuzz_one_in(8))
		p = (void *)(uintptr_t)pick_ptr(buf);
	n = read(fd, p, size);
	kfuzz_tally_add(&tally[7], n, errno);
	if (n < 0 || p != buf)
		return;
	if (n % DLOCK_EVENT_SIZE)
		fail("read() returned %llu bytes, not whole events (asked %llu)",
		     n, size);
	for (off = 0; off + DLOCK_EVENT_SIZE <= (size_t)n;
	     off += DLOCK_EVENT_SIZE) {
		struct dlock_event ev;

		memcpy(&ev, buf + off, sizeof(ev));
		if (ev.type < DLOCK_EV_GRANT || ev.type > DLOCK_EV_UNLOCKED)
			fail("read() gave event type %llu%.0llu", ev.type, 0);
		if (ev.type == DLOCK_EV_GRANT)
			remember_id(ev.lock_id);
	}
}

static void do_ioctl(int fd)
{
	static uint8_t buf[PAGE] __attribute__((aligned(64)));
	unsigned int idx = kfuzz_below(N_CMDS), cmd = ioc_cmds[idx];
	unsigned int slot = idx;
	bool exact = true;
	uint64_t arg;
	int ret;

	switch (kfuzz_below(10)) {
	case 0:		/* right number, wrong size or direction */
		cmd = _IOC(kfuzz_below(4), DLOCK_IOC_MAGIC, _IOC_NR(cmd),
			   kfuzz_below(_IOC_SIZEMASK + 1));
		exact = cmd == ioc_cmds[idx];
		slot = 6;
		break;
	case 1:		/* unknown numbers, ours and nearby magics */
		cmd = _IOC(kfuzz_below(4), DLOCK_IOC_MAGIC - 1 + kfuzz_below(3),
			   kfuzz_below(256), kfuzz_below(512));
		exact = false;
		slot = 6;
		break;
	default:
		break;
	}

	memset(buf, 0, sizeof(buf));
	if (exact) {
		switch (_IOC_NR(cmd)) {
		case 1:
			fill_ls_open((void *)buf);
			break;
		case 2:
			fill_lock((void *)buf);
			break;
		case 3:
			fill_unlock((void *)buf);
			break;
		case 4:
		case 5:
			((struct dlock_cancel_req *)buf)->lock_id = pick_id();
			break;
		}
	} else {
		kfuzz_bytes(buf, sizeof(buf));
	}

	arg = kfuzz_one_in(4) ? pick_ptr(buf) : (uintptr_t)buf;
	ret = ioctl(fd, cmd, (unsigned long)arg);
	kfuzz_tally_add(&tally[slot], ret, errno);
	if (ret < 0 && errno == EBADF)
		return;		/* the other thread's close race */

	if (!exact && _IOC_TYPE(cmd) == DLOCK_IOC_MAGIC &&
	    _IOC_NR(cmd) >= N_CMDS && !(ret < 0 && errno == ENOTTY))
		fail("unknown ioctl %#llx answered %lld, not -ENOTTY", cmd,
		     ret < 0 ? -errno : ret);
	if (!exact || arg != (uintptr_t)buf || ret < 0)
		return;

	switch (idx) {
	case 0: {
		struct dlock_version *v = (void *)buf;

		if (v->abi_version != DLOCK_ABI_VERSION || v->reserved ||
		    v->state >= DLOCK_STATE_COUNT)
			fail("VERSION answered abi %llu state %llu", v->abi_version,
			     v->state);
		break;
	}
	case 2: {
		struct dlock_lock_req *r = (void *)buf;

		if (lock_req_invalid(r))
			fail("invalid LOCK (mode %llu flags %#llx) succeeded",
			     r->mode, r->flags);
		remember_id(r->lock_id);
		break;
	}
	}
}

/* The racing thread: cancel and unlock what the main thread holds. */
static void *racer(void *unused)
{
	(void)unused;
	while (!stop) {
		int fd = __atomic_load_n(&fds[rand() % NFD], __ATOMIC_RELAXED);
		uint64_t id = __atomic_load_n(&ids[rand() % NIDS],
					      __ATOMIC_RELAXED);

		if (rand() % 2) {
			struct dlock_cancel_req c = { .lock_id = id };

			ioctl(fd, DLOCK_IOC_CANCEL, &c);
		} else {
			struct dlock_unlock_req u = { .lock_id = id };

			ioctl(fd, DLOCK_IOC_UNLOCK, &u);
		}
		usleep(200 + rand() % 800);
	}
	return NULL;
}

static void on_alarm(int sig)
{
	(void)sig;
}

/*
 * The node still serves: lock and unlock a fresh resource (10 s max).
 * Without a node in this namespace there is nothing to serve.
 */
static int still_serves(void)
{
	struct dlock_ls_open o = { };
	struct dlock_lock_req r = { };
	struct dlock_unlock_req u = { };
	struct dlock_version v = { };
	int fd, i, ret = -1;

	fd = open("/dev/dlock", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (ioctl(fd, DLOCK_IOC_VERSION, &v) || !v.node_id) {
		/* No node here: what we checked was the refusals. */
		close(fd);
		return 0;
	}
	snprintf((char *)o.name, sizeof(o.name), "%s", ls_names[0]);
	for (i = 0; i < 100 && ret; i++) {
		if (ioctl(fd, DLOCK_IOC_LS_OPEN, &o) == 0) {
			memset(&r, 0, sizeof(r));
			r.ls_id = o.ls_id;
			r.mode = DLOCK_MODE_EX;
			r.timeout_ms = 2000;
			r.name_len = snprintf((char *)r.name, sizeof(r.name),
					      "kfuzz-after-%d", i);
			ret = ioctl(fd, DLOCK_IOC_LOCK, &r);
		}
		if (ret)
			usleep(100000);
	}
	if (!ret) {
		u.lock_id = r.lock_id;
		ret = ioctl(fd, DLOCK_IOC_UNLOCK, &u);
	}
	if (ret)
		printf("kfuzz_ioctl: FAIL: the node no longer serves a lock: %s\n",
		       strerror(errno));
	close(fd);
	return ret;
}

int main(int argc, char **argv)
{
	static const char * const names[] = { "VERSION", "LS_OPEN", "LOCK",
		"UNLOCK", "CANCEL", "LOCK_INFO", "other ioctls", "read" };
	struct sigaction sa = { .sa_handler = on_alarm };
	struct itimerval it = { { 0, 15000 }, { 0, 15000 } };
	struct kfuzz_opts o;
	pthread_t thread;
	unsigned long i;
	int first, k;

	first = kfuzz_parse(argc, argv, &o, 10000, "LOCKSPACE...");
	if (first >= argc) {
		fprintf(stderr, "kfuzz_ioctl: name at least one lockspace\n");
		return 2;
	}
	ls_names = argv + first;
	n_ls = argc - first;
	srand(o.seed);

	area = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	none_page = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
	if (area == MAP_FAILED || none_page == MAP_FAILED ||
	    mprotect(area + PAGE, PAGE, PROT_NONE)) {
		perror("kfuzz_ioctl: mmap");
		return 2;
	}
	for (k = 0; k < NFD; k++) {
		fds[k] = open_dev();
		if (fds[k] < 0) {
			perror("kfuzz_ioctl: /dev/dlock");
			return 2;
		}
	}
	/* failslab.sh: failures from here on, the files open (fail_self.h). */
	fail_self_arm();
	/* No SA_RESTART: an interrupted wait returns to us. */
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	if (pthread_create(&thread, NULL, racer, NULL)) {
		fprintf(stderr, "kfuzz_ioctl: cannot start the racer\n");
		return 2;
	}

	for (i = 0; i < o.count; i++) {
		int slot = kfuzz_below(NFD), fd = fds[slot];
		unsigned int what = kfuzz_below(100);

		if (what < 2) {
			/* Close with whatever is pending, take a new one. */
			close(fd);
			__atomic_store_n(&fds[slot], open_dev(), __ATOMIC_RELAXED);
		} else if (what < 6) {
			do_read(fd);
		} else if (what < 7) {
			struct pollfd p = { .fd = fd, .events = POLLIN };

			poll(&p, 1, 0);
		} else {
			do_ioctl(fd);
		}
		if (o.verbose && i % 1000 == 0)
			printf("kfuzz_ioctl: %lu\n", i);
	}

	stop = true;
	pthread_join(thread, NULL);
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	for (k = 0; k < NFD; k++)
		close(fds[k]);
	for (k = 0; k < 8; k++)
		kfuzz_tally_print(names[k], &tally[k]);

	if (still_serves())
		failures++;
	printf("kfuzz_ioctl: %lu operations, %d failures\n", o.count, failures);
	return failures ? 1 : 0;
}
