// SPDX-License-Identifier: GPL-2.0
/*
 * core_node_test.c - the node layer end to end: three voters (and a member)
 * wired by an in-test queue through env_unit's send hook, on a manual clock.
 * Election, locking from a follower with its message count, FIFO waiters,
 * lease expiry handing a lock over with a higher token, owner release,
 * retransmission after a lost grant, timeouts, members, bad datagrams.
 */
#include <stdio.h>
#include <stdlib.h>

#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#include "env_unit.h"
#include "counters.h"
#include "locktable.h"
#include "node.h"
#include "node_priv.h"	/* dl_node_propose(), for the REVOKED test */
#include "raft.h"
#include "wire.h"

#include "node_cell.h"


static int follower_idx(struct cell *c, int not)
{
	int i;

	for (i = 0; i < c->n; i++)
		if (c->voter[i] && i != leader_idx(c) && i != not)
			return i;
	return -1;
}

/* Sum over every node of the ops charged to @cause. */
static u64 cause_ops(struct cell *c, int cause)
{
	u64 sum = 0;
	int i;

	for (i = 0; i < c->n; i++)
		sum += dl_node_counters(c->node[i])->cause_ops[cause];
	return sum;
}

/* Owners the leader's lock table knows. */
static u64 lt_owners(struct cell *c)
{
	struct dl_lt_stats st;

	dl_lt_get_stats(dl_node_lt(c->node[leader_idx(c)]), &st);
	return st.owners;
}

static int count_ev(struct cell *c, int i, u32 type, u64 lock_id)
{
	int k, n = 0;

	for (k = 0; k < c->nev[i]; k++)
		if (c->ev[i][k].ev.type == type &&
		    (!lock_id || c->ev[i][k].ev.lock_id == lock_id))
			n++;
	return n;
}

static int lock(struct cell *c, int i, u64 owner, const char *res, u32 mode,
		u32 flags, u32 timeout_ms, u64 *lock_id)
{
	struct dl_lock_args a = {
		.owner = owner, .cookie = owner * 10,
		.lockspace = (const u8 *)LS, .ls_len = strlen(LS),
		.resource = (const u8 *)res, .res_len = strlen(res),
		.mode = mode, .flags = flags, .timeout_ms = timeout_ms,
	};
	u64 req;

	return dl_node_lock(c->node[i], &a, &req, lock_id);
}

/* A cell with a leader and lockspace LS, every lease established. */
static struct cell *cell_ready(struct __test_metadata *_metadata, int voters,
			       int members)
{
	struct cell *c = cell_new(voters, members);
	u64 req;
	int l;

	run_ms(c, 2000);
	l = leader_idx(c);
	if (l < 0)
		return c;
	dl_node_ls_create(c->node[l], (const u8 *)LS, strlen(LS), 0, 32, 0, 7,
			  &req);
	run_ms(c, 200);
	EXPECT_NE(NULL, find_ev(c, l, DL_LEV_DONE, 0));
	EXPECT_EQ(0, find_ev(c, l, DL_LEV_DONE, 0)->ev.status);
	return c;
}

TEST(one_leader_and_leases)
{
	struct cell *c = cell_new(3, 0);
	struct dl_node_status st[3];
	int i, leaders = 0;

	run_ms(c, 2000);
	for (i = 0; i < 3; i++) {
		dl_node_get_status(c->node[i], &st[i]);
		if (st[i].state == DL_STATE_LEADER)
			leaders++;
		EXPECT_TRUE(st[i].lease_valid);
	}
	ASSERT_EQ(1, leaders);
	EXPECT_EQ(st[0].leader_id, st[1].leader_id);
	EXPECT_EQ(st[1].leader_id, st[2].leader_id);
	EXPECT_EQ(st[0].term, st[2].term);
	EXPECT_GT(dl_node_counters(c->node[leader_idx(c)])->elections, 0);
	cell_free(c);
}

TEST(lock_unlock_from_follower_counts_messages)
{
	struct cell *c = cell_ready(_metadata, 3, 0);
	int l = leader_idx(c), f = follower_idx(c, -1);
	u64 before, lk, acq, rel;
	const struct rec_ev *g;

	ASSERT_GE(l, 0);
	before = cause_ops(c, DL_CAUSE_ACQUIRE);
	ASSERT_EQ(0, lock(c, f, 5, "r", DL_MODE_EX, 0, 0, &lk));
	/* asynchronous, always: nothing before the network ran */
	EXPECT_EQ(0, count_ev(c, f, DL_LEV_GRANTED, 0));
	run_ms(c, 5);
	g = find_ev(c, f, DL_LEV_GRANTED, lk);
	ASSERT_NE(NULL, g);
	EXPECT_EQ(DL_MODE_EX, g->ev.mode);
	EXPECT_GT(g->ev.token, 0);
	EXPECT_EQ(50, g->ev.cookie);
	acq = cause_ops(c, DL_CAUSE_ACQUIRE) - before;
	/*
	 * request + 2 APPEND + 2 APPEND_RESP = 2n - 1 with n = 3: the
	 * follower committed the entry itself and said so in its APPEND_RESP
	 * (DL_RAFT_F_COMMITTED), so the leader sends no EVENT for the grant;
	 * it used to, and the follower dropped it as a second answer.
	 */
	EXPECT_EQ(5, acq);
	EXPECT_EQ(0, dl_node_counters(c->node[l])->tx_ops[DL_OP_EVENT]);
	EXPECT_EQ(1, dl_node_counters(c->node[l])->events_spared);

	before = cause_ops(c, DL_CAUSE_RELEASE);
	ASSERT_EQ(0, dl_node_unlock(c->node[f], 5, lk, NULL, 0));
	run_ms(c, 5);
	EXPECT_NE(NULL, find_ev(c, f, DL_LEV_UNLOCKED, lk));
	rel = cause_ops(c, DL_CAUSE_RELEASE) - before;
	EXPECT_EQ(5, rel);
	EXPECT_EQ(0, dl_node_counters(c->node[l])->tx_ops[DL_OP_EVENT]);
	EXPECT_EQ(2, dl_node_counters(c->node[l])->events_spared);
	EXPECT_EQ(1, dl_node_counters(c->node[f])->acquires);
	EXPECT_EQ(1, dl_node_counters(c->node[f])->releases);
	fprintf(stderr, "# ops per acquire %llu, per release %llu\n",
		(unsigned long long)acq, (unsigned long long)rel);
	cell_free(c);
}

/*
 * Two followers' REQUESTs handed to the leader in one receive batch
 * (dl_node_rx_begin/end, as the kernel's receive work drains its queue):
 * one Raft entry, so one APPEND per follower instead of one per request,
 * and both granted.
 */
#define APPEND_OP	(DL_OP_RAFT_BASE + DL_RAFT_MSG_APPEND)

TEST(receive_batch_is_one_entry)
{
	struct cell *c = cell_ready(_metadata, 3, 0);
	int l = leader_idx(c), f1 = follower_idx(c, -1);
	int f2 = follower_idx(c, f1);
	const struct dl_counters *lc;
	u64 lk1, lk2, appends, batches;
	struct pkt *p, *q[2];
	int n = 0;

	ASSERT_GE(l, 0);
	ASSERT_EQ(0, lock(c, f1, 5, "a", DL_MODE_EX, 0, 0, &lk1));
	ASSERT_EQ(0, lock(c, f2, 6, "b", DL_MODE_EX, 0, 0, &lk2));
	/* exactly the two REQUESTs are queued, both for the leader */
	while ((p = c->head) && n < 2) {
		c->head = p->next;
		ASSERT_EQ(c->id[l], p->dst);
		q[n++] = p;
	}
	ASSERT_EQ(2, n);
	ASSERT_EQ(NULL, c->head);
	c->tail = &c->head;
	lc = dl_node_counters(c->node[l]);
	appends = lc->tx_ops[APPEND_OP];
	batches = lc->rx_batches;
	dl_node_rx_begin(c->node[l]);
	for (n = 0; n < 2; n++) {
		EXPECT_EQ(0, dl_node_recv(c->node[l], q[n]->buf, q[n]->len));
		free(q[n]);
	}
	/* nothing leaves before the batch ends */
	EXPECT_EQ(appends, lc->tx_ops[APPEND_OP]);
	dl_node_rx_end(c->node[l]);
	EXPECT_EQ(batches + 1, lc->rx_batches);
	EXPECT_EQ(appends + 2, lc->tx_ops[APPEND_OP]);
	run_ms(c, 5);
	EXPECT_NE(NULL, find_ev(c, f1, DL_LEV_GRANTED, lk1));
	EXPECT_NE(NULL, find_ev(c, f2, DL_LEV_GRANTED, lk2));
	cell_free(c);
}

struct snap_buf {
	u8 *p;
	size_t len;
};

static int snap_sink(void *ctx, const void *buf, size_t len)
{
	struct snap_buf *b = ctx;

	b->p = realloc(b->p, b->len + len);
	memcpy(b->p + b->len, buf, len);
	b->len += len;
	return 0;
}

/* Do the first @n nodes' lock tables serialize to the same bytes? */
static bool same_tables(struct cell *c, int n)
{
	struct snap_buf first = { 0 }, other;
	bool same = true;
	int i;

	dl_lt_snapshot_save(dl_node_lt(c->node[0]), snap_sink, &first);
	for (i = 1; i < n; i++) {
		memset(&other, 0, sizeof(other));
		dl_lt_snapshot_save(dl_node_lt(c->node[i]), snap_sink, &other);
		if (other.len != first.len ||
		    memcmp(other.p, first.p, first.len))
			same = false;
		free(other.p);
	}
	free(first.p);
	return same;
}

/*
 * Deliver queued datagrams one at a time, the clock standing still (timers
 * due now still fire, e.g. deferred events), until node @i has recorded
 * an event @type for @lock_id.  Counts the datagrams each node received
 * meanwhile in @rx (by index).  Returns false if the cell went quiet first.
 */
static bool deliver_until_ev(struct cell *c, int i, u32 type, u64 lock_id,
			     int *rx)
{
	int k;

	for (;;) {
		struct pkt *p;
		bool fired = false;

		for (k = 0; k < c->n; k++) {
			struct dl_env *e = &c->env[k];

			if (c->node[k] && e->timer_armed &&
			    e->timer_deadline_ns <= c->now) {
				e->timer_armed = false;
				dl_node_timer(c->node[k]);
				fired = true;
			}
		}
		if (find_ev(c, i, type, lock_id))
			return true;
		p = c->head;
		if (!p) {
			if (fired)
				continue;
			return false;
		}
		c->head = p->next;
		if (!c->head)
			c->tail = &c->head;
		k = idx_of(c, p->dst);
		if (k >= 0 && c->node[k]) {
			rx[k]++;
			dl_node_recv(c->node[k], p->buf, p->len);
		}
		free(p);
	}
}

/*
 * With three voters the requester's node and the leader are a majority:
 * the follower applies its own LOCK (and UNLOCK) as soon as the leader's
 * APPEND is stored, one REQUEST/APPEND exchange, without waiting for the
 * leader to count acknowledgements and send the EVENT (two round trips).
 * An EVENT the leader sends all the same (see the next test) must not
 * deliver the grant a second time.
 */
TEST(follower_pair_completes_in_one_exchange_each_with_3_voters)
{
	struct cell *c = cell_ready(_metadata, 3, 0);
	int l = leader_idx(c), f = follower_idx(c, -1), o = follower_idx(c, f);
	int rx[MAXN] = { 0 }, k;
	const struct rec_ev *g, *g2;
	u64 lk, lk2, before;

	ASSERT_GE(l, 0);
	settle(c);
	before = dl_node_counters(c->node[f])->follower_commits;
	ASSERT_EQ(0, lock(c, f, 5, "one", DL_MODE_EX, 0, 0, &lk));
	ASSERT_TRUE(deliver_until_ev(c, f, DL_LEV_GRANTED, lk, rx));
	/* the leader heard the REQUEST only, the follower the APPEND only */
	EXPECT_EQ(1, rx[l]);
	EXPECT_EQ(1, rx[f]);
	g = find_ev(c, f, DL_LEV_GRANTED, lk);
	EXPECT_GT(g->ev.token, 0);
	EXPECT_GT(dl_node_counters(c->node[f])->follower_commits, before);
	/* once the others applied too: one table, the same token */
	run_ms(c, 20);
	for (k = 0; k < 3; k++) {
		struct dl_lt_stats st;

		dl_lt_get_stats(dl_node_lt(c->node[k]), &st);
		EXPECT_EQ(g->ev.token, st.token_seq);
		EXPECT_EQ(1, st.granted);
	}
	EXPECT_TRUE(same_tables(c, 3));

	memset(rx, 0, sizeof(rx));
	ASSERT_EQ(0, dl_node_unlock(c->node[f], 5, lk, NULL, 0));
	ASSERT_TRUE(deliver_until_ev(c, f, DL_LEV_UNLOCKED, lk, rx));
	EXPECT_EQ(1, rx[l]);
	EXPECT_EQ(1, rx[f]);

	/* an EVENT the leader still sent arrives later and changes nothing */
	run_ms(c, 50);
	EXPECT_EQ(1, count_ev(c, f, DL_LEV_GRANTED, lk));
	EXPECT_EQ(1, count_ev(c, f, DL_LEV_UNLOCKED, lk));
	EXPECT_EQ(1, dl_node_counters(c->node[f])->acquires);
	EXPECT_EQ(1, dl_node_counters(c->node[f])->releases);
	EXPECT_TRUE(same_tables(c, 3));

	/* the same lock again from the other follower: a larger token */
	memset(rx, 0, sizeof(rx));
	ASSERT_EQ(0, lock(c, o, 6, "one", DL_MODE_EX, 0, 0, &lk2));
	ASSERT_TRUE(deliver_until_ev(c, o, DL_LEV_GRANTED, lk2, rx));
	EXPECT_EQ(1, rx[l]);
	g2 = find_ev(c, o, DL_LEV_GRANTED, lk2);
	EXPECT_GT(g2->ev.token, g->ev.token);
	cell_free(c);
}

/*
 * Deliver the first queued datagram for node index @dst, wherever it is
 * in the queue, the clock standing still.  Returns false if none is.
 */
static bool deliver_one_to(struct cell *c, int dst)
{
	struct pkt **pp, *p;

	for (pp = &c->head; (p = *pp); pp = &p->next) {
		if (p->dst != c->id[dst])
			continue;
		*pp = p->next;
		if (c->tail == &p->next)
			c->tail = pp;
		dl_node_recv(c->node[dst], p->buf, p->len);
		free(p);
		return true;
	}
	return false;
}

/*
 * The leader's datagrams after proposing a follower's REQUEST go to that
 * follower first, whichever it is in the peer order: it is the one whose
 * owner waits, and whose acknowledgement lets the leader spare the EVENT.
 */
TEST(requester_gets_the_append_first)
{
	struct cell *c = cell_ready(_metadata, 3, 0);
	int l = leader_idx(c), f[2], k;
	u64 lk;

	ASSERT_GE(l, 0);
	f[0] = follower_idx(c, -1);
	f[1] = follower_idx(c, f[0]);
	for (k = 0; k < 2; k++) {
		const char *res = k ? "r1" : "r0";

		settle(c);
		ASSERT_EQ(0, lock(c, f[k], 5, res, DL_MODE_EX, 0, 0, &lk));
		ASSERT_TRUE(deliver_one_to(c, l));	/* REQUEST */
		ASSERT_NE(NULL, c->head);
		EXPECT_EQ(c->id[f[k]], c->head->dst);
		settle(c);
		EXPECT_EQ(1, count_ev(c, f[k], DL_LEV_GRANTED, lk));
	}
	cell_free(c);
}

#define EVENT_TX(c, i)	(dl_node_counters((c)->node[i])->tx_ops[DL_OP_EVENT])
#define SPARED(c, i)	(dl_node_counters((c)->node[i])->events_spared)

/*
 * The leader leaves out the EVENT to a voter exactly when that voter's
 * APPEND_RESP said it committed the entry itself (DL_RAFT_F_COMMITTED)
 * before the leader applied it: the voter's own apply answers its owner.
 * When the other follower's acknowledgement commits the entry first, the
 * leader cannot know yet and sends the EVENT, which the requester drops
 * as a second answer.  Either way the owner hears exactly once.
 */
TEST(leader_spares_the_event_only_to_a_voter_that_committed)
{
	struct cell *c = cell_ready(_metadata, 3, 0);
	int l = leader_idx(c), f = follower_idx(c, -1), o = follower_idx(c, f);
	u64 lk, ev0, sp0;

	ASSERT_GE(l, 0);
	settle(c);
	ev0 = EVENT_TX(c, l);
	sp0 = SPARED(c, l);

	/* the other follower acknowledges first: EVENT sent */
	ASSERT_EQ(0, lock(c, f, 5, "r", DL_MODE_EX, 0, 0, &lk));
	ASSERT_TRUE(deliver_one_to(c, l));	/* REQUEST */
	ASSERT_TRUE(deliver_one_to(c, o));	/* APPEND */
	ASSERT_TRUE(deliver_one_to(c, l));	/* o's APPEND_RESP: commit */
	EXPECT_EQ(ev0 + 1, EVENT_TX(c, l));
	EXPECT_EQ(sp0, SPARED(c, l));
	settle(c);
	EXPECT_EQ(1, count_ev(c, f, DL_LEV_GRANTED, lk));

	/* the requester acknowledges first, committed: no EVENT */
	ev0 = EVENT_TX(c, l);
	ASSERT_EQ(0, dl_node_unlock(c->node[f], 5, lk, NULL, 0));
	ASSERT_TRUE(deliver_one_to(c, l));	/* REQUEST */
	ASSERT_TRUE(deliver_one_to(c, f));	/* APPEND: f applies */
	EXPECT_EQ(1, count_ev(c, f, DL_LEV_UNLOCKED, lk));
	ASSERT_TRUE(deliver_one_to(c, l));	/* f's APPEND_RESP: commit */
	EXPECT_EQ(sp0 + 1, SPARED(c, l));
	settle(c);
	EXPECT_EQ(ev0, EVENT_TX(c, l));
	EXPECT_EQ(1, count_ev(c, f, DL_LEV_UNLOCKED, lk));
	EXPECT_EQ(1, dl_node_counters(c->node[f])->acquires);
	EXPECT_EQ(1, dl_node_counters(c->node[f])->releases);
	EXPECT_TRUE(same_tables(c, 3));
	cell_free(c);
}

/*
 * With five voters the follower and the leader are two of five: it cannot
 * prove a majority alone, so its grant waits for the leader's commit (the
 * leader must hear an APPEND_RESP before the grant can reach the follower).
 */
TEST(follower_waits_for_leader_with_5_voters)
{
	struct cell *c = cell_ready(_metadata, 5, 0);
	int l = leader_idx(c), f = follower_idx(c, -1);
	int rx[MAXN] = { 0 };
	u64 lk;

	ASSERT_GE(l, 0);
	settle(c);
	ASSERT_EQ(0, lock(c, f, 5, "five", DL_MODE_EX, 0, 0, &lk));
	ASSERT_TRUE(deliver_until_ev(c, f, DL_LEV_GRANTED, lk, rx));
	EXPECT_LE(3, rx[l]);	/* REQUEST and at least two APPEND_RESPs */
	EXPECT_EQ(0, dl_node_counters(c->node[f])->follower_commits);
	run_ms(c, 50);
	EXPECT_EQ(1, count_ev(c, f, DL_LEV_GRANTED, lk));
	cell_free(c);
}

TEST(waiters_granted_in_order)
{
	struct cell *c = cell_ready(_metadata, 3, 0);
	int f1 = follower_idx(c, -1), f2 = follower_idx(c, f1);
	u64 a, b, d;
	const struct rec_ev *ga, *gb, *gd;

	ASSERT_EQ(0, lock(c, f1, 1, "q", DL_MODE_EX, 0, 0, &a));
	run_ms(c, 5);
	ASSERT_EQ(0, lock(c, f2, 2, "q", DL_MODE_EX, 0, 0, &b));
	run_ms(c, 5);
	ASSERT_EQ(0, lock(c, f1, 3, "q", DL_MODE_EX, 0, 0, &d));
	run_ms(c, 300);
	ga = find_ev(c, f1, DL_LEV_GRANTED, a);
	ASSERT_NE(NULL, ga);
	EXPECT_EQ(NULL, find_ev(c, f2, DL_LEV_GRANTED, b));
	EXPECT_EQ(NULL, find_ev(c, f1, DL_LEV_GRANTED, d));
	/* the holder is told someone waits (once, though every voter applies) */
	EXPECT_EQ(1, count_ev(c, f1, DL_LEV_BLOCKING, a));

	ASSERT_EQ(0, dl_node_unlock(c->node[f1], 1, a, NULL, 0));
	run_ms(c, 300);
	gb = find_ev(c, f2, DL_LEV_GRANTED, b);
	ASSERT_NE(NULL, gb);
	EXPECT_EQ(NULL, find_ev(c, f1, DL_LEV_GRANTED, d));
	EXPECT_GT(gb->ev.token, ga->ev.token);

	ASSERT_EQ(0, dl_node_unlock(c->node[f2], 2, b, NULL, 0));
	run_ms(c, 300);
	gd = find_ev(c, f1, DL_LEV_GRANTED, d);
	ASSERT_NE(NULL, gd);
	EXPECT_GT(gd->ev.token, gb->ev.token);
	/* waiting did not cost retransmissions beyond slow polls */
	EXPECT_LE(dl_node_counters(c->node[f1])->retries, 2);
	cell_free(c);
}

TEST(lease_expiry_hands_lock_over_after_revoke)
{
	struct cell *c = cell_ready(_metadata, 3, 0);
	int l = leader_idx(c), f1 = follower_idx(c, -1), f2;
	const struct rec_ev *g1, *rv, *g2;
	u64 a, b;

	f2 = follower_idx(c, f1);
	ASSERT_EQ(0, lock(c, f1, 1, "x", DL_MODE_EX, 0, 0, &a));
	run_ms(c, 5);
	g1 = find_ev(c, f1, DL_LEV_GRANTED, a);
	ASSERT_NE(NULL, g1);
	c->cut[f1] = true;
	ASSERT_EQ(0, lock(c, f2, 2, "x", DL_MODE_EX, 0, 0, &b));
	run_ms(c, 3000);
	rv = find_ev(c, f1, DL_LEV_REVOKED, a);
	g2 = find_ev(c, f2, DL_LEV_GRANTED, b);
	ASSERT_NE(NULL, rv);
	ASSERT_NE(NULL, g2);
	/* the old holder stopped strictly before the new grant */
	EXPECT_LT(rv->at, g2->at);
	EXPECT_GT(g2->ev.token, g1->ev.token);
	EXPECT_EQ(g1->ev.token, rv->ev.token);
	EXPECT_EQ(1, dl_node_counters(c->node[f1])->leases_lost);
	EXPECT_GE(dl_node_counters(c->node[l])->nodes_expired, 1);
	/* healed, the node comes back under a new session and locks again */
	c->cut[f1] = false;
	ASSERT_EQ(0, dl_node_unlock(c->node[f2], 2, b, NULL, 0));
	run_ms(c, 500);
	ASSERT_EQ(0, lock(c, f1, 1, "x", DL_MODE_EX, 0, 0, &a));
	run_ms(c, 500);
	EXPECT_NE(NULL, find_ev(c, f1, DL_LEV_GRANTED, a));
	cell_free(c);
}

/*
 * A slow cell: every heartbeat is answered, but its LEASE arrives after the
 * next heartbeat has left (a round trip longer than a quarter lease, well
 * under the lease).  The answers must still renew the leases; a node that
 * counted only the answer to its latest heartbeat lost its lease while
 * every heartbeat was answered.
 */
TEST(lease_renewed_when_answers_cross_the_next_heartbeat)
{
	struct dl_node_status st;
	struct cell *c;
	int i, l;

	cell_timeouts = (struct dl_node_timeouts){
		.election_ms = 2000, .heartbeat_ms = 100, .lease_ms = 2000,
		.lock_delay_ms = 4000,
	};
	c = cell_new(3, 1);
	cell_timeouts = (struct dl_node_timeouts){ 0 };
	run_ms(c, 10000);
	l = leader_idx(c);
	ASSERT_GE(l, 0);
	/*
	 * 600 ms round trips: over lease / 4 (500), under the leader's own
	 * Raft lease (election / 2, 1000), which it needs to answer.
	 */
	c->latency = 300 * MS;
	run_ms(c, 20000);
	EXPECT_EQ(l, leader_idx(c));
	for (i = 0; i < c->n; i++) {
		dl_node_get_status(c->node[i], &st);
		EXPECT_TRUE(st.lease_valid);
		EXPECT_EQ(0, dl_node_counters(c->node[i])->leases_lost);
	}
	cell_free(c);
}

/*
 * A follower that still hears the leader but cannot answer must not keep
 * its lease on the strength of the leader's APPENDs (simulator finding 5).
 */
TEST(one_way_cut_still_revokes_before_handover)
{
	struct cell *c = cell_ready(_metadata, 3, 0);
	int f1 = follower_idx(c, -1), f2 = follower_idx(c, f1);
	const struct rec_ev *rv, *g2;
	u64 a, b;

	ASSERT_EQ(0, lock(c, f1, 1, "w", DL_MODE_EX, 0, 0, &a));
	run_ms(c, 5);
	ASSERT_NE(NULL, find_ev(c, f1, DL_LEV_GRANTED, a));
	c->mute[f1] = true;
	ASSERT_EQ(0, lock(c, f2, 2, "w", DL_MODE_EX, 0, 0, &b));
	run_ms(c, 4000);
	rv = find_ev(c, f1, DL_LEV_REVOKED, a);
	g2 = find_ev(c, f2, DL_LEV_GRANTED, b);
	ASSERT_NE(NULL, rv);
	ASSERT_NE(NULL, g2);
	EXPECT_LT(rv->at, g2->at);
	cell_free(c);
}

/*
 * A request the leader proposed itself must still reach the next leader if
 * leadership moves before it is answered (simulator seed 169).
 */
TEST(waiting_request_survives_leader_change)
{
	struct cell *c = cell_ready(_metadata, 3, 0);
	int l = leader_idx(c), f1 = follower_idx(c, -1), l2;
	u64 a, b;

	ASSERT_EQ(0, lock(c, f1, 1, "z", DL_MODE_EX, 0, 0, &a));
	run_ms(c, 5);
	ASSERT_NE(NULL, find_ev(c, f1, DL_LEV_GRANTED, a));
	ASSERT_EQ(0, lock(c, l, 2, "z", DL_MODE_EX, 0, 0, &b));
	run_ms(c, 5);
	c->cut[l] = true;
	run_ms(c, 600);
	c->cut[l] = false;
	run_ms(c, 1500);
	l2 = leader_idx(c);
	ASSERT_GE(l2, 0);
	ASSERT_NE(l, l2);
	EXPECT_EQ(0, dl_node_counters(c->node[l])->leases_lost);
	ASSERT_EQ(0, dl_node_unlock(c->node[f1], 1, a, NULL, 0));
	run_ms(c, 1500);
	EXPECT_NE(NULL, find_ev(c, l, DL_LEV_GRANTED, b));
	EXPECT_EQ(0, dl_node_counters(c->node[l2])->drops[DL_DROP_BODY]);
	cell_free(c);
}

TEST(conversion_writes_value_block)
{
	struct cell *c = cell_ready(_metadata, 3, 1);
	int f1 = follower_idx(c, -1), m = 3;
	u8 val[32] = "the value";
	struct dl_lock_args cv = {
		.owner = 1, .cookie = 11, .mode = DL_MODE_PR,
		.flags = DL_LKF_CONVERT | DL_LKF_VALBLK,
		.lvb = val, .lvb_len = sizeof(val),
	};
	const struct rec_ev *g1, *g2, *g3;
	u64 a, b, rq, id;

	ASSERT_EQ(0, lock(c, f1, 1, "v", DL_MODE_EX, 0, 0, &a));
	run_ms(c, 5);
	g1 = find_ev(c, f1, DL_LEV_GRANTED, a);
	ASSERT_NE(NULL, g1);
	/* down-convert EX -> PR, writing the value block */
	cv.lock_id = a;
	ASSERT_EQ(0, dl_node_lock(c->node[f1], &cv, &rq, &id));
	EXPECT_EQ(a, id);
	EXPECT_EQ(-EBUSY, dl_node_lock(c->node[f1], &cv, &rq, &id));
	run_ms(c, 5);
	ASSERT_EQ(2, count_ev(c, f1, DL_LEV_GRANTED, a));
	g2 = &c->ev[f1][c->nev[f1] - 1];
	EXPECT_EQ(DL_MODE_PR, g2->ev.mode);
	EXPECT_GT(g2->ev.token, g1->ev.token);
	/* a member reads it with its own PR grant */
	ASSERT_EQ(0, lock(c, m, 2, "v", DL_MODE_PR, DL_LKF_VALBLK, 0, &b));
	run_ms(c, 5);
	g3 = find_ev(c, m, DL_LEV_GRANTED, b);
	ASSERT_NE(NULL, g3);
	ASSERT_EQ(32, g3->ev.lvb_len);
	EXPECT_EQ(0, memcmp(g3->ev.lvb, val, sizeof(val)));
	cell_free(c);
}

/*
 * A voter that crashes and comes back under a new incarnation announces its
 * new session; its old locks go at once (NODE_INCARNATION), without waiting
 * for its old lease to run out.
 */
TEST(restart_releases_old_locks)
{
	struct cell *c = cell_ready(_metadata, 3, 0);
	int f1 = follower_idx(c, -1), f2 = follower_idx(c, f1);
	const struct rec_ev *g1, *g2;
	u64 a, b, t0;

	ASSERT_EQ(0, lock(c, f1, 1, "k", DL_MODE_EX, 0, 0, &a));
	run_ms(c, 5);
	g1 = find_ev(c, f1, DL_LEV_GRANTED, a);
	ASSERT_NE(NULL, g1);
	ASSERT_EQ(0, lock(c, f2, 2, "k", DL_MODE_EX, 0, 0, &b));
	run_ms(c, 5);
	dl_node_destroy(c->node[f1]);
	c->node[f1] = NULL;
	c->env[f1].timer_armed = false;
	run_ms(c, 50);
	t0 = c->now;
	cell_add_at(c, f1, c->id[f1], true, 3, 2);
	ASSERT_NE(NULL, c->node[f1]);
	run_ms(c, 400);
	g2 = find_ev(c, f2, DL_LEV_GRANTED, b);
	ASSERT_NE(NULL, g2);
	EXPECT_GT(g2->ev.token, g1->ev.token);
	/* well before lease + lock-delay (1.5 s) would have expired it */
	EXPECT_LT(g2->at - t0, 500 * MS);
	cell_free(c);
}

/*
 * The leader that heard a node's new session lost office before the
 * NODE_INCARNATION it proposed committed.  The node had been answered, so
 * it did not announce the session again, and the new leader had forgotten
 * every peer's session: the old session's lock stayed held for good (the
 * node kept renewing, so it was never expired either).  The announcement
 * must go on until the incarnation is applied.
 */
static int incarn_leader;		/* the leader whose entries go nowhere */

/* Drop incarn_leader's APPENDs that carry entries. */
static bool drop_entries(struct cell *c, int s, int d, const void *buf,
			 size_t len)
{
	struct dl_wire_reader rd;
	struct dl_wire_hdr hdr;
	struct dl_wire_op op;

	if (s != incarn_leader || !c->voter[d] ||
	    dl_wire_open(buf, len, 1, c->id[d], &hdr, &rd))
		return false;
	while (dl_wire_next(&rd, &op))
		if (op.type == dl_wire_raft_op(DL_RAFT_MSG_APPEND) &&
		    op.len >= 4 && (op.body[2] || op.body[3]))
			return true;
	return false;
}

TEST(new_session_announced_again_to_the_next_leader)
{
	struct cell *c = cell_ready(_metadata, 3, 1);
	int m = 3, l = leader_idx(c), f = follower_idx(c, -1), n, waited;
	const struct dl_counters *mc = dl_node_counters(c->node[m]);
	u64 held, next, hello, heard;

	ASSERT_GE(l, 0);
	ASSERT_EQ(0, lock(c, m, 1, "x", DL_MODE_EX, 0, 0, &held));
	run_ms(c, 20);
	ASSERT_NE(NULL, find_ev(c, m, DL_LEV_GRANTED, held));
	/* the member is not heard: its lease runs out, a new session */
	c->mute[m] = true;
	for (waited = 0; waited < 5000 && !mc->leases_lost; waited++)
		run_ms(c, 1);
	ASSERT_EQ(1, mc->leases_lost);
	/* heard again; the leader's entries reach no voter from now on */
	incarn_leader = l;
	c->drop = drop_entries;
	hello = mc->tx_ops[DL_OP_HELLO];
	heard = dl_node_counters(c->node[l])->rx_ops[DL_OP_HELLO];
	c->mute[m] = false;
	for (waited = 0; waited < 3000 &&
	     dl_node_counters(c->node[l])->rx_ops[DL_OP_HELLO] == heard;
	     waited++)
		run_ms(c, 1);
	ASSERT_GT(mc->tx_ops[DL_OP_HELLO], hello);
	run_ms(c, 300);
	/* the leader goes before its NODE_INCARNATION commits */
	c->cut[l] = true;
	n = wait_leader_idx(c, 5000);
	ASSERT_GE(n, 0);
	ASSERT_NE(l, n);
	c->cut[l] = false;
	c->drop = NULL;
	/* another owner asks for the lock the old session held */
	ASSERT_EQ(0, lock(c, f, 2, "x", DL_MODE_EX, 0, 0, &next));
	wait_ev(c, f, DL_LEV_GRANTED, next, 10000);
	EXPECT_NE(NULL, find_ev(c, f, DL_LEV_GRANTED, next));
	/* by the incarnation, not by expiry: the member was heard */
	EXPECT_EQ(0, dl_node_counters(c->node[leader_idx(c)])->nodes_expired);
	cell_free(c);
}

/*
 * A member learns that the cell took its lock away only from the leader's
 * REVOKED, which the leader sends until the member acknowledges it (to the
 * leader only).  One lost around a leader change was never sent again: the
 * new leader had not sent it and did not know of it.  Here the cell
 * expires the member's lock while its lease holds (EXPIRE_NODE proposed on
 * the leader directly: what the lease timing never lets happen, but what
 * REVOKED exists for), every EVENT from the leader to the member is lost,
 * and the leader is cut off.  The next leader must tell the member.
 */
static int revoked_leader, revoked_member;

static bool drop_events(struct cell *c, int s, int d, const void *buf,
			size_t len)
{
	struct dl_wire_reader rd;
	struct dl_wire_hdr hdr;
	struct dl_wire_op op;

	if (s != revoked_leader || d != revoked_member ||
	    dl_wire_open(buf, len, 1, c->id[d], &hdr, &rd))
		return false;
	while (dl_wire_next(&rd, &op))
		if (op.type == DL_OP_EVENT)
			return true;
	return false;
}

TEST(revoked_lost_around_leader_change_is_sent_again)
{
	struct cell *c = cell_ready(_metadata, 3, 1);
	struct dl_lt_cmd cmd = { .type = DL_LT_CMD_EXPIRE_NODE };
	int m = 3, l = leader_idx(c), n;
	const struct dl_counters *mc = dl_node_counters(c->node[m]);
	u64 held;

	ASSERT_GE(l, 0);
	ASSERT_EQ(0, lock(c, m, 1, "y", DL_MODE_EX, 0, 0, &held));
	run_ms(c, 20);
	ASSERT_NE(NULL, find_ev(c, m, DL_LEV_GRANTED, held));
	revoked_leader = l;
	revoked_member = m;
	c->drop = drop_events;
	cmd.owner.node = c->id[m];
	dl_node_enter(c->node[l], false);
	ASSERT_EQ(0, dl_node_propose(c->node[l], &cmd));
	dl_node_leave(c->node[l]);
	/* committed and applied everywhere, the REVOKED lost */
	run_ms(c, 30);
	EXPECT_EQ(NULL, find_ev(c, m, DL_LEV_REVOKED, held));
	c->cut[l] = true;
	n = wait_leader_idx(c, 5000);
	ASSERT_GE(n, 0);
	ASSERT_NE(l, n);
	wait_ev(c, m, DL_LEV_REVOKED, held, 3000);
	EXPECT_NE(NULL, find_ev(c, m, DL_LEV_REVOKED, held));
	/* told by the cell, not by losing its own lease */
	EXPECT_EQ(0, mc->leases_lost);
	c->cut[l] = false;
	c->drop = NULL;
	cell_free(c);
}

TEST(release_owner_frees_everything)
{
	struct cell *c = cell_ready(_metadata, 3, 0);
	int f1 = follower_idx(c, -1), f2 = follower_idx(c, f1);
	u64 a1, a2, b;
	struct dl_node_status st;

	ASSERT_EQ(0, lock(c, f1, 7, "p", DL_MODE_EX, 0, 0, &a1));
	ASSERT_EQ(0, lock(c, f1, 7, "s", DL_MODE_PR, 0, 0, &a2));
	run_ms(c, 10);
	ASSERT_EQ(0, lock(c, f2, 8, "p", DL_MODE_PR, 0, 0, &b));
	run_ms(c, 10);
	EXPECT_EQ(NULL, find_ev(c, f2, DL_LEV_GRANTED, b));
	ASSERT_EQ(0, dl_node_release_owner(c->node[f1], 7));
	dl_node_get_status(c->node[f1], &st);
	EXPECT_EQ(0, st.local_locks);
	run_ms(c, 10);
	EXPECT_NE(NULL, find_ev(c, f2, DL_LEV_GRANTED, b));
	/* no events to the owner that is gone */
	EXPECT_EQ(0, count_ev(c, f1, DL_LEV_UNLOCKED, 0));
	EXPECT_EQ(-ENOENT, dl_node_unlock(c->node[f1], 7, a1, NULL, 0));
	cell_free(c);
}

/*
 * An owner's release (its file closed) frees its local state at once and
 * tells the cell with a RELEASE_OWNER.  When that request could not be
 * allocated, dl_node_release_owner() returned -ENOMEM, which its caller
 * (a file's release, which cannot fail) ignored, and nothing tried again:
 * the cell kept the owner's granted lock for as long as the node's session
 * lived, and a waiter on it waited for ever (the failslab hang of session
 * 5).  Here each allocation the release makes fails in turn (the 1st to
 * the 6th; later ones never come); the waiter must be granted all the
 * same, and the cell must end up with the owners it had before.
 */
TEST(release_owner_lacking_memory_is_retried)
{
	struct cell *c = cell_ready(_metadata, 3, 0);
	int f1 = follower_idx(c, -1), f2 = follower_idx(c, f1);
	u64 a, b, owners, failed_total = 0, owner;
	struct dl_node_status st;
	int nth, ret;

	for (nth = 1; nth <= 6; nth++) {
		owner = 10 + nth;
		ASSERT_EQ(0, lock(c, f1, owner, "p", DL_MODE_EX, 0, 0, &a));
		run_ms(c, 20);
		ASSERT_NE(NULL, find_ev(c, f1, DL_LEV_GRANTED, a));
		ASSERT_EQ(0, lock(c, f2, owner + 100, "p", DL_MODE_PR, 0, 0,
				  &b));
		run_ms(c, 20);
		ASSERT_EQ(NULL, find_ev(c, f2, DL_LEV_GRANTED, b));
		owners = lt_owners(c);
		memset(&unit_fail_alloc, 0, sizeof(unit_fail_alloc));
		unit_fail_alloc.node_id = c->id[f1];
		unit_fail_alloc.nth = nth;
		unit_fail_alloc.current = c->id[f1];
		ret = dl_node_release_owner(c->node[f1], owner);
		unit_fail_alloc.current = 0;
		/* the owner is gone whatever the node's memory */
		EXPECT_EQ(0, ret) TH_LOG("allocation %d failed", nth);
		dl_node_get_status(c->node[f1], &st);
		EXPECT_EQ(0, st.local_locks);
		EXPECT_EQ(-ENOENT, dl_node_unlock(c->node[f1], owner, a,
						  NULL, 0));
		wait_ev(c, f2, DL_LEV_GRANTED, b, 3000);
		failed_total += unit_fail_alloc.failed;
		memset(&unit_fail_alloc, 0, sizeof(unit_fail_alloc));
		EXPECT_NE(NULL, find_ev(c, f2, DL_LEV_GRANTED, b))
			TH_LOG("allocation %d of the release failed", nth);
		run_ms(c, 200);
		/* the holder's owner is forgotten, the waiter's is known */
		EXPECT_EQ(owners - 1, lt_owners(c))
			TH_LOG("allocation %d of the release failed", nth);
		ASSERT_EQ(0, dl_node_release_owner(c->node[f2], owner + 100));
		run_ms(c, 200);
	}
	EXPECT_GT(failed_total, 0);
	/* nothing of it left on f1 (ASan checks the memory at cell_free) */
	dl_node_get_status(c->node[f1], &st);
	EXPECT_EQ(0, st.local_locks);
	cell_free(c);
}

/*
 * The same while the node has no memory at all for a while: the release
 * waits for it (the id stays taken meanwhile: a lock of it would be
 * released too), then goes out.
 */
TEST(release_owner_waits_out_no_memory)
{
	struct cell *c = cell_ready(_metadata, 3, 0);
	int f1 = follower_idx(c, -1), f2 = follower_idx(c, f1);
	u64 a, b, owners;

	ASSERT_EQ(0, lock(c, f1, 7, "p", DL_MODE_EX, 0, 0, &a));
	run_ms(c, 20);
	ASSERT_NE(NULL, find_ev(c, f1, DL_LEV_GRANTED, a));
	ASSERT_EQ(0, lock(c, f2, 8, "p", DL_MODE_PR, 0, 0, &b));
	run_ms(c, 20);
	owners = lt_owners(c);
	memset(&unit_fail_alloc, 0, sizeof(unit_fail_alloc));
	unit_fail_alloc.node_id = c->id[f1];
	unit_fail_alloc.permille = 1000;
	unit_fail_alloc.current = c->id[f1];
	EXPECT_EQ(0, dl_node_release_owner(c->node[f1], 7));
	EXPECT_EQ(-EBUSY, lock(c, f1, 7, "q", DL_MODE_EX, 0, 0, &a));
	unit_fail_alloc.current = 0;
	run_ms(c, 1000);
	EXPECT_EQ(NULL, find_ev(c, f2, DL_LEV_GRANTED, b));
	EXPECT_EQ(owners, lt_owners(c));
	EXPECT_GT(unit_fail_alloc.failed, 1);	/* tried again, and again */
	memset(&unit_fail_alloc, 0, sizeof(unit_fail_alloc));
	wait_ev(c, f2, DL_LEV_GRANTED, b, 3000);
	EXPECT_NE(NULL, find_ev(c, f2, DL_LEV_GRANTED, b));
	run_ms(c, 200);
	EXPECT_EQ(owners - 1, lt_owners(c));
	/* the id is free again */
	EXPECT_EQ(0, lock(c, f1, 7, "q", DL_MODE_EX, 0, 0, &a));
	run_ms(c, 50);
	EXPECT_NE(NULL, find_ev(c, f1, DL_LEV_GRANTED, a));
	cell_free(c);
}

/*
 * A request goes to the cell only once the node has a record of its owner
 * (without it the owner's release would never be sent): the record's
 * allocation failing holds the request back until it can be made.
 */
TEST(request_waits_for_its_owner_record)
{
	struct cell *c = cell_ready(_metadata, 3, 0);
	int f1 = follower_idx(c, -1), f2 = follower_idx(c, f1), nth;
	u64 a, b, owners, failed_total = 0;

	owners = lt_owners(c);
	for (nth = 1; nth <= 4; nth++) {
		memset(&unit_fail_alloc, 0, sizeof(unit_fail_alloc));
		unit_fail_alloc.node_id = c->id[f1];
		unit_fail_alloc.nth = nth;
		unit_fail_alloc.current = c->id[f1];
		a = 0;
		if (lock(c, f1, 20 + nth, "w", DL_MODE_EX, 0, 0, &a)) {
			/* refused at once: nothing happened */
			unit_fail_alloc.current = 0;
			failed_total += unit_fail_alloc.failed;
			continue;
		}
		unit_fail_alloc.current = 0;
		wait_ev(c, f1, DL_LEV_GRANTED, a, 3000);
		failed_total += unit_fail_alloc.failed;
		memset(&unit_fail_alloc, 0, sizeof(unit_fail_alloc));
		ASSERT_NE(NULL, find_ev(c, f1, DL_LEV_GRANTED, a))
			TH_LOG("allocation %d failed", nth);
		ASSERT_EQ(0, lock(c, f2, 30 + nth, "w", DL_MODE_EX, 0, 0, &b));
		run_ms(c, 20);
		/* the release finds the record, and the waiter gets it */
		ASSERT_EQ(0, dl_node_release_owner(c->node[f1], 20 + nth));
		wait_ev(c, f2, DL_LEV_GRANTED, b, 3000);
		EXPECT_NE(NULL, find_ev(c, f2, DL_LEV_GRANTED, b))
			TH_LOG("allocation %d failed", nth);
		ASSERT_EQ(0, dl_node_release_owner(c->node[f2], 30 + nth));
		run_ms(c, 200);
		EXPECT_EQ(owners, lt_owners(c))
			TH_LOG("allocation %d failed", nth);
	}
	EXPECT_GT(failed_total, 0);
	cell_free(c);
}

/*
 * A cancel of a waiting request whose CANCEL cannot be allocated.  The
 * chardev cancels a blocking lock interrupted by a signal and then waits
 * for the request's end (so that a grant which won the race is not lost);
 * dl_node_cancel() returned -ENOMEM, which it ignored, and the request
 * waited on in the cell for as long as the holder held: with a holder of
 * the same process, for ever (kfuzz_ioctl under failslab).  The CANCEL
 * must go out once there is memory, and the waiter end -ECANCELED.
 */
TEST(cancel_lacking_memory_is_sent_later)
{
	struct cell *c = cell_ready(_metadata, 3, 0);
	int f1 = follower_idx(c, -1), f2 = follower_idx(c, f1), nth;
	u64 a, b, failed_total = 0;
	const struct rec_ev *f;

	ASSERT_EQ(0, lock(c, f1, 1, "c", DL_MODE_EX, 0, 0, &a));
	run_ms(c, 20);
	ASSERT_NE(NULL, find_ev(c, f1, DL_LEV_GRANTED, a));
	for (nth = 1; nth <= 3; nth++) {
		ASSERT_EQ(0, lock(c, f2, 10 + nth, "c", DL_MODE_PR, 0, 0, &b));
		run_ms(c, 20);
		ASSERT_EQ(NULL, find_ev(c, f2, DL_LEV_FAILED, b));
		memset(&unit_fail_alloc, 0, sizeof(unit_fail_alloc));
		unit_fail_alloc.node_id = c->id[f2];
		unit_fail_alloc.permille = 1000;
		unit_fail_alloc.current = c->id[f2];
		EXPECT_EQ(0, dl_node_cancel(c->node[f2], 10 + nth, b))
			TH_LOG("round %d", nth);
		/* asked again while it waits for memory: nothing more */
		EXPECT_EQ(0, dl_node_cancel(c->node[f2], 10 + nth, b));
		unit_fail_alloc.current = 0;
		/* every allocation of f2 failing for a while (nth * 100 ms) */
		run_ms(c, nth * 100);
		EXPECT_EQ(NULL, find_ev(c, f2, DL_LEV_FAILED, b));
		failed_total += unit_fail_alloc.failed;
		memset(&unit_fail_alloc, 0, sizeof(unit_fail_alloc));
		wait_ev(c, f2, DL_LEV_FAILED, b, 3000);
		f = find_ev(c, f2, DL_LEV_FAILED, b);
		ASSERT_NE(NULL, f) TH_LOG("round %d", nth);
		EXPECT_EQ(-ECANCELED, f->ev.status);
		EXPECT_EQ(NULL, find_ev(c, f2, DL_LEV_GRANTED, b));
	}
	EXPECT_GT(failed_total, 0);
	/* the holder never let go; the cell has no waiter left behind it */
	ASSERT_EQ(0, dl_node_unlock(c->node[f1], 1, a, NULL, 0));
	run_ms(c, 100);
	EXPECT_NE(NULL, find_ev(c, f1, DL_LEV_UNLOCKED, a));
	cell_free(c);
}

TEST(lost_grant_recovered_by_retry_once)
{
	struct cell *c = cell_ready(_metadata, 3, 1);
	int l = leader_idx(c), m = 3;
	u64 a;

	ASSERT_EQ(100, c->id[m]);
	/* the member's request gets through, the grant does not */
	c->cut_from = c->id[l];
	c->cut_to = c->id[m];
	ASSERT_EQ(0, lock(c, m, 1, "d", DL_MODE_PR, 0, 0, &a));
	run_ms(c, 20);
	EXPECT_EQ(NULL, find_ev(c, m, DL_LEV_GRANTED, a));
	c->cut_from = 0;
	run_ms(c, 1000);
	EXPECT_EQ(1, count_ev(c, m, DL_LEV_GRANTED, a));
	EXPECT_GE(dl_node_counters(c->node[m])->retries, 1);
	/* the leader saw the retransmission and answered from the record */
	EXPECT_GE(dl_node_counters(c->node[l])->dup_requests, 1);
	cell_free(c);
}

TEST(member_locks_through_leader)
{
	struct cell *c = cell_ready(_metadata, 3, 2);
	int m1 = 3, m2 = 4;
	u64 a, b, before, acq;
	struct dl_node_status st;
	const struct rec_ev *ga, *gb;

	dl_node_get_status(c->node[m1], &st);
	EXPECT_EQ(DL_STATE_MEMBER, st.state);
	EXPECT_TRUE(st.lease_valid);
	EXPECT_EQ(c->id[leader_idx(c)], st.leader_id);
	before = cause_ops(c, DL_CAUSE_ACQUIRE);
	ASSERT_EQ(0, lock(c, m1, 1, "m", DL_MODE_EX, 0, 0, &a));
	run_ms(c, 5);
	ga = find_ev(c, m1, DL_LEV_GRANTED, a);
	ASSERT_NE(NULL, ga);
	acq = cause_ops(c, DL_CAUSE_ACQUIRE) - before;
	EXPECT_EQ(6, acq);
	ASSERT_EQ(0, lock(c, m2, 1, "m", DL_MODE_EX, 0, 0, &b));
	run_ms(c, 50);
	/* members get BLOCKING by EVENT from the leader */
	EXPECT_EQ(1, count_ev(c, m1, DL_LEV_BLOCKING, a));
	ASSERT_EQ(0, dl_node_unlock(c->node[m1], 1, a, NULL, 0));
	run_ms(c, 50);
	gb = find_ev(c, m2, DL_LEV_GRANTED, b);
	ASSERT_NE(NULL, gb);
	EXPECT_GT(gb->ev.token, ga->ev.token);
	cell_free(c);
}

TEST(timeout_fails_and_undoes_late_grant)
{
	struct cell *c = cell_ready(_metadata, 3, 0);
	int f1 = follower_idx(c, -1), f2 = follower_idx(c, f1);
	const struct rec_ev *fl;
	u64 a, b, d;

	ASSERT_EQ(0, lock(c, f1, 1, "t", DL_MODE_EX, 0, 0, &a));
	run_ms(c, 5);
	ASSERT_EQ(0, lock(c, f2, 2, "t", DL_MODE_EX, 0, 100, &b));
	ASSERT_EQ(0, lock(c, f2, 3, "t", DL_MODE_EX, 0, 0, &d));
	run_ms(c, 150);
	fl = find_ev(c, f2, DL_LEV_FAILED, b);
	ASSERT_NE(NULL, fl);
	EXPECT_EQ(-ETIMEDOUT, fl->ev.status);
	EXPECT_EQ(1, dl_node_counters(c->node[f2])->timeouts);
	ASSERT_EQ(0, dl_node_unlock(c->node[f1], 1, a, NULL, 0));
	run_ms(c, 300);
	/* the timed-out request never gets it; the next waiter does */
	EXPECT_EQ(NULL, find_ev(c, f2, DL_LEV_GRANTED, b));
	EXPECT_NE(NULL, find_ev(c, f2, DL_LEV_GRANTED, d));
	cell_free(c);
}

/*
 * A conversion whose grant loses the race with its timeout: the owner was
 * told -ETIMEDOUT, so (as in the DLM) the lock stays in its old mode, in
 * the cell too, and others may share it again.
 */
TEST(timed_out_conversion_keeps_the_old_mode)
{
	struct cell *c = cell_ready(_metadata, 3, 0);
	int l = leader_idx(c), f1 = follower_idx(c, -1), f2 = follower_idx(c, f1);
	struct dl_lock_args cv = {
		.owner = 1, .mode = DL_MODE_EX, .flags = DL_LKF_CONVERT,
		.timeout_ms = 100,
	};
	const struct rec_ev *fl;
	u64 a, b, d, req, id;

	ASSERT_EQ(0, lock(c, f1, 1, "cv", DL_MODE_PR, 0, 0, &a));
	ASSERT_EQ(0, lock(c, f2, 2, "cv", DL_MODE_PR, 0, 0, &b));
	run_ms(c, 20);
	ASSERT_NE(NULL, find_ev(c, f1, DL_LEV_GRANTED, a));
	ASSERT_NE(NULL, find_ev(c, f2, DL_LEV_GRANTED, b));
	/* f1 asks for EX, which waits for f2's PR */
	cv.lock_id = a;
	ASSERT_EQ(0, dl_node_lock(c->node[f1], &cv, &req, &id));
	run_ms(c, 50);
	/* f2 lets go while f1 hears nothing from the leader: the grant
	 * reaches f1 only after its timeout fired */
	c->cut_from = c->id[l];
	c->cut_to = c->id[f1];
	ASSERT_EQ(0, dl_node_unlock(c->node[f2], 2, b, NULL, 0));
	run_ms(c, 100);
	fl = find_ev(c, f1, DL_LEV_FAILED, a);
	ASSERT_NE(NULL, fl);
	EXPECT_EQ(-ETIMEDOUT, fl->ev.status);
	c->cut_from = 0;
	run_ms(c, 500);
	/* the owner never sees EX granted, and the cell has PR again */
	EXPECT_EQ(1, count_ev(c, f1, DL_LEV_GRANTED, a));
	ASSERT_EQ(0, lock(c, f2, 3, "cv", DL_MODE_PR, DL_LKF_NOQUEUE, 0, &d));
	run_ms(c, 50);
	EXPECT_NE(NULL, find_ev(c, f2, DL_LEV_GRANTED, d));
	/* and the owner converts and unlocks its lock as usual */
	ASSERT_EQ(0, dl_node_unlock(c->node[f2], 3, d, NULL, 0));
	run_ms(c, 50);
	cv.timeout_ms = 0;
	ASSERT_EQ(0, dl_node_lock(c->node[f1], &cv, &req, &id));
	run_ms(c, 50);
	EXPECT_EQ(2, count_ev(c, f1, DL_LEV_GRANTED, a));
	ASSERT_EQ(0, dl_node_unlock(c->node[f1], 1, a, NULL, 0));
	run_ms(c, 50);
	EXPECT_NE(NULL, find_ev(c, f1, DL_LEV_UNLOCKED, a));
	cell_free(c);
}

TEST(noqueue_and_bad_arguments)
{
	struct cell *c = cell_ready(_metadata, 3, 0);
	int f1 = follower_idx(c, -1), f2 = follower_idx(c, f1);
	struct dl_lock_args x = {
		.owner = 3, .lockspace = (const u8 *)"nope",
		.ls_len = 4, .resource = (const u8 *)"r", .res_len = 1,
		.mode = DL_MODE_EX,
	};
	const struct rec_ev *fl;
	struct dl_node_status st;
	u64 a, b, rq;

	ASSERT_EQ(0, lock(c, f1, 1, "n", DL_MODE_PR, 0, 0, &a));
	run_ms(c, 5);
	ASSERT_EQ(0, lock(c, f2, 2, "n", DL_MODE_EX, DL_LKF_NOQUEUE, 0, &b));
	run_ms(c, 5);
	fl = find_ev(c, f2, DL_LEV_FAILED, b);
	ASSERT_NE(NULL, fl);
	EXPECT_EQ(-EAGAIN, fl->ev.status);
	/* a lockspace nobody created */
	ASSERT_EQ(0, dl_node_lock(c->node[f2], &x, &rq, &b));
	run_ms(c, 5);
	fl = find_ev(c, f2, DL_LEV_FAILED, b);
	ASSERT_NE(NULL, fl);
	EXPECT_EQ(-ENOENT, fl->ev.status);
	x.mode = 9;
	EXPECT_EQ(-EINVAL, dl_node_lock(c->node[f2], &x, &rq, &b));
	x.mode = DL_MODE_EX;
	x.owner = 0;
	EXPECT_EQ(-EINVAL, dl_node_lock(c->node[f2], &x, &rq, &b));
	EXPECT_EQ(-EPERM, dl_node_unlock(c->node[f1], 99, a, NULL, 0));
	EXPECT_EQ(-ENOENT, dl_node_unlock(c->node[f1], 1, 12345, NULL, 0));
	EXPECT_EQ(-EALREADY, dl_node_cancel(c->node[f1], 1, a));
	dl_node_get_status(c->node[f2], &st);
	EXPECT_EQ(0, st.pending_requests);
	cell_free(c);
}

TEST(bad_datagrams_are_dropped_and_counted)
{
	struct cell *c = cell_ready(_metadata, 3, 0);
	struct dl_node_status before, after;
	const struct dl_counters *ctr = dl_node_counters(c->node[0]);
	u8 junk[200];
	unsigned int seed = 7, i;
	u64 drops = 0;
	int k;

	dl_node_get_status(c->node[0], &before);
	for (i = 0; i < 2000; i++) {
		size_t len = rand_r(&seed) % sizeof(junk);

		for (k = 0; k < (int)len; k++)
			junk[k] = (u8)rand_r(&seed);
		if (len > 4) {
			/* often a plausible header, to reach deeper checks */
			junk[0] = 0x0c;
			junk[1] = 0xd1;
			junk[2] = 1;
		}
		EXPECT_NE(0, dl_node_recv(c->node[0], junk, len));
	}
	for (k = 0; k < DL_DROP_REASONS; k++)
		drops += ctr->drops[k];
	EXPECT_EQ(2000, drops);
	EXPECT_GT(ctr->drops[DL_DROP_CELL] + ctr->drops[DL_DROP_SHORT], 0);
	dl_node_get_status(c->node[0], &after);
	EXPECT_EQ(before.term, after.term);
	EXPECT_EQ(before.commit_index, after.commit_index);
	cell_free(c);
}

TEST(config_is_checked)
{
	struct dl_env env = { .node_id = 1 };
	struct dl_node_config cfg = {
		.node_id = 1, .cell_id = 1, .incarnation = 1,
		.role = DL_NODE_VOTER, .n_voters = 3, .voters = { 1, 2, 3 },
	};
	struct dl_node *n;

	cfg.voters[2] = 2;	/* duplicate voter */
	EXPECT_EQ(NULL, dl_node_create(&env, &cfg, &ops, &env));
	cfg.voters[2] = 3;
	cfg.role = DL_NODE_MEMBER;	/* a member among the voters */
	EXPECT_EQ(NULL, dl_node_create(&env, &cfg, &ops, &env));
	cfg.role = DL_NODE_VOTER;
	cfg.timeouts.lock_delay_ms = 10;	/* shorter than 2 elections */
	EXPECT_EQ(NULL, dl_node_create(&env, &cfg, &ops, &env));
	cfg.timeouts.lock_delay_ms = 0;
	/*
	 * Session ids are the incarnation shifted up: one that does not fit
	 * (a clock in ns did) would wrap and make a restart look older.
	 */
	cfg.incarnation = DL_NODE_INCARNATION_MAX + 1;
	EXPECT_EQ(NULL, dl_node_create(&env, &cfg, &ops, &env));
	cfg.incarnation = DL_NODE_INCARNATION_MAX;
	n = dl_node_create(&env, &cfg, &ops, &env);
	ASSERT_NE(NULL, n);
	dl_node_destroy(n);
	cfg.incarnation = 1;
	n = dl_node_create(&env, &cfg, &ops, &env);
	ASSERT_NE(NULL, n);
	EXPECT_TRUE(env.timer_armed);
	EXPECT_EQ(-EOPNOTSUPP, dl_node_peer_add(n, 9, DL_NODE_VOTER));
	EXPECT_EQ(0, dl_node_peer_add(n, 9, DL_NODE_MEMBER));
	EXPECT_EQ(-EEXIST, dl_node_peer_add(n, 9, DL_NODE_MEMBER));
	EXPECT_EQ(0, dl_node_peer_remove(n, 9));
	EXPECT_EQ(-ENOENT, dl_node_peer_remove(n, 9));
	dl_node_destroy(n);
}

/* Re-form: retry dl_node_reform() on @i every 10 ms until it is not busy. */
static int reform_when_allowed(struct cell *c, int i, u32 *n_voters)
{
	int err = -EBUSY, t;

	for (t = 0; t < 500 && err == -EBUSY; t++) {
		run_ms(c, 10);
		err = dl_node_reform(c->node[i], n_voters);
	}
	return err;
}

TEST(reform_refused_while_the_cell_works)
{
	struct cell *c = cell_ready(_metadata, 3, 1);
	int l = leader_idx(c), f = follower_idx(c, -1), m = 3;
	struct dl_node_status st;
	u64 term;

	ASSERT_LE(0, l);
	dl_node_get_status(c->node[l], &st);
	term = st.term;
	EXPECT_EQ(-EBUSY, dl_node_reform(c->node[l], NULL));
	EXPECT_EQ(-EBUSY, dl_node_reform(c->node[f], NULL));
	EXPECT_EQ(-EPERM, dl_node_reform(c->node[m], NULL));
	/* one follower lost: the other two are a majority, still refused */
	c->cut[follower_idx(c, f)] = true;
	run_ms(c, 2000);
	EXPECT_EQ(-EBUSY, dl_node_reform(c->node[f], NULL));
	EXPECT_EQ(-EBUSY, dl_node_reform(c->node[l], NULL));
	dl_node_get_status(c->node[l], &st);
	EXPECT_EQ(DL_STATE_LEADER, st.state);
	EXPECT_EQ(term, st.term);
	cell_free(c);
}

/*
 * 5 voters and a member; the leader and two followers are lost for good.
 * A survivor re-forms: it leads the two survivors, every lock is revoked
 * (the REVOKED to the member is lost once and sent again until it is
 * acknowledged), tokens move on, and the new cell grants locks.
 */
TEST(reform_after_losing_the_majority_revokes_and_serves)
{
	struct cell *c = cell_ready(_metadata, 5, 1);
	int l = leader_idx(c), s1 = -1, s2 = -1, m = 5, i, lost = 0;
	const struct rec_ev *ga, *gb, *gc, *gn;
	struct dl_node_status st;
	u64 a, b, d, n, acks_before;
	u32 nv = 0;

	ASSERT_LE(0, l);
	ASSERT_EQ(100, c->id[m]);
	for (i = 0; i < 5; i++) {
		if (i == l)
			continue;
		if (s1 < 0)
			s1 = i;
		else if (s2 < 0)
			s2 = i;
	}
	/* a lock on a node to be lost, on a survivor, on the member */
	for (i = 0; i < 5; i++)
		if (i != l && i != s1 && i != s2)
			lost = i;
	ASSERT_EQ(0, lock(c, lost, 1, "x", DL_MODE_EX, 0, 0, &a));
	ASSERT_EQ(0, lock(c, s1, 1, "y", DL_MODE_EX, 0, 0, &b));
	ASSERT_EQ(0, lock(c, m, 1, "z", DL_MODE_EX, 0, 0, &d));
	run_ms(c, 50);
	ga = find_ev(c, lost, DL_LEV_GRANTED, a);
	gb = find_ev(c, s1, DL_LEV_GRANTED, b);
	gc = find_ev(c, m, DL_LEV_GRANTED, d);
	ASSERT_NE(NULL, ga);
	ASSERT_NE(NULL, gb);
	ASSERT_NE(NULL, gc);

	for (i = 0; i < 5; i++)
		if (i != s1 && i != s2)
			c->cut[i] = true;
	ASSERT_EQ(0, reform_when_allowed(c, s1, &nv));
	EXPECT_EQ(2, nv);
	/*
	 * The greeting went out with the re-form; the REFORM entry commits
	 * once s2 answers, and the REVOKED it produces for the member is lost.
	 */
	acks_before = dl_node_counters(c->node[s1])->rx_ops[DL_OP_EVENT_ACK];
	c->cut_from = c->id[s1];
	c->cut_to = c->id[m];
	run_ms(c, 30);
	EXPECT_EQ(0, count_ev(c, m, DL_LEV_REVOKED, d));
	c->cut_from = 0;
	run_ms(c, 1000);
	EXPECT_EQ(1, count_ev(c, m, DL_LEV_REVOKED, d));
	EXPECT_EQ(0, dl_node_counters(c->node[m])->leases_lost);
	EXPECT_GE(dl_node_counters(c->node[s1])->rx_ops[DL_OP_EVENT_ACK],
		  acks_before + 1);
	/* acknowledged: no more resends after a while */
	n = dl_node_counters(c->node[s1])->tx_ops[DL_OP_EVENT];
	run_ms(c, 1000);
	EXPECT_EQ(n, dl_node_counters(c->node[s1])->tx_ops[DL_OP_EVENT]);

	EXPECT_EQ(1, count_ev(c, s1, DL_LEV_REVOKED, b));
	dl_node_get_status(c->node[s1], &st);
	EXPECT_EQ(DL_STATE_LEADER, st.state);
	EXPECT_EQ(2, st.n_voters);
	dl_node_get_status(c->node[s2], &st);
	EXPECT_EQ(c->id[s1], st.leader_id);
	dl_node_get_status(c->node[m], &st);
	EXPECT_EQ(c->id[s1], st.leader_id);

	/* the lost node's lock is free, with a token above every old one */
	ASSERT_EQ(0, lock(c, s2, 2, "x", DL_MODE_EX, DL_LKF_NOQUEUE, 0, &n));
	run_ms(c, 50);
	gn = find_ev(c, s2, DL_LEV_GRANTED, n);
	ASSERT_NE(NULL, gn);
	EXPECT_GT(gn->ev.token, ga->ev.token);
	EXPECT_GT(gn->ev.token, gb->ev.token);
	EXPECT_GT(gn->ev.token, gc->ev.token);
	/* and the member locks through the new leader */
	ASSERT_EQ(0, lock(c, m, 3, "z", DL_MODE_EX, DL_LKF_NOQUEUE, 0, &n));
	run_ms(c, 50);
	EXPECT_NE(NULL, find_ev(c, m, DL_LEV_GRANTED, n));
	cell_free(c);
}

TEST_HARNESS_MAIN
