// SPDX-License-Identifier: GPL-2.0
/*
 * classic_count.c - dlock-sim --algo bully|ring|ra --faults none --count:
 * the slides' algorithms (kmod/core/elect_bully.c, elect_ring.c, coord.c,
 * ra.c) run fault-free for n = 3, 5, 7 over an in-order network, and the
 * messages they sent, by type, printed next to the slides' formula.
 *
 * These algorithms are not behind the election ops of whole nodes yet;
 * classic_sim.c runs them with faults.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coord.h"
#include "elect_bully.h"
#include "elect_ring.h"
#include "lockmode.h"
#include "ra.h"

int classic_sim_main(const char *algo, int argc, char **argv);

#define CC_MAX	8
#define CC_Q	1024

/* One in-order network carrying one message type of fixed size. */
struct cc_net {
	u32 n;
	size_t size;
	u8 *q;
	u32 head, tail;
	void *eng[CC_MAX + 1];
	bool alive[CC_MAX + 1];
	int (*recv)(void *eng, const void *m);
};

static struct cc_net *cc_cur;

static void cc_push(const void *m)
{
	struct cc_net *c = cc_cur;

	if (c->tail - c->head < CC_Q)
		memcpy(c->q + (c->tail++ % CC_Q) * c->size, m, c->size);
}

/* every message type starts with u8 type, u32 from, u32 to */
static void cc_run(struct cc_net *c)
{
	const struct dl_bully_msg *h;
	u8 *m;

	while (c->head != c->tail) {
		m = c->q + (c->head++ % CC_Q) * c->size;
		h = (const struct dl_bully_msg *)m;
		if (c->alive[h->to] && c->alive[h->from])
			c->recv(c->eng[h->to], m);
	}
}

static void cc_b_send(void *x, const struct dl_bully_msg *m)
{
	(void)x;
	cc_push(m);
}

static void cc_r_send(void *x, const struct dl_ring_msg *m)
{
	(void)x;
	cc_push(m);
}

static void cc_c_send(void *x, const struct dl_coord_msg *m)
{
	(void)x;
	cc_push(m);
}

static void cc_a_send(void *x, const struct dl_ra_msg *m)
{
	(void)x;
	cc_push(m);
}

static int cc_b_recv(void *e, const void *m)
{
	return dl_bully_recv(e, m, 0);
}

static int cc_r_recv(void *e, const void *m)
{
	return dl_ring_recv(e, m, 0);
}

static int cc_c_recv(void *e, const void *m)
{
	return dl_coord_recv(e, m, 0);
}

static int cc_a_recv(void *e, const void *m)
{
	return dl_ra_recv(e, m, 0);
}

static void cc_net_init(struct cc_net *c, u32 n, size_t size,
			int (*recv)(void *, const void *))
{
	u32 i;

	memset(c, 0, sizeof(*c));
	c->n = n;
	c->size = size;
	c->q = calloc(CC_Q, size);
	c->recv = recv;
	for (i = 1; i <= n; i++)
		c->alive[i] = true;
	if (!c->q)
		abort();
	cc_cur = c;
}

static const struct dl_bully_ops cc_bops = { .send = cc_b_send };
static const struct dl_ring_ops cc_rops = { .send = cc_r_send };
static const struct dl_coord_ops cc_cops = { .send = cc_c_send };
static const struct dl_ra_ops cc_aops = { .send = cc_a_send };

static u64 cc_bully_sum(struct cc_net *c, u32 type)
{
	u64 s = 0;
	u32 i;

	for (i = 1; i <= c->n; i++)
		s += dl_bully_sent(c->eng[i], type);
	return s;
}

/* Bully: lowest id starts, all up; then second-highest after a crash. */
static void cc_bully(u32 n, u64 *worst, u64 *best_el, u64 *best_co)
{
	struct dl_bully_config cfg = {
		.nr_nodes = n, .answer_ms = 50, .announce_ms = 200,
		.heartbeat_ms = 100, .dead_ms = 500,
	};
	struct cc_net c;
	u32 i;

	cc_net_init(&c, n, sizeof(struct dl_bully_msg), cc_b_recv);
	for (i = 0; i < n; i++)
		cfg.nodes[i] = i + 1;
	for (i = 1; i <= n; i++) {
		cfg.self_id = i;
		if (dl_bully_create(&cfg, &cc_bops, NULL, 0,
				    (struct dl_bully **)&c.eng[i]))
			abort();
	}
	dl_bully_start_election(c.eng[1], 0);
	cc_run(&c);
	*worst = cc_bully_sum(&c, DL_BULLY_ELECTION) +
		 cc_bully_sum(&c, DL_BULLY_OK) +
		 cc_bully_sum(&c, DL_BULLY_COORDINATOR);
	for (i = 1; i <= n; i++)
		dl_bully_reset_counts(c.eng[i]);
	c.alive[n] = false;
	dl_bully_start_election(c.eng[n - 1], 0);
	cc_run(&c);
	dl_bully_tick(c.eng[n - 1], 60 * 1000000ULL);	/* no OK came */
	cc_run(&c);
	*best_el = cc_bully_sum(&c, DL_BULLY_ELECTION);
	*best_co = cc_bully_sum(&c, DL_BULLY_COORDINATOR);
	for (i = 1; i <= n; i++)
		dl_bully_destroy(c.eng[i]);
	free(c.q);
}

static void cc_ring(u32 n, u64 *el, u64 *co, u64 *ack)
{
	struct dl_ring_config cfg = {
		.nr_nodes = n, .ack_ms = 30, .round_ms = 400,
		.heartbeat_ms = 100, .dead_ms = 500,
	};
	struct cc_net c;
	u32 i;

	cc_net_init(&c, n, sizeof(struct dl_ring_msg), cc_r_recv);
	for (i = 0; i < n; i++)
		cfg.nodes[i] = i + 1;
	for (i = 1; i <= n; i++) {
		cfg.self_id = i;
		if (dl_ring_create(&cfg, &cc_rops, NULL, 0,
				   (struct dl_ring **)&c.eng[i]))
			abort();
	}
	dl_ring_start_election(c.eng[1], 0);
	cc_run(&c);
	*el = *co = *ack = 0;
	for (i = 1; i <= n; i++) {
		*el += dl_ring_sent(c.eng[i], DL_RING_ELECTION);
		*co += dl_ring_sent(c.eng[i], DL_RING_COORDINATOR);
		*ack += dl_ring_sent(c.eng[i], DL_RING_ACK);
		dl_ring_destroy(c.eng[i]);
	}
	free(c.q);
}

/* Coordinator locking: node 1 locks and unlocks; node n coordinates. */
static void cc_coord(u32 n, u64 counts[DL_COORD_MSG_COUNT])
{
	struct dl_coord_config cfg = { .nr_nodes = n, .retry_ms = 300 };
	struct cc_net c;
	u32 i, t;
	s64 rq;

	cc_net_init(&c, n, sizeof(struct dl_coord_msg), cc_c_recv);
	for (i = 0; i < n; i++)
		cfg.nodes[i] = i + 1;
	for (i = 1; i <= n; i++) {
		cfg.self_id = i;
		if (dl_coord_create(&cfg, &cc_cops, NULL,
				    (struct dl_coord **)&c.eng[i]))
			abort();
	}
	for (i = 1; i <= n; i++)
		dl_coord_set_leader(c.eng[i], n, 1, 0);
	cc_run(&c);
	for (i = 1; i <= n; i++)
		dl_coord_reset_counts(c.eng[i]);
	rq = dl_coord_lock(c.eng[1], "r", 1, DL_MODE_EX, 0);
	cc_run(&c);
	if (rq <= 0 || !dl_coord_holds(c.eng[1], rq, NULL))
		abort();
	dl_coord_unlock(c.eng[1], rq);
	cc_run(&c);
	memset(counts, 0, DL_COORD_MSG_COUNT * sizeof(u64));
	for (i = 1; i <= n; i++) {
		for (t = 0; t < DL_COORD_MSG_COUNT; t++)
			counts[t] += dl_coord_sent(c.eng[i], t);
		dl_coord_destroy(c.eng[i]);
	}
	free(c.q);
}

/* Ricart-Agrawala: one acquire + release; then all n contend. */
static void cc_ra(u32 n, u64 *req, u64 *rep, u64 *rel, u64 *contended)
{
	struct dl_ra_config cfg = { .nr_nodes = n, .retry_ms = 50 };
	struct cc_net c;
	u64 before;
	u32 i, done;

	cc_net_init(&c, n, sizeof(struct dl_ra_msg), cc_a_recv);
	for (i = 0; i < n; i++)
		cfg.nodes[i] = i + 1;
	for (i = 1; i <= n; i++) {
		cfg.self_id = i;
		if (dl_ra_create(&cfg, &cc_aops, NULL,
				 (struct dl_ra **)&c.eng[i]))
			abort();
	}
	dl_ra_lock(c.eng[1], "r", 1, 0);
	cc_run(&c);
	*req = *rep = 0;
	for (i = 1; i <= n; i++) {
		*req += dl_ra_sent(c.eng[i], DL_RA_REQUEST);
		*rep += dl_ra_sent(c.eng[i], DL_RA_REPLY);
	}
	before = *req + *rep;
	dl_ra_unlock(c.eng[1], "r", 1);
	cc_run(&c);
	*rel = 0;
	for (i = 1; i <= n; i++)
		*rel += dl_ra_sent(c.eng[i], DL_RA_REQUEST) +
			dl_ra_sent(c.eng[i], DL_RA_REPLY);
	*rel -= before;
	for (i = 1; i <= n; i++) {
		dl_ra_reset_counts(c.eng[i]);
		dl_ra_lock(c.eng[i], "r", 1, 0);
	}
	for (done = 0; done < n; ) {
		cc_run(&c);
		for (i = 1; i <= n; i++) {
			if (dl_ra_holds(c.eng[i], "r", 1)) {
				dl_ra_unlock(c.eng[i], "r", 1);
				done++;
			}
		}
	}
	*contended = 0;
	for (i = 1; i <= n; i++) {
		*contended += dl_ra_sent(c.eng[i], DL_RA_REQUEST) +
			      dl_ra_sent(c.eng[i], DL_RA_REPLY);
		dl_ra_destroy(c.eng[i]);
	}
	*contended /= n;
	free(c.q);
}

static int cc_print(const char *algo)
{
	static const u32 ns[] = { 3, 5, 7 };
	u64 a, b, d, e, k[DL_COORD_MSG_COUNT];
	u32 i, n;

	printf("# messages (protocol ops) with no faults, algo %s\n", algo);
	for (i = 0; i < DL_ARRAY_SIZE(ns); i++) {
		n = ns[i];
		if (!strcmp(algo, "bully")) {
			cc_bully(n, &a, &b, &d);
			printf("n=%u  election, lowest id starts: %llu"
			       "  (slides O(n^2); exactly n^2-1 = %u)\n",
			       n, (unsigned long long)a, n * n - 1);
			printf("n=%u  election, second-highest after crash:"
			       " %llu COORDINATOR + %llu ELECTION"
			       "  (slides n-2 = %u, + 1 ELECTION to the dead)\n",
			       n, (unsigned long long)d,
			       (unsigned long long)b, n - 2);
		} else if (!strcmp(algo, "ring")) {
			cc_ring(n, &a, &b, &d);
			printf("n=%u  election: %llu ELECTION + %llu"
			       " COORDINATOR = %llu  (slides 2(n-1) = %u);"
			       " hop ACKs %llu\n", n, (unsigned long long)a,
			       (unsigned long long)b,
			       (unsigned long long)(a + b), 2 * (n - 1),
			       (unsigned long long)d);
		} else {
			cc_ra(n, &a, &b, &d, &e);
			printf("n=%u  acquire: %llu REQUEST + %llu REPLY ="
			       " %llu  (slides 2(n-1) = %u); release: %llu;"
			       " all n contending: %llu per acquire\n", n,
			       (unsigned long long)a, (unsigned long long)b,
			       (unsigned long long)(a + b), 2 * (n - 1),
			       (unsigned long long)d, (unsigned long long)e);
			continue;
		}
		cc_coord(n, k);
		printf("n=%u  lock+unlock from a non-coordinator: %llu"
		       " REQUEST + %llu GRANT + %llu RELEASE = %llu"
		       "  (slides 2+1 = 3)\n", n,
		       (unsigned long long)k[DL_COORD_REQUEST],
		       (unsigned long long)k[DL_COORD_GRANT],
		       (unsigned long long)k[DL_COORD_RELEASE],
		       (unsigned long long)(k[DL_COORD_REQUEST] +
					    k[DL_COORD_GRANT] +
					    k[DL_COORD_RELEASE]));
	}
	return 0;
}

/*
 * Called first by main(): -1 when --algo is not one of ours, else the exit
 * status.  --faults none --count prints the table; anything else runs
 * seeded fault runs (classic_sim.c).
 */
int classic_main(int argc, char **argv)
{
	const char *algo = NULL;
	bool count = false, none = false;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--algo") && i + 1 < argc)
			algo = argv[++i];
		else if (!strncmp(argv[i], "--algo=", 7))
			algo = argv[i] + 7;
		else if (!strcmp(argv[i], "--count"))
			count = true;
		else if (!strcmp(argv[i], "--faults") && i + 1 < argc)
			none = !strcmp(argv[++i], "none");
		else if (!strcmp(argv[i], "--faults=none"))
			none = true;
	}
	if (!algo || (strcmp(algo, "bully") && strcmp(algo, "ring") &&
		      strcmp(algo, "ra")))
		return -1;
	if (!count || !none)
		return classic_sim_main(algo, argc, argv);
	return cc_print(algo);
}
