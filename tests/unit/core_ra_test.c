// SPDX-License-Identifier: GPL-2.0
/*
 * core_ra_test.c - Ricart-Agrawala: 2(n - 1) messages per acquire for
 * n = 3, 5, 7, mutual exclusion and progress under contention, loss,
 * reordering and crashes (seeded, random delivery order).
 */
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#include "ra.h"

#define MS	1000000ULL
#define QMAX	8192
#define NMAX	8

struct anet {
	u32 n;
	u64 now;
	u64 rng;
	u32 loss_pct;
	bool random_order;
	bool alive[NMAX + 1];
	struct dl_ra *ra[NMAX + 1];
	struct dl_ra_msg q[QMAX];
	u32 nq;
	u32 holders;		/* of "r", right now */
	u32 max_holders;
	u32 grants[NMAX + 1];
};

struct actx {
	struct anet *net;
	u32 id;
};

static struct actx ctxs[NMAX + 1];

static u32 anet_rand(struct anet *net)
{
	net->rng = net->rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return net->rng >> 33;
}

static void a_send(void *c, const struct dl_ra_msg *m)
{
	struct anet *net = ((struct actx *)c)->net;

	if (net->nq < QMAX)
		net->q[net->nq++] = *m;
}

static void a_granted(void *c, const u8 *name, u8 len)
{
	struct actx *x = c;

	x->net->grants[x->id]++;
	if (len == 1 && name[0] == 'r') {
		x->net->holders++;
		if (x->net->holders > x->net->max_holders)
			x->net->max_holders = x->net->holders;
	}
}

static const struct dl_ra_ops aops = { .send = a_send, .granted = a_granted };

static void anet_init(struct anet *net, u32 n, u64 seed)
{
	struct dl_ra_config cfg = { .nr_nodes = n, .retry_ms = 50 };
	u32 i;

	memset(net, 0, sizeof(*net));
	net->n = n;
	net->rng = seed;
	for (i = 0; i < n; i++)
		cfg.nodes[i] = i + 1;
	for (i = 1; i <= n; i++) {
		cfg.self_id = i;
		ctxs[i].net = net;
		ctxs[i].id = i;
		net->alive[i] = true;
		if (dl_ra_create(&cfg, &aops, &ctxs[i], &net->ra[i]))
			abort();
	}
}

static void anet_fini(struct anet *net)
{
	u32 i;

	for (i = 1; i <= net->n; i++)
		dl_ra_destroy(net->ra[i]);
}

/* Deliver one message (FIFO, or a random one), maybe losing it. */
static bool anet_step(struct anet *net)
{
	struct dl_ra_msg m;
	u32 k = 0;

	if (!net->nq)
		return false;
	if (net->random_order)
		k = anet_rand(net) % net->nq;
	m = net->q[k];
	memmove(&net->q[k], &net->q[k + 1], (net->nq - k - 1) * sizeof(m));
	net->nq--;
	if (!net->alive[m.to] || !net->alive[m.from])
		return true;
	if (net->loss_pct && anet_rand(net) % 100 < net->loss_pct)
		return true;
	dl_ra_recv(net->ra[m.to], &m, net->now);
	return true;
}

static void anet_run(struct anet *net)
{
	while (anet_step(net))
		;
}

static u64 asent(struct anet *net, u32 type)
{
	u64 s = 0;
	u32 i;

	for (i = 1; i <= net->n; i++)
		s += dl_ra_sent(net->ra[i], type);
	return s;
}

static void anet_unlock(struct anet *net, u32 id)
{
	if (dl_ra_holds(net->ra[id], "r", 1))
		net->holders--;
	dl_ra_unlock(net->ra[id], "r", 1);
}

TEST(bad_input_changes_nothing)
{
	struct dl_ra_config cfg = { .self_id = 1, .nr_nodes = 2,
				    .nodes = { 1, 1 }, .retry_ms = 5 };
	struct dl_ra_msg m = { .type = DL_RA_REQUEST, .from = 2, .to = 1,
			       .clock = 0, .name_len = 1, .name = "r" };
	struct dl_ra *ra;
	struct anet net;

	EXPECT_EQ(-EINVAL, dl_ra_create(&cfg, &aops, NULL, &ra));
	anet_init(&net, 3, 1);
	EXPECT_EQ(-EINVAL, dl_ra_lock(net.ra[1], "r", 0, 0));
	EXPECT_EQ(-ENOENT, dl_ra_unlock(net.ra[1], "r", 1));
	EXPECT_EQ(-EINVAL, dl_ra_recv(net.ra[1], &m, 0));	/* clock 0 */
	m.clock = 3;
	m.from = 9;
	EXPECT_EQ(-EINVAL, dl_ra_recv(net.ra[1], &m, 0));
	EXPECT_EQ(0, net.nq);
	EXPECT_EQ(0, dl_ra_clock(net.ra[1]));
	ASSERT_EQ(0, dl_ra_lock(net.ra[1], "r", 1, 0));
	EXPECT_EQ(-EBUSY, dl_ra_lock(net.ra[1], "r", 1, 0));
	anet_fini(&net);
}

/* The slides: 2(n - 1) per acquire, nothing more for the release. */
TEST(counts_2n_minus_2)
{
	static const u32 ns[] = { 3, 5, 7 };
	struct anet net;
	u32 k;

	for (k = 0; k < 3; k++) {
		u32 n = ns[k];

		anet_init(&net, n, 1);
		ASSERT_EQ(0, dl_ra_lock(net.ra[2], "r", 1, 0));
		anet_run(&net);
		ASSERT_TRUE(dl_ra_holds(net.ra[2], "r", 1));
		EXPECT_EQ(n - 1, asent(&net, DL_RA_REQUEST));
		EXPECT_EQ(n - 1, asent(&net, DL_RA_REPLY));
		anet_unlock(&net, 2);
		anet_run(&net);
		EXPECT_EQ(2 * (n - 1), asent(&net, DL_RA_REQUEST) +
				       asent(&net, DL_RA_REPLY));
		/* all n contend: still 2(n - 1) per acquire overall */
		for (u32 i = 1; i <= n; i++)
			dl_ra_reset_counts(net.ra[i]);
		for (u32 i = 1; i <= n; i++)
			ASSERT_EQ(0, dl_ra_lock(net.ra[i], "r", 1, 0));
		for (u32 done = 0; done < n; ) {
			anet_run(&net);
			EXPECT_EQ(1, net.holders);
			for (u32 i = 1; i <= n; i++) {
				if (dl_ra_holds(net.ra[i], "r", 1)) {
					anet_unlock(&net, i);
					done++;
				}
			}
		}
		EXPECT_EQ(1, net.max_holders);
		EXPECT_EQ(n * 2 * (n - 1), asent(&net, DL_RA_REQUEST) +
					   asent(&net, DL_RA_REPLY))
			TH_LOG("n=%u", n);
		anet_fini(&net);
	}
}

/* Lamport order: the older request enters first. */
TEST(older_request_first)
{
	struct anet net;

	anet_init(&net, 3, 1);
	ASSERT_EQ(0, dl_ra_lock(net.ra[3], "r", 1, 0));	/* ts 1, id 3 */
	ASSERT_EQ(0, dl_ra_lock(net.ra[1], "r", 1, 0));	/* ts 1, id 1 */
	anet_run(&net);
	EXPECT_TRUE(dl_ra_holds(net.ra[1], "r", 1));
	EXPECT_FALSE(dl_ra_holds(net.ra[3], "r", 1));
	anet_unlock(&net, 1);
	anet_run(&net);
	EXPECT_TRUE(dl_ra_holds(net.ra[3], "r", 1));
	anet_fini(&net);
}

/* A crashed holder or silent peer leaves the view; the others go on. */
TEST(crash_removed_by_view)
{
	struct anet net;
	u32 i;

	anet_init(&net, 5, 1);
	ASSERT_EQ(0, dl_ra_lock(net.ra[1], "r", 1, 0));
	anet_run(&net);
	ASSERT_TRUE(dl_ra_holds(net.ra[1], "r", 1));
	ASSERT_EQ(0, dl_ra_lock(net.ra[2], "r", 1, 0));
	net.alive[4] = false;	/* dies before replying to 2 */
	anet_run(&net);
	EXPECT_FALSE(dl_ra_holds(net.ra[2], "r", 1));
	net.alive[1] = false;	/* the holder dies */
	net.holders--;
	for (i = 2; i <= 5; i++) {
		dl_ra_peer_down(net.ra[i], 1);
		dl_ra_peer_down(net.ra[i], 4);
	}
	anet_run(&net);
	EXPECT_TRUE(dl_ra_holds(net.ra[2], "r", 1));
	anet_fini(&net);
}

/*
 * Seeded runs: random order, 10% loss, random lock/unlock, crashes with
 * the view updated; never two holders, every live request granted.
 */
TEST(random_contention)
{
	struct anet net;
	u64 seed;
	u32 i, step;

	for (seed = 1; seed <= 200; seed++) {
		u32 n = 3 + seed % 5;

		anet_init(&net, n, seed);
		net.random_order = true;
		net.loss_pct = 10;
		for (step = 0; step < 400; step++) {
			u32 id = 1 + anet_rand(&net) % n;
			u32 what = anet_rand(&net) % 100;

			net.now += MS;
			if (!net.alive[id])
				continue;
			if (what < 20 && !dl_ra_wants(net.ra[id], "r", 1) &&
			    !dl_ra_holds(net.ra[id], "r", 1))
				dl_ra_lock(net.ra[id], "r", 1, net.now);
			else if (what < 40 && dl_ra_holds(net.ra[id], "r", 1))
				anet_unlock(&net, id);
			else if (what == 40 && id != 1) {
				/* crash: the view removes it everywhere */
				if (dl_ra_holds(net.ra[id], "r", 1))
					net.holders--;
				net.alive[id] = false;
				for (i = 1; i <= n; i++)
					if (net.alive[i])
						dl_ra_peer_down(net.ra[i], id);
			}
			for (i = 0; i < 3; i++)
				anet_step(&net);
			for (i = 1; i <= n; i++)
				if (net.alive[i])
					dl_ra_tick(net.ra[i], net.now);
			ASSERT_GE(1, net.holders) TH_LOG("seed %llu",
					(unsigned long long)seed);
		}
		/* drain: holders leave, every live waiter gets in */
		net.loss_pct = 0;
		for (step = 0; step < 2000; step++) {
			net.now += 10 * MS;
			for (i = 1; i <= n; i++) {
				if (!net.alive[i])
					continue;
				if (dl_ra_holds(net.ra[i], "r", 1))
					anet_unlock(&net, i);
				dl_ra_tick(net.ra[i], net.now);
			}
			anet_run(&net);
			ASSERT_GE(1, net.holders);
		}
		for (i = 1; i <= n; i++)
			if (net.alive[i])
				EXPECT_FALSE(dl_ra_wants(net.ra[i], "r", 1))
					TH_LOG("seed %llu node %u starves",
					       (unsigned long long)seed, i);
		EXPECT_EQ(1, net.max_holders);
		anet_fini(&net);
	}
}

TEST_HARNESS_MAIN
