// SPDX-License-Identifier: GPL-2.0
/*
 * classic_sim.c - dlock-sim --algo bully|ring|ra with faults: seeded runs
 * of the slides' algorithms (kmod/core/elect_bully.c, elect_ring.c,
 * coord.c, ra.c) over a virtual network with crash, restart, partition,
 * loss, dup, reorder, delay and skew, and a lock workload on every node.
 *
 * This drives the engines directly, the way --layer raft drives bare Raft
 * (the node layer runs the same engines through core/classic.c; its tests
 * are core_coord_node_test and the cell_bully/ring/ra kselftests), so a
 * violation found here is the algorithm's.  -vv traces every delivery,
 * leader change, grant and release of a run to stderr.
 *
 * Invariants:
 *   ra           never two holders of a resource at once; after the heal,
 *                every live node's request is granted.  The membership
 *                view is an oracle (crashes are known at once), which is
 *                what Ricart-Agrawala assumes; partitions only delay.
 *   bully, ring  after the heal, every live node follows the same
 *                coordinator, the highest live id, and every live node's
 *                request is granted; never two holders of a resource at
 *                once in runs without partition and loss (the slides'
 *                coordinator has no leases: a node cut off for dead_ms
 *                loses its locks while it still believes it holds them);
 *                within one coordinator epoch, tokens grow.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coord.h"
#include "elect_bully.h"
#include "elect_ring.h"
#include "lockmode.h"
#include "ra.h"

#define CS_MS		((u64)1000000)
#define CS_MAX		7
#define CS_RES		2

enum { CS_BULLY, CS_RING, CS_RA };
enum { K_BULLY, K_RING, K_COORD, K_RA };
enum {
	CF_CRASH = 1, CF_RESTART = 2, CF_PARTITION = 4, CF_LOSS = 8,
	CF_DUP = 16, CF_REORDER = 32, CF_DELAY = 64, CF_SKEW = 128,
	CF_ALL = 255,
};

struct cs_msg {
	u64 at;
	u64 seq;
	u8 kind;
	u32 from, to;
	union {
		struct dl_bully_msg b;
		struct dl_ring_msg r;
		struct dl_coord_msg c;
		struct dl_ra_msg a;
	} u;
};

struct cs_node {
	u32 id;
	bool up;
	u64 restart_at;
	u64 incarnation;
	u64 epoch_kept;
	s64 skew_ppm;
	struct dl_bully *b;
	struct dl_ring *r;
	struct dl_coord *c;
	struct dl_ra *a;
	/* workload: one lock at a time */
	int res;		/* -1: idle */
	s64 req;		/* coord request id */
	bool held;
	u64 token;
	u64 since;		/* asked at */
	u64 next_at;		/* next lock or unlock */
};

struct cs_run {
	u32 algo, n, faults;
	u64 rng, now, seq;
	bool heal;
	u32 side[CS_MAX + 1];	/* partition side; all 0 when whole */
	struct cs_node nodes[CS_MAX + 1];
	struct cs_msg *q;
	u32 nq, cap;
	u32 holders[CS_RES];
	u64 last_token[CS_RES];
	u64 last_epoch[CS_RES];
	const char *violation;
	char why[160];
	u64 grants;
};

static struct cs_run *cs;
static int cs_trace;	/* -vv: every delivery, election and grant */

#define CS_TRACE(...)							\
	do {								\
		if (cs_trace)						\
			fprintf(stderr, "%8" PRIu64 " " __VA_ARGS__);	\
	} while (0)

static u32 cs_rand(void)
{
	cs->rng ^= cs->rng << 13;
	cs->rng ^= cs->rng >> 7;
	cs->rng ^= cs->rng << 17;
	return (u32)(cs->rng >> 11);
}

static bool cs_chance(u32 pct)
{
	return cs_rand() % 1000 < pct * 10;
}

/* Node-local time: the virtual clock bent by the node's skew. */
static u64 cs_now(const struct cs_node *nd)
{
	return cs->now + (u64)((s64)(cs->now / 1000000) * nd->skew_ppm);
}

static void cs_fail(const char *what, u32 id, int res)
{
	if (cs->violation)
		return;
	cs->violation = what;
	snprintf(cs->why, sizeof(cs->why), "%s (node %u, res %d, t=%" PRIu64
		 " ms)", what, id, res, (u64)(cs->now / CS_MS));
}

static void cs_push(u8 kind, u32 from, u32 to, const void *m, size_t len)
{
	struct cs_msg *e;
	u32 copies = 1, i;
	u64 delay = CS_MS;

	if (cs->side[from] != cs->side[to])
		return;
	if (!cs->heal && (cs->faults & CF_LOSS) && cs_chance(5))
		return;
	if (!cs->heal && (cs->faults & CF_DUP) && cs_chance(3))
		copies = 2;
	for (i = 0; i < copies; i++) {
		if (!cs->heal && (cs->faults & (CF_REORDER | CF_DELAY)))
			delay += (cs_rand() % 30) * CS_MS;
		if (cs->nq == cs->cap) {
			cs->cap = cs->cap ? 2 * cs->cap : 256;
			cs->q = realloc(cs->q, cs->cap * sizeof(*cs->q));
			if (!cs->q)
				abort();
		}
		e = &cs->q[cs->nq++];
		e->at = cs->now + delay;
		e->seq = cs->seq++;
		e->kind = kind;
		e->from = from;
		e->to = to;
		memcpy(&e->u, m, len);
	}
}

static void cs_b_send(void *x, const struct dl_bully_msg *m)
{
	(void)x;
	cs_push(K_BULLY, m->from, m->to, m, sizeof(*m));
}

static void cs_r_send(void *x, const struct dl_ring_msg *m)
{
	(void)x;
	cs_push(K_RING, m->from, m->to, m, sizeof(*m));
}

static void cs_c_send(void *x, const struct dl_coord_msg *m)
{
	(void)x;
	cs_push(K_COORD, m->from, m->to, m, sizeof(*m));
}

static void cs_a_send(void *x, const struct dl_ra_msg *m)
{
	(void)x;
	cs_push(K_RA, m->from, m->to, m, sizeof(*m));
}

static void cs_leader(void *x, u32 leader, u64 epoch)
{
	struct cs_node *nd = x;

	CS_TRACE("n%u leader %u epoch %" PRIu64 "\n", cs->now / CS_MS,
		 nd->id, leader, epoch);
	nd->epoch_kept = DL_MAX(nd->epoch_kept, epoch);
	dl_coord_set_leader(nd->c, leader, epoch, cs_now(nd));
}

static void cs_down(void *x, u32 id)
{
	CS_TRACE("n%u peer_down %u\n", cs->now / CS_MS,
		 ((struct cs_node *)x)->id, id);
	dl_coord_peer_down(((struct cs_node *)x)->c, id);
}

static void cs_up(void *x, u32 id)
{
	dl_coord_peer_up(((struct cs_node *)x)->c, id);
}

static void cs_enter(struct cs_node *nd, u64 token)
{
	if (nd->res < 0 || nd->held)
		return;
	CS_TRACE("n%u ENTER res %d token %" PRIx64 "\n", cs->now / CS_MS,
		 nd->id, nd->res, token);
	nd->held = true;
	nd->token = token;
	cs->grants++;
	if (++cs->holders[nd->res] > 1 &&
	    (cs->algo == CS_RA ||
	     !(cs->faults & (CF_PARTITION | CF_LOSS))))
		cs_fail("two holders at once", nd->id, nd->res);
	if (cs->algo != CS_RA) {
		u64 epoch = token >> DL_COORD_EPOCH_SHIFT;

		if (epoch == cs->last_epoch[nd->res] &&
		    token <= cs->last_token[nd->res] &&
		    !(cs->faults & CF_PARTITION))
			cs_fail("token did not grow within an epoch", nd->id,
				nd->res);
		cs->last_epoch[nd->res] = epoch;
		cs->last_token[nd->res] = token;
	}
	nd->next_at = cs->now + (5 + cs_rand() % 60) * CS_MS;
}

static void cs_c_granted(void *x, u64 req_id, u64 token)
{
	struct cs_node *nd = x;

	if ((s64)req_id == nd->req)
		cs_enter(nd, token);
}

static void cs_a_granted(void *x, const u8 *name, u8 len)
{
	struct cs_node *nd = x;

	if (len == 1 && nd->res >= 0 && name[0] == 'a' + nd->res)
		cs_enter(nd, 0);
}

static const struct dl_bully_ops cs_bops = {
	.send = cs_b_send, .leader_change = cs_leader, .peer_down = cs_down,
	.peer_up = cs_up,
};
static const struct dl_ring_ops cs_rops = {
	.send = cs_r_send, .leader_change = cs_leader, .peer_down = cs_down,
	.peer_up = cs_up,
};
static const struct dl_coord_ops cs_cops = {
	.send = cs_c_send, .granted = cs_c_granted,
};
static const struct dl_ra_ops cs_aops = {
	.send = cs_a_send, .granted = cs_a_granted,
};

static void cs_node_start(struct cs_node *nd)
{
	u64 now = cs_now(nd);
	u32 i;

	CS_TRACE("n%u START\n", cs->now / CS_MS, nd->id);
	nd->up = true;
	nd->incarnation++;
	nd->res = -1;
	nd->held = false;
	nd->next_at = cs->now + (cs_rand() % 100) * CS_MS;
	if (cs->algo == CS_RA) {
		struct dl_ra_config ac = { .self_id = nd->id,
					   .nr_nodes = cs->n, .retry_ms = 60,
					   .incarnation = nd->incarnation };

		for (i = 0; i < cs->n; i++)
			ac.nodes[i] = i + 1;
		if (dl_ra_create(&ac, &cs_aops, nd, &nd->a))
			abort();
		/* the oracle view: who is down now */
		for (i = 1; i <= cs->n; i++)
			if (!cs->nodes[i].up)
				dl_ra_peer_down(nd->a, i);
		return;
	}
	{
		struct dl_coord_config cc = {
			.self_id = nd->id, .nr_nodes = cs->n, .retry_ms = 150,
			.incarnation = nd->incarnation,
		};

		for (i = 0; i < cs->n; i++)
			cc.nodes[i] = i + 1;
		if (dl_coord_create(&cc, &cs_cops, nd, &nd->c))
			abort();
	}
	if (cs->algo == CS_BULLY) {
		struct dl_bully_config bc = {
			.self_id = nd->id, .nr_nodes = cs->n, .answer_ms = 60,
			.announce_ms = 250, .heartbeat_ms = 100,
			.dead_ms = 600, .epoch = nd->epoch_kept,
		};

		for (i = 0; i < cs->n; i++)
			bc.nodes[i] = i + 1;
		if (dl_bully_create(&bc, &cs_bops, nd, now, &nd->b))
			abort();
	} else {
		struct dl_ring_config rc = {
			.self_id = nd->id, .nr_nodes = cs->n, .ack_ms = 70,
			.round_ms = 800, .heartbeat_ms = 100, .dead_ms = 600,
			.epoch = nd->epoch_kept,
		};

		for (i = 0; i < cs->n; i++)
			rc.nodes[i] = i + 1;
		if (dl_ring_create(&rc, &cs_rops, nd, now, &nd->r))
			abort();
	}
}

static void cs_node_stop(struct cs_node *nd)
{
	u32 i;

	if (nd->held)
		cs->holders[nd->res]--;
	nd->held = false;
	nd->res = -1;
	nd->up = false;
	dl_bully_destroy(nd->b);
	dl_ring_destroy(nd->r);
	dl_coord_destroy(nd->c);
	dl_ra_destroy(nd->a);
	nd->b = NULL;
	nd->r = NULL;
	nd->c = NULL;
	nd->a = NULL;
	if (cs->algo == CS_RA)
		for (i = 1; i <= cs->n; i++)
			if (cs->nodes[i].up)
				dl_ra_peer_down(cs->nodes[i].a, nd->id);
}

static void cs_trace_msg(const struct cs_msg *e)
{
	const struct dl_coord_msg *c = &e->u.c;

	if (!cs_trace)
		return;
	switch (e->kind) {
	case K_BULLY:
		CS_TRACE("%u->%u bully %s e%" PRIu64 "\n", cs->now / CS_MS,
			 e->from, e->to, dl_bully_msg_name(e->u.b.type),
			 e->u.b.epoch);
		break;
	case K_RING:
		CS_TRACE("%u->%u ring %s e%" PRIu64 " origin %u leader %u\n",
			 cs->now / CS_MS, e->from, e->to,
			 dl_ring_msg_name(e->u.r.type), e->u.r.epoch,
			 e->u.r.origin, e->u.r.leader);
		break;
	case K_COORD:
		CS_TRACE("%u->%u coord %s e%" PRIu64 " inc %" PRIu64
			 " req %" PRIu64 " '%c' tok %" PRIx64 " nr %u\n",
			 cs->now / CS_MS, e->from, e->to,
			 dl_coord_msg_name(c->type), c->epoch, c->incarnation,
			 c->lock.req_id, c->lock.name_len ? c->lock.name[0] :
			 '-', c->lock.token, c->nr_locks);
		break;
	default:
		CS_TRACE("%u->%u ra %s clock %" PRIu64 "\n", cs->now / CS_MS,
			 e->from, e->to, dl_ra_msg_name(e->u.a.type),
			 e->u.a.clock);
		break;
	}
}

static void cs_deliver(const struct cs_msg *e)
{
	struct cs_node *nd = &cs->nodes[e->to];
	u64 now = cs_now(nd);

	if (!nd->up)
		return;
	cs_trace_msg(e);
	switch (e->kind) {
	case K_BULLY:
		if (nd->b)
			dl_bully_recv(nd->b, &e->u.b, now);
		break;
	case K_RING:
		if (nd->r)
			dl_ring_recv(nd->r, &e->u.r, now);
		break;
	case K_COORD:
		if (nd->c)
			dl_coord_recv(nd->c, &e->u.c, now);
		break;
	case K_RA:
		if (nd->a)
			dl_ra_recv(nd->a, &e->u.a, now);
		break;
	}
}

/* The workload: lock a random resource, hold it a while, unlock. */
static void cs_client(struct cs_node *nd, bool issue)
{
	u64 token;
	u8 name;

	if (cs->now < nd->next_at)
		return;
	if (nd->held) {
		CS_TRACE("n%u LEAVE res %d\n", cs->now / CS_MS, nd->id,
			 nd->res);
		cs->holders[nd->res]--;
		nd->held = false;
		name = 'a' + nd->res;
		if (cs->algo == CS_RA)
			dl_ra_unlock(nd->a, &name, 1);
		else
			dl_coord_unlock(nd->c, nd->req);
		nd->res = -1;
		nd->next_at = cs->now + (cs_rand() % 100) * CS_MS;
		return;
	}
	if (nd->res >= 0 || !issue)
		return;
	nd->res = cs_rand() % CS_RES;
	name = 'a' + nd->res;
	nd->since = cs->now;
	if (cs->algo == CS_RA) {
		if (dl_ra_lock(nd->a, &name, 1, cs_now(nd)))
			cs_fail("lock refused", nd->id, nd->res);
		return;
	}
	nd->req = dl_coord_lock(nd->c, &name, 1, DL_MODE_EX, cs_now(nd));
	if (nd->req <= 0) {
		cs_fail("lock refused", nd->id, nd->res);
		return;
	}
	/* on the coordinator the grant came inside dl_coord_lock() */
	if (dl_coord_holds(nd->c, nd->req, &token))
		cs_enter(nd, token);
}

static void cs_tick(struct cs_node *nd)
{
	u64 now = cs_now(nd);

	if (nd->b)
		dl_bully_tick(nd->b, now);
	if (nd->r)
		dl_ring_tick(nd->r, now);
	if (nd->c)
		dl_coord_tick(nd->c, now);
	if (nd->a)
		dl_ra_tick(nd->a, now);
}

static void cs_nemesis(void)
{
	struct cs_node *nd = &cs->nodes[1 + cs_rand() % cs->n];
	u32 i, up = 0, what = cs_rand() % 3;

	for (i = 1; i <= cs->n; i++)
		up += cs->nodes[i].up;
	if (what == 0 && (cs->faults & CF_CRASH) && nd->up && up > 1) {
		CS_TRACE("n%u CRASH\n", cs->now / CS_MS, nd->id);
		cs_node_stop(nd);
		nd->restart_at = (cs->faults & CF_RESTART) ?
			cs->now + (200 + cs_rand() % 1500) * CS_MS : ~0ULL;
	} else if (what == 1 && (cs->faults & CF_PARTITION)) {
		for (i = 1; i <= cs->n; i++)
			cs->side[i] = cs_rand() % 2;
	} else if (what == 2) {
		memset(cs->side, 0, sizeof(cs->side));
	}
}

static void cs_step(void)
{
	u32 i, best;

	while (cs->nq) {
		best = 0;
		for (i = 1; i < cs->nq; i++)
			if (cs->q[i].at < cs->q[best].at ||
			    (cs->q[i].at == cs->q[best].at &&
			     cs->q[i].seq < cs->q[best].seq))
				best = i;
		if (cs->q[best].at > cs->now)
			break;
		{
			struct cs_msg e = cs->q[best];

			cs->q[best] = cs->q[--cs->nq];
			cs_deliver(&e);
		}
	}
}

static bool cs_run_one(u32 algo, u32 n, u32 faults, u64 seed, bool verbose)
{
	struct cs_run run = { .algo = algo, .n = n, .faults = faults };
	const u64 fault_end = 8000 * CS_MS, end = 20000 * CS_MS;
	u32 i, top = 0;
	bool ok;

	cs = &run;
	run.rng = seed * 0x9e3779b97f4a7c15ULL + 1;
	for (i = 1; i <= n; i++) {
		run.nodes[i].id = i;
		run.nodes[i].up = true;
		if (faults & CF_SKEW)
			run.nodes[i].skew_ppm = (s64)(cs_rand() % 401) - 200;
	}
	for (i = 1; i <= n; i++)
		cs_node_start(&run.nodes[i]);
	for (run.now = 0; run.now < end && !run.violation; run.now += CS_MS) {
		if (!run.heal && run.now >= fault_end) {
			run.heal = true;
			memset(run.side, 0, sizeof(run.side));
			for (i = 1; i <= n; i++)
				if (!run.nodes[i].up)
					run.nodes[i].restart_at = run.now;
		}
		if (!run.heal && faults && run.now % (300 * CS_MS) == 0)
			cs_nemesis();
		for (i = 1; i <= n; i++) {
			struct cs_node *nd = &run.nodes[i];

			if (!nd->up && run.now >= nd->restart_at) {
				cs_node_start(nd);
				if (algo == CS_RA) {
					u32 j;

					for (j = 1; j <= n; j++)
						if (j != i && run.nodes[j].up)
							dl_ra_peer_up(
							  run.nodes[j].a, i);
				}
			}
		}
		cs_step();
		for (i = 1; i <= n; i++) {
			struct cs_node *nd = &run.nodes[i];

			if (!nd->up)
				continue;
			if (run.now % (5 * CS_MS) == 0)
				cs_tick(nd);
			cs_client(nd, run.now < end - 6000 * CS_MS);
		}
	}
	/* liveness: everyone got what it asked for, one coordinator */
	for (i = 1; i <= n && !run.violation; i++) {
		struct cs_node *nd = &run.nodes[i];

		if (nd->up && nd->res >= 0 && !nd->held)
			cs_fail("request never granted", i, nd->res);
		if (nd->up)
			top = i;
	}
	for (i = 1; i <= n && !run.violation && algo != CS_RA; i++) {
		u32 l = algo == CS_BULLY ? dl_bully_leader(run.nodes[i].b) :
			dl_ring_leader(run.nodes[i].r);

		if (l != top)
			cs_fail("live nodes do not follow the highest id", i,
				-1);
	}
	ok = !run.violation;
	if (!ok || verbose)
		printf("%s seed %" PRIu64 ": %s, %" PRIu64 " grants\n",
		       ok ? "ok" : "not ok", seed, ok ? "pass" : run.why,
		       run.grants);
	for (i = 1; i <= n; i++)
		if (run.nodes[i].up)
			cs_node_stop(&run.nodes[i]);
	free(run.q);
	return ok;
}

static int cs_parse_faults(const char *s, u32 *out)
{
	static const char *const names[] = {
		"crash", "restart", "partition", "loss", "dup", "reorder",
		"delay", "skew",
	};
	char buf[128], *tok, *save;
	u32 i;

	*out = 0;
	if (!strcmp(s, "all")) {
		*out = CF_ALL;
		return 0;
	}
	if (!strcmp(s, "none"))
		return 0;
	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < DL_ARRAY_SIZE(names); i++)
			if (!strcmp(tok, names[i]))
				break;
		if (i == DL_ARRAY_SIZE(names))
			return -1;
		*out |= 1U << i;
	}
	return 0;
}

/* --algo bully|ring|ra [--nodes N] [--seed S] [--runs R] [--faults L] */
int classic_sim_main(const char *algo, int argc, char **argv)
{
	u32 n = 3, runs = 1, faults = CF_ALL, passed = 0, failed = 0, a, r;
	bool quiet = false, verbose = false;
	u64 seed = 1;
	int i;

	a = !strcmp(algo, "bully") ? CS_BULLY :
	    !strcmp(algo, "ring") ? CS_RING : CS_RA;
	for (i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(argv[i], "--nodes") && v)
			n = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--seed") && v)
			seed = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--runs") && v)
			runs = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--faults") && v) {
			if (cs_parse_faults(argv[++i], &faults)) {
				fprintf(stderr, "dlock-sim: bad --faults\n");
				return 2;
			}
		} else if (!strcmp(argv[i], "--algo") && v)
			i++;
		else if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet"))
			quiet = true;
		else if (!strcmp(argv[i], "-v"))
			verbose = true;
		else if (!strcmp(argv[i], "-vv"))
			verbose = true, cs_trace = 1;
		else {
			fprintf(stderr, "dlock-sim: --algo %s takes --nodes,"
				" --seed, --runs, --faults, -q, -v, or"
				" --faults none --count\n", algo);
			return 2;
		}
	}
	if (n < 2 || n > CS_MAX || !runs) {
		fprintf(stderr, "dlock-sim: --nodes 2..%d, --runs >= 1\n",
			CS_MAX);
		return 2;
	}
	printf("# algo %s, %u nodes, seeds %" PRIu64 "..%" PRIu64 "\n", algo,
	       n, seed, seed + runs - 1);
	for (r = 0; r < runs; r++) {
		if (cs_run_one(a, n, faults, seed + r, verbose && !quiet))
			passed++;
		else
			failed++;
	}
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
