// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_wire.c - libFuzzer target for the datagram decoder (kmod/core/wire.c,
 * wire_raft.c) and for a node receiving whatever arrives.
 *
 * Properties checked on every input:
 *  - the decoders never read outside the input (ASan);
 *  - a body a decoder accepts re-encodes to the same bytes (one encoding
 *    per message, so nothing ambiguous is ever acted on);
 *  - dl_node_recv() of a live node survives anything and, when it refuses
 *    a datagram, counts it under exactly one drop reason.
 *
 * Run: make -C tests/fuzz fuzz-wire (FUZZ_SECONDS=...).
 */
#include <stdio.h>
#include <stdlib.h>

#include "env_unit.h"
#include "counters.h"
#include "node.h"
#include "raft.h"
#include "wire.h"
#include "wire_classic.h"

#define CELL	1
#define SELF	2

static void check_same(const struct dl_wire_op *op, const u8 *buf, int n)
{
	if (n != op->len || memcmp(buf, op->body, n)) {
		fprintf(stderr, "op %s: decode/encode not identical\n",
			dl_wire_op_name(op->type));
		abort();
	}
}

/* The slides' algorithms (wire_classic.c): the same round trip. */
static void fuzz_classic(const struct dl_wire_hdr *hdr,
			 const struct dl_wire_op *op, u8 *out)
{
	static union {
		struct dl_bully_msg b;
		struct dl_ring_msg r;
		struct dl_coord_msg c;
		struct dl_ra_msg a;
	} u;
	u8 type = 0;
	int n;

	if (op->type <= DL_OP_BULLY_LAST) {
		if (dl_wire_dec_bully(op, hdr, &u.b))
			return;
		n = dl_wire_enc_bully(out, DL_WIRE_MTU, &u.b, &type);
	} else if (op->type <= DL_OP_RING_LAST) {
		if (dl_wire_dec_ring(op, hdr, &u.r))
			return;
		n = dl_wire_enc_ring(out, DL_WIRE_MTU, &u.r, &type);
	} else if (op->type <= DL_OP_RA_LAST) {
		if (dl_wire_dec_ra(op, hdr, &u.a))
			return;
		n = dl_wire_enc_ra(out, DL_WIRE_MTU, &u.a, &type);
	} else {
		if (dl_wire_dec_coord(op, hdr, &u.c))
			return;
		n = dl_wire_enc_coord(out, DL_WIRE_MTU, &u.c, &type);
	}
	if (type != op->type)
		abort();
	check_same(op, out, n);
}

static void fuzz_op(const struct dl_wire_hdr *hdr, const struct dl_wire_op *op)
{
	static struct dl_raft_entry ents[DL_RAFT_MAX_ENTRIES];
	u8 out[DL_WIRE_MTU];
	union {
		struct dl_wire_request rq;
		struct dl_wire_response rs;
		struct dl_wire_event ev;
		struct dl_wire_redirect rd;
		struct dl_wire_heartbeat hb;
		struct dl_wire_lease ls;
		struct dl_wire_hello he;
		struct dl_raft_msg rm;
	} u;

	if (op->type >= DL_OP_RAFT_BASE && op->type <= DL_OP_RAFT_LAST) {
		if (!dl_wire_dec_raft(op, hdr, &u.rm, ents))
			check_same(op, out, dl_wire_enc_raft(out, sizeof(out),
							     &u.rm));
		return;
	}
	if (op->type >= DL_OP_BULLY_BASE && op->type <= DL_OP_COORD_LAST) {
		fuzz_classic(hdr, op, out);
		return;
	}
#define CASE(type, name)						\
	case type:							\
		if (!dl_wire_dec_##name(op, (void *)&u))		\
			check_same(op, out, dl_wire_enc_##name(out,	\
					sizeof(out), (void *)&u));	\
		return
	switch (op->type) {
	CASE(DL_OP_REQUEST, request);
	CASE(DL_OP_RESPONSE, response);
	CASE(DL_OP_EVENT, event);
	CASE(DL_OP_REDIRECT, redirect);
	CASE(DL_OP_HEARTBEAT, heartbeat);
	CASE(DL_OP_LEASE, lease);
	CASE(DL_OP_HELLO, hello);
	default:
		return;
	}
#undef CASE
}

/*
 * Seeds: one valid datagram per op type, so the fuzzer starts past the
 * header checks.  Written to $FUZZ_WIRE_SEEDS (the Makefile points it at
 * the corpus) before fuzzing starts.
 */
static void seed(const char *dir, int n, u32 src, u8 type, const void *body,
		 int len)
{
	struct dl_wire_hdr h = { .cell_id = CELL, .src = src, .dst = SELF,
				 .incarnation = 1, .seq = (u64)n };
	static struct dl_wire_writer w;
	char path[512];
	FILE *f;

	if (len <= 0)
		return;
	dl_wire_writer_init(&w, &h);
	if (dl_wire_writer_add(&w, type, body, len))
		return;
	snprintf(path, sizeof(path), "%s/seed-%02d", dir, n);
	f = fopen(path, "wb");
	if (!f)
		return;
	fwrite(w.buf, 1, dl_wire_writer_finish(&w), f);
	fclose(f);
}

/* One datagram per classic message kind (wire_classic.h). */
static void seed_classic(const char *dir, u8 *b)
{
	struct dl_bully_msg bm = { .type = DL_BULLY_ELECTION, .epoch = 3 };
	struct dl_ring_msg rm = { .type = DL_RING_ELECTION, .epoch = 2,
				  .origin = 1, .nr_ids = 2, .ids = { 1, 3 } };
	static struct dl_coord_msg cm = {
		.type = DL_COORD_REPORT, .epoch = 4, .nr_locks = 1,
		.locks[0] = { .req_id = 1, .mode = DL_MODE_EX, .granted = true,
			      .token = 9, .name_len = 1, .name = "r" },
	};
	struct dl_ra_msg am = { .type = DL_RA_REQUEST, .clock = 5,
				.incarnation = 1, .name_len = 1,
				.name = "r" };
	u8 type = 0;
	int n;

	n = dl_wire_enc_bully(b, DL_WIRE_MTU, &bm, &type);
	seed(dir, 30, 1, type, b, n);
	n = dl_wire_enc_ring(b, DL_WIRE_MTU, &rm, &type);
	seed(dir, 31, 1, type, b, n);
	n = dl_wire_enc_coord(b, DL_WIRE_MTU, &cm, &type);
	seed(dir, 32, 1, type, b, n);
	cm.type = DL_COORD_REQUEST;
	cm.lock = cm.locks[0];
	n = dl_wire_enc_coord(b, DL_WIRE_MTU, &cm, &type);
	seed(dir, 33, 1, type, b, n);
	n = dl_wire_enc_ra(b, DL_WIRE_MTU, &am, &type);
	seed(dir, 34, 1, type, b, n);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const u8 cmd[] = { 1, 2, 3, 4 };
	const char *dir = getenv("FUZZ_WIRE_SEEDS");
	struct dl_wire_request rq = { .req_id = 1, .ls_len = 2,
				      .ls_name = (const u8 *)"ls",
				      .cmd_len = sizeof(cmd), .cmd = cmd };
	struct dl_wire_response rs = { .req_id = 1, .index = 3 };
	struct dl_wire_event ev = { .kind = DL_WEV_GRANTED, .lvb_len = 32,
				    .req_id = 1, .lock_id = 2, .token = 3 };
	struct dl_wire_redirect rd = { .leader = 1, .term = 2 };
	struct dl_wire_heartbeat hb = { .seq = 1 };
	struct dl_wire_lease ls = { .seq = 1, .term = 1, .lease_ms = 1000 };
	struct dl_wire_hello he = { .incarnation = 5, .role = 1 };
	struct dl_raft_entry e = { .term = 1, .len = sizeof(cmd), .data = cmd };
	struct dl_raft_msg m = { .term = 1, .index = 1, .log_term = 1 };
	u8 b[DL_WIRE_MTU];
	int t;

	(void)argc;
	(void)argv;
	if (!dir)
		return 0;
	seed(dir, 0, 1, DL_OP_REQUEST, b, dl_wire_enc_request(b, sizeof(b), &rq));
	seed(dir, 1, 1, DL_OP_RESPONSE, b,
	     dl_wire_enc_response(b, sizeof(b), &rs));
	seed(dir, 2, 1, DL_OP_EVENT, b, dl_wire_enc_event(b, sizeof(b), &ev));
	seed(dir, 3, 1, DL_OP_REDIRECT, b,
	     dl_wire_enc_redirect(b, sizeof(b), &rd));
	seed(dir, 4, 100, DL_OP_HEARTBEAT, b,
	     dl_wire_enc_heartbeat(b, sizeof(b), &hb));
	seed(dir, 5, 1, DL_OP_LEASE, b, dl_wire_enc_lease(b, sizeof(b), &ls));
	seed(dir, 6, 100, DL_OP_HELLO, b, dl_wire_enc_hello(b, sizeof(b), &he));
	for (t = 0; t < DL_RAFT_MSG_TYPE_COUNT; t++) {
		m.type = (u8)t;
		m.nr_entries = t == DL_RAFT_MSG_APPEND;
		m.entries = &e;
		seed(dir, 10 + t, 1, dl_wire_raft_op((u8)t), b,
		     dl_wire_enc_raft(b, sizeof(b), &m));
	}
	seed_classic(dir, b);
	return 0;
}

static struct dl_env env = { .node_id = SELF, .now_ns = 1000000000ULL };
static struct dl_node *node;

static u64 total_drops(void)
{
	const struct dl_counters *c = dl_node_counters(node);
	u64 n = 0;
	int i;

	for (i = 0; i < DL_DROP_REASONS; i++)
		n += c->drops[i];
	return n;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct dl_wire_hdr hdr;
	struct dl_wire_reader rd;
	struct dl_wire_op op;
	u64 before;
	int err;

	if (!dl_wire_open(data, size, CELL, SELF, &hdr, &rd))
		while (dl_wire_next(&rd, &op))
			fuzz_op(&hdr, &op);

	if (!node) {
		struct dl_node_config cfg = {
			.node_id = SELF, .cell_id = CELL, .incarnation = 1,
			.role = DL_NODE_VOTER, .n_voters = 3,
			.voters = { 1, 2, 3 },
		};

		node = dl_node_create(&env, &cfg, NULL, NULL);
		if (!node || dl_node_peer_add(node, 100, DL_NODE_MEMBER))
			abort();
	}
	before = total_drops();
	err = dl_node_recv(node, data, size);
	if ((err != 0) != (total_drops() == before + 1))
		abort();
	env.now_ns += 1000000;
	if (env.timer_armed && env.timer_deadline_ns <= env.now_ns) {
		env.timer_armed = false;
		dl_node_timer(node);
	}
	return 0;
}
