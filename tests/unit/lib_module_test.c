// SPDX-License-Identifier: GPL-2.0
/*
 * lib_module_test.c - libdlock against a loaded dlock module: status, node
 * configuration, the kernel's extack reaching dlock_admin_last_error(),
 * per-netns isolation, privilege, and /dev/dlock's version ioctl.
 *
 * On a host without the module every test is skipped; tests/bats/
 * libdlock.bats runs this binary inside the test VM, where it must pass.
 * Each test runs in its own forked child (the harness does that), and each
 * one that changes a node first moves into a new network namespace, so
 * tests never see one another's nodes.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

/*
 * The harness is not -Wextra clean: it compares expected and seen as they
 * come (our literals are int) and leaves some parameters unused.
 */
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#include "../../lib/dlock.h"

FIXTURE(module)
{
	struct dlock_admin *adm;
};

/* Open an admin handle in a fresh network namespace, or skip. */
FIXTURE_SETUP(module)
{
	struct dlock_admin *probe;
	int err;

	self->adm = NULL;
	err = dlock_admin_open(&probe);
	if (err == -ENOENT)
		SKIP(return, "dlock module not loaded");
	ASSERT_EQ(0, err);
	dlock_admin_close(probe);
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ASSERT_EQ(0, dlock_admin_open(&self->adm));
}

FIXTURE_TEARDOWN(module)
{
	dlock_admin_close(self->adm);
}

/*
 * This harness runs a test's body even when its setup skipped, so every
 * body starts with this.
 */
#define REQUIRE_MODULE() do { \
	if (!self->adm) \
		SKIP(return, "dlock module not loaded"); \
} while (0)

static struct dlock_status status_of(struct __test_metadata *_metadata,
				     struct dlock_admin *adm)
{
	struct dlock_status st;

	memset(&st, 0xa5, sizeof(st));
	EXPECT_EQ(0, dlock_admin_status(adm, &st));
	return st;
}

TEST_F(module, fresh_node_status)
{
	struct dlock_status st;

	REQUIRE_MODULE();
	st = status_of(_metadata, self->adm);
	ASSERT_EQ(DLOCK_ABI_VERSION, st.abi_version);
	ASSERT_EQ(0, st.node_id);
	ASSERT_EQ(0, st.cell_id);
	ASSERT_EQ(DLOCK_STATE_UNCONFIGURED, st.state);
	ASSERT_EQ(0, st.leader_id);
	ASSERT_EQ(0, st.term);
	ASSERT_EQ(NULL, dlock_admin_last_error(self->adm));
}

TEST_F(module, set_node_round_trip)
{
	struct dlock_status st;

	REQUIRE_MODULE();
	ASSERT_EQ(0, dlock_admin_set_node(self->adm, 7, 42));
	st = status_of(_metadata, self->adm);
	ASSERT_EQ(7, st.node_id);
	ASSERT_EQ(42, st.cell_id);
	ASSERT_EQ(0, dlock_admin_set_node(self->adm, UINT32_MAX, 0));
	st = status_of(_metadata, self->adm);
	ASSERT_EQ(UINT32_MAX, st.node_id);
	ASSERT_EQ(0, st.cell_id);
}

TEST_F(module, configure_changes_only_what_is_set)
{
	struct dlock_node_conf conf = { 0 };
	struct dlock_status st;

	REQUIRE_MODULE();
	ASSERT_EQ(0, dlock_admin_set_node(self->adm, 3, 9));
	conf.set = DLOCK_CONF_NODE_ID;
	conf.node_id = 4;
	conf.cell_id = 1000;	/* not in set: must not be sent */
	ASSERT_EQ(0, dlock_admin_configure(self->adm, &conf));
	st = status_of(_metadata, self->adm);
	ASSERT_EQ(4, st.node_id);
	ASSERT_EQ(9, st.cell_id);
	conf.set = DLOCK_CONF_CELL_ID;
	conf.node_id = 1000;
	conf.cell_id = 11;
	ASSERT_EQ(0, dlock_admin_configure(self->adm, &conf));
	st = status_of(_metadata, self->adm);
	ASSERT_EQ(4, st.node_id);
	ASSERT_EQ(11, st.cell_id);
}

TEST_F(module, zero_node_id_gets_kernel_explanation)
{
	struct dlock_status st;
	const char *why;
	int err;

	REQUIRE_MODULE();
	ASSERT_EQ(0, dlock_admin_set_node(self->adm, 5, 6));
	/* The policy's range check says -ERANGE; a handler would say -EINVAL. */
	err = dlock_admin_set_node(self->adm, 0, 8);
	ASSERT_TRUE(err == -EINVAL || err == -ERANGE) TH_LOG("err %d", err);
	why = dlock_admin_last_error(self->adm);
	ASSERT_NE(NULL, why);
	ASSERT_NE(0, strlen(why));
	/* Printed, so a run's log shows what an administrator would read. */
	TH_LOG("kernel says: %s", why);
	/* Refused as a whole: the cell id in the same request did not stick. */
	st = status_of(_metadata, self->adm);
	ASSERT_EQ(5, st.node_id);
	ASSERT_EQ(6, st.cell_id);
	/* A later success clears the explanation. */
	ASSERT_EQ(0, dlock_admin_set_node(self->adm, 5, 6));
	ASSERT_EQ(NULL, dlock_admin_last_error(self->adm));
}

TEST_F(module, empty_configure_gets_kernel_explanation)
{
	struct dlock_node_conf conf = { 0 };

	REQUIRE_MODULE();
	ASSERT_EQ(-EINVAL, dlock_admin_configure(self->adm, &conf));
	ASSERT_NE(NULL, dlock_admin_last_error(self->adm));
}

TEST_F(module, configure_refuses_unknown_bits_and_reserved)
{
	struct dlock_node_conf conf = { 0 };
	struct dlock_status st;

	REQUIRE_MODULE();
	conf.set = DLOCK_CONF_NODE_ID | (1U << 31);
	conf.node_id = 9;
	ASSERT_EQ(-EINVAL, dlock_admin_configure(self->adm, &conf));
	ASSERT_NE(NULL, dlock_admin_last_error(self->adm));
	conf.set = DLOCK_CONF_NODE_ID;
	conf.reserved[7] = 1;
	ASSERT_EQ(-EINVAL, dlock_admin_configure(self->adm, &conf));
	ASSERT_NE(NULL, dlock_admin_last_error(self->adm));
	st = status_of(_metadata, self->adm);
	ASSERT_EQ(0, st.node_id);
}

TEST_F(module, handles_follow_their_own_netns)
{
	struct dlock_admin *inner;
	struct dlock_status st;

	REQUIRE_MODULE();
	/* self->adm stays bound to the namespace it was opened in. */
	ASSERT_EQ(0, dlock_admin_set_node(self->adm, 10, 1));
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ASSERT_EQ(0, dlock_admin_open(&inner));
	ASSERT_EQ(0, dlock_admin_set_node(inner, 20, 2));
	st = status_of(_metadata, self->adm);
	EXPECT_EQ(10, st.node_id);
	EXPECT_EQ(1, st.cell_id);
	st = status_of(_metadata, inner);
	EXPECT_EQ(20, st.node_id);
	EXPECT_EQ(2, st.cell_id);
	dlock_admin_close(inner);
}

TEST_F(module, set_node_without_cap_net_admin_is_eperm)
{
	struct dlock_status st;

	REQUIRE_MODULE();
	/* Dropping to nobody clears every capability. */
	ASSERT_EQ(0, setresgid(65534, 65534, 65534));
	ASSERT_EQ(0, setresuid(65534, 65534, 65534));
	ASSERT_EQ(-EPERM, dlock_admin_set_node(self->adm, 3, 3));
	/* Reading status needs no privilege. */
	st = status_of(_metadata, self->adm);
	ASSERT_EQ(0, st.node_id);
}

TEST_F(module, device_reports_this_netns_node)
{
	struct dlock_version ver;
	struct dlock_dev *dev;

	REQUIRE_MODULE();
	ASSERT_EQ(0, dlock_admin_set_node(self->adm, 77, 0));
	ASSERT_EQ(0, dlock_open(&dev));
	memset(&ver, 0xa5, sizeof(ver));
	ASSERT_EQ(0, dlock_version(dev, &ver));
	EXPECT_EQ(DLOCK_ABI_VERSION, ver.abi_version);
	EXPECT_EQ(77, ver.node_id);
	EXPECT_EQ(0, ver.reserved);
	EXPECT_EQ(-EINVAL, dlock_version(dev, NULL));
	dlock_close(dev);
}

TEST_F(module, device_fd_is_close_on_exec)
{
	struct dlock_dev *dev;
	int fd, flags;

	REQUIRE_MODULE();
	ASSERT_EQ(0, dlock_open(&dev));
	fd = dlock_fd(dev);
	ASSERT_LE(0, fd);
	flags = fcntl(fd, F_GETFD);
	ASSERT_LE(0, flags);
	EXPECT_TRUE(flags & FD_CLOEXEC);
	dlock_close(dev);
}

#define STATUS_THREADS	4

static void *status_worker(void *arg)
{
	struct dlock_admin *adm = arg;
	struct dlock_status st;
	long bad = 0;
	int i;

	for (i = 0; i < 100; i++)
		if (dlock_admin_status(adm, &st) || st.node_id != 12)
			bad++;
	return (void *)bad;
}

TEST_F(module, handles_in_threads_are_independent)
{
	struct dlock_admin *adm[STATUS_THREADS];
	pthread_t t[STATUS_THREADS];
	void *bad;
	int i;

	REQUIRE_MODULE();
	ASSERT_EQ(0, dlock_admin_set_node(self->adm, 12, 0));
	for (i = 0; i < STATUS_THREADS; i++) {
		ASSERT_EQ(0, dlock_admin_open(&adm[i]));
		ASSERT_EQ(0, pthread_create(&t[i], NULL, status_worker, adm[i]));
	}
	for (i = 0; i < STATUS_THREADS; i++) {
		ASSERT_EQ(0, pthread_join(t[i], &bad));
		EXPECT_EQ(NULL, bad);
		dlock_admin_close(adm[i]);
	}
}

/*
 * The lock calls on a node that is in no cell: the library refuses bad
 * arguments itself (-EINVAL, before any ioctl), the kernel answers the
 * rest (-ENOTCONN: no running node), and nothing ever blocks.
 */
TEST_F(module, lock_calls_check_arguments_and_need_a_cell)
{
	char longname[DLOCK_NAME_MAX + 1];
	uint8_t lvb[DLOCK_LVB_MAX + 1] = { 0 };
	struct dlock_grant g;
	struct dlock_event ev;
	struct dlock_dev *dev;
	uint32_t ls, ls2;
	uint64_t id;

	REQUIRE_MODULE();
	ASSERT_EQ(0, dlock_open(&dev));
	memset(longname, 'x', DLOCK_NAME_MAX);
	longname[DLOCK_NAME_MAX] = '\0';
	EXPECT_EQ(-EINVAL, dlock_ls_open(dev, "", &ls));
	EXPECT_EQ(-EINVAL, dlock_ls_open(dev, longname, &ls));
	EXPECT_EQ(-EINVAL, dlock_ls_open(NULL, "jobs", &ls));
	ASSERT_EQ(0, dlock_ls_open(dev, "jobs", &ls));
	EXPECT_NE(0, ls);
	/* The same name gives the same id; another name another one. */
	ASSERT_EQ(0, dlock_ls_open(dev, "jobs", &ls2));
	EXPECT_EQ(ls, ls2);
	ASSERT_EQ(0, dlock_ls_open(dev, "other", &ls2));
	EXPECT_NE(ls, ls2);

	EXPECT_EQ(-EINVAL, dlock_lock(dev, ls, "r", 0, DLOCK_MODE_EX, 0, 0, &g));
	EXPECT_EQ(-EINVAL, dlock_lock(dev, ls, longname, DLOCK_NAME_MAX + 1,
				      DLOCK_MODE_EX, 0, 0, &g));
	EXPECT_EQ(-EINVAL, dlock_lock(dev, ls, "r", 1, DLOCK_MODE_COUNT, 0, 0,
				      &g));
	EXPECT_EQ(-EINVAL, dlock_lock(dev, 0, "r", 1, DLOCK_MODE_EX, 0, 0, &g));
	/* Conversions and asynchronous requests have calls of their own. */
	EXPECT_EQ(-EINVAL, dlock_lock(dev, ls, "r", 1, DLOCK_MODE_EX,
				      DLOCK_LKF_ASYNC, 0, &g));
	EXPECT_EQ(-EINVAL, dlock_lock(dev, ls, "r", 1, DLOCK_MODE_EX,
				      DLOCK_LKF_CONVERT, 0, &g));
	EXPECT_EQ(-EINVAL, dlock_convert(dev, ls, "r", 1, 0, DLOCK_MODE_PR, 0,
					 0, NULL, 0, &g));
	EXPECT_EQ(-EINVAL, dlock_convert(dev, ls, "r", 1, 5, DLOCK_MODE_PR, 0,
					 0, lvb, 32, &g));
	EXPECT_EQ(-EINVAL, dlock_convert(dev, ls, "r", 1, 5, DLOCK_MODE_PR,
					 DLOCK_LKF_VALBLK, 0, lvb,
					 DLOCK_LVB_MAX + 1, &g));
	EXPECT_EQ(-EINVAL, dlock_lock_async(dev, ls, "r", 1, DLOCK_MODE_EX,
					    DLOCK_LKF_CONVERT, 1, &id));
	EXPECT_EQ(-EINVAL, dlock_unlock(dev, 0, NULL, 0));
	EXPECT_EQ(-EINVAL, dlock_unlock(dev, 5, lvb, 0));
	EXPECT_EQ(-EINVAL, dlock_unlock(dev, 5, NULL, 32));
	EXPECT_EQ(-EINVAL, dlock_unlock(dev, 5, lvb, DLOCK_LVB_MAX + 1));
	EXPECT_EQ(-EINVAL, dlock_cancel(dev, 0));
	EXPECT_EQ(-EINVAL, dlock_lock_info(dev, 0, &g));

	/* Well-formed, but this node is in no cell. */
	EXPECT_EQ(-ENOTCONN, dlock_lock(dev, ls, "r", 1, DLOCK_MODE_EX, 0, 0,
					&g));
	EXPECT_EQ(-ENOTCONN, dlock_trylock(dev, ls, "r", 1, DLOCK_MODE_PR, &g));
	EXPECT_EQ(-ENOTCONN, dlock_lock_async(dev, ls, "r", 1, DLOCK_MODE_EX,
					      0, 1, &id));
	EXPECT_EQ(-ENOTCONN, dlock_unlock(dev, 5, NULL, 0));
	EXPECT_EQ(-ENOENT, dlock_lock_info(dev, 5, &g));
	/* No events: a bounded wait comes back empty. */
	EXPECT_EQ(-EAGAIN, dlock_read_event(dev, &ev, 0));
	EXPECT_EQ(-EAGAIN, dlock_read_event(dev, &ev, 50));
	dlock_close(dev);
}

TEST(mode_names)
{
	EXPECT_STREQ("NL", dlock_mode_name(DLOCK_MODE_NL));
	EXPECT_STREQ("EX", dlock_mode_name(DLOCK_MODE_EX));
	EXPECT_STREQ("??", dlock_mode_name(DLOCK_MODE_COUNT));
	EXPECT_EQ(DLOCK_MODE_PR, dlock_mode_parse("pr"));
	EXPECT_EQ(DLOCK_MODE_PW, dlock_mode_parse("PW"));
	EXPECT_EQ(-EINVAL, dlock_mode_parse("XX"));
	EXPECT_EQ(-EINVAL, dlock_mode_parse(""));
	EXPECT_EQ(-EINVAL, dlock_mode_parse(NULL));
	EXPECT_STREQ("leader-change", dlock_event_name(DLOCK_EVENT_LEADER_CHANGE));
	EXPECT_STREQ("unknown", dlock_event_name(0));
}

/* Administration on a node that is not running: clear refusals. */
TEST_F(module, admin_lists_and_refusals_on_a_fresh_node)
{
	struct dlock_peer peer = { 0 }, *peers = (void *)1;
	struct dlock_counter *ctrs = NULL;
	size_t n = 99;

	REQUIRE_MODULE();
	ASSERT_EQ(0, dlock_admin_set_node(self->adm, 1, 5));
	ASSERT_EQ(0, dlock_admin_get_peers(self->adm, &peers, &n));
	EXPECT_EQ(0, n);
	EXPECT_EQ(NULL, peers);
	ASSERT_EQ(0, dlock_admin_get_counters(self->adm, &ctrs, &n));
	free(ctrs);
	/* The library refuses what the kernel would, saying why. */
	peer.id = 2;
	peer.family = AF_INET;
	peer.alive = 1;
	EXPECT_EQ(-EINVAL, dlock_admin_add_peer(self->adm, &peer));
	EXPECT_NE(NULL, dlock_admin_last_error(self->adm));
	peer.alive = 0;
	peer.family = 12345;
	EXPECT_EQ(-EAFNOSUPPORT, dlock_admin_add_peer(self->adm, &peer));
	peer.family = AF_INET;
	peer.id = 0;
	EXPECT_EQ(-EINVAL, dlock_admin_add_peer(self->adm, &peer));
	EXPECT_EQ(-EINVAL, dlock_admin_del_peer(self->adm, 0));
	EXPECT_EQ(-EINVAL, dlock_admin_add_lockspace(self->adm, "", 0, 64));
	/* A real peer goes in and comes back out. */
	peer.id = 2;
	peer.addr[0] = 10;
	peer.addr[3] = 2;
	ASSERT_EQ(0, dlock_admin_add_peer(self->adm, &peer));
	ASSERT_EQ(0, dlock_admin_get_peers(self->adm, &peers, &n));
	ASSERT_EQ(1, n);
	EXPECT_EQ(2, peers[0].id);
	EXPECT_EQ(AF_INET, peers[0].family);
	EXPECT_EQ(DLOCK_DEFAULT_PORT, peers[0].port);
	EXPECT_EQ(0, memcmp(peers[0].addr, peer.addr, 4));
	free(peers);
	EXPECT_EQ(-EEXIST, dlock_admin_add_peer(self->adm, &peer));
	ASSERT_EQ(0, dlock_admin_del_peer(self->adm, 2));
	EXPECT_EQ(-ENOENT, dlock_admin_del_peer(self->adm, 2));
	/* Lockspaces go through a running cell; this node is in none. */
	EXPECT_EQ(-ENOTCONN, dlock_admin_add_lockspace(self->adm, "jobs",
						       DLOCK_LS_CELL, 64));
}

TEST_HARNESS_MAIN
