// SPDX-License-Identifier: GPL-2.0
/*
 * raft_tap.c - watch every Raft instance's applied log without touching the
 * core: dlock-sim links with -Wl,--wrap=dl_raft_create,--wrap=dl_raft_destroy,
 * so the node layer's calls land here.  We interpose our own dl_raft_ops
 * that forward every callback unchanged and, on apply, hand the checker a
 * digest of (term, type, data) for that index on that node.  Applied log
 * prefixes must agree on every node: one digest per index, cell-wide.
 */
#include <stdlib.h>

#include "sim.h"
#include "raft.h"

struct raft_tap {
	const struct dl_raft_ops *ops;	/* the node layer's */
	void *ctx;			/* and its context */
	struct dl_raft_ops mine;
	u32 node_id;
	struct dl_raft *r;
	struct raft_tap *next;
};

/* Instances alive in this process (runs are sequential). */
static struct raft_tap *taps;

struct sim *sim_current;

struct dl_raft *__real_dl_raft_create(const struct dl_raft_config *cfg,
				      const struct dl_raft_ops *ops, void *ctx,
				      u64 now);
void __real_dl_raft_destroy(struct dl_raft *r);
struct dl_raft *__wrap_dl_raft_create(const struct dl_raft_config *cfg,
				      const struct dl_raft_ops *ops, void *ctx,
				      u64 now);
void __wrap_dl_raft_destroy(struct dl_raft *r);

static void tap_send(void *ctx, const struct dl_raft_msg *m)
{
	struct raft_tap *t = ctx;
	struct sim *s = sim_current;

	t->ops->send(t->ctx, m);
	if (s && m->type == DL_RAFT_MSG_SNAPSHOT && m->to &&
	    m->to <= SIM_MAX_VOTERS) {
		s->snap_chunks_to[m->to - 1]++;
		if (m->flags & DL_RAFT_F_LAST)
			s->snap_bytes_to[m->to - 1] = m->offset + m->data_len;
	}
	/* --scenario vote-restart: a granted vote may be its last act */
	if (s && m->type == DL_RAFT_MSG_VOTE_RESP &&
	    !(m->flags & DL_RAFT_F_REJECT) && t->node_id &&
	    t->node_id <= s->cfg->nodes)
		nemesis_voted(s, &s->envs[t->node_id - 1]);
}

static int tap_apply(void *ctx, u64 index, const struct dl_raft_entry *e)
{
	struct raft_tap *t = ctx;
	struct sim *s = sim_current;
	const u8 *p = e->data;
	u64 h = 0xcbf29ce484222325ULL;
	u32 i;
	int err;

	/* an apply that failed for memory is handed over again: count once */
	err = t->ops->apply ? t->ops->apply(t->ctx, index, e) : 0;
	if (err)
		return err;
	h = (h ^ e->term) * 0x100000001b3ULL;
	h = (h ^ e->type) * 0x100000001b3ULL;
	h = (h ^ e->len) * 0x100000001b3ULL;
	for (i = 0; i < e->len; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	if (s && !s->failed &&
	    chk_applied(s->chk, s->now, t->node_id, index, h) != CHK_OK) {
		const char *msg;

		chk_first(s->chk, &msg);
		sim_fail(s, "%s", msg);
	}
	return 0;
}

static void tap_role_change(void *ctx, enum dl_raft_role role, u64 term,
			    u32 leader_id)
{
	struct raft_tap *t = ctx;

	t->ops->role_change(t->ctx, role, term, leader_id);
}

static int tap_snapshot_save(void *ctx, dl_raft_emit_fn emit, void *sink)
{
	struct raft_tap *t = ctx;

	return t->ops->snapshot_save(t->ctx, emit, sink);
}

static int tap_snapshot_load(void *ctx, u64 offset, const void *buf,
			     size_t len, bool last)
{
	struct raft_tap *t = ctx;

	return t->ops->snapshot_load(t->ctx, offset, buf, len, last);
}

static u32 tap_random(void *ctx)
{
	struct raft_tap *t = ctx;

	return t->ops->random(t->ctx);
}

struct dl_raft *__wrap_dl_raft_create(const struct dl_raft_config *cfg,
				      const struct dl_raft_ops *ops, void *ctx,
				      u64 now)
{
	struct raft_tap *t;

	if (!ops)
		return __real_dl_raft_create(cfg, ops, ctx, now);
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->ops = ops;
	t->ctx = ctx;
	t->node_id = cfg ? cfg->self_id : 0;
	/* forward exactly the callbacks the node layer provides */
	t->mine.send = ops->send ? tap_send : NULL;
	t->mine.apply = tap_apply;
	t->mine.role_change = ops->role_change ? tap_role_change : NULL;
	t->mine.snapshot_save = ops->snapshot_save ? tap_snapshot_save : NULL;
	t->mine.snapshot_load = ops->snapshot_load ? tap_snapshot_load : NULL;
	t->mine.random = ops->random ? tap_random : NULL;
	t->r = __real_dl_raft_create(cfg, &t->mine, t, now);
	if (!t->r) {
		free(t);
		return NULL;
	}
	t->next = taps;
	taps = t;
	return t->r;
}

void __wrap_dl_raft_destroy(struct dl_raft *r)
{
	struct raft_tap **pp, *t;

	__real_dl_raft_destroy(r);
	for (pp = &taps; (t = *pp); pp = &t->next) {
		if (t->r == r) {
			*pp = t->next;
			free(t);
			break;
		}
	}
}
