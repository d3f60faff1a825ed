// SPDX-License-Identifier: GPL-2.0
/*
 * core_raft_test.c - Raft (kmod/core/raft*.c) driven as whole cells through
 * core_raft_cluster.h: elections, replication, safety corner cases.
 */
/* the harness's macros trip these; the code under test is built strict */
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"

#include "core_raft_cluster.h"

static void elect_one(struct __test_metadata *_metadata, u32 nr)
{
	struct tc_cluster *c = tc_new(nr, nr, 7 + nr, NULL);
	u32 leader, i, leaders = 0;

	ASSERT_NE(NULL, c);
	leader = tc_wait_leader(c, 2000 * MS);
	ASSERT_NE(0, leader);
	tc_run(c, 500 * MS);
	for (i = 1; i <= nr; i++) {
		if (dl_raft_role(c->n[i].r) == DL_RAFT_LEADER)
			leaders++;
		EXPECT_EQ(leader, dl_raft_leader(c->n[i].r));
		EXPECT_EQ(dl_raft_term(c->n[leader].r),
			  dl_raft_term(c->n[i].r));
		/* the leader's no-op is committed and applied everywhere */
		EXPECT_LE(1, c->n[i].applied);
	}
	EXPECT_EQ(1, leaders);
	EXPECT_TRUE(dl_raft_lease_valid(c->n[leader].r, c->now));
	EXPECT_EQ(0, c->violations) TH_LOG("%s", c->why);
	tc_free(c);
}

TEST(single_leader_3)
{
	elect_one(_metadata, 3);
}

TEST(single_leader_5)
{
	elect_one(_metadata, 5);
}

TEST(single_leader_7)
{
	elect_one(_metadata, 7);
}

TEST_HARNESS_MAIN
