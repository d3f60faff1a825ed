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
	memset(info, 0, sizeof(*info));
	info->ls_id = lk->res->ls->id;
	info->res_len = lk->res->name_len;
	info->res = lk->res->name;
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
			struct lt_lock *lk;

			dl_list_for_each_entry(lk, lt_res_queue(r, q),
					       res_node) {
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

	if (!lk)
		return -ENOENT;
	lt_lock_fill(lk, info);
	if (lvb) {
		memset(lvb, 0, DL_LT_LVB_MAX);
		if (lk->res->lvb)
			memcpy(lvb, lk->res->lvb, lk->res->ls->lvb_len);
	}
	if (lvb_valid)
		*lvb_valid = !lk->res->lvb_invalid;
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
}

size_t dl_lt_mem_bytes(const struct dl_lt *lt)
{
	return lt->mem;
}
