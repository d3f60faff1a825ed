// SPDX-License-Identifier: GPL-2.0
/*
 * lt_query.c - read-only views of the lock table for dumps (netlink, the
 * simulator's checks) and for the node layer: lockspaces, locks, counts,
 * memory.  Walks follow creation order, so a dump resumed with @skip sees
 * a stable order as long as the table did not change in between.
 */
#include "lt_internal.h"

static void lt_ls_fill(const struct lt_ls *ls, struct dl_lt_ls_info *info)
{
	memset(info, 0, sizeof(*info));
	info->ls_id = ls->id;
	info->name_len = ls->name_len;
	info->lvb_len = ls->lvb_len;
	info->flags = ls->flags;
	memcpy(info->name, ls->name, ls->name_len);
	info->resources = ls->nres;
	info->locks = ls->nlocks;
}

u32 dl_lt_ls_find(const struct dl_lt *lt, const u8 *name, size_t name_len,
		  struct dl_lt_ls_info *info)
{
	const struct lt_ls *ls;

	if (!name || !name_len || name_len > DL_LT_NAME_MAX)
		return 0;
	ls = lt_ls_by_name(lt, name, name_len);
	if (!ls)
		return 0;
	if (info)
		lt_ls_fill(ls, info);
	return ls->id;
}

int dl_lt_ls_get(const struct dl_lt *lt, u32 ls_id, struct dl_lt_ls_info *info)
{
	const struct lt_ls *ls = lt_ls_by_id(lt, ls_id);

	if (!ls)
		return -ENOENT;
	lt_ls_fill(ls, info);
	return 0;
}

u64 dl_lt_walk_ls(const struct dl_lt *lt, u64 skip, dl_lt_ls_fn fn,
		  void *ctx)
{
	struct dl_lt_ls_info info;
	const struct lt_ls *ls;
	u64 done = 0;

	dl_list_for_each_entry(ls, &lt->lockspaces, lt_node) {
		if (skip) {
			skip--;
			continue;
		}
		lt_ls_fill(ls, &info);
		if (fn(ctx, &info))
			break;
		done++;
	}
	return done;
}

static void lt_lock_fill(const struct lt_lock *lk,
			 struct dl_lt_lock_info *info)
{
	const struct lt_res *r = lt_lock_res(lk);

	memset(info, 0, sizeof(*info));
	info->ls_id = r->ls->id;
	info->res_len = r->name_len;
	info->res = r->name;
	info->lock_id = lk->id;
	info->owner = lk->owner->key;
	info->mode = lk->gr_mode;
	info->req_mode = lk->rq_mode;
	info->waiting = lk->queue != LT_Q_GRANT;
	info->token = lk->token;
}

u64 dl_lt_walk_locks(const struct dl_lt *lt, u32 ls_id, u64 skip,
		     dl_lt_lock_fn fn, void *ctx)
{
	const struct lt_ls *ls = lt_ls_by_id(lt, ls_id);
	struct dl_lt_lock_info info;
	struct lt_res *r;
	u64 done = 0;
	u8 q;

	if (!ls)
		return 0;
	dl_list_for_each_entry(r, &ls->resources, ls_node) {
		for (q = LT_Q_GRANT; q <= LT_Q_MAX; q++) {
			struct dl_list *queue = lt_res_queue(r, q);
			struct lt_lock *lk;

			if (!queue)
				continue;
			dl_list_for_each_entry(lk, queue, res_node) {
				if (skip) {
					skip--;
					continue;
				}
				lt_lock_fill(lk, &info);
				if (fn(ctx, &info))
					return done;
				done++;
			}
		}
	}
	return done;
}

int dl_lt_lock_get(const struct dl_lt *lt, u64 lock_id,
		   struct dl_lt_lock_info *info, u8 *lvb, bool *lvb_valid)
{
	const struct lt_lock *lk = lt_lock_find(lt, lock_id);
	const struct lt_res *r;

	if (!lk)
		return -ENOENT;
	r = lt_lock_res(lk);
	lt_lock_fill(lk, info);
	if (lvb) {
		memset(lvb, 0, DL_LT_LVB_MAX);
		if (r->lvb)
			memcpy(lvb, r->lvb, r->ls->lvb_len);
	}
	if (lvb_valid)
		*lvb_valid = !r->lvb_invalid;
	return 0;
}

void dl_lt_get_stats(const struct dl_lt *lt, struct dl_lt_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->lockspaces = lt->nls;
	st->resources = lt->nres;
	st->locks = lt->nlocks;
	st->granted = lt->ngranted;
	st->waiting = lt->nwaiting;
	st->owners = lt->nowners;
	st->next_lock_id = lt->next_lock_id;
	st->token_seq = lt->token_seq;
	st->applied = lt->applied;
	st->dedup_evictions = lt->dedup_evictions;
}

size_t dl_lt_mem_bytes(const struct dl_lt *lt)
{
	return lt->mem;
}

/* One resource: queues, counts, compatibility, liveness, no deadlock. */
static int lt_check_res(const struct dl_lt *lt, const struct lt_res *r,
			u64 *locks, u64 *granted, u64 *waiting)
{
	u32 gcount[DL_MODE_COUNT] = { 0 }, mask = 0, m;
	const struct lt_lock *lk, *x;
	u8 q;

	if (lt_res_find(lt, r->ls->id, r->name, r->name_len) != r)
		return -EUCLEAN;
	for (q = LT_Q_GRANT; q <= LT_Q_MAX; q++) {
		struct dl_list *queue = lt_res_queue((struct lt_res *)r, q);

		if (!queue)
			continue;
		dl_list_for_each_entry(lk, queue, res_node) {
			bool has_gr = lk->gr_mode != DL_MODE_NONE;
			bool has_rq = lk->rq_mode != DL_MODE_NONE;
			bool want_gr = q != LT_Q_WAIT;
			bool want_rq = q != LT_Q_GRANT;

			if (lk->queue != q || lt_lock_res(lk) != r ||
			    lt_lock_find(lt, lk->id) != lk)
				return -EUCLEAN;
			if (has_gr != want_gr || has_rq != want_rq)
				return -EUCLEAN;
			if (has_gr && (!dl_mode_valid(lk->gr_mode) ||
				       !lk->token || lk->token > lt->token_seq))
				return -EUCLEAN;
			if (has_rq && !dl_mode_valid(lk->rq_mode))
				return -EUCLEAN;
			if (has_gr) {
				if (!dl_mode_mask_compat(lk->gr_mode, mask) ||
				    (gcount[lk->gr_mode] &&
				     !dl_mode_compat(lk->gr_mode,
						     lk->gr_mode)))
					return -EUCLEAN;
				gcount[lk->gr_mode]++;
				mask |= 1U << lk->gr_mode;
				(*granted)++;
			}
			if (q != LT_Q_GRANT)
				(*waiting)++;
			(*locks)++;
		}
	}
	for (m = 0; m < DL_MODE_COUNT; m++)
		if (gcount[m] != lt_res_gcount(r, m))
			return -EUCLEAN;
	if (!*locks)
		return -EUCLEAN;	/* empty resources are freed */
	/* the contention record is there exactly when needed: lt_cont */
	if (!r->cont)
		return *locks == 1 ? 0 : -EUCLEAN;
	if (*locks == 1 && dl_list_empty(&r->cont->convertq) &&
	    dl_list_empty(&r->cont->waitq))
		return -EUCLEAN;

	dl_list_for_each_entry(lk, &r->cont->convertq, res_node) {
		bool blocked = false;

		/* blocked by another grant, else it should have been granted */
		for (q = LT_Q_GRANT; q <= LT_Q_CONVERT && !blocked; q++)
			dl_list_for_each_entry(x, lt_res_queue((struct lt_res *)r,
							       q), res_node)
				if (x != lk &&
				    !dl_mode_compat(lk->rq_mode, x->gr_mode))
					blocked = true;
		if (!blocked)
			return -EUCLEAN;
		/*
		 * No two converters each blocked by the other's grant.
		 * (Longer cycles are refused when queued, by the same search
		 * lt_convert_deadlock() does; checking them here would need
		 * scratch marks on a const table.)
		 */
		dl_list_for_each_entry(x, &r->cont->convertq, res_node)
			if (x != lk &&
			    !dl_mode_compat(lk->rq_mode, x->gr_mode) &&
			    !dl_mode_compat(x->rq_mode, lk->gr_mode))
				return -EUCLEAN;
	}
	if (dl_list_empty(&r->cont->convertq) &&
	    !dl_list_empty(&r->cont->waitq)) {
		lk = dl_list_first_entry(&r->cont->waitq, struct lt_lock,
					 res_node);
		if (dl_mode_mask_compat(lk->rq_mode, mask))
			return -EUCLEAN;
	}
	return 0;
}

int dl_lt_check(const struct dl_lt *lt)
{
	u64 locks = 0, granted = 0, waiting = 0, nres = 0, nowners = 0;
	const struct lt_owner *o;
	const struct lt_ls *ls;
	u32 nls = 0;

	dl_list_for_each_entry(ls, &lt->lockspaces, lt_node) {
		const struct lt_res *r;
		u64 ls_locks = 0;
		u32 ls_res = 0;

		if (!ls->id || (lt->next_ls_id && ls->id >= lt->next_ls_id))
			return -EUCLEAN;
		dl_list_for_each_entry(r, &ls->resources, ls_node) {
			u64 n = 0;
			int err;

			if (r->ls != ls || r->dirty)
				return -EUCLEAN;
			err = lt_check_res(lt, r, &n, &granted, &waiting);
			if (err)
				return err;
			ls_locks += n;
			ls_res++;
		}
		if (ls_locks != ls->nlocks || ls_res != ls->nres)
			return -EUCLEAN;
		locks += ls_locks;
		nres += ls_res;
		nls++;
	}
	dl_list_for_each_entry(o, &lt->owners, lt_node) {
		const struct lt_lock *lk;
		u64 last = 0, n = 0;

		if (lt_owner_find(lt, &o->key) != o)
			return -EUCLEAN;
		dl_list_for_each_entry(lk, &o->locks, owner_node) {
			if (lk->owner != o || lk->id <= last ||
			    (lt->next_lock_id && lk->id >= lt->next_lock_id))
				return -EUCLEAN;
			last = lk->id;
			n++;
		}
		if (n != o->nlocks)
			return -EUCLEAN;
		nowners++;
	}
	if (nls != lt->nls || nres != lt->nres || locks != lt->nlocks ||
	    granted != lt->ngranted || waiting != lt->nwaiting ||
	    nowners != lt->nowners || lt->dirty_head ||
	    lt->res_hash.count != nres || lt->lock_hash.count != locks ||
	    lt->owner_hash.count != nowners)
		return -EUCLEAN;
	return 0;
}
