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

#define REC_MAX 8192

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

#endif /* DLOCK_TESTS_CORE_LOCK_UTIL_H */
