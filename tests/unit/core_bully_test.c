// SPDX-License-Identifier: GPL-2.0
/*
 * core_bully_test.c - the Bully election over an in-memory network, and its
 * message counts against the slides for n = 3, 5, 7.
 */
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#include "elect_bully.h"

#define MS	1000000ULL
#define QMAX	4096

struct bnet {
	u32 n;
	struct dl_bully *b[DL_ELECT_MAX_NODES + 1];	/* by id 1..n */
	bool alive[DL_ELECT_MAX_NODES + 1];
	struct dl_bully_msg q[QMAX];
	u32 head, tail;
	u32 leader_seen[DL_ELECT_MAX_NODES + 1];
	u32 downs;
	u64 now;
};

struct bctx {
	struct bnet *net;
	u32 id;
};

static struct bctx ctxs[DL_ELECT_MAX_NODES + 1];

static void b_send(void *c, const struct dl_bully_msg *m)
{
	struct bnet *net = ((struct bctx *)c)->net;

	if (net->tail - net->head < QMAX)
		net->q[net->tail++ % QMAX] = *m;
}

static void b_leader(void *c, u32 leader, u64 epoch)
{
	struct bctx *x = c;

	x->net->leader_seen[x->id] = leader;
}

static void b_down(void *c, u32 id)
{
	((struct bctx *)c)->net->downs++;
}

static const struct dl_bully_ops bops = {
	.send = b_send, .leader_change = b_leader, .peer_down = b_down,
};

static void bnet_init(struct bnet *net, u32 n)
{
	struct dl_bully_config cfg = {
		.nr_nodes = n, .answer_ms = 50, .announce_ms = 200,
		.heartbeat_ms = 100, .dead_ms = 500,
	};
	u32 i;

	memset(net, 0, sizeof(*net));
	net->n = n;
	for (i = 0; i < n; i++)
		cfg.nodes[i] = i + 1;
	for (i = 1; i <= n; i++) {
		cfg.self_id = i;
		ctxs[i].net = net;
		ctxs[i].id = i;
		net->alive[i] = true;
		if (dl_bully_create(&cfg, &bops, &ctxs[i], 0, &net->b[i]))
			abort();
	}
}

static void bnet_fini(struct bnet *net)
{
	u32 i;

	for (i = 1; i <= net->n; i++)
		dl_bully_destroy(net->b[i]);
}

/* Deliver until quiet; messages to dead nodes are lost. */
static void bnet_run(struct bnet *net)
{
	while (net->head != net->tail) {
		struct dl_bully_msg m = net->q[net->head++ % QMAX];

		if (net->alive[m.to] && net->alive[m.from])
			dl_bully_recv(net->b[m.to], &m, net->now);
	}
}

/* Advance time in 10 ms steps, ticking live nodes and delivering. */
static void bnet_advance(struct bnet *net, u64 ms)
{
	u64 end = net->now + ms * MS;
	u32 i;

	while (net->now < end) {
		net->now += 10 * MS;
		for (i = 1; i <= net->n; i++)
			if (net->alive[i])
				dl_bully_tick(net->b[i], net->now);
		bnet_run(net);
	}
}

static u64 bnet_sent(struct bnet *net, u32 type)
{
	u64 s = 0;
	u32 i;

	for (i = 1; i <= net->n; i++)
		s += dl_bully_sent(net->b[i], type);
	return s;
}

static void bnet_reset(struct bnet *net)
{
	u32 i;

	for (i = 1; i <= net->n; i++)
		dl_bully_reset_counts(net->b[i]);
}

static u64 election_msgs(struct bnet *net)
{
	return bnet_sent(net, DL_BULLY_ELECTION) + bnet_sent(net, DL_BULLY_OK) +
	       bnet_sent(net, DL_BULLY_COORDINATOR);
}

TEST(config_refused)
{
	struct dl_bully_config cfg = {
		.self_id = 9, .nr_nodes = 3, .nodes = { 1, 2, 3 },
		.answer_ms = 1, .announce_ms = 1, .heartbeat_ms = 1,
		.dead_ms = 5,
	};
	struct dl_bully *b = (void *)1;

	EXPECT_EQ(-EINVAL, dl_bully_create(&cfg, &bops, NULL, 0, &b));
	EXPECT_EQ(NULL, b);
	cfg.self_id = 1;
	cfg.nodes[2] = 2;
	EXPECT_EQ(-EINVAL, dl_bully_create(&cfg, &bops, NULL, 0, &b));
	cfg.nodes[2] = 3;
	cfg.dead_ms = 1;
	EXPECT_EQ(-EINVAL, dl_bully_create(&cfg, &bops, NULL, 0, &b));
	cfg.dead_ms = 5;
	ASSERT_EQ(0, dl_bully_create(&cfg, &bops, NULL, 0, &b));
	dl_bully_destroy(b);
}

TEST(bad_messages_change_nothing)
{
	struct bnet net;
	struct dl_bully_msg m = { .type = DL_BULLY_ELECTION, .from = 3,
				  .to = 2 };

	bnet_init(&net, 3);
	/* ELECTION from a higher id, a stranger, and an unknown type */
	EXPECT_EQ(-EINVAL, dl_bully_recv(net.b[2], &m, 0));
	m.from = 42;
	EXPECT_EQ(-EINVAL, dl_bully_recv(net.b[2], &m, 0));
	m.from = 1;
	m.type = DL_BULLY_MSG_COUNT;
	EXPECT_EQ(-EINVAL, dl_bully_recv(net.b[2], &m, 0));
	EXPECT_EQ(0, net.tail);
	EXPECT_FALSE(dl_bully_electing(net.b[2]));
	bnet_fini(&net);
}

/* Worst case of the slides: lowest id starts, all up: n^2 - 1 = O(n^2). */
TEST(lowest_starts_counts)
{
	static const u32 ns[] = { 3, 5, 7 };
	struct bnet net;
	u32 k, i;

	for (k = 0; k < 3; k++) {
		u32 n = ns[k];

		bnet_init(&net, n);
		dl_bully_start_election(net.b[1], 0);
		bnet_run(&net);
		for (i = 1; i <= n; i++)
			EXPECT_EQ(n, dl_bully_leader(net.b[i]));
		EXPECT_EQ(n * (n - 1) / 2, bnet_sent(&net, DL_BULLY_ELECTION));
		EXPECT_EQ(n * (n - 1) / 2, bnet_sent(&net, DL_BULLY_OK));
		EXPECT_EQ(n - 1, bnet_sent(&net, DL_BULLY_COORDINATOR));
		EXPECT_EQ(n * n - 1, election_msgs(&net))
			TH_LOG("n=%u", n);
		bnet_fini(&net);
	}
}

/* Best case: coordinator died, second-highest starts: n-2 + 1 ELECTION. */
TEST(second_highest_after_crash_counts)
{
	static const u32 ns[] = { 3, 5, 7 };
	struct bnet net;
	u32 k, i;

	for (k = 0; k < 3; k++) {
		u32 n = ns[k];

		bnet_init(&net, n);
		dl_bully_start_election(net.b[1], 0);
		bnet_run(&net);
		ASSERT_EQ(n, dl_bully_leader(net.b[1]));
		net.alive[n] = false;
		bnet_reset(&net);
		dl_bully_start_election(net.b[n - 1], net.now);
		bnet_advance(&net, 60);	/* answer_ms passes without OK */
		for (i = 1; i < n; i++)
			EXPECT_EQ(n - 1, dl_bully_leader(net.b[i]));
		EXPECT_EQ(1, bnet_sent(&net, DL_BULLY_ELECTION));
		EXPECT_EQ(0, bnet_sent(&net, DL_BULLY_OK));
		EXPECT_EQ(n - 2, bnet_sent(&net, DL_BULLY_COORDINATOR))
			TH_LOG("n=%u", n);
		EXPECT_EQ(dl_bully_epoch(net.b[1]), dl_bully_epoch(net.b[n - 1]));
		bnet_fini(&net);
	}
}

/* Heartbeats detect the coordinator's death; one new coordinator results. */
TEST(heartbeat_failover)
{
	struct bnet net;
	u64 e;
	u32 i;

	bnet_init(&net, 5);
	bnet_advance(&net, 2000);
	for (i = 1; i <= 5; i++)
		ASSERT_EQ(5, dl_bully_leader(net.b[i]));
	e = dl_bully_epoch(net.b[5]);
	EXPECT_LT(0, bnet_sent(&net, DL_BULLY_HEARTBEAT_ACK));
	net.alive[5] = false;
	bnet_advance(&net, 2000);
	for (i = 1; i <= 4; i++) {
		EXPECT_EQ(4, dl_bully_leader(net.b[i]));
		EXPECT_LT(e, dl_bully_epoch(net.b[i]));
	}
	/* the new coordinator finds node 3 silent through heartbeats */
	net.alive[3] = false;
	net.downs = 0;
	bnet_advance(&net, 1000);
	EXPECT_EQ(1, net.downs);
	/* the old coordinator returns and bullies its way back */
	net.alive[5] = true;
	dl_bully_start_election(net.b[5], net.now);
	bnet_advance(&net, 1000);
	for (i = 1; i <= 5; i++)
		if (i != 3)
			EXPECT_EQ(5, dl_bully_leader(net.b[i]));
	bnet_fini(&net);
}

/*
 * A coordinator takes a silent node for dead only after a probe went
 * unanswered: the node may live following a rival coordinator, holding
 * locks the rebuild must not lose.  Any message counts as an answer.
 */
TEST(silent_node_probed_before_down)
{
	struct bnet net;
	u64 probes;

	bnet_init(&net, 3);
	dl_bully_start_election(net.b[1], net.now);
	bnet_run(&net);
	ASSERT_EQ(3, dl_bully_leader(net.b[1]));
	/* node 1 dies: one probe after dead_ms, down after a second one */
	net.alive[1] = false;
	bnet_reset(&net);
	bnet_advance(&net, 600);
	EXPECT_EQ(0, net.downs);
	probes = dl_bully_sent(net.b[3], DL_BULLY_COORDINATOR);
	EXPECT_EQ(1, probes);
	bnet_advance(&net, 500);
	EXPECT_EQ(1, net.downs);
	bnet_fini(&net);

	/* node 1 lives but only ever sends ELECTIONs: never taken for dead */
	bnet_init(&net, 3);
	dl_bully_start_election(net.b[1], net.now);
	bnet_run(&net);
	ASSERT_EQ(3, dl_bully_leader(net.b[3]));
	for (probes = 0; probes < 30; probes++) {
		struct dl_bully_msg m = {
			.type = DL_BULLY_ELECTION, .from = 1, .to = 3,
			.epoch = dl_bully_epoch(net.b[3]),
		};

		net.alive[1] = false;	/* its heartbeats are lost */
		bnet_advance(&net, 100);
		EXPECT_EQ(0, dl_bully_recv(net.b[3], &m, net.now));
	}
	EXPECT_EQ(0, net.downs);
	bnet_fini(&net);
}

TEST_HARNESS_MAIN
