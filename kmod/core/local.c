// SPDX-License-Identifier: GPL-2.0
/*
 * local.c - the node's own table of its local owners' locks, and the
 * delivery of their events.
 *
 * The cell's lock table names locks by its own ids and owners by (node,
 * session, owner); local owners hold node-local lock ids, handed out at
 * request time before the cell has even seen the request.  This table maps
 * one to the other.  In a lockspace without caching each local lock is one
 * cell lock of its owner.  In a caching lockspace a local lock is granted
 * from the node's own cell lock on the resource (lk->glock, cache.c) and
 * has no cell lock id of its own.
 *
 * Events are delivered at once from the network and timer entry points.
 * From inside a host's own request call (dl_node_lock() and friends) they
 * are deferred to a timer call armed for "now", so the host never sees a
 * callback from inside its own call; a host that said so beforehand
 * (dl_node_hold_events()) takes them with dl_node_deliver_events() right
 * after the call instead, and no timer is armed for them.  Under a kernel
 * that timer is an hrtimer interrupt and a kworker wake-up, which then
 * competes with the caller for the node's mutex: that was most of the
 * cost of re-taking a cached lock.
 */
#include "node_priv.h"
#include "objtypes.h"

struct dl_deferred {
	struct dl_list link;
	struct dl_lock_event ev;
};

/* A local owner the cell has state for (see node->cell_owners). */
struct dl_cell_owner {
	struct dl_list link;
	u64 id;
};

void dl_local_init(struct dl_node *node)
{
	u32 i;

	for (i = 0; i < DL_ARRAY_SIZE(node->local_hash); i++) {
		dl_list_init(&node->local_hash[i]);
		dl_list_init(&node->lt_hash[i]);
		dl_list_init(&node->cell_owners[i]);
		dl_list_init(&node->req_hash[i]);
	}
	dl_list_init(&node->owners_releasing);
	dl_list_init(&node->deferred);
	dl_cache_init(node);
}

/*
 * A node holds one of these per lock of its local owners, as many as the
 * cell's table holds for it: a cache of the exact size (core/env.h).
 */
DL_OBJTYPE(dl_local_lock_type, "dlock_local_lock",
	   sizeof(struct dl_local_lock));

struct dl_local_lock *dl_local_new(struct dl_node *node, u64 owner)
{
	struct dl_local_lock *lk = dl_obj_zalloc(&dl_local_lock_type);

	if (!lk)
		return NULL;
	lk->id = node->next_local_id++;
	lk->owner = owner;
	lk->state = DL_LL_WAITING;
	lk->mode = DL_MODE_NONE;
	dl_list_init(&lk->lt_link);
	dl_list_init(&lk->glink);
	dl_list_init(&lk->wlink);
	dl_list_add_tail(&lk->link, &node->local_hash[dl_local_hash(lk->id)]);
	node->n_local++;
	return lk;
}

struct dl_local_lock *dl_local_find(struct dl_node *node, u64 id)
{
	struct dl_local_lock *lk;

	dl_list_for_each_entry(lk, &node->local_hash[dl_local_hash(id)], link)
		if (lk->id == id)
			return lk;
	return NULL;
}

struct dl_local_lock *dl_local_find_lt(struct dl_node *node, u64 lt_lock_id)
{
	struct dl_local_lock *lk;

	if (!lt_lock_id)
		return NULL;
	dl_list_for_each_entry(lk, &node->lt_hash[dl_local_hash(lt_lock_id)],
			       lt_link)
		if (lk->lt_lock_id == lt_lock_id)
			return lk;
	return NULL;
}

void dl_local_set_lt(struct dl_node *node, struct dl_local_lock *lk,
		     u64 lt_lock_id)
{
	if (lk->lt_lock_id == lt_lock_id)
		return;
	dl_list_del(&lk->lt_link);
	lk->lt_lock_id = lt_lock_id;
	if (lt_lock_id)
		dl_list_add_tail(&lk->lt_link,
				 &node->lt_hash[dl_local_hash(lt_lock_id)]);
}

void dl_local_free(struct dl_node *node, struct dl_local_lock *lk)
{
	if (lk->pending)
		lk->pending->lock = NULL;
	dl_cache_unlink(lk);
	dl_list_del(&lk->link);
	dl_list_del(&lk->lt_link);
	node->n_local--;
	dl_obj_free(&dl_local_lock_type, lk);
}

/*
 * Owner @owner sends the cell a request: it will need a RELEASE_OWNER.
 * Returns false when the record could not be allocated: the request must
 * not go out then (dl_client_send() holds it back and tries again), for a
 * cell that has state of an owner the node does not know of could never
 * be told to drop it.
 */
bool dl_local_owner_in_cell(struct dl_node *node, u64 owner)
{
	struct dl_list *bucket = &node->cell_owners[dl_local_hash(owner)];
	struct dl_cell_owner *o;

	dl_list_for_each_entry(o, bucket, link)
		if (o->id == owner)
			return true;
	o = dl_zalloc(sizeof(*o));
	if (!o)
		return false;
	o->id = owner;
	dl_list_add_tail(&o->link, bucket);
	return true;
}

/*
 * Owner @owner is gone: if the cell has state of it, its record moves to
 * node->owners_releasing until a RELEASE_OWNER for it is on its way
 * (dl_local_owners_release()).  Returns whether it had one.
 */
bool dl_local_owner_gone(struct dl_node *node, u64 owner)
{
	struct dl_list *bucket = &node->cell_owners[dl_local_hash(owner)];
	struct dl_cell_owner *o;

	dl_list_for_each_entry(o, bucket, link) {
		if (o->id == owner) {
			dl_list_del(&o->link);
			dl_list_add_tail(&o->link, &node->owners_releasing);
			return true;
		}
	}
	return false;
}

/* Is a RELEASE_OWNER for @owner still to be sent? */
bool dl_local_owner_releasing(struct dl_node *node, u64 owner)
{
	struct dl_cell_owner *o;

	dl_list_for_each_entry(o, &node->owners_releasing, link)
		if (o->id == owner)
			return true;
	return false;
}

/*
 * Send a RELEASE_OWNER for every gone owner still waiting for one.  A
 * request that cannot be allocated leaves its owner (and those after it)
 * on the list, and dl_client_timer() calls this again: a release lost
 * here would leave the owner's locks granted in the cell for as long as
 * the node's session lives (FINDINGS 19).  The list holds the records the
 * owners already had, so waiting for memory allocates nothing more.
 * Returns whether any are left.
 */
bool dl_local_owners_release(struct dl_node *node)
{
	struct dl_cell_owner *o, *tmp;
	struct dl_request *rq;

	dl_list_for_each_entry_safe(o, tmp, &node->owners_releasing, link) {
		rq = dl_request_new(node, DL_REQ_RELEASE);
		if (!rq)
			return true;
		rq->cmd.type = DL_LT_CMD_RELEASE_OWNER;
		rq->cmd.owner.id = o->id;
		dl_list_del(&o->link);
		dl_free(o);
		dl_request_submit(node, rq);
	}
	return false;
}

/*
 * A new session, or the node's end: the cell forgets every owner of the
 * old session itself, those still to be released included.
 */
void dl_local_owners_reset(struct dl_node *node)
{
	struct dl_cell_owner *o, *tmp;
	u32 i;

	if (!node->cell_owners[0].next)
		return;
	for (i = 0; i < DL_ARRAY_SIZE(node->cell_owners); i++)
		dl_list_for_each_entry_safe(o, tmp, &node->cell_owners[i],
					    link) {
			dl_list_del(&o->link);
			dl_free(o);
		}
	dl_list_for_each_entry_safe(o, tmp, &node->owners_releasing, link) {
		dl_list_del(&o->link);
		dl_free(o);
	}
}

void dl_local_event(struct dl_node *node, const struct dl_lock_event *ev)
{
	struct dl_deferred *d;

	if (!node->ops->lock_event)
		return;
	if (!node->in_request) {
		node->ops->lock_event(node->host, ev);
		return;
	}
	d = dl_zalloc(sizeof(*d));
	if (!d) {
		/* cannot defer: late is better than lost */
		node->ops->lock_event(node->host, ev);
		return;
	}
	d->ev = *ev;
	dl_list_add_tail(&d->link, &node->deferred);
}

void dl_node_hold_events(struct dl_node *node)
{
	node->host_delivers = true;
}

void dl_node_deliver_events(struct dl_node *node)
{
	bool held = node->host_delivers;

	node->host_delivers = false;
	if (dl_list_empty(&node->deferred))
		return;
	if (held) {
		/*
		 * The request call's end armed no timer for them and left
		 * everything else up to date: handing them over is all there
		 * is to do.  A whole entry (dl_node_enter/leave) would run
		 * every timer scan again and re-arm the timer, which is most
		 * of what re-taking a cached lock costs.
		 */
		node->in_entry = true;
		dl_local_deliver_deferred(node);
		node->in_entry = false;
		return;
	}
	dl_node_enter(node, false);	/* delivers them */
	dl_node_leave(node);
}

void dl_local_deliver_deferred(struct dl_node *node)
{
	struct dl_deferred *d, *tmp;

	dl_list_for_each_entry_safe(d, tmp, &node->deferred, link) {
		dl_list_del(&d->link);
		if (node->ops->lock_event)
			node->ops->lock_event(node->host, &d->ev);
		dl_free(d);
	}
}

/*
 * Owner @owner is released: the events still deferred for it (made inside
 * an earlier call, such as an apply that resumed there) must not reach it
 * afterwards.  Lockspace answers (DONE) stay: those requests outlive it.
 */
void dl_local_drop_deferred(struct dl_node *node, u64 owner)
{
	struct dl_deferred *d, *tmp;

	dl_list_for_each_entry_safe(d, tmp, &node->deferred, link) {
		if (d->ev.owner != owner || d->ev.type == DL_LEV_DONE)
			continue;
		dl_list_del(&d->link);
		dl_free(d);
	}
}

/*
 * Our lease is gone: every lock of every local owner is lost.  Holders get
 * REVOKED with the token they held; requests still waiting fail with
 * -ENOLINK.  The cell releases the locks itself (EXPIRE_NODE, or the new
 * session's NODE_INCARNATION), the node's cached cell locks with them.
 */
void dl_local_revoke_all(struct dl_node *node)
{
	struct dl_local_lock *lk, *tmp;
	u32 i;

	for (i = 0; i < DL_ARRAY_SIZE(node->local_hash); i++) {
		dl_list_for_each_entry_safe(lk, tmp, &node->local_hash[i],
					    link) {
			struct dl_lock_event ev = {
				.owner = lk->owner,
				.cookie = lk->cookie,
				.lock_id = lk->id,
				.token = lk->token,
				.mode = lk->mode,
			};

			if (lk->pending) {
				ev.req_id = lk->pending->req_id;
				ev.cookie = lk->pending->cookie;
				dl_request_free(node, lk->pending);
			}
			if (lk->state != DL_LL_ORPHAN) {
				if (lk->mode == DL_MODE_NONE) {
					ev.type = DL_LEV_FAILED;
					ev.status = -ENOLINK;
				} else {
					ev.type = DL_LEV_REVOKED;
					node->ctr.revoked++;
				}
				dl_local_event(node, &ev);
			}
			dl_local_free(node, lk);
		}
	}
	dl_cache_revoke_all(node);
	dl_local_owners_reset(node);
}

void dl_local_destroy(struct dl_node *node)
{
	struct dl_local_lock *lk, *tmp;
	struct dl_deferred *d, *dtmp;
	u32 i;

	if (!node->deferred.next)
		return;
	for (i = 0; i < DL_ARRAY_SIZE(node->local_hash); i++)
		dl_list_for_each_entry_safe(lk, tmp, &node->local_hash[i], link)
			dl_local_free(node, lk);
	dl_list_for_each_entry_safe(d, dtmp, &node->deferred, link) {
		dl_list_del(&d->link);
		dl_free(d);
	}
	dl_cache_destroy(node);
	dl_local_owners_reset(node);
}
