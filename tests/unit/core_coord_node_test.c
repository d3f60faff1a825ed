// SPDX-License-Identifier: GPL-2.0
/*
 * core_coord_node_test.c - the slides' algorithms in live nodes
 * (classic.c): cells of three to five voters electing with Bully or Ring
 * and locking through the coordinator (3 messages per acquire + release
 * from a follower, held locks kept across a failover, tokens above the
 * old ones), and "ra" lockspaces (2(n - 1) messages per acquire, one
 * holder at a time), over the node layer's own datagrams.  The harness is
 * core_node_test.c's.
 */
#include <stdio.h>
#include <stdlib.h>

#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#include "env_unit.h"
#include "counters.h"
#include "node.h"
#include "wire_classic.h"

#include "node_cell.h"

static int lock(struct cell *c, int i, u64 owner, const char *res, u32 mode,
		u32 flags, u32 timeout_ms, u64 *lock_id)
{
	struct dl_lock_args a = {
		.owner = owner, .cookie = owner * 10,
		.lockspace = (const u8 *)LS, .ls_len = strlen(LS),
		.resource = (const u8 *)res, .res_len = strlen(res),
		.mode = mode, .flags = flags, .timeout_ms = timeout_ms,
	};
	u64 req;

	return dl_node_lock(c->node[i], &a, &req, lock_id);
}


static u64 ops_sent(struct cell *c, u8 type)
{
	u64 sum = 0;
	int i;

	for (i = 0; i < c->n; i++)
		if (c->node[i])
			sum += dl_node_counters(c->node[i])->tx_ops[type];
	return sum;
}

static u64 coord_ops(struct cell *c)
{
	return ops_sent(c, DL_OP_COORD_BASE + DL_COORD_REQUEST) +
	       ops_sent(c, DL_OP_COORD_BASE + DL_COORD_GRANT) +
	       ops_sent(c, DL_OP_COORD_BASE + DL_COORD_RELEASE);
}

/* Every live node follows @id. */
static bool all_follow(struct cell *c, u32 id)
{
	struct dl_node_status st;
	int i;

	for (i = 0; i < c->n; i++) {
		if (!c->node[i] || c->cut[i])
			continue;
		dl_node_get_status(c->node[i], &st);
		if (st.leader_id != id)
			return false;
	}
	return true;
}

static const u32 algos[] = { DL_ELECT_BULLY, DL_ELECT_RING };

TEST(coordinator_cells_elect_the_highest_and_lock_in_three)
{
	struct dl_node_status st;
	u64 l1, l3, before;
	struct cell *c;
	int k;

	for (k = 0; k < 2; k++) {
		cell_election = algos[k];
		c = cell_new(5, 0);
		run_ms(c, 3000);
		ASSERT_TRUE(all_follow(c, 5));
		dl_node_get_status(c->node[4], &st);
		EXPECT_EQ(DL_STATE_LEADER, st.state);
		EXPECT_EQ(algos[k], st.election);
		EXPECT_LT(0, dl_node_counters(c->node[0])->elections +
			     dl_node_counters(c->node[4])->elections);
		/* a follower's acquire + release: REQUEST, GRANT, RELEASE */
		before = coord_ops(c);
		ASSERT_EQ(0, lock(c, 0, 1, "r", DL_MODE_EX, 0, 0, &l1));
		run_ms(c, 50);
		ASSERT_NE(NULL, find_ev(c, 0, DL_LEV_GRANTED, l1));
		EXPECT_LE(1ULL << 32, find_ev(c, 0, DL_LEV_GRANTED, l1)->ev.token);
		ASSERT_EQ(0, dl_node_unlock(c->node[0], 1, l1, NULL, 0));
		run_ms(c, 50);
		EXPECT_NE(NULL, find_ev(c, 0, DL_LEV_UNLOCKED, l1));
		EXPECT_EQ(3, coord_ops(c) - before);
		/* the coordinator's own: no message */
		before = coord_ops(c);
		ASSERT_EQ(0, lock(c, 4, 9, "r", DL_MODE_EX, 0, 0, &l3));
		run_ms(c, 10);
		EXPECT_NE(NULL, find_ev(c, 4, DL_LEV_GRANTED, l3));
		ASSERT_EQ(0, dl_node_unlock(c->node[4], 9, l3, NULL, 0));
		run_ms(c, 10);
		EXPECT_EQ(0, coord_ops(c) - before);
		cell_free(c);
	}
}

/*
 * Contention, then the coordinator's link goes: the survivors elect the
 * next id, which rebuilds from their REPORTs: the holder keeps its lock,
 * and the waiter gets it after the release with a higher token.
 */
TEST(failover_keeps_held_locks_and_tokens_advance)
{
	const struct rec_ev *g1, *g2;
	u64 l1, l2;
	struct cell *c;
	int k;

	for (k = 0; k < 2; k++) {
		cell_election = algos[k];
		c = cell_new(3, 0);
		run_ms(c, 3000);
		ASSERT_TRUE(all_follow(c, 3));
		ASSERT_EQ(0, lock(c, 0, 1, "r", DL_MODE_EX, 0, 0, &l1));
		run_ms(c, 50);
		ASSERT_EQ(0, lock(c, 1, 2, "r", DL_MODE_EX, 0, 0, &l2));
		run_ms(c, 50);
		g1 = find_ev(c, 0, DL_LEV_GRANTED, l1);
		ASSERT_NE(NULL, g1);
		EXPECT_EQ(NULL, find_ev(c, 1, DL_LEV_GRANTED, l2));
		c->cut[2] = true;
		run_ms(c, 3000);
		ASSERT_TRUE(all_follow(c, 2));
		EXPECT_EQ(NULL, find_ev(c, 0, DL_LEV_REVOKED, l1));
		EXPECT_EQ(NULL, find_ev(c, 1, DL_LEV_GRANTED, l2));
		ASSERT_EQ(0, dl_node_unlock(c->node[0], 1, l1, NULL, 0));
		run_ms(c, 100);
		g2 = find_ev(c, 1, DL_LEV_GRANTED, l2);
		ASSERT_NE(NULL, g2);
		EXPECT_LT(g1->ev.token, g2->ev.token);
		cell_free(c);
	}
}

TEST(coordinator_cells_refuse_what_they_cannot_do)
{
	struct dl_lock_args a = {
		.owner = 1, .lockspace = (const u8 *)LS, .ls_len = 2,
		.resource = (const u8 *)"r", .res_len = 1, .mode = DL_MODE_EX,
	};
	u8 long_name[DL_NODE_NAME_MAX];
	u64 req, l1, l2;
	struct cell *c;

	cell_election = DL_ELECT_BULLY;
	c = cell_new(3, 0);
	run_ms(c, 3000);
	ASSERT_EQ(0, lock(c, 0, 1, "r", DL_MODE_EX, 0, 0, &l1));
	run_ms(c, 50);
	a.flags = DL_LKF_CONVERT;
	a.lock_id = l1;
	a.mode = DL_MODE_PR;
	EXPECT_EQ(-EOPNOTSUPP, dl_node_lock(c->node[0], &a, &req, &l2));
	a.flags = DL_LKF_NOQUEUE;
	EXPECT_EQ(-EOPNOTSUPP, dl_node_lock(c->node[0], &a, &req, &l2));
	a.flags = 0;
	memset(long_name, 'x', sizeof(long_name));
	a.resource = long_name;
	a.res_len = sizeof(long_name);
	EXPECT_EQ(-ENAMETOOLONG, dl_node_lock(c->node[0], &a, &req, &l2));
	EXPECT_EQ(-EPERM, dl_node_unlock(c->node[0], 2, l1, NULL, 0));
	EXPECT_EQ(-EOPNOTSUPP, dl_node_unlock(c->node[0], 1, l1,
					      (const u8 *)"v", 1));
	EXPECT_EQ(-EALREADY, dl_node_cancel(c->node[0], 1, l1));
	/* members need a replicated lock table: Raft cells only */
	EXPECT_EQ(-EOPNOTSUPP, dl_node_peer_add(c->node[0], 100,
						DL_NODE_MEMBER));
	/* a second local owner queues on the node; cancel takes it out */
	ASSERT_EQ(0, lock(c, 0, 2, "r", DL_MODE_EX, 0, 0, &l2));
	run_ms(c, 50);
	EXPECT_EQ(NULL, find_ev(c, 0, DL_LEV_GRANTED, l2));
	EXPECT_EQ(-EBUSY, dl_node_unlock(c->node[0], 2, l2, NULL, 0));
	EXPECT_EQ(0, dl_node_cancel(c->node[0], 2, l2));
	run_ms(c, 10);
	EXPECT_EQ(-ECANCELED, find_ev(c, 0, DL_LEV_FAILED, l2)->ev.status);
	/* a timeout on a waiter fails it; then the holder's owner goes */
	ASSERT_EQ(0, lock(c, 1, 3, "r", DL_MODE_EX, 0, 100, &l2));
	run_ms(c, 200);
	EXPECT_EQ(-ETIMEDOUT, find_ev(c, 1, DL_LEV_FAILED, l2)->ev.status);
	ASSERT_EQ(0, dl_node_release_owner(c->node[0], 1));
	EXPECT_EQ(-ENOENT, dl_node_unlock(c->node[0], 1, l1, NULL, 0));
	ASSERT_EQ(0, lock(c, 1, 4, "r", DL_MODE_EX, 0, 0, &l2));
	run_ms(c, 100);
	EXPECT_NE(NULL, find_ev(c, 1, DL_LEV_GRANTED, l2));
	cell_free(c);
}

static void ra_declare_all(struct __test_metadata *_metadata, struct cell *c)
{
	u64 req;
	int i;

	for (i = 0; i < c->n; i++) {
		ASSERT_EQ(0, dl_node_ls_create(c->node[i], (const u8 *)"ra", 2,
					       1, 32, 0, 5, &req));
		EXPECT_EQ(-EEXIST, dl_node_ls_create(c->node[i],
						     (const u8 *)"ra", 2, 1,
						     32, 0, 5, &req));
	}
	run_ms(c, 10);
	for (i = 0; i < c->n; i++)
		EXPECT_EQ(0, find_ev(c, i, DL_LEV_DONE, 0)->ev.status);
}

static int ra_lock(struct cell *c, int i, u64 owner, u32 mode, u64 *lock_id)
{
	struct dl_lock_args a = {
		.owner = owner, .cookie = owner,
		.lockspace = (const u8 *)"ra", .ls_len = 2,
		.resource = (const u8 *)"r", .res_len = 1, .mode = mode,
	};
	u64 req;

	return dl_node_lock(c->node[i], &a, &req, lock_id);
}

/* Ricart-Agrawala in a Raft cell: 2(n - 1) per acquire, one at a time. */
TEST(ra_lockspace_excludes_and_counts)
{
	u64 l[3], before, rel;
	struct cell *c;
	int i, held, round;

	cell_election = DL_ELECT_RAFT;
	c = cell_new(3, 0);
	run_ms(c, 2000);
	ra_declare_all(_metadata, c);
	EXPECT_EQ(-EOPNOTSUPP, ra_lock(c, 0, 1, DL_MODE_PR, &l[0]));
	before = ops_sent(c, DL_OP_RA_BASE + DL_RA_REQUEST) +
		 ops_sent(c, DL_OP_RA_BASE + DL_RA_REPLY);
	ASSERT_EQ(0, ra_lock(c, 0, 1, DL_MODE_EX, &l[0]));
	run_ms(c, 20);
	ASSERT_NE(NULL, find_ev(c, 0, DL_LEV_GRANTED, l[0]));
	EXPECT_EQ(4, ops_sent(c, DL_OP_RA_BASE + DL_RA_REQUEST) +
		     ops_sent(c, DL_OP_RA_BASE + DL_RA_REPLY) - before);
	before += 4;
	ASSERT_EQ(0, dl_node_unlock(c->node[0], 1, l[0], NULL, 0));
	run_ms(c, 20);
	rel = ops_sent(c, DL_OP_RA_BASE + DL_RA_REQUEST) +
	      ops_sent(c, DL_OP_RA_BASE + DL_RA_REPLY) - before;
	EXPECT_EQ(0, rel);
	/* all three want it: exactly one holds at any time, each in turn */
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, ra_lock(c, i, 10 + i, DL_MODE_EX, &l[i]));
	for (round = 0; round < 3; round++) {
		int who = -1;

		run_ms(c, 30);
		held = 0;
		for (i = 0; i < 3; i++) {
			if (l[i] && find_ev(c, i, DL_LEV_GRANTED, l[i])) {
				held++;
				who = i;
			}
		}
		ASSERT_EQ(1, held);
		/* a holder longer than RA's window stays the only one */
		run_ms(c, 3000);
		held = 0;
		for (i = 0; i < 3; i++)
			if (l[i] && find_ev(c, i, DL_LEV_GRANTED, l[i]))
				held++;
		ASSERT_EQ(1, held);
		ASSERT_EQ(0, dl_node_unlock(c->node[who], 10 + who, l[who],
					    NULL, 0));
		l[who] = 0;
	}
	EXPECT_LT(0, ops_sent(c, DL_OP_RA_BASE + DL_RA_DEFER));
	cell_free(c);
}

/* A node that dies while others wait is taken out of their sets. */
TEST(ra_survives_a_crashed_voter)
{
	u64 l0, l1;
	struct cell *c;

	cell_election = DL_ELECT_RAFT;
	c = cell_new(3, 0);
	run_ms(c, 2000);
	ra_declare_all(_metadata, c);
	c->cut[2] = true;
	ASSERT_EQ(0, ra_lock(c, 0, 1, DL_MODE_EX, &l0));
	ASSERT_EQ(0, ra_lock(c, 1, 2, DL_MODE_EX, &l1));
	run_ms(c, 200);
	EXPECT_EQ(NULL, find_ev(c, 0, DL_LEV_GRANTED, l0));
	run_ms(c, 5000);
	EXPECT_EQ(1, !!find_ev(c, 0, DL_LEV_GRANTED, l0) +
		     !!find_ev(c, 1, DL_LEV_GRANTED, l1));
	cell_free(c);
}

TEST_HARNESS_MAIN
