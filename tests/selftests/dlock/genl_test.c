// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink selftests of the "dlock" family over a raw netlink socket
 * (genl_util.c; no libnl): family resolution, GET_STATUS, SET_NODE's
 * validation, per-namespace isolation and the CAP_NET_ADMIN check.
 *
 * Each test runs in its own fresh network namespace (the harness forks each
 * test), so none changes the node of the namespace it was started from.
 * Needs root and the dlock module loaded.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

#include <linux/dlock.h>
#include <linux/genetlink.h>

#include "genl_util.h"
#include "fail_self.h"
#include "kselftest_harness.h"

/* failslab.sh: failures in each test, not the harness (fail_self.h). */
FAIL_SELF_IN_TESTS();

FIXTURE(fresh_netns) {
	struct dl_genl g;
};

FIXTURE_SETUP(fresh_netns)
{
	ASSERT_EQ(0, unshare(CLONE_NEWNET)) {
		TH_LOG("unshare(CLONE_NEWNET): %s", strerror(errno));
	}
	ASSERT_EQ(0, dl_genl_open(&self->g)) {
		TH_LOG("cannot resolve genetlink family \"%s\" (is dlock.ko loaded?)",
		       DLOCK_GENL_NAME);
	}
}

FIXTURE_TEARDOWN(fresh_netns)
{
	dl_genl_close(&self->g);
}

TEST(family_resolves)
{
	struct dl_genl g;

	ASSERT_EQ(0, dl_genl_open(&g));
	EXPECT_NE(0, g.family);
	EXPECT_NE(GENL_ID_CTRL, g.family);
	/* The resolver must tell a missing family apart (names < 16 bytes). */
	EXPECT_EQ(-ENOENT, dl_genl_resolve(&g, "dlock-nonexist"));
	dl_genl_close(&g);
}

TEST_F(fresh_netns, get_status_of_new_node)
{
	struct dl_status st;

	ASSERT_EQ(0, dl_genl_get_status(&self->g, &st));
	ASSERT_TRUE(st.has_abi_version);
	EXPECT_EQ(DLOCK_ABI_VERSION, st.abi_version);
	ASSERT_TRUE(st.has_node_id);
	EXPECT_EQ(0, st.node_id);
	ASSERT_TRUE(st.has_state);
	EXPECT_EQ(DLOCK_STATE_UNCONFIGURED, st.state);
}

TEST_F(fresh_netns, set_node_zero_is_einval)
{
	struct dl_status st;

	EXPECT_EQ(-EINVAL, dl_genl_set_node(&self->g, 0)) {
		TH_LOG("extack: %s", self->g.extack);
	}
	/* Refused input changes nothing. */
	ASSERT_EQ(0, dl_genl_get_status(&self->g, &st));
	EXPECT_EQ(0, st.node_id);
}

TEST_F(fresh_netns, set_node_then_status)
{
	struct dl_status st;

	ASSERT_EQ(0, dl_genl_set_node(&self->g, 7)) {
		TH_LOG("extack: %s", self->g.extack);
	}
	ASSERT_EQ(0, dl_genl_get_status(&self->g, &st));
	EXPECT_EQ(7, st.node_id);
	EXPECT_EQ(DLOCK_ABI_VERSION, st.abi_version);

	/* A second SET_NODE replaces the id; a bad one leaves it. */
	ASSERT_EQ(0, dl_genl_set_node(&self->g, 0xfffffff0u));
	ASSERT_EQ(0, dl_genl_get_status(&self->g, &st));
	EXPECT_EQ(0xfffffff0u, st.node_id);
	EXPECT_NE(0, dl_genl_set_node(&self->g, 0));
	ASSERT_EQ(0, dl_genl_get_status(&self->g, &st));
	EXPECT_EQ(0xfffffff0u, st.node_id);
}

/*
 * A netlink socket stays in the namespace it was created in: keep one from
 * namespace A, move to a new namespace B, and set B's node there.
 */
TEST_F(fresh_netns, set_node_is_per_netns)
{
	struct dl_genl g_b;
	struct dl_status st;

	ASSERT_EQ(0, dl_genl_set_node(&self->g, 7));
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ASSERT_EQ(0, dl_genl_open(&g_b));

	ASSERT_EQ(0, dl_genl_get_status(&g_b, &st));
	EXPECT_EQ(0, st.node_id);
	ASSERT_EQ(0, dl_genl_set_node(&g_b, 9));
	ASSERT_EQ(0, dl_genl_get_status(&g_b, &st));
	EXPECT_EQ(9, st.node_id);

	ASSERT_EQ(0, dl_genl_get_status(&self->g, &st));
	EXPECT_EQ(7, st.node_id);
	dl_genl_close(&g_b);
}

TEST_F(fresh_netns, set_node_needs_cap_net_admin)
{
	struct dl_genl g_user;
	struct dl_status st;

	ASSERT_EQ(0, dl_genl_set_node(&self->g, 3));
	ASSERT_EQ(0, dl_drop_net_admin());
	/* A socket opened without the capability, too. */
	ASSERT_EQ(0, dl_genl_open(&g_user));

	EXPECT_EQ(-EPERM, dl_genl_set_node(&g_user, 4));
	EXPECT_EQ(-EPERM, dl_genl_set_node(&self->g, 4));
	/* Status is not secret: reading it needs no capability. */
	ASSERT_EQ(0, dl_genl_get_status(&g_user, &st));
	EXPECT_EQ(3, st.node_id);
	dl_genl_close(&g_user);
}

TEST_HARNESS_MAIN
