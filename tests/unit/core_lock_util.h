/* SPDX-License-Identifier: GPL-2.0 */
/*
 * core_lock_util.h - helpers shared by the lock-table unit tests
 * (core_lock*_test.c): an output recorder, command builders, snapshot to
 * memory.
 */
#ifndef DLOCK_TESTS_CORE_LOCK_UTIL_H
#define DLOCK_TESTS_CORE_LOCK_UTIL_H

#include <stdio.h>
#include <stdlib.h>

#include "locktable.h"

#define REC_MAX 32768

/* Every output of dl_lt_apply(), copied (value blocks included). */
struct rec {
	int n;
	struct dl_lt_out o[REC_MAX];
	u8 lvb[REC_MAX][DL_LT_LVB_MAX];
};

static inline void rec_fn(void *ctx, const struct dl_lt_out *out)
{
	struct rec *r = ctx;

	if (r->n >= REC_MAX) {
		fprintf(stderr, "rec overflow\n");
		abort();
	}
	r->o[r->n] = *out;
	if (out->lvb) {
		memcpy(r->lvb[r->n], out->lvb, out->lvb_len);
		r->o[r->n].lvb = r->lvb[r->n];
	}
	r->n++;
}

static inline struct rec *rec_new(void)
{
	return calloc(1, sizeof(struct rec));
}

static inline void rec_clear(struct rec *r)
{
	r->n = 0;
}

/* The first output of @type answering @req_id (any req_id if 0), or NULL. */
static inline const struct dl_lt_out *rec_find(const struct rec *r, u8 type,
					       u64 req_id)
{
	int i;

	for (i = 0; i < r->n; i++)
		if (r->o[i].type == type && (!req_id || r->o[i].req_id == req_id))
			return &r->o[i];
	return NULL;
}

static inline int rec_count(const struct rec *r, u8 type)
{
	int i, n = 0;

	for (i = 0; i < r->n; i++)
		n += r->o[i].type == type;
	return n;
}

static inline struct dl_lt_owner own(u32 node, u64 id)
{
	struct dl_lt_owner o = { .node = node, .incarnation = 1, .id = id };

	return o;
}

static inline struct dl_lt_cmd cmd_ls_create(struct dl_lt_owner o, u64 req,
					     const char *name, u8 lvb_len)
{
	struct dl_lt_cmd c = { .type = DL_LT_CMD_LS_CREATE, .owner = o,
			       .req_id = req, .lvb_len = lvb_len };

	c.name_len = (u8)strlen(name);
	memcpy(c.name, name, c.name_len);
	return c;
}

static inline struct dl_lt_cmd cmd_lock(struct dl_lt_owner o, u64 req,
					u32 ls, const char *res, u8 mode,
					u8 flags)
{
	struct dl_lt_cmd c = { .type = DL_LT_CMD_LOCK, .owner = o,
			       .req_id = req, .ls_id = ls, .mode = mode,
			       .flags = flags };

	c.name_len = (u8)strlen(res);
	memcpy(c.name, res, c.name_len);
	return c;
}

static inline struct dl_lt_cmd cmd_convert(struct dl_lt_owner o, u64 req,
					   u32 ls, u64 lock_id, u8 mode,
					   u8 flags)
{
	struct dl_lt_cmd c = { .type = DL_LT_CMD_LOCK, .owner = o,
			       .req_id = req, .ls_id = ls, .mode = mode,
			       .flags = flags | DL_LKF_CONVERT,
			       .lock_id = lock_id };

	return c;
}

static inline struct dl_lt_cmd cmd_unlock(struct dl_lt_owner o, u64 req,
					  u64 lock_id)
{
	struct dl_lt_cmd c = { .type = DL_LT_CMD_UNLOCK, .owner = o,
			       .req_id = req, .lock_id = lock_id };

	return c;
}

static inline struct dl_lt_cmd cmd_cancel(struct dl_lt_owner o, u64 req,
					  u64 lock_id, u64 target_req)
{
	struct dl_lt_cmd c = { .type = DL_LT_CMD_CANCEL, .owner = o,
			       .req_id = req, .lock_id = lock_id,
			       .target_req = target_req };

	return c;
}

static inline struct dl_lt_cmd cmd_node(u8 type, u32 node, u64 inc)
{
	struct dl_lt_cmd c = { .type = type };

	c.owner.node = node;
	c.owner.incarnation = inc;
	return c;
}

/* A growable byte buffer, as a snapshot sink. */
struct buf {
	u8 *p;
	size_t len, cap;
	size_t chunks;
};

static inline int buf_sink(void *ctx, const void *data, size_t len)
{
	struct buf *b = ctx;

	if (b->len + len > b->cap) {
		size_t cap = (b->cap ? b->cap * 2 : 4096) + len;
		u8 *p = realloc(b->p, cap);

		if (!p)
			return -ENOMEM;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, len);
	b->len += len;
	b->chunks++;
	return 0;
}

static inline void buf_free(struct buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* Snapshot @lt into a fresh buffer (caller frees); aborts on failure. */
static inline struct buf snap(const struct dl_lt *lt)
{
	struct buf b = { 0 };

	if (dl_lt_snapshot_save(lt, buf_sink, &b)) {
		fprintf(stderr, "snapshot failed\n");
		abort();
	}
	return b;
}

/* Load a snapshot fed in pieces of @step bytes; returns 0 or the error. */
static inline int load(const u8 *p, size_t len, size_t step,
		       struct dl_lt **out)
{
	struct dl_lt_loader *ld = dl_lt_load_begin();
	size_t off = 0;

	if (!ld)
		return -ENOMEM;
	while (off < len) {
		size_t n = len - off < step ? len - off : step;

		if (dl_lt_load_chunk(ld, p + off, n))
			break;
		off += n;
	}
	return dl_lt_load_end(ld, out);
}

static inline bool snap_equal(const struct dl_lt *a, const struct dl_lt *b)
{
	struct buf x = snap(a), y = snap(b);
	bool eq = x.len == y.len && !memcmp(x.p, y.p, x.len);

	buf_free(&x);
	buf_free(&y);
	return eq;
}


/* ---- random command streams (model and snapshot tests) ---- */

struct gen_lock {
	u64 id;
	u32 ls;
	struct dl_lt_owner owner;
};

struct gen {
	u64 rng;
	u64 req;		/* next request id (unique per owner: global) */
	struct dl_lt_cmd recent[16];	/* for duplicates */
	int nrecent;
	bool last_dup;		/* the last command was a repeat */
	u64 inc[5];		/* current incarnation per node (1..4) */
	u32 ls[3];		/* ids of lockspaces "one", "two", "three" */
	struct gen_lock locks[32];	/* recently granted */
	int nlocks;
	u64 ls_req;		/* the last LS_CREATE, for its answer */
	int ls_idx;
};

static inline void gen_init(struct gen *g, u64 seed)
{
	int i;

	memset(g, 0, sizeof(*g));
	g->rng = seed;
	g->req = 100;
	for (i = 0; i < 5; i++)
		g->inc[i] = 1;
	for (i = 0; i < 3; i++)
		g->ls[i] = i + 1;
}

static inline u32 gen_rnd(struct gen *g)
{
	u64 x = g->rng ? g->rng : 0x9e3779b97f4a7c15ULL;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	g->rng = x;
	return (u32)((x * 0x2545f4914f6cdd1dULL) >> 32);
}

static inline u32 gen_pick(struct gen *g, u32 n)
{
	return gen_rnd(g) % n;
}

/* An owner of the node's current incarnation, now and then an old one. */
static inline struct dl_lt_owner gen_owner(struct gen *g)
{
	struct dl_lt_owner o = { .node = 1 + gen_pick(g, 4) };

	o.incarnation = g->inc[o.node];
	if (o.incarnation > 1 && gen_pick(g, 20) == 0)
		o.incarnation--;
	o.id = gen_pick(g, 3);
	return o;
}

/* Learn lock and lockspace ids from a command's outputs. */
static inline void gen_observe(struct gen *g, const struct rec *r)
{
	int i;

	for (i = 0; i < r->n; i++) {
		const struct dl_lt_out *o = &r->o[i];

		if (o->type == DL_LT_OUT_LS_DONE && o->req_id == g->ls_req)
			g->ls[g->ls_idx] = o->ls_id;
		/* forget released locks (lock id 0: all of that owner) */
		if (o->type == DL_LT_OUT_UNLOCKED ||
		    o->type == DL_LT_OUT_REVOKED) {
			int j;

			for (j = g->nlocks - 1; j >= 0; j--) {
				const struct gen_lock *l = &g->locks[j];

				if (o->lock_id ? l->id == o->lock_id :
				    (l->owner.node == o->owner.node &&
				     l->owner.incarnation ==
				     o->owner.incarnation &&
				     l->owner.id == o->owner.id))
					g->locks[j] = g->locks[--g->nlocks];
			}
		}
		/* a repeat's answer may name a lock that is long gone */
		if (o->type == DL_LT_OUT_GRANTED && o->lock_id &&
		    !g->last_dup) {
			struct gen_lock *l = &g->locks[g->nlocks < 32 ?
				g->nlocks++ : gen_pick(g, 32)];

			l->id = o->lock_id;
			l->ls = o->ls_id;
			l->owner = o->owner;
		}
	}
}

/* A lock to convert/unlock/cancel: mostly a real one, by its owner. */
static inline void gen_target(struct gen *g, struct dl_lt_cmd *c, u64 any)
{
	if (g->nlocks && gen_pick(g, 5)) {
		const struct gen_lock *l = &g->locks[gen_pick(g, g->nlocks)];

		c->lock_id = l->id;
		c->owner = l->owner;
		if (c->ls_id)
			c->ls_id = l->ls;
	} else {
		c->lock_id = any;
	}
}

/* The next command of a random but well-formed workload against @lt. */
static inline struct dl_lt_cmd gen_next(struct gen *g, const struct dl_lt *lt)
{
	static const char *const res[] = { "a", "b", "c" };
	static const char *const lss[] = { "one", "two", "three" };
	struct dl_lt_stats st;
	struct dl_lt_cmd c;
	u32 k = gen_pick(g, 1000);
	u64 lock_id;

	dl_lt_get_stats(lt, &st);
	/* ids a little beyond what exists, to hit "no such lock" too */
	lock_id = 1 + gen_pick(g, (u32)st.next_lock_id + 2);
	g->last_dup = false;

	if (k < 80 && g->nrecent) {
		g->last_dup = true;
		return g->recent[gen_pick(g, g->nrecent)];
	}
	memset(&c, 0, sizeof(c));
	if (k < 420) {
		c = cmd_lock(gen_owner(g), g->req++, g->ls[gen_pick(g, 3)],
			     res[gen_pick(g, 3)],
			     /* shared modes more often: more sharing */
			     gen_pick(g, 2) ? DL_MODE_CR + 2 * gen_pick(g, 2) :
			     gen_pick(g, DL_MODE_COUNT),
			     gen_pick(g, 4) == 0 ? DL_LKF_NOQUEUE : 0);
		if (gen_pick(g, 3) == 0)
			c.flags |= DL_LKF_VALBLK;
	} else if (k < 560) {
		/* half of them up to a write mode: conversion deadlocks */
		c = cmd_convert(gen_owner(g), g->req++, g->ls[0], lock_id,
				gen_pick(g, 2) ? DL_MODE_PW + gen_pick(g, 2) :
				gen_pick(g, DL_MODE_COUNT),
				gen_pick(g, 5) == 0 ? DL_LKF_NOQUEUE : 0);
		gen_target(g, &c, lock_id);
		if (gen_pick(g, 2)) {
			c.flags |= DL_LKF_VALBLK;
			c.lvb_len = 32;
			memset(c.lvb, (int)gen_rnd(g), 32);
		}
	} else if (k < 780) {
		c = cmd_unlock(gen_owner(g), g->req++, lock_id);
		gen_target(g, &c, lock_id);
		if (gen_pick(g, 2)) {
			c.flags = DL_LKF_VALBLK;
			c.lvb_len = 32;
			memset(c.lvb, (int)gen_rnd(g), 32);
		}
	} else if (k < 860) {
		if (gen_pick(g, 2)) {
			c = cmd_cancel(gen_owner(g), g->req, lock_id, 0);
			gen_target(g, &c, lock_id);
		}
		else	/* a recent request, maybe still waiting */
			c = cmd_cancel(gen_owner(g), g->req, 0,
				       g->req - 1 - gen_pick(g, 20));
		g->req++;
	} else if (k < 900) {
		c.type = DL_LT_CMD_RELEASE_OWNER;
		c.owner = gen_owner(g);
		c.req_id = g->req++;
	} else if (k < 920) {
		c = cmd_node(DL_LT_CMD_EXPIRE_NODE, 1 + gen_pick(g, 4), 0);
	} else if (k < 940) {
		u32 node = 1 + gen_pick(g, 4);

		/* a rejoin, or (1 in 4) a stale repeat of an old one */
		if (gen_pick(g, 4))
			g->inc[node]++;
		c = cmd_node(DL_LT_CMD_NODE_INCARNATION, node,
			     g->inc[node] - gen_pick(g, 2));
	} else if (k < 945) {
		c = cmd_node(DL_LT_CMD_REVOKE_ALL, 0, 0);
	} else if (k < 970) {
		/* lockspaces come and go; 32- and 64-byte ones */
		u32 i = gen_pick(g, 3);

		if (gen_pick(g, 2)) {
			c = cmd_ls_create(own(9, 0), g->req++, lss[i],
					  i == 1 ? 64 : 32);
			g->ls_req = c.req_id;
			g->ls_idx = i;
		} else {
			c.type = DL_LT_CMD_LS_REMOVE;
			c.owner = own(9, 0);
			c.req_id = g->req++;
			c.ls_id = 1 + gen_pick(g, 6);
		}
	} else {
		/* junk: a bad mode, or a bad lvb length */
		c = cmd_lock(gen_owner(g), g->req++, g->ls[0], "a",
			     gen_pick(g, 2) ? 6 : DL_MODE_EX, 0);
		if (c.mode == DL_MODE_EX) {
			c.flags = DL_LKF_CONVERT | DL_LKF_VALBLK;
			c.name_len = 0;
			c.lock_id = lock_id;
			c.lvb_len = 64;
		}
	}
	g->recent[g->nrecent < 16 ? g->nrecent++ : gen_pick(g, 16)] = c;
	return c;
}

#endif /* DLOCK_TESTS_CORE_LOCK_UTIL_H */
