// SPDX-License-Identifier: GPL-2.0
/*
 * core_coord_wire_test.c - the slides' algorithms on the wire
 * (wire_classic.c): every message kind round-trips through a datagram, and
 * every truncated, oversized or inconsistent body is refused.
 */
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#include "lockmode.h"
#include "wire_classic.h"

static const struct dl_wire_hdr hdr = {
	.cell_id = 7, .src = 1, .dst = 2, .incarnation = 99, .seq = 1,
};

/* Frame @len bytes of @body as op @type and open it as node 2 would. */
static int frame(u8 type, const u8 *body, size_t len, struct dl_wire_op *op,
		 struct dl_wire_writer *w)
{
	struct dl_wire_hdr h;
	struct dl_wire_reader rd;
	size_t n;
	int err;

	dl_wire_writer_init(w, &hdr);
	err = dl_wire_writer_add(w, type, body, len);
	if (err)
		return err;
	n = dl_wire_writer_finish(w);
	err = dl_wire_open(w->buf, n, 7, 2, &h, &rd);
	if (err)
		return err;
	return dl_wire_next(&rd, op) ? 0 : -1;
}

/*
 * The same, with the op framed by hand: the writer refuses what the
 * reader must refuse too (a bad size, an unknown type).
 */
static int raw_frame(u8 type, const u8 *body, size_t len)
{
	struct dl_wire_writer w;
	struct dl_wire_hdr h;
	struct dl_wire_reader rd;

	dl_wire_writer_init(&w, &hdr);
	w.buf[w.len++] = type;
	w.buf[w.len++] = 0;
	w.buf[w.len++] = (u8)len;
	w.buf[w.len++] = (u8)(len >> 8);
	memcpy(w.buf + w.len, body, len);
	w.len += len;
	w.n_ops = 1;
	return dl_wire_open(w.buf, dl_wire_writer_finish(&w), 7, 2, &h, &rd);
}

/* A body cut short by any number of bytes is refused by framing or body. */
static bool every_prefix_refused(u8 type, const u8 *body, int n,
				 int (*dec)(const struct dl_wire_op *,
					    const struct dl_wire_hdr *,
					    void *), void *m)
{
	struct dl_wire_op op = { .type = type, .body = body };
	u16 min, max;
	int len;

	for (len = 0; len < n; len++) {
		op.len = (u16)len;
		if (dl_wire_classic_bounds(type, &min, &max) &&
		    (len < min || len > max))
			continue;	/* the frame check refuses it */
		if (!dec(&op, &hdr, m))
			return false;
	}
	return true;
}

#define DEC(fn) ((int (*)(const struct dl_wire_op *,			\
			  const struct dl_wire_hdr *, void *))(fn))

TEST(bully_round_trip_and_refusals)
{
	struct dl_wire_writer w;
	struct dl_bully_msg m = { .epoch = 0x1122334455667788ULL }, d;
	struct dl_wire_op op;
	u8 body[64], type;
	int n, t;

	for (t = 0; t < DL_BULLY_MSG_COUNT; t++) {
		m.type = (u8)t;
		n = dl_wire_enc_bully(body, sizeof(body), &m, &type);
		ASSERT_EQ(8, n);
		EXPECT_EQ(DL_OP_BULLY_BASE + t, type);
		ASSERT_EQ(0, frame(type, body, n, &op, &w));
		ASSERT_EQ(0, dl_wire_dec_bully(&op, &hdr, &d));
		EXPECT_EQ(t, d.type);
		EXPECT_EQ(1, d.from);
		EXPECT_EQ(2, d.to);
		EXPECT_EQ(m.epoch, d.epoch);
		EXPECT_TRUE(every_prefix_refused(type, body, n,
						 DEC(dl_wire_dec_bully), &d));
		/* one byte too many: the frame refuses it */
		EXPECT_EQ(0, raw_frame(type, body, n));
		EXPECT_EQ(DL_WIRE_EBODY, raw_frame(type, body, n + 1));
	}
	m.type = DL_BULLY_MSG_COUNT;
	EXPECT_EQ(-EINVAL, dl_wire_enc_bully(body, sizeof(body), &m, &type));
	m.type = DL_BULLY_OK;
	EXPECT_EQ(-ENOSPC, dl_wire_enc_bully(body, 7, &m, &type));
	/* a type of the range no engine knows */
	EXPECT_EQ(DL_WIRE_ETYPE, raw_frame(DL_OP_BULLY_BASE +
					   DL_BULLY_MSG_COUNT, body, 8));
	EXPECT_STREQ("bully_coordinator",
		     dl_wire_op_name(DL_OP_BULLY_BASE + DL_BULLY_COORDINATOR));
}

TEST(ring_round_trip_and_refusals)
{
	struct dl_ring_msg m = {
		.type = DL_RING_ELECTION, .epoch = 5, .origin = 3,
		.nr_ids = 3, .ids = { 3, 4, 1 },
	}, d, bad;
	struct dl_wire_writer w;
	struct dl_wire_op op;
	u8 body[256], type;
	int n;

	n = dl_wire_enc_ring(body, sizeof(body), &m, &type);
	ASSERT_EQ(DL_WIRE_RING_FIXED + 12, n);
	ASSERT_EQ(0, frame(type, body, n, &op, &w));
	ASSERT_EQ(0, dl_wire_dec_ring(&op, &hdr, &d));
	EXPECT_EQ(DL_RING_ELECTION, d.type);
	EXPECT_EQ(3, d.nr_ids);
	EXPECT_EQ(1, d.ids[2]);
	EXPECT_EQ(3, d.origin);
	EXPECT_TRUE(every_prefix_refused(type, body, n, DEC(dl_wire_dec_ring),
					 &d));
	/* nr_ids says more ids than the body has, or fewer */
	body[16] = 4;
	op.body = body;
	op.len = (u16)n;
	EXPECT_EQ(DL_WIRE_EBODY, dl_wire_dec_ring(&op, &hdr, &d));
	body[16] = 2;
	EXPECT_EQ(DL_WIRE_EBODY, dl_wire_dec_ring(&op, &hdr, &d));
	body[16] = 3;
	/* a repeated id, a zero id */
	memcpy(body + 21, body + 17, 4);
	EXPECT_EQ(DL_WIRE_EBODY, dl_wire_dec_ring(&op, &hdr, &d));
	memset(body + 21, 0, 4);
	EXPECT_EQ(DL_WIRE_EBODY, dl_wire_dec_ring(&op, &hdr, &d));
	/* fields a type does not use must be zero */
	bad = m;
	bad.leader = 4;
	EXPECT_EQ(-EINVAL, dl_wire_enc_ring(body, sizeof(body), &bad, &type));
	bad = m;
	bad.nr_ids = 0;
	EXPECT_EQ(-EINVAL, dl_wire_enc_ring(body, sizeof(body), &bad, &type));
	bad.type = DL_RING_HEARTBEAT;
	EXPECT_EQ(-EINVAL, dl_wire_enc_ring(body, sizeof(body), &bad, &type));
	bad.origin = 0;
	n = dl_wire_enc_ring(body, sizeof(body), &bad, &type);
	ASSERT_EQ(DL_WIRE_RING_FIXED, n);
	/* a heartbeat that carries an origin is inconsistent */
	body[8] = 1;
	op.type = type;
	op.len = (u16)n;
	EXPECT_EQ(DL_WIRE_EBODY, dl_wire_dec_ring(&op, &hdr, &d));
	/* an ACK acknowledges ELECTION or COORDINATOR, nothing else */
	bad.type = DL_RING_ACK;
	bad.origin = 3;
	bad.leader = DL_RING_HEARTBEAT;
	EXPECT_EQ(-EINVAL, dl_wire_enc_ring(body, sizeof(body), &bad, &type));
	bad.leader = DL_RING_COORDINATOR;
	n = dl_wire_enc_ring(body, sizeof(body), &bad, &type);
	ASSERT_EQ(0, frame(type, body, n, &op, &w));
	ASSERT_EQ(0, dl_wire_dec_ring(&op, &hdr, &d));
	EXPECT_EQ(DL_RING_COORDINATOR, d.leader);
}

static void coord_lock(struct dl_coord_lock *lk, u64 req, const char *name)
{
	memset(lk, 0, sizeof(*lk));
	lk->req_id = req;
	lk->mode = DL_MODE_EX;
	lk->name_len = (u8)strlen(name);
	memcpy(lk->name, name, lk->name_len);
}

TEST(coord_round_trip_and_refusals)
{
	static struct dl_coord_msg m, d;
	struct dl_wire_writer w;
	struct dl_wire_op op;
	u8 body[DL_WIRE_MTU], type;
	int n, i, t;

	for (t = 0; t < DL_COORD_MSG_COUNT; t++) {
		memset(&m, 0, sizeof(m));
		m.type = (u8)t;
		m.epoch = 3;
		coord_lock(&m.lock, 7, "ls-res");
		m.lock.granted = t == DL_COORD_GRANT;
		m.lock.token = (3ULL << 32) + 1;
		if (t == DL_COORD_REPORT) {
			m.nr_locks = 2;
			coord_lock(&m.locks[0], 5, "a");
			coord_lock(&m.locks[1], 6, "b");
			m.locks[0].granted = true;
			m.locks[0].token = 42;
		}
		n = dl_wire_enc_coord(body, sizeof(body), &m, &type);
		ASSERT_LT(0, n);
		ASSERT_EQ(0, frame(type, body, n, &op, &w));
		ASSERT_EQ(0, dl_wire_dec_coord(&op, &hdr, &d));
		EXPECT_EQ(t, d.type);
		EXPECT_EQ(3, d.epoch);
		EXPECT_EQ(99, d.incarnation);
		if (t == DL_COORD_REPORT) {
			EXPECT_EQ(2, d.nr_locks);
			EXPECT_EQ(42, d.locks[0].token);
			EXPECT_TRUE(d.locks[0].granted);
			EXPECT_EQ('b', d.locks[1].name[0]);
			EXPECT_EQ(7, d.lock.req_id);
		} else if (t != DL_COORD_QUERY) {
			EXPECT_EQ(6, d.lock.name_len);
			EXPECT_EQ(0, memcmp(d.lock.name, "ls-res", 6));
			EXPECT_EQ(t == DL_COORD_GRANT, d.lock.granted);
		}
		EXPECT_TRUE(every_prefix_refused(type, body, n,
						 DEC(dl_wire_dec_coord), &d));
	}
	/* a full REPORT of the longest names fits one datagram */
	memset(&m, 0, sizeof(m));
	m.type = DL_COORD_REPORT;
	m.nr_locks = DL_COORD_MAX_LOCKS;
	for (i = 0; i < DL_COORD_MAX_LOCKS; i++) {
		coord_lock(&m.locks[i], i + 1, "x");
		m.locks[i].name_len = DL_COORD_NAME_MAX;
	}
	n = dl_wire_enc_coord(body, sizeof(body), &m, &type);
	ASSERT_EQ(DL_WIRE_COORD_MAX, n);
	ASSERT_EQ(0, frame(type, body, n, &op, &w));
	ASSERT_EQ(0, dl_wire_dec_coord(&op, &hdr, &d));
	m.nr_locks = DL_COORD_MAX_LOCKS + 1;
	EXPECT_EQ(-EINVAL, dl_wire_enc_coord(body, sizeof(body), &m, &type));

	/* inconsistent locks: granted not 0/1, bad mode, no name, no id */
	memset(&m, 0, sizeof(m));
	m.type = DL_COORD_REQUEST;
	coord_lock(&m.lock, 9, "r");
	n = dl_wire_enc_coord(body, sizeof(body), &m, &type);
	ASSERT_EQ(8 + DL_WIRE_COORD_LOCK_FIXED + 1, n);
	op.type = type;
	op.body = body;
	op.len = (u16)n;
	ASSERT_EQ(0, dl_wire_dec_coord(&op, &hdr, &d));
	body[17] = 2;				/* granted */
	EXPECT_EQ(DL_WIRE_EBODY, dl_wire_dec_coord(&op, &hdr, &d));
	body[17] = 0;
	body[16] = DL_MODE_COUNT;		/* mode */
	EXPECT_EQ(DL_WIRE_EBODY, dl_wire_dec_coord(&op, &hdr, &d));
	body[16] = DL_MODE_EX;
	body[26] = 2;				/* name_len past the end */
	EXPECT_EQ(DL_WIRE_EBODY, dl_wire_dec_coord(&op, &hdr, &d));
	body[26] = 0;
	EXPECT_EQ(DL_WIRE_EBODY, dl_wire_dec_coord(&op, &hdr, &d));
	body[26] = 1;
	memset(body + 8, 0, 8);			/* req_id 0 */
	EXPECT_EQ(DL_WIRE_EBODY, dl_wire_dec_coord(&op, &hdr, &d));
	m.lock.name_len = DL_COORD_NAME_MAX + 1;
	EXPECT_EQ(-EINVAL, dl_wire_enc_coord(body, sizeof(body), &m, &type));
}

TEST(ra_round_trip_and_refusals)
{
	struct dl_ra_msg m = {
		.type = DL_RA_REPLY, .clock = 12, .sender_clock = 30,
		.incarnation = 4, .name_len = 3, .name = "abc",
	}, d;
	struct dl_wire_writer w;
	struct dl_wire_op op;
	u8 body[256], type;
	int n;

	n = dl_wire_enc_ra(body, sizeof(body), &m, &type);
	ASSERT_EQ(DL_WIRE_RA_FIXED + 3, n);
	EXPECT_EQ(DL_OP_RA_BASE + DL_RA_REPLY, type);
	ASSERT_EQ(0, frame(type, body, n, &op, &w));
	ASSERT_EQ(0, dl_wire_dec_ra(&op, &hdr, &d));
	EXPECT_EQ(12, d.clock);
	EXPECT_EQ(30, d.sender_clock);
	EXPECT_EQ(4, d.incarnation);
	EXPECT_EQ(0, memcmp(d.name, "abc", 3));
	EXPECT_TRUE(every_prefix_refused(type, body, n, DEC(dl_wire_dec_ra),
					 &d));
	op.body = body;
	op.len = (u16)n;
	body[24] = 4;				/* name_len past the end */
	EXPECT_EQ(DL_WIRE_EBODY, dl_wire_dec_ra(&op, &hdr, &d));
	body[24] = 2;				/* a byte left over */
	EXPECT_EQ(DL_WIRE_EBODY, dl_wire_dec_ra(&op, &hdr, &d));
	body[24] = 3;
	memset(body, 0, 8);			/* clock 0 */
	EXPECT_EQ(DL_WIRE_EBODY, dl_wire_dec_ra(&op, &hdr, &d));
	m.clock = 0;
	EXPECT_EQ(-EINVAL, dl_wire_enc_ra(body, sizeof(body), &m, &type));
	m.clock = 1;
	m.name_len = DL_RA_NAME_MAX + 1;
	EXPECT_EQ(-EINVAL, dl_wire_enc_ra(body, sizeof(body), &m, &type));
	/* an op of another algorithm is not ours to decode */
	op.type = DL_OP_BULLY_BASE;
	EXPECT_EQ(DL_WIRE_ETYPE, dl_wire_dec_ra(&op, &hdr, &d));
}

TEST_HARNESS_MAIN
