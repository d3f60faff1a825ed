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

TEST(single_voter_commits_alone)
{
	struct tc_cluster *c = tc_new(1, 1, 1, NULL);
	u64 idx;

	ASSERT_NE(NULL, c);
	ASSERT_EQ(1, tc_wait_leader(c, 1000 * MS));
	idx = tc_propose(c, 1, 42);
	ASSERT_NE(0, idx);
	dl_raft_flush(c->n[1].r, c->now);
	EXPECT_EQ(idx, dl_raft_commit_index(c->n[1].r));
	EXPECT_EQ(42, c->n[1].sm[idx].val);
	EXPECT_EQ(0, c->violations) TH_LOG("%s", c->why);
	tc_free(c);
}

/*
 * All three nodes time out at the same instant (their first two random
 * draws are 0) and vote for themselves: a split vote.  Randomized timeouts
 * must then settle on one leader in a later term.
 */
TEST(dueling_candidates_resolve)
{
	struct dl_raft_config cfg = { .prevote = false, .check_quorum = true };
	struct tc_cluster *c = tc_new(3, 3, 11, &cfg);
	u32 i, leader;

	ASSERT_NE(NULL, c);
	/* recreate the nodes with the fixed draws in place */
	for (i = 1; i <= 3; i++) {
		tc_crash(c, i);
		c->n[i].fixed_random = 2;
		ASSERT_EQ(0, tc_start(c, i, true));
	}
	tc_run(c, 51 * MS);
	for (i = 1; i <= 3; i++) {
		EXPECT_EQ(DL_RAFT_CANDIDATE, dl_raft_role(c->n[i].r));
		EXPECT_EQ(1, dl_raft_term(c->n[i].r));
	}
	leader = tc_wait_leader(c, 3000 * MS);
	ASSERT_NE(0, leader);
	EXPECT_LE(2, dl_raft_term(c->n[leader].r));
	tc_run(c, 300 * MS);
	for (i = 1; i <= 3; i++)
		EXPECT_EQ(leader, dl_raft_leader(c->n[i].r));
	EXPECT_EQ(0, c->violations) TH_LOG("%s", c->why);
	tc_free(c);
}

TEST(replication_commits_everywhere_in_order)
{
	struct tc_cluster *c = tc_new(5, 5, 3, NULL);
	u32 leader, i, v = 0;
	u64 last = 0, appends;

	ASSERT_NE(NULL, c);
	leader = tc_wait_leader(c, 2000 * MS);
	ASSERT_NE(0, leader);
	appends = c->sent[DL_RAFT_MSG_APPEND];
	/* 600 proposals in bursts of 30: batched and pipelined */
	for (i = 0; i < 20; i++) {
		u32 k;

		for (k = 0; k < 30; k++) {
			last = tc_propose(c, leader, ++v);
			ASSERT_NE(0, last);
		}
		tc_run(c, 1 * MS);
	}
	ASSERT_TRUE(tc_wait_applied(c, last, 2000 * MS));
	for (i = 1; i <= 5; i++) {
		u64 k;
		u32 seen = 0;

		EXPECT_EQ(last, dl_raft_commit_index(c->n[i].r));
		for (k = 1; k <= last; k++)
			if (c->n[i].sm[k].type == DL_RAFT_ENTRY_NORMAL)
				EXPECT_EQ(++seen, c->n[i].sm[k].val);
		EXPECT_EQ(600, seen);
	}
	/* batching: far fewer APPENDs than entries times followers */
	EXPECT_GT(600 * 4 / 4, c->sent[DL_RAFT_MSG_APPEND] - appends);
	EXPECT_EQ(0, c->violations) TH_LOG("%s", c->why);
	tc_free(c);
}

TEST(replication_survives_loss_and_reordering)
{
	struct tc_cluster *c = tc_new(5, 5, 5, NULL);
	u32 leader = 0, i, v = 0;
	u64 last = 0;

	ASSERT_NE(NULL, c);
	c->drop_pct = 15;
	c->delay_min = 1 * MS;
	c->delay_max = 8 * MS;
	for (i = 0; i < 300; i++) {
		u64 idx;

		leader = tc_leader(c);
		if (leader) {
			idx = tc_propose(c, leader, ++v);
			if (idx)
				last = idx;
		}
		tc_run(c, 3 * MS);
	}
	c->drop_pct = 0;
	ASSERT_NE(0, last);
	ASSERT_NE(0, tc_wait_leader(c, 2000 * MS));
	leader = tc_leader(c);
	last = tc_propose(c, leader, ++v);
	ASSERT_NE(0, last);
	ASSERT_TRUE(tc_wait_applied(c, last, 3000 * MS));
	EXPECT_EQ(0, c->violations) TH_LOG("%s", c->why);
	tc_free(c);
}

/*
 * Figure 8 of the Raft paper.  An entry of an old term that ends up on a
 * majority is not committed by counting replicas: a leader of a later term
 * could still overwrite it (and here one does).  It may commit only with an
 * entry of the current leader's own term.
 */
static bool fig8_hold_entries;		/* drop every APPEND with entries */
static u32 fig8_cap_mask;		/* nodes (bit per id) capped... */
static u64 fig8_cap;			/* ...to entries up to this index */

static bool fig8_filter(struct tc_cluster *c, struct dl_raft_msg *m)
{
	(void)c;
	if (m->type != DL_RAFT_MSG_APPEND || !m->nr_entries)
		return true;
	if (fig8_hold_entries)
		return false;
	if (fig8_cap_mask & (1U << m->to)) {
		/* still delivered: the log check and its answer go on */
		if (m->index >= fig8_cap)
			m->nr_entries = 0;
		else if (m->index + m->nr_entries > fig8_cap)
			m->nr_entries = (u32)(fig8_cap - m->index);
	}
	return true;
}

TEST(figure8_old_term_not_committed_by_count)
{
	struct dl_raft_config cfg = { .prevote = true, .check_quorum = false };
	struct tc_cluster *c = tc_new(5, 5, 8, &cfg);
	u32 s1, s2 = 0, s3 = 0, s4 = 0, s5, l3, other, i, k;
	u64 x_idx, base, t1, t2, t3;

	ASSERT_NE(NULL, c);
	s1 = tc_wait_leader(c, 2000 * MS);
	ASSERT_NE(0, s1);
	tc_run(c, 100 * MS);
	base = dl_raft_commit_index(c->n[s1].r);
	s2 = s1 == 1 ? 2 : 1;
	/* (a) s1 leads term t1 and gets entry X only onto s2 */
	tc_isolate(c, s1, true);
	tc_cut(c, s1, s2, false);
	t1 = dl_raft_term(c->n[s1].r);
	x_idx = tc_propose(c, s1, 0xaaaa);
	ASSERT_EQ(base + 1, x_idx);
	tc_run(c, 20 * MS);
	EXPECT_EQ(base, dl_raft_commit_index(c->n[s1].r));
	EXPECT_EQ(x_idx, dl_raft_last_index(c->n[s2].r));
	/* (b) s1, s2 cut off; s5 wins term t2, its no-op stays home */
	tc_isolate(c, s2, true);
	c->filter = fig8_filter;
	fig8_hold_entries = true;
	s5 = 0;
	for (i = 0; i < 400 && (!s5 || s5 == s1); i++) {
		tc_run(c, 5 * MS);
		s5 = tc_leader(c);
	}
	ASSERT_TRUE(s5 && s5 != s1 && s5 != s2);
	t2 = dl_raft_term(c->n[s5].r);
	ASSERT_LT(t1, t2);
	EXPECT_EQ(x_idx, dl_raft_last_index(c->n[s5].r));
	for (i = 1, k = 0; i <= 5; i++) {
		if (i == s1 || i == s2 || i == s5)
			continue;
		if (k++ == 0)
			s3 = i;
		else
			s4 = i;
	}
	EXPECT_EQ(base, dl_raft_last_index(c->n[s3].r));
	/* (c) s5 goes; s1, s2 return with s3, s4, who take X but no more */
	tc_isolate(c, s5, true);
	tc_isolate(c, s1, false);
	tc_isolate(c, s2, false);
	tc_isolate(c, s5, true);
	fig8_hold_entries = false;
	fig8_cap_mask = 1U << s3 | 1U << s4;
	fig8_cap = x_idx;
	l3 = 0;
	for (i = 0; i < 400 && !l3; i++) {
		tc_run(c, 5 * MS);
		l3 = tc_leader(c);
		if (l3 == s5)
			l3 = 0;
	}
	ASSERT_TRUE(l3 == s1 || l3 == s2);
	other = l3 == s1 ? s2 : s1;
	t3 = dl_raft_term(c->n[l3].r);
	ASSERT_LT(t2, t3);
	tc_run(c, 200 * MS);
	/* X (term t1) is on four of five nodes, the t3 no-op on two */
	EXPECT_EQ(x_idx, dl_raft_peer_match(c->n[l3].r, s3));
	EXPECT_EQ(x_idx, dl_raft_peer_match(c->n[l3].r, s4));
	EXPECT_EQ(x_idx + 1, dl_raft_peer_match(c->n[l3].r, other));
	/* so counting replicas of X would commit it; Raft must not */
	EXPECT_EQ(base, dl_raft_commit_index(c->n[l3].r));
	EXPECT_EQ(base, c->n[l3].applied);
	/* (d) l3 and the other go; s5 returns, wins s3, s4 over X */
	tc_isolate(c, s1, true);
	tc_isolate(c, s2, true);
	tc_isolate(c, s5, false);
	tc_isolate(c, s1, true);
	tc_isolate(c, s2, true);
	c->filter = NULL;
	for (i = 0; i < 400 && tc_leader(c) != s5; i++)
		tc_run(c, 5 * MS);
	ASSERT_EQ(s5, tc_leader(c));
	/* everyone together: one history, in which s5's entry replaced X */
	tc_heal(c);
	tc_run(c, 100 * MS);
	i = tc_leader(c);
	ASSERT_NE(0, i);
	x_idx = tc_propose(c, i, 0xbbbb);
	ASSERT_NE(0, x_idx);
	ASSERT_TRUE(tc_wait_applied(c, x_idx, 2000 * MS));
	for (i = 1; i <= 5; i++) {
		EXPECT_EQ(t2, c->n[i].sm[base + 1].term);
		EXPECT_EQ(DL_RAFT_ENTRY_NOOP, c->n[i].sm[base + 1].type);
	}
	EXPECT_EQ(0, c->violations) TH_LOG("%s", c->why);
	tc_free(c);
}

/* PreVote: a node cut off for a long time returns without bumping terms. */
static void partitioned_return(struct __test_metadata *_metadata,
			       bool prevote)
{
	struct dl_raft_config cfg = { .prevote = prevote,
				      .check_quorum = true };
	struct tc_cluster *c = tc_new(3, 3, 21, &cfg);
	u32 leader, lost, i;
	u64 term;

	ASSERT_NE(NULL, c);
	leader = tc_wait_leader(c, 2000 * MS);
	ASSERT_NE(0, leader);
	term = dl_raft_term(c->n[leader].r);
	lost = leader == 1 ? 2 : 1;
	tc_isolate(c, lost, true);
	tc_run(c, 2000 * MS);
	if (prevote) {
		EXPECT_EQ(term, dl_raft_term(c->n[lost].r));
	} else {
		EXPECT_LT(term + 5, dl_raft_term(c->n[lost].r));
	}
	tc_isolate(c, lost, false);
	tc_run(c, 1000 * MS);
	if (prevote) {
		/* the leader and its term never changed */
		EXPECT_EQ(leader, tc_leader(c));
		for (i = 1; i <= 3; i++) {
			EXPECT_EQ(term, dl_raft_term(c->n[i].r));
			EXPECT_EQ(leader, dl_raft_leader(c->n[i].r));
		}
		EXPECT_EQ(1, c->n[leader].leaderships);
	} else {
		/* without PreVote the returning node's term deposed it */
		EXPECT_LT(term + 5, dl_raft_term(c->n[leader].r));
	}
	EXPECT_EQ(0, c->violations) TH_LOG("%s", c->why);
	tc_free(c);
}

TEST(prevote_keeps_returning_node_from_disrupting)
{
	partitioned_return(_metadata, true);
}

TEST(without_prevote_returning_node_disrupts)
{
	partitioned_return(_metadata, false);
}

static void isolated_leader(struct __test_metadata *_metadata, bool cq)
{
	struct dl_raft_config cfg = { .prevote = true, .check_quorum = cq };
	struct tc_cluster *c = tc_new(3, 3, 31, &cfg);
	u32 leader, other;

	ASSERT_NE(NULL, c);
	leader = tc_wait_leader(c, 2000 * MS);
	ASSERT_NE(0, leader);
	tc_run(c, 100 * MS);
	EXPECT_TRUE(dl_raft_lease_valid(c->n[leader].r, c->now));
	tc_isolate(c, leader, true);
	/* the lease is gone within lease_ms, before anyone else may lead */
	tc_run(c, 30 * MS);
	EXPECT_FALSE(dl_raft_lease_valid(c->n[leader].r, c->now));
	tc_run(c, 400 * MS);
	other = 0;
	for (u32 i = 1; i <= 3; i++)
		if (i != leader && dl_raft_role(c->n[i].r) == DL_RAFT_LEADER)
			other = i;
	EXPECT_NE(0, other);
	if (cq) {
		EXPECT_NE(DL_RAFT_LEADER, dl_raft_role(c->n[leader].r));
	} else {
		EXPECT_EQ(DL_RAFT_LEADER, dl_raft_role(c->n[leader].r));
	}
	EXPECT_FALSE(dl_raft_lease_valid(c->n[leader].r, c->now));
	EXPECT_EQ(0, c->violations) TH_LOG("%s", c->why);
	tc_free(c);
}

TEST(check_quorum_steps_isolated_leader_down)
{
	isolated_leader(_metadata, true);
}

TEST(without_check_quorum_isolated_leader_stays)
{
	isolated_leader(_metadata, false);
}

TEST(leader_crash_new_leader_has_committed_entries)
{
	struct tc_cluster *c = tc_new(5, 5, 41, NULL);
	u32 leader, next, i;
	u64 last = 0, committed;

	ASSERT_NE(NULL, c);
	leader = tc_wait_leader(c, 2000 * MS);
	ASSERT_NE(0, leader);
	for (i = 1; i <= 50; i++)
		last = tc_propose(c, leader, i);
	ASSERT_TRUE(tc_wait_applied(c, last, 1000 * MS));
	/* a few more that may or may not commit before the crash */
	for (i = 51; i <= 60; i++)
		tc_propose(c, leader, i);
	dl_raft_flush(c->n[leader].r, c->now);
	committed = dl_raft_commit_index(c->n[leader].r);
	tc_crash(c, leader);
	next = tc_wait_leader(c, 2000 * MS);
	ASSERT_NE(0, next);
	ASSERT_NE(leader, next);
	EXPECT_LE(committed, dl_raft_last_index(c->n[next].r));
	last = tc_propose(c, next, 1000);
	ASSERT_NE(0, last);
	ASSERT_TRUE(tc_wait_applied(c, last, 1000 * MS));
	/* every entry committed before the crash is applied, unchanged */
	for (i = 1; i <= 5; i++) {
		if (!c->n[i].up)
			continue;
		EXPECT_EQ(last, c->n[i].applied);
	}
	EXPECT_EQ(0, c->violations) TH_LOG("%s", c->why);
	tc_free(c);
}

TEST(lagging_follower_gets_snapshot)
{
	struct dl_raft_config cfg = { .prevote = true, .check_quorum = true,
				      .snapshot_threshold = 40,
				      .snapshot_trailing = 5 };
	struct tc_cluster *c = tc_new(3, 3, 51, &cfg);
	u32 leader, lag, i;
	u64 last = 0;
	struct dl_raft_status st;

	ASSERT_NE(NULL, c);
	leader = tc_wait_leader(c, 2000 * MS);
	ASSERT_NE(0, leader);
	lag = leader == 3 ? 2 : 3;
	tc_isolate(c, lag, true);
	for (i = 1; i <= 300; i++) {
		last = tc_propose(c, leader, i);
		ASSERT_NE(0, last);
		if (i % 16 == 0)
			tc_run(c, 2 * MS);
	}
	tc_run(c, 50 * MS);
	dl_raft_status(c->n[leader].r, &st);
	ASSERT_LT(dl_raft_last_index(c->n[lag].r) + 1, st.first_index);
	ASSERT_LE(st.first_index, st.snapshot_index + 1);
	EXPECT_EQ(0, c->n[lag].snapshots_loaded);
	tc_isolate(c, lag, false);
	ASSERT_TRUE(tc_wait_applied(c, last, 2000 * MS));
	EXPECT_EQ(1, c->n[lag].snapshots_loaded);
	EXPECT_LT(0, c->sent[DL_RAFT_MSG_SNAPSHOT]);
	/* it holds the same state as the leader */
	for (i = 1; i <= last; i++) {
		EXPECT_EQ(c->n[leader].sm[i].term, c->n[lag].sm[i].term);
		EXPECT_EQ(c->n[leader].sm[i].val, c->n[lag].sm[i].val);
	}
	EXPECT_EQ(0, c->violations) TH_LOG("%s", c->why);
	tc_free(c);
}

TEST_HARNESS_MAIN
