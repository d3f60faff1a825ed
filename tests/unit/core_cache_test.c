// SPDX-License-Identifier: GPL-2.0
/*
 * core_cache_test.c - the node-level grant cache (kmod/core/cache.c) end to
 * end, in a cell of three voters and a member wired by an in-test queue on
 * a manual clock (the same harness as core_node_test.c), with the
 * lockspace created with caching on.  Re-taking a cached lock sends no
 * datagram; BLOCKING takes an idle cached lock away, or drains a held one
 * after its last local owner; tokens increase across local and remote
 * grants; the value block written locally reaches the other node; local
 * NOQUEUE, timeout, cancel, conversion deadlock; idle expiry; lease loss.
 */
#include <stdio.h>
#include <stdlib.h>

#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#include "env_unit.h"
#include "counters.h"
#include "locktable.h"
#include "node.h"
#include "wire.h"

#include "node_cell.h"

/* 5 s of hold limit in rounds of 100 ms, and some room */
#define DL_NODE_MEMBER_HOLD_TEST_ROUNDS	60


static __attribute__((unused)) int follower_idx(struct cell *c, int not)
{
	int i;

	for (i = 0; i < c->n; i++)
		if (c->voter[i] && i != leader_idx(c) && i != not)
			return i;
	return -1;
}

/* Sum over every node of the ops charged to @cause. */
static __attribute__((unused)) u64 cause_ops(struct cell *c, int cause)
{
	u64 sum = 0;
	int i;

	for (i = 0; i < c->n; i++)
		sum += dl_node_counters(c->node[i])->cause_ops[cause];
	return sum;
}

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

/* A cell with a leader and lockspace LS, every lease established. */
static struct cell *cell_ready(struct __test_metadata *_metadata, int voters,
			       int members)
{
	struct cell *c = cell_new(voters, members);
	u64 req;
	int l;

	run_ms(c, 2000);
	l = leader_idx(c);
	if (l < 0)
		return c;
	dl_node_ls_create(c->node[l], (const u8 *)LS, strlen(LS), 0, 32,
			  DL_NODE_LS_CACHE, 7, &req);
	run_ms(c, 200);
	EXPECT_NE(NULL, find_ev(c, l, DL_LEV_DONE, 0));
	EXPECT_EQ(0, find_ev(c, l, DL_LEV_DONE, 0)->ev.status);
	return c;
}

static const struct rec_ev *last_ev(struct cell *c, int i, u32 type,
				    u64 lock_id)
{
	int k;

	for (k = c->nev[i] - 1; k >= 0; k--)
		if (c->ev[i][k].ev.type == type &&
		    (!lock_id || c->ev[i][k].ev.lock_id == lock_id))
			return &c->ev[i][k];
	return NULL;
}

static const struct dl_counters *ctr(struct cell *c, int i)
{
	return dl_node_counters(c->node[i]);
}

/* Lock, wait for the grant, return its token (0 when not granted). */
static u64 take(struct cell *c, int i, u64 owner, const char *res, u32 mode,
		u32 flags, u64 *lock_id)
{
	const struct rec_ev *g;

	if (lock(c, i, owner, res, mode, flags, 0, lock_id))
		return 0;
	run_ms(c, 100);
	g = last_ev(c, i, DL_LEV_GRANTED, *lock_id);
	return g ? g->ev.token : 0;
}

static void fail_off(void)
{
	memset(&unit_fail_alloc, 0, sizeof(unit_fail_alloc));
}

static int other_follower(struct cell *c, int f)
{
	return follower_idx(c, f);
}

TEST(retake_of_cached_lock_sends_no_datagram)
{
	struct cell *c = cell_ready(_metadata, 3, 1);
	int nodes[2] = { follower_idx(c, -1), 3 }, n;

	for (n = 0; n < 2; n++) {
		int i = nodes[n], k;
		u64 lk, tx, grants, prev;

		/* the member learns the setting from its first grant */
		ASSERT_NE(0, take(c, i, 1, "r", DL_MODE_EX, 0, &lk));
		EXPECT_GE(last_ev(c, i, DL_LEV_GRANTED, lk)->ev.token,
			  1ULL << 20);
		ASSERT_EQ(0, dl_node_unlock(c->node[i], 1, lk, NULL, 0));
		prev = take(c, i, 1, "r", DL_MODE_EX, 0, &lk);
		ASSERT_NE(0, prev);
		ASSERT_EQ(0, dl_node_unlock(c->node[i], 1, lk, NULL, 0));
		run_ms(c, 10);
		c->nev[i] = 0;
		tx = ctr(c, i)->tx_datagrams;
		grants = ctr(c, i)->cache_grants;
		for (k = 0; k < 100; k++) {
			const struct rec_ev *g;
			u64 owner = 2 + k % 3;

			ASSERT_EQ(0, lock(c, i, owner, "r", DL_MODE_EX, 0, 0,
					  &lk));
			settle(c);	/* no time passes */
			g = last_ev(c, i, DL_LEV_GRANTED, lk);
			ASSERT_NE(NULL, g);
			EXPECT_GT(g->ev.token, prev);
			prev = g->ev.token;
			ASSERT_EQ(0, dl_node_unlock(c->node[i], owner, lk,
						    NULL, 0));
			settle(c);
			ASSERT_NE(NULL, last_ev(c, i, DL_LEV_UNLOCKED, lk));
		}
		EXPECT_EQ(tx, ctr(c, i)->tx_datagrams);
		EXPECT_EQ(grants + 100, ctr(c, i)->cache_grants);
		/* owners that only had cached grants leave without a word */
		ASSERT_EQ(0, dl_node_release_owner(c->node[i], 3));
		settle(c);
		EXPECT_EQ(tx, ctr(c, i)->tx_datagrams);
		/*
		 * Owner 1's first lock on the member went to the cell (the
		 * member did not know the setting yet): it is released there.
		 * On the voter it never left the node.
		 */
		ASSERT_EQ(0, dl_node_release_owner(c->node[i], 1));
		settle(c);
		EXPECT_EQ(n == 1, tx < ctr(c, i)->tx_datagrams);
	}
	cell_free(c);
}

TEST(blocking_drops_idle_cached_lock)
{
	struct cell *c = cell_ready(_metadata, 3, 0);
	int a = follower_idx(c, -1), b = other_follower(c, a);
	u64 la, lb, ta, tb, ta2;

	ta = take(c, a, 1, "r", DL_MODE_EX, 0, &la);
	ASSERT_NE(0, ta);
	ASSERT_EQ(0, dl_node_unlock(c->node[a], 1, la, NULL, 0));
	run_ms(c, 100);
	EXPECT_EQ(0, ctr(c, a)->cache_drops);
	tb = take(c, b, 2, "r", DL_MODE_EX, 0, &lb);
	ASSERT_NE(0, tb);
	EXPECT_GT(tb, ta);
	EXPECT_EQ(1, ctr(c, a)->cache_drops);
	EXPECT_GE(ctr(c, a)->cache_blocked, 1);
	/* a must ask the cell again and wait for b */
	ASSERT_EQ(0, lock(c, a, 1, "r", DL_MODE_EX, 0, 0, &la));
	run_ms(c, 200);
	EXPECT_EQ(NULL, last_ev(c, a, DL_LEV_GRANTED, la));
	ASSERT_EQ(0, dl_node_unlock(c->node[b], 2, lb, NULL, 0));
	run_ms(c, 200);
	ASSERT_NE(NULL, last_ev(c, a, DL_LEV_GRANTED, la));
	ta2 = last_ev(c, a, DL_LEV_GRANTED, la)->ev.token;
	EXPECT_GT(ta2, tb);
	cell_free(c);
}

TEST(blocking_while_held_releases_after_last_local_owner)
{
	struct cell *c = cell_ready(_metadata, 3, 0);
	int a = follower_idx(c, -1), b = other_follower(c, a);
	u64 l1, l2, l3, l4, t1, t3, t2;

	t1 = take(c, a, 1, "r", DL_MODE_EX, 0, &l1);
	ASSERT_NE(0, t1);
	ASSERT_EQ(0, lock(c, a, 2, "r", DL_MODE_PR, 0, 0, &l2));
	ASSERT_EQ(0, lock(c, b, 3, "r", DL_MODE_EX, 0, 0, &l3));
	run_ms(c, 200);
	EXPECT_EQ(NULL, last_ev(c, b, DL_LEV_GRANTED, l3));
	EXPECT_EQ(NULL, last_ev(c, a, DL_LEV_GRANTED, l2));
	ASSERT_NE(NULL, last_ev(c, a, DL_LEV_BLOCKING, l1));
	/* draining: a new local request queues behind the remote one */
	ASSERT_EQ(0, lock(c, a, 4, "other-r", DL_MODE_EX, 0, 0, &l4));
	run_ms(c, 100);
	EXPECT_NE(NULL, last_ev(c, a, DL_LEV_GRANTED, l4));
	ASSERT_EQ(0, dl_node_unlock(c->node[a], 1, l1, NULL, 0));
	run_ms(c, 200);
	ASSERT_NE(NULL, last_ev(c, b, DL_LEV_GRANTED, l3));
	t3 = last_ev(c, b, DL_LEV_GRANTED, l3)->ev.token;
	EXPECT_GT(t3, t1);
	EXPECT_EQ(NULL, last_ev(c, a, DL_LEV_GRANTED, l2));
	ASSERT_EQ(0, dl_node_unlock(c->node[b], 3, l3, NULL, 0));
	run_ms(c, 200);
	ASSERT_NE(NULL, last_ev(c, a, DL_LEV_GRANTED, l2));
	t2 = last_ev(c, a, DL_LEV_GRANTED, l2)->ev.token;
	EXPECT_GT(t2, t3);
	cell_free(c);
}

TEST(tokens_increase_across_local_and_cell_grants)
{
	struct cell *c = cell_ready(_metadata, 3, 0);
	int a = follower_idx(c, -1);
	u64 l1, l2, l3, t1, t2, t3, req, id;
	struct dl_lock_args ar = {
		.owner = 3, .mode = DL_MODE_PR, .flags = DL_LKF_CONVERT,
	};

	t1 = take(c, a, 1, "r", DL_MODE_PR, 0, &l1);
	t2 = take(c, a, 2, "r", DL_MODE_PR, 0, &l2);
	ASSERT_NE(0, t1);
	ASSERT_NE(0, t2);
	EXPECT_GT(t2, t1);
	EXPECT_EQ(t1 >> 20, t2 >> 20);	/* one cell grant, two local ones */
	/* EX needs the cell lock converted up: a new cell token */
	ASSERT_EQ(0, lock(c, a, 3, "r", DL_MODE_EX, 0, 0, &l3));
	run_ms(c, 100);
	EXPECT_EQ(NULL, last_ev(c, a, DL_LEV_GRANTED, l3));
	ASSERT_EQ(0, dl_node_unlock(c->node[a], 1, l1, NULL, 0));
	ASSERT_EQ(0, dl_node_unlock(c->node[a], 2, l2, NULL, 0));
	run_ms(c, 200);
	ASSERT_NE(NULL, last_ev(c, a, DL_LEV_GRANTED, l3));
	t3 = last_ev(c, a, DL_LEV_GRANTED, l3)->ev.token;
	ar.lock_id = l3;
	EXPECT_GT(t3 >> 20, t2 >> 20);
	/* a local down-conversion is a grant too */
	ASSERT_EQ(0, dl_node_lock(c->node[a], &ar, &req, &id));
	settle(c);
	EXPECT_GT(last_ev(c, a, DL_LEV_GRANTED, l3)->ev.token, t3);
	EXPECT_EQ(DL_MODE_PR, last_ev(c, a, DL_LEV_GRANTED, l3)->ev.mode);
	cell_free(c);
}

TEST(value_block_written_locally_reaches_the_cell)
{
	struct cell *c = cell_ready(_metadata, 3, 0);
	int a = follower_idx(c, -1), b = other_follower(c, a);
	u8 val[32] = "written on node a";
	const struct rec_ev *g;
	u64 l1, l2, l3, tx;

	ASSERT_NE(0, take(c, a, 1, "r", DL_MODE_EX, DL_LKF_VALBLK, &l1));
	/* a wrong size is refused and changes nothing */
	EXPECT_EQ(-EINVAL, dl_node_unlock(c->node[a], 1, l1, val, 16));
	ASSERT_EQ(0, dl_node_unlock(c->node[a], 1, l1, val, sizeof(val)));
	settle(c);
	tx = ctr(c, a)->tx_datagrams;
	ASSERT_EQ(0, lock(c, a, 2, "r", DL_MODE_PR, DL_LKF_VALBLK, 0, &l2));
	settle(c);
	g = last_ev(c, a, DL_LEV_GRANTED, l2);
	ASSERT_NE(NULL, g);
	EXPECT_EQ(tx, ctr(c, a)->tx_datagrams);
	EXPECT_EQ(32, g->ev.lvb_len);
	EXPECT_EQ(0, memcmp(g->ev.lvb, val, sizeof(val)));
	ASSERT_EQ(0, dl_node_unlock(c->node[a], 2, l2, NULL, 0));
	run_ms(c, 50);
	/* b's PR blocks a's cached EX: a gives it back with the value */
	ASSERT_NE(0, take(c, b, 3, "r", DL_MODE_PR, DL_LKF_VALBLK, &l3));
	g = last_ev(c, b, DL_LEV_GRANTED, l3);
	EXPECT_EQ(32, g->ev.lvb_len);
	EXPECT_EQ(0, memcmp(g->ev.lvb, val, sizeof(val)));
	cell_free(c);
}

TEST(noqueue_timeout_cancel_act_on_the_local_queue)
{
	struct cell *c = cell_ready(_metadata, 3, 0);
	int a = follower_idx(c, -1);
	u64 l1, l2, l3, l4, tx;
	const struct rec_ev *f;

	ASSERT_NE(0, take(c, a, 1, "r", DL_MODE_EX, 0, &l1));
	tx = ctr(c, a)->tx_datagrams;
	ASSERT_EQ(0, lock(c, a, 2, "r", DL_MODE_EX, DL_LKF_NOQUEUE, 0, &l2));
	settle(c);
	f = last_ev(c, a, DL_LEV_FAILED, l2);
	ASSERT_NE(NULL, f);
	EXPECT_EQ(-EAGAIN, f->ev.status);
	EXPECT_EQ(tx, ctr(c, a)->tx_datagrams);
	EXPECT_EQ(-ENOENT, dl_node_unlock(c->node[a], 2, l2, NULL, 0));

	ASSERT_EQ(0, lock(c, a, 3, "r", DL_MODE_EX, 0, 100, &l3));
	run_ms(c, 150);
	f = last_ev(c, a, DL_LEV_FAILED, l3);
	ASSERT_NE(NULL, f);
	EXPECT_EQ(-ETIMEDOUT, f->ev.status);

	ASSERT_EQ(0, lock(c, a, 4, "r", DL_MODE_EX, 0, 0, &l4));
	settle(c);
	EXPECT_EQ(-EBUSY, dl_node_unlock(c->node[a], 4, l4, NULL, 0));
	EXPECT_EQ(-EPERM, dl_node_cancel(c->node[a], 5, l4));
	ASSERT_EQ(0, dl_node_cancel(c->node[a], 4, l4));
	settle(c);
	f = last_ev(c, a, DL_LEV_FAILED, l4);
	ASSERT_NE(NULL, f);
	EXPECT_EQ(-ECANCELED, f->ev.status);
	EXPECT_EQ(-EALREADY, dl_node_cancel(c->node[a], 1, l1));
	/* still held by owner 1 after all that */
	ASSERT_EQ(0, dl_node_unlock(c->node[a], 1, l1, NULL, 0));
	settle(c);
	EXPECT_NE(NULL, last_ev(c, a, DL_LEV_UNLOCKED, l1));
	cell_free(c);
}

TEST(local_conversion_deadlock_fails_the_last_converter)
{
	struct cell *c = cell_ready(_metadata, 3, 0);
	int a = follower_idx(c, -1);
	struct dl_lock_args ar = { .mode = DL_MODE_EX, .flags = DL_LKF_CONVERT };
	u64 l1, l2, req, id;
	const struct rec_ev *f;

	ASSERT_NE(0, take(c, a, 1, "r", DL_MODE_PR, 0, &l1));
	ASSERT_NE(0, take(c, a, 2, "r", DL_MODE_PR, 0, &l2));
	ar.owner = 1;
	ar.lock_id = l1;
	ASSERT_EQ(0, dl_node_lock(c->node[a], &ar, &req, &id));
	ar.owner = 2;
	ar.lock_id = l2;
	ASSERT_EQ(0, dl_node_lock(c->node[a], &ar, &req, &id));
	run_ms(c, 50);
	f = last_ev(c, a, DL_LEV_FAILED, l2);
	ASSERT_NE(NULL, f);
	EXPECT_EQ(-EDEADLK, f->ev.status);
	EXPECT_EQ(DL_MODE_PR, f->ev.mode);	/* keeps what it had */
	ASSERT_EQ(0, dl_node_unlock(c->node[a], 2, l2, NULL, 0));
	run_ms(c, 200);
	ASSERT_NE(NULL, last_ev(c, a, DL_LEV_GRANTED, l1));
	EXPECT_EQ(DL_MODE_EX, last_ev(c, a, DL_LEV_GRANTED, l1)->ev.mode);
	cell_free(c);
}

TEST(idle_cached_lock_goes_after_the_limit)
{
	struct cell *c = cell_ready(_metadata, 3, 0);
	int a = follower_idx(c, -1), l = leader_idx(c);
	struct dl_lt_stats st;
	u64 l1;

	ASSERT_NE(0, take(c, a, 1, "r", DL_MODE_EX, 0, &l1));
	ASSERT_EQ(0, dl_node_unlock(c->node[a], 1, l1, NULL, 0));
	run_ms(c, 1000);
	dl_lt_get_stats(dl_node_lt(c->node[l]), &st);
	EXPECT_EQ(1, st.locks);		/* cached: the cell still has it */
	EXPECT_EQ(0, ctr(c, a)->cache_drops);
	run_ms(c, 10000);
	EXPECT_EQ(1, ctr(c, a)->cache_drops);
	dl_lt_get_stats(dl_node_lt(c->node[l]), &st);
	EXPECT_EQ(0, st.locks);
	cell_free(c);
}

TEST(lease_loss_revokes_every_local_owner)
{
	struct cell *c = cell_ready(_metadata, 3, 0);
	int a = follower_idx(c, -1), b = other_follower(c, a);
	u64 l1, l2, l3, l4, t1, t2, t4;
	const struct rec_ev *f;

	t1 = take(c, a, 1, "r", DL_MODE_PR, 0, &l1);
	t2 = take(c, a, 2, "r", DL_MODE_PR, 0, &l2);
	ASSERT_NE(0, t2);
	ASSERT_EQ(0, lock(c, a, 3, "r", DL_MODE_EX, 0, 0, &l3));
	run_ms(c, 50);
	c->cut[a] = true;
	run_ms(c, 4000);
	EXPECT_NE(NULL, last_ev(c, a, DL_LEV_REVOKED, l1));
	EXPECT_NE(NULL, last_ev(c, a, DL_LEV_REVOKED, l2));
	f = last_ev(c, a, DL_LEV_FAILED, l3);
	ASSERT_NE(NULL, f);
	EXPECT_EQ(-ENOLINK, f->ev.status);
	t4 = take(c, b, 4, "r", DL_MODE_EX, 0, &l4);
	ASSERT_NE(0, t4);
	EXPECT_GT(t4, t1);
	EXPECT_GT(t4, t2);
	cell_free(c);
}

TEST(owner_ids_of_the_cache_are_reserved)
{
	struct cell *c = cell_ready(_metadata, 3, 0);
	int a = follower_idx(c, -1);
	u64 lk;

	EXPECT_EQ(-EINVAL, lock(c, a, 1ULL << 62, "r", DL_MODE_EX, 0, 0,
				&lk));
	EXPECT_EQ(-EINVAL, dl_node_release_owner(c->node[a], 1ULL << 62));
	cell_free(c);
}

TEST(release_owner_drains_its_share)
{
	struct cell *c = cell_ready(_metadata, 3, 0);
	int a = follower_idx(c, -1), b = other_follower(c, a);
	u64 l1, l2;

	ASSERT_NE(0, take(c, a, 1, "r", DL_MODE_EX, 0, &l1));
	ASSERT_EQ(0, lock(c, b, 2, "r", DL_MODE_EX, 0, 0, &l2));
	run_ms(c, 200);
	EXPECT_EQ(NULL, last_ev(c, b, DL_LEV_GRANTED, l2));
	ASSERT_EQ(0, dl_node_release_owner(c->node[a], 1));
	run_ms(c, 200);
	EXPECT_NE(NULL, last_ev(c, b, DL_LEV_GRANTED, l2));
	cell_free(c);
}

TEST(member_gives_back_a_busy_lock_whose_blocking_was_lost)
{
	struct cell *c = cell_ready(_metadata, 3, 1);
	int m = 3, l = leader_idx(c), b = follower_idx(c, -1), k;
	u64 lm, lb;

	/* twice: the member's first lock teaches it the setting */
	ASSERT_NE(0, take(c, m, 1, "r", DL_MODE_EX, 0, &lm));
	ASSERT_EQ(0, dl_node_unlock(c->node[m], 1, lm, NULL, 0));
	ASSERT_NE(0, take(c, m, 1, "r", DL_MODE_EX, 0, &lm));
	ASSERT_EQ(0, dl_node_unlock(c->node[m], 1, lm, NULL, 0));
	run_ms(c, 10);
	/* b waits; the leader's BLOCKING EVENT to the member is lost */
	c->cut_from = c->id[l];
	c->cut_to = c->id[m];
	ASSERT_EQ(0, lock(c, b, 2, "r", DL_MODE_EX, 0, 0, &lb));
	run_ms(c, 30);
	c->cut_from = 0;
	c->cut_to = 0;
	EXPECT_EQ(0, ctr(c, m)->cache_blocked);
	/* the member keeps using it: only the hold limit gives it back */
	for (k = 0; k < 100 && !last_ev(c, b, DL_LEV_GRANTED, lb); k++) {
		if (!lock(c, m, 1, "r", DL_MODE_EX, 0, 0, &lm)) {
			run_ms(c, 50);
			if (last_ev(c, m, DL_LEV_GRANTED, lm))
				dl_node_unlock(c->node[m], 1, lm, NULL, 0);
			else
				dl_node_cancel(c->node[m], 1, lm);
		}
		run_ms(c, 50);
	}
	ASSERT_NE(NULL, last_ev(c, b, DL_LEV_GRANTED, lb));
	EXPECT_LE(k, DL_NODE_MEMBER_HOLD_TEST_ROUNDS);
	cell_free(c);
}

/*
 * A new lock whose cell request (the glock's LOCK) could not be allocated
 * is still answered: the cache timer asks again.  It used to wait for "the
 * next event of this lock", which never came when no other local owner
 * used the resource: the request was never answered (dlock-sim --cache
 * --fail-alloc 50, seeds 940023, 940024, 940044).  Each allocation of the
 * call fails in turn: the call fails with -ENOMEM, or the lock is granted.
 */
TEST(lock_whose_cell_request_lacked_memory_is_granted)
{
	struct cell *c = cell_ready(_metadata, 3, 0);
	int a = follower_idx(c, -1), nth, waited, accepted = 0;
	u64 id, failed;
	char res[16];
	int err;

	for (nth = 1; nth <= 8; nth++) {
		snprintf(res, sizeof(res), "m%d", nth);
		memset(&unit_fail_alloc, 0, sizeof(unit_fail_alloc));
		unit_fail_alloc.nth = nth;
		err = lock(c, a, 1, res, DL_MODE_EX, 0, 0, &id);
		failed = unit_fail_alloc.failed;
		memset(&unit_fail_alloc, 0, sizeof(unit_fail_alloc));
		if (err) {
			EXPECT_EQ(-ENOMEM, err);
			continue;
		}
		if (failed)
			accepted++;
		for (waited = 0; waited < 3000 &&
		     !last_ev(c, a, DL_LEV_GRANTED, id); waited += 10)
			run_ms(c, 10);
		EXPECT_NE(NULL, last_ev(c, a, DL_LEV_GRANTED, id))
			TH_LOG("allocation %d of the call failed", nth);
	}
	/* some call went through with an allocation failed inside it */
	EXPECT_GT(accepted, 0);
	cell_free(c);
}

/* Is node @i's timer armed for a call at the current time? */
static bool timer_due(struct cell *c, int i)
{
	return c->env[i].timer_armed && c->env[i].timer_deadline_ns <= c->now;
}

/*
 * A host that holds the events of its request call (the chardev does)
 * gets a cached grant and release from dl_node_deliver_events() right
 * after the call, with no timer call armed for them: in the kernel that
 * timer is an hrtimer interrupt and a kworker which then competes with
 * the caller for the node's mutex.  Without the hold the events wait for
 * a timer call armed for "now", as before.  A hold ends with the delivery
 * even when the call failed, so the next caller's events are not stuck.
 */
TEST(held_events_of_cached_retake_arm_no_timer)
{
	struct cell *c = cell_ready(_metadata, 3, 0);
	int i = follower_idx(c, -1), k, nev;
	u64 lk, tx;

	ASSERT_NE(0, take(c, i, 1, "r", DL_MODE_EX, 0, &lk));
	ASSERT_EQ(0, dl_node_unlock(c->node[i], 1, lk, NULL, 0));
	run_ms(c, 10);
	tx = ctr(c, i)->tx_datagrams;

	/* without the hold: deferred to a timer call due now */
	nev = c->nev[i];
	ASSERT_EQ(0, lock(c, i, 2, "r", DL_MODE_EX, 0, 0, &lk));
	EXPECT_EQ(nev, c->nev[i]);
	EXPECT_TRUE(timer_due(c, i));
	settle(c);
	ASSERT_NE(NULL, last_ev(c, i, DL_LEV_GRANTED, lk));
	ASSERT_EQ(0, dl_node_unlock(c->node[i], 2, lk, NULL, 0));
	EXPECT_TRUE(timer_due(c, i));
	settle(c);
	ASSERT_NE(NULL, last_ev(c, i, DL_LEV_UNLOCKED, lk));

	for (k = 0; k < 10; k++) {
		const struct rec_ev *g;

		nev = c->nev[i];
		dl_node_hold_events(c->node[i]);
		ASSERT_EQ(0, lock(c, i, 2, "r", DL_MODE_EX, 0, 0, &lk));
		EXPECT_EQ(nev, c->nev[i]);	/* none inside the call */
		EXPECT_FALSE(timer_due(c, i));
		dl_node_deliver_events(c->node[i]);
		g = last_ev(c, i, DL_LEV_GRANTED, lk);
		ASSERT_NE(NULL, g);
		EXPECT_EQ(nev + 1, c->nev[i]);
		EXPECT_FALSE(timer_due(c, i));

		dl_node_hold_events(c->node[i]);
		ASSERT_EQ(0, dl_node_unlock(c->node[i], 2, lk, NULL, 0));
		EXPECT_FALSE(timer_due(c, i));
		dl_node_deliver_events(c->node[i]);
		ASSERT_NE(NULL, last_ev(c, i, DL_LEV_UNLOCKED, lk));
		EXPECT_FALSE(timer_due(c, i));
	}
	EXPECT_EQ(tx, ctr(c, i)->tx_datagrams);

	/* a failed call's hold ends with its delivery */
	dl_node_hold_events(c->node[i]);
	EXPECT_EQ(-ENOENT, dl_node_unlock(c->node[i], 2, lk, NULL, 0));
	dl_node_deliver_events(c->node[i]);
	nev = c->nev[i];
	ASSERT_EQ(0, lock(c, i, 2, "r", DL_MODE_EX, 0, 0, &lk));
	EXPECT_TRUE(timer_due(c, i));
	settle(c);
	EXPECT_EQ(nev + 1, c->nev[i]);
	ASSERT_NE(NULL, last_ev(c, i, DL_LEV_GRANTED, lk));
	cell_free(c);
}

/* Owners the leader's replica of the lock table keeps state for. */
static u64 cell_owners(struct cell *c)
{
	struct dl_lt_stats st;

	dl_lt_get_stats(dl_node_lt(c->node[leader_idx(c)]), &st);
	return st.owners;
}

/*
 * A glock freed while the cell knows its owner tells the cell to forget it
 * (RELEASE_OWNER).  When that request could not be allocated the glock was
 * freed all the same and nothing tried again: the cell kept the owner (and
 * would keep a lock of it) for good.  Here b's NOQUEUE request is refused
 * in the cell, so b frees its glock while handling the answer; each
 * allocation b makes from then on fails in turn.  The cell must end up
 * with the owners it had before.
 */
TEST(glock_release_owner_lacking_memory_is_retried)
{
	struct cell *c = cell_ready(_metadata, 3, 0);
	int a = follower_idx(c, -1), b = other_follower(c, a), nth, waited;
	u64 la, lb, owners, failed_total = 0;
	const struct rec_ev *f;

	ASSERT_NE(0, take(c, a, 1, "r", DL_MODE_EX, 0, &la));
	run_ms(c, 100);
	owners = cell_owners(c);
	for (nth = 1; nth <= 8; nth++) {
		ASSERT_EQ(0, lock(c, b, 2, "r", DL_MODE_EX, DL_LKF_NOQUEUE, 0,
				  &lb));
		fail_off();
		unit_fail_alloc.node_id = c->id[b];
		unit_fail_alloc.nth = nth;
		for (waited = 0; waited < 3000 &&
		     !last_ev(c, b, DL_LEV_FAILED, lb); waited += 10)
			run_ms(c, 10);
		failed_total += unit_fail_alloc.failed;
		fail_off();
		f = last_ev(c, b, DL_LEV_FAILED, lb);
		ASSERT_NE(NULL, f) TH_LOG("allocation %d failed", nth);
		EXPECT_EQ(-EAGAIN, f->ev.status);
		run_ms(c, 500);
		EXPECT_EQ(owners, cell_owners(c))
			TH_LOG("allocation %d of b failed", nth);
	}
	EXPECT_GT(failed_total, 0);
	/* a's lock went through all of it */
	ASSERT_EQ(0, dl_node_unlock(c->node[a], 1, la, NULL, 0));
	cell_free(c);
}

/*
 * A local waiter's timeout runs its glock, and the glock may grant the
 * next local waiter at once, freeing that waiter's request.  The timer
 * walked node->requests keeping a pointer to the next request across the
 * timeout: when that next request was the one just granted, the walk went
 * on from freed memory (dlock-sim --cache --nodes 3 --seed 1000749: a
 * use-after-free, and an endless loop in the timer without ASan).  Here
 * owner 2 (EX, 100 ms) waits at the head of a's queue with owner 3 (PR)
 * right behind it in the node's request list; the glock holds PR for
 * owner 1 and its conversion to EX is blocked by b's PR in the cell.
 */
TEST(local_timeout_that_grants_the_next_waiter)
{
	struct cell *c = cell_ready(_metadata, 3, 0);
	int a = follower_idx(c, -1), b = other_follower(c, a);
	u64 l1, l2, l3, l4, lb;
	const struct rec_ev *f, *g;

	ASSERT_NE(0, take(c, b, 9, "r", DL_MODE_PR, 0, &lb));
	ASSERT_NE(0, take(c, a, 1, "r", DL_MODE_PR, 0, &l1));
	/* the glock asks the cell for EX; b's PR keeps it waiting */
	ASSERT_EQ(0, lock(c, a, 4, "r", DL_MODE_EX, 0, 0, &l4));
	run_ms(c, 20);
	/* no cell request of the glock between these two */
	ASSERT_EQ(0, lock(c, a, 2, "r", DL_MODE_EX, 0, 100, &l2));
	ASSERT_EQ(0, lock(c, a, 3, "r", DL_MODE_PR, 0, 0, &l3));
	ASSERT_EQ(0, dl_node_cancel(c->node[a], 4, l4));
	run_ms(c, 20);
	EXPECT_EQ(NULL, last_ev(c, a, DL_LEV_GRANTED, l3));	/* FIFO */
	run_ms(c, 150);
	f = last_ev(c, a, DL_LEV_FAILED, l2);
	ASSERT_NE(NULL, f);
	EXPECT_EQ(-ETIMEDOUT, f->ev.status);
	g = last_ev(c, a, DL_LEV_GRANTED, l3);
	ASSERT_NE(NULL, g);
	EXPECT_EQ(DL_MODE_PR, g->ev.mode);
	EXPECT_EQ(0, dl_node_unlock(c->node[a], 3, l3, NULL, 0));
	EXPECT_EQ(0, dl_node_unlock(c->node[a], 1, l1, NULL, 0));
	EXPECT_EQ(0, dl_node_unlock(c->node[b], 9, lb, NULL, 0));
	run_ms(c, 200);
	EXPECT_NE(NULL, last_ev(c, b, DL_LEV_UNLOCKED, lb));
	cell_free(c);
}

TEST_HARNESS_MAIN
