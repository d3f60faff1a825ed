// SPDX-License-Identifier: GPL-2.0
/*
 * core_locksnap_test.c - lock-table snapshots: load(save(x)) equals x, by
 * structure and by re-serialization, whatever the chunking; the loaded
 * table behaves like the original; every truncation and crafted
 * inconsistency is refused; random mutations never crash the loader.
 */
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#include "core_lock_util.h"

/* A table with a bit of everything: grants, converters, waiters, two
 * lockspaces, written and invalidated value blocks, dedup memory, node
 * incarnation floors. */
static struct dl_lt *build(void)
{
	struct dl_lt *lt = dl_lt_create();
	struct dl_lt_owner a = own(1, 1), b = own(2, 1), c = own(3, 7);
	struct dl_lt_cmd cmds[32];
	int n = 0, i;

	cmds[n++] = cmd_ls_create(own(9, 0), 1, "alpha", 32);
	cmds[n++] = cmd_ls_create(own(9, 0), 2, "beta", 64);
	cmds[n++] = cmd_lock(a, 10, 1, "r1", DL_MODE_PR, 0);	/* lock 1 */
	cmds[n++] = cmd_lock(b, 11, 1, "r1", DL_MODE_PR, 0);	/* lock 2 */
	cmds[n++] = cmd_convert(a, 12, 1, 1, DL_MODE_EX, 0);	/* converts */
	cmds[n++] = cmd_lock(c, 13, 1, "r1", DL_MODE_CR, DL_LKF_VALBLK);
	cmds[n++] = cmd_lock(c, 14, 2, "\x01\xff bin", DL_MODE_EX,
			     DL_LKF_VALBLK);			/* lock 4 */
	/* b's NL keeps the resource and its value block alive */
	cmds[n++] = cmd_lock(b, 16, 2, "\x01\xff bin", DL_MODE_NL, 0);
	cmds[n] = cmd_unlock(c, 15, 4);
	cmds[n].flags = DL_LKF_VALBLK;
	cmds[n].lvb_len = 64;
	memset(cmds[n].lvb, 0x6b, 64);
	n++;
	cmds[n++] = cmd_lock(a, 17, 2, "\x01\xff bin", DL_MODE_PW, 0);
	cmds[n++] = cmd_lock(own(4, 1), 18, 2, "\x01\xff bin", DL_MODE_EX, 0);
	cmds[n++] = cmd_lock(own(4, 1), 19, 1, "other", DL_MODE_EX, 0);
	cmds[n++] = cmd_node(DL_LT_CMD_NODE_INCARNATION, 5, 3);
	cmds[n++] = cmd_lock(own(4, 2), 20, 1, "other", DL_MODE_PW,
			     DL_LKF_NOQUEUE);			/* EAGAIN */
	for (i = 0; i < n; i++)
		if (dl_lt_apply(lt, &cmds[i], NULL, NULL))
			abort();
	return lt;
}

struct locks {
	struct dl_lt_lock_info l[64];
	u8 res[64][DL_LT_NAME_MAX];
	int n;
};

static int collect(void *ctx, const struct dl_lt_lock_info *lk)
{
	struct locks *ls = ctx;

	ls->l[ls->n] = *lk;
	memcpy(ls->res[ls->n], lk->res, lk->res_len);
	ls->l[ls->n].res = ls->res[ls->n];
	ls->n++;
	return 0;
}

/* Structural equality through the public queries. */
static void expect_same(struct __test_metadata *_metadata,
			const struct dl_lt *x, const struct dl_lt *y)
{
	struct dl_lt_stats sx, sy;
	struct locks *lx = calloc(1, sizeof(*lx)), *ly = calloc(1, sizeof(*ly));
	u32 ls;
	int i;

	dl_lt_get_stats(x, &sx);
	dl_lt_get_stats(y, &sy);
	EXPECT_EQ(0, memcmp(&sx, &sy, sizeof(sx)));
	for (ls = 1; ls <= 3; ls++) {
		struct dl_lt_ls_info ix, iy;

		EXPECT_EQ(dl_lt_ls_get(x, ls, &ix), dl_lt_ls_get(y, ls, &iy));
		lx->n = ly->n = 0;
		dl_lt_walk_locks(x, ls, 0, collect, lx);
		dl_lt_walk_locks(y, ls, 0, collect, ly);
		ASSERT_EQ(lx->n, ly->n);
		for (i = 0; i < lx->n; i++) {
			const struct dl_lt_lock_info *a = &lx->l[i],
						     *b = &ly->l[i];
			u8 va[DL_LT_LVB_MAX], vb[DL_LT_LVB_MAX];
			bool oka, okb;
			struct dl_lt_lock_info t;

			EXPECT_EQ(a->lock_id, b->lock_id);
			EXPECT_EQ(a->mode, b->mode);
			EXPECT_EQ(a->req_mode, b->req_mode);
			EXPECT_EQ(a->waiting, b->waiting);
			EXPECT_EQ(a->token, b->token);
			EXPECT_EQ(a->owner.node, b->owner.node);
			EXPECT_EQ(a->owner.incarnation, b->owner.incarnation);
			EXPECT_EQ(a->owner.id, b->owner.id);
			ASSERT_EQ(a->res_len, b->res_len);
			EXPECT_EQ(0, memcmp(a->res, b->res, a->res_len));
			ASSERT_EQ(0, dl_lt_lock_get(x, a->lock_id, &t, va,
						    &oka));
			ASSERT_EQ(0, dl_lt_lock_get(y, b->lock_id, &t, vb,
						    &okb));
			EXPECT_EQ(0, memcmp(va, vb, sizeof(va)));
			EXPECT_EQ(oka, okb);
		}
	}
	free(lx);
	free(ly);
}

TEST(round_trip_any_chunking)
{
	static const size_t steps[] = { 1, 2, 3, 7, 64, 333, 4096, 1 << 20 };
	struct dl_lt *lt = build(), *copy;
	struct dl_lt_stats st;
	struct buf s = snap(lt);
	unsigned int i;

	dl_lt_get_stats(lt, &st);
	/* the scenario really has waiters and converters */
	ASSERT_EQ(3, st.waiting);
	ASSERT_GT(s.len, 0);
	for (i = 0; i < DL_ARRAY_SIZE(steps); i++) {
		struct buf again;

		copy = NULL;
		ASSERT_EQ(0, load(s.p, s.len, steps[i], &copy));
		ASSERT_NE(NULL, copy);
		expect_same(_metadata, lt, copy);
		again = snap(copy);
		ASSERT_EQ(s.len, again.len);
		EXPECT_EQ(0, memcmp(s.p, again.p, s.len));
		buf_free(&again);
		dl_lt_destroy(copy);
	}
	buf_free(&s);
	dl_lt_destroy(lt);
}

TEST(loaded_table_behaves_the_same)
{
	struct dl_lt *lt = build(), *copy = NULL;
	struct rec *ra = rec_new(), *rb = rec_new();
	struct buf s = snap(lt);
	struct dl_lt_cmd next[8];
	int n = 0, i, j;

	ASSERT_EQ(0, load(s.p, s.len, 100, &copy));
	next[n++] = cmd_lock(own(1, 1), 10, 1, "r1", DL_MODE_PR, 0); /* dup */
	next[n++] = cmd_unlock(own(2, 1), 30, 2);	/* a's EX goes through */
	next[n++] = cmd_lock(own(4, 2), 20, 1, "other", DL_MODE_PW,
			     DL_LKF_NOQUEUE);		/* dup: EAGAIN again */
	next[n++] = cmd_node(DL_LT_CMD_EXPIRE_NODE, 1, 0);
	next[n++] = cmd_lock(own(5, 2), 31, 1, "x", DL_MODE_EX, 0); /* stale */
	next[n++] = cmd_node(DL_LT_CMD_REVOKE_ALL, 0, 0);
	for (i = 0; i < n; i++) {
		rec_clear(ra);
		rec_clear(rb);
		dl_lt_apply(lt, &next[i], rec_fn, ra);
		dl_lt_apply(copy, &next[i], rec_fn, rb);
		ASSERT_EQ(ra->n, rb->n) TH_LOG("command %d", i);
		ASSERT_GT(ra->n, 0);
		for (j = 0; j < ra->n; j++) {
			EXPECT_EQ(ra->o[j].type, rb->o[j].type);
			EXPECT_EQ(ra->o[j].lock_id, rb->o[j].lock_id);
			EXPECT_EQ(ra->o[j].token, rb->o[j].token);
			EXPECT_EQ(ra->o[j].err, rb->o[j].err);
			EXPECT_EQ(ra->o[j].req_id, rb->o[j].req_id);
		}
		EXPECT_TRUE(snap_equal(lt, copy));
	}
	buf_free(&s);
	dl_lt_destroy(lt);
	dl_lt_destroy(copy);
	free(ra);
	free(rb);
}

/*
 * Dedup memory that grew past DL_LT_DEDUP_SLOTS (DEDUP records) and the
 * owner's floor survive a round trip: the copy saves the same bytes,
 * recognises a request kept in a grown slot and drops one below the floor.
 */
TEST(grown_dedup_and_floor_round_trip)
{
	struct dl_lt *lt = build(), *copy = NULL;
	struct rec *ra = rec_new(), *rb = rec_new();
	struct dl_lt_cmd c, next[3];
	struct buf s;
	char name[16];
	int i, j;

	/* owner 7's request 100 stays unanswered: its memory must grow */
	for (i = 0; i < 3 * DL_LT_DEDUP_SLOTS; i++) {
		snprintf(name, sizeof(name), "g%d", i);
		c = cmd_lock(own(7, 1), 100 + i, 1, name, DL_MODE_NL, 0);
		c.floor = 100;
		ASSERT_EQ(0, dl_lt_apply(lt, &c, NULL, NULL));
	}
	/* owner 8 had every answer: 200 is below its floor */
	c = cmd_lock(own(8, 1), 200, 1, "h0", DL_MODE_NL, 0);
	ASSERT_EQ(0, dl_lt_apply(lt, &c, NULL, NULL));
	c = cmd_lock(own(8, 1), 201, 1, "h1", DL_MODE_NL, 0);
	c.floor = 201;
	ASSERT_EQ(0, dl_lt_apply(lt, &c, NULL, NULL));
	s = snap(lt);
	ASSERT_EQ(0, load(s.p, s.len, 333, &copy));
	EXPECT_TRUE(snap_equal(lt, copy));

	next[0] = cmd_lock(own(7, 1), 100 + 2 * DL_LT_DEDUP_SLOTS + 1, 1,
			   "again", DL_MODE_NL, 0);	/* in a grown slot */
	next[1] = cmd_lock(own(8, 1), 200, 1, "h0", DL_MODE_NL, 0);
	next[2] = cmd_lock(own(7, 1), 100, 1, "g0", DL_MODE_NL, 0);
	for (i = 0; i < 3; i++) {
		rec_clear(ra);
		rec_clear(rb);
		ASSERT_EQ(0, dl_lt_apply(lt, &next[i], rec_fn, ra));
		ASSERT_EQ(0, dl_lt_apply(copy, &next[i], rec_fn, rb));
		ASSERT_EQ(ra->n, rb->n) TH_LOG("command %d", i);
		/* a replay of a grant, or nothing: never a new lock */
		EXPECT_EQ(i == 1 ? 0 : 1, ra->n) TH_LOG("command %d", i);
		for (j = 0; j < ra->n; j++) {
			EXPECT_EQ(DL_LT_OUT_GRANTED, rb->o[j].type);
			EXPECT_EQ(ra->o[j].lock_id, rb->o[j].lock_id);
			EXPECT_EQ(ra->o[j].token, rb->o[j].token);
		}
		EXPECT_TRUE(snap_equal(lt, copy));
	}
	buf_free(&s);
	dl_lt_destroy(lt);
	dl_lt_destroy(copy);
	free(ra);
	free(rb);
}

/* A grown owner whose DEDUP records are missing or extra is refused. */
TEST(dedup_records_must_match_count)
{
	struct dl_lt *lt = dl_lt_create(), *copy = NULL;
	struct dl_lt_cmd c = cmd_ls_create(own(9, 0), 1, "ls", 32);
	struct buf s;
	size_t own_at, rec_len = 0;
	int i;

	ASSERT_EQ(0, dl_lt_apply(lt, &c, NULL, NULL));
	for (i = 0; i < DL_LT_DEDUP_SLOTS + 1; i++) {
		char name[16];

		snprintf(name, sizeof(name), "g%d", i);
		c = cmd_lock(own(7, 1), 100 + i, 1, name, DL_MODE_NL, 0);
		c.floor = 100;
		ASSERT_EQ(0, dl_lt_apply(lt, &c, NULL, NULL));
	}
	s = snap(lt);
	ASSERT_EQ(0, load(s.p, s.len, 64, &copy));
	dl_lt_destroy(copy);
	/* find the one DEDUP record (type 8) by walking the records */
	for (own_at = 0; own_at < s.len; own_at += 3 + rec_len) {
		rec_len = s.p[own_at + 1] | (size_t)s.p[own_at + 2] << 8;
		if (s.p[own_at] == 8)
			break;
	}
	ASSERT_LT(own_at, s.len);
	/* cut it out: the owner says 32 slots but brings 16 */
	memmove(s.p + own_at, s.p + own_at + 3 + rec_len,
		s.len - own_at - 3 - rec_len);
	copy = NULL;
	EXPECT_EQ(-EINVAL, load(s.p, s.len - 3 - rec_len, 64, &copy));
	EXPECT_EQ(NULL, copy);
	buf_free(&s);
	dl_lt_destroy(lt);
}

TEST(empty_table)
{
	struct dl_lt *lt = dl_lt_create(), *copy = NULL;
	struct buf s = snap(lt);

	ASSERT_EQ(0, load(s.p, s.len, 5, &copy));
	EXPECT_TRUE(snap_equal(lt, copy));
	buf_free(&s);
	dl_lt_destroy(lt);
	dl_lt_destroy(copy);
}

TEST(every_truncation_refused)
{
	struct dl_lt *lt = build(), *copy;
	struct buf s = snap(lt);
	size_t cut;

	for (cut = 0; cut < s.len; cut++) {
		copy = (struct dl_lt *)1;
		EXPECT_EQ(-EINVAL, load(s.p, cut, 1 + cut % 50, &copy))
			TH_LOG("cut %zu", cut);
		EXPECT_EQ(NULL, copy);
	}
	buf_free(&s);
	dl_lt_destroy(lt);
}

static int failing_sink(void *ctx, const void *buf, size_t len)
{
	int *calls = ctx;

	(*calls)++;
	return len > 4096 ? -E2BIG : -EIO;
}

TEST(sink_error_and_chunk_size)
{
	struct dl_lt *lt = build();
	struct buf s = { 0 };
	int calls = 0;
	u64 i;

	EXPECT_EQ(-EIO, dl_lt_snapshot_save(lt, failing_sink, &calls));
	EXPECT_EQ(1, calls);	/* nothing more after the error */
	/* a big table comes in several pieces of at most 4096 bytes */
	for (i = 0; i < 3000; i++) {
		char name[24];
		struct dl_lt_cmd c;

		snprintf(name, sizeof(name), "bulk-%llu",
			 (unsigned long long)i);
		c = cmd_lock(own(6, i % 50), 1000 + i, 1, name, DL_MODE_EX, 0);
		ASSERT_EQ(0, dl_lt_apply(lt, &c, NULL, NULL));
	}
	ASSERT_EQ(0, dl_lt_snapshot_save(lt, buf_sink, &s));
	EXPECT_GT(s.chunks, 10);
	EXPECT_LE(s.len, s.chunks * 4096);
	buf_free(&s);
	dl_lt_destroy(lt);
}

/* ---- crafted snapshots ---- */

struct craft {
	u8 b[4096];
	size_t len;
};

static u8 *rec_begin(struct craft *c, u8 type, u16 len)
{
	u8 *p = c->b + c->len;

	p[0] = type;
	p[1] = len & 0xff;
	p[2] = len >> 8;
	c->len += 3 + len;
	memset(p + 3, 0, len);
	return p + 3;
}

static void le(u8 *p, u64 v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		p[i] = (u8)(v >> (8 * i));
}

static void c_hdr(struct craft *c, u32 nls, u64 owners, u64 locks)
{
	u8 *p = rec_begin(c, 1, 56);

	le(p, 0x544c4c44, 4);	/* magic */
	le(p + 4, 2, 4);	/* version */
	le(p + 8, 10, 4);	/* next lockspace id */
	le(p + 12, 100, 8);	/* next lock id */
	le(p + 20, 50, 8);	/* fencing token sequence */
	le(p + 28, 0, 8);	/* commands applied */
	le(p + 36, nls, 4);
	le(p + 40, owners, 8);
	le(p + 48, locks, 8);
}

static void c_owner(struct craft *c, u32 node)
{
	/* key, floor, slot count, the first DL_LT_DEDUP_SLOTS slots */
	u8 *p = rec_begin(c, 3, 20 + 8 + 2 + DL_LT_DEDUP_SLOTS * 35);

	le(p, node, 4);
	le(p + 4, 1, 8);
	le(p + 12, 1, 8);
	le(p + 28, DL_LT_DEDUP_SLOTS, 2);
}

static void c_ls(struct craft *c, u32 id)
{
	u8 *p = rec_begin(c, 4, 4 + 3 + 2);

	le(p, id, 4);
	p[4] = 32;
	p[5] = 0;	/* flags */
	p[6] = 2;
	p[7] = 'l';
	p[8] = (u8)('0' + id);
}

static void c_res(struct craft *c, const char *name)
{
	u8 *p = rec_begin(c, 5, 2 + strlen(name));

	p[1] = (u8)strlen(name);
	memcpy(p + 2, name, strlen(name));
}

static void c_lock(struct craft *c, u64 id, u32 node, u8 gr, u8 rq, u8 q,
		   u64 token)
{
	u8 *p = rec_begin(c, 6, 8 + 20 + 5 + 16);

	le(p, id, 8);
	le(p + 8, node, 4);
	le(p + 12, 1, 8);
	le(p + 20, 1, 8);
	p[28] = gr;
	p[29] = rq;
	p[30] = q;
	le(p + 33, token, 8);
}

static void c_end(struct craft *c)
{
	rec_begin(c, 7, 0);
}

static int c_load(struct craft *c)
{
	struct dl_lt *lt = NULL;
	int err = load(c->b, c->len, 17, &lt);

	dl_lt_destroy(lt);
	return err;
}

TEST(crafted_snapshots)
{
	struct craft c;

	/* a valid one first, so that the refusals below mean something */
	memset(&c, 0, sizeof(c));
	c_hdr(&c, 1, 2, 2);
	c_owner(&c, 1);
	c_owner(&c, 2);
	c_ls(&c, 1);
	c_res(&c, "r");
	c_lock(&c, 5, 1, DL_MODE_PR, DL_MODE_NONE, 0, 7);
	c_lock(&c, 6, 2, DL_MODE_NONE, DL_MODE_EX, 2, 0);
	c_end(&c);
	ASSERT_EQ(0, c_load(&c));

	/* two EX grants on one resource */
	memset(&c, 0, sizeof(c));
	c_hdr(&c, 1, 2, 2);
	c_owner(&c, 1);
	c_owner(&c, 2);
	c_ls(&c, 1);
	c_res(&c, "r");
	c_lock(&c, 5, 1, DL_MODE_EX, DL_MODE_NONE, 0, 7);
	c_lock(&c, 6, 2, DL_MODE_EX, DL_MODE_NONE, 0, 8);
	c_end(&c);
	EXPECT_EQ(-EINVAL, c_load(&c));

	/* a lock of an unknown owner */
	memset(&c, 0, sizeof(c));
	c_hdr(&c, 1, 1, 1);
	c_owner(&c, 1);
	c_ls(&c, 1);
	c_res(&c, "r");
	c_lock(&c, 5, 2, DL_MODE_PR, DL_MODE_NONE, 0, 7);
	c_end(&c);
	EXPECT_EQ(-EINVAL, c_load(&c));

	/* duplicate lock id; lock id beyond the counter; token beyond */
	memset(&c, 0, sizeof(c));
	c_hdr(&c, 1, 1, 2);
	c_owner(&c, 1);
	c_ls(&c, 1);
	c_res(&c, "r");
	c_lock(&c, 5, 1, DL_MODE_PR, DL_MODE_NONE, 0, 7);
	c_lock(&c, 5, 1, DL_MODE_PR, DL_MODE_NONE, 0, 8);
	c_end(&c);
	EXPECT_EQ(-EINVAL, c_load(&c));
	memset(&c, 0, sizeof(c));
	c_hdr(&c, 1, 1, 1);
	c_owner(&c, 1);
	c_ls(&c, 1);
	c_res(&c, "r");
	c_lock(&c, 100, 1, DL_MODE_PR, DL_MODE_NONE, 0, 7);
	c_end(&c);
	EXPECT_EQ(-EINVAL, c_load(&c));
	memset(&c, 0, sizeof(c));
	c_hdr(&c, 1, 1, 1);
	c_owner(&c, 1);
	c_ls(&c, 1);
	c_res(&c, "r");
	c_lock(&c, 5, 1, DL_MODE_PR, DL_MODE_NONE, 0, 51);
	c_end(&c);
	EXPECT_EQ(-EINVAL, c_load(&c));

	/* a waiter with a granted mode; a granted lock in the wait queue */
	memset(&c, 0, sizeof(c));
	c_hdr(&c, 1, 1, 1);
	c_owner(&c, 1);
	c_ls(&c, 1);
	c_res(&c, "r");
	c_lock(&c, 5, 1, DL_MODE_PR, DL_MODE_EX, 2, 7);
	c_end(&c);
	EXPECT_EQ(-EINVAL, c_load(&c));

	/* a resource without locks; counts not matching the header */
	memset(&c, 0, sizeof(c));
	c_hdr(&c, 1, 1, 0);
	c_owner(&c, 1);
	c_ls(&c, 1);
	c_res(&c, "r");
	c_end(&c);
	EXPECT_EQ(-EINVAL, c_load(&c));
	memset(&c, 0, sizeof(c));
	c_hdr(&c, 2, 1, 0);
	c_owner(&c, 1);
	c_ls(&c, 1);
	c_end(&c);
	EXPECT_EQ(-EINVAL, c_load(&c));

	/* records out of order: a lockspace before an owner */
	memset(&c, 0, sizeof(c));
	c_hdr(&c, 1, 1, 0);
	c_ls(&c, 1);
	c_owner(&c, 1);
	c_end(&c);
	EXPECT_EQ(-EINVAL, c_load(&c));

	/* bytes after END; no END */
	memset(&c, 0, sizeof(c));
	c_hdr(&c, 0, 0, 0);
	c_end(&c);
	ASSERT_EQ(0, c_load(&c));
	c.b[c.len++] = 7;
	EXPECT_EQ(-EINVAL, c_load(&c));
	memset(&c, 0, sizeof(c));
	c_hdr(&c, 0, 0, 0);
	EXPECT_EQ(-EINVAL, c_load(&c));
	/* a bad magic */
	memset(&c, 0, sizeof(c));
	c_hdr(&c, 0, 0, 0);
	c_end(&c);
	c.b[3] ^= 1;
	EXPECT_EQ(-EINVAL, c_load(&c));
}

static u64 rng = 0xfeedfacecafef00dULL;

static u32 rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (u32)rng;
}

TEST(random_mutations)
{
	struct dl_lt *lt = build();
	struct buf s = snap(lt);
	int iter, accepted = 0;

	for (iter = 0; iter < 20000; iter++) {
		u8 *m = malloc(s.len);
		struct dl_lt *copy = NULL;
		size_t len = s.len;
		int k;

		memcpy(m, s.p, s.len);
		for (k = 1 + rnd() % 3; k; k--) {
			if (rnd() % 8 == 0)
				len = rnd() % len + 1;
			else
				m[rnd() % len] ^= 1U << (rnd() % 8);
		}
		if (!load(m, len, 1 + rnd() % 300, &copy)) {
			struct buf again = snap(copy);

			accepted++;
			/* accepted means canonical: it saves back the same */
			EXPECT_EQ(len, again.len);
			EXPECT_EQ(0, memcmp(m, again.p, DL_MIN(len, again.len)));
			buf_free(&again);
			dl_lt_destroy(copy);
		}
		free(m);
	}
	TH_LOG("%d of 20000 mutants loaded", accepted);
	buf_free(&s);
	dl_lt_destroy(lt);
}

TEST_HARNESS_MAIN
