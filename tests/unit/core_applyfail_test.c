// SPDX-License-Identifier: GPL-2.0
/*
 * core_applyfail_test.c - a replica whose allocations fail while it applies
 * the log must end in the same state as the others (issue 7).
 *
 * The lock table: every command is atomic with respect to memory.  With the
 * n-th allocation failing, for every n until the command goes through, each
 * failed try returns -ENOMEM, outputs nothing and leaves the snapshot as it
 * was; the try that goes through outputs what a table without failures
 * output and leaves the same snapshot.  Random failures with retries end
 * byte for byte where the failure-free table ends.
 *
 * The node: a follower (then the leader) whose allocations fail at random
 * while a workload runs stops applying at the failed command and resumes
 * there; once allocation works again the three replicas' snapshots are
 * identical, no request was answered with -ENOMEM, and every lock asked
 * for was granted.
 *
 * The session: a node's HELLO that failed for memory is sent again, so
 * its old session's locks are released (NODE_INCARNATION).
 */
#include <stdio.h>
#include <stdlib.h>

#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#include "env_unit.h"
#include "core_lock_util.h"
#include "counters.h"
#include "node.h"
#include "wire.h"

#include "node_cell.h"

static void fail_off(void)
{
	memset(&unit_fail_alloc, 0, sizeof(unit_fail_alloc));
}

static bool out_eq(const struct dl_lt_out *a, const struct dl_lt_out *b)
{
	return a->type == b->type && a->mode == b->mode &&
	       a->lvb_valid == b->lvb_valid && a->lvb_len == b->lvb_len &&
	       a->err == b->err && a->ls_id == b->ls_id &&
	       a->ls_flags == b->ls_flags &&
	       a->owner.node == b->owner.node &&
	       a->owner.incarnation == b->owner.incarnation &&
	       a->owner.id == b->owner.id && a->req_id == b->req_id &&
	       a->lock_id == b->lock_id && a->token == b->token &&
	       (!a->lvb_len || !memcmp(a->lvb, b->lvb, a->lvb_len));
}

static bool recs_eq(const struct rec *a, const struct rec *b)
{
	int i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
		if (!out_eq(&a->o[i], &b->o[i]))
			return false;
	return true;
}

static bool buf_eq(const struct buf *a, const struct buf *b)
{
	return a->len == b->len && !memcmp(a->p, b->p, a->len);
}

static void setup_ls(struct dl_lt *lt)
{
	static const char *const lss[] = { "one", "two", "three" };
	int i;

	for (i = 0; i < 3; i++) {
		struct dl_lt_cmd c = cmd_ls_create(own(9, 0), i + 1, lss[i],
						   i == 1 ? 64 : 32);

		dl_lt_apply(lt, &c, NULL, NULL);
	}
}

/*
 * Every allocation a command makes, failed in turn: the n-th for n = 1, 2,
 * ... until the command needs fewer than n.
 */
static void run_every_nth(struct __test_metadata *_metadata, u64 seed,
			  int steps)
{
	struct dl_lt *a = dl_lt_create(), *b = dl_lt_create();
	struct rec *ra = rec_new(), *rb = rec_new();
	u64 nomem = 0;
	struct gen g;
	int step, n;

	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	gen_init(&g, seed);
	setup_ls(a);
	setup_ls(b);
	for (step = 0; step < steps; step++) {
		struct dl_lt_cmd c = gen_next(&g, a);
		struct buf before = snap(b), after_a, after_b;
		int ea, eb;

		rec_clear(ra);
		ea = dl_lt_apply(a, &c, rec_fn, ra);
		gen_observe(&g, ra);
		ASSERT_TRUE(ea == 0 || ea == -EINVAL);
		for (n = 1;; n++) {
			ASSERT_LT(n, 100) TH_LOG("seed %llu step %d",
						 (unsigned long long)seed, step);
			rec_clear(rb);
			fail_off();
			unit_fail_alloc.nth = n;
			eb = dl_lt_apply(b, &c, rec_fn, rb);
			fail_off();
			if (eb != -ENOMEM)
				break;
			nomem++;
			/* nothing said, nothing changed */
			ASSERT_EQ(0, rb->n) TH_LOG("seed %llu step %d n %d",
						   (unsigned long long)seed,
						   step, n);
			after_b = snap(b);
			ASSERT_TRUE(buf_eq(&before, &after_b))
				TH_LOG("seed %llu step %d type %u n %d",
				       (unsigned long long)seed, step, c.type,
				       n);
			buf_free(&after_b);
			ASSERT_EQ(0, dl_lt_check(b));
		}
		ASSERT_EQ(ea, eb);
		ASSERT_TRUE(recs_eq(ra, rb)) TH_LOG("seed %llu step %d",
						    (unsigned long long)seed,
						    step);
		after_a = snap(a);
		after_b = snap(b);
		ASSERT_TRUE(buf_eq(&after_a, &after_b))
			TH_LOG("seed %llu step %d", (unsigned long long)seed,
			       step);
		buf_free(&before);
		buf_free(&after_a);
		buf_free(&after_b);
	}
	ASSERT_EQ(0, dl_lt_check(b));
	/* the workload reached the allocating paths, many times */
	EXPECT_GT(nomem, (u64)steps / 2);
	fprintf(stderr, "# seed %llu: %llu failed tries in %d commands\n",
		(unsigned long long)seed, (unsigned long long)nomem, steps);
	dl_lt_destroy(a);
	dl_lt_destroy(b);
	free(ra);
	free(rb);
}

TEST(every_allocation_of_every_command_fails_atomically)
{
	run_every_nth(_metadata, 1, 700);
	run_every_nth(_metadata, 77, 700);
}

/*
 * One replica's allocations fail at random (30%); it applies each command
 * again until it goes through, as the node layer does.  Outputs and the
 * final snapshot match the replica without failures.
 */
TEST(random_failures_with_retry_end_identical)
{
	static const u64 seeds[] = { 3, 11, 2026 };
	unsigned int s;

	for (s = 0; s < sizeof(seeds) / sizeof(seeds[0]); s++) {
		struct dl_lt *a = dl_lt_create(), *b = dl_lt_create();
		struct rec *ra = rec_new(), *rb = rec_new();
		struct buf sa, sb;
		u64 nomem = 0;
		struct gen g;
		int step, tries;

		ASSERT_NE(NULL, a);
		ASSERT_NE(NULL, b);
		gen_init(&g, seeds[s]);
		setup_ls(a);
		setup_ls(b);
		for (step = 0; step < 3000; step++) {
			struct dl_lt_cmd c = gen_next(&g, a);
			int ea, eb;

			rec_clear(ra);
			ea = dl_lt_apply(a, &c, rec_fn, ra);
			gen_observe(&g, ra);
			for (tries = 0;; tries++) {
				ASSERT_LT(tries, 1000);
				rec_clear(rb);
				unit_fail_alloc.permille = 300;
				unit_fail_alloc.rng = seeds[s] * 1000 + step +
						      tries;
				eb = dl_lt_apply(b, &c, rec_fn, rb);
				fail_off();
				if (eb != -ENOMEM)
					break;
				ASSERT_EQ(0, rb->n);
				nomem++;
			}
			ASSERT_EQ(ea, eb);
			ASSERT_TRUE(recs_eq(ra, rb))
				TH_LOG("seed %llu step %d",
				       (unsigned long long)seeds[s], step);
		}
		sa = snap(a);
		sb = snap(b);
		EXPECT_TRUE(buf_eq(&sa, &sb));
		EXPECT_EQ(0, dl_lt_check(b));
		EXPECT_GT(nomem, 300);
		buf_free(&sa);
		buf_free(&sb);
		dl_lt_destroy(a);
		dl_lt_destroy(b);
		free(ra);
		free(rb);
	}
}

/* An entry stops at the command that failed; the ones before it stay. */
TEST(entry_stops_at_the_failed_command)
{
	struct dl_lt *lt = dl_lt_create();
	struct rec *r = rec_new();
	struct dl_lt_batch *b = calloc(1, sizeof(*b));
	struct dl_lt_cmd c1, c2, c3;
	struct dl_lt_stats st;

	ASSERT_NE(NULL, lt);
	setup_ls(lt);
	c1 = cmd_lock(own(1, 1), 10, 1, "a", DL_MODE_EX, 0);
	c2 = cmd_lock(own(1, 2), 11, 1, "b", DL_MODE_EX, 0);
	c3 = cmd_lock(own(1, 3), 12, 1, "c", DL_MODE_EX, 0);
	dl_lt_batch_init(b);
	ASSERT_EQ(0, dl_lt_batch_add(b, &c1));
	ASSERT_EQ(0, dl_lt_batch_add(b, &c2));
	ASSERT_EQ(0, dl_lt_batch_add(b, &c3));
	/* c1: owner, its dedup, resource, lock (4); c2's owner fails */
	unit_fail_alloc.nth = 5;
	EXPECT_EQ(-ENOMEM, dl_lt_apply_entry(lt, b->buf, b->len, rec_fn, r));
	fail_off();
	EXPECT_EQ(1, r->n);
	EXPECT_NE(NULL, rec_find(r, DL_LT_OUT_GRANTED, 10));
	dl_lt_get_stats(lt, &st);
	EXPECT_EQ(1, st.locks);
	EXPECT_EQ(0, dl_lt_check(lt));
	free(b);
	free(r);
	dl_lt_destroy(lt);
}

/* ---- the node layer ---- */

static int follower_idx(struct cell *c, int not)
{
	int i;

	for (i = 0; i < c->n; i++)
		if (c->voter[i] && i != leader_idx(c) && i != not)
			return i;
	return -1;
}

static struct cell *cell_ready(struct __test_metadata *_metadata)
{
	struct cell *c = cell_new(3, 0);
	u64 req;
	int l;

	run_ms(c, 2000);
	l = leader_idx(c);
	if (l < 0)
		return c;
	dl_node_ls_create(c->node[l], (const u8 *)LS, strlen(LS), 0, 32, 0, 7,
			  &req);
	run_ms(c, 200);
	return c;
}

/* The replicas' tables, snapshotted: byte for byte the same? */
static bool replicas_agree(struct cell *c)
{
	struct buf s0 = snap(dl_node_lt(c->node[0])), s;
	bool eq = true;
	int i;

	for (i = 1; i < c->n; i++) {
		if (!c->voter[i])
			continue;
		s = snap(dl_node_lt(c->node[i]));
		if (!buf_eq(&s0, &s))
			eq = false;
		buf_free(&s);
	}
	buf_free(&s0);
	return eq;
}

static int count_status(struct cell *c, int status)
{
	int i, k, n = 0;

	for (i = 0; i < c->n; i++)
		for (k = 0; k < c->nev[i]; k++)
			n += c->ev[i][k].ev.status == status;
	return n;
}

#define ROUNDS	12
#define OWNERS	3

/*
 * Clients on @a and @b (never the victim) take EX locks with value blocks
 * on a few resources, contended, and unlock them writing the value block;
 * every lock asked for must be granted in the end.
 */
static void workload(struct __test_metadata *_metadata, struct cell *c,
		     int a, int b)
{
	static const char *const res[] = { "r0", "r1", "r2", "r3", "r4" };
	int clients[2] = { a, b }, round, k, o, left, waited;
	bool done[2][OWNERS];
	u64 ids[2][OWNERS];
	u8 val[32];

	for (round = 0; round < ROUNDS; round++) {
		for (k = 0; k < 2; k++)
			for (o = 0; o < OWNERS; o++) {
				struct dl_lock_args la = {
					.owner = o + 1, .cookie = round,
					.lockspace = (const u8 *)LS,
					.ls_len = strlen(LS),
					.resource = (const u8 *)
						res[(round + o + k) % 5],
					.res_len = 2,
					.mode = (o & 1) ? DL_MODE_PR :
							  DL_MODE_EX,
					.flags = DL_LKF_VALBLK,
				};
				u64 req;

				ASSERT_EQ(0, dl_node_lock(c->node[clients[k]],
							  &la, &req,
							  &ids[k][o]));
			}
		/*
		 * Unlock each lock once granted (they block one another);
		 * generous: the victim may lag or lose leadership.
		 */
		memset(done, 0, sizeof(done));
		for (left = 2 * OWNERS, waited = 0; left && waited < 30000;
		     waited += 10) {
			for (k = 0; k < 2; k++)
				for (o = 0; o < OWNERS; o++) {
					if (done[k][o] ||
					    !find_ev(c, clients[k],
						     DL_LEV_GRANTED,
						     ids[k][o]))
						continue;
					memset(val, round, sizeof(val));
					ASSERT_EQ(0, dl_node_unlock(
						c->node[clients[k]], o + 1,
						ids[k][o], val, sizeof(val)));
					done[k][o] = true;
					left--;
				}
			run_ms(c, 10);
		}
		ASSERT_EQ(0, left) TH_LOG("round %d", round);
		run_ms(c, 20);
	}
}

static void victim_run(struct __test_metadata *_metadata, bool leader)
{
	struct cell *c = cell_ready(_metadata);
	int l = leader_idx(c), f1, f2, v;
	const struct dl_counters *vc;
	u64 stalls;

	ASSERT_GE(l, 0);
	f1 = follower_idx(c, -1);
	f2 = follower_idx(c, f1);
	ASSERT_GE(f2, 0);
	v = leader ? l : f1;
	fail_off();
	unit_fail_alloc.node_id = c->id[v];
	unit_fail_alloc.permille = 200;
	unit_fail_alloc.rng = 42;
	if (leader)
		workload(_metadata, c, f1, f2);
	else
		workload(_metadata, c, l, f2);
	vc = dl_node_counters(c->node[v]);
	stalls = vc->apply_stalls;
	fprintf(stderr, "# victim node %u (%s): %llu allocations failed, apply stopped %llu times\n",
		c->id[v], leader ? "leader" : "follower",
		(unsigned long long)unit_fail_alloc.failed,
		(unsigned long long)stalls);
	fail_off();
	run_ms(c, 3000);
	/* the failures reached the apply path */
	EXPECT_GT(stalls, 0);
	EXPECT_TRUE(replicas_agree(c));
	EXPECT_EQ(0, count_status(c, -ENOMEM));
	cell_free(c);
}

TEST(follower_whose_allocations_fail_converges)
{
	victim_run(_metadata, false);
}

TEST(leader_whose_allocations_fail_converges)
{
	victim_run(_metadata, true);
}

/*
 * A lock granted after its request timed out is undone by the node (an
 * UNLOCK of the orphan).  When that node has no memory for the UNLOCK, the
 * orphan must be kept and undone later, not forgotten: forgotten, the cell
 * lock stayed held by an owner that no longer waits for it, and every
 * other request for the resource waited for ever.
 */
TEST(late_grant_undone_once_memory_returns)
{
	struct cell *c = cell_ready(_metadata);
	int l = leader_idx(c), f, g;
	struct dl_lock_args la = {
		.lockspace = (const u8 *)LS, .ls_len = strlen(LS),
		.resource = (const u8 *)"x", .res_len = 1,
		.mode = DL_MODE_EX,
	};
	u64 req, held, orphan, third;
	int waited;

	ASSERT_GE(l, 0);
	f = follower_idx(c, -1);
	g = follower_idx(c, f);
	la.owner = 1;
	ASSERT_EQ(0, dl_node_lock(c->node[g], &la, &req, &held));
	run_ms(c, 20);
	ASSERT_NE(NULL, find_ev(c, g, DL_LEV_GRANTED, held));
	/* f's request waits behind it and times out while f has no memory */
	la.owner = 2;
	la.timeout_ms = 50;
	ASSERT_EQ(0, dl_node_lock(c->node[f], &la, &req, &orphan));
	run_ms(c, 20);
	fail_off();
	unit_fail_alloc.node_id = c->id[f];
	unit_fail_alloc.permille = 1000;
	run_ms(c, 100);
	ASSERT_NE(NULL, find_ev(c, f, DL_LEV_FAILED, orphan));
	EXPECT_EQ(-ETIMEDOUT, find_ev(c, f, DL_LEV_FAILED, orphan)->ev.status);
	/* the holder lets go: the orphan is granted, f cannot undo it now */
	ASSERT_EQ(0, dl_node_unlock(c->node[g], 1, held, NULL, 0));
	run_ms(c, 200);
	EXPECT_GT(unit_fail_alloc.failed, 0);
	fail_off();
	/* memory again: the orphan is undone and a third owner gets it */
	la.owner = 3;
	la.timeout_ms = 0;
	ASSERT_EQ(0, dl_node_lock(c->node[g], &la, &req, &third));
	for (waited = 0; waited < 10000 &&
	     !find_ev(c, g, DL_LEV_GRANTED, third); waited += 10)
		run_ms(c, 10);
	EXPECT_NE(NULL, find_ev(c, g, DL_LEV_GRANTED, third));
	run_ms(c, 3000);	/* f catches up */
	EXPECT_TRUE(replicas_agree(c));
	cell_free(c);
}

/* Is a datagram for node index @i queued? */
static bool pkt_queued_for(struct cell *c, int i)
{
	struct pkt *p;

	for (p = c->head; p; p = p->next)
		if (p->dst == c->id[i])
			return true;
	return false;
}

/*
 * A follower whose lease ran out announces its new session with HELLO beside
 * its heartbeats until one is answered; the leader then proposes
 * NODE_INCARNATION, which releases the old session's locks.  A HELLO that
 * failed for memory while the heartbeat beside it went out must not count
 * as sent: counted, the heartbeat's answer ended the HELLOs, nothing
 * released the old locks (the node still answers the leader, so it is never
 * expired) and every other request for them waited for ever (dlock-sim
 * --fail-alloc, request-unanswered, seed 300283).
 */
TEST(hello_lost_for_memory_is_sent_again)
{
	struct cell *c = cell_ready(_metadata);
	int l = leader_idx(c), f, g, waited;
	struct dl_lock_args la = {
		.lockspace = (const u8 *)LS, .ls_len = strlen(LS),
		.resource = (const u8 *)"x", .res_len = 1,
		.mode = DL_MODE_EX,
	};
	const struct dl_counters *fc;
	u64 req, held, next, hello, hb;
	bool injected = false;

	ASSERT_GE(l, 0);
	f = follower_idx(c, -1);
	g = follower_idx(c, f);
	fc = dl_node_counters(c->node[f]);
	la.owner = 1;
	ASSERT_EQ(0, dl_node_lock(c->node[f], &la, &req, &held));
	run_ms(c, 20);
	ASSERT_NE(NULL, find_ev(c, f, DL_LEV_GRANTED, held));
	/* f hears the leader but is not heard: its lease runs out */
	c->mute[f] = true;
	for (waited = 0; waited < 5000 && !fc->leases_lost; waited++)
		run_ms(c, 1);
	ASSERT_EQ(1, fc->leases_lost);
	ASSERT_NE(NULL, find_ev(c, f, DL_LEV_REVOKED, held));
	c->mute[f] = false;
	/*
	 * Heard again.  At f's next timer call with nothing queued for it,
	 * its first allocation fails: that is the datagram of the HELLO, and
	 * the heartbeat that follows gets a datagram of its own and is
	 * answered.
	 */
	for (waited = 0; waited < 2000 && !injected; waited++) {
		bool armed = c->env[f].timer_armed &&
			     c->env[f].timer_deadline_ns <= c->now + MS &&
			     !pkt_queued_for(c, f);

		hello = fc->tx_ops[DL_OP_HELLO];
		hb = fc->tx_ops[DL_OP_HEARTBEAT];
		if (armed) {
			fail_off();
			unit_fail_alloc.node_id = c->id[f];
			unit_fail_alloc.nth = 1;
		}
		run_ms(c, 1);
		fail_off();
		if (fc->tx_ops[DL_OP_HEARTBEAT] > hb) {
			ASSERT_TRUE(armed);
			ASSERT_EQ(hello, fc->tx_ops[DL_OP_HELLO]);
			injected = true;
		}
	}
	ASSERT_TRUE(injected);
	/* the old session's lock is released: another owner gets it */
	la.owner = 2;
	ASSERT_EQ(0, dl_node_lock(c->node[g], &la, &req, &next));
	for (waited = 0; waited < 10000 &&
	     !find_ev(c, g, DL_LEV_GRANTED, next); waited += 10)
		run_ms(c, 10);
	EXPECT_NE(NULL, find_ev(c, g, DL_LEV_GRANTED, next));
	/* by NODE_INCARNATION: the leader never expired f */
	EXPECT_EQ(0, dl_node_counters(c->node[l])->nodes_expired);
	run_ms(c, 1000);
	EXPECT_TRUE(replicas_agree(c));
	cell_free(c);
}

TEST_HARNESS_MAIN
