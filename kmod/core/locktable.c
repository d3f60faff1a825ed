// SPDX-License-Identifier: GPL-2.0
/*
 * locktable.c - the lock table state machine: applies commands, grants,
 * queues, converts, revokes, and says so through the output callback.
 *
 * Determinism: all state changes are a function of the command sequence.
 * Ordered walks use the creation-ordered dl_lists (lockspaces, resources,
 * owners, each owner's locks in ascending id, each resource's queues);
 * the hash tables are used for lookups only.  Resources touched by a
 * command are queued on a "dirty" list in the order they were touched and
 * processed (grants, deadlock checks, blocking notes, freeing) in that order
 * at the end of the command, so bulk operations (RELEASE_OWNER, EXPIRE_NODE)
 * never grant to a lock that the same command is about to remove.
 */
#include "lt_internal.h"

/* Value block of a resource nobody wrote yet. */
static const u8 lt_zero_lvb[DL_LT_LVB_MAX];

struct lt_ctx {
	struct dl_lt *lt;
	dl_lt_out_fn fn;
	void *arg;
};

/* ---- released owners ---- */

static struct lt_tombstone *lt_tombstone_find(struct lt_node_floor *f,
					      const struct dl_lt_owner *o)
{
	int i;

	for (i = 0; i < f->nreleased; i++)
		if (f->released[i].incarnation == o->incarnation &&
		    f->released[i].id == o->id)
			return &f->released[i];
	return NULL;
}

/*
 * Is request @req_id of owner @o from an incarnation its node has already
 * left behind, or a late one of an owner it has since released?  Only
 * asked for owners the table does not hold.
 */
static bool lt_owner_stale(const struct dl_lt *lt, const struct dl_lt_owner *o,
			   u64 req_id)
{
	struct lt_node_floor *f = lt_floor_find(lt, o->node);
	const struct lt_tombstone *t;

	if (!f)
		return false;
	if (o->incarnation < f->incarnation)
		return true;
	t = lt_tombstone_find(f, o);
	return t && req_id < t->req_id;
}

static void lt_tombstone_set(struct lt_node_floor *f,
			     const struct dl_lt_owner *o, u64 req_id)
{
	struct lt_tombstone *t = lt_tombstone_find(f, o);

	if (t) {
		t->req_id = DL_MAX(t->req_id, req_id);
		return;
	}
	t = &f->released[f->released_next];
	t->incarnation = o->incarnation;
	t->id = o->id;
	t->req_id = req_id;
	f->released_next = (f->released_next + 1) % DL_LT_RELEASED_SLOTS;
	if (f->nreleased < DL_LT_RELEASED_SLOTS)
		f->nreleased++;
}

/* ---- outputs ---- */

static void lt_emit(struct lt_ctx *c, const struct dl_lt_out *out)
{
	if (c->fn)
		c->fn(c->arg, out);
}

static void lt_emit_simple(struct lt_ctx *c, u8 type,
			   const struct dl_lt_owner *owner, u64 req_id,
			   u64 lock_id, u32 ls_id, int err)
{
	struct dl_lt_out out = {
		.type = type,
		.mode = DL_MODE_NONE,
		.err = err,
		.ls_id = ls_id,
		.owner = *owner,
		.req_id = req_id,
		.lock_id = lock_id,
	};

	lt_emit(c, &out);
}

static void lt_emit_granted(struct lt_ctx *c, const struct dl_lt_owner *owner,
			    u64 req_id, const struct lt_lock *lk, u8 mode,
			    u64 token, bool valblk)
{
	struct dl_lt_out out = {
		.type = DL_LT_OUT_GRANTED,
		.mode = mode,
		.owner = *owner,
		.req_id = req_id,
		.token = token,
	};

	if (lk) {
		out.ls_id = lt_lock_res(lk)->ls->id;
		out.ls_flags = lt_lock_res(lk)->ls->flags;
		out.lock_id = lk->id;
		if (valblk) {
			const struct lt_res *r = lt_lock_res(lk);

			out.lvb = r->lvb ? r->lvb : lt_zero_lvb;
			out.lvb_len = r->ls->lvb_len;
			out.lvb_valid = !r->lvb_invalid;
		}
	}
	lt_emit(c, &out);
}

/* ---- dedup memory ---- */

static struct lt_dedup *lt_dd_find(struct lt_owner *o, u64 req_id)
{
	u32 i;

	/* request ids grow: a first transmission is above all, no scan */
	if (!o || req_id > o->dd_top)
		return NULL;
	for (i = 0; i < o->dd_cap; i++)
		if (o->dedup[i].kind != LT_DD_EMPTY &&
		    o->dedup[i].req_id == req_id)
			return &o->dedup[i];
	return NULL;
}

/* Double @o's dedup memory; the new slots are empty.  0 or -ENOMEM. */
int lt_dd_grow(struct dl_lt *lt, struct lt_owner *o)
{
	u32 cap = o->dd_cap * 2;
	struct lt_dedup *d = lt_alloc(lt, cap * sizeof(*d));

	if (!d)
		return -ENOMEM;
	memcpy(d, o->dedup, o->dd_cap * sizeof(*d));
	lt_free(lt, o->dedup, o->dd_cap * sizeof(*d));
	o->dedup = d;
	o->dd_cap = cap;
	return 0;
}

/*
 * The slot to forget when every slot holds a request the owner's node may
 * still retransmit: the oldest answered one (a waiting request forgotten
 * would queue a second lock when retransmitted), or the oldest of all.
 */
static struct lt_dedup *lt_dd_victim(struct lt_owner *o)
{
	struct lt_dedup *v = NULL, *d;
	u32 i;

	for (i = 0; i < o->dd_cap; i++) {
		d = &o->dedup[i];
		if (!v || (v->kind == LT_DD_PENDING && d->kind != LT_DD_PENDING))
			v = d;
		else if ((v->kind == LT_DD_PENDING) ==
			 (d->kind == LT_DD_PENDING) && d->req_id < v->req_id)
			v = d;
	}
	return v;
}

/* A slot lt_dd_add() may take for a request with floor @floor, or NULL. */
static struct lt_dedup *lt_dd_free_slot(struct lt_owner *o, u64 floor)
{
	u32 i;

	floor = DL_MAX(floor, o->floor);
	for (i = 0; i < o->dd_cap; i++)
		if (o->dedup[i].kind == LT_DD_EMPTY ||
		    o->dedup[i].req_id < floor)
			return &o->dedup[i];
	return NULL;
}

/*
 * Make sure lt_dd_add() finds a slot for @cmd without allocating: grow the
 * memory now if it would need to.  A command calls it after its other
 * allocations, so that its failure leaves only those to undo.  Growing
 * when memory is short must not turn into forgetting a request instead:
 * the replicas would then remember different requests.  At
 * DL_LT_DEDUP_MAX, lt_dd_add() evicts, the same way on every replica.
 */
static int lt_dd_reserve(struct dl_lt *lt, struct lt_owner *o,
			 const struct dl_lt_cmd *cmd)
{
	if (lt_dd_free_slot(o, cmd->floor) || o->dd_cap >= DL_LT_DEDUP_MAX)
		return 0;
	return lt_dd_grow(lt, o);
}

/*
 * Remember @cmd's request.  A slot is free when empty or below the floor
 * (its answer reached the node, so it is never retransmitted again, and a
 * duplicate still in flight is dropped by the floor).  Otherwise the
 * memory has grown (lt_dd_reserve(), which every caller ran first);
 * forgetting a request above the floor is the last resort.  Never
 * allocates.
 */
static struct lt_dedup *lt_dd_add(struct dl_lt *lt, struct lt_owner *o,
				  const struct dl_lt_cmd *cmd, u8 kind)
{
	struct lt_dedup *d;

	if (cmd->floor > o->floor)
		o->floor = cmd->floor;
	d = lt_dd_free_slot(o, 0);
	if (!d) {
		d = lt_dd_victim(o);
		lt->dedup_evictions++;
	}
	memset(d, 0, sizeof(*d));
	d->req_id = cmd->req_id;
	d->kind = kind;
	if (cmd->req_id > o->dd_top)
		o->dd_top = cmd->req_id;
	return d;
}

/* A pending request finished: remember how, if it is still remembered. */
static void lt_dd_settle(struct lt_owner *o, u64 req_id, u64 lock_id, u8 kind,
			 int err, u8 mode, u64 token)
{
	struct lt_dedup *d = lt_dd_find(o, req_id);

	if (!d || d->kind != LT_DD_PENDING || d->lock_id != lock_id)
		return;
	d->kind = kind;
	d->err = err;
	d->mode = mode;
	d->token = token;
}

/* Answer a repeated request the way the first one was answered. */
static void lt_dd_replay(struct lt_ctx *c, struct lt_owner *o,
			 const struct lt_dedup *d)
{
	const struct lt_lock *lk;

	switch (d->kind) {
	case LT_DD_GRANTED:
		lk = lt_lock_find(c->lt, d->lock_id);
		if (lk && lk->owner == o) {
			lt_emit_granted(c, &o->key, d->req_id, lk, d->mode,
					d->token, d->flags & DL_LKF_VALBLK);
		} else {
			struct dl_lt_out out = {
				.type = DL_LT_OUT_GRANTED,
				.mode = d->mode,
				.ls_id = d->ls_id,
				.owner = o->key,
				.req_id = d->req_id,
				.lock_id = d->lock_id,
				.token = d->token,
			};

			lt_emit(c, &out);
		}
		break;
	case LT_DD_FAILED:
		lt_emit_simple(c, DL_LT_OUT_FAILED, &o->key, d->req_id,
			       d->lock_id, d->ls_id, d->err);
		break;
	case LT_DD_UNLOCKED:
		lt_emit_simple(c, DL_LT_OUT_UNLOCKED, &o->key, d->req_id,
			       d->lock_id, d->ls_id, 0);
		break;
	case LT_DD_LS_DONE:
		lt_emit_simple(c, DL_LT_OUT_LS_DONE, &o->key, d->req_id, 0,
			       d->ls_id, 0);
		break;
	default:	/* still pending: its answer is yet to come */
		break;
	}
}

/*
 * A request seen before: true if it is a duplicate, answered again (or
 * dropped, below the owner's floor).  False: run it.
 */
static bool lt_dd_seen(struct lt_ctx *c, struct lt_owner *o,
		       const struct dl_lt_cmd *cmd)
{
	struct lt_dedup *d;

	if (!o)
		return false;
	if (cmd->floor > o->floor)
		o->floor = cmd->floor;
	if (cmd->req_id < o->floor)
		return true;
	d = lt_dd_find(o, cmd->req_id);
	if (d)
		lt_dd_replay(c, o, d);
	return !!d;
}

/* ---- granting ---- */

/* Modes granted on @r, leaving out @self's own grant (NULL: none). */
static u32 lt_gmask(const struct lt_res *r, const struct lt_lock *self)
{
	u32 mask = 0, m;

	for (m = 0; m < DL_MODE_COUNT; m++) {
		u32 n = lt_res_gcount(r, m);

		if (self && self->gr_mode == m)
			n--;
		if (n)
			mask |= 1U << m;
	}
	return mask;
}

/*
 * Grant @lk its requested mode (a waiting new lock, a conversion, or an
 * immediate request), with the next fencing token, at the grant queue's
 * tail, and tell its owner.
 */
static void lt_grant_unqueued(struct lt_ctx *c, struct lt_lock *lk)
{
	struct dl_lt *lt = c->lt;

	lk->gr_mode = lk->rq_mode;
	lk->rq_mode = DL_MODE_NONE;
	lk->token = ++lt->token_seq;
	lk->bast_sent = 0;
	lt_lock_enqueue(lt, lk, LT_Q_GRANT);
	lt_lock_res(lk)->recheck_blocking = true;
	lt_dd_settle(lk->owner, lk->req_id, lk->id, LT_DD_GRANTED, 0,
		     lk->gr_mode, lk->token);
	lt_emit_granted(c, &lk->owner->key, lk->req_id, lk, lk->gr_mode,
			lk->token, lk->flags & DL_LKF_VALBLK);
}

static void lt_grant(struct lt_ctx *c, struct lt_lock *lk)
{
	lt_lock_dequeue(c->lt, lk);
	lt_grant_unqueued(c, lk);
}

/* End a pending conversion without granting it: back to its grant. */
static void lt_convert_abort(struct dl_lt *lt, struct lt_lock *lk)
{
	lt_lock_dequeue(lt, lk);
	lk->rq_mode = DL_MODE_NONE;
	lt_lock_enqueue(lt, lk, LT_Q_GRANT);
}

/* Tell the holders blocking @w (once per holder and wanted mode). */
static void lt_blocking_for(struct lt_ctx *c, struct lt_res *r,
			    struct lt_lock *w)
{
	struct dl_list *queues[2] = { &r->grantq, &r->cont->convertq };
	u8 bit = 1U << w->rq_mode;
	struct lt_lock *g;
	int i;

	/* a waiter is never alone: @r has its contention record */
	for (i = 0; i < 2; i++) {
		dl_list_for_each_entry(g, queues[i], res_node) {
			struct dl_lt_out out = {
				.type = DL_LT_OUT_BLOCKING,
				.mode = w->rq_mode,
				.ls_id = r->ls->id,
			};

			if (g == w || (g->bast_sent & bit) ||
			    dl_mode_compat(g->gr_mode, w->rq_mode))
				continue;
			g->bast_sent |= bit;
			out.owner = g->owner->key;
			out.lock_id = g->id;
			out.token = g->token;
			lt_emit(c, &out);
		}
	}
}

/*
 * Grant what can be granted on @r: conversions first (any that fits, in
 * queue order, until none does: granting one can unblock an earlier one
 * when modes are not ordered, e.g. PR->CW), then new requests strictly in
 * FIFO order and only once no conversion waits.  Then send blocking notes
 * for whoever still waits at the front.
 *
 * The notes cost a walk of the holders, so they are only looked for when
 * the answer can have changed: a grant (new holder or new mode) or a
 * change of the convert or wait queue.  Plain unlocks of holders, the
 * common case with many readers, skip it.  The flag lives only during one
 * command, so it is no part of the replicated state.
 */
static void lt_res_process(struct lt_ctx *c, struct lt_res *r)
{
	struct lt_cont *ct = r->cont;
	struct lt_lock *lk, *tmp;
	bool changed;

	if (!ct) {		/* one lock at most, and it is granted */
		r->recheck_blocking = false;
		return;
	}
	do {
		changed = false;
		dl_list_for_each_entry_safe(lk, tmp, &ct->convertq, res_node) {
			if (dl_mode_mask_compat(lk->rq_mode, lt_gmask(r, lk))) {
				lt_grant(c, lk);
				changed = true;
			}
		}
	} while (changed);

	if (dl_list_empty(&ct->convertq)) {
		dl_list_for_each_entry_safe(lk, tmp, &ct->waitq, res_node) {
			if (!dl_mode_mask_compat(lk->rq_mode,
						 lt_gmask(r, NULL)))
				break;
			lt_grant(c, lk);
		}
	}

	if (!r->recheck_blocking)
		return;
	r->recheck_blocking = false;
	dl_list_for_each_entry(lk, &ct->convertq, res_node)
		lt_blocking_for(c, r, lk);
	if (!dl_list_empty(&ct->waitq))
		lt_blocking_for(c, r,
				dl_list_first_entry(&ct->waitq, struct lt_lock,
						    res_node));
}

/* Process every resource the command touched, in order; free empty ones. */
static void lt_settle(struct lt_ctx *c)
{
	struct dl_lt *lt = c->lt;
	struct lt_res *r;

	while ((r = lt->dirty_head)) {
		lt->dirty_head = r->dirty_next;
		if (!lt->dirty_head)
			lt->dirty_tail = NULL;
		r->dirty = false;
		r->dirty_next = NULL;
		lt_res_process(c, r);
		if (lt_res_empty(r))
			lt_res_free(lt, r);
		else
			lt_res_cont_trim(lt, r);
	}
}

/*
 * Would queueing conversion @n close a cycle of converters, each blocked
 * by the granted mode of the next?  The table never holds such a cycle
 * (every queued conversion is checked), and only a new converter adds
 * edges, so any new cycle runs through @n: search what @n waits for,
 * transitively, for @n itself.
 */
static bool lt_convert_deadlock(struct lt_res *r, struct lt_lock *n)
{
	struct dl_list *convertq = &r->cont->convertq;	/* @n is queued */
	struct lt_lock *x, *y;
	bool changed = true;

	dl_list_for_each_entry(x, convertq, res_node)
		x->mark = x != n && !dl_mode_compat(n->rq_mode, x->gr_mode);
	while (changed) {
		changed = false;
		dl_list_for_each_entry(x, convertq, res_node) {
			if (x->mark != 1)
				continue;
			x->mark = 2;	/* expanded */
			dl_list_for_each_entry(y, convertq, res_node) {
				if (y->mark ||
				    dl_mode_compat(x->rq_mode, y->gr_mode))
					continue;
				if (y == n)
					return true;
				y->mark = 1;
				changed = true;
			}
		}
	}
	return false;
}

/* ---- commands ---- */

static void lt_fail(struct lt_ctx *c, const struct dl_lt_cmd *cmd, int err)
{
	lt_emit_simple(c, DL_LT_OUT_FAILED, &cmd->owner, cmd->req_id,
		       cmd->lock_id, cmd->ls_id, err);
}

/* Answered, and remembered for dedup. */
static void lt_fail_dd(struct lt_ctx *c, struct lt_owner *o,
		       const struct dl_lt_cmd *cmd, u64 lock_id, int err)
{
	struct lt_dedup *d = lt_dd_add(c->lt, o, cmd, LT_DD_FAILED);

	d->lock_id = lock_id;
	d->ls_id = cmd->ls_id;
	d->err = err;
	lt_emit_simple(c, DL_LT_OUT_FAILED, &o->key, cmd->req_id, lock_id,
		       cmd->ls_id, err);
}

static int lt_cmd_ls_create(struct lt_ctx *c, const struct dl_lt_cmd *cmd)
{
	struct dl_lt *lt = c->lt;
	struct lt_owner *o = lt_owner_find(lt, &cmd->owner);
	struct lt_dedup *d;
	bool new_owner = false;
	struct lt_ls *ls;

	if (lt_dd_seen(c, o, cmd))
		return 0;
	if (lt_owner_stale(lt, &cmd->owner, cmd->req_id)) {
		lt_fail(c, cmd, -ESTALE);
		return 0;
	}
	if (lt_ls_by_name(lt, cmd->name, cmd->name_len)) {
		lt_fail(c, cmd, -EEXIST);
		return 0;
	}
	if (!lt->next_ls_id) {		/* 2^32 lockspaces created: no ids */
		lt_fail(c, cmd, -ENOSPC);
		return 0;
	}
	if (!o) {
		o = lt_owner_new(lt, &cmd->owner);
		if (!o)
			return -ENOMEM;
		new_owner = true;
	}
	ls = lt_ls_new(lt, lt->next_ls_id, cmd->name, cmd->name_len,
		       cmd->lvb_len);
	if (!ls || lt_dd_reserve(lt, o, cmd)) {
		if (ls)
			lt_ls_free(lt, ls);
		if (new_owner)
			lt_owner_free(lt, o);
		return -ENOMEM;
	}
	ls->flags = cmd->flags;
	lt->next_ls_id++;
	d = lt_dd_add(lt, o, cmd, LT_DD_LS_DONE);
	d->ls_id = ls->id;
	lt_emit_simple(c, DL_LT_OUT_LS_DONE, &o->key, cmd->req_id, 0, ls->id, 0);
	return 0;
}

static int lt_cmd_ls_remove(struct lt_ctx *c, const struct dl_lt_cmd *cmd)
{
	struct dl_lt *lt = c->lt;
	struct lt_owner *o = lt_owner_find(lt, &cmd->owner);
	struct lt_dedup *d;
	struct lt_ls *ls;

	if (lt_dd_seen(c, o, cmd))
		return 0;
	if (lt_owner_stale(lt, &cmd->owner, cmd->req_id)) {
		lt_fail(c, cmd, -ESTALE);
		return 0;
	}
	ls = lt_ls_by_id(lt, cmd->ls_id);
	if (!ls) {
		lt_fail(c, cmd, -ENOENT);
		return 0;
	}
	if (ls->nlocks) {
		lt_fail(c, cmd, -EBUSY);
		return 0;
	}
	if (!o) {
		o = lt_owner_new(lt, &cmd->owner);
		if (!o)
			return -ENOMEM;
	} else if (lt_dd_reserve(lt, o, cmd)) {
		return -ENOMEM;	/* a new owner has free slots */
	}
	lt_ls_free(lt, ls);
	d = lt_dd_add(lt, o, cmd, LT_DD_LS_DONE);
	d->ls_id = cmd->ls_id;
	lt_emit_simple(c, DL_LT_OUT_LS_DONE, &o->key, cmd->req_id, 0,
		       cmd->ls_id, 0);
	return 0;
}

static int lt_cmd_lock_new(struct lt_ctx *c, const struct dl_lt_cmd *cmd,
			   struct lt_owner *o)
{
	struct dl_lt *lt = c->lt;
	struct lt_res *r = NULL;
	bool new_owner = false, new_res = false, grantable;
	struct lt_lock *lk = NULL;
	struct lt_dedup *d;
	struct lt_ls *ls;

	ls = lt_ls_by_id(lt, cmd->ls_id);
	if (!ls) {
		lt_fail(c, cmd, -ENOENT);
		return 0;
	}
	if (lt_owner_stale(lt, &cmd->owner, cmd->req_id)) {
		lt_fail(c, cmd, -ESTALE);
		return 0;
	}
	if (!lt->next_lock_id) {	/* 2^64 locks: cannot happen, stay safe */
		lt_fail(c, cmd, -ENOSPC);
		return 0;
	}
	r = lt_res_find(lt, ls->id, cmd->name, cmd->name_len);
	/* NL conflicts with nothing, so it can overtake without harm */
	grantable = !r || cmd->mode == DL_MODE_NL ||
		    (lt_res_queue_empty(r, LT_Q_CONVERT) &&
		     lt_res_queue_empty(r, LT_Q_WAIT) &&
		     dl_mode_mask_compat(cmd->mode, lt_gmask(r, NULL)));

	if (!o) {
		o = lt_owner_new(lt, &cmd->owner);
		if (!o)
			goto nomem;
		new_owner = true;
	}
	if (!grantable && (cmd->flags & DL_LKF_NOQUEUE)) {
		if (lt_dd_reserve(lt, o, cmd))
			goto nomem;
		lt_fail_dd(c, o, cmd, 0, -EAGAIN);
		return 0;
	}
	if (!r) {
		r = lt_res_new(lt, ls, cmd->name, cmd->name_len, false);
		if (!r)
			goto nomem;
		new_res = true;
	}
	lk = lt_lock_new(lt, o, r, lt->next_lock_id);
	if (!lk || lt_dd_reserve(lt, o, cmd))
		goto nomem;
	lt->next_lock_id++;
	lk->rq_mode = cmd->mode;
	lk->flags = cmd->flags;
	lk->req_id = cmd->req_id;
	/*
	 * A grantable request skips the wait queue (a lone lock's resource
	 * has none); that is what queueing it and granting it at once did.
	 */
	if (!grantable)
		lt_lock_enqueue(lt, lk, LT_Q_WAIT);
	d = lt_dd_add(lt, o, cmd, LT_DD_PENDING);
	d->lock_id = lk->id;
	d->ls_id = ls->id;
	d->flags = cmd->flags;
	if (grantable)
		lt_grant_unqueued(c, lk);
	lt_mark_dirty(lt, r);
	return 0;

nomem:
	/* as if the command had not run: the node layer runs it again */
	if (lk)
		lt_lock_unnew(lt, lk);
	if (new_res)
		lt_res_free(lt, r);
	if (new_owner)
		lt_owner_free(lt, o);
	return -ENOMEM;
}

/*
 * Everything a conversion or an unlock of a lock on @r may allocate, before
 * it changes anything: the value block's storage when it @write's it, and
 * a dedup slot.  On -ENOMEM the table is as before.
 */
static int lt_reserve_write(struct dl_lt *lt, struct lt_owner *o,
			    struct lt_res *r, const struct dl_lt_cmd *cmd,
			    bool write)
{
	bool new_lvb = write && !r->lvb;

	if (new_lvb && lt_res_lvb_alloc(lt, r))
		return -ENOMEM;
	if (lt_dd_reserve(lt, o, cmd)) {
		if (new_lvb) {
			lt_free(lt, r->lvb, r->ls->lvb_len);
			r->lvb = NULL;
		}
		return -ENOMEM;
	}
	return 0;
}

static int lt_cmd_convert(struct lt_ctx *c, const struct dl_lt_cmd *cmd,
			  struct lt_owner *o)
{
	struct dl_lt *lt = c->lt;
	struct lt_lock *lk = lt_lock_find(lt, cmd->lock_id);
	struct lt_dedup *d;
	struct lt_res *r;
	bool down, write;
	int err;

	r = lk ? lt_lock_res(lk) : NULL;
	if (!lk || lk->owner != o || r->ls->id != cmd->ls_id) {
		lt_fail(c, cmd, -ENOENT);
		return 0;
	}
	if (lk->queue != LT_Q_GRANT) {
		lt_fail(c, cmd, -EBUSY);
		return 0;
	}
	if (cmd->lvb_len && cmd->lvb_len != r->ls->lvb_len) {
		lt_fail(c, cmd, -EINVAL);
		return 0;
	}
	down = dl_mode_is_down(lk->gr_mode, cmd->mode);
	/* Only a PW/EX holder going down writes; PW->EX keeps it. */
	write = cmd->lvb_len && down && dl_mode_writes_lvb(lk->gr_mode);
	err = lt_reserve_write(lt, o, r, cmd, write);
	if (err)
		return err;

	if (!down && !dl_mode_mask_compat(cmd->mode, lt_gmask(r, lk)) &&
	    (cmd->flags & DL_LKF_NOQUEUE)) {
		lt_fail_dd(c, o, cmd, lk->id, -EAGAIN);
		return 0;
	}

	if (write) {
		memcpy(r->lvb, cmd->lvb, r->ls->lvb_len);
		r->lvb_invalid = false;
	}
	lk->req_id = cmd->req_id;
	lk->flags = cmd->flags;
	lk->rq_mode = cmd->mode;
	d = lt_dd_add(lt, o, cmd, LT_DD_PENDING);
	d->lock_id = lk->id;
	d->ls_id = cmd->ls_id;
	d->flags = cmd->flags;
	if (down || dl_mode_mask_compat(cmd->mode, lt_gmask(r, lk))) {
		lt_grant(c, lk);
		lt_mark_dirty(lt, r);	/* a down-conversion may free others */
		return 0;
	}

	lt_lock_dequeue(lt, lk);
	lt_lock_enqueue(lt, lk, LT_Q_CONVERT);
	if (lt_convert_deadlock(r, lk)) {
		lt_convert_abort(lt, lk);
		lt_dd_settle(o, cmd->req_id, lk->id, LT_DD_FAILED, -EDEADLK,
			     0, 0);
		lt_emit_simple(c, DL_LT_OUT_FAILED, &o->key, cmd->req_id,
			       lk->id, cmd->ls_id, -EDEADLK);
		lt_mark_dirty(lt, r);	/* settles the queue-change flag */
		return 0;
	}
	lt_mark_dirty(lt, r);
	return 0;
}

static int lt_cmd_lock(struct lt_ctx *c, const struct dl_lt_cmd *cmd)
{
	struct lt_owner *o = lt_owner_find(c->lt, &cmd->owner);

	if (lt_dd_seen(c, o, cmd))
		return 0;
	if (cmd->flags & DL_LKF_CONVERT)
		return lt_cmd_convert(c, cmd, o);
	return lt_cmd_lock_new(c, cmd, o);
}

static int lt_cmd_unlock(struct lt_ctx *c, const struct dl_lt_cmd *cmd)
{
	struct dl_lt *lt = c->lt;
	struct lt_owner *o = lt_owner_find(lt, &cmd->owner);
	struct lt_dedup *d;
	struct lt_lock *lk;
	struct lt_res *r;
	bool write;
	u32 ls_id;
	int err;

	if (lt_dd_seen(c, o, cmd))
		return 0;
	lk = lt_lock_find(lt, cmd->lock_id);
	if (!lk || lk->owner != o) {
		lt_fail(c, cmd, -ENOENT);
		return 0;
	}
	r = lt_lock_res(lk);
	ls_id = r->ls->id;
	if (lk->queue != LT_Q_GRANT) {
		lt_fail(c, cmd, -EBUSY);
		return 0;
	}
	if (cmd->lvb_len && cmd->lvb_len != r->ls->lvb_len) {
		lt_fail(c, cmd, -EINVAL);
		return 0;
	}
	write = cmd->lvb_len && dl_mode_writes_lvb(lk->gr_mode);
	err = lt_reserve_write(lt, o, r, cmd, write);
	if (err)
		return err;
	if (write) {
		memcpy(r->lvb, cmd->lvb, r->ls->lvb_len);
		r->lvb_invalid = false;
	}
	d = lt_dd_add(lt, o, cmd, LT_DD_UNLOCKED);
	d->lock_id = lk->id;
	d->ls_id = ls_id;
	lt_emit_simple(c, DL_LT_OUT_UNLOCKED, &o->key, cmd->req_id, lk->id,
		       ls_id, 0);
	lt_lock_release(lt, lk);
	return 0;
}

static int lt_cmd_cancel(struct lt_ctx *c, const struct dl_lt_cmd *cmd)
{
	struct dl_lt *lt = c->lt;
	struct lt_owner *o = lt_owner_find(lt, &cmd->owner);
	struct lt_dedup *d;
	struct lt_lock *lk = NULL, *it;
	u64 lock_id, pending;
	u32 ls_id;

	if (lt_dd_seen(c, o, cmd))
		return 0;
	if (o && cmd->lock_id) {
		lk = lt_lock_find(lt, cmd->lock_id);
	} else if (o) {
		dl_list_for_each_entry(it, &o->locks, owner_node) {
			if (it->queue != LT_Q_GRANT &&
			    it->req_id == cmd->target_req) {
				lk = it;
				break;
			}
		}
	}
	if (!lk || lk->owner != o || lk->queue == LT_Q_GRANT) {
		lt_fail(c, cmd, -ENOENT);
		return 0;
	}
	if (lt_dd_reserve(lt, o, cmd))
		return -ENOMEM;
	lock_id = lk->id;
	ls_id = lt_lock_res(lk)->ls->id;
	pending = lk->req_id;
	lt_dd_settle(o, pending, lock_id, LT_DD_FAILED, -ECANCELED, 0, 0);
	lt_emit_simple(c, DL_LT_OUT_FAILED, &o->key, pending, lock_id, ls_id,
		       -ECANCELED);
	if (lk->queue == LT_Q_CONVERT) {
		lt_convert_abort(lt, lk);
		lt_mark_dirty(lt, lt_lock_res(lk));
	} else {
		lt_lock_release(lt, lk);
	}
	d = lt_dd_add(lt, o, cmd, LT_DD_UNLOCKED);
	d->lock_id = lock_id;
	d->ls_id = ls_id;
	lt_emit_simple(c, DL_LT_OUT_UNLOCKED, &o->key, cmd->req_id, lock_id,
		       ls_id, 0);
	return 0;
}

static int lt_cmd_release_owner(struct lt_ctx *c, const struct dl_lt_cmd *cmd)
{
	struct dl_lt *lt = c->lt;
	struct lt_owner *o = lt_owner_find(lt, &cmd->owner);
	struct lt_node_floor *f = lt_floor_find(lt, cmd->owner.node);
	struct lt_lock *lk, *tmp;

	/*
	 * Remember the owner as released, even one the table never saw: its
	 * LOCK may still be on its way and must not create it afterwards.
	 */
	if (!f) {
		f = lt_floor_new(lt, cmd->owner.node, 0);
		if (!f)
			return -ENOMEM;
	}
	lt_tombstone_set(f, &cmd->owner, cmd->req_id);
	if (o) {
		/* The owner is gone: its pending requests get no answer. */
		dl_list_for_each_entry_safe(lk, tmp, &o->locks, owner_node)
			lt_lock_release(lt, lk);
		lt_owner_free(lt, o);
	}
	lt_emit_simple(c, DL_LT_OUT_UNLOCKED, &cmd->owner, cmd->req_id, 0, 0, 0);
	return 0;
}

/*
 * Take every lock of @o away: requests still pending (new or conversion)
 * fail with -ECONNRESET, holders are told REVOKED (with the token they
 * held, now stale), and
 * a value block whose PW/EX holder is revoked becomes invalid (the holder
 * may have been half way through an update).
 */
static void lt_revoke_owner(struct lt_ctx *c, struct lt_owner *o)
{
	struct lt_lock *lk, *tmp;

	dl_list_for_each_entry_safe(lk, tmp, &o->locks, owner_node) {
		u32 ls_id = lt_lock_res(lk)->ls->id;

		/* a pending request is answered first (also a conversion) */
		if (lk->queue != LT_Q_GRANT) {
			lt_emit_simple(c, DL_LT_OUT_FAILED, &o->key, lk->req_id,
				       lk->id, ls_id, -ECONNRESET);
			lt_dd_settle(o, lk->req_id, lk->id, LT_DD_FAILED,
				     -ECONNRESET, 0, 0);
		}
		if (lk->gr_mode != DL_MODE_NONE) {
			struct dl_lt_out out = {
				.type = DL_LT_OUT_REVOKED,
				.mode = lk->gr_mode,
				.ls_id = ls_id,
				.owner = o->key,
				.lock_id = lk->id,
				.token = lk->token,
			};

			if (dl_mode_writes_lvb(lk->gr_mode))
				lt_lock_res(lk)->lvb_invalid = true;
			lt_emit(c, &out);
		}
		lt_lock_release(c->lt, lk);
	}
}

/*
 * Revoke the owners of @node (older than @below_inc, or all if @all), and
 * forget them.  The fencing sequence moves on even if nothing was held, so
 * every later grant is above any token the node could still present.
 */
static void lt_revoke_node(struct lt_ctx *c, u32 node, u64 below_inc, bool all)
{
	struct dl_lt *lt = c->lt;
	struct lt_owner *o, *tmp;

	lt->token_seq++;
	dl_list_for_each_entry_safe(o, tmp, &lt->owners, lt_node) {
		if (o->key.node != node ||
		    (!all && o->key.incarnation >= below_inc))
			continue;
		lt_revoke_owner(c, o);
		lt_owner_free(lt, o);
	}
}

static int lt_cmd_node_incarnation(struct lt_ctx *c,
				   const struct dl_lt_cmd *cmd)
{
	struct dl_lt *lt = c->lt;
	struct lt_node_floor *f = lt_floor_find(lt, cmd->owner.node);
	u64 inc = cmd->owner.incarnation;

	if (f && f->incarnation >= inc)
		return 0;	/* old news: that incarnation is known */
	if (!f) {
		f = lt_floor_new(lt, cmd->owner.node, inc);
		if (!f)
			return -ENOMEM;
	}
	f->incarnation = inc;
	lt_revoke_node(c, cmd->owner.node, inc, false);
	return 0;
}

static int lt_cmd_revoke_all(struct lt_ctx *c)
{
	struct dl_lt *lt = c->lt;
	struct lt_owner *o;

	lt->token_seq++;
	/* Owners stay (their files are still open); their locks do not. */
	dl_list_for_each_entry(o, &lt->owners, lt_node)
		lt_revoke_owner(c, o);
	return 0;
}

static bool lt_cmd_has_owner(u8 type)
{
	return type >= DL_LT_CMD_LS_CREATE && type <= DL_LT_CMD_RELEASE_OWNER;
}

int dl_lt_apply(struct dl_lt *lt, const struct dl_lt_cmd *cmd,
		dl_lt_out_fn out, void *ctx)
{
	struct lt_ctx c = { .lt = lt, .fn = out, .arg = ctx };
	int ret = 0;

	if (dl_lt_cmd_check(cmd)) {
		if (lt_cmd_has_owner(cmd->type) && cmd->owner.node)
			lt_fail(&c, cmd, -EINVAL);
		return -EINVAL;
	}
	lt->applied++;
	switch (cmd->type) {
	case DL_LT_CMD_LS_CREATE:
		ret = lt_cmd_ls_create(&c, cmd);
		break;
	case DL_LT_CMD_LS_REMOVE:
		ret = lt_cmd_ls_remove(&c, cmd);
		break;
	case DL_LT_CMD_LOCK:
		ret = lt_cmd_lock(&c, cmd);
		break;
	case DL_LT_CMD_UNLOCK:
		ret = lt_cmd_unlock(&c, cmd);
		break;
	case DL_LT_CMD_CANCEL:
		ret = lt_cmd_cancel(&c, cmd);
		break;
	case DL_LT_CMD_RELEASE_OWNER:
		ret = lt_cmd_release_owner(&c, cmd);
		break;
	case DL_LT_CMD_EXPIRE_NODE:
		lt_revoke_node(&c, cmd->owner.node, 0, true);
		break;
	case DL_LT_CMD_NODE_INCARNATION:
		ret = lt_cmd_node_incarnation(&c, cmd);
		break;
	case DL_LT_CMD_REVOKE_ALL:
		ret = lt_cmd_revoke_all(&c);
		break;
	}
	/* -ENOMEM: nothing changed and nothing was said; it runs again */
	if (ret == -ENOMEM)
		lt->applied--;
	lt_settle(&c);
	return ret;
}

int dl_lt_apply_entry(struct dl_lt *lt, const void *data, size_t len,
		      dl_lt_out_fn out, void *ctx)
{
	const u8 *p = data;
	struct dl_lt_cmd cmd;
	size_t off;
	int i, n, ret = 0;

	/*
	 * Two passes over the entry with one command on the stack rather than
	 * an array of 255 (46 KB): the first checks all of it, so a malformed
	 * entry changes nothing; the second applies.
	 */
	n = dl_lt_batch_decode(data, len, NULL, DL_LT_BATCH_MAX_CMDS);
	if (n < 0)
		return n;
	for (i = 0, off = DL_LT_BATCH_HDR; i < n; i++) {
		int used = dl_lt_cmd_decode(p + off, len - off, &cmd);
		int err;

		if (used < 0)	/* cannot happen: checked above */
			return -EINVAL;
		off += used;
		err = dl_lt_apply(lt, &cmd, out, ctx);
		if (err == -ENOMEM)
			return err;	/* the commands after it wait for it */
		if (err && !ret)
			ret = err;
	}
	return ret;
}
