// SPDX-License-Identifier: GPL-2.0
/*
 * cache.c - the node-level grant cache ("two levels, so locality is free").
 *
 * In a lockspace created with caching on (DL_LT_LS_CACHE), the cell grants
 * locks to this node and the node grants them to its own owners, the way
 * GFS2's glocks sit on fs/dlm.  Per resource the node holds at most one cell
 * lock (a struct dl_glock, under a cell owner id of its own) in a mode M.
 * A local request whose mode M covers and which is compatible (DLM matrix)
 * with the other local holders is granted here, without a message.  One
 * that needs more converts the cell lock up; one that needs a cell lock
 * the node does not have yet asks for it.  When the last local owner lets
 * go, the node keeps the cell lock (it is "cached") until:
 *  - the cell sends BLOCKING for it: someone elsewhere waits;
 *  - it was unused for DL_CACHE_IDLE_MS;
 *  - more than DL_CACHE_MAX_IDLE cached locks are unused (oldest first).
 *
 * Fairness.  Local requests queue FIFO here as they would in the cell
 * (conversions first, then new locks in arrival order).  Once a BLOCKING
 * arrived the lock is "draining": no local grant at all until the cell
 * lock was given back, so a busy node cannot keep a remote waiter out
 * forever; its own later requests queue behind the remote one in the cell.
 *
 * Why the node's cell lock may stand for its holders: the DLM matrix is
 * monotone (a weaker mode is compatible with everything a stronger one is),
 * so local holders covered by M, next to a remote node holding a mode
 * compatible with M, are compatible with that node's holders too.
 *
 * Fencing tokens.  Every grant, local ones included, returns a token that
 * strictly increases per resource: (cell token << DL_CACHE_TOKEN_SHIFT) |
 * local grant sequence.  Cell tokens of one resource strictly increase, and
 * the sequence restarts at 1 with every cell grant, below 2^20.  A lock the
 * cell grants to an owner directly in a caching lockspace (the first one a
 * member takes before it knows the setting) gets the cell token shifted the
 * same way, with sequence 0.
 *
 * Value block.  The cell lock is always taken with VALBLK; the node keeps
 * the latest value: what the cell returned, or what a local PW/EX holder
 * wrote on unlock or down-conversion.  A local grant with VALBLK returns
 * it.  A written value reaches the cell with the UNLOCK of the cell lock.
 *
 * Timeouts, cancel and NOQUEUE act on the local queue: a waiter that times
 * out or is cancelled leaves it at once; a NOQUEUE request that cannot be
 * granted here fails with -EAGAIN unless it is the one the node asks the
 * cell for (with NOQUEUE).  A cell request nobody waits for any more is
 * cancelled in the cell.  A REVOKED cell lock (lease, re-form) revokes every
 * local holder of it; losing the lease revokes them all (local.c).
 */
#include "node_priv.h"

static u32 dl_cache_hash_name(const u8 *ls, u32 ls_len, const u8 *res,
			      u32 res_len)
{
	u32 h = 2166136261U;
	u32 i;

	for (i = 0; i < ls_len; i++)
		h = (h ^ ls[i]) * 16777619U;
	h = (h ^ 0xffU) * 16777619U;	/* no name has byte 0xff at its end */
	for (i = 0; i < res_len; i++)
		h = (h ^ res[i]) * 16777619U;
	return h & ((1U << DL_CACHE_HASH_BITS) - 1);
}

static u32 dl_cache_hash_id(u64 id)
{
	return (u32)((id * 0x9e3779b97f4a7c15ULL) >> (64 - DL_CACHE_HASH_BITS));
}

/* Does a lock held in @held let its holder use it as @want? */
static bool dl_mode_covers(u32 held, u32 want)
{
	return dl_mode_is_down(held, want);
}

/* The weakest mode that covers both (NL..EX is a linear extension). */
static u8 dl_mode_sup(u32 a, u32 b)
{
	u32 m;

	for (m = DL_MODE_NL; m < DL_MODE_COUNT; m++)
		if (dl_mode_covers(m, a) && dl_mode_covers(m, b))
			return (u8)m;
	return DL_MODE_EX;
}

void dl_cache_init(struct dl_node *node)
{
	u32 i;

	for (i = 0; i < DL_ARRAY_SIZE(node->glock_hash); i++) {
		dl_list_init(&node->glock_hash[i]);
		dl_list_init(&node->glock_lt_hash[i]);
	}
	dl_list_init(&node->cache_lru);
	dl_list_init(&node->cache_ls);
	node->next_glock_owner = DL_CACHE_OWNER_BASE + 1;
}

/* ---- Lockspace settings ------------------------------------------------- */

static struct dl_cache_ls *dl_cache_ls_find(struct dl_node *node, const u8 *ls,
					    u32 ls_len)
{
	struct dl_cache_ls *e;

	dl_list_for_each_entry(e, &node->cache_ls, link)
		if (e->len == ls_len && !memcmp(e->name, ls, ls_len))
			return e;
	return NULL;
}

/*
 * Whether new locks of lockspace @ls go through the cache.  A voter reads
 * its replica; a member (or a voter whose replica lags) uses what its last
 * grant in that lockspace said.
 */
bool dl_cache_enabled(struct dl_node *node, const u8 *ls, u32 ls_len)
{
	struct dl_lt_ls_info info;
	struct dl_cache_ls *e;

	if (node->lt && dl_lt_ls_find(node->lt, ls, ls_len, &info))
		return info.flags & DL_LT_LS_CACHE;
	e = dl_cache_ls_find(node, ls, ls_len);
	return e && e->cache;
}

void dl_cache_learn(struct dl_node *node, const u8 *ls, u32 ls_len,
		    bool cache)
{
	struct dl_cache_ls *e;

	if (!ls_len || ls_len > DL_NODE_NAME_MAX)
		return;
	e = dl_cache_ls_find(node, ls, ls_len);
	if (!e) {
		if (!cache)
			return;	/* unknown means off already */
		e = dl_zalloc(sizeof(*e));
		if (!e)
			return;	/* the next grant teaches it again */
		memcpy(e->name, ls, ls_len);
		e->len = (u8)ls_len;
		dl_list_add_tail(&e->link, &node->cache_ls);
	}
	e->cache = cache;
}

/* ---- Cached cell locks -------------------------------------------------- */

static struct dl_glock *dl_glock_find(struct dl_node *node, const u8 *ls,
				      u32 ls_len, const u8 *res, u32 res_len)
{
	u32 h = dl_cache_hash_name(ls, ls_len, res, res_len);
	struct dl_glock *g;

	dl_list_for_each_entry(g, &node->glock_hash[h], link)
		if (g->ls_len == ls_len && g->res_len == res_len &&
		    !memcmp(g->ls_name, ls, ls_len) &&
		    !memcmp(g->res, res, res_len))
			return g;
	return NULL;
}

static struct dl_glock *dl_glock_new(struct dl_node *node, const u8 *ls,
				     u32 ls_len, const u8 *res, u32 res_len)
{
	u32 h = dl_cache_hash_name(ls, ls_len, res, res_len);
	struct dl_glock *g = dl_zalloc(sizeof(*g));

	if (!g)
		return NULL;
	g->owner = node->next_glock_owner++;
	memcpy(g->ls_name, ls, ls_len);
	g->ls_len = (u8)ls_len;
	memcpy(g->res, res, res_len);
	g->res_len = (u8)res_len;
	g->mode = DL_MODE_NONE;
	dl_list_init(&g->lt_link);
	dl_list_init(&g->lru);
	dl_list_init(&g->holders);
	dl_list_init(&g->waiters);
	dl_list_add_tail(&g->link, &node->glock_hash[h]);
	return g;
}

static struct dl_glock *dl_glock_find_lt(struct dl_node *node, u64 lt_lock_id)
{
	struct dl_list *bucket;
	struct dl_glock *g;

	if (!lt_lock_id)
		return NULL;
	bucket = &node->glock_lt_hash[dl_cache_hash_id(lt_lock_id)];
	dl_list_for_each_entry(g, bucket, lt_link)
		if (g->lt_lock_id == lt_lock_id)
			return g;
	return NULL;
}

static void dl_glock_set_lt(struct dl_node *node, struct dl_glock *g,
			    u64 lt_lock_id)
{
	u32 h = dl_cache_hash_id(lt_lock_id);

	if (g->lt_lock_id == lt_lock_id)
		return;
	dl_list_del(&g->lt_link);
	g->lt_lock_id = lt_lock_id;
	if (lt_lock_id)
		dl_list_add_tail(&g->lt_link, &node->glock_lt_hash[h]);
}

static void dl_glock_idle_off(struct dl_node *node, struct dl_glock *g)
{
	if (dl_list_empty(&g->lru))
		return;
	dl_list_del(&g->lru);
	node->n_cache_idle--;
}

/* The cell gave the lock back or never had one: now it holds nothing. */
static void dl_glock_cell_gone(struct dl_node *node, struct dl_glock *g)
{
	dl_glock_set_lt(node, g, 0);
	dl_glock_idle_off(node, g);
	g->mode = DL_MODE_NONE;
	g->seq = 0;
	g->draining = false;
	g->lvb_dirty = false;
}

/*
 * Forget a glock that holds nothing.  @release: tell the cell to forget
 * its owner (not when the session is gone: the cell drops it itself).
 * Returns false, keeping the glock, when that RELEASE_OWNER could not be
 * allocated: the glock is the only record of the owner, and the cell may
 * hold a lock of it (granted after the local request gave up).  The cache
 * timer runs it again (node->cache_retry) and it is freed then; a lock
 * taken on the resource meanwhile reuses it, owner and all.
 */
static bool dl_glock_free(struct dl_node *node, struct dl_glock *g,
			  bool release)
{
	if (release && g->in_cell) {
		struct dl_request *rq = dl_request_new(node, DL_REQ_RELEASE);

		if (!rq) {
			node->cache_retry = true;
			return false;
		}
		rq->cmd.type = DL_LT_CMD_RELEASE_OWNER;
		rq->cmd.owner.id = g->owner;
		dl_request_submit(node, rq);
	}
	if (g->pending)
		g->pending->glock = NULL;
	dl_glock_idle_off(node, g);
	dl_list_del(&g->link);
	dl_list_del(&g->lt_link);
	dl_free(g);
	return true;
}

static bool dl_glock_releasing(const struct dl_glock *g)
{
	return g->pending && g->pending->kind != DL_REQ_LOCK;
}

static bool dl_local_waiting(const struct dl_local_lock *lk)
{
	return lk->pending && lk->pending->kind == DL_REQ_LOCAL;
}

/* Is @want compatible with every local holder but @self? */
static bool dl_glock_local_ok(const struct dl_glock *g,
			      const struct dl_local_lock *self, u32 want)
{
	const struct dl_local_lock *h;

	dl_list_for_each_entry(h, &g->holders, glink)
		if (h != self && !dl_mode_compat(h->mode, want))
			return false;
	return true;
}

static u64 dl_glock_token(const struct dl_glock *g)
{
	return (g->cell_token << DL_CACHE_TOKEN_SHIFT) | g->seq;
}

/* ---- Local events ------------------------------------------------------- */

static void dl_cache_emit(struct dl_node *node, u32 type, int status,
			  const struct dl_local_lock *lk, u64 req_id,
			  u64 cookie)
{
	struct dl_lock_event ev = {
		.type = type,
		.status = status,
		.owner = lk->owner,
		.cookie = cookie,
		.req_id = req_id,
		.lock_id = lk->id,
		.token = lk->token,
		.mode = lk->mode == DL_MODE_NONE ? 0 : lk->mode,
	};

	dl_local_event(node, &ev);
}

static void dl_cache_emit_granted(struct dl_node *node,
				  const struct dl_glock *g,
				  const struct dl_local_lock *lk, u64 req_id,
				  u64 cookie, bool valblk)
{
	struct dl_lock_event ev = {
		.type = DL_LEV_GRANTED,
		.owner = lk->owner,
		.cookie = cookie,
		.req_id = req_id,
		.lock_id = lk->id,
		.token = lk->token,
		.mode = lk->mode,
	};

	if (valblk) {
		ev.lvb_len = g->lvb_len;
		memcpy(ev.lvb, g->lvb, g->lvb_len);
	}
	dl_local_event(node, &ev);
}

/* Grant waiter @lk its requested mode from the cell lock, no message. */
static void dl_cache_grant(struct dl_node *node, struct dl_glock *g,
			   struct dl_local_lock *lk)
{
	struct dl_request *rq = lk->pending;
	u64 req_id = rq->req_id, cookie = rq->cookie;

	dl_list_del(&lk->wlink);
	if (lk->mode == DL_MODE_NONE)
		dl_list_add_tail(&lk->glink, &g->holders);
	lk->mode = lk->req_mode;
	lk->ls_id = g->ls_id;
	g->seq++;
	lk->token = dl_glock_token(g);
	lk->state = DL_LL_GRANTED;
	dl_request_free(node, rq);
	node->ctr.acquires++;
	node->ctr.cache_grants++;
	dl_cache_emit_granted(node, g, lk, req_id, cookie,
			      lk->req_flags & DL_LKF_VALBLK);
}

/* Waiter @lk leaves the queue with @status; a new lock is gone with it. */
static void dl_cache_fail_waiter(struct dl_node *node, struct dl_local_lock *lk,
				 int status)
{
	struct dl_request *rq = lk->pending;
	u64 req_id = rq->req_id, cookie = rq->cookie;

	dl_list_del(&lk->wlink);
	if (lk->glock && lk->glock->pending_for == lk)
		lk->glock->pending_for = NULL;
	dl_request_free(node, rq);
	if (status != -ETIMEDOUT)
		node->ctr.acquire_fails++;
	dl_cache_emit(node, DL_LEV_FAILED, status, lk, req_id, cookie);
	if (lk->mode == DL_MODE_NONE)
		dl_local_free(node, lk);
}

/* ---- Talking to the cell ------------------------------------------------ */

static void dl_glock_request(struct dl_node *node, struct dl_glock *g,
			     struct dl_local_lock *lk, u8 mode)
{
	struct dl_request *rq = dl_request_new(node, DL_REQ_LOCK);

	if (!rq) {
		/*
		 * The cache timer runs the glock again: waiting for the
		 * next event of this lock could wait for ever (no other
		 * local owner may come), the request never answered.
		 */
		node->cache_retry = true;
		return;
	}
	rq->glock = g;
	rq->cmd.type = DL_LT_CMD_LOCK;
	rq->cmd.mode = mode;
	rq->cmd.flags = DL_LKF_VALBLK | (lk->req_flags & DL_LKF_NOQUEUE);
	rq->cmd.owner.id = g->owner;
	if (g->mode != DL_MODE_NONE) {
		rq->cmd.flags |= DL_LKF_CONVERT;
		rq->cmd.lock_id = g->lt_lock_id;
		rq->cmd.ls_id = g->ls_id;
	} else {
		rq->cmd.name_len = g->res_len;
		memcpy(rq->cmd.name, g->res, g->res_len);
		rq->cmd.ls_id = DL_LS_RESOLVE;
		rq->ls_len = g->ls_len;
		memcpy(rq->ls_name, g->ls_name, g->ls_len);
	}
	g->pending = rq;
	g->pending_for = lk;
	g->cancel_sent = false;
	g->in_cell = true;
	dl_request_submit(node, rq);
}

/*
 * Give the cell lock back: UNLOCK carrying a value block a local writer
 * left, else RELEASE_OWNER, which also makes the cell forget the owner.
 */
static void dl_glock_release_cell(struct dl_node *node, struct dl_glock *g)
{
	bool write = g->lvb_dirty && g->lvb_len && dl_mode_writes_lvb(g->mode);
	struct dl_request *rq = dl_request_new(node, write ? DL_REQ_UNLOCK :
					       DL_REQ_RELEASE);

	if (!rq) {
		node->cache_retry = true;	/* the cache timer tries again */
		return;
	}
	rq->glock = g;
	rq->cmd.owner.id = g->owner;
	if (write) {
		rq->cmd.type = DL_LT_CMD_UNLOCK;
		rq->cmd.lock_id = g->lt_lock_id;
		rq->cmd.flags = DL_LKF_VALBLK;
		rq->cmd.lvb_len = g->lvb_len;
		memcpy(rq->cmd.lvb, g->lvb, g->lvb_len);
	} else {
		rq->cmd.type = DL_LT_CMD_RELEASE_OWNER;
	}
	g->pending = rq;
	g->pending_for = NULL;
	dl_glock_idle_off(node, g);
	node->ctr.cache_drops++;
	dl_request_submit(node, rq);
}

static void dl_glock_cancel_cell(struct dl_node *node, struct dl_glock *g)
{
	struct dl_request *rq = dl_request_new(node, DL_REQ_CANCEL);

	if (!rq) {
		node->cache_retry = true;	/* the cache timer tries again */
		return;
	}
	rq->cmd.type = DL_LT_CMD_CANCEL;
	rq->cmd.owner.id = g->owner;
	if (g->pending->cmd.flags & DL_LKF_CONVERT)
		rq->cmd.lock_id = g->lt_lock_id;
	else
		rq->cmd.target_req = g->pending->req_id;
	g->cancel_sent = true;
	dl_request_submit(node, rq);
}

/* ---- The local queue ---------------------------------------------------- */

/*
 * Local conversion deadlock: converters that each wait for a mode another
 * converter's granted mode blocks.  Find the set of converters blocked by
 * local holders that are all themselves in the set; if it is not empty,
 * fail its last-queued member with -EDEADLK (it keeps its granted mode), as
 * the cell's table does.  Returns whether it failed one.
 */
static bool dl_glock_break_deadlock(struct dl_node *node, struct dl_glock *g)
{
	struct dl_local_lock *c, *h, *victim = NULL;
	bool changed = true;

	dl_list_for_each_entry(c, &g->waiters, wlink)
		c->stuck = c->mode != DL_MODE_NONE &&
			   !dl_glock_local_ok(g, c, c->req_mode);
	while (changed) {
		changed = false;
		dl_list_for_each_entry(c, &g->waiters, wlink) {
			if (!c->stuck)
				continue;
			dl_list_for_each_entry(h, &g->holders, glink) {
				if (h == c || dl_mode_compat(h->mode,
							     c->req_mode))
					continue;
				if (!dl_local_waiting(h) || !h->stuck) {
					c->stuck = false;
					changed = true;
					break;
				}
			}
		}
	}
	dl_list_for_each_entry(c, &g->waiters, wlink)
		if (c->stuck)
			victim = c;
	if (!victim)
		return false;
	dl_cache_fail_waiter(node, victim, -EDEADLK);
	return true;
}

/* A member's cell grant used for DL_CACHE_MEMBER_HOLD_MS (node_priv.h). */
static bool dl_glock_member_expired(struct dl_node *node,
				    const struct dl_glock *g)
{
	return !dl_node_is_voter(node) &&
	       dl_node_now(node) - g->granted_ns >=
	       dl_ms(DL_CACHE_MEMBER_HOLD_MS);
}

/* Grant what the cell lock allows, in queue order.  Returns the head. */
static struct dl_local_lock *dl_glock_grant_local(struct dl_node *node,
						  struct dl_glock *g)
{
	struct dl_local_lock *lk, *tmp, *head = NULL;
	bool conv_blocked = false;

	dl_list_for_each_entry_safe(lk, tmp, &g->waiters, wlink) {
		bool conv = lk->mode != DL_MODE_NONE;

		if (!conv && conv_blocked)
			break;	/* conversions are granted before new locks */
		if (g->mode != DL_MODE_NONE && !g->draining &&
		    !dl_glock_releasing(g) &&
		    dl_mode_covers(g->mode, lk->req_mode) &&
		    dl_glock_local_ok(g, lk, lk->req_mode)) {
			if (g->seq >= DL_CACHE_SEQ_DRAIN ||
			    dl_glock_member_expired(node, g)) {
				g->draining = true;	/* give back, ask again */
				return lk;
			}
			dl_cache_grant(node, g, lk);
			continue;
		}
		if (!head)
			head = lk;
		if (!conv)
			break;	/* FIFO: nothing overtakes a new lock */
		conv_blocked = true;
	}
	return head;
}

/*
 * Bring @g up to date after anything changed: grant locally, ask the cell
 * for what the head of the queue needs, give the cell lock back when asked
 * to, cache it when idle, free it when it holds nothing.  May free @g.
 */
static void dl_glock_run(struct dl_node *node, struct dl_glock *g)
{
	struct dl_local_lock *head;

	do {
		head = dl_glock_grant_local(node, g);
	} while (head && dl_glock_break_deadlock(node, g));
	/* after a deadlock break the loop ran again: head is current */

	if (g->pending) {
		/* a cell request nobody waits for any more goes */
		if (g->pending->kind == DL_REQ_LOCK && !g->pending_for &&
		    dl_list_empty(&g->waiters) && !g->cancel_sent &&
		    g->pending->sent)
			dl_glock_cancel_cell(node, g);
		return;
	}
	if (g->mode != DL_MODE_NONE && dl_list_empty(&g->holders) &&
	    (g->draining || (g->no_cache && dl_list_empty(&g->waiters)))) {
		dl_glock_release_cell(node, g);
		return;
	}
	if (head && !g->draining &&
	    dl_glock_local_ok(g, head, head->req_mode)) {
		u8 want = head->req_mode;

		if (g->mode != DL_MODE_NONE)
			want = dl_mode_sup(g->mode, want);
		dl_glock_idle_off(node, g);
		dl_glock_request(node, g, head, want);
		return;
	}
	if (!dl_list_empty(&g->holders) || !dl_list_empty(&g->waiters)) {
		dl_glock_idle_off(node, g);
		return;
	}
	if (g->mode == DL_MODE_NONE) {
		/* kept for the cache timer if the cell cannot be told */
		dl_glock_free(node, g, true);
		return;
	}
	if (dl_list_empty(&g->lru)) {
		g->idle_since_ns = dl_node_now(node);
		dl_list_add_tail(&g->lru, &node->cache_lru);
		node->n_cache_idle++;
	}
}

void dl_cache_run_all(struct dl_node *node)
{
	struct dl_glock *g, *tmp;
	u32 i;

	for (i = 0; i < DL_ARRAY_SIZE(node->glock_hash); i++)
		dl_list_for_each_entry_safe(g, tmp, &node->glock_hash[i], link)
			dl_glock_run(node, g);
}

/* A local lock is going away: take it out of its glock's lists. */
void dl_cache_unlink(struct dl_local_lock *lk)
{
	struct dl_glock *g = lk->glock;

	if (!g)
		return;
	dl_list_del(&lk->glink);
	dl_list_del(&lk->wlink);
	if (g->pending_for == lk)
		g->pending_for = NULL;
	lk->glock = NULL;
}

/* ---- The API for local owners (client.c routes here) -------------------- */

static struct dl_request *dl_cache_wait_new(struct dl_node *node,
					    struct dl_local_lock *lk,
					    const struct dl_lock_args *a)
{
	struct dl_request *rq = dl_request_new(node, DL_REQ_LOCAL);

	if (!rq)
		return NULL;
	rq->lock = lk;
	rq->cookie = a->cookie;
	rq->cmd.owner.id = a->owner;	/* dl_node_release_owner() finds it */
	rq->retry_ns = DL_NEVER;
	if (a->timeout_ms)
		rq->deadline_ns = dl_node_now(node) + dl_ms(a->timeout_ms);
	lk->pending = rq;
	lk->cookie = a->cookie;
	lk->req_mode = (u8)a->mode;
	lk->req_flags = (u8)a->flags;
	return rq;
}

/* After queueing @lk: grant, or ask the cell; NOQUEUE fails what must wait. */
static void dl_cache_settle(struct dl_node *node, struct dl_glock *g,
			    struct dl_local_lock *lk)
{
	dl_glock_run(node, g);
	if (!(lk->req_flags & DL_LKF_NOQUEUE) || !dl_local_waiting(lk) ||
	    g->pending_for == lk)
		return;
	dl_cache_fail_waiter(node, lk, -EAGAIN);
	dl_glock_run(node, g);
}

int dl_cache_lock(struct dl_node *node, const struct dl_lock_args *a,
		  u64 *req_id, u64 *lock_id)
{
	struct dl_glock *g = dl_glock_find(node, a->lockspace, a->ls_len,
					   a->resource, a->res_len);
	bool new_glock = !g;
	struct dl_local_lock *lk;
	struct dl_request *rq;

	if (!g) {
		g = dl_glock_new(node, a->lockspace, a->ls_len, a->resource,
				 a->res_len);
		if (!g)
			return -ENOMEM;
	}
	lk = dl_local_new(node, a->owner);
	rq = lk ? dl_cache_wait_new(node, lk, a) : NULL;
	if (!rq) {
		if (lk)
			dl_local_free(node, lk);
		if (new_glock)
			dl_glock_free(node, g, false);
		return -ENOMEM;
	}
	lk->glock = g;
	dl_list_init(&lk->glink);
	dl_list_add_tail(&lk->wlink, &g->waiters);
	*req_id = rq->req_id;
	*lock_id = lk->id;
	dl_node_enter(node, true);
	node->cause = DL_CAUSE_ACQUIRE;
	dl_cache_settle(node, g, lk);
	dl_node_leave(node);
	return 0;
}

int dl_cache_convert(struct dl_node *node, struct dl_local_lock *lk,
		     const struct dl_lock_args *a, u64 *req_id)
{
	struct dl_glock *g = lk->glock;
	struct dl_local_lock *pos;
	struct dl_request *rq;

	if (a->lvb_len && g->lvb_len && a->lvb_len != g->lvb_len)
		return -EINVAL;
	if (dl_mode_is_down(lk->mode, a->mode)) {
		/* always granted at once, as in the cell */
		u64 id = node->next_req_id++;

		dl_node_enter(node, true);
		if (a->lvb_len && dl_mode_writes_lvb(lk->mode)) {
			memcpy(g->lvb, a->lvb, a->lvb_len);
			g->lvb_dirty = true;
		}
		lk->mode = (u8)a->mode;
		lk->cookie = a->cookie;
		if (g->seq < DL_CACHE_SEQ_MAX)
			g->seq++;
		lk->token = dl_glock_token(g);
		node->ctr.acquires++;
		node->ctr.cache_grants++;
		dl_cache_emit_granted(node, g, lk, id, a->cookie,
				      a->flags & DL_LKF_VALBLK);
		*req_id = id;
		dl_glock_run(node, g);
		dl_node_leave(node);
		return 0;
	}
	rq = dl_cache_wait_new(node, lk, a);
	if (!rq)
		return -ENOMEM;
	/* conversions queue before new locks, in arrival order */
	dl_list_for_each_entry(pos, &g->waiters, wlink)
		if (pos->mode == DL_MODE_NONE)
			break;
	dl_list_insert(&lk->wlink, pos->wlink.prev, &pos->wlink);
	*req_id = rq->req_id;
	dl_node_enter(node, true);
	node->cause = DL_CAUSE_ACQUIRE;
	dl_cache_settle(node, g, lk);
	dl_node_leave(node);
	return 0;
}

int dl_cache_unlock(struct dl_node *node, struct dl_local_lock *lk,
		    const u8 *lvb, u32 lvb_len)
{
	struct dl_glock *g = lk->glock;

	if (lvb_len && g->lvb_len && lvb_len != g->lvb_len)
		return -EINVAL;
	dl_node_enter(node, true);
	node->cause = DL_CAUSE_RELEASE;
	if (lvb_len && dl_mode_writes_lvb(lk->mode)) {
		memcpy(g->lvb, lvb, lvb_len);
		g->lvb_dirty = true;
	}
	node->ctr.releases++;
	dl_cache_emit(node, DL_LEV_UNLOCKED, 0, lk, node->next_req_id++,
		      lk->cookie);
	dl_local_free(node, lk);
	dl_glock_run(node, g);
	dl_node_leave(node);
	return 0;
}

int dl_cache_cancel(struct dl_node *node, struct dl_local_lock *lk)
{
	struct dl_glock *g = lk->glock;

	dl_node_enter(node, true);
	node->cause = DL_CAUSE_RELEASE;
	dl_cache_fail_waiter(node, lk, -ECANCELED);
	dl_glock_run(node, g);
	dl_node_leave(node);
	return 0;
}

void dl_cache_local_timeout(struct dl_node *node, struct dl_request *rq)
{
	struct dl_local_lock *lk = rq->lock;
	struct dl_glock *g;

	if (!lk || !lk->glock) {
		dl_request_free(node, rq);
		return;
	}
	g = lk->glock;
	dl_cache_fail_waiter(node, lk, -ETIMEDOUT);
	dl_glock_run(node, g);
}

/* ---- Answers and notifications from the cell ----------------------------- */

/* GRANTED or UNLOCKED for a glock's own request. */
void dl_cache_answer(struct dl_node *node, struct dl_request *rq,
		     const struct dl_wire_event *ev)
{
	struct dl_glock *g = rq->glock;
	u32 kind = rq->kind;

	dl_request_free(node, rq);
	if (!g)
		return;
	if (ev->kind == DL_WEV_GRANTED && kind == DL_REQ_LOCK) {
		dl_glock_set_lt(node, g, ev->lock_id);
		g->ls_id = ev->ls_id;
		if (g->mode == DL_MODE_NONE)
			g->granted_ns = dl_node_now(node);
		g->mode = ev->mode;
		g->cell_token = ev->token;
		g->seq = 0;
		if (ev->lvb_len) {
			if (!g->lvb_dirty)
				memcpy(g->lvb, ev->lvb, ev->lvb_len);
			g->lvb_len = ev->lvb_len;
		}
		g->no_cache = !(ev->flags & DL_WEV_F_CACHE);
		dl_cache_learn(node, g->ls_name, g->ls_len, !g->no_cache);
		g->pending_for = NULL;
		g->cancel_sent = false;
	} else if (ev->kind == DL_WEV_UNLOCKED && kind != DL_REQ_LOCK) {
		dl_glock_cell_gone(node, g);
		if (kind == DL_REQ_RELEASE) {
			/*
			 * The cell forgot the owner.  Its next lock is asked
			 * for under a new owner id: a duplicate of this
			 * RELEASE_OWNER still in flight would release it.
			 */
			g->in_cell = false;
			g->owner = node->next_glock_owner++;
		}
	} else {
		return;
	}
	dl_glock_run(node, g);
}

/* The cell lock is lost: so is every local holder's share of it. */
static void dl_glock_revoke_holders(struct dl_node *node, struct dl_glock *g)
{
	struct dl_local_lock *lk, *tmp;

	dl_list_for_each_entry_safe(lk, tmp, &g->holders, glink) {
		if (lk->pending)
			dl_request_free(node, lk->pending);
		node->ctr.revoked++;
		dl_cache_emit(node, DL_LEV_REVOKED, 0, lk, 0, lk->cookie);
		dl_local_free(node, lk);
	}
}

void dl_cache_failed(struct dl_node *node, struct dl_request *rq, int status)
{
	bool convert = rq->cmd.flags & DL_LKF_CONVERT;
	struct dl_glock *g = rq->glock;
	u32 kind = rq->kind;
	struct dl_local_lock *lk;

	dl_request_free(node, rq);
	if (!g)
		return;
	lk = g->pending_for;
	g->pending_for = NULL;
	g->cancel_sent = false;
	if (kind != DL_REQ_LOCK) {
		/* the cell no longer has it (revoked meanwhile) */
		dl_glock_cell_gone(node, g);
		if (kind == DL_REQ_RELEASE) {
			/* as after a RELEASE_OWNER that worked, see above */
			g->in_cell = false;
			g->owner = node->next_glock_owner++;
		}
	} else if (convert && (status == -ENOENT || status == -ESTALE)) {
		/*
		 * The cell does not know the lock we convert: it is gone
		 * (a REVOKED we have not seen yet, or never will).  Nobody
		 * here may keep using it.
		 */
		dl_glock_revoke_holders(node, g);	/* converters too */
		dl_glock_cell_gone(node, g);
		/* new locks still waiting ask the cell again below */
	} else if (status == -EDEADLK && lk && lk->mode == DL_MODE_NONE) {
		/*
		 * Our conversion lost a deadlock to another node's on behalf
		 * of a new local lock: that one is no conversion and must not
		 * fail; give the cell lock back and queue behind the winner.
		 */
		g->draining = true;
	} else if (lk && status != -ECONNRESET && dl_local_waiting(lk)) {
		/* -ECONNRESET: revoked; REVOKED follows and it asks again */
		dl_cache_fail_waiter(node, lk, status);
	}
	dl_glock_run(node, g);
}

bool dl_cache_blocking(struct dl_node *node, u64 lt_lock_id, u32 mode)
{
	struct dl_glock *g = dl_glock_find_lt(node, lt_lock_id);
	struct dl_local_lock *lk;

	if (!g)
		return false;
	if (g->mode == DL_MODE_NONE || dl_glock_releasing(g))
		return true;
	g->draining = true;
	node->ctr.cache_blocked++;
	dl_list_for_each_entry(lk, &g->holders, glink) {
		struct dl_lock_event le = {
			.type = DL_LEV_BLOCKING, .owner = lk->owner,
			.cookie = lk->cookie, .lock_id = lk->id,
			.token = lk->token, .mode = mode,
		};

		dl_local_event(node, &le);
	}
	dl_glock_run(node, g);
	return true;
}

bool dl_cache_revoked(struct dl_node *node, u64 lt_lock_id)
{
	struct dl_glock *g = dl_glock_find_lt(node, lt_lock_id);

	if (!g)
		return false;
	dl_glock_revoke_holders(node, g);
	if (g->pending && (g->pending->cmd.flags & DL_LKF_CONVERT)) {
		g->pending->glock = NULL;
		dl_request_free(node, g->pending);
		g->pending = NULL;
	}
	dl_glock_cell_gone(node, g);
	dl_glock_run(node, g);
	return true;
}

/*
 * The session is gone (local.c already revoked every local lock): forget
 * every glock and its requests; the cell drops the old session's locks.
 */
void dl_cache_revoke_all(struct dl_node *node)
{
	struct dl_glock *g, *tmp;
	u32 i;

	for (i = 0; i < DL_ARRAY_SIZE(node->glock_hash); i++)
		dl_list_for_each_entry_safe(g, tmp, &node->glock_hash[i],
					    link) {
			if (g->pending) {
				struct dl_request *rq = g->pending;

				rq->glock = NULL;
				g->pending = NULL;
				dl_request_free(node, rq);
			}
			dl_glock_free(node, g, false);
		}
}

void dl_cache_destroy(struct dl_node *node)
{
	struct dl_cache_ls *e, *etmp;

	if (!node->cache_ls.next)
		return;
	dl_cache_revoke_all(node);
	dl_list_for_each_entry_safe(e, etmp, &node->cache_ls, link) {
		dl_list_del(&e->link);
		dl_free(e);
	}
}

/* Give back cached locks unused too long, or beyond the LRU's size. */
u64 dl_cache_timer(struct dl_node *node, u64 now)
{
	struct dl_glock *g, *tmp;
	u64 next = DL_NEVER;

	/* a cell request that lacked memory: every glock asks again */
	if (node->cache_retry) {
		node->cache_retry = false;
		dl_cache_run_all(node);
		if (node->cache_retry)
			next = now + dl_ms(DL_CACHE_RETRY_MS);
	}
	dl_list_for_each_entry_safe(g, tmp, &node->cache_lru, lru) {
		u64 due = g->idle_since_ns + dl_ms(DL_CACHE_IDLE_MS);

		if (now < due && node->n_cache_idle <= DL_CACHE_MAX_IDLE)
			return DL_MIN(next, due);
		dl_glock_release_cell(node, g);
		if (!dl_list_empty(&g->lru))
			return now;	/* out of memory: try again soon */
	}
	return next;
}
