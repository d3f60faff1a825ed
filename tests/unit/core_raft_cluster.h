/* SPDX-License-Identifier: GPL-2.0 */
/*
 * core_raft_cluster.h - a small deterministic cell of dl_raft instances for
 * the Raft unit tests: a manual clock, one message queue with per-message
 * delivery time (so delay and reordering), loss, partitions, crashes and
 * restarts, a toy state machine with streaming snapshots, and safety
 * observers that every test gets for free:
 *
 *   - at most one leader per term (checked on every role change);
 *   - every index is applied with the same entry on every node, exactly
 *     once and in order (checked on every apply);
 *   - at most one node holds a valid leader lease at any instant (checked
 *     after every event);
 *   - a well-formed message is never refused as malformed.
 *
 * A test reads c->violations (and c->why) at the end.
 */
#ifndef DLOCK_TESTS_CORE_RAFT_CLUSTER_H
#define DLOCK_TESTS_CORE_RAFT_CLUSTER_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "env_unit.h"
#include "raft.h"
#include "wire.h"

#define TC_MAXN		8
#define TC_MAX_INDEX	(1U << 16)
#define TC_MAX_TERMS	4096
#define MS		1000000ULL

struct tc_msg {
	struct dl_raft_msg m;
	struct dl_raft_entry ents[DL_RAFT_MAX_ENTRIES];
	u8 *blob;
	u64 at;
	u64 seq;
};

/* One applied entry of the toy state machine. */
struct tc_rec {
	u64 term;
	u8 type;
	u8 set;
	u32 val;		/* first 4 bytes of the data, 0 if none */
};

struct tc_cluster;

struct tc_node {
	struct tc_cluster *c;
	struct dl_env env;
	u32 id;
	u64 inc;
	bool up;
	struct dl_raft *r;
	u64 applied;		/* state machine's own count */
	struct tc_rec *sm;	/* by index, 1..TC_MAX_INDEX-1 */
	u8 *ld;			/* snapshot being loaded */
	size_t ld_len, ld_cap;
	u32 fixed_random;	/* next calls of ops->random that return 0 */
	u32 leaderships;	/* times it became leader */
	u32 reforms_applied;
	u32 snapshots_loaded;
	u32 refuse_applies;	/* next applies that fail with -ENOMEM */
	u32 refused;		/* applies refused so far */
	u32 refuse_loads;	/* next snapshot chunks that fail with -ENOMEM */
};

struct tc_cluster {
	struct tc_node n[TC_MAXN + 1];	/* by id, 1..nr */
	u32 nr;
	u64 now;
	struct dl_raft_config cfg;	/* template: voters, tunables */
	struct tc_msg **q;
	size_t qn, qcap;
	u64 seq;
	bool cut[TC_MAXN + 1][TC_MAXN + 1];
	u32 drop_pct;
	u64 delay_min, delay_max;
	u64 rng;
	/* optional: see or change a message; false drops it */
	bool (*filter)(struct tc_cluster *c, struct dl_raft_msg *m);
	void *farg;
	/* observers */
	u64 term_of[TC_MAX_TERMS];
	u32 leader_of[TC_MAX_TERMS];
	u32 nterms;
	struct tc_rec global[TC_MAX_INDEX];
	bool check_global;		/* off across a re-form */
	u32 violations;
	char why[256];
	/* toy snapshot: filler bytes per entry, to reach a real table's size */
	u32 snap_pad;
	/* message counts by type */
	unsigned long sent[DL_RAFT_MSG_TYPE_COUNT];
	unsigned long entries_sent;
};

static inline u64 tc_rand(struct tc_cluster *c)
{
	u64 x = c->rng ? c->rng : 0x9e3779b97f4a7c15ULL;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	c->rng = x;
	return x * 0x2545f4914f6cdd1dULL;
}

static inline void tc_violation(struct tc_cluster *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static inline void tc_violation(struct tc_cluster *c, const char *fmt, ...)
{
	va_list ap;

	if (!c->violations++) {
		va_start(ap, fmt);
		vsnprintf(c->why, sizeof(c->why), fmt, ap);
		va_end(ap);
	}
}

/* ---- ops ---------------------------------------------------------------- */

static void tc_send(void *ctx, const struct dl_raft_msg *m)
{
	struct tc_node *nd = ctx;
	struct tc_cluster *c = nd->c;
	struct tc_msg *t;
	size_t bytes = m->data_len, off = 0;
	u32 i;

	c->sent[m->type]++;
	c->entries_sent += m->nr_entries;
	/* the contract with wire_raft.c: every message fits one datagram */
	{
		static u8 body[DL_WIRE_MAX_BODY];
		int len = dl_wire_enc_raft(body, sizeof(body), m);

		if (len < 0)
			tc_violation(c, "%s of %u entries, %u bytes: encode %d",
				     dl_raft_msg_type_name(m->type),
				     m->nr_entries, m->data_len, len);
	}
	if (m->from != nd->id || !m->to || m->to > c->nr || m->to == m->from)
		tc_violation(c, "bad addressing %u->%u", m->from, m->to);
	if (c->cut[m->from][m->to])
		return;
	if (c->drop_pct && tc_rand(c) % 100 < c->drop_pct)
		return;
	t = calloc(1, sizeof(*t));
	t->m = *m;
	for (i = 0; i < m->nr_entries; i++)
		bytes += m->entries[i].len;
	t->blob = calloc(1, bytes + 1);
	for (i = 0; i < m->nr_entries; i++) {
		t->ents[i] = m->entries[i];
		if (m->entries[i].len)
			memcpy(t->blob + off, m->entries[i].data,
			       m->entries[i].len);
		t->ents[i].data = m->entries[i].len ? t->blob + off : NULL;
		off += m->entries[i].len;
	}
	t->m.entries = m->nr_entries ? t->ents : NULL;
	if (m->data_len) {
		memcpy(t->blob + off, m->data, m->data_len);
		t->m.data = t->blob + off;
	}
	if (c->filter && !c->filter(c, &t->m)) {
		free(t->blob);
		free(t);
		return;
	}
	t->at = c->now + c->delay_min;
	if (c->delay_max > c->delay_min)
		t->at += tc_rand(c) % (c->delay_max - c->delay_min + 1);
	t->seq = c->seq++;
	if (c->qn == c->qcap) {
		c->qcap = c->qcap ? 2 * c->qcap : 256;
		c->q = realloc(c->q, c->qcap * sizeof(*c->q));
	}
	c->q[c->qn++] = t;
}

static int tc_apply(void *ctx, u64 index, const struct dl_raft_entry *e)
{
	struct tc_node *nd = ctx;
	struct tc_cluster *c = nd->c;
	struct tc_rec rec = { .term = e->term, .type = e->type, .set = 1 };

	if (nd->refuse_applies) {
		nd->refuse_applies--;
		nd->refused++;
		return -ENOMEM;
	}
	if (e->len >= 4)
		memcpy(&rec.val, e->data, 4);
	if (index != nd->applied + 1)
		tc_violation(c, "node %u applied %llu after %llu", nd->id,
			     (unsigned long long)index,
			     (unsigned long long)nd->applied);
	if (index >= TC_MAX_INDEX) {
		tc_violation(c, "index %llu too large for the test",
			     (unsigned long long)index);
		return 0;
	}
	nd->applied = index;
	nd->sm[index] = rec;
	if (e->type == DL_RAFT_ENTRY_REFORM)
		nd->reforms_applied++;
	if (!c->check_global)
		return 0;
	if (!c->global[index].set) {
		c->global[index] = rec;
	} else if (c->global[index].term != rec.term ||
		   c->global[index].type != rec.type ||
		   c->global[index].val != rec.val) {
		tc_violation(c, "node %u applied %llu term %llu val %u, others term %llu val %u",
			     nd->id, (unsigned long long)index,
			     (unsigned long long)rec.term, rec.val,
			     (unsigned long long)c->global[index].term,
			     c->global[index].val);
	}
	return 0;
}

static void tc_role(void *ctx, enum dl_raft_role role, u64 term, u32 leader)
{
	struct tc_node *nd = ctx;
	struct tc_cluster *c = nd->c;
	u32 i;

	(void)leader;
	if (role != DL_RAFT_LEADER)
		return;
	nd->leaderships++;
	for (i = 0; i < c->nterms; i++) {
		if (c->term_of[i] != term)
			continue;
		if (c->leader_of[i] != nd->id)
			tc_violation(c, "two leaders in term %llu: %u and %u",
				     (unsigned long long)term, c->leader_of[i],
				     nd->id);
		return;
	}
	if (c->nterms < TC_MAX_TERMS) {
		c->term_of[c->nterms] = term;
		c->leader_of[c->nterms++] = nd->id;
	}
}

/*
 * Snapshot: u64 applied, then per index term u64, type u8, val u32 and
 * c->snap_pad filler bytes (a function of index and position, checked on
 * load).  Emitted in small odd pieces so the streaming paths are exercised.
 */
static inline u8 tc_pad_byte(u64 index, u32 k)
{
	return (u8)(index * 31 + k * 7 + 1);
}

static int tc_snapshot_save(void *ctx, dl_raft_emit_fn emit, void *sink)
{
	struct tc_node *nd = ctx;
	u32 pad = nd->c->snap_pad, k;
	u8 buf[37];
	size_t n = 0;
	u64 i;
	int err;

	memcpy(buf, &nd->applied, 8);
	n = 8;
	for (i = 1; i <= nd->applied; i++) {
		if (n + 13 > sizeof(buf)) {
			err = emit(sink, buf, n);
			if (err)
				return err;
			n = 0;
		}
		memcpy(buf + n, &nd->sm[i].term, 8);
		buf[n + 8] = nd->sm[i].type;
		memcpy(buf + n + 9, &nd->sm[i].val, 4);
		n += 13;
		for (k = 0; k < pad; k++) {
			if (n == sizeof(buf)) {
				err = emit(sink, buf, n);
				if (err)
					return err;
				n = 0;
			}
			buf[n++] = tc_pad_byte(i, k);
		}
	}
	return emit(sink, buf, n);
}

static int tc_snapshot_load(void *ctx, u64 offset, const void *buf,
			    size_t len, bool last)
{
	struct tc_node *nd = ctx;
	u32 pad = nd->c->snap_pad, k;
	size_t rec = 13 + pad;
	u64 applied, i;

	if (nd->refuse_loads) {
		nd->refuse_loads--;
		return -ENOMEM;
	}
	if (offset == 0)
		nd->ld_len = 0;
	if (offset != nd->ld_len)
		return -EINVAL;
	if (nd->ld_len + len > nd->ld_cap) {
		nd->ld_cap = (nd->ld_len + len) * 2;
		nd->ld = realloc(nd->ld, nd->ld_cap);
	}
	memcpy(nd->ld + nd->ld_len, buf, len);
	nd->ld_len += len;
	if (!last)
		return 0;
	if (nd->ld_len < 8)
		return -EINVAL;
	memcpy(&applied, nd->ld, 8);
	if (applied >= TC_MAX_INDEX || nd->ld_len != 8 + rec * applied)
		return -EINVAL;
	memset(nd->sm, 0, sizeof(*nd->sm) * TC_MAX_INDEX);
	for (i = 1; i <= applied; i++) {
		const u8 *p = nd->ld + 8 + rec * (i - 1);

		for (k = 0; k < pad; k++)
			if (p[13 + k] != tc_pad_byte(i, k))
				return -EINVAL;
		memcpy(&nd->sm[i].term, p, 8);
		nd->sm[i].type = p[8];
		memcpy(&nd->sm[i].val, p + 9, 4);
		nd->sm[i].set = 1;
	}
	nd->applied = applied;
	nd->snapshots_loaded++;
	return 0;
}

static u32 tc_random(void *ctx)
{
	struct tc_node *nd = ctx;

	if (nd->fixed_random) {
		nd->fixed_random--;
		return 0;
	}
	return dl_env_random(&nd->env);
}

static const struct dl_raft_ops tc_ops = {
	.send = tc_send,
	.apply = tc_apply,
	.role_change = tc_role,
	.snapshot_save = tc_snapshot_save,
	.snapshot_load = tc_snapshot_load,
	.random = tc_random,
};

/* ---- cluster ------------------------------------------------------------ */

/* Node @id comes (back) to life with an empty state. */
static inline int tc_start(struct tc_cluster *c, u32 id, bool bootstrap)
{
	struct tc_node *nd = &c->n[id];
	struct dl_raft_config cfg = c->cfg;

	nd->c = c;
	nd->id = id;
	nd->inc++;
	nd->env.node_id = id;
	nd->env.rng = c->rng ^ ((u64)id << 40) ^ nd->inc;
	if (!nd->sm)
		nd->sm = calloc(TC_MAX_INDEX, sizeof(*nd->sm));
	memset(nd->sm, 0, sizeof(*nd->sm) * TC_MAX_INDEX);
	nd->applied = 0;
	cfg.self_id = id;
	cfg.incarnation = nd->inc;
	cfg.bootstrap = bootstrap;
	cfg.env = &nd->env;
	nd->r = dl_raft_create(&cfg, &tc_ops, nd, c->now);
	nd->up = nd->r != NULL;
	return nd->r ? 0 : -1;
}

static inline void tc_crash(struct tc_cluster *c, u32 id)
{
	dl_raft_destroy(c->n[id].r);
	c->n[id].r = NULL;
	c->n[id].up = false;
}

/*
 * A cell of @nr nodes with ids 1..@nr; @voters of them (1..voters) vote.
 * Tunables not set in @tmpl get test defaults (10 ms heartbeats, 50..100 ms
 * elections, leases of 30 ms, PreVote and CheckQuorum on).
 */
static inline struct tc_cluster *tc_new(u32 nr, u32 voters, u64 seed,
					const struct dl_raft_config *tmpl)
{
	struct tc_cluster *c = calloc(1, sizeof(*c));
	u32 i;

	c->nr = nr;
	c->rng = seed * 2654435761ULL + 1;
	c->check_global = true;
	c->delay_min = 1 * MS;
	c->delay_max = 1 * MS;
	if (tmpl) {
		c->cfg = *tmpl;
	} else {
		c->cfg.prevote = true;
		c->cfg.check_quorum = true;
	}
	if (!c->cfg.election_min_ms)
		c->cfg.election_min_ms = 50;
	if (!c->cfg.election_max_ms)
		c->cfg.election_max_ms = 100;
	if (!c->cfg.heartbeat_ms)
		c->cfg.heartbeat_ms = 10;
	if (!c->cfg.lease_ms)
		c->cfg.lease_ms = 30;
	c->cfg.nr_voters = voters;
	for (i = 0; i < voters; i++)
		c->cfg.voters[i] = i + 1;
	for (i = 1; i <= nr; i++)
		if (tc_start(c, i, true))
			return NULL;
	return c;
}

static inline void tc_free(struct tc_cluster *c)
{
	u32 i;

	for (i = 1; i <= c->nr; i++) {
		dl_raft_destroy(c->n[i].r);
		free(c->n[i].sm);
		free(c->n[i].ld);
	}
	for (i = 0; i < c->qn; i++) {
		free(c->q[i]->blob);
		free(c->q[i]);
	}
	free(c->q);
	free(c);
}

/* Cut (or restore) both directions between @a and @b. */
static inline void tc_cut(struct tc_cluster *c, u32 a, u32 b, bool cut)
{
	c->cut[a][b] = cut;
	c->cut[b][a] = cut;
}

/* Cut @id off from everyone (or reconnect it). */
static inline void tc_isolate(struct tc_cluster *c, u32 id, bool cut)
{
	u32 i;

	for (i = 1; i <= c->nr; i++)
		if (i != id)
			tc_cut(c, id, i, cut);
}

static inline void tc_heal(struct tc_cluster *c)
{
	memset(c->cut, 0, sizeof(c->cut));
}

static inline void tc_check_leases(struct tc_cluster *c)
{
	u32 i, holders = 0, who = 0;

	for (i = 1; i <= c->nr; i++) {
		if (!c->n[i].up || !dl_raft_lease_valid(c->n[i].r, c->now))
			continue;
		if (holders++)
			tc_violation(c, "leases of %u and %u both valid at %llu ms",
				     who, i,
				     (unsigned long long)(c->now / MS));
		who = i;
	}
}

/* Deliver one message (the earliest) or run due timers; false if idle. */
static inline bool tc_step(struct tc_cluster *c, u64 until)
{
	u64 t = ~0ULL, d;
	size_t best = 0, i;
	u32 id;

	for (i = 0; i < c->qn; i++)
		if (c->q[i]->at < t ||
		    (c->q[i]->at == t && c->q[i]->seq < c->q[best]->seq)) {
			t = c->q[i]->at;
			best = i;
		}
	for (id = 1; id <= c->nr; id++) {
		if (!c->n[id].up)
			continue;
		d = dl_raft_next_deadline(c->n[id].r);
		if (d < t)
			t = d;
	}
	if (t > until)
		return false;
	if (t > c->now)
		c->now = t;
	if (c->qn && c->q[best]->at <= c->now) {
		struct tc_msg *m = c->q[best];
		struct tc_node *dst = &c->n[m->m.to];
		int err;

		c->q[best] = c->q[--c->qn];
		if (dst->up && !c->cut[m->m.from][m->m.to]) {
			err = dl_raft_step(dst->r, &m->m, c->now);
			if (err && err != -ESTALE)
				tc_violation(c, "node %u refused %s from %u: %d",
					     dst->id,
					     dl_raft_msg_type_name(m->m.type),
					     m->m.from, err);
		}
		free(m->blob);
		free(m);
	} else {
		for (id = 1; id <= c->nr; id++)
			if (c->n[id].up &&
			    dl_raft_next_deadline(c->n[id].r) <= c->now)
				dl_raft_tick(c->n[id].r, c->now);
	}
	tc_check_leases(c);
	return true;
}

/* Run the cell for @ns of virtual time. */
static inline void tc_run(struct tc_cluster *c, u64 ns)
{
	u64 until = c->now + ns;

	while (tc_step(c, until))
		;
	c->now = until;
}

/* The leader of the highest term among live nodes, 0 if none. */
static inline u32 tc_leader(struct tc_cluster *c)
{
	u32 i, who = 0;
	u64 best = 0;

	for (i = 1; i <= c->nr; i++) {
		struct dl_raft *r = c->n[i].r;

		if (c->n[i].up && dl_raft_role(r) == DL_RAFT_LEADER &&
		    dl_raft_term(r) >= best) {
			best = dl_raft_term(r);
			who = i;
		}
	}
	return who;
}

/* Run until some node leads (up to @max_ns); its id or 0. */
static inline u32 tc_wait_leader(struct tc_cluster *c, u64 max_ns)
{
	u64 end = c->now + max_ns;

	while (c->now < end) {
		tc_run(c, 5 * MS);
		if (tc_leader(c))
			return tc_leader(c);
	}
	return 0;
}

/* Propose a 4-byte value at @id; the index or 0 on refusal. */
static inline u64 tc_propose(struct tc_cluster *c, u32 id, u32 val)
{
	u8 data[8] = { 0 };
	u64 index = 0;

	memcpy(data, &val, 4);
	if (dl_raft_propose(c->n[id].r, data, sizeof(data), &index))
		return 0;
	return index;
}

/* Run until every live node applied @index (up to @max_ns). */
static inline bool tc_wait_applied(struct tc_cluster *c, u64 index,
				   u64 max_ns)
{
	u64 end = c->now + max_ns;
	u32 i;

	for (;;) {
		bool all = true;

		for (i = 1; i <= c->nr; i++)
			if (c->n[i].up && c->n[i].applied < index)
				all = false;
		if (all)
			return true;
		if (c->now >= end)
			return false;
		tc_run(c, 5 * MS);
	}
}

#endif /* DLOCK_TESTS_CORE_RAFT_CLUSTER_H */
