// SPDX-License-Identifier: GPL-2.0
/*
 * core_lockcodec_test.c - lock-table command encoding: every command type
 * round-trips, every truncation is refused, fields a type does not use are
 * refused, and random mutations of valid entries never make the decoder
 * read out of bounds (ASan) and, when accepted, re-encode to the same bytes
 * (one command, one encoding).
 */
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#include "core_lock_util.h"

static bool cmd_eq(const struct dl_lt_cmd *a, const struct dl_lt_cmd *b)
{
	return a->type == b->type && a->mode == b->mode &&
	       a->flags == b->flags && a->name_len == b->name_len &&
	       a->lvb_len == b->lvb_len && a->ls_id == b->ls_id &&
	       a->owner.node == b->owner.node &&
	       a->owner.incarnation == b->owner.incarnation &&
	       a->owner.id == b->owner.id && a->req_id == b->req_id &&
	       a->floor == b->floor &&
	       a->lock_id == b->lock_id && a->target_req == b->target_req &&
	       !memcmp(a->name, b->name, a->name_len) &&
	       !memcmp(a->lvb, b->lvb, a->lvb_len);
}

/* One valid command of every shape. */
static int samples(struct dl_lt_cmd *s)
{
	struct dl_lt_owner o = { 0x01020304, 0x1122334455667788ULL,
				 0xa1a2a3a4a5a6a7a8ULL };
	int n = 0, i;

	memset(s, 0, 16 * sizeof(*s));
	s[n++] = cmd_ls_create(o, 1, "lockspace", 32);
	s[n++] = cmd_ls_create(o, 2, "x", 64);
	s[n] = (struct dl_lt_cmd){ .type = DL_LT_CMD_LS_REMOVE, .owner = o,
				   .req_id = 3, .ls_id = 7 };
	n++;
	s[n] = cmd_lock(o, 4, 7, "resource", DL_MODE_EX,
			DL_LKF_NOQUEUE | DL_LKF_VALBLK);
	s[n++].floor = 2;	/* request 2 still unanswered */
	s[n] = cmd_lock(o, 5, 7, "r", DL_MODE_NL, 0);
	s[n].name_len = DL_LT_NAME_MAX;		/* binary, full length */
	for (i = 0; i < DL_LT_NAME_MAX; i++)
		s[n].name[i] = (u8)(i * 37);
	n++;
	s[n++] = cmd_convert(o, 6, 7, 99, DL_MODE_PR, 0);
	s[n] = cmd_convert(o, 7, 7, 99, DL_MODE_NL, DL_LKF_VALBLK);
	s[n].lvb_len = 64;
	memset(s[n].lvb, 0xee, 64);
	n++;
	s[n] = cmd_unlock(o, 8, 12345);
	s[n++].floor = 8;
	s[n] = cmd_unlock(o, 9, 12345);
	s[n].flags = DL_LKF_VALBLK;
	s[n].lvb_len = 32;
	memset(s[n].lvb, 0x33, 32);
	n++;
	s[n++] = cmd_cancel(o, 10, 55, 0);
	s[n] = cmd_cancel(o, 11, 0, 4);
	s[n++].floor = 0xa;
	s[n] = (struct dl_lt_cmd){ .type = DL_LT_CMD_RELEASE_OWNER,
				   .owner = o, .req_id = 12 };
	n++;
	s[n++] = cmd_node(DL_LT_CMD_EXPIRE_NODE, 3, 0);
	s[n++] = cmd_node(DL_LT_CMD_NODE_INCARNATION, 3, 77);
	s[n++] = cmd_node(DL_LT_CMD_REVOKE_ALL, 0, 0);
	return n;
}

TEST(round_trip_every_type)
{
	struct dl_lt_cmd s[16], d;
	u8 buf[512];
	int n = samples(s), i, len;
	u32 seen = 0;

	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, dl_lt_cmd_check(&s[i])) TH_LOG("sample %d", i);
		len = dl_lt_cmd_encode(&s[i], buf, sizeof(buf));
		ASSERT_GT(len, 0);
		EXPECT_EQ(dl_lt_cmd_size(&s[i]), len);
		EXPECT_EQ(len, dl_lt_cmd_decode(buf, len, &d));
		EXPECT_TRUE(cmd_eq(&s[i], &d)) TH_LOG("sample %d", i);
		/* room for one byte less: refused, not truncated */
		EXPECT_EQ(-ENOSPC, dl_lt_cmd_encode(&s[i], buf, len - 1));
		seen |= 1U << s[i].type;
	}
	/* every type is covered */
	EXPECT_EQ(((1U << (DL_LT_CMD_MAX + 1)) - 2), seen);
}

TEST(every_truncation_refused)
{
	struct dl_lt_cmd s[16], d;
	u8 buf[512];
	int n = samples(s), i, len, cut;

	for (i = 0; i < n; i++) {
		len = dl_lt_cmd_encode(&s[i], buf, sizeof(buf));
		ASSERT_GT(len, 0);
		for (cut = 0; cut < len; cut++)
			EXPECT_EQ(-EINVAL, dl_lt_cmd_decode(buf, cut, &d))
				TH_LOG("sample %d cut %d", i, cut);
	}
	EXPECT_EQ(-EINVAL, dl_lt_cmd_decode(NULL, 10, &d));
}

TEST(unused_fields_refused)
{
	struct dl_lt_cmd s[16], c;
	u8 buf[512];
	int n = samples(s), i, f, refused = 0;

	/* Poke each header field in turn: the codec accepts only what the
	 * type defines, so at least one poke per sample must be refused
	 * and every accepted poke must still round-trip. */
	for (i = 0; i < n; i++) {
		for (f = 0; f < 9; f++) {
			struct dl_lt_cmd d;
			int len;

			c = s[i];
			switch (f) {
			case 0: c.mode ^= 1; break;
			case 1: c.flags ^= DL_LKF_NOQUEUE; break;
			case 2: c.ls_id ^= 1; break;
			case 3: c.lock_id ^= 1; break;
			case 4: c.target_req ^= 1; break;
			case 5: c.req_id ^= 1; break;
			case 6: c.owner.id ^= 1; break;
			case 7: c.lvb_len ^= 32; break;
			default: c.name_len ^= 1; break;
			}
			len = dl_lt_cmd_encode(&c, buf, sizeof(buf));
			if (len < 0) {
				EXPECT_EQ(-EINVAL, len);
				EXPECT_EQ(-EINVAL, dl_lt_cmd_check(&c));
				refused++;
				continue;
			}
			ASSERT_EQ(len, dl_lt_cmd_decode(buf, len, &d));
			EXPECT_TRUE(cmd_eq(&c, &d));
		}
	}
	EXPECT_GT(refused, n);
}

/* The floor: at most the request id, and only where dedup applies. */
TEST(floor_rules)
{
	struct dl_lt_cmd s[16], c;
	int n = samples(s), i;

	for (i = 0; i < n; i++) {
		c = s[i];
		c.floor = c.req_id + 1;
		EXPECT_EQ(-EINVAL, dl_lt_cmd_check(&c)) TH_LOG("sample %d", i);
		c.floor = c.req_id;
		EXPECT_EQ(dl_lt_cmd_has_floor(c.type) || !c.req_id ? 0 : -EINVAL,
			  dl_lt_cmd_check(&c)) TH_LOG("sample %d", i);
	}
}

TEST(bad_values_refused)
{
	struct dl_lt_owner o = own(1, 1);
	struct dl_lt_cmd c, d;
	u8 buf[512];
	int len;

	c = cmd_lock(o, 1, 1, "r", DL_MODE_EX, 0);
	c.mode = DL_MODE_COUNT;
	EXPECT_EQ(-EINVAL, dl_lt_cmd_encode(&c, buf, sizeof(buf)));
	c = cmd_lock(o, 1, 1, "r", DL_MODE_EX, 0x8);	/* ASYNC: node's */
	EXPECT_EQ(-EINVAL, dl_lt_cmd_check(&c));
	c = cmd_lock(o, 1, 0, "r", DL_MODE_EX, 0);	/* no lockspace */
	EXPECT_EQ(-EINVAL, dl_lt_cmd_check(&c));
	c = cmd_lock(o, 1, 1, "r", DL_MODE_EX, 0);
	c.name_len = 0;
	EXPECT_EQ(-EINVAL, dl_lt_cmd_check(&c));
	c.name_len = DL_LT_NAME_MAX + 1;
	EXPECT_EQ(-EINVAL, dl_lt_cmd_check(&c));
	c = cmd_lock(own(0, 1), 1, 1, "r", DL_MODE_EX, 0);	/* node 0 */
	EXPECT_EQ(-EINVAL, dl_lt_cmd_check(&c));
	c = cmd_unlock(o, 1, 5);
	c.lvb_len = 32;				/* lvb without VALBLK */
	EXPECT_EQ(-EINVAL, dl_lt_cmd_check(&c));
	c = cmd_cancel(o, 1, 5, 6);		/* both targets */
	EXPECT_EQ(-EINVAL, dl_lt_cmd_check(&c));
	c = cmd_cancel(o, 1, 0, 0);		/* neither */
	EXPECT_EQ(-EINVAL, dl_lt_cmd_check(&c));
	c = cmd_node(DL_LT_CMD_EXPIRE_NODE, 3, 9); /* incarnation unused */
	EXPECT_EQ(-EINVAL, dl_lt_cmd_check(&c));
	c = cmd_node(DL_LT_CMD_REVOKE_ALL, 3, 0);
	EXPECT_EQ(-EINVAL, dl_lt_cmd_check(&c));
	c = cmd_ls_create(o, 1, "ls", 33);
	EXPECT_EQ(-EINVAL, dl_lt_cmd_check(&c));

	/* Hand-made encodings: an oversized name length byte, types 0/10 */
	c = cmd_lock(o, 1, 1, "abc", DL_MODE_EX, 0);
	len = dl_lt_cmd_encode(&c, buf, sizeof(buf));
	ASSERT_GT(len, 4);
	buf[len - 4] = DL_LT_NAME_MAX + 1;
	EXPECT_EQ(-EINVAL, dl_lt_cmd_decode(buf, sizeof(buf), &d));
	buf[0] = 0;
	EXPECT_EQ(-EINVAL, dl_lt_cmd_decode(buf, sizeof(buf), &d));
	buf[0] = DL_LT_CMD_MAX + 1;
	EXPECT_EQ(-EINVAL, dl_lt_cmd_decode(buf, sizeof(buf), &d));
	buf[0] = 0xff;
	EXPECT_EQ(-EINVAL, dl_lt_cmd_decode(buf, sizeof(buf), &d));
}

TEST(batch)
{
	struct dl_lt_cmd s[16], *out;
	struct dl_lt_batch b;
	int n = samples(s), i, got, cut;
	u32 added = 0;

	out = calloc(DL_LT_BATCH_MAX_CMDS, sizeof(*out));
	ASSERT_NE(NULL, out);
	dl_lt_batch_init(&b);
	/* fill until full: the entry never passes DL_LT_ENTRY_MAX */
	for (i = 0;; i++) {
		int err = dl_lt_batch_add(&b, &s[i % n]);

		if (err) {
			EXPECT_EQ(-ENOSPC, err);
			break;
		}
		added++;
	}
	EXPECT_LE(b.len, DL_LT_ENTRY_MAX);
	EXPECT_EQ(added, b.count);
	got = dl_lt_batch_decode(b.buf, b.len, out, DL_LT_BATCH_MAX_CMDS);
	ASSERT_EQ(added, got);
	for (i = 0; i < got; i++)
		EXPECT_TRUE(cmd_eq(&s[i % n], &out[i]));
	/* all or nothing: every truncation, a trailing byte, bad header */
	for (cut = 0; cut < b.len; cut++)
		EXPECT_EQ(-EINVAL, dl_lt_batch_decode(b.buf, cut, out,
						      DL_LT_BATCH_MAX_CMDS));
	EXPECT_EQ(-EINVAL, dl_lt_batch_decode(b.buf, b.len, out, got - 1));
	b.buf[1]--;
	EXPECT_EQ(-EINVAL, dl_lt_batch_decode(b.buf, b.len, out,
					      DL_LT_BATCH_MAX_CMDS));
	b.buf[1]++;
	b.buf[0] = 2;
	EXPECT_EQ(-EINVAL, dl_lt_batch_decode(b.buf, b.len, out,
					      DL_LT_BATCH_MAX_CMDS));

	/* small commands: the count limit bites before the size limit */
	dl_lt_batch_init(&b);
	for (i = 0; i < DL_LT_BATCH_MAX_CMDS; i++)
		ASSERT_EQ(0, dl_lt_batch_add(&b, &s[n - 1]));
	EXPECT_EQ(-ENOSPC, dl_lt_batch_add(&b, &s[n - 1]));
	EXPECT_EQ(DL_LT_BATCH_MAX_CMDS,
		  dl_lt_batch_decode(b.buf, b.len, out, DL_LT_BATCH_MAX_CMDS));
	/* an entry longer than DL_LT_ENTRY_MAX, even made of valid commands */
	{
		u8 *big = calloc(1, DL_LT_ENTRY_MAX + 256);
		size_t len = DL_LT_BATCH_HDR;
		u32 cnt = 0;
		int one;

		ASSERT_NE(NULL, big);
		big[0] = 1;
		while (len < DL_LT_ENTRY_MAX + 1) {
			one = dl_lt_cmd_encode(&s[4], big + len,
					       DL_LT_ENTRY_MAX + 256 - len);
			ASSERT_GT(one, 0);
			len += one;
			cnt++;
		}
		ASSERT_LT(cnt, 256);
		big[1] = (u8)cnt;
		EXPECT_EQ(-EINVAL, dl_lt_batch_decode(big, len, out,
						      DL_LT_BATCH_MAX_CMDS));
		/* the same commands, one fewer so it fits, are fine */
		big[1] = (u8)(cnt - 1);
		EXPECT_EQ(cnt - 1, dl_lt_batch_decode(big, len - one, out,
						      DL_LT_BATCH_MAX_CMDS));
		free(big);
	}
	/* an empty batch is not an entry */
	dl_lt_batch_init(&b);
	EXPECT_EQ(-EINVAL, dl_lt_batch_decode(b.buf, b.len, out, 1));
	free(out);
}

static u64 rng_state = 0x123456789abcdefULL;

static u32 rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (u32)rng_state;
}

TEST(random_mutations)
{
	struct dl_lt_cmd s[16], *out;
	struct dl_lt_batch b, re;
	int n = samples(s), iter, i, accepted = 0;

	out = calloc(DL_LT_BATCH_MAX_CMDS, sizeof(*out));
	ASSERT_NE(NULL, out);
	dl_lt_batch_init(&b);
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, dl_lt_batch_add(&b, &s[i]));

	for (iter = 0; iter < 200000; iter++) {
		u8 m[DL_LT_ENTRY_MAX + 8];
		size_t len = b.len;
		int k, got;

		memcpy(m, b.buf, b.len);
		for (k = 1 + rnd() % 4; k; k--) {
			switch (rnd() % 4) {
			case 0:		/* flip a bit */
				m[rnd() % len] ^= 1U << (rnd() % 8);
				break;
			case 1:		/* random byte */
				m[rnd() % len] = (u8)rnd();
				break;
			case 2:		/* cut */
				len = 1 + rnd() % len;
				break;
			default:	/* grow with junk */
				if (len < sizeof(m))
					m[len++] = (u8)rnd();
				break;
			}
		}
		/* copy to an exact-size heap block so ASan sees overreads */
		{
			u8 *heap = malloc(len);

			memcpy(heap, m, len);
			got = dl_lt_batch_decode(heap, len, out,
						 DL_LT_BATCH_MAX_CMDS);
			free(heap);
		}
		if (got < 0) {
			EXPECT_EQ(-EINVAL, got);
			continue;
		}
		accepted++;
		dl_lt_batch_init(&re);
		for (i = 0; i < got; i++)
			ASSERT_EQ(0, dl_lt_batch_add(&re, &out[i]));
		ASSERT_EQ(len, re.len);
		ASSERT_EQ(0, memcmp(m, re.buf, len));
	}
	TH_LOG("%d of 200000 mutants were valid entries", accepted);
	free(out);
}

TEST(apply_entry_all_or_nothing)
{
	struct dl_lt *lt = dl_lt_create();
	struct dl_lt_cmd c;
	struct dl_lt_batch b;
	struct dl_lt_stats st;
	struct rec *r = rec_new();

	dl_lt_batch_init(&b);
	c = cmd_ls_create(own(9, 0), 1, "ls", 32);
	ASSERT_EQ(0, dl_lt_batch_add(&b, &c));
	c = cmd_lock(own(1, 1), 2, 1, "r", DL_MODE_EX, 0);
	ASSERT_EQ(0, dl_lt_batch_add(&b, &c));
	/* a damaged last command spoils the whole entry */
	b.buf[b.len - 1] ^= 0x40;
	b.buf[b.len - 2] = 0x7f;
	EXPECT_EQ(-EINVAL, dl_lt_apply_entry(lt, b.buf, b.len, rec_fn, r));
	dl_lt_get_stats(lt, &st);
	EXPECT_EQ(0, st.lockspaces);
	EXPECT_EQ(0, st.applied);
	EXPECT_EQ(0, r->n);
	/* the good one applies both, in order */
	dl_lt_batch_init(&b);
	c = cmd_ls_create(own(9, 0), 1, "ls", 32);
	ASSERT_EQ(0, dl_lt_batch_add(&b, &c));
	c = cmd_lock(own(1, 1), 2, 1, "r", DL_MODE_EX, 0);
	ASSERT_EQ(0, dl_lt_batch_add(&b, &c));
	EXPECT_EQ(0, dl_lt_apply_entry(lt, b.buf, b.len, rec_fn, r));
	ASSERT_EQ(2, r->n);
	EXPECT_EQ(DL_LT_OUT_LS_DONE, r->o[0].type);
	EXPECT_EQ(DL_LT_OUT_GRANTED, r->o[1].type);
	dl_lt_destroy(lt);
	free(r);
}

TEST_HARNESS_MAIN
