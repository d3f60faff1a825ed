// SPDX-License-Identifier: GPL-2.0
/*
 * core_wire_test.c - the datagram format: every op type round-trips, every
 * truncation and every kind of inconsistency is refused with its own code,
 * and random mutations never make the decoder read out of bounds (run under
 * ASan by the Makefile).
 */
#include <stdlib.h>

/*
 * The harness is not -Wextra clean: it compares expected and seen as they
 * come (our literals are int) and leaves some parameters unused.
 */
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#include "raft.h"
#include "wire.h"

#define CELL	7
#define SRC	1
#define DST	2

static void hdr_init(struct dl_wire_hdr *h)
{
	memset(h, 0, sizeof(*h));
	h->cell_id = CELL;
	h->src = SRC;
	h->dst = DST;
	h->incarnation = 0x1122334455667788ULL;
	h->seq = 42;
}

/* One datagram carrying one op of every node-layer type, in a fixed order. */
static size_t build_all(struct dl_wire_writer *w)
{
	static const u8 cmd[] = { 3, 1, 2, 3, 4, 5, 6, 7 };
	struct dl_wire_request rq = { .req_id = 9, .ls_len = 5,
				      .ls_name = (const u8 *)"space",
				      .cmd_len = sizeof(cmd), .cmd = cmd };
	struct dl_wire_response rs = { .req_id = 9, .status = -EAGAIN,
				       .index = 77 };
	struct dl_wire_event ev = { .kind = DL_WEV_GRANTED, .mode = 5,
				    .lvb_len = 32, .ls_id = 4, .session = 6,
				    .owner = 3, .req_id = 9,
				    .lock_id = 12, .token = 1000, .index = 78 };
	struct dl_wire_redirect rd = { .req_id = 9, .leader = 3, .term = 4 };
	struct dl_wire_heartbeat hb = { .seq = 5 };
	struct dl_wire_lease ls = { .seq = 5, .term = 4, .lease_ms = 1000 };
	struct dl_wire_hello he = { .incarnation = 8, .role = 1 };
	struct dl_wire_hdr h;
	u8 body[DL_WIRE_MAX_BODY];
	int n;

	for (n = 0; n < 32; n++)
		ev.lvb[n] = (u8)(n * 7);
	hdr_init(&h);
	dl_wire_writer_init(w, &h);
#define ADD(type, enc, m) do {						\
		n = enc(body, sizeof(body), &(m));			\
		if (n < 0 || dl_wire_writer_add(w, type, body, n))	\
			return 0;					\
	} while (0)
	ADD(DL_OP_REQUEST, dl_wire_enc_request, rq);
	ADD(DL_OP_RESPONSE, dl_wire_enc_response, rs);
	ADD(DL_OP_EVENT, dl_wire_enc_event, ev);
	ADD(DL_OP_REDIRECT, dl_wire_enc_redirect, rd);
	ADD(DL_OP_HEARTBEAT, dl_wire_enc_heartbeat, hb);
	ADD(DL_OP_LEASE, dl_wire_enc_lease, ls);
	ADD(DL_OP_HELLO, dl_wire_enc_hello, he);
#undef ADD
	return dl_wire_writer_finish(w);
}

/* Decode every op of a datagram with its decoder; 0 or the first error. */
static int decode_all(const void *buf, size_t len)
{
	struct dl_wire_hdr h;
	struct dl_wire_reader rd;
	struct dl_wire_op op;
	int err;

	err = dl_wire_open(buf, len, CELL, DST, &h, &rd);
	if (err)
		return err;
	while (dl_wire_next(&rd, &op)) {
		union {
			struct dl_wire_request rq;
			struct dl_wire_response rs;
			struct dl_wire_event ev;
			struct dl_wire_redirect rd;
			struct dl_wire_heartbeat hb;
			struct dl_wire_lease ls;
			struct dl_wire_hello he;
		} u;

		switch (op.type) {
		case DL_OP_REQUEST:
			err = dl_wire_dec_request(&op, &u.rq);
			break;
		case DL_OP_RESPONSE:
			err = dl_wire_dec_response(&op, &u.rs);
			break;
		case DL_OP_EVENT:
			err = dl_wire_dec_event(&op, &u.ev);
			break;
		case DL_OP_REDIRECT:
			err = dl_wire_dec_redirect(&op, &u.rd);
			break;
		case DL_OP_HEARTBEAT:
			err = dl_wire_dec_heartbeat(&op, &u.hb);
			break;
		case DL_OP_LEASE:
			err = dl_wire_dec_lease(&op, &u.ls);
			break;
		case DL_OP_HELLO:
			err = dl_wire_dec_hello(&op, &u.he);
			break;
		default:
			err = 0;	/* other decoders are tested elsewhere */
		}
		if (err)
			return err;
	}
	return 0;
}

TEST(round_trip_every_node_op)
{
	struct dl_wire_writer w;
	struct dl_wire_hdr h;
	struct dl_wire_reader rd;
	struct dl_wire_op op;
	struct dl_wire_request rq;
	struct dl_wire_response rs;
	struct dl_wire_event ev;
	struct dl_wire_redirect rdr;
	struct dl_wire_heartbeat hb;
	struct dl_wire_lease ls;
	struct dl_wire_hello he;
	size_t len = build_all(&w);
	int i;

	ASSERT_GT(len, DL_WIRE_HDR_LEN);
	ASSERT_EQ(0, dl_wire_open(w.buf, len, CELL, DST, &h, &rd));
	EXPECT_EQ(CELL, h.cell_id);
	EXPECT_EQ(SRC, h.src);
	EXPECT_EQ(DST, h.dst);
	EXPECT_EQ(0x1122334455667788ULL, h.incarnation);
	EXPECT_EQ(42, h.seq);
	EXPECT_EQ(7, h.n_ops);

	ASSERT_TRUE(dl_wire_next(&rd, &op));
	ASSERT_EQ(0, dl_wire_dec_request(&op, &rq));
	EXPECT_EQ(9, rq.req_id);
	EXPECT_EQ(5, rq.ls_len);
	EXPECT_EQ(0, memcmp(rq.ls_name, "space", 5));
	EXPECT_EQ(8, rq.cmd_len);
	EXPECT_EQ(3, rq.cmd[0]);
	EXPECT_EQ(7, rq.cmd[7]);

	ASSERT_TRUE(dl_wire_next(&rd, &op));
	ASSERT_EQ(0, dl_wire_dec_response(&op, &rs));
	EXPECT_EQ(9, rs.req_id);
	EXPECT_EQ(-EAGAIN, rs.status);
	EXPECT_EQ(77, rs.index);

	ASSERT_TRUE(dl_wire_next(&rd, &op));
	ASSERT_EQ(0, dl_wire_dec_event(&op, &ev));
	EXPECT_EQ(DL_WEV_GRANTED, ev.kind);
	EXPECT_EQ(5, ev.mode);
	EXPECT_EQ(32, ev.lvb_len);
	EXPECT_EQ(4, ev.ls_id);
	EXPECT_EQ(6, ev.session);
	EXPECT_EQ(3, ev.owner);
	EXPECT_EQ(12, ev.lock_id);
	EXPECT_EQ(1000, ev.token);
	EXPECT_EQ(78, ev.index);
	for (i = 0; i < 32; i++) {
		EXPECT_EQ((u8)(i * 7), ev.lvb[i]);
	}

	ASSERT_TRUE(dl_wire_next(&rd, &op));
	ASSERT_EQ(0, dl_wire_dec_redirect(&op, &rdr));
	EXPECT_EQ(3, rdr.leader);
	EXPECT_EQ(4, rdr.term);

	ASSERT_TRUE(dl_wire_next(&rd, &op));
	ASSERT_EQ(0, dl_wire_dec_heartbeat(&op, &hb));
	EXPECT_EQ(5, hb.seq);

	ASSERT_TRUE(dl_wire_next(&rd, &op));
	ASSERT_EQ(0, dl_wire_dec_lease(&op, &ls));
	EXPECT_EQ(5, ls.seq);
	EXPECT_EQ(4, ls.term);
	EXPECT_EQ(1000, ls.lease_ms);

	ASSERT_TRUE(dl_wire_next(&rd, &op));
	ASSERT_EQ(0, dl_wire_dec_hello(&op, &he));
	EXPECT_EQ(8, he.incarnation);
	EXPECT_EQ(1, he.role);

	EXPECT_FALSE(dl_wire_next(&rd, &op));
}

TEST(every_truncation_is_refused)
{
	struct dl_wire_writer w;
	size_t len = build_all(&w), cut;

	ASSERT_GT(len, 0);
	for (cut = 0; cut < len; cut++) {
		u8 *copy = malloc(cut ? cut : 1);
		int err;

		memcpy(copy, w.buf, cut);
		err = decode_all(copy, cut);
		if (cut < DL_WIRE_HDR_LEN) {
			EXPECT_EQ(DL_WIRE_ESHORT, err);
		} else {
			EXPECT_EQ(DL_WIRE_ETRUNC, err);
		}
		free(copy);
	}
	EXPECT_EQ(0, decode_all(w.buf, len));
}

TEST(header_reasons_are_distinct)
{
	struct dl_wire_writer w;
	struct dl_wire_hdr h;
	struct dl_wire_reader rd;
	size_t len = build_all(&w);
	u8 buf[DL_WIRE_MTU + 1];

	memcpy(buf, w.buf, len);
	buf[0] ^= 1;
	EXPECT_EQ(DL_WIRE_EMAGIC, dl_wire_open(buf, len, CELL, DST, &h, &rd));
	memcpy(buf, w.buf, len);
	buf[2] = 2;
	EXPECT_EQ(DL_WIRE_EVERSION, dl_wire_open(buf, len, CELL, DST, &h, &rd));
	EXPECT_EQ(DL_WIRE_ECELL, dl_wire_open(w.buf, len, CELL + 1, DST, &h,
					      &rd));
	EXPECT_EQ(DL_WIRE_EADDR, dl_wire_open(w.buf, len, CELL, 3, &h, &rd));
	EXPECT_EQ(DL_WIRE_EADDR, dl_wire_open(w.buf, len, CELL, SRC, &h, &rd));
	memcpy(buf, w.buf, len);
	buf[3] = 0;
	EXPECT_EQ(DL_WIRE_ECOUNT, dl_wire_open(buf, len, CELL, DST, &h, &rd));
	buf[3] = 6;	/* one op fewer than present: trailing bytes */
	EXPECT_EQ(DL_WIRE_ECOUNT, dl_wire_open(buf, len, CELL, DST, &h, &rd));
	buf[3] = 8;	/* one more than present */
	EXPECT_EQ(DL_WIRE_ETRUNC, dl_wire_open(buf, len, CELL, DST, &h, &rd));
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(DL_WIRE_EOVERSIZE, dl_wire_open(buf, DL_WIRE_MTU + 1, CELL,
						  DST, &h, &rd));
	/* unknown op type, non-zero flags, bad body length */
	memcpy(buf, w.buf, len);
	buf[DL_WIRE_HDR_LEN] = 0x7f;
	EXPECT_EQ(DL_WIRE_ETYPE, dl_wire_open(buf, len, CELL, DST, &h, &rd));
	memcpy(buf, w.buf, len);
	buf[DL_WIRE_HDR_LEN + 1] = 1;
	EXPECT_EQ(DL_WIRE_ETYPE, dl_wire_open(buf, len, CELL, DST, &h, &rd));

	/* every reason maps to its own counter */
	EXPECT_EQ(DL_DROP_MAGIC, dl_wire_drop_index(DL_WIRE_EMAGIC));
	EXPECT_EQ(DL_DROP_BODY, dl_wire_drop_index(DL_WIRE_EBODY));
	EXPECT_EQ(DL_DROP_OTHER, dl_wire_drop_index(-EIO));
	EXPECT_STREQ("cell", dl_wire_drop_name(DL_DROP_CELL));
}

TEST(body_inconsistencies)
{
	struct dl_wire_hdr h;
	struct dl_wire_writer w;
	struct dl_wire_reader rd;
	struct dl_wire_op op;
	struct dl_wire_event ev = { .kind = DL_WEV_GRANTED, .lvb_len = 4 };
	struct dl_wire_request rq;
	u8 body[128], dg[DL_WIRE_MTU];
	size_t len;
	int n;

	/* an event whose lvb_len disagrees with its body length */
	n = dl_wire_enc_event(body, sizeof(body), &ev);
	ASSERT_GT(n, 0);
	body[2] = 5;
	hdr_init(&h);
	dl_wire_writer_init(&w, &h);
	ASSERT_EQ(0, dl_wire_writer_add(&w, DL_OP_EVENT, body, n));
	len = dl_wire_writer_finish(&w);
	ASSERT_EQ(0, dl_wire_open(w.buf, len, CELL, DST, &h, &rd));
	ASSERT_TRUE(dl_wire_next(&rd, &op));
	EXPECT_EQ(DL_WIRE_EBODY, dl_wire_dec_event(&op, &ev));
	/* an unknown event kind */
	body[2] = 4;
	body[0] = 99;
	op.body = body;
	EXPECT_EQ(DL_WIRE_EBODY, dl_wire_dec_event(&op, &ev));

	/* a request whose cmd_len disagrees with the op length */
	memset(body, 0, sizeof(body));
	body[9] = 20;
	op.type = DL_OP_REQUEST;
	op.len = 8 + 1 + 2 + 10;
	op.body = body;
	EXPECT_EQ(DL_WIRE_EBODY, dl_wire_dec_request(&op, &rq));
	/* a lockspace name longer than the body */
	body[8] = 30;
	EXPECT_EQ(DL_WIRE_EBODY, dl_wire_dec_request(&op, &rq));
	/* a decoder handed the wrong type */
	EXPECT_EQ(DL_WIRE_EBODY, dl_wire_dec_event(&op, &ev));

	/* a fixed-size op with a wrong length is caught by the frame check */
	memcpy(dg, w.buf, len);
	dg[DL_WIRE_HDR_LEN] = DL_OP_HEARTBEAT;
	EXPECT_EQ(DL_WIRE_EBODY, dl_wire_open(dg, len, CELL, DST, &h, &rd));
}

TEST(writer_limits)
{
	struct dl_wire_writer w;
	struct dl_wire_hdr h;
	struct dl_wire_reader rd;
	u8 body[8] = { 0 };
	int n = 0, err;

	hdr_init(&h);
	dl_wire_writer_init(&w, &h);
	EXPECT_EQ(0, dl_wire_writer_finish(&w));
	EXPECT_EQ(-EINVAL, dl_wire_writer_add(&w, 0x7f, body, 8));
	EXPECT_EQ(-EINVAL, dl_wire_writer_add(&w, DL_OP_HEARTBEAT, body, 7));
	while (!(err = dl_wire_writer_add(&w, DL_OP_HEARTBEAT, body, 8)))
		n++;
	EXPECT_EQ(-ENOSPC, err);
	/* 12 bytes per op: the op count limit is reached first */
	EXPECT_EQ(DL_WIRE_MAX_OPS, n);
	EXPECT_EQ(0, dl_wire_open(w.buf, dl_wire_writer_finish(&w), CELL, DST,
				  &h, &rd));
	EXPECT_LE(w.len, DL_WIRE_MTU);
}

TEST(random_mutations_stay_in_bounds)
{
	struct dl_wire_writer w;
	size_t len = build_all(&w);
	unsigned int seed = 12345, i, accepted = 0;

	for (i = 0; i < 200000; i++) {
		size_t mlen = len;
		u8 *copy;
		int k, flips = 1 + rand_r(&seed) % 4;

		if (rand_r(&seed) % 4 == 0)
			mlen = rand_r(&seed) % (len + 1);
		copy = malloc(mlen ? mlen : 1);
		memcpy(copy, w.buf, mlen);
		for (k = 0; k < flips && mlen > 3; k++)
			copy[3 + rand_r(&seed) % (mlen - 3)] ^=
				(u8)(1 + rand_r(&seed) % 255);
		if (!decode_all(copy, mlen))
			accepted++;
		free(copy);
	}
	/* body payload bytes (lvb, ids) may change and still be valid */
	EXPECT_GT(accepted, 0);
	EXPECT_LT(accepted, 200000);
}

/* A Raft message through a datagram and back, field by field. */
static void raft_round_trip(struct __test_metadata *_metadata,
			    const struct dl_raft_msg *m)
{
	struct dl_raft_entry ents[DL_RAFT_MAX_ENTRIES];
	struct dl_wire_writer w;
	struct dl_wire_hdr h;
	struct dl_wire_reader rd;
	struct dl_wire_op op;
	struct dl_raft_msg d;
	u8 body[DL_WIRE_MAX_BODY];
	size_t len, cut;
	u32 i;
	int n;

	n = dl_wire_enc_raft(body, sizeof(body), m);
	ASSERT_GT(n, 0);
	hdr_init(&h);
	h.src = m->from;
	h.dst = m->to;
	h.incarnation = m->incarnation;
	dl_wire_writer_init(&w, &h);
	ASSERT_EQ(0, dl_wire_writer_add(&w, dl_wire_raft_op(m->type), body, n));
	len = dl_wire_writer_finish(&w);
	ASSERT_EQ(0, dl_wire_open(w.buf, len, CELL, m->to, &h, &rd));
	ASSERT_TRUE(dl_wire_next(&rd, &op));
	ASSERT_EQ(0, dl_wire_dec_raft(&op, &h, &d, ents));
	EXPECT_EQ(m->type, d.type);
	EXPECT_EQ(m->flags, d.flags);
	EXPECT_EQ(m->from, d.from);
	EXPECT_EQ(m->to, d.to);
	EXPECT_EQ(m->incarnation, d.incarnation);
	EXPECT_EQ(m->to_incarnation, d.to_incarnation);
	EXPECT_EQ(m->term, d.term);
	EXPECT_EQ(m->index, d.index);
	EXPECT_EQ(m->log_term, d.log_term);
	EXPECT_EQ(m->commit, d.commit);
	EXPECT_EQ(m->hint, d.hint);
	EXPECT_EQ(m->ctx, d.ctx);
	EXPECT_EQ(m->offset, d.offset);
	ASSERT_EQ(m->nr_entries, d.nr_entries);
	for (i = 0; i < m->nr_entries; i++) {
		EXPECT_EQ(m->entries[i].term, d.entries[i].term);
		EXPECT_EQ(m->entries[i].type, d.entries[i].type);
		ASSERT_EQ(m->entries[i].len, d.entries[i].len);
		EXPECT_EQ(0, memcmp(m->entries[i].data, d.entries[i].data,
				    d.entries[i].len));
	}
	ASSERT_EQ(m->data_len, d.data_len);
	if (m->data_len) {
		EXPECT_EQ(0, memcmp(m->data, d.data, d.data_len));
	}
	ASSERT_EQ(m->nr_voters, d.nr_voters);
	for (i = 0; i < m->nr_voters; i++) {
		EXPECT_EQ(m->voters[i], d.voters[i]);
	}

	/* every shorter body is refused */
	for (cut = 0; cut < (size_t)n; cut++) {
		op.len = (u16)cut;
		EXPECT_EQ(DL_WIRE_EBODY, dl_wire_dec_raft(&op, &h, &d, ents));
	}
}

TEST(raft_every_message_type)
{
	static u8 data[DL_RAFT_MAX_SNAPSHOT_CHUNK];
	static u8 edata[DL_RAFT_MAX_ENTRIES][16];
	struct dl_raft_entry ents[DL_RAFT_MAX_ENTRIES];
	struct dl_raft_msg m;
	u32 t, i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (u8)(i * 13 + 1);
	for (t = 0; t < DL_RAFT_MSG_TYPE_COUNT; t++) {
		memset(&m, 0, sizeof(m));
		m.type = (u8)t;
		m.flags = DL_RAFT_F_REJECT | DL_RAFT_F_CATCHING_UP;
		m.from = 3;
		m.to = 5;
		m.incarnation = 0xabcdef0123ULL;
		m.to_incarnation = 77;
		m.term = (1ULL << 32) + t;
		m.index = 1000 + t;
		m.log_term = 9;
		m.commit = 998;
		m.hint = 4;
		m.ctx = 0xfeedfacecafeULL;
		m.offset = 12;
		if (t == DL_RAFT_MSG_APPEND) {
			for (i = 0; i < 10; i++) {
				memset(edata[i], (int)i, sizeof(edata[i]));
				ents[i].term = 100 + i;
				ents[i].type = i % DL_RAFT_ENTRY_TYPE_COUNT;
				ents[i].len = (u16)(i % 3 ? 16 : 0);
				ents[i].data = edata[i];
			}
			m.nr_entries = 10;
			m.entries = ents;
		}
		if (t == DL_RAFT_MSG_SNAPSHOT) {
			m.data_len = sizeof(data);
			m.data = data;
			m.nr_voters = DL_RAFT_MAX_VOTERS;
			for (i = 0; i < DL_RAFT_MAX_VOTERS; i++)
				m.voters[i] = 10 + i;
		}
		raft_round_trip(_metadata, &m);
	}
}

TEST(raft_largest_append_fits)
{
	static u8 big[DL_RAFT_MAX_ENTRY_DATA];
	struct dl_raft_entry e = { .term = 1, .type = DL_RAFT_ENTRY_NORMAL,
				   .len = sizeof(big), .data = big };
	struct dl_raft_msg m = { .type = DL_RAFT_MSG_APPEND, .from = 1, .to = 2,
				 .nr_entries = 1, .entries = &e };
	struct dl_raft_entry ents[DL_RAFT_MAX_ENTRIES];
	struct dl_wire_writer w;
	struct dl_wire_hdr h;
	struct dl_wire_op op;
	struct dl_raft_msg d;
	u8 body[DL_WIRE_MAX_BODY];
	int n;

	n = dl_wire_enc_raft(body, sizeof(body), &m);
	ASSERT_GT(n, 0);
	hdr_init(&h);
	dl_wire_writer_init(&w, &h);
	EXPECT_EQ(0, dl_wire_writer_add(&w, dl_wire_raft_op(m.type), body, n));
	raft_round_trip(_metadata, &m);
	/* entries on a non-APPEND, or past the limits, are refused */
	m.type = DL_RAFT_MSG_VOTE;
	n = dl_wire_enc_raft(body, sizeof(body), &m);
	ASSERT_GT(n, 0);
	op.type = dl_wire_raft_op(m.type);
	op.len = (u16)n;
	op.body = body;
	EXPECT_EQ(DL_WIRE_EBODY, dl_wire_dec_raft(&op, &h, &d, ents));
	m.type = DL_RAFT_MSG_APPEND;
	m.nr_entries = DL_RAFT_MAX_ENTRIES + 1;
	EXPECT_EQ(-EINVAL, dl_wire_enc_raft(body, sizeof(body), &m));
}

TEST_HARNESS_MAIN
