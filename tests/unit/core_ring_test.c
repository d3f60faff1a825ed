// SPDX-License-Identifier: GPL-2.0
/*
 * core_ring_test.c - the Ring election over an in-memory network: 2(n - 1)
 * messages for n = 3, 5, 7, concurrent elections, dead successors.
 */
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#include "elect_ring.h"

#define MS	1000000ULL
#define QMAX	4096

struct rnet {
	u32 n;
	u64 now;
	struct dl_ring *r[DL_ELECT_MAX_NODES + 1];
	bool alive[DL_ELECT_MAX_NODES + 1];
	struct dl_ring_msg q[QMAX];
	u32 head, tail;
	u32 changes;
	u32 downs;
};

struct rctx {
	struct rnet *net;
	u32 id;
};

static struct rctx ctxs[DL_ELECT_MAX_NODES + 1];

static void r_send(void *c, const struct dl_ring_msg *m)
{
	struct rnet *net = ((struct rctx *)c)->net;

	if (net->tail - net->head < QMAX)
		net->q[net->tail++ % QMAX] = *m;
}

static void r_leader(void *c, u32 leader, u64 epoch)
{
	((struct rctx *)c)->net->changes++;
}

static void r_down(void *c, u32 id)
{
	((struct rctx *)c)->net->downs++;
}

static const struct dl_ring_ops rops = {
	.send = r_send, .leader_change = r_leader, .peer_down = r_down,
};

/* Ids are given in scrambled order: the ring sorts them. */
static void rnet_init(struct rnet *net, u32 n)
{
	struct dl_ring_config cfg = {
		.nr_nodes = n, .ack_ms = 30, .round_ms = 400, .heartbeat_ms = 100,
		.dead_ms = 500,
	};
	u32 i;

	memset(net, 0, sizeof(*net));
	net->n = n;
	for (i = 0; i < n; i++)
		cfg.nodes[i] = n - i;
	for (i = 1; i <= n; i++) {
		cfg.self_id = i;
		ctxs[i].net = net;
		ctxs[i].id = i;
		net->alive[i] = true;
		if (dl_ring_create(&cfg, &rops, &ctxs[i], 0, &net->r[i]))
			abort();
	}
}

static void rnet_fini(struct rnet *net)
{
	u32 i;

	for (i = 1; i <= net->n; i++)
		dl_ring_destroy(net->r[i]);
}

static void rnet_run(struct rnet *net)
{
	while (net->head != net->tail) {
		struct dl_ring_msg m = net->q[net->head++ % QMAX];

		if (net->alive[m.to] && net->alive[m.from])
			dl_ring_recv(net->r[m.to], &m, net->now);
	}
}

static void rnet_advance(struct rnet *net, u64 ms)
{
	u64 end = net->now + ms * MS;
	u32 i;

	while (net->now < end) {
		net->now += 10 * MS;
		for (i = 1; i <= net->n; i++)
			if (net->alive[i])
				dl_ring_tick(net->r[i], net->now);
		rnet_run(net);
	}
}

static u64 rsent(struct rnet *net, u32 type)
{
	u64 s = 0;
	u32 i;

	for (i = 1; i <= net->n; i++)
		s += dl_ring_sent(net->r[i], type);
	return s;
}

static void rreset(struct rnet *net)
{
	u32 i;

	for (i = 1; i <= net->n; i++)
		dl_ring_reset_counts(net->r[i]);
}

TEST(config_and_bad_messages)
{
	struct dl_ring_config cfg = {
		.self_id = 4, .nr_nodes = 3, .nodes = { 1, 2, 3 },
		.ack_ms = 1, .round_ms = 2, .heartbeat_ms = 1, .dead_ms = 5,
	};
	struct dl_ring_msg m = { .type = DL_RING_ELECTION, .from = 1, .to = 2,
				 .origin = 1, .nr_ids = 1, .ids = { 9 } };
	struct dl_ring *r;
	struct rnet net;

	EXPECT_EQ(-EINVAL, dl_ring_create(&cfg, &rops, NULL, 0, &r));
	cfg.self_id = 2;
	cfg.round_ms = 0;
	EXPECT_EQ(-EINVAL, dl_ring_create(&cfg, &rops, NULL, 0, &r));
	rnet_init(&net, 3);
	/* an id outside the cell, an empty list, a bad leader */
	EXPECT_EQ(-EINVAL, dl_ring_recv(net.r[2], &m, 0));
	m.ids[0] = 1;
	m.nr_ids = 0;
	EXPECT_EQ(-EINVAL, dl_ring_recv(net.r[2], &m, 0));
	m.type = DL_RING_COORDINATOR;
	m.leader = 0;
	EXPECT_EQ(-EINVAL, dl_ring_recv(net.r[2], &m, 0));
	EXPECT_EQ(0, net.tail);
	EXPECT_EQ(0, dl_ring_leader(net.r[2]));
	rnet_fini(&net);
}

/* The slides: always 2(n - 1) ELECTION + COORDINATOR, whoever starts. */
TEST(counts_2n_minus_2)
{
	static const u32 ns[] = { 3, 5, 7 };
	struct rnet net;
	u32 k, i, start;

	for (k = 0; k < 3; k++) {
		u32 n = ns[k];

		for (start = 1; start <= n; start++) {
			rnet_init(&net, n);
			dl_ring_start_election(net.r[start], 0);
			rnet_run(&net);
			for (i = 1; i <= n; i++)
				EXPECT_EQ(n, dl_ring_leader(net.r[i]));
			EXPECT_EQ(n - 1, rsent(&net, DL_RING_ELECTION));
			EXPECT_EQ(n - 1, rsent(&net, DL_RING_COORDINATOR))
				TH_LOG("n=%u start=%u", n, start);
			/* hop-by-hop ACKs, counted apart (elect_ring.h) */
			EXPECT_EQ(2 * (n - 1), rsent(&net, DL_RING_ACK));
			EXPECT_EQ(n, net.changes);
			rnet_fini(&net);
		}
	}
}

/* Two initiators at once still agree on one coordinator. */
TEST(concurrent_elections)
{
	struct rnet net;
	u32 i, a, b;

	for (a = 1; a <= 5; a++) {
		for (b = 1; b <= 5; b++) {
			if (a == b)
				continue;
			rnet_init(&net, 5);
			dl_ring_start_election(net.r[a], 0);
			dl_ring_start_election(net.r[b], 0);
			rnet_run(&net);
			for (i = 1; i <= 5; i++) {
				EXPECT_EQ(5, dl_ring_leader(net.r[i]));
				EXPECT_FALSE(dl_ring_electing(net.r[i]));
			}
			EXPECT_EQ(dl_ring_epoch(net.r[1]),
				  dl_ring_epoch(net.r[5]));
			rnet_fini(&net);
		}
	}
}

/* The coordinator dies; the ring elects the next highest around it. */
TEST(failover_skips_dead)
{
	struct rnet net;
	u64 e;
	u32 i;

	rnet_init(&net, 5);
	rnet_advance(&net, 2000);
	for (i = 1; i <= 5; i++)
		ASSERT_EQ(5, dl_ring_leader(net.r[i]));
	e = dl_ring_epoch(net.r[1]);
	net.alive[5] = false;
	net.alive[2] = false;	/* a dead successor in the ring as well */
	rreset(&net);
	rnet_advance(&net, 3000);
	for (i = 1; i <= 4; i++) {
		if (!net.alive[i])
			continue;
		EXPECT_EQ(4, dl_ring_leader(net.r[i]));
		EXPECT_LT(e, dl_ring_epoch(net.r[i]));
	}
	EXPECT_LT(0, rsent(&net, DL_RING_ELECTION));
	/* node 2 comes back: heartbeats to 4 bring it in */
	net.alive[2] = true;
	rnet_advance(&net, 3000);
	EXPECT_EQ(4, dl_ring_leader(net.r[2]));
	rnet_fini(&net);
}

TEST_HARNESS_MAIN
