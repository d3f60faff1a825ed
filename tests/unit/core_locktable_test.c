// SPDX-License-Identifier: GPL-2.0
/*
 * core_locktable_test.c - the lock table's semantics, one rule per test:
 * granting and queueing, FIFO without starvation, conversions and their
 * deadlock, NOQUEUE, cancel, value blocks, fencing tokens, revocation,
 * dedup, bad commands, memory per lock.
 */
#include <time.h>

#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#include "core_lock_util.h"

FIXTURE(lt) {
	struct dl_lt *lt;
	struct rec *r;
	u32 ls;		/* lockspace "ls", 32-byte value blocks */
	u64 req;	/* next request id */
};

FIXTURE_SETUP(lt)
{
	struct dl_lt_cmd c = cmd_ls_create(own(9, 0), 1, "ls", 32);
	const struct dl_lt_out *o;

	self->lt = dl_lt_create();
	self->r = rec_new();
	ASSERT_NE(NULL, self->lt);
	ASSERT_EQ(0, dl_lt_apply(self->lt, &c, rec_fn, self->r));
	o = rec_find(self->r, DL_LT_OUT_LS_DONE, 1);
	ASSERT_NE(NULL, o);
	self->ls = o->ls_id;
	ASSERT_EQ(1, self->ls);
	self->req = 100;
	rec_clear(self->r);
}

FIXTURE_TEARDOWN(lt)
{
	dl_lt_destroy(self->lt);
	free(self->r);
}

/* Apply @c with a fresh recorder; returns dl_lt_apply()'s result. */
static int run(FIXTURE_DATA(lt) *self, struct dl_lt_cmd c)
{
	rec_clear(self->r);
	return dl_lt_apply(self->lt, &c, rec_fn, self->r);
}

/* Lock @res in @mode for @o; returns the lock id if granted at once, else 0. */
static u64 lock(FIXTURE_DATA(lt) *self, struct dl_lt_owner o, const char *res,
		u8 mode, u8 flags, u64 *req_out)
{
	u64 req = self->req++;
	const struct dl_lt_out *g;

	if (req_out)
		*req_out = req;
	if (run(self, cmd_lock(o, req, self->ls, res, mode, flags)))
		return 0;
	g = rec_find(self->r, DL_LT_OUT_GRANTED, req);
	return g ? g->lock_id : 0;
}

static const struct dl_lt_out *unlock(FIXTURE_DATA(lt) *self,
				      struct dl_lt_owner o, u64 lock_id)
{
	u64 req = self->req++;

	if (run(self, cmd_unlock(o, req, lock_id)))
		return NULL;
	return rec_find(self->r, DL_LT_OUT_UNLOCKED, req);
}

static struct dl_lt_stats stats(FIXTURE_DATA(lt) *self)
{
	struct dl_lt_stats st;

	dl_lt_get_stats(self->lt, &st);
	return st;
}

TEST_F(lt, grant_queue_and_wake)
{
	struct dl_lt_owner a = own(1, 1), b = own(2, 1);
	const struct dl_lt_out *o;
	u64 la, breq;

	la = lock(self, a, "r", DL_MODE_EX, 0, NULL);
	ASSERT_NE(0, la);
	o = rec_find(self->r, DL_LT_OUT_GRANTED, 0);
	EXPECT_EQ(DL_MODE_EX, o->mode);
	EXPECT_EQ(1, o->owner.node);
	EXPECT_EQ(self->ls, o->ls_id);
	EXPECT_EQ(0, o->lvb_len);	/* no VALBLK asked */

	EXPECT_EQ(0, lock(self, b, "r", DL_MODE_PR, 0, &breq));
	/* b waits; a is told it blocks a PR waiter */
	ASSERT_EQ(1, self->r->n);
	o = &self->r->o[0];
	EXPECT_EQ(DL_LT_OUT_BLOCKING, o->type);
	EXPECT_EQ(la, o->lock_id);
	EXPECT_EQ(DL_MODE_PR, o->mode);
	EXPECT_EQ(1, o->owner.node);
	EXPECT_EQ(1, stats(self).waiting);

	ASSERT_NE(NULL, unlock(self, a, la));
	o = rec_find(self->r, DL_LT_OUT_GRANTED, breq);
	ASSERT_NE(NULL, o);
	EXPECT_EQ(2, o->owner.node);
	EXPECT_EQ(DL_MODE_PR, o->mode);
	EXPECT_EQ(0, stats(self).waiting);
	EXPECT_EQ(1, stats(self).locks);
	/* other resource names and lockspaces are independent */
	EXPECT_NE(0, lock(self, a, "r2", DL_MODE_EX, 0, NULL));
}

TEST_F(lt, shared_modes_coexist)
{
	u8 m;

	/* Every mode compatible with PR is granted next to it at once. */
	ASSERT_NE(0, lock(self, own(1, 1), "r", DL_MODE_PR, 0, NULL));
	for (m = 0; m < DL_MODE_COUNT; m++) {
		u64 id = lock(self, own(2, m + 1), "r", m, DL_LKF_NOQUEUE,
			      NULL);

		EXPECT_EQ(dl_mode_compat(m, DL_MODE_PR), id != 0)
			TH_LOG("mode %s", dl_mode_name(m));
		if (id)
			ASSERT_NE(NULL, unlock(self, own(2, m + 1), id));
	}
}

TEST_F(lt, fifo_no_starvation)
{
	struct dl_lt_owner a = own(1, 1), x = own(2, 1);
	u64 la, xreq, lx, reqs[20];
	const struct dl_lt_out *o;
	int i;

	la = lock(self, a, "r", DL_MODE_PR, 0, NULL);
	ASSERT_NE(0, la);
	EXPECT_EQ(0, lock(self, x, "r", DL_MODE_EX, 0, &xreq));
	/* A stream of PR requests, each compatible with the holder. */
	for (i = 0; i < 20; i++) {
		EXPECT_EQ(0, lock(self, own(3, i + 1), "r", DL_MODE_PR, 0,
				  &reqs[i]));
		EXPECT_EQ(0, rec_count(self->r, DL_LT_OUT_GRANTED));
	}
	/* And a NOQUEUE PR must not jump the queue either. */
	EXPECT_EQ(0, lock(self, own(4, 1), "r", DL_MODE_PR, DL_LKF_NOQUEUE,
			  NULL));
	EXPECT_EQ(-EAGAIN, rec_find(self->r, DL_LT_OUT_FAILED, 0)->err);

	ASSERT_NE(NULL, unlock(self, a, la));
	o = rec_find(self->r, DL_LT_OUT_GRANTED, xreq);
	ASSERT_NE(NULL, o);
	EXPECT_EQ(1, rec_count(self->r, DL_LT_OUT_GRANTED));
	lx = o->lock_id;
	ASSERT_NE(NULL, unlock(self, x, lx));
	/* All 20 readers granted together, in arrival order. */
	EXPECT_EQ(20, rec_count(self->r, DL_LT_OUT_GRANTED));
	for (i = 0; i < 20; i++)
		EXPECT_EQ(reqs[i], self->r->o[i + 1].req_id);
}

TEST_F(lt, up_and_down_conversion)
{
	struct dl_lt_owner a = own(1, 1), b = own(2, 1), c = own(3, 1);
	const struct dl_lt_out *o;
	u64 la, lb, creq, tok;

	la = lock(self, a, "r", DL_MODE_PR, 0, NULL);
	lb = lock(self, b, "r", DL_MODE_PR, 0, NULL);
	ASSERT_NE(0, la);
	ASSERT_NE(0, lb);
	tok = rec_find(self->r, DL_LT_OUT_GRANTED, 0)->token;

	/* up: blocked by b's PR; b is told */
	ASSERT_EQ(0, run(self, cmd_convert(a, 500, self->ls, la, DL_MODE_EX,
					   0)));
	EXPECT_EQ(NULL, rec_find(self->r, DL_LT_OUT_GRANTED, 0));
	o = rec_find(self->r, DL_LT_OUT_BLOCKING, 0);
	ASSERT_NE(NULL, o);
	EXPECT_EQ(lb, o->lock_id);
	EXPECT_EQ(DL_MODE_EX, o->mode);

	/* a new request waits behind the conversion, though compatible */
	EXPECT_EQ(0, lock(self, c, "r", DL_MODE_CR, 0, &creq));
	EXPECT_EQ(NULL, rec_find(self->r, DL_LT_OUT_GRANTED, creq));

	ASSERT_NE(NULL, unlock(self, b, lb));
	o = rec_find(self->r, DL_LT_OUT_GRANTED, 500);
	ASSERT_NE(NULL, o);
	EXPECT_EQ(la, o->lock_id);
	EXPECT_EQ(DL_MODE_EX, o->mode);
	EXPECT_GT(o->token, tok);
	tok = o->token;
	/* the CR waiter now waits for the EX */
	EXPECT_EQ(NULL, rec_find(self->r, DL_LT_OUT_GRANTED, creq));

	/* down: always at once, with a new token */
	EXPECT_EQ(0, lock(self, b, "r", DL_MODE_PR, 0, NULL));
	ASSERT_EQ(0, run(self, cmd_convert(a, 501, self->ls, la, DL_MODE_CR,
					   0)));
	o = rec_find(self->r, DL_LT_OUT_GRANTED, 501);
	ASSERT_NE(NULL, o);
	EXPECT_EQ(DL_MODE_CR, o->mode);
	EXPECT_GT(o->token, tok);
	/* which lets the CR and then b's PR in */
	EXPECT_EQ(3, rec_count(self->r, DL_LT_OUT_GRANTED));
	EXPECT_NE(NULL, rec_find(self->r, DL_LT_OUT_GRANTED, creq));

	/* converting someone else's lock, or in the wrong lockspace */
	EXPECT_EQ(0, run(self, cmd_convert(b, 502, self->ls, la, DL_MODE_NL,
					   0)));
	EXPECT_EQ(-ENOENT, rec_find(self->r, DL_LT_OUT_FAILED, 502)->err);
	EXPECT_EQ(0, run(self, cmd_convert(a, 503, 77, la, DL_MODE_NL, 0)));
	EXPECT_EQ(-ENOENT, rec_find(self->r, DL_LT_OUT_FAILED, 503)->err);
}

TEST_F(lt, conversion_not_ordered_pr_to_cw)
{
	struct dl_lt_owner a = own(1, 1), b = own(2, 1);
	u64 la, lb;

	/* PR -> CW is not a down-conversion: it waits for the other PR. */
	la = lock(self, a, "r", DL_MODE_PR, 0, NULL);
	lb = lock(self, b, "r", DL_MODE_PR, 0, NULL);
	ASSERT_EQ(0, run(self, cmd_convert(a, 600, self->ls, la, DL_MODE_CW,
					   0)));
	EXPECT_EQ(NULL, rec_find(self->r, DL_LT_OUT_GRANTED, 600));
	ASSERT_EQ(0, run(self, cmd_convert(b, 601, self->ls, lb, DL_MODE_NL,
					   0)));
	EXPECT_NE(NULL, rec_find(self->r, DL_LT_OUT_GRANTED, 601));
	EXPECT_NE(NULL, rec_find(self->r, DL_LT_OUT_GRANTED, 600));
}

TEST_F(lt, conversion_deadlock)
{
	struct dl_lt_owner a = own(1, 1), b = own(2, 1);
	struct dl_lt_lock_info info;
	const struct dl_lt_out *o;
	u64 la, lb;

	la = lock(self, a, "r", DL_MODE_PR, 0, NULL);
	lb = lock(self, b, "r", DL_MODE_PR, 0, NULL);
	ASSERT_EQ(0, run(self, cmd_convert(a, 700, self->ls, la, DL_MODE_EX,
					   0)));
	EXPECT_EQ(0, rec_count(self->r, DL_LT_OUT_FAILED));
	/* b closes the cycle: b is refused, deterministically */
	ASSERT_EQ(0, run(self, cmd_convert(b, 701, self->ls, lb, DL_MODE_EX,
					   0)));
	o = rec_find(self->r, DL_LT_OUT_FAILED, 701);
	ASSERT_NE(NULL, o);
	EXPECT_EQ(-EDEADLK, o->err);
	EXPECT_EQ(lb, o->lock_id);
	/* b keeps its PR, not waiting */
	ASSERT_EQ(0, dl_lt_lock_get(self->lt, lb, &info, NULL, NULL));
	EXPECT_EQ(DL_MODE_PR, info.mode);
	EXPECT_FALSE(info.waiting);
	/* when b lets go, a's conversion completes */
	ASSERT_NE(NULL, unlock(self, b, lb));
	EXPECT_NE(NULL, rec_find(self->r, DL_LT_OUT_GRANTED, 700));
}

TEST_F(lt, conversion_deadlock_three_way)
{
	struct dl_lt_owner a = own(1, 1), b = own(2, 1), c = own(3, 1);
	u64 la, lb, lc;

	/* CR, CR, CR all going to EX: any two form a cycle already. */
	/* Use PR/PR/CW-free modes: a PR->PW, b PR->PW, c CR->EX. */
	la = lock(self, a, "r", DL_MODE_CR, 0, NULL);
	lb = lock(self, b, "r", DL_MODE_CR, 0, NULL);
	lc = lock(self, c, "r", DL_MODE_CR, 0, NULL);
	ASSERT_NE(0, lc);
	/* a: CR->CW is blocked by nobody (CW ok with CR): granted */
	ASSERT_EQ(0, run(self, cmd_convert(a, 800, self->ls, la, DL_MODE_CW,
					   0)));
	EXPECT_NE(NULL, rec_find(self->r, DL_LT_OUT_GRANTED, 800));
	/* b: CR->PR blocked by a's CW */
	ASSERT_EQ(0, run(self, cmd_convert(b, 801, self->ls, lb, DL_MODE_PR,
					   0)));
	EXPECT_EQ(0, self->r->n - rec_count(self->r, DL_LT_OUT_BLOCKING));
	/* a: CW->EX blocked by b's CR and c's CR: a waits for b (cycle:
	 * b waits for a's CW, a waits for b's CR) -> a refused */
	ASSERT_EQ(0, run(self, cmd_convert(a, 802, self->ls, la, DL_MODE_EX,
					   0)));
	EXPECT_EQ(-EDEADLK, rec_find(self->r, DL_LT_OUT_FAILED, 802)->err);
	/* c: CR->EX waits for b (converting, granted CR) and a (CW);
	 * b waits for a (not converting): no cycle, c queues */
	ASSERT_EQ(0, run(self, cmd_convert(c, 803, self->ls, lc, DL_MODE_EX,
					   0)));
	EXPECT_EQ(NULL, rec_find(self->r, DL_LT_OUT_FAILED, 803));
	/* a unlocks: b's PR fits next to c's CR; c still waits for b */
	ASSERT_NE(NULL, unlock(self, a, la));
	EXPECT_NE(NULL, rec_find(self->r, DL_LT_OUT_GRANTED, 801));
	EXPECT_EQ(NULL, rec_find(self->r, DL_LT_OUT_GRANTED, 803));
	ASSERT_NE(NULL, unlock(self, b, lb));
	EXPECT_NE(NULL, rec_find(self->r, DL_LT_OUT_GRANTED, 803));
}

TEST_F(lt, noqueue)
{
	struct dl_lt_owner a = own(1, 1), b = own(2, 1);
	struct dl_lt_lock_info info;
	const struct dl_lt_out *o;
	u64 la, lb;

	la = lock(self, a, "r", DL_MODE_EX, 0, NULL);
	ASSERT_NE(0, la);
	EXPECT_EQ(0, lock(self, b, "r", DL_MODE_PR, DL_LKF_NOQUEUE, NULL));
	o = rec_find(self->r, DL_LT_OUT_FAILED, 0);
	ASSERT_NE(NULL, o);
	EXPECT_EQ(-EAGAIN, o->err);
	EXPECT_EQ(0, rec_count(self->r, DL_LT_OUT_BLOCKING));
	EXPECT_EQ(1, stats(self).locks);

	/* NOQUEUE conversion that cannot be granted: -EAGAIN, unchanged */
	lb = lock(self, b, "r2", DL_MODE_PR, 0, NULL);
	ASSERT_NE(0, lock(self, a, "r2", DL_MODE_PR, 0, NULL));
	ASSERT_EQ(0, run(self, cmd_convert(b, 900, self->ls, lb, DL_MODE_EX,
					   DL_LKF_NOQUEUE)));
	EXPECT_EQ(-EAGAIN, rec_find(self->r, DL_LT_OUT_FAILED, 900)->err);
	ASSERT_EQ(0, dl_lt_lock_get(self->lt, lb, &info, NULL, NULL));
	EXPECT_EQ(DL_MODE_PR, info.mode);
	EXPECT_FALSE(info.waiting);
	/* and one that can: granted */
	ASSERT_EQ(0, run(self, cmd_convert(b, 901, self->ls, lb, DL_MODE_CR,
					   DL_LKF_NOQUEUE)));
	EXPECT_NE(NULL, rec_find(self->r, DL_LT_OUT_GRANTED, 901));
}

TEST_F(lt, cancel_waiting_and_conversion)
{
	struct dl_lt_owner a = own(1, 1), b = own(2, 1);
	struct dl_lt_lock_info info;
	const struct dl_lt_out *o;
	u64 la, lb, breq;

	la = lock(self, a, "r", DL_MODE_PR, 0, NULL);
	EXPECT_EQ(0, lock(self, b, "r", DL_MODE_EX, 0, &breq));
	/* cancel the waiting new request by its request id */
	ASSERT_EQ(0, run(self, cmd_cancel(b, 1000, 0, breq)));
	o = rec_find(self->r, DL_LT_OUT_FAILED, breq);
	ASSERT_NE(NULL, o);
	EXPECT_EQ(-ECANCELED, o->err);
	EXPECT_NE(NULL, rec_find(self->r, DL_LT_OUT_UNLOCKED, 1000));
	EXPECT_EQ(1, stats(self).locks);
	EXPECT_EQ(0, stats(self).waiting);
	/* nothing left to cancel */
	ASSERT_EQ(0, run(self, cmd_cancel(b, 1001, 0, breq)));
	EXPECT_EQ(-ENOENT, rec_find(self->r, DL_LT_OUT_FAILED, 1001)->err);
	/* a granted lock cannot be cancelled */
	ASSERT_EQ(0, run(self, cmd_cancel(a, 1002, la, 0)));
	EXPECT_EQ(-ENOENT, rec_find(self->r, DL_LT_OUT_FAILED, 1002)->err);

	/* cancel a conversion by lock id: back to its granted mode */
	lb = lock(self, b, "r", DL_MODE_PR, 0, NULL);
	ASSERT_NE(0, lb);
	ASSERT_EQ(0, run(self, cmd_convert(b, 1003, self->ls, lb, DL_MODE_EX,
					   0)));
	ASSERT_EQ(0, dl_lt_lock_get(self->lt, lb, &info, NULL, NULL));
	EXPECT_TRUE(info.waiting);
	EXPECT_EQ(DL_MODE_EX, info.req_mode);
	ASSERT_EQ(0, run(self, cmd_cancel(b, 1004, lb, 0)));
	EXPECT_EQ(-ECANCELED, rec_find(self->r, DL_LT_OUT_FAILED, 1003)->err);
	ASSERT_EQ(0, dl_lt_lock_get(self->lt, lb, &info, NULL, NULL));
	EXPECT_FALSE(info.waiting);
	EXPECT_EQ(DL_MODE_PR, info.mode);
	EXPECT_EQ(DL_MODE_NONE, info.req_mode);
	/* the holder a can still convert up once b is gone */
	ASSERT_NE(NULL, unlock(self, b, lb));
	ASSERT_EQ(0, run(self, cmd_convert(a, 1005, self->ls, la, DL_MODE_EX,
					   0)));
	EXPECT_NE(NULL, rec_find(self->r, DL_LT_OUT_GRANTED, 1005));
}

TEST_F(lt, cancel_head_wakes_next)
{
	struct dl_lt_owner a = own(1, 1), b = own(2, 1), c = own(3, 1);
	u64 breq, creq;

	ASSERT_NE(0, lock(self, a, "r", DL_MODE_PR, 0, NULL));
	EXPECT_EQ(0, lock(self, b, "r", DL_MODE_EX, 0, &breq));
	EXPECT_EQ(0, lock(self, c, "r", DL_MODE_PR, 0, &creq));
	/* c waited only because of b (FIFO); cancelling b lets c in */
	ASSERT_EQ(0, run(self, cmd_cancel(b, 1100, 0, breq)));
	EXPECT_NE(NULL, rec_find(self->r, DL_LT_OUT_GRANTED, creq));
}

/*
 * A resource's contention record (struct lt_cont) comes with its second
 * lock and goes when it is back to one granted lock: a lone held lock
 * costs the same before and after a contended spell.
 */
TEST_F(lt, contention_record_comes_and_goes)
{
	struct dl_lt_owner a = own(1, 1), b = own(2, 1);
	u64 la, lb, breq;
	size_t lone;

	la = lock(self, a, "r", DL_MODE_EX, 0, NULL);
	ASSERT_NE(0, la);
	/* b's owner record exists before the measured part */
	ASSERT_NE(0, lock(self, b, "x", DL_MODE_EX, 0, NULL));
	lone = dl_lt_mem_bytes(self->lt);

	/* a waiter: a second lock and the record */
	EXPECT_EQ(0, lock(self, b, "r", DL_MODE_PR, 0, &breq));
	EXPECT_GT(dl_lt_mem_bytes(self->lt), lone);
	EXPECT_EQ(0, dl_lt_check(self->lt));
	ASSERT_EQ(0, run(self, cmd_cancel(b, 1200, 0, breq)));
	EXPECT_EQ(lone, dl_lt_mem_bytes(self->lt));
	EXPECT_EQ(0, dl_lt_check(self->lt));

	/* a compatible holder beside it, then a conversion that waits */
	lb = lock(self, b, "r", DL_MODE_NL, 0, NULL);
	ASSERT_NE(0, lb);
	EXPECT_EQ(0, dl_lt_check(self->lt));
	ASSERT_EQ(0, run(self, cmd_convert(b, 1201, self->ls, lb, DL_MODE_PR,
					   0)));
	EXPECT_EQ(NULL, rec_find(self->r, DL_LT_OUT_GRANTED, 1201));
	EXPECT_EQ(1, stats(self).waiting);
	EXPECT_EQ(0, dl_lt_check(self->lt));
	/* a goes: b's conversion is granted, b's lock is alone */
	ASSERT_NE(NULL, unlock(self, a, la));
	EXPECT_NE(NULL, rec_find(self->r, DL_LT_OUT_GRANTED, 1201));
	EXPECT_EQ(0, dl_lt_check(self->lt));
	/* a new lock takes the resource's free slot, beside b's */
	la = lock(self, a, "r", DL_MODE_CR, 0, NULL);
	ASSERT_NE(0, la);
	EXPECT_EQ(0, dl_lt_check(self->lt));
	EXPECT_EQ(0, lock(self, a, "r", DL_MODE_EX, 0, &breq));
	EXPECT_EQ(1, stats(self).waiting);
	EXPECT_EQ(0, dl_lt_check(self->lt));
	ASSERT_NE(NULL, unlock(self, b, lb));
	ASSERT_NE(NULL, unlock(self, a, la));
	EXPECT_NE(NULL, rec_find(self->r, DL_LT_OUT_GRANTED, breq));
	EXPECT_EQ(0, dl_lt_check(self->lt));
	EXPECT_EQ(2, stats(self).locks);	/* a's EX on r, b's x */
}

/* Hold @res in @mode with VALBLK, release writing @val; was it written? */
static void lvb_rule(struct __test_metadata *_metadata,
		     FIXTURE_DATA(lt) *self, u8 mode)
{
	struct dl_lt_owner a = own(1, 1), b = own(2, 1);
	const struct dl_lt_out *o;
	struct dl_lt_cmd c;
	char res[16];
	u8 val[32];
	u64 la;

	snprintf(res, sizeof(res), "lvb%u", mode);
	memset(val, 0xa0 + mode, sizeof(val));
	/* b keeps the resource (and its value block) alive */
	ASSERT_NE(0, lock(self, b, res, DL_MODE_NL, 0, NULL));
	la = lock(self, a, res, mode, DL_LKF_VALBLK, NULL);
	ASSERT_NE(0, la);
	o = rec_find(self->r, DL_LT_OUT_GRANTED, 0);
	ASSERT_EQ(32, o->lvb_len);
	EXPECT_TRUE(o->lvb_valid);
	EXPECT_EQ(0, o->lvb[0]);

	c = cmd_unlock(a, self->req++, la);
	c.flags = DL_LKF_VALBLK;
	c.lvb_len = 32;
	memcpy(c.lvb, val, 32);
	ASSERT_EQ(0, run(self, c));
	ASSERT_NE(NULL, rec_find(self->r, DL_LT_OUT_UNLOCKED, 0));

	ASSERT_NE(0, lock(self, a, res, DL_MODE_CR, DL_LKF_VALBLK, NULL));
	o = rec_find(self->r, DL_LT_OUT_GRANTED, 0);
	ASSERT_EQ(32, o->lvb_len);
	if (dl_mode_writes_lvb(mode)) {
		EXPECT_EQ(0, memcmp(o->lvb, val, 32));
	} else {
		EXPECT_EQ(0, o->lvb[0]) TH_LOG("mode %s wrote",
					       dl_mode_name(mode));
	}
}

TEST_F(lt, value_block_per_mode)
{
	u8 m;

	for (m = 0; m < DL_MODE_COUNT; m++)
		lvb_rule(_metadata, self, m);
}

TEST_F(lt, value_block_down_convert_and_64)
{
	struct dl_lt_owner a = own(1, 1), b = own(2, 1);
	struct dl_lt_cmd c;
	const struct dl_lt_out *o;
	u32 ls64;
	u64 la;

	la = lock(self, a, "r", DL_MODE_PW, DL_LKF_VALBLK, NULL);
	/* PW -> PR with a value: written */
	c = cmd_convert(a, 1200, self->ls, la, DL_MODE_PR, DL_LKF_VALBLK);
	c.lvb_len = 32;
	memset(c.lvb, 0x5a, 32);
	ASSERT_EQ(0, run(self, c));
	o = rec_find(self->r, DL_LT_OUT_GRANTED, 1200);
	ASSERT_NE(NULL, o);
	EXPECT_EQ(0x5a, o->lvb[31]);
	/* PR -> EX with a value: PR does not write */
	c = cmd_convert(a, 1201, self->ls, la, DL_MODE_EX, DL_LKF_VALBLK);
	c.lvb_len = 32;
	memset(c.lvb, 0x11, 32);
	ASSERT_EQ(0, run(self, c));
	o = rec_find(self->r, DL_LT_OUT_GRANTED, 1201);
	ASSERT_NE(NULL, o);
	EXPECT_EQ(0x5a, o->lvb[0]);
	/* wrong length for the lockspace: -EINVAL, nothing changes */
	c = cmd_convert(a, 1202, self->ls, la, DL_MODE_NL, DL_LKF_VALBLK);
	c.lvb_len = 64;
	ASSERT_EQ(0, run(self, c));
	EXPECT_EQ(-EINVAL, rec_find(self->r, DL_LT_OUT_FAILED, 1202)->err);

	/* a 64-byte lockspace */
	c = cmd_ls_create(own(9, 0), 1203, "big", 64);
	ASSERT_EQ(0, run(self, c));
	ls64 = rec_find(self->r, DL_LT_OUT_LS_DONE, 1203)->ls_id;
	EXPECT_EQ(2, ls64);
	c = cmd_lock(b, 1204, ls64, "r", DL_MODE_EX, DL_LKF_VALBLK);
	ASSERT_EQ(0, run(self, c));
	o = rec_find(self->r, DL_LT_OUT_GRANTED, 1204);
	ASSERT_NE(NULL, o);
	EXPECT_EQ(64, o->lvb_len);
	c = cmd_unlock(b, 1205, o->lock_id);
	c.flags = DL_LKF_VALBLK;
	c.lvb_len = 64;
	memset(c.lvb, 0x77, 64);
	/* a's NL keeps the resource, and so its value block, alive */
	ASSERT_EQ(0, run(self, cmd_lock(a, 1206, ls64, "r", DL_MODE_NL, 0)));
	ASSERT_NE(NULL, rec_find(self->r, DL_LT_OUT_GRANTED, 1206));
	ASSERT_EQ(0, run(self, c));
	ASSERT_NE(NULL, rec_find(self->r, DL_LT_OUT_UNLOCKED, 1205));
	ASSERT_EQ(0, run(self, cmd_lock(a, 1207, ls64, "r", DL_MODE_PR,
					DL_LKF_VALBLK)));
	o = rec_find(self->r, DL_LT_OUT_GRANTED, 1207);
	ASSERT_NE(NULL, o);
	EXPECT_EQ(0x77, o->lvb[63]);
}

TEST_F(lt, value_block_invalidated_by_revoke)
{
	struct dl_lt_owner a = own(1, 1), b = own(2, 1);
	const struct dl_lt_out *o;
	struct dl_lt_cmd c;
	u64 la;

	la = lock(self, a, "r", DL_MODE_EX, DL_LKF_VALBLK, NULL);
	c = cmd_unlock(a, self->req++, la);
	c.flags = DL_LKF_VALBLK;
	c.lvb_len = 32;
	memset(c.lvb, 0x42, 32);
	ASSERT_NE(0, lock(self, b, "r", DL_MODE_NL, 0, NULL));
	ASSERT_EQ(0, run(self, c));
	la = lock(self, a, "r", DL_MODE_EX, DL_LKF_VALBLK, NULL);
	ASSERT_NE(0, la);
	/* b waits for PR with VALBLK; a's node expires */
	c = cmd_lock(b, 1300, self->ls, "r", DL_MODE_PR, DL_LKF_VALBLK);
	ASSERT_EQ(0, run(self, c));
	ASSERT_EQ(0, run(self, cmd_node(DL_LT_CMD_EXPIRE_NODE, 1, 0)));
	o = rec_find(self->r, DL_LT_OUT_GRANTED, 1300);
	ASSERT_NE(NULL, o);
	EXPECT_FALSE(o->lvb_valid);
	EXPECT_EQ(0x42, o->lvb[0]);	/* the last written value, flagged */
}

TEST_F(lt, fencing_tokens_strictly_increase)
{
	u64 last = 0, id;
	const struct dl_lt_out *o;
	struct dl_lt_stats st;
	int i;

	for (i = 0; i < 50; i++) {
		struct dl_lt_owner w = own(1 + i % 3, 1);

		id = lock(self, w, "r", i % 2 ? DL_MODE_EX : DL_MODE_PW, 0,
			  NULL);
		ASSERT_NE(0, id);
		o = rec_find(self->r, DL_LT_OUT_GRANTED, 0);
		EXPECT_GT(o->token, last);
		last = o->token;
		if (i % 5 == 0) {
			/* the holder's node expires instead of unlocking */
			st = stats(self);
			ASSERT_EQ(0, run(self, cmd_node(DL_LT_CMD_EXPIRE_NODE,
							w.node, 0)));
			o = rec_find(self->r, DL_LT_OUT_REVOKED, 0);
			ASSERT_NE(NULL, o);
			EXPECT_EQ(last, o->token);
			EXPECT_EQ(id, o->lock_id);
			EXPECT_GT(stats(self).token_seq, st.token_seq);
		} else if (i % 7 == 0) {
			ASSERT_EQ(0, run(self, cmd_node(DL_LT_CMD_REVOKE_ALL,
							0, 0)));
			EXPECT_EQ(1, rec_count(self->r, DL_LT_OUT_REVOKED));
		} else {
			ASSERT_NE(NULL, unlock(self, w, id));
		}
	}
	/* The sequence moves on even with nothing held. */
	st = stats(self);
	ASSERT_EQ(0, run(self, cmd_node(DL_LT_CMD_REVOKE_ALL, 0, 0)));
	EXPECT_EQ(st.token_seq + 1, stats(self).token_seq);
	ASSERT_NE(0, lock(self, own(1, 1), "r", DL_MODE_EX, 0, NULL));
	EXPECT_GT(rec_find(self->r, DL_LT_OUT_GRANTED, 0)->token, last + 1);
}

TEST_F(lt, expire_node_releases_and_wakes)
{
	struct dl_lt_owner a1 = own(1, 1), a2 = own(1, 2), b = own(2, 1);
	const struct dl_lt_out *o;
	u64 la, breq, a2req;

	la = lock(self, a1, "r", DL_MODE_EX, 0, NULL);
	ASSERT_NE(0, la);
	ASSERT_NE(0, lock(self, a1, "other", DL_MODE_PR, 0, NULL));
	EXPECT_EQ(0, lock(self, b, "r", DL_MODE_EX, 0, &breq));
	EXPECT_EQ(0, lock(self, a2, "r", DL_MODE_PR, 0, &a2req));
	ASSERT_EQ(4, stats(self).locks);

	ASSERT_EQ(0, run(self, cmd_node(DL_LT_CMD_EXPIRE_NODE, 1, 0)));
	/* both holders of node 1 revoked, its waiter failed */
	EXPECT_EQ(2, rec_count(self->r, DL_LT_OUT_REVOKED));
	o = rec_find(self->r, DL_LT_OUT_FAILED, a2req);
	ASSERT_NE(NULL, o);
	EXPECT_EQ(-ECONNRESET, o->err);
	/* and b, behind them, granted */
	o = rec_find(self->r, DL_LT_OUT_GRANTED, breq);
	ASSERT_NE(NULL, o);
	EXPECT_EQ(2, o->owner.node);
	EXPECT_EQ(1, stats(self).locks);
	EXPECT_EQ(1, stats(self).resources);
	EXPECT_EQ(2, stats(self).owners);	/* b and the admin */
	/* node 1's old owner is gone: its lock ids mean nothing now */
	ASSERT_EQ(0, run(self, cmd_unlock(a1, 1400, la)));
	EXPECT_EQ(-ENOENT, rec_find(self->r, DL_LT_OUT_FAILED, 1400)->err);
}

TEST_F(lt, node_incarnation)
{
	struct dl_lt_owner old = { 1, 5, 1 }, cur = { 1, 6, 1 };
	const struct dl_lt_out *o;
	u64 lcur;

	ASSERT_NE(0, lock(self, old, "r", DL_MODE_PR, 0, NULL));
	lcur = lock(self, cur, "r", DL_MODE_PR, 0, NULL);
	ASSERT_NE(0, lcur);
	ASSERT_EQ(0, run(self, cmd_node(DL_LT_CMD_NODE_INCARNATION, 1, 6)));
	o = rec_find(self->r, DL_LT_OUT_REVOKED, 0);
	ASSERT_NE(NULL, o);
	EXPECT_EQ(5, o->owner.incarnation);
	EXPECT_EQ(1, rec_count(self->r, DL_LT_OUT_REVOKED));
	EXPECT_EQ(1, stats(self).locks);
	/* the old incarnation can no longer take locks */
	EXPECT_EQ(0, lock(self, old, "r", DL_MODE_PR, 0, NULL));
	EXPECT_EQ(-ESTALE, rec_find(self->r, DL_LT_OUT_FAILED, 0)->err);
	/* an older NODE_INCARNATION is old news */
	ASSERT_EQ(0, run(self, cmd_node(DL_LT_CMD_NODE_INCARNATION, 1, 4)));
	EXPECT_EQ(0, self->r->n);
	EXPECT_EQ(1, stats(self).locks);
}

TEST_F(lt, release_owner)
{
	struct dl_lt_owner a = own(1, 1), b = own(2, 1);
	struct dl_lt_cmd c = { .type = DL_LT_CMD_RELEASE_OWNER, .owner = a,
			       .req_id = 1500 };
	u64 breq, b2req;

	ASSERT_NE(0, lock(self, a, "r1", DL_MODE_EX, 0, NULL));
	ASSERT_NE(0, lock(self, a, "r2", DL_MODE_PW, 0, NULL));
	EXPECT_EQ(0, lock(self, b, "r1", DL_MODE_EX, 0, &breq));
	EXPECT_EQ(0, lock(self, a, "r1", DL_MODE_PR, 0, NULL)); /* waits */
	EXPECT_EQ(0, lock(self, b, "r2", DL_MODE_PR, 0, &b2req));
	ASSERT_EQ(0, run(self, c));
	EXPECT_NE(NULL, rec_find(self->r, DL_LT_OUT_UNLOCKED, 1500));
	EXPECT_NE(NULL, rec_find(self->r, DL_LT_OUT_GRANTED, breq));
	EXPECT_NE(NULL, rec_find(self->r, DL_LT_OUT_GRANTED, b2req));
	/* nothing granted to, or revoked from, the departed owner */
	EXPECT_EQ(2, rec_count(self->r, DL_LT_OUT_GRANTED));
	EXPECT_EQ(0, rec_count(self->r, DL_LT_OUT_REVOKED));
	EXPECT_EQ(2, stats(self).locks);
	/* releasing again answers the same */
	ASSERT_EQ(0, run(self, c));
	EXPECT_NE(NULL, rec_find(self->r, DL_LT_OUT_UNLOCKED, 1500));
}

/* In a copy loaded from a snapshot, a late LOCK of own(1, 1) is refused. */
static int released_after_load(const struct dl_lt *lt)
{
	struct dl_lt_cmd late = cmd_lock(own(1, 1), 1552, 1, "r", DL_MODE_EX,
					 0);
	struct buf s = snap(lt);
	struct dl_lt *copy = NULL;
	struct rec *r = rec_new();
	const struct dl_lt_out *o;
	int ret = -1;

	if (!load(s.p, s.len, 9, &copy) &&
	    !dl_lt_apply(copy, &late, rec_fn, r)) {
		o = rec_find(r, DL_LT_OUT_FAILED, 1552);
		ret = o && o->err == -ESTALE ? 0 : -1;
	}
	buf_free(&s);
	dl_lt_destroy(copy);
	free(r);
	return ret;
}

TEST_F(lt, released_owner_stays_released)
{
	struct dl_lt_owner a = own(1, 1), ghost = own(1, 2);
	struct dl_lt_cmd rel = { .type = DL_LT_CMD_RELEASE_OWNER, .owner = a,
				 .req_id = 1560 };
	/* request ids grow node-wide: this one was sent before the release */
	struct dl_lt_cmd late = cmd_lock(a, 1551, self->ls, "r", DL_MODE_EX, 0);

	ASSERT_NE(0, lock(self, a, "r", DL_MODE_EX, 0, NULL));
	ASSERT_EQ(0, run(self, rel));
	/* a LOCK of a's still in flight arrives after the release */
	ASSERT_EQ(0, run(self, late));
	EXPECT_EQ(-ESTALE, rec_find(self->r, DL_LT_OUT_FAILED, 1551)->err);
	EXPECT_EQ(0, stats(self).locks);
	EXPECT_EQ(1, stats(self).owners);	/* the admin only */
	/* released before its first request even arrived: same */
	rel.owner = ghost;
	ASSERT_EQ(0, run(self, rel));
	late.owner = ghost;
	ASSERT_EQ(0, run(self, late));
	EXPECT_EQ(-ESTALE, rec_find(self->r, DL_LT_OUT_FAILED, 1551)->err);
	EXPECT_EQ(0, stats(self).locks);
	/* other owners of that node are not affected */
	EXPECT_NE(0, lock(self, own(1, 3), "r2", DL_MODE_EX, 0, NULL));
	/* the id reused by a new owner (newer request id) works */
	late.req_id = 1570;
	ASSERT_EQ(0, run(self, late));
	EXPECT_NE(NULL, rec_find(self->r, DL_LT_OUT_GRANTED, 1570));
	/* the tombstone survives a snapshot */
	ASSERT_EQ(0, released_after_load(self->lt));
}

TEST_F(lt, nl_request_never_waits)
{
	u64 wreq;

	ASSERT_NE(0, lock(self, own(1, 1), "r", DL_MODE_EX, 0, NULL));
	EXPECT_EQ(0, lock(self, own(2, 1), "r", DL_MODE_PR, 0, &wreq));
	/* someone waits, yet NL (even NOQUEUE) is granted at once */
	EXPECT_NE(0, lock(self, own(3, 1), "r", DL_MODE_NL, DL_LKF_NOQUEUE,
			  NULL));
	EXPECT_NE(0, lock(self, own(4, 1), "r", DL_MODE_NL, 0, NULL));
	/* while a CR, compatible with EX? no: CR waits behind PR (FIFO) */
	EXPECT_EQ(0, lock(self, own(5, 1), "r", DL_MODE_CR, DL_LKF_NOQUEUE,
			  NULL));
	EXPECT_EQ(-EAGAIN, rec_find(self->r, DL_LT_OUT_FAILED, 0)->err);
}

TEST_F(lt, dedup_repeated_requests)
{
	struct dl_lt_owner a = own(1, 1), b = own(2, 1);
	struct dl_lt_cmd c = cmd_lock(a, 1600, self->ls, "r", DL_MODE_EX, 0);
	struct dl_lt_out first;
	const struct dl_lt_out *o;
	u64 lb;

	ASSERT_EQ(0, run(self, c));
	first = *rec_find(self->r, DL_LT_OUT_GRANTED, 1600);
	ASSERT_EQ(0, run(self, c));
	o = rec_find(self->r, DL_LT_OUT_GRANTED, 1600);
	ASSERT_NE(NULL, o);
	EXPECT_EQ(first.lock_id, o->lock_id);
	EXPECT_EQ(first.token, o->token);
	EXPECT_EQ(1, stats(self).locks);

	/* a waiting request repeated: no answer yet, no second lock */
	c = cmd_lock(b, 1601, self->ls, "r", DL_MODE_EX, 0);
	ASSERT_EQ(0, run(self, c));
	ASSERT_EQ(0, run(self, c));
	EXPECT_EQ(0, self->r->n);
	EXPECT_EQ(2, stats(self).locks);

	/* unlock repeated: same answer, not an error */
	c = cmd_unlock(a, 1602, first.lock_id);
	ASSERT_EQ(0, run(self, c));
	o = rec_find(self->r, DL_LT_OUT_GRANTED, 1601);
	ASSERT_NE(NULL, o);
	lb = o->lock_id;
	ASSERT_EQ(0, run(self, c));
	EXPECT_NE(NULL, rec_find(self->r, DL_LT_OUT_UNLOCKED, 1602));
	EXPECT_EQ(NULL, rec_find(self->r, DL_LT_OUT_FAILED, 0));
	EXPECT_EQ(1, stats(self).locks);

	/* a NOQUEUE failure is remembered too */
	c = cmd_lock(a, 1603, self->ls, "r", DL_MODE_EX, DL_LKF_NOQUEUE);
	ASSERT_EQ(0, run(self, c));
	EXPECT_EQ(-EAGAIN, rec_find(self->r, DL_LT_OUT_FAILED, 1603)->err);
	/* even once it could be granted */
	ASSERT_NE(NULL, unlock(self, b, lb));
	ASSERT_EQ(0, run(self, c));
	EXPECT_EQ(-EAGAIN, rec_find(self->r, DL_LT_OUT_FAILED, 1603)->err);
}

/*
 * The double execution seen in the VM (performance.rst): one owner with
 * many requests in flight; a retransmission of an early one applied after
 * DL_LT_DEDUP_SLOTS newer ones must not run again.  Here no floor tells
 * the table which answers arrived, so it must keep them all.
 */
TEST_F(lt, dedup_retransmission_after_many_newer)
{
	struct dl_lt_owner a = own(1, 1);
	struct dl_lt_cmd first = cmd_lock(a, 1, self->ls, "r0", DL_MODE_EX, 0);
	const struct dl_lt_out *o;
	char name[16];
	u64 lk;
	int i;

	ASSERT_EQ(0, run(self, first));
	lk = rec_find(self->r, DL_LT_OUT_GRANTED, 1)->lock_id;
	for (i = 1; i <= 4 * DL_LT_DEDUP_SLOTS; i++) {
		snprintf(name, sizeof(name), "r%d", i);
		ASSERT_EQ(0, run(self, cmd_lock(a, 1 + i, self->ls, name,
						DL_MODE_EX, 0)));
	}
	/* the retransmission of request 1: its grant again, no 2nd lock */
	ASSERT_EQ(0, run(self, first));
	o = rec_find(self->r, DL_LT_OUT_GRANTED, 1);
	ASSERT_NE(NULL, o);
	EXPECT_EQ(lk, o->lock_id);
	EXPECT_EQ(4 * DL_LT_DEDUP_SLOTS + 1, stats(self).locks);
	EXPECT_EQ(0, stats(self).dedup_evictions);
}

/* Below the owner's floor, a request is a duplicate: dropped, silently. */
TEST_F(lt, dedup_below_floor_is_dropped)
{
	struct dl_lt_owner a = own(1, 1);
	struct dl_lt_cmd first = cmd_lock(a, 10, self->ls, "r0", DL_MODE_EX, 0);
	struct dl_lt_cmd c;
	u64 lk;

	ASSERT_EQ(0, run(self, first));
	lk = rec_find(self->r, DL_LT_OUT_GRANTED, 10)->lock_id;
	/* the node has the answer of 10: its next request says so */
	c = cmd_lock(a, 11, self->ls, "r1", DL_MODE_EX, 0);
	c.floor = 11;
	ASSERT_EQ(0, run(self, c));
	ASSERT_EQ(0, run(self, first));
	EXPECT_EQ(0, self->r->n);
	EXPECT_EQ(2, stats(self).locks);
	/* an unlock below the floor is dropped too: the lock stays */
	c = cmd_unlock(a, 5, lk);
	ASSERT_EQ(0, run(self, c));
	EXPECT_EQ(0, self->r->n);
	EXPECT_EQ(2, stats(self).locks);
	/* a floor above the request id is malformed */
	c = cmd_lock(a, 12, self->ls, "r2", DL_MODE_EX, 0);
	c.floor = 13;
	EXPECT_EQ(-EINVAL, dl_lt_cmd_check(&c));
	/* the floor never goes back down: 11 stays the floor */
	c.floor = 1;
	ASSERT_EQ(0, run(self, c));
	ASSERT_EQ(0, run(self, first));
	EXPECT_EQ(0, self->r->n);
	EXPECT_EQ(3, stats(self).locks);
}

/*
 * A remembered request at or above the floor keeps its slot: the memory
 * grows instead.  Below the floor, slots are reused and it stays small.
 */
TEST_F(lt, dedup_grows_until_floor_frees)
{
	struct dl_lt_owner a = own(1, 1), b = own(2, 1);
	size_t before, grown;
	struct dl_lt_cmd c;
	char name[16];
	u64 i;

	/* b: every request answered before the next; memory stays */
	before = dl_lt_mem_bytes(self->lt);
	for (i = 1; i <= 4 * DL_LT_DEDUP_SLOTS; i++) {
		snprintf(name, sizeof(name), "b%llu", (unsigned long long)i);
		c = cmd_lock(b, i, self->ls, name, DL_MODE_NL, 0);
		c.floor = i;
		ASSERT_EQ(0, run(self, c));
	}
	grown = dl_lt_mem_bytes(self->lt) - before;
	/* a: request 1 stays unanswered (floor 1) while the rest run */
	before = dl_lt_mem_bytes(self->lt);
	for (i = 1; i <= 4 * DL_LT_DEDUP_SLOTS; i++) {
		snprintf(name, sizeof(name), "a%llu", (unsigned long long)i);
		c = cmd_lock(a, i, self->ls, name, DL_MODE_NL, 0);
		c.floor = 1;
		ASSERT_EQ(0, run(self, c));
	}
	EXPECT_GT(dl_lt_mem_bytes(self->lt) - before,
		  grown + 2 * DL_LT_DEDUP_SLOTS * 35);
	/* every one of a's requests is still known */
	for (i = 1; i <= 4 * DL_LT_DEDUP_SLOTS; i++) {
		snprintf(name, sizeof(name), "a%llu", (unsigned long long)i);
		c = cmd_lock(a, i, self->ls, name, DL_MODE_NL, 0);
		c.floor = 1;
		ASSERT_EQ(0, run(self, c));
		EXPECT_NE(NULL, rec_find(self->r, DL_LT_OUT_GRANTED, i));
	}
	EXPECT_EQ(8 * DL_LT_DEDUP_SLOTS, stats(self).locks);
	EXPECT_EQ(0, stats(self).dedup_evictions);
}

/* Past DL_LT_DEDUP_MAX unanswered requests, the oldest is forgotten. */
TEST_F(lt, dedup_cap_evicts_and_counts)
{
	struct dl_lt_owner a = own(1, 1);
	struct dl_lt_cmd c;
	char name[16];
	u64 i;

	for (i = 1; i <= DL_LT_DEDUP_MAX + 3; i++) {
		snprintf(name, sizeof(name), "a%llu", (unsigned long long)i);
		c = cmd_lock(a, i, self->ls, name, DL_MODE_NL, 0);
		ASSERT_EQ(0, run(self, c));
	}
	EXPECT_EQ(3, stats(self).dedup_evictions);
	/* request 4 is still remembered, 1 is not (it would run again) */
	c = cmd_lock(a, 4, self->ls, "a4", DL_MODE_NL, 0);
	ASSERT_EQ(0, run(self, c));
	EXPECT_EQ(DL_LT_DEDUP_MAX + 3, stats(self).locks);
	c = cmd_lock(a, 1, self->ls, "a1", DL_MODE_NL, 0);
	ASSERT_EQ(0, run(self, c));
	EXPECT_EQ(DL_LT_DEDUP_MAX + 4, stats(self).locks);
}

/*
 * One owner's node with up to 128 locks in flight (the benchmark's async
 * file) over a network that duplicates (retransmissions of every
 * unanswered request), reorders and delays (the pool delivers at random)
 * and loses answers; the node computes each send's floor as client.c
 * does.  Each job locks its own resource EX and, once granted, unlocks
 * it.  Executed twice, a LOCK would be granted a second lock id or block
 * its own first grant (a BLOCKING note), and its phantom would outlive
 * the run: the table must end empty.
 */
#define NET_JOBS	600
#define NET_INFLIGHT	128
#define NET_POOL	8192

struct net_req {
	struct dl_lt_cmd cmd;
	bool answered;
	int job;
	u64 lock_id;		/* LOCK: the one granted */
};

struct net_model {
	struct net_req rq[2 * NET_JOBS + 1];	/* by request id */
	u64 next_req, lowest;	/* lowest: no unanswered request below */
	u32 pool[NET_POOL];	/* request ids of datagrams in flight */
	u64 pool_floor[NET_POOL];
	int npool, done, locks_in_flight;
	u64 rnd;
};

static u32 net_rand(struct net_model *m, u32 n)
{
	m->rnd ^= m->rnd << 13;
	m->rnd ^= m->rnd >> 7;
	m->rnd ^= m->rnd << 17;
	return (u32)(m->rnd % n);
}

/* The floor the node would send now: its lowest unanswered request. */
static u64 net_floor(struct net_model *m)
{
	while (m->lowest < m->next_req && m->rq[m->lowest].answered)
		m->lowest++;
	return m->lowest;
}

static void net_send(struct net_model *m, u64 id)
{
	if (m->npool == NET_POOL)
		return;		/* lost on the way */
	m->pool[m->npool] = (u32)id;
	m->pool_floor[m->npool++] = net_floor(m);
}

static u64 net_issue(struct net_model *m, struct dl_lt_cmd cmd, int job)
{
	u64 id = m->next_req++;

	cmd.req_id = id;
	m->rq[id].cmd = cmd;
	m->rq[id].job = job;
	net_send(m, id);
	return id;
}

static void net_run(struct __test_metadata *_metadata, struct dl_lt *lt,
		    u32 ls, u64 seed)
{
	struct dl_lt_owner a = own(1, seed);	/* a new owner per run */
	struct net_model *m = calloc(1, sizeof(*m));
	struct rec *r = rec_new();
	int jobs = 0, i, steps = 0;
	struct dl_lt_stats st;

	ASSERT_NE(NULL, m);
	m->rnd = seed * 0x9e3779b97f4a7c15ULL + 1;
	m->next_req = m->lowest = 1;
	while (m->done < NET_JOBS || m->npool) {
		u32 pick = net_rand(m, 10), k;
		struct dl_lt_cmd c;
		u64 id;

		ASSERT_LT(steps++, 10000000) TH_LOG("done %d of %d", m->done, jobs);
		if (m->done == NET_JOBS)
			pick = 9;	/* the late duplicates arrive */
		if (pick < 3 && jobs < NET_JOBS &&
		    m->locks_in_flight < NET_INFLIGHT) {
			char name[16];

			snprintf(name, sizeof(name), "job%d", jobs);
			net_issue(m, cmd_lock(a, 0, ls, name, DL_MODE_EX, 0),
				  jobs);
			jobs++;
			m->locks_in_flight++;
			continue;
		}
		if (pick < 5) {		/* an unanswered request's retry */
			id = net_floor(m);	/* each has its own timer */
			if (id < m->next_req && net_rand(m, 2))
				id += net_rand(m, (u32)(m->next_req - id));
			if (id < m->next_req && !m->rq[id].answered)
				net_send(m, id);
			continue;
		}
		if (!m->npool)
			continue;
		k = net_rand(m, m->npool);
		id = m->pool[k];
		c = m->rq[id].cmd;
		c.floor = m->pool_floor[k];
		m->pool[k] = m->pool[--m->npool];
		m->pool_floor[k] = m->pool_floor[m->npool];
		rec_clear(r);
		ASSERT_EQ(0, dl_lt_apply(lt, &c, rec_fn, r));
		for (i = 0; i < r->n; i++) {
			const struct dl_lt_out *o = &r->o[i];
			struct net_req *q = &m->rq[o->req_id];

			ASSERT_NE(DL_LT_OUT_BLOCKING, o->type)
				TH_LOG("seed %llu: request %llu ran twice",
				       (unsigned long long)seed,
				       (unsigned long long)id);
			if (o->type == DL_LT_OUT_GRANTED) {
				/* the same lock every time it is told */
				if (q->lock_id)
					ASSERT_EQ(q->lock_id, o->lock_id)
						TH_LOG("seed %llu req %llu",
						       (unsigned long long)seed,
						       (unsigned long long)o->req_id);
				q->lock_id = o->lock_id;
			}
			ASSERT_NE(DL_LT_OUT_FAILED, o->type);
			if (q->answered || net_rand(m, 4) == 0)
				continue;	/* old news, or lost */
			q->answered = true;
			if (o->type == DL_LT_OUT_GRANTED) {
				m->locks_in_flight--;
				net_issue(m, cmd_unlock(a, 0, o->lock_id),
					  q->job);
			} else {
				m->done++;
			}
		}
	}
	dl_lt_get_stats(lt, &st);
	EXPECT_EQ(0, st.locks) TH_LOG("seed %llu: phantom locks",
				      (unsigned long long)seed);
	EXPECT_EQ(0, st.dedup_evictions);
	free(r);
	free(m);
}

TEST_F(lt, dedup_one_owner_many_in_flight_lossy_network)
{
	u64 seed;

	for (seed = 1; seed <= 20; seed++)
		net_run(_metadata, self->lt, self->ls, seed);
}

TEST_F(lt, dedup_keeps_waiting_requests)
{
	struct dl_lt_owner a = own(1, 1), b = own(2, 1);
	struct dl_lt_cmd wait = cmd_lock(b, 5000, self->ls, "r", DL_MODE_EX, 0);
	u64 la, i;

	la = lock(self, a, "r", DL_MODE_EX, 0, NULL);
	ASSERT_EQ(0, run(self, wait));
	/* b keeps busy elsewhere: far more requests than the window */
	for (i = 0; i < 3 * DL_LT_DEDUP_SLOTS; i++) {
		u64 id = lock(self, b, "elsewhere", DL_MODE_EX, 0, NULL);

		ASSERT_NE(0, id);
		ASSERT_NE(NULL, unlock(self, b, id));
	}
	/* the waiting request, retransmitted, is still known: no 2nd lock */
	ASSERT_EQ(0, run(self, wait));
	EXPECT_EQ(0, self->r->n);
	EXPECT_EQ(2, stats(self).locks);
	ASSERT_NE(NULL, unlock(self, a, la));
	EXPECT_NE(NULL, rec_find(self->r, DL_LT_OUT_GRANTED, 5000));
}

TEST_F(lt, revoke_answers_pending_conversion)
{
	struct dl_lt_owner a = own(1, 1), b = own(2, 1);
	const struct dl_lt_out *o;
	u64 la, lb;

	la = lock(self, a, "r", DL_MODE_PR, 0, NULL);
	lb = lock(self, b, "r", DL_MODE_PR, 0, NULL);
	ASSERT_NE(0, lb);
	ASSERT_EQ(0, run(self, cmd_convert(a, 5100, self->ls, la, DL_MODE_EX,
					   0)));
	ASSERT_EQ(0, run(self, cmd_node(DL_LT_CMD_REVOKE_ALL, 0, 0)));
	/* the conversion is answered, then the grant is revoked */
	ASSERT_EQ(3, self->r->n);
	o = &self->r->o[0];
	EXPECT_EQ(DL_LT_OUT_FAILED, o->type);
	EXPECT_EQ(5100, o->req_id);
	EXPECT_EQ(-ECONNRESET, o->err);
	EXPECT_EQ(DL_LT_OUT_REVOKED, self->r->o[1].type);
	EXPECT_EQ(la, self->r->o[1].lock_id);
	EXPECT_EQ(DL_MODE_PR, self->r->o[1].mode);
	EXPECT_EQ(DL_LT_OUT_REVOKED, self->r->o[2].type);
	EXPECT_EQ(lb, self->r->o[2].lock_id);
	EXPECT_EQ(0, stats(self).locks);
	/* owners survive a re-form (their files are still open) */
	EXPECT_EQ(3, stats(self).owners);
}

TEST_F(lt, bad_commands_change_nothing)
{
	struct dl_lt_owner a = own(1, 1), b = own(2, 1);
	struct buf before, after;
	struct dl_lt_cmd c;
	u64 la;

	la = lock(self, a, "r", DL_MODE_PR, 0, NULL);
	before = snap(self->lt);

	c = cmd_lock(b, 1700, 99, "r", DL_MODE_PR, 0);	/* unknown ls */
	ASSERT_EQ(0, run(self, c));
	EXPECT_EQ(-ENOENT, rec_find(self->r, DL_LT_OUT_FAILED, 1700)->err);
	c = cmd_lock(b, 1701, self->ls, "r", 6, 0);	/* bad mode */
	EXPECT_EQ(-EINVAL, run(self, c));
	EXPECT_EQ(-EINVAL, rec_find(self->r, DL_LT_OUT_FAILED, 1701)->err);
	c = cmd_lock(b, 1702, self->ls, "r", DL_MODE_PR, 0x80); /* flags */
	EXPECT_EQ(-EINVAL, run(self, c));
	c = cmd_unlock(b, 1703, la);			/* not b's lock */
	ASSERT_EQ(0, run(self, c));
	EXPECT_EQ(-ENOENT, rec_find(self->r, DL_LT_OUT_FAILED, 1703)->err);
	c = cmd_unlock(a, 1704, 12345);			/* no such lock */
	ASSERT_EQ(0, run(self, c));
	EXPECT_EQ(-ENOENT, rec_find(self->r, DL_LT_OUT_FAILED, 1704)->err);
	c = cmd_unlock(a, 1705, la);			/* bad lvb length */
	c.flags = DL_LKF_VALBLK;
	c.lvb_len = 64;
	ASSERT_EQ(0, run(self, c));
	EXPECT_EQ(-EINVAL, rec_find(self->r, DL_LT_OUT_FAILED, 1705)->err);
	c = cmd_ls_create(b, 1706, "ls", 32);		/* exists */
	ASSERT_EQ(0, run(self, c));
	EXPECT_EQ(-EEXIST, rec_find(self->r, DL_LT_OUT_FAILED, 1706)->err);
	c = cmd_ls_create(b, 1707, "x", 48);		/* bad lvb size */
	EXPECT_EQ(-EINVAL, run(self, c));
	c = (struct dl_lt_cmd){ .type = DL_LT_CMD_LS_REMOVE, .owner = b,
				.req_id = 1708, .ls_id = self->ls };
	ASSERT_EQ(0, run(self, c));			/* has locks */
	EXPECT_EQ(-EBUSY, rec_find(self->r, DL_LT_OUT_FAILED, 1708)->err);
	c = (struct dl_lt_cmd){ .type = 42, .owner = b };
	EXPECT_EQ(-EINVAL, run(self, c));

	after = snap(self->lt);
	/* identical but for the "applied" counter in the header */
	ASSERT_EQ(before.len, after.len);
	EXPECT_EQ(0, memcmp(before.p + 40, after.p + 40, before.len - 40));
	EXPECT_EQ(1, stats(self).locks);
	buf_free(&before);
	buf_free(&after);
}

TEST_F(lt, lockspace_lifecycle)
{
	struct dl_lt_owner adm = own(9, 0);
	struct dl_lt_ls_info info;
	struct dl_lt_cmd c;
	u64 la;

	c = cmd_ls_create(adm, 1800, "second", 64);
	ASSERT_EQ(0, run(self, c));
	EXPECT_EQ(2, rec_find(self->r, DL_LT_OUT_LS_DONE, 1800)->ls_id);
	/* repeated create: same answer (dedup), not -EEXIST */
	ASSERT_EQ(0, run(self, c));
	EXPECT_EQ(2, rec_find(self->r, DL_LT_OUT_LS_DONE, 1800)->ls_id);
	EXPECT_EQ(2, dl_lt_ls_find(self->lt, (const u8 *)"second", 6, &info));
	EXPECT_EQ(64, info.lvb_len);
	EXPECT_EQ(0, dl_lt_ls_find(self->lt, (const u8 *)"nope", 4, NULL));

	la = lock(self, own(1, 1), "r", DL_MODE_EX, 0, NULL);
	c = (struct dl_lt_cmd){ .type = DL_LT_CMD_LS_REMOVE, .owner = adm,
				.req_id = 1801, .ls_id = self->ls };
	ASSERT_EQ(0, run(self, c));
	EXPECT_EQ(-EBUSY, rec_find(self->r, DL_LT_OUT_FAILED, 1801)->err);
	ASSERT_NE(NULL, unlock(self, own(1, 1), la));
	c.req_id = 1802;
	ASSERT_EQ(0, run(self, c));
	EXPECT_NE(NULL, rec_find(self->r, DL_LT_OUT_LS_DONE, 1802));
	EXPECT_EQ(-ENOENT, dl_lt_ls_get(self->lt, self->ls, &info));
	/* ids are never reused */
	c = cmd_ls_create(adm, 1803, "ls", 32);
	ASSERT_EQ(0, run(self, c));
	EXPECT_EQ(3, rec_find(self->r, DL_LT_OUT_LS_DONE, 1803)->ls_id);
}

TEST_F(lt, blocking_once_per_holder_and_mode)
{
	struct dl_lt_owner a = own(1, 1);
	u64 la, req;

	la = lock(self, a, "r", DL_MODE_PR, 0, NULL);
	EXPECT_EQ(0, lock(self, own(2, 1), "r", DL_MODE_EX, 0, &req));
	EXPECT_EQ(1, rec_count(self->r, DL_LT_OUT_BLOCKING));
	EXPECT_EQ(0, lock(self, own(3, 1), "r", DL_MODE_EX, 0, NULL));
	EXPECT_EQ(0, rec_count(self->r, DL_LT_OUT_BLOCKING));
	EXPECT_EQ(0, lock(self, own(4, 1), "r", DL_MODE_PW, 0, NULL));
	EXPECT_EQ(0, rec_count(self->r, DL_LT_OUT_BLOCKING));
	/* after the EX waiter is cancelled the head wants EX again: no new
	 * note; the holder was already told about EX */
	ASSERT_EQ(0, run(self, cmd_cancel(own(2, 1), 1900, 0, req)));
	EXPECT_EQ(0, rec_count(self->r, DL_LT_OUT_BLOCKING));
	/* a converts: new grant, so notes may be sent afresh */
	ASSERT_EQ(0, run(self, cmd_convert(a, 1901, self->ls, la, DL_MODE_CR,
					   0)));
	EXPECT_EQ(1, rec_count(self->r, DL_LT_OUT_BLOCKING));
}

/*
 * Many readers, one writer waiting: each reader is told once, and letting
 * the readers go one by one stays linear (no walk of all holders per
 * unlock).
 */
TEST_F(lt, many_readers_one_writer)
{
	enum { N = 20000 };
	u64 *ids = calloc(N, sizeof(*ids)), wreq;
	int blocking = 0, i;
	struct timespec t0, t1;

	ASSERT_NE(NULL, ids);
	for (i = 0; i < N; i++) {
		ids[i] = lock(self, own(1 + i % 50, i), "hot", DL_MODE_PR, 0,
			      NULL);
		ASSERT_NE(0, ids[i]);
	}
	EXPECT_EQ(0, lock(self, own(99, 1), "hot", DL_MODE_EX, 0, &wreq));
	EXPECT_EQ(N, rec_count(self->r, DL_LT_OUT_BLOCKING));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < N; i++) {
		ASSERT_NE(NULL, unlock(self, own(1 + i % 50, i), ids[i]));
		blocking += rec_count(self->r, DL_LT_OUT_BLOCKING);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	EXPECT_EQ(0, blocking);
	EXPECT_NE(NULL, rec_find(self->r, DL_LT_OUT_GRANTED, wreq));
	TH_LOG("%d unlocks in %.1f ms", N,
	       ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) /
	       1e6);
	free(ids);
}

static int count_lock(void *ctx, const struct dl_lt_lock_info *lk)
{
	u64 *n = ctx;

	(*n)++;
	return 0;
}

static int count_ls(void *ctx, const struct dl_lt_ls_info *ls)
{
	u64 *n = ctx;

	*n += ls->locks;
	return 0;
}

TEST_F(lt, walks_and_stats)
{
	u64 n = 0, breq;
	struct dl_lt_stats st;

	ASSERT_NE(0, lock(self, own(1, 1), "a", DL_MODE_PR, 0, NULL));
	ASSERT_NE(0, lock(self, own(1, 1), "b", DL_MODE_EX, 0, NULL));
	EXPECT_EQ(0, lock(self, own(2, 1), "b", DL_MODE_EX, 0, &breq));
	EXPECT_EQ(3, dl_lt_walk_locks(self->lt, self->ls, 0, count_lock, &n));
	EXPECT_EQ(3, n);
	n = 0;
	EXPECT_EQ(1, dl_lt_walk_locks(self->lt, self->ls, 2, count_lock, &n));
	EXPECT_EQ(0, dl_lt_walk_locks(self->lt, 99, 0, count_lock, &n));
	n = 0;
	EXPECT_EQ(1, dl_lt_walk_ls(self->lt, 0, count_ls, &n));
	EXPECT_EQ(3, n);
	dl_lt_get_stats(self->lt, &st);
	EXPECT_EQ(1, st.lockspaces);
	EXPECT_EQ(2, st.resources);
	EXPECT_EQ(3, st.locks);
	EXPECT_EQ(2, st.granted);
	EXPECT_EQ(1, st.waiting);
	EXPECT_EQ(3, st.owners);
}

/*
 * Memory per idle held lock, sizeof-based: one lock per resource (the worst
 * case: a resource per lock), 16-byte names, 100 locks per owner, hash
 * buckets included.
 */
TEST(memory_per_lock)
{
	struct dl_lt *lt = dl_lt_create();
	struct dl_lt_cmd c = cmd_ls_create(own(9, 0), 1, "ls", 64);
	const char *env = getenv("DLOCK_LT_MILLION");
	u64 n = env ? 1000000 : 200000, i;
	size_t base, per;
	struct timespec t0, t1;
	struct dl_lt_stats st;

	ASSERT_NE(NULL, lt);
	ASSERT_EQ(0, dl_lt_apply(lt, &c, NULL, NULL));
	base = dl_lt_mem_bytes(lt);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n; i++) {
		char name[17];

		snprintf(name, sizeof(name), "res-%012llu",
			 (unsigned long long)i);
		c = cmd_lock(own(1 + (i / 100) % 7, i / 100), i + 1, 1, name,
			     DL_MODE_PR, 0);
		c.floor = c.req_id;	/* the owner had every earlier answer */
		ASSERT_EQ(0, dl_lt_apply(lt, &c, NULL, NULL));
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	dl_lt_get_stats(lt, &st);
	ASSERT_EQ(n, st.locks);
	ASSERT_EQ(n, st.granted);
	per = (dl_lt_mem_bytes(lt) - base) / n;
	TH_LOG("%llu locks: %zu bytes/lock, %.0f ns/lock",
	       (unsigned long long)n, per,
	       ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) /
	       n);
	EXPECT_LT(per, 300);
	dl_lt_destroy(lt);
}

TEST_HARNESS_MAIN
