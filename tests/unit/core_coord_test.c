// SPDX-License-Identifier: GPL-2.0
/*
 * core_coord_test.c - centralized locking on a Bully coordinator: the
 * slides' 3 messages per acquire + release, and the rebuild after a
 * failover (no grant before every survivor reported, dead nodes' locks
 * released, fencing tokens above every earlier one).
 */
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#include "coord.h"
#include "elect_bully.h"
#include "lockmode.h"

#define MS	1000000ULL
#define QMAX	512
#define NMAX	8

struct cnet {
	u32 n;
	u64 now;
	bool alive[NMAX + 1];
	bool hold_from[NMAX + 1];	/* keep this node's messages queued */
	struct dl_bully *b[NMAX + 1];
	struct dl_coord *c[NMAX + 1];
	struct dl_bully_msg bq[QMAX];
	u32 bh, bt;
	struct dl_coord_msg *cq;	/* QMAX */
	u32 ch, ct;
	u64 granted_token[NMAX + 1];
	u64 granted_req[NMAX + 1];
	u32 grants;
};

struct cctx {
	struct cnet *net;
	u32 id;
};

static struct cctx ctxs[NMAX + 1];

static void cb_bsend(void *x, const struct dl_bully_msg *m)
{
	struct cnet *net = ((struct cctx *)x)->net;

	net->bq[net->bt++ % QMAX] = *m;
}

static void cb_leader(void *x, u32 leader, u64 epoch)
{
	struct cctx *cx = x;

	dl_coord_set_leader(cx->net->c[cx->id], leader, epoch, cx->net->now);
}

static void cb_down(void *x, u32 id)
{
	struct cctx *cx = x;

	dl_coord_peer_down(cx->net->c[cx->id], id);
}

static void cb_csend(void *x, const struct dl_coord_msg *m)
{
	struct cnet *net = ((struct cctx *)x)->net;

	net->cq[net->ct++ % QMAX] = *m;
}

static void cb_granted(void *x, u64 req_id, u64 token)
{
	struct cctx *cx = x;

	cx->net->granted_req[cx->id] = req_id;
	cx->net->granted_token[cx->id] = token;
	cx->net->grants++;
}

static const struct dl_bully_ops bops = {
	.send = cb_bsend, .leader_change = cb_leader, .peer_down = cb_down,
};

static const struct dl_coord_ops cops = {
	.send = cb_csend, .granted = cb_granted,
};

static void cnet_init(struct cnet *net, u32 n)
{
	struct dl_bully_config bc = {
		.nr_nodes = n, .answer_ms = 50, .announce_ms = 200,
		.heartbeat_ms = 100, .dead_ms = 500,
	};
	struct dl_coord_config cc = { .nr_nodes = n, .retry_ms = 300 };
	u32 i;

	memset(net, 0, sizeof(*net));
	net->cq = calloc(QMAX, sizeof(*net->cq));
	net->n = n;
	for (i = 0; i < n; i++)
		bc.nodes[i] = cc.nodes[i] = i + 1;
	for (i = 1; i <= n; i++) {
		bc.self_id = cc.self_id = i;
		ctxs[i].net = net;
		ctxs[i].id = i;
		net->alive[i] = true;
		if (dl_coord_create(&cc, &cops, &ctxs[i], &net->c[i]) ||
		    dl_bully_create(&bc, &bops, &ctxs[i], 0, &net->b[i]))
			abort();
	}
}

static void cnet_fini(struct cnet *net)
{
	u32 i;

	for (i = 1; i <= net->n; i++) {
		dl_bully_destroy(net->b[i]);
		dl_coord_destroy(net->c[i]);
	}
	free(net->cq);
}

static void cnet_run(struct cnet *net)
{
	u32 held = 0;

	while (net->bh != net->bt || net->ch != net->ct) {
		if (net->bh != net->bt) {
			struct dl_bully_msg m = net->bq[net->bh++ % QMAX];

			if (net->alive[m.to] && net->alive[m.from])
				dl_bully_recv(net->b[m.to], &m, net->now);
			continue;
		}
		if (net->hold_from[net->cq[net->ch % QMAX].from]) {
			/* rotate it to the back; stop when only held remain */
			net->cq[net->ct++ % QMAX] = net->cq[net->ch++ % QMAX];
			if (++held > QMAX)
				break;
			continue;
		}
		held = 0;
		{
			struct dl_coord_msg *m = &net->cq[net->ch++ % QMAX];

			if (net->alive[m->to] && net->alive[m->from])
				dl_coord_recv(net->c[m->to], m, net->now);
		}
	}
}

static void cnet_advance(struct cnet *net, u64 ms)
{
	u64 end = net->now + ms * MS;
	u32 i;

	while (net->now < end) {
		net->now += 10 * MS;
		for (i = 1; i <= net->n; i++) {
			if (!net->alive[i])
				continue;
			dl_bully_tick(net->b[i], net->now);
			dl_coord_tick(net->c[i], net->now);
		}
		cnet_run(net);
	}
}

static u64 csent(struct cnet *net, u32 type)
{
	u64 s = 0;
	u32 i;

	for (i = 1; i <= net->n; i++)
		s += dl_coord_sent(net->c[i], type);
	return s;
}

static void creset(struct cnet *net)
{
	u32 i;

	for (i = 1; i <= net->n; i++)
		dl_coord_reset_counts(net->c[i]);
}

static void cnet_elect(struct cnet *net)
{
	dl_bully_start_election(net->b[1], net->now);
	cnet_run(net);
}

TEST(three_messages_per_acquire_release)
{
	static const u32 ns[] = { 3, 5, 7 };
	struct cnet net;
	u32 k;

	for (k = 0; k < 3; k++) {
		u32 n = ns[k];
		s64 rq;
		u64 tok;

		cnet_init(&net, n);
		cnet_elect(&net);
		ASSERT_TRUE(dl_coord_serving(net.c[n]));
		creset(&net);
		rq = dl_coord_lock(net.c[1], "res", 3, DL_MODE_EX, net.now);
		ASSERT_LT(0, rq);
		cnet_run(&net);
		ASSERT_TRUE(dl_coord_holds(net.c[1], rq, &tok));
		EXPECT_LT(0, tok);
		ASSERT_EQ(0, dl_coord_unlock(net.c[1], rq));
		cnet_run(&net);
		EXPECT_EQ(1, csent(&net, DL_COORD_REQUEST));
		EXPECT_EQ(1, csent(&net, DL_COORD_GRANT));
		EXPECT_EQ(1, csent(&net, DL_COORD_RELEASE));
		EXPECT_EQ(0, csent(&net, DL_COORD_QUERY));
		/* the coordinator's own locks cost nothing on the network */
		creset(&net);
		rq = dl_coord_lock(net.c[n], "res", 3, DL_MODE_EX, net.now);
		ASSERT_TRUE(dl_coord_holds(net.c[n], rq, NULL));
		ASSERT_EQ(0, dl_coord_unlock(net.c[n], rq));
		EXPECT_EQ(0, csent(&net, DL_COORD_REQUEST) +
			     csent(&net, DL_COORD_GRANT) +
			     csent(&net, DL_COORD_RELEASE));
		cnet_fini(&net);
	}
}

TEST(bad_requests_change_nothing)
{
	struct cnet net;
	struct dl_coord_msg *m = calloc(1, sizeof(*m));
	u8 big[DL_COORD_NAME_MAX + 1] = { 0 };
	s64 rq;

	cnet_init(&net, 3);
	cnet_elect(&net);
	creset(&net);
	EXPECT_EQ(-EINVAL, dl_coord_lock(net.c[1], "r", 0, DL_MODE_EX, 0));
	EXPECT_EQ(-EINVAL, dl_coord_lock(net.c[1], big, sizeof(big),
					 DL_MODE_EX, 0));
	EXPECT_EQ(-EINVAL, dl_coord_lock(net.c[1], "r", 1, DL_MODE_COUNT, 0));
	EXPECT_EQ(-ENOENT, dl_coord_unlock(net.c[1], 99));
	rq = dl_coord_lock(net.c[1], "r", 1, DL_MODE_PR, 0);
	ASSERT_LT(0, rq);
	EXPECT_EQ(-EEXIST, dl_coord_lock(net.c[1], "r", 1, DL_MODE_EX, 0));
	EXPECT_EQ(1, csent(&net, DL_COORD_REQUEST));
	/* a REPORT claiming too many locks, a REQUEST without a name */
	m->type = DL_COORD_REPORT;
	m->from = 1;
	m->to = 3;
	m->epoch = dl_bully_epoch(net.b[3]);
	m->nr_locks = DL_COORD_MAX_LOCKS + 1;
	EXPECT_EQ(-EINVAL, dl_coord_recv(net.c[3], m, 0));
	m->type = DL_COORD_REQUEST;
	m->lock.req_id = 5;
	EXPECT_EQ(-EINVAL, dl_coord_recv(net.c[3], m, 0));
	m->from = 77;
	EXPECT_EQ(-EINVAL, dl_coord_recv(net.c[3], m, 0));
	free(m);
	cnet_fini(&net);
}

TEST(fifo_and_tokens_grow)
{
	struct cnet net;
	s64 a, b, c2;
	u64 ta, tb;

	cnet_init(&net, 5);
	cnet_elect(&net);
	a = dl_coord_lock(net.c[1], "x", 1, DL_MODE_PR, net.now);
	cnet_run(&net);
	b = dl_coord_lock(net.c[2], "x", 1, DL_MODE_EX, net.now);
	cnet_run(&net);
	/* a later PR waits behind the EX: first come first served */
	c2 = dl_coord_lock(net.c[3], "x", 1, DL_MODE_PR, net.now);
	cnet_run(&net);
	ASSERT_TRUE(dl_coord_holds(net.c[1], a, &ta));
	EXPECT_FALSE(dl_coord_holds(net.c[2], b, NULL));
	EXPECT_FALSE(dl_coord_holds(net.c[3], c2, NULL));
	dl_coord_unlock(net.c[1], a);
	cnet_run(&net);
	ASSERT_TRUE(dl_coord_holds(net.c[2], b, &tb));
	EXPECT_LT(ta, tb);
	EXPECT_FALSE(dl_coord_holds(net.c[3], c2, NULL));
	dl_coord_unlock(net.c[2], b);
	cnet_run(&net);
	EXPECT_TRUE(dl_coord_holds(net.c[3], c2, NULL));
	cnet_fini(&net);
}

/*
 * The coordinator dies with locks held and waited for; the new one grants
 * nothing until every survivor reported, keeps the survivors' grants and
 * tokens, and issues later tokens above all of them.
 */
TEST(failover_rebuild)
{
	struct cnet net;
	s64 a1, a2, b3, w4;
	u64 t1, t3, t2;
	u32 n = 5;

	cnet_init(&net, n);
	cnet_elect(&net);
	a1 = dl_coord_lock(net.c[1], "a", 1, DL_MODE_EX, net.now);
	b3 = dl_coord_lock(net.c[3], "b", 1, DL_MODE_PR, net.now);
	cnet_run(&net);
	a2 = dl_coord_lock(net.c[2], "a", 1, DL_MODE_EX, net.now);
	w4 = dl_coord_lock(net.c[4], "b", 1, DL_MODE_EX, net.now);
	cnet_run(&net);
	ASSERT_TRUE(dl_coord_holds(net.c[1], a1, &t1));
	ASSERT_TRUE(dl_coord_holds(net.c[3], b3, &t3));
	ASSERT_FALSE(dl_coord_holds(net.c[2], a2, NULL));

	/* coordinator 5 dies; node 3's report is slow */
	net.alive[n] = false;
	net.hold_from[3] = true;
	creset(&net);
	cnet_advance(&net, 1500);
	ASSERT_EQ(4, dl_bully_leader(net.b[1]));
	EXPECT_FALSE(dl_coord_serving(net.c[4]));
	EXPECT_LE(3, csent(&net, DL_COORD_QUERY));	/* to 1, 2, 3 */
	/* node 1 releases "a" meanwhile: still no grant to 2 */
	net.grants = 0;
	dl_coord_unlock(net.c[1], a1);
	cnet_run(&net);
	EXPECT_EQ(0, net.grants);
	EXPECT_FALSE(dl_coord_holds(net.c[2], a2, NULL));

	/* node 3 reports: grants resume; 3 keeps "b" with its old token */
	net.hold_from[3] = false;
	cnet_advance(&net, 500);
	ASSERT_TRUE(dl_coord_serving(net.c[4]));
	ASSERT_TRUE(dl_coord_holds(net.c[2], a2, &t2));
	EXPECT_LT(t1, t2);
	EXPECT_LT(t3, t2);
	EXPECT_LE(dl_bully_epoch(net.b[4]) << DL_COORD_EPOCH_SHIFT, t2);
	EXPECT_TRUE(dl_coord_holds(net.c[3], b3, &t2));
	EXPECT_EQ(t3, t2);
	EXPECT_FALSE(dl_coord_holds(net.c[4], w4, NULL));

	/* node 3 dies holding "b": heartbeats release it to the waiter */
	net.alive[3] = false;
	cnet_advance(&net, 1000);
	ASSERT_TRUE(dl_coord_holds(net.c[4], w4, &t2));
	EXPECT_LT(t3, t2);
	cnet_fini(&net);
}

/* A holder that dies with the coordinator is never reported: released. */
TEST(dead_holder_released_by_rebuild)
{
	struct cnet net;
	s64 a1, a2;
	u64 t1, t2;

	cnet_init(&net, 3);
	cnet_elect(&net);
	a1 = dl_coord_lock(net.c[1], "a", 1, DL_MODE_EX, net.now);
	cnet_run(&net);
	a2 = dl_coord_lock(net.c[2], "a", 1, DL_MODE_EX, net.now);
	cnet_run(&net);
	ASSERT_TRUE(dl_coord_holds(net.c[1], a1, &t1));
	net.alive[3] = false;
	net.alive[1] = false;
	cnet_advance(&net, 3000);
	ASSERT_EQ(2, dl_bully_leader(net.b[2]));
	ASSERT_TRUE(dl_coord_holds(net.c[2], a2, &t2));
	EXPECT_LT(t1, t2);
	cnet_fini(&net);
}

/* A holder restarts before anyone finds it dead: its new life frees it. */
TEST(restart_releases_earlier_life)
{
	struct dl_bully_config bc = {
		.self_id = 1, .nr_nodes = 3, .nodes = { 1, 2, 3 },
		.answer_ms = 50, .announce_ms = 200, .heartbeat_ms = 100,
		.dead_ms = 500,
	};
	struct dl_coord_config cc = {
		.self_id = 1, .nr_nodes = 3, .nodes = { 1, 2, 3 },
		.retry_ms = 300, .incarnation = 2,
	};
	struct cnet net;
	s64 a1, a2;
	u64 t1, t2;

	cnet_init(&net, 3);
	cnet_elect(&net);
	a1 = dl_coord_lock(net.c[1], "a", 1, DL_MODE_EX, net.now);
	cnet_run(&net);
	a2 = dl_coord_lock(net.c[2], "a", 1, DL_MODE_EX, net.now);
	cnet_run(&net);
	ASSERT_TRUE(dl_coord_holds(net.c[1], a1, &t1));
	/* node 1 restarts at once, keeping only its epoch */
	bc.epoch = dl_bully_epoch(net.b[1]);
	dl_bully_destroy(net.b[1]);
	dl_coord_destroy(net.c[1]);
	ASSERT_EQ(0, dl_coord_create(&cc, &cops, &ctxs[1], &net.c[1]));
	ASSERT_EQ(0, dl_bully_create(&bc, &bops, &ctxs[1], net.now,
				     &net.b[1]));
	EXPECT_FALSE(dl_coord_holds(net.c[2], a2, NULL));
	cnet_advance(&net, 1000);
	ASSERT_EQ(3, dl_bully_leader(net.b[1]));
	ASSERT_TRUE(dl_coord_holds(net.c[2], a2, &t2));
	EXPECT_LT(t1, t2);
	cnet_fini(&net);
}

/*
 * A REQUEST reaches the new coordinator during its rebuild, then the
 * sender's REPORT says the deposed coordinator granted it meanwhile: the
 * sender holds it, and nobody (the coordinator's own waiter included) is
 * granted beside it.  Found by dlock-sim --algo bully, n=5 seed 62.
 */
TEST(report_of_grant_overtakes_request)
{
	struct dl_coord_msg *m = calloc(1, sizeof(*m));
	u64 old_token = (1ULL << DL_COORD_EPOCH_SHIFT) + 5, t;
	struct cnet net;
	struct dl_coord *c;
	s64 own;

	cnet_init(&net, 3);
	c = net.c[3];
	dl_coord_set_leader(c, 3, 2, net.now);
	EXPECT_FALSE(dl_coord_serving(c));
	own = dl_coord_lock(c, "b", 1, DL_MODE_EX, net.now);
	ASSERT_LT(0, own);
	/* node 1 asks for "b" under the old epoch */
	m->type = DL_COORD_REQUEST;
	m->from = 1;
	m->to = 3;
	m->epoch = 1;
	m->lock.req_id = 7;
	m->lock.mode = DL_MODE_EX;
	m->lock.name_len = 1;
	m->lock.name[0] = 'b';
	ASSERT_EQ(0, dl_coord_recv(c, m, net.now));
	/* node 2 holds nothing; node 1 got "b" from the old coordinator */
	memset(m, 0, sizeof(*m));
	m->type = DL_COORD_REPORT;
	m->from = 2;
	m->to = 3;
	m->epoch = 2;
	ASSERT_EQ(0, dl_coord_recv(c, m, net.now));
	m->from = 1;
	m->nr_locks = 1;
	m->lock.req_id = 7;
	m->lock.token = old_token;
	m->locks[0].req_id = 7;
	m->locks[0].mode = DL_MODE_EX;
	m->locks[0].granted = true;
	m->locks[0].token = old_token;
	m->locks[0].name_len = 1;
	m->locks[0].name[0] = 'b';
	ASSERT_EQ(0, dl_coord_recv(c, m, net.now));
	ASSERT_TRUE(dl_coord_serving(c));
	EXPECT_FALSE(dl_coord_holds(c, own, NULL));
	/* its RELEASE hands "b" on, with a token of the new epoch */
	memset(m, 0, sizeof(*m));
	m->type = DL_COORD_RELEASE;
	m->from = 1;
	m->to = 3;
	m->epoch = 2;
	m->lock.req_id = 7;
	m->lock.mode = DL_MODE_EX;
	m->lock.name_len = 1;
	m->lock.name[0] = 'b';
	ASSERT_EQ(0, dl_coord_recv(c, m, net.now));
	ASSERT_TRUE(dl_coord_holds(c, own, &t));
	EXPECT_LE(2ULL << DL_COORD_EPOCH_SHIFT, t);
	free(m);
	cnet_fini(&net);
}

TEST_HARNESS_MAIN
