// SPDX-License-Identifier: GPL-2.0
/*
 * core_lockmodel_test.c - randomized model test of the lock table.
 *
 * Random command streams (locks, conversions, unlocks, cancels, repeats,
 * revocations, lockspace churn, junk) are applied to two tables; one of
 * them is now and then replaced by load(save(itself)), cut into random
 * chunks.  After every command:
 *   - both tables emitted the same outputs, byte for byte;
 *   - no resource has two incompatible granted modes;
 *   - nothing grantable is left waiting (conversions: compatible with the
 *     other grants; new requests: queue head, no conversions, compatible);
 *   - every fresh grant's fencing token is above every token seen before;
 *   - the counters agree with a full walk.
 * and the table's own dl_lt_check() passes on both.  Every few dozen
 * commands the two tables must serialize identically.
 */
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#include "core_lock_util.h"

static bool out_eq(const struct dl_lt_out *a, const struct dl_lt_out *b)
{
	return a->type == b->type && a->mode == b->mode &&
	       a->lvb_valid == b->lvb_valid && a->lvb_len == b->lvb_len &&
	       a->err == b->err && a->ls_id == b->ls_id &&
	       a->owner.node == b->owner.node &&
	       a->owner.incarnation == b->owner.incarnation &&
	       a->owner.id == b->owner.id && a->req_id == b->req_id &&
	       a->lock_id == b->lock_id && a->token == b->token &&
	       (!a->lvb_len || !memcmp(a->lvb, b->lvb, a->lvb_len));
}

/* State of the invariant walk over one resource at a time. */
struct walk {
	const u8 *res;		/* current resource (name pointer) */
	u32 ls;
	u32 gcount[DL_MODE_COUNT];
	struct dl_lt_lock_info conv[64];
	int nconv;
	bool saw_wait;
	u64 locks, granted, waiting;
	const char *bad;	/* first violation found */
	u64 max_token;
};

static bool compat_with_counts(const u32 *gcount, u8 mode, u8 self)
{
	u32 m;

	for (m = 0; m < DL_MODE_COUNT; m++) {
		u32 n = gcount[m] - (m == self);

		if (n && !dl_mode_compat(mode, m))
			return false;
	}
	return true;
}

static void walk_res_done(struct walk *w)
{
	int i;

	for (i = 0; i < w->nconv && !w->bad; i++)
		if (compat_with_counts(w->gcount, w->conv[i].req_mode,
				       w->conv[i].mode))
			w->bad = "grantable conversion left waiting";
	memset(w->gcount, 0, sizeof(w->gcount));
	w->nconv = 0;
	w->saw_wait = false;
}

static int walk_lock(void *ctx, const struct dl_lt_lock_info *lk)
{
	struct walk *w = ctx;
	u32 m;

	if (lk->res != w->res) {
		walk_res_done(w);
		w->res = lk->res;
	}
	w->locks++;
	if (lk->mode != DL_MODE_NONE) {
		w->granted++;
		/* compatible with everything granted before it */
		for (m = 0; m < DL_MODE_COUNT; m++)
			if (w->gcount[m] && !dl_mode_compat(lk->mode, m))
				w->bad = "incompatible modes granted together";
		w->gcount[lk->mode]++;
		if (lk->token > w->max_token)
			w->bad = "token above the sequence";
		if (!lk->token)
			w->bad = "granted lock without a token";
	}
	if (lk->waiting)
		w->waiting++;
	if (lk->waiting && lk->mode != DL_MODE_NONE) {
		if (w->nconv < 64)
			w->conv[w->nconv++] = *lk;
	} else if (lk->waiting && !w->saw_wait) {
		/* head of the wait queue (walks come grant, convert, wait) */
		w->saw_wait = true;
		if (!w->nconv &&
		    compat_with_counts(w->gcount, lk->req_mode, DL_MODE_NONE))
			w->bad = "grantable head of wait queue left waiting";
	}
	return 0;
}

static const char *check_invariants(const struct dl_lt *lt)
{
	struct dl_lt_stats st;
	struct walk w;
	u32 ls;

	memset(&w, 0, sizeof(w));
	dl_lt_get_stats(lt, &st);
	w.max_token = st.token_seq;
	for (ls = 1; ls < 64; ls++) {
		w.res = NULL;
		dl_lt_walk_locks(lt, ls, 0, walk_lock, &w);
		walk_res_done(&w);
	}
	if (w.bad)
		return w.bad;
	if (w.locks != st.locks || w.granted != st.granted ||
	    w.waiting != st.waiting)
		return "counters disagree with a walk";
	return NULL;
}

static void setup_ls(struct dl_lt *lt)
{
	static const char *const lss[] = { "one", "two", "three" };
	int i;

	for (i = 0; i < 3; i++) {
		struct dl_lt_cmd c = cmd_ls_create(own(9, 0), i + 1, lss[i],
						   i == 1 ? 64 : 32);

		dl_lt_apply(lt, &c, NULL, NULL);
	}
}

static void run_seed(struct __test_metadata *_metadata, u64 seed, int steps)
{
	struct dl_lt *a = dl_lt_create(), *b = dl_lt_create();
	struct rec *ra = rec_new(), *rb = rec_new();
	struct gen g;
	u64 max_token = 0, reloads = 0;
	int step, i;

	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	gen_init(&g, seed);
	setup_ls(a);
	setup_ls(b);
	for (step = 0; step < steps; step++) {
		struct dl_lt_cmd c = gen_next(&g, a);
		const char *bad;
		int ea, eb;

		rec_clear(ra);
		rec_clear(rb);
		ea = dl_lt_apply(a, &c, rec_fn, ra);
		eb = dl_lt_apply(b, &c, rec_fn, rb);
		ASSERT_EQ(ea, eb);
		gen_observe(&g, ra);
		ASSERT_TRUE(ea == 0 || ea == -EINVAL);
		ASSERT_EQ(ra->n, rb->n) TH_LOG("seed %llu step %d",
					       (unsigned long long)seed, step);
		for (i = 0; i < ra->n; i++)
			ASSERT_TRUE(out_eq(&ra->o[i], &rb->o[i]))
				TH_LOG("seed %llu step %d out %d",
				       (unsigned long long)seed, step, i);
		/* fresh grants take ever higher tokens */
		for (i = 0; i < ra->n && !g.last_dup; i++) {
			if (ra->o[i].type != DL_LT_OUT_GRANTED)
				continue;
			ASSERT_GT(ra->o[i].token, max_token)
				TH_LOG("seed %llu step %d",
				       (unsigned long long)seed, step);
			max_token = ra->o[i].token;
		}
		ASSERT_EQ(0, dl_lt_check(a)) TH_LOG("seed %llu step %d",
						    (unsigned long long)seed,
						    step);
		ASSERT_EQ(0, dl_lt_check(b));
		bad = check_invariants(a);
		ASSERT_EQ(NULL, bad) TH_LOG("seed %llu step %d: %s",
					    (unsigned long long)seed, step,
					    bad);

		if (step % 97 == 96) {
			/* b restarts from its own snapshot, in random cuts */
			struct buf s = snap(b);
			struct dl_lt *nb = NULL;

			ASSERT_EQ(0, load(s.p, s.len, 1 + gen_pick(&g, 700),
					  &nb));
			buf_free(&s);
			dl_lt_destroy(b);
			b = nb;
			reloads++;
		}
		if (step % 50 == 49)
			ASSERT_TRUE(snap_equal(a, b)) TH_LOG("seed %llu step %d",
				(unsigned long long)seed, step);
	}
	ASSERT_TRUE(snap_equal(a, b));
	ASSERT_GT(reloads, 0);
	dl_lt_destroy(a);
	dl_lt_destroy(b);
	free(ra);
	free(rb);
}

TEST(random_streams_agree_and_keep_invariants)
{
	const char *env = getenv("DLOCK_LT_SEEDS");
	u64 seeds = env ? strtoull(env, NULL, 0) : 100, s;

	for (s = 1; s <= seeds; s++)
		run_seed(_metadata, s, 2000);
}

/* The workload is not trivial: it reaches every kind of outcome. */
TEST(workload_covers_outcomes)
{
	struct dl_lt *lt = dl_lt_create();
	struct rec *r = rec_new();
	int seen[8] = { 0 }, errs[5] = { 0 }, step, i;
	struct gen g;

	gen_init(&g, 7);
	setup_ls(lt);
	for (step = 0; step < 5000; step++) {
		struct dl_lt_cmd c = gen_next(&g, lt);

		rec_clear(r);
		dl_lt_apply(lt, &c, rec_fn, r);
		gen_observe(&g, r);
		for (i = 0; i < r->n; i++) {
			seen[r->o[i].type]++;
			errs[0] += r->o[i].err == -EDEADLK;
			errs[1] += r->o[i].err == -EAGAIN;
			errs[2] += r->o[i].err == -ECANCELED;
			errs[3] += r->o[i].err == -ECONNRESET;
			errs[4] += r->o[i].err == -ESTALE;
		}
	}
	for (i = DL_LT_OUT_GRANTED; i <= DL_LT_OUT_LS_DONE; i++)
		EXPECT_GT(seen[i], 0) TH_LOG("output type %d never seen", i);
	for (i = 0; i < 5; i++)
		EXPECT_GT(errs[i], 0) TH_LOG("error %d never seen", i);
	TH_LOG("granted %d failed %d unlocked %d blocking %d revoked %d; "
	       "EDEADLK %d EAGAIN %d ECANCELED %d ECONNRESET %d ESTALE %d",
	       seen[1], seen[2], seen[3], seen[4], seen[5], errs[0], errs[1],
	       errs[2], errs[3], errs[4]);
	dl_lt_destroy(lt);
	free(r);
}

TEST_HARNESS_MAIN
