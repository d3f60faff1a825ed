// SPDX-License-Identifier: GPL-2.0
/*
 * api.c - the in-kernel API (dlock_api.h): lockspaces opened by kernel
 * clients, DLM-style asynchronous lock/convert/unlock with completion and
 * blocking callbacks, and synchronous helpers.
 *
 * A lockspace handle is a local owner of its namespace's node, like an open
 * /dev/dlock file.  The node reports outcomes under dn->lock, where a
 * client's callback must not run (it may well call back into this API), so
 * the owner op only records the outcome in the client's lksb and queues the
 * lock on the handle's callback list; a work item runs the callbacks with
 * no dlock lock held.  The lock record (struct dlock_api_lock) is freed by
 * that work once the lock is gone, after its last callback.
 */

#include "dlock_api.h"
#include "netns.h"
#include "node.h"

#include <linux/completion.h>
#include <linux/export.h>
#include <linux/list.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <net/net_namespace.h>

struct dlock_api_lock {
	struct dlock_lksb *lksb;
	dlock_ast_t ast;
	dlock_bast_t bast;
	void *astarg;
	bool granted;		/* was granted once: a failed convert keeps it */

	/*
	 * Callback state, under the handle's cb_lock.  A one-shot AST (the
	 * synchronous helpers' completion, on their stack) is cleared when
	 * it is taken to run, so no later event can reach it.
	 */
	bool oneshot;
	struct list_head cb_entry;
	bool queued;
	bool ast_pending;
	bool bast_pending;
	int bast_mode;
	bool gone;		/* out of the lock table: free after callbacks */
};

struct dlock_ls {
	struct net *net;		/* a reference of ours */
	struct dlock_owner owner;
	u8 name[DLOCK_NAME_MAX];
	u32 len;
	u32 generation;
	/* lock id -> struct dlock_api_lock, under dn->lock */
	struct xarray locks;

	/* Guards cb_list and the callback state of the locks on it. */
	spinlock_t cb_lock;
	struct list_head cb_list;
	struct work_struct cb_work;
};

static struct dlock_ls *owner_ls(struct dlock_owner *owner)
{
	return container_of(owner, struct dlock_ls, owner);
}

/* Queue @lk's callbacks (flags already set by the caller). */
static void dlock_api_queue(struct dlock_ls *ls, struct dlock_api_lock *lk,
			    bool ast, bool bast, int bast_mode, bool gone)
{
	spin_lock(&ls->cb_lock);
	lk->ast_pending |= ast;
	if (bast) {
		lk->bast_pending = true;
		lk->bast_mode = bast_mode;
	}
	lk->gone |= gone;
	if (!lk->queued) {
		lk->queued = true;
		list_add_tail(&lk->cb_entry, &ls->cb_list);
	}
	spin_unlock(&ls->cb_lock);
	schedule_work(&ls->cb_work);
}

static void dlock_api_cb_work(struct work_struct *work)
{
	struct dlock_ls *ls = container_of(work, struct dlock_ls, cb_work);
	struct dlock_api_lock *lk;
	dlock_ast_t ast;
	dlock_bast_t bast;
	void *arg;
	bool gone;
	int mode;

	for (;;) {
		spin_lock(&ls->cb_lock);
		lk = list_first_entry_or_null(&ls->cb_list,
					      struct dlock_api_lock, cb_entry);
		if (!lk) {
			spin_unlock(&ls->cb_lock);
			return;
		}
		list_del(&lk->cb_entry);
		lk->queued = false;
		ast = lk->ast_pending ? lk->ast : NULL;
		bast = lk->bast_pending && !lk->gone ? lk->bast : NULL;
		arg = lk->astarg;
		mode = lk->bast_mode;
		gone = lk->gone;
		lk->ast_pending = false;
		lk->bast_pending = false;
		if (ast && lk->oneshot) {
			lk->ast = NULL;
			lk->oneshot = false;
		}
		spin_unlock(&ls->cb_lock);

		if (bast)
			bast(arg, mode);
		if (ast)
			ast(arg);
		if (gone)
			kfree(lk);
	}
}

/* Take @lk out of the table; the callback work frees it. */
static void dlock_api_forget(struct dlock_ls *ls, u64 lock_id,
			     struct dlock_api_lock *lk, bool ast)
{
	xa_erase(&ls->locks, lock_id);
	dlock_api_queue(ls, lk, ast, false, 0, true);
}

/* Owner op, under dn->lock. */
static void dlock_api_event(struct dlock_owner *owner,
			    const struct dl_lock_event *ev)
{
	struct dlock_ls *ls = owner_ls(owner);
	struct dlock_api_lock *lk = xa_load(&ls->locks, ev->lock_id);
	struct dlock_lksb *lksb;

	if (!lk)
		return;
	lksb = lk->lksb;
	switch (ev->type) {
	case DL_LEV_GRANTED:
		lk->granted = true;
		lksb->status = 0;
		lksb->token = ev->token;
		lksb->mode = ev->mode;
		if (lksb->lvb) {
			lksb->lvb_len = min_t(u32, ev->lvb_len, DLOCK_LVB_MAX);
			memcpy(lksb->lvb, ev->lvb, lksb->lvb_len);
		}
		dlock_api_queue(ls, lk, true, false, 0, false);
		break;
	case DL_LEV_FAILED:
		lksb->status = ev->status;
		if (lk->granted)
			dlock_api_queue(ls, lk, true, false, 0, false);
		else
			dlock_api_forget(ls, ev->lock_id, lk, true);
		break;
	case DL_LEV_UNLOCKED:
		lksb->status = 0;
		dlock_api_forget(ls, ev->lock_id, lk, true);
		break;
	case DL_LEV_REVOKED:
		lksb->status = -ENOLCK;
		dlock_api_forget(ls, ev->lock_id, lk, true);
		break;
	case DL_LEV_BLOCKING:
		dlock_api_queue(ls, lk, false, true, ev->mode, false);
		break;
	}
}

/* Owner op, under dn->lock: every lock is gone with the node. */
static void dlock_api_node_gone(struct dlock_owner *owner)
{
	struct dlock_ls *ls = owner_ls(owner);
	struct dlock_api_lock *lk;
	unsigned long id;

	xa_for_each(&ls->locks, id, lk) {
		lk->lksb->status = -ENOTCONN;
		dlock_api_forget(ls, id, lk, true);
	}
}

static const struct dlock_owner_ops dlock_api_owner_ops = {
	.event = dlock_api_event,
	.node_gone = dlock_api_node_gone,
};

/**
 * dlock_ls_open() - open a lockspace of the node of a network namespace
 * @net: the namespace (its node); the handle holds a reference on it
 * @name: lockspace name, 1..DLOCK_NAME_MAX - 1 bytes, NUL-terminated.  The
 *	lockspace itself is created by the administrator (netlink); a lock
 *	request in a lockspace the cell does not have fails with -ENOENT
 * @lsp: out: the handle
 *
 * Context: process context, may sleep.
 * Return: 0, -EINVAL for a bad name, -ENOMEM.
 */
int dlock_ls_open(struct net *net, const char *name, struct dlock_ls **lsp)
{
	size_t len = name ? strnlen(name, DLOCK_NAME_MAX) : 0;
	struct dlock_net *dn;
	struct dlock_ls *ls;
	int ret;

	if (!net || !lsp || !len || len == DLOCK_NAME_MAX)
		return -EINVAL;
	ls = kzalloc(sizeof(*ls), GFP_KERNEL);
	if (!ls)
		return -ENOMEM;
	memcpy(ls->name, name, len);
	ls->len = len;
	ls->owner.ops = &dlock_api_owner_ops;
	xa_init(&ls->locks);
	spin_lock_init(&ls->cb_lock);
	INIT_LIST_HEAD(&ls->cb_list);
	INIT_WORK(&ls->cb_work, dlock_api_cb_work);
	ls->net = get_net(net);

	dn = dlock_net(net);
	mutex_lock(&dn->lock);
	ret = dlock_owner_register(dn, &ls->owner);
	ls->generation = dn->generation;
	mutex_unlock(&dn->lock);
	if (ret) {
		put_net(ls->net);
		kfree(ls);
		return ret;
	}
	*lsp = ls;
	return 0;
}
EXPORT_SYMBOL_GPL(dlock_ls_open);

/**
 * dlock_ls_close() - release every lock of the handle and free it
 * @ls: the handle, may be NULL
 *
 * Locks and requests of the handle are released in the whole cell.  No
 * callback of the handle runs once this returns, and none that was not yet
 * running when it was called runs at all.
 *
 * Context: process context, may sleep; not from one of the handle's own
 * callbacks.
 */
void dlock_ls_close(struct dlock_ls *ls)
{
	struct dlock_net *dn;
	struct dlock_api_lock *lk;
	unsigned long id;

	if (!ls)
		return;
	dn = dlock_net(ls->net);
	mutex_lock(&dn->lock);
	dlock_owner_unregister(dn, &ls->owner);
	xa_for_each(&ls->locks, id, lk)
		dlock_api_forget(ls, id, lk, false);
	mutex_unlock(&dn->lock);

	/* Callbacks still pending are dropped; the records freed. */
	spin_lock(&ls->cb_lock);
	list_for_each_entry(lk, &ls->cb_list, cb_entry) {
		lk->ast_pending = false;
		lk->bast_pending = false;
	}
	spin_unlock(&ls->cb_lock);
	flush_work(&ls->cb_work);
	xa_destroy(&ls->locks);
	put_net(ls->net);
	kfree(ls);
}
EXPORT_SYMBOL_GPL(dlock_ls_close);

/* The node the handle's locks live in, under dn->lock; NULL if none. */
static struct dlock_node *dlock_api_node(struct dlock_ls *ls,
					 struct dlock_net *dn)
{
	lockdep_assert_held(&dn->lock);
	if (!dn->node)
		return NULL;
	if (ls->generation != dn->generation) {
		if (!xa_empty(&ls->locks))
			return NULL;
		ls->generation = dn->generation;
	}
	return dn->node;
}

/* dlock_lock() and dlock_lock_sync(); @oneshot: see dlock_api_lock. */
static int __dlock_lock(struct dlock_ls *ls, int mode, struct dlock_lksb *lksb,
			u32 flags, const void *name, unsigned int namelen,
			u32 timeout_ms, dlock_ast_t ast, void *astarg,
			dlock_bast_t bast, bool oneshot)
{
	struct dl_lock_args args = { };
	struct dlock_api_lock *lk, *newlk = NULL;
	struct dlock_node *node;
	struct dlock_net *dn;
	u64 req_id, lock_id;
	bool convert = flags & DLOCK_LKF_CONVERT;
	int ret;

	if (!ls || !lksb || mode < 0 || mode >= DLOCK_MODE_COUNT || !ast ||
	    flags & ~(DLOCK_LKF_NOQUEUE | DLOCK_LKF_CONVERT |
		      DLOCK_LKF_VALBLK) ||
	    !name || !namelen || namelen > DLOCK_NAME_MAX)
		return -EINVAL;
	if (!convert) {
		newlk = kzalloc(sizeof(*newlk), GFP_KERNEL);
		if (!newlk)
			return -ENOMEM;
	}

	dn = dlock_net(ls->net);
	mutex_lock(&dn->lock);
	node = dlock_api_node(ls, dn);
	if (!node) {
		ret = -ENOTCONN;
		goto out;
	}
	lk = convert ? xa_load(&ls->locks, lksb->lock_id) : newlk;
	if (!lk) {
		ret = -ENOENT;
		goto out;
	}
	args.owner = ls->owner.id;
	args.lockspace = ls->name;
	args.ls_len = ls->len;
	args.resource = name;
	args.res_len = namelen;
	args.mode = mode;
	args.flags = flags;
	args.lock_id = convert ? lksb->lock_id : 0;
	args.timeout_ms = timeout_ms;
	if (convert && flags & DLOCK_LKF_VALBLK && lksb->lvb) {
		args.lvb = lksb->lvb;
		args.lvb_len = DLOCK_LVB_MAX;
	}
	ret = dl_node_lock(node->core, &args, &req_id, &lock_id);
	if (ret)
		goto out;
	if (!convert) {
		if (xa_err(xa_store(&ls->locks, lock_id, newlk, GFP_KERNEL))) {
			/* Cannot track it: withdraw; close frees the rest. */
			dl_node_cancel(node->core, ls->owner.id, lock_id);
			ret = -ENOMEM;
			goto out;
		}
		newlk = NULL;
	}
	lk->lksb = lksb;
	spin_lock(&ls->cb_lock);
	lk->ast = ast;
	lk->bast = bast;
	lk->astarg = astarg;
	lk->oneshot = oneshot;
	spin_unlock(&ls->cb_lock);
	lksb->lock_id = lock_id;
out:
	mutex_unlock(&dn->lock);
	kfree(newlk);
	return ret;
}

/**
 * dlock_lock() - request a lock, or convert one, asynchronously
 * @ls: lockspace handle
 * @mode: DLOCK_MODE_NL .. DLOCK_MODE_EX
 * @lksb: status block; with DLOCK_LKF_CONVERT, @lksb->lock_id names the
 *	lock.  Must stay valid until the lock is gone (unlocked, failed,
 *	revoked) or the handle closed
 * @flags: DLOCK_LKF_NOQUEUE, DLOCK_LKF_CONVERT, DLOCK_LKF_VALBLK
 * @name: resource name
 * @namelen: its length, 1..DLOCK_NAME_MAX
 * @timeout_ms: 0 waits as long as it takes; else the request fails with
 *	-ETIMEDOUT at the deadline
 * @ast: completion callback: @lksb->status says how the request ended
 * @astarg: passed to @ast and @bast
 * @bast: blocking callback (may be NULL): another owner waits for a mode
 *	this lock blocks
 *
 * @ast always runs later, from a work item, even when the outcome is known
 * at once.  A conversion keeps the lock's callbacks and replaces them with
 * the ones given.
 *
 * Context: process context, may sleep.
 * Return: 0 when the request was sent (and @lksb->lock_id set), -EINVAL,
 * -ENOENT (CONVERT of an unknown lock), -EBUSY (a request of that lock is
 * in flight), -ENOTCONN (no running node), -ENOMEM.
 */
int dlock_lock(struct dlock_ls *ls, int mode, struct dlock_lksb *lksb,
	       u32 flags, const void *name, unsigned int namelen,
	       u32 timeout_ms, dlock_ast_t ast, void *astarg,
	       dlock_bast_t bast)
{
	return __dlock_lock(ls, mode, lksb, flags, name, namelen, timeout_ms,
			    ast, astarg, bast, false);
}
EXPORT_SYMBOL_GPL(dlock_lock);

static int __dlock_unlock(struct dlock_ls *ls, struct dlock_lksb *lksb,
			  u32 flags, dlock_ast_t ast, void *astarg)
{
	struct dlock_api_lock *lk;
	struct dlock_node *node;
	struct dlock_net *dn;
	const u8 *lvb = NULL;
	int ret;

	if (!ls || !lksb || flags & ~DLOCK_LKF_VALBLK)
		return -EINVAL;
	if (flags & DLOCK_LKF_VALBLK) {
		if (!lksb->lvb)
			return -EINVAL;
		lvb = lksb->lvb;
	}
	dn = dlock_net(ls->net);
	mutex_lock(&dn->lock);
	node = dlock_api_node(ls, dn);
	lk = xa_load(&ls->locks, lksb->lock_id);
	if (!node) {
		ret = -ENOTCONN;
	} else if (!lk) {
		ret = -ENOENT;
	} else {
		ret = dl_node_unlock(node->core, ls->owner.id, lksb->lock_id,
				     lvb, lvb ? DLOCK_LVB_MAX : 0);
		if (!ret && ast) {
			spin_lock(&ls->cb_lock);
			lk->ast = ast;
			lk->astarg = astarg;
			lk->oneshot = true;
			spin_unlock(&ls->cb_lock);
		}
	}
	mutex_unlock(&dn->lock);
	return ret;
}

/**
 * dlock_unlock() - release a granted lock asynchronously
 * @ls: lockspace handle
 * @lksb: the lock's status block (its lock_id)
 * @flags: DLOCK_LKF_VALBLK to write @lksb->lvb (from PW/EX)
 *
 * The lock's completion callback runs when the release is done, with
 * @lksb->status 0.
 *
 * Context: process context, may sleep.
 * Return: 0, -EINVAL, -ENOENT, -EBUSY (a request is in flight: cancel it),
 * -ENOTCONN.
 */
int dlock_unlock(struct dlock_ls *ls, struct dlock_lksb *lksb, u32 flags)
{
	return __dlock_unlock(ls, lksb, flags, NULL, NULL);
}
EXPORT_SYMBOL_GPL(dlock_unlock);

/**
 * dlock_cancel() - cancel the waiting request of a lock
 * @ls: lockspace handle
 * @lksb: the lock's status block
 *
 * The request completes with -ECANCELED, unless the grant won the race.
 *
 * Context: process context, may sleep.
 * Return: 0, -ENOENT, -EALREADY (nothing waiting), -ENOTCONN.
 */
int dlock_cancel(struct dlock_ls *ls, struct dlock_lksb *lksb)
{
	struct dlock_node *node;
	struct dlock_net *dn;
	int ret;

	if (!ls || !lksb)
		return -EINVAL;
	dn = dlock_net(ls->net);
	mutex_lock(&dn->lock);
	node = dlock_api_node(ls, dn);
	if (!node)
		ret = -ENOTCONN;
	else if (!xa_load(&ls->locks, lksb->lock_id))
		ret = -ENOENT;
	else
		ret = dl_node_cancel(node->core, ls->owner.id, lksb->lock_id);
	mutex_unlock(&dn->lock);
	return ret;
}
EXPORT_SYMBOL_GPL(dlock_cancel);

static void dlock_sync_ast(void *arg)
{
	complete(arg);
}

/**
 * dlock_lock_sync() - request a lock or conversion and wait for the outcome
 * @ls: lockspace handle
 * @mode: requested mode
 * @lksb: status block, as for dlock_lock()
 * @flags: as for dlock_lock()
 * @name: resource name
 * @namelen: its length
 * @timeout_ms: as for dlock_lock()
 *
 * The lock gets no callbacks of its own; use dlock_unlock_sync() (or
 * dlock_unlock() and no completion) to release it.
 *
 * Context: process context, sleeps (uninterruptibly: bound it with
 * @timeout_ms).
 * Return: 0 when granted, else the failure (@lksb->status, or the error
 * of the request).
 */
int dlock_lock_sync(struct dlock_ls *ls, int mode, struct dlock_lksb *lksb,
		    u32 flags, const void *name, unsigned int namelen,
		    u32 timeout_ms)
{
	DECLARE_COMPLETION_ONSTACK(done);
	int ret;

	ret = __dlock_lock(ls, mode, lksb, flags, name, namelen, timeout_ms,
			   dlock_sync_ast, &done, NULL, true);
	if (ret)
		return ret;
	wait_for_completion(&done);
	return lksb->status;
}
EXPORT_SYMBOL_GPL(dlock_lock_sync);

/**
 * dlock_unlock_sync() - release a lock and wait until the cell did
 * @ls: lockspace handle
 * @lksb: the lock's status block
 * @flags: as for dlock_unlock()
 *
 * Context: process context, sleeps.
 * Return: 0, or the error of the request.
 */
int dlock_unlock_sync(struct dlock_ls *ls, struct dlock_lksb *lksb, u32 flags)
{
	DECLARE_COMPLETION_ONSTACK(done);
	int ret;

	ret = __dlock_unlock(ls, lksb, flags, dlock_sync_ast, &done);
	if (ret)
		return ret;
	wait_for_completion(&done);
	return lksb->status;
}
EXPORT_SYMBOL_GPL(dlock_unlock_sync);
