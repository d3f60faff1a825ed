// SPDX-License-Identifier: GPL-2.0
/*
 * client.c - requests of local owners, from the call to the answer.
 *
 * Path of a request: on the leader it is proposed to the log; elsewhere it
 * travels to the leader in a REQUEST op and the leader proposes it.  Its
 * answer is a lock-table output: a voter sees it when it applies the entry,
 * and the leader also sends it to the requester's node as an EVENT op
 * (faster than waiting for the commit index to reach followers, and the
 * only way for members).  Whichever comes first completes the request; the
 * other finds no request and is dropped.
 *
 * Reliability: every request is retransmitted with exponential backoff
 * until answered, and again at once when the leader changes.  The lock
 * table remembers each owner's last requests (dedup by owner and request
 * id) and answers a retransmission with the recorded outcome, so a lost
 * grant is recovered by the retry.  A request that waits in a queue is
 * acknowledged by a RESPONSE op; its node then only polls, slowly.
 *
 * Timeouts: at the owner's deadline the node fails the request with
 * -ETIMEDOUT at once and asks the cell to cancel it; if the grant wins that
 * race, the node unlocks the lock it no longer has an owner for.  A
 * conversion that times out leaves the lock in the mode it had, as in the
 * DLM: if its grant wins the race, the node converts the lock back to that
 * mode in the cell, quietly.  Down-conversions never wait in the table,
 * so they take no timeout (going back up could not be done without one).
 *
 * In a caching lockspace (cache.c) a local owner's lock, conversion, unlock
 * and cancel go to the node's grant cache instead; only the cache's own
 * requests for its cell locks travel this path, and their answers are
 * handed back to it (the request's @glock).
 */
#include "classic.h"
#include "node_priv.h"

/* ---- Retransmission delay ------------------------------------------------ */

/*
 * The first retransmission of a request waits the retransmission timeout
 * (RTO) of RFC 6298: srtt + 4 rttvar over the round trips of requests
 * answered without a retransmission (Karn's rule: the answer to a
 * retransmitted request could be the first transmission's).  A fixed delay
 * retransmitted every request of a cell slower than it, which added load
 * exactly when the cell was slowest.  retry_ms is the floor (a fast cell
 * keeps its old behaviour, and a lost datagram still costs only that), the
 * lease the cap (later retries double up to it anyway).
 */
u32 dl_client_rto_ms(const struct dl_node *node)
{
	const struct dl_node_timeouts *t = &node->cfg.timeouts;
	u64 rto_ms;

	if (!node->srtt_ns)
		return t->retry_ms;
	rto_ms = (node->srtt_ns + 4 * node->rttvar_ns + DL_NS_PER_MS - 1) /
		 DL_NS_PER_MS;
	return (u32)DL_MAX(DL_MIN(rto_ms, (u64)t->lease_ms),
			   (u64)t->retry_ms);
}

/* An answer to @rq arrived: one round-trip sample, if it may give one. */
static void dl_client_rtt_sample(struct dl_node *node, struct dl_request *rq)
{
	u64 now = dl_node_now(node), r, d;

	if (!rq->rtt_from_ns)
		return;
	r = now > rq->rtt_from_ns ? now - rq->rtt_from_ns : 0;
	rq->rtt_from_ns = 0;
	if (!node->srtt_ns) {
		node->srtt_ns = DL_MAX(r, 1ULL);
		node->rttvar_ns = r / 2;
		return;
	}
	d = r > node->srtt_ns ? r - node->srtt_ns : node->srtt_ns - r;
	node->rttvar_ns = node->rttvar_ns - node->rttvar_ns / 4 + d / 4;
	node->srtt_ns = DL_MAX(node->srtt_ns - node->srtt_ns / 8 + r / 8, 1ULL);
}

struct dl_request *dl_request_new(struct dl_node *node, u32 kind)
{
	struct dl_request *rq = dl_zalloc(sizeof(*rq));

	if (!rq)
		return NULL;
	rq->kind = kind;
	rq->req_id = node->next_req_id++;
	rq->deadline_ns = DL_NEVER;
	rq->backoff_ms = dl_client_rto_ms(node);
	dl_list_add_tail(&rq->link, &node->requests);
	dl_list_add_tail(&rq->hlink,
			 &node->req_hash[dl_local_hash(rq->req_id)]);
	node->n_requests++;
	return rq;
}

void dl_request_free(struct dl_node *node, struct dl_request *rq)
{
	if (node->req_next == rq)
		node->req_next = dl_list_entry(rq->link.next,
					       struct dl_request, link);
	if (rq->lock && rq->lock->pending == rq)
		rq->lock->pending = NULL;
	if (rq->glock && rq->glock->pending == rq)
		rq->glock->pending = NULL;
	dl_list_del(&rq->link);
	dl_list_del(&rq->hlink);
	node->n_requests--;
	dl_free(rq);
}

/* Every answer looks its request up: by hash, not along the whole list. */
struct dl_request *dl_request_find(struct dl_node *node, u64 req_id)
{
	struct dl_request *rq;

	if (!req_id)
		return NULL;
	dl_list_for_each_entry(rq, &node->req_hash[dl_local_hash(req_id)],
			       hlink)
		if (rq->req_id == req_id)
			return rq;
	return NULL;
}

static void dl_client_emit(struct dl_node *node, u32 type, int status,
			   struct dl_local_lock *lk, const struct dl_request *rq)
{
	struct dl_lock_event ev = {
		.type = type,
		.status = status,
	};

	if (lk) {
		ev.owner = lk->owner;
		ev.cookie = lk->cookie;
		ev.lock_id = lk->id;
		ev.token = lk->token;
		ev.mode = lk->mode == DL_MODE_NONE ? 0 : lk->mode;
	}
	if (rq) {
		ev.req_id = rq->req_id;
		ev.cookie = rq->cookie;
	}
	dl_local_event(node, &ev);
}

/* ---- Sending ------------------------------------------------------------- */

/*
 * The leader's own requests and the REQUESTs it receives end up here.  The
 * request keeps its DL_LS_RESOLVE placeholder: if leadership moves before
 * the command commits, the retry goes to another leader with the name.
 */
static int dl_client_propose(struct dl_node *node, const struct dl_lt_cmd *cmd,
			     const u8 *ls_name, u8 ls_len)
{
	struct dl_lt_cmd resolved;

	if (!ls_len)
		return dl_node_propose(node, cmd);
	resolved = *cmd;
	resolved.ls_id = dl_lt_ls_find(node->lt, ls_name, ls_len, NULL);
	/*
	 * A table whose apply stalled (out of memory, node.c) may not hold a
	 * lockspace the log already created: no answer from it; the request
	 * is retried as if no leader had been found.
	 */
	if (!resolved.ls_id && dl_node_apply_stalled(node))
		return -ENOTCONN;
	if (!resolved.ls_id)
		return -ENOENT;
	return dl_node_propose(node, &resolved);
}

/*
 * Proposal failures that pass (memory, log room, a leadership handover):
 * no answer, the request comes again.  A FAILED is final for its owner,
 * while an earlier transmission of the same request may already be in the
 * log: the cell would then grant a lock its node has forgotten, held for
 * as long as the owner lives (FINDINGS 18).
 */
static bool dl_client_retry_later(int err)
{
	return err == -ENOMEM || err == -ENOBUFS || err == -EBUSY;
}

/*
 * The floor @rq carries (struct dl_lt_cmd): the lowest request id of its
 * owner still in the node's requests, that is, whose answer has not come
 * back.  The table forgets a request only below it, so a retransmission
 * still in flight is either recognised or dropped, never run twice.
 */
static u64 dl_client_floor(struct dl_node *node, const struct dl_request *rq)
{
	const struct dl_request *it;

	/*
	 * node->requests is in ascending req_id order (dl_request_new() adds
	 * at the tail), so the first of the owner's is the floor and nothing
	 * after @rq can be lower: the walk stops there.
	 */
	dl_list_for_each_entry(it, &node->requests, link) {
		if (it == rq || it->req_id >= rq->req_id)
			break;
		if (it->kind != DL_REQ_LOCAL &&
		    dl_lt_cmd_has_floor(it->cmd.type) &&
		    it->cmd.owner.id == rq->cmd.owner.id)
			return it->req_id;
	}
	return rq->req_id;
}

static void dl_client_send(struct dl_node *node, struct dl_request *rq, u64 now)
{
	u32 retry_ms = rq->backoff_ms;
	u32 saved = node->cause;
	int err;

	if (rq->kind == DL_REQ_LOCAL) {
		rq->retry_ns = DL_NEVER;	/* waits in a cache, not the cell */
		return;
	}
	rq->cmd.owner.node = node->cfg.node_id;
	rq->cmd.owner.incarnation = node->session;
	rq->cmd.req_id = rq->req_id;
	if (dl_lt_cmd_has_floor(rq->cmd.type))
		rq->cmd.floor = dl_client_floor(node, rq);
	node->cause = dl_cmd_cause(rq->cmd.type);
	if (!rq->sent && rq->lock && rq->cmd.owner.id < DL_CACHE_OWNER_BASE &&
	    !dl_local_owner_in_cell(node, rq->cmd.owner.id)) {
		/* no record of the owner, so no release later: not yet */
		rq->retry_ns = now + dl_ms(node->cfg.timeouts.retry_ms);
		goto out;
	}

	if (rq->kind == DL_REQ_LOCK && !dl_session_lease_valid(node)) {
		/* no grant without a session: wait for the lease */
		rq->retry_ns = now + dl_ms(node->cfg.timeouts.heartbeat_ms);
		goto out;
	}
	if (dl_node_is_leader(node)) {
		err = dl_client_propose(node, &rq->cmd, rq->ls_name,
					rq->ls_len);
		if (err && err != -ENOTCONN && !dl_client_retry_later(err)) {
			struct dl_wire_event ev = {
				.kind = DL_WEV_FAILED, .status = err,
				.session = node->session,
				.owner = rq->cmd.owner.id, .req_id = rq->req_id,
			};

			dl_client_event(node, &ev);
			goto out;
		}
	} else if (node->leader) {
		struct dl_wire_request wr = {
			.req_id = rq->req_id,
			.ls_len = rq->ls_len,
			.ls_name = rq->ls_name,
		};
		int n = dl_lt_cmd_encode(&rq->cmd, node->cmd_buf,
					 sizeof(node->cmd_buf));

		if (n > 0) {
			wr.cmd_len = (u16)n;
			wr.cmd = node->cmd_buf;
			n = dl_wire_enc_request(node->enc_buf,
						sizeof(node->enc_buf), &wr);
		}
		if (n > 0)
			dl_node_send_op(node, node->leader, DL_OP_REQUEST,
					node->enc_buf, n);
	} else {
		retry_ms = node->cfg.timeouts.retry_ms;
	}
	if (rq->sent)
		node->ctr.retries++;
	/*
	 * Only a request's first transmission is timed: to a remote leader
	 * until its answer, or on the leader from its proposal to its apply
	 * (the leader retransmits its own requests too, by proposing again).
	 */
	rq->rtt_from_ns = !rq->sent && node->leader ? now : 0;
	rq->sent = true;
	if (rq->acked) {
		/* queued at the leader: poll for a lost answer now and then */
		retry_ms = node->cfg.timeouts.lease_ms;
	} else {
		rq->backoff_ms = DL_MIN(rq->backoff_ms * 2,
					node->cfg.timeouts.lease_ms);
	}
	rq->retry_ns = now + dl_ms(retry_ms);
out:
	node->cause = saved;
}

void dl_request_submit(struct dl_node *node, struct dl_request *rq)
{
	dl_client_send(node, rq, dl_node_now(node));
}

/* A new leader: everything pending goes to it now, with a fresh backoff. */
void dl_client_resend_all(struct dl_node *node)
{
	struct dl_request *rq;
	u64 now = dl_node_now(node);

	dl_list_for_each_entry(rq, &node->requests, link) {
		rq->acked = false;
		rq->backoff_ms = dl_client_rto_ms(node);
		rq->retry_ns = now;
	}
}

/* Fail every request (lease lost, or destroy with @err 0: no events). */
void dl_client_fail_all(struct dl_node *node, int err)
{
	struct dl_request *rq, *tmp;

	if (!node->requests.next)
		return;
	dl_list_for_each_entry_safe(rq, tmp, &node->requests, link) {
		struct dl_local_lock *lk = rq->lock;

		if (err && rq->kind == DL_REQ_LS)
			dl_client_emit(node, DL_LEV_DONE, err, NULL, rq);
		if (lk && lk->pending == rq && lk->state != DL_LL_ORPHAN &&
		    err && (rq->kind == DL_REQ_LOCK || rq->kind == DL_REQ_LOCAL))
			dl_client_emit(node, DL_LEV_FAILED, err, lk, rq);
		if (lk && lk->pending == rq && lk->mode == DL_MODE_NONE) {
			dl_request_free(node, rq);
			dl_local_free(node, lk);
			continue;
		}
		dl_request_free(node, rq);
	}
}

/* ---- Timer --------------------------------------------------------------- */

/*
 * Send a CANCEL for @rq, a LOCK request the cell has seen.  Returns false
 * when it could not be allocated: @rq is marked and dl_client_timer()
 * tries again (dl_client_cancels_retry()), for whoever asked for the
 * cancel may wait for the request's end (a blocking lock interrupted by a
 * signal, in the chardev), which without it might never come.  The mark
 * goes with the request when it ends anyway.
 */
static bool dl_client_cancel_send(struct dl_node *node, struct dl_request *rq,
				  u64 now)
{
	struct dl_local_lock *lk = rq->lock;
	struct dl_request *cancel = dl_request_new(node, DL_REQ_CANCEL);

	if (!cancel) {
		rq->cancel_wanted = true;
		node->cancels_retry = true;
		return false;
	}
	rq->cancel_wanted = false;
	cancel->cmd.type = DL_LT_CMD_CANCEL;
	cancel->cmd.owner.id = lk->owner;
	if (lk->mode != DL_MODE_NONE)
		cancel->cmd.lock_id = lk->lt_lock_id;
	else
		cancel->cmd.target_req = rq->req_id;
	dl_client_send(node, cancel, now);
	return true;
}

/* Cancels that found no memory: try again (rare; a walk of the requests). */
static void dl_client_cancels_retry(struct dl_node *node, u64 now)
{
	struct dl_request *rq, *tmp;

	node->cancels_retry = false;
	dl_list_for_each_entry_safe(rq, tmp, &node->requests, link) {
		if (!rq->cancel_wanted)
			continue;
		if (!rq->lock || rq->lock->pending != rq) {
			rq->cancel_wanted = false;	/* its lock is gone */
			continue;
		}
		if (!dl_client_cancel_send(node, rq, now))
			return;
	}
}

static void dl_client_timeout(struct dl_node *node, struct dl_request *rq,
			      u64 now)
{
	struct dl_local_lock *lk = rq->lock;

	node->ctr.timeouts++;
	rq->deadline_ns = DL_NEVER;
	if (rq->kind == DL_REQ_LOCAL) {
		dl_cache_local_timeout(node, rq);
		return;
	}
	if (lk)
		dl_client_emit(node, DL_LEV_FAILED, -ETIMEDOUT, lk, rq);
	if (!rq->sent || !lk) {
		if (lk && lk->mode == DL_MODE_NONE)
			dl_local_free(node, lk);
		dl_request_free(node, rq);
		return;
	}
	rq->orphan = true;
	if (lk->mode == DL_MODE_NONE)
		lk->state = DL_LL_ORPHAN;
	/* without memory, the orphan logic undoes a late grant meanwhile */
	dl_client_cancel_send(node, rq, now);
}

static void dl_client_unlock_orphan(struct dl_node *node,
				    struct dl_local_lock *lk);

/* Orphans whose undo found no memory: try again (rare; a full scan). */
static void dl_client_orphans_retry(struct dl_node *node)
{
	struct dl_local_lock *lk, *tmp;
	u32 i;

	node->orphans_retry = false;
	for (i = 0; i < DL_ARRAY_SIZE(node->local_hash); i++)
		dl_list_for_each_entry_safe(lk, tmp, &node->local_hash[i],
					    link)
			if (lk->state == DL_LL_ORPHAN && !lk->pending &&
			    lk->mode != DL_MODE_NONE)
				dl_client_unlock_orphan(node, lk);
}

u64 dl_client_timer(struct dl_node *node, u64 now)
{
	struct dl_request *rq, *saved = node->req_next;
	u64 next = DL_NEVER;

	if (node->orphans_retry)
		dl_client_orphans_retry(node);
	if (node->orphans_retry)
		next = now + dl_ms(node->cfg.timeouts.retry_ms);
	if (node->cancels_retry)
		dl_client_cancels_retry(node, now);
	if (node->cancels_retry)
		next = now + dl_ms(node->cfg.timeouts.retry_ms);
	/* gone owners whose RELEASE_OWNER lacked memory */
	if (!dl_list_empty(&node->owners_releasing) &&
	    dl_local_owners_release(node))
		next = now + dl_ms(node->cfg.timeouts.retry_ms);

	/*
	 * Not dl_list_for_each_entry_safe(): handling @rq may free the
	 * request after it too (node->req_next says why), and @rq itself
	 * (a proposal the leader refused at once is answered at once).
	 * A request handled here is not due again at @now (its deadline is
	 * DL_NEVER after a timeout, its retry later after a send), so
	 * requests added at the tail meanwhile are met at most once.
	 */
	rq = dl_list_first_entry(&node->requests, struct dl_request, link);
	while (&rq->link != &node->requests) {
		node->req_next = dl_list_entry(rq->link.next, struct dl_request,
					       link);
		if (now >= rq->deadline_ns)
			dl_client_timeout(node, rq, now);
		else if (now >= rq->retry_ns)
			dl_client_send(node, rq, now);
		rq = node->req_next;
	}
	node->req_next = saved;
	/* the requests that are left, those added above included */
	dl_list_for_each_entry(rq, &node->requests, link)
		next = DL_MIN(next, DL_MIN(rq->retry_ns, rq->deadline_ns));
	return next;
}

/* ---- Answers ------------------------------------------------------------- */

/*
 * A conversion to a stronger mode was granted after the owner was told it
 * timed out: the owner still holds @mode, so the cell must too.  Going back
 * down is never queued.  Without memory the lock stays in the stronger
 * mode, which keeps others out longer but never lets two in.
 */
static void dl_client_convert_back(struct dl_node *node,
				   struct dl_local_lock *lk, u32 mode)
{
	struct dl_request *rq = dl_request_new(node, DL_REQ_LOCK);

	if (!rq)
		return;
	rq->lock = lk;
	rq->restore = true;
	rq->cookie = lk->cookie;
	rq->cmd.type = DL_LT_CMD_LOCK;
	rq->cmd.mode = (u8)mode;
	rq->cmd.flags = DL_LKF_CONVERT;
	rq->cmd.owner.id = lk->owner;
	rq->cmd.lock_id = lk->lt_lock_id;
	rq->cmd.ls_id = lk->ls_id;
	lk->pending = rq;
	dl_request_submit(node, rq);
}

/*
 * Undo a grant nobody waits for any more (the owner timed out).  Without
 * memory for the UNLOCK the lock stays an orphan and dl_client_timer()
 * tries again: forgetting it would leave the cell lock held by an owner
 * that no longer waits for it, blocking everyone else until the owner is
 * released.
 */
static void dl_client_unlock_orphan(struct dl_node *node,
				    struct dl_local_lock *lk)
{
	struct dl_request *rq = dl_request_new(node, DL_REQ_UNLOCK);

	if (!rq) {
		lk->state = DL_LL_ORPHAN;
		node->orphans_retry = true;
		return;
	}
	rq->lock = lk;
	rq->cmd.type = DL_LT_CMD_UNLOCK;
	rq->cmd.owner.id = lk->owner;
	rq->cmd.lock_id = lk->lt_lock_id;
	lk->pending = rq;
	lk->state = DL_LL_ORPHAN;
	dl_request_submit(node, rq);
}

static void dl_client_granted(struct dl_node *node, struct dl_request *rq,
			      const struct dl_wire_event *ev)
{
	struct dl_local_lock *lk = rq->lock;
	struct dl_lock_event le = { .type = DL_LEV_GRANTED };
	bool orphan = rq->orphan, restore = rq->restore;
	bool cache = ev->flags & DL_WEV_F_CACHE;
	u32 old_mode;

	if (rq->ls_len)
		dl_cache_learn(node, rq->ls_name, rq->ls_len, cache);
	if (!lk) {
		dl_request_free(node, rq);
		return;
	}
	dl_local_set_lt(node, lk, ev->lock_id);
	lk->ls_id = ev->ls_id;
	old_mode = lk->mode;
	lk->mode = ev->mode;
	/* a caching lockspace's tokens leave room for local grants */
	lk->token = cache ? ev->token << DL_CACHE_TOKEN_SHIFT : ev->token;
	dl_request_free(node, rq);
	if (lk->state == DL_LL_ORPHAN) {
		dl_client_unlock_orphan(node, lk);
		return;
	}
	if (restore)
		return;	/* back in the mode its owner knows */
	if (orphan) {
		/* a conversion that won over its timeout */
		if (old_mode != DL_MODE_NONE && old_mode != lk->mode)
			dl_client_convert_back(node, lk, old_mode);
		return;
	}
	lk->state = DL_LL_GRANTED;
	node->ctr.acquires++;
	le.owner = lk->owner;
	le.cookie = lk->cookie;
	le.req_id = ev->req_id;
	le.lock_id = lk->id;
	le.token = lk->token;
	le.mode = lk->mode;
	le.lvb_len = ev->lvb_len;
	memcpy(le.lvb, ev->lvb, ev->lvb_len);
	dl_local_event(node, &le);
}

static void dl_client_failed(struct dl_node *node, struct dl_request *rq,
			     int status)
{
	struct dl_local_lock *lk = rq->lock;
	bool orphan = rq->orphan || (lk && lk->state == DL_LL_ORPHAN);

	if (rq->glock) {
		dl_cache_failed(node, rq, status);
		return;
	}
	switch (rq->kind) {
	case DL_REQ_LOCK:
		if (!orphan)
			node->ctr.acquire_fails++;
		if (lk && !orphan)
			dl_client_emit(node, DL_LEV_FAILED, status, lk, rq);
		dl_request_free(node, rq);
		if (lk && lk->mode == DL_MODE_NONE)
			dl_local_free(node, lk);
		return;
	case DL_REQ_UNLOCK:
		/* the cell no longer has it (revoked meanwhile): it is gone */
		if (lk && !orphan)
			dl_client_emit(node, DL_LEV_UNLOCKED, status, lk, rq);
		dl_request_free(node, rq);
		if (lk)
			dl_local_free(node, lk);
		return;
	case DL_REQ_LS:
		dl_client_emit(node, DL_LEV_DONE, status, NULL, rq);
		dl_request_free(node, rq);
		return;
	default:
		dl_request_free(node, rq);
	}
}

/**
 * dl_client_event() - an output of the lock table for one of our owners
 * @node: node
 * @ev: the output, from our own apply or from the leader's EVENT op
 */
void dl_client_event(struct dl_node *node, const struct dl_wire_event *ev)
{
	struct dl_request *rq = dl_request_find(node, ev->req_id);
	struct dl_local_lock *lk;

	if (ev->session != node->session)
		return;	/* for a session we already gave up */
	if (rq)
		dl_client_rtt_sample(node, rq);
	switch (ev->kind) {
	case DL_WEV_GRANTED:
		if (rq && rq->glock)
			dl_cache_answer(node, rq, ev);
		else if (rq && rq->kind == DL_REQ_LOCK)
			dl_client_granted(node, rq, ev);
		return;
	case DL_WEV_FAILED:
		if (rq)
			dl_client_failed(node, rq, ev->status);
		return;
	case DL_WEV_UNLOCKED:
		if (!rq)
			return;
		if (rq->glock) {
			dl_cache_answer(node, rq, ev);
			return;
		}
		lk = rq->lock;
		if (rq->kind == DL_REQ_UNLOCK && lk) {
			if (lk->state != DL_LL_ORPHAN) {
				node->ctr.releases++;
				dl_client_emit(node, DL_LEV_UNLOCKED, 0, lk,
					       rq);
			}
			dl_request_free(node, rq);
			dl_local_free(node, lk);
			return;
		}
		if (rq->kind != DL_REQ_LOCK)
			dl_request_free(node, rq);
		return;
	case DL_WEV_DONE:
		if (rq && rq->kind == DL_REQ_LS) {
			struct dl_lock_event le = {
				.type = DL_LEV_DONE, .status = ev->status,
				.cookie = rq->cookie, .req_id = rq->req_id,
				.lock_id = ev->ls_id,
			};

			dl_request_free(node, rq);
			dl_local_event(node, &le);
		}
		return;
	case DL_WEV_BLOCKING:
		if (dl_cache_blocking(node, ev->lock_id, ev->mode))
			return;
		lk = dl_local_find_lt(node, ev->lock_id);
		if (lk && lk->state == DL_LL_GRANTED) {
			struct dl_lock_event le = {
				.type = DL_LEV_BLOCKING, .owner = lk->owner,
				.cookie = lk->cookie, .lock_id = lk->id,
				.token = lk->token, .mode = ev->mode,
			};

			dl_local_event(node, &le);
		}
		return;
	case DL_WEV_REVOKED:
		if (dl_cache_revoked(node, ev->lock_id))
			return;
		lk = dl_local_find_lt(node, ev->lock_id);
		if (!lk)
			return;
		if (lk->pending)
			dl_request_free(node, lk->pending);
		if (lk->state != DL_LL_ORPHAN) {
			node->ctr.revoked++;
			dl_client_emit(node, DL_LEV_REVOKED, 0, lk, NULL);
		}
		dl_local_free(node, lk);
		return;
	}
}

static u8 dl_client_wire_kind(u8 out_type)
{
	switch (out_type) {
	case DL_LT_OUT_GRANTED:
		return DL_WEV_GRANTED;
	case DL_LT_OUT_FAILED:
		return DL_WEV_FAILED;
	case DL_LT_OUT_UNLOCKED:
		return DL_WEV_UNLOCKED;
	case DL_LT_OUT_BLOCKING:
		return DL_WEV_BLOCKING;
	case DL_LT_OUT_REVOKED:
		return DL_WEV_REVOKED;
	case DL_LT_OUT_LS_DONE:
		return DL_WEV_DONE;
	default:
		return 0;
	}
}

/**
 * dl_client_output() - a lock-table output while applying entry @index
 * @node: node
 * @out: the output
 * @index: log index of the entry
 *
 * Ours: complete the request.  Another node's, on the leader: tell it.
 * BLOCKING and REVOKED go by EVENT to members only; voters learn them by
 * applying the log themselves, so they get each exactly once.  The other
 * outputs skip a voter that has committed the entry itself, for the same
 * reason (dl_election_ops.peer_applies).
 */
void dl_client_output(struct dl_node *node, const struct dl_lt_out *out,
		      u64 index)
{
	struct dl_wire_event ev = {
		.kind = dl_client_wire_kind(out->type),
		.mode = out->mode == DL_MODE_NONE ? 0 : out->mode,
		.flags = out->type == DL_LT_OUT_GRANTED &&
			 (out->ls_flags & DL_LT_LS_CACHE) ? DL_WEV_F_CACHE : 0,
		.status = out->err,
		.ls_id = out->ls_id,
		.session = out->owner.incarnation,
		.owner = out->owner.id,
		.req_id = out->req_id,
		.lock_id = out->lock_id,
		.token = out->token,
		.index = index,
	};
	struct dl_peer *peer;
	u8 body[DL_EVENT_BODY_MAX];
	int n;

	if (!ev.kind)
		return;
	if (out->lvb && out->lvb_len <= DL_WIRE_LVB_MAX) {
		ev.lvb_len = out->lvb_len;
		memcpy(ev.lvb, out->lvb, out->lvb_len);
	}
	if (out->owner.node == node->cfg.node_id) {
		dl_client_event(node, &ev);
		return;
	}
	peer = dl_peer_find(node, out->owner.node);
	if (!peer)
		return;
	if ((ev.kind == DL_WEV_BLOCKING || ev.kind == DL_WEV_REVOKED) &&
	    peer->role == DL_NODE_VOTER)
		return;
	if (!dl_node_is_leader(node)) {
		/*
		 * Kept, not sent: should this node lead before the member
		 * acknowledged it to the leader, it sends it (session.c).
		 */
		if (ev.kind == DL_WEV_REVOKED)
			dl_session_revoke_track(node, peer, &ev);
		return;
	}
	/*
	 * A voter that acknowledged this entry as committed by itself
	 * (follower-side commit, raft_replicate.c) applies it now or soon
	 * and gets this very output from its own apply: the EVENT would be
	 * a second answer it drops.  Should it be lost after all, its
	 * request's retransmission gets the answer again.
	 */
	if (peer->role == DL_NODE_VOTER && node->elect &&
	    node->elect->peer_applies &&
	    node->elect->peer_applies(node, peer->id, index)) {
		node->ctr.events_spared++;
		return;
	}
	n = dl_wire_enc_event(body, sizeof(body), &ev);
	if (n > 0)
		dl_node_send_op(node, peer->id, DL_OP_EVENT, body, n);
	/* sent again until the member acknowledges it (session.c) */
	if (n > 0 && ev.kind == DL_WEV_REVOKED)
		dl_session_revoke_track(node, peer, &ev);
}

/* ---- Ops from the network ----------------------------------------------- */

/*
 * Check a REQUEST fully before anything acts on its datagram: the command
 * decodes exactly, is one a node may ask for, and acts for the sender's
 * own owners only.
 */
int dl_client_check_request(struct dl_node *node, u32 src,
			    const struct dl_wire_op *op)
{
	struct dl_wire_request wr;
	struct dl_lt_cmd cmd;
	int n = dl_wire_dec_request(op, &wr);
	bool resolve;

	(void)node;
	if (n)
		return n;
	n = dl_lt_cmd_decode(wr.cmd, wr.cmd_len, &cmd);
	if (n != wr.cmd_len || cmd.owner.node != src || !cmd.req_id)
		return DL_WIRE_EBODY;
	/* a name to resolve comes with the placeholder, and only then */
	resolve = cmd.ls_id == DL_LS_RESOLVE;
	if (resolve != !!wr.ls_len)
		return DL_WIRE_EBODY;
	switch (cmd.type) {
	case DL_LT_CMD_LOCK:
	case DL_LT_CMD_UNLOCK:
	case DL_LT_CMD_CANCEL:
	case DL_LT_CMD_RELEASE_OWNER:
	case DL_LT_CMD_LS_CREATE:
	case DL_LT_CMD_LS_REMOVE:
		return 0;
	default:
		return DL_WIRE_EBODY;
	}
}

static void dl_client_redirect(struct dl_node *node, u32 dst, u64 req_id)
{
	struct dl_wire_redirect rd = {
		.req_id = req_id, .leader = node->leader, .term = node->term,
	};
	u8 body[32];
	int n = dl_wire_enc_redirect(body, sizeof(body), &rd);

	if (n > 0)
		dl_node_send_op(node, dst, DL_OP_REDIRECT, body, n);
}

static int dl_client_on_request(struct dl_node *node, struct dl_peer *peer,
				const struct dl_wire_op *op)
{
	struct dl_wire_request wr;
	struct dl_lt_cmd cmd;
	int err;

	dl_wire_dec_request(op, &wr);
	dl_lt_cmd_decode(wr.cmd, wr.cmd_len, &cmd);
	node->cause = dl_cmd_cause(cmd.type);
	if (!dl_node_is_leader(node)) {
		dl_client_redirect(node, peer->id, wr.req_id);
		return 0;
	}
	if (cmd.owner.incarnation < peer->session)
		return -ESTALE;	/* its node gave that session up */
	/* a new session's first word: its old locks go first */
	/* not proposed (memory): the next request or HELLO tries again */
	(void)dl_session_new_session(node, peer, peer->id,
				     cmd.owner.incarnation);
	if (cmd.owner.incarnation != peer->max_req_session) {
		peer->max_req_session = cmd.owner.incarnation;
		peer->max_req_id = 0;
	}
	if (wr.req_id <= peer->max_req_id)
		node->ctr.dup_requests++;
	else
		peer->max_req_id = wr.req_id;
	/* any word from a node shows it alive: extend it in our books */
	peer->lease_until_ns = DL_MAX(peer->lease_until_ns, dl_node_now(node) +
				      dl_ms(node->cfg.timeouts.lease_ms));
	err = dl_client_propose(node, &cmd, wr.ls_name, wr.ls_len);
	if (!err)
		dl_node_tx_prefer(node, peer->id);
	if (err == -ENOTCONN) {
		dl_client_redirect(node, peer->id, wr.req_id);
	} else if (err && !dl_client_retry_later(err)) {
		struct dl_wire_event ev = {
			.kind = cmd.type == DL_LT_CMD_LS_REMOVE ?
				DL_WEV_DONE : DL_WEV_FAILED,
			.status = err,
			.session = cmd.owner.incarnation,
			.owner = cmd.owner.id, .req_id = cmd.req_id,
		};
		u8 body[DL_EVENT_BODY_MAX];
		int n = dl_wire_enc_event(body, sizeof(body), &ev);

		if (n > 0)
			dl_node_send_op(node, peer->id, DL_OP_EVENT, body, n);
	}
	return 0;
}

/*
 * (Leader) our own request @req_id was applied and waits in a queue: as a
 * remote one told so by a RESPONSE, it only polls from now on.  Re-proposing
 * it every backoff while it waited put one dedup-answered command per
 * waiter into the log over and over under contention.
 */
void dl_client_queued(struct dl_node *node, u64 req_id, u64 session)
{
	struct dl_request *rq = dl_request_find(node, req_id);

	if (!rq || session != node->session || rq->kind != DL_REQ_LOCK)
		return;
	dl_client_rtt_sample(node, rq);
	rq->acked = true;
	rq->retry_ns = dl_node_now(node) + dl_ms(node->cfg.timeouts.lease_ms);
}

int dl_client_recv(struct dl_node *node, struct dl_peer *peer,
		   const struct dl_wire_hdr *hdr, const struct dl_wire_op *op)
{
	struct dl_request *rq;

	(void)hdr;
	switch (op->type) {
	case DL_OP_REQUEST:
		return dl_client_on_request(node, peer, op);
	case DL_OP_RESPONSE: {
		struct dl_wire_response rs;

		dl_wire_dec_response(op, &rs);
		rq = dl_request_find(node, rs.req_id);
		if (!rq)
			return 0;
		dl_client_rtt_sample(node, rq);
		if (rs.status) {
			dl_client_failed(node, rq, rs.status);
		} else {
			rq->acked = true;
			rq->retry_ns = dl_node_now(node) +
				       dl_ms(node->cfg.timeouts.lease_ms);
		}
		return 0;
	}
	case DL_OP_EVENT: {
		struct dl_wire_event ev;

		if (peer->role != DL_NODE_VOTER)
			return -EPERM;
		dl_wire_dec_event(op, &ev);
		node->cause = DL_CAUSE_OTHER;
		dl_client_event(node, &ev);
		return 0;
	}
	case DL_OP_REDIRECT: {
		struct dl_wire_redirect rd;

		dl_wire_dec_redirect(op, &rd);
		/*
		 * Only a new leader hint hurries the next heartbeat: a node
		 * that answers "ask me again later" must not start a
		 * ping-pong.
		 */
		if (!dl_node_is_voter(node) && rd.leader &&
		    rd.leader != node->leader &&
		    rd.leader != node->cfg.node_id && rd.term >= node->term &&
		    dl_peer_find(node, rd.leader)) {
			dl_node_leader_changed(node, rd.leader, rd.term);
			if (!rd.req_id)
				node->hb_next_ns = dl_node_now(node);
		}
		return 0;
	}
	default:
		return DL_WIRE_ETYPE;
	}
}

/* ---- The API for local owners ------------------------------------------ */

int dl_node_lock(struct dl_node *node, const struct dl_lock_args *a,
		 u64 *req_id, u64 *lock_id)
{
	bool convert = a && (a->flags & DL_LKF_CONVERT);
	struct dl_local_lock *lk;
	struct dl_request *rq;

	/* coordinator cells and ra lockspaces (classic.c) */
	if (dl_classic_takes(node, a))
		return dl_classic_lock(node, a, req_id, lock_id);

	if (!a || !req_id || !lock_id || !a->owner ||
	    a->owner >= DL_CACHE_OWNER_BASE || !dl_mode_valid(a->mode) ||
	    (a->flags & ~DL_LKF_ALL) || a->lvb_len > DL_NODE_LVB_MAX ||
	    (a->lvb_len && !a->lvb) || (a->lvb_len && !convert) ||
	    (a->lvb_len && !(a->flags & DL_LKF_VALBLK)))
		return -EINVAL;
	/*
	 * An owner id released while its RELEASE_OWNER still waits for
	 * memory: that release, sent later, would take this lock too.
	 * (Hosts do not reuse ids soon; the kernel's are cyclic.)
	 */
	if (!dl_list_empty(&node->owners_releasing) &&
	    dl_local_owner_releasing(node, a->owner))
		return -EBUSY;
	if (convert) {
		lk = dl_local_find(node, a->lock_id);
		if (!lk)
			return -ENOENT;
		if (lk->owner != a->owner)
			return -EPERM;
		if (lk->state != DL_LL_GRANTED || lk->pending)
			return -EBUSY;
		if (lk->glock) {
			*lock_id = lk->id;
			return dl_cache_convert(node, lk, a, req_id);
		}
	} else {
		if (!a->lockspace || !a->ls_len ||
		    a->ls_len > DL_NODE_NAME_MAX || !a->resource ||
		    !a->res_len || a->res_len > DL_NODE_NAME_MAX)
			return -EINVAL;
		if (dl_cache_enabled(node, a->lockspace, a->ls_len))
			return dl_cache_lock(node, a, req_id, lock_id);
		lk = dl_local_new(node, a->owner);
		if (!lk)
			return -ENOMEM;
	}
	rq = dl_request_new(node, DL_REQ_LOCK);
	if (!rq) {
		if (!convert)
			dl_local_free(node, lk);
		return -ENOMEM;
	}
	rq->lock = lk;
	rq->cookie = a->cookie;
	lk->cookie = a->cookie;
	lk->pending = rq;
	rq->cmd.type = DL_LT_CMD_LOCK;
	rq->cmd.mode = (u8)a->mode;
	rq->cmd.flags = (u8)a->flags;
	rq->cmd.owner.id = a->owner;
	if (convert) {
		rq->cmd.lock_id = lk->lt_lock_id;
		rq->cmd.ls_id = lk->ls_id;
		rq->cmd.lvb_len = (u8)a->lvb_len;
		if (a->lvb_len)
			memcpy(rq->cmd.lvb, a->lvb, a->lvb_len);
	} else {
		rq->cmd.name_len = (u8)a->res_len;
		memcpy(rq->cmd.name, a->resource, a->res_len);
		rq->cmd.ls_id = DL_LS_RESOLVE;
		rq->ls_len = (u8)a->ls_len;
		memcpy(rq->ls_name, a->lockspace, a->ls_len);
	}
	/* a down-conversion is granted at once: nothing to time out */
	if (a->timeout_ms && !(convert && dl_mode_is_down(lk->mode, a->mode)))
		rq->deadline_ns = dl_node_now(node) + dl_ms(a->timeout_ms);
	*req_id = rq->req_id;
	*lock_id = lk->id;
	dl_node_enter(node, true);
	node->cause = DL_CAUSE_ACQUIRE;
	dl_request_submit(node, rq);
	dl_node_leave(node);
	return 0;
}

int dl_node_unlock(struct dl_node *node, u64 owner, u64 lock_id,
		   const u8 *lvb, u32 lvb_len)
{
	struct dl_local_lock *lk = dl_local_find(node, lock_id);
	struct dl_request *rq;

	if (lvb_len > DL_NODE_LVB_MAX || (lvb_len && !lvb))
		return -EINVAL;
	if (dl_classic_owns(node, lock_id))
		return dl_classic_unlock(node, owner, lock_id, lvb_len);
	if (!lk)
		return -ENOENT;
	if (lk->owner != owner)
		return -EPERM;
	if (lk->state != DL_LL_GRANTED || lk->pending)
		return -EBUSY;
	if (lk->glock)
		return dl_cache_unlock(node, lk, lvb, lvb_len);
	rq = dl_request_new(node, DL_REQ_UNLOCK);
	if (!rq)
		return -ENOMEM;
	rq->lock = lk;
	rq->cookie = lk->cookie;
	rq->cmd.type = DL_LT_CMD_UNLOCK;
	rq->cmd.owner.id = owner;
	rq->cmd.lock_id = lk->lt_lock_id;
	if (lvb_len) {
		rq->cmd.flags = DL_LKF_VALBLK;
		rq->cmd.lvb_len = (u8)lvb_len;
		memcpy(rq->cmd.lvb, lvb, lvb_len);
	}
	lk->pending = rq;
	lk->state = DL_LL_UNLOCKING;
	dl_node_enter(node, true);
	node->cause = DL_CAUSE_RELEASE;
	dl_request_submit(node, rq);
	dl_node_leave(node);
	return 0;
}

int dl_node_cancel(struct dl_node *node, u64 owner, u64 lock_id)
{
	struct dl_local_lock *lk = dl_local_find(node, lock_id);
	struct dl_request *pending;

	if (dl_classic_owns(node, lock_id))
		return dl_classic_cancel(node, owner, lock_id);
	if (!lk)
		return -ENOENT;
	if (lk->owner != owner)
		return -EPERM;
	pending = lk->pending;
	if (lk->glock && pending && pending->kind == DL_REQ_LOCAL)
		return dl_cache_cancel(node, lk);
	if (!pending || pending->kind != DL_REQ_LOCK || pending->orphan)
		return -EALREADY;
	if (pending->cancel_wanted)
		return 0;	/* asked already, waits for memory */
	dl_node_enter(node, true);
	if (!pending->sent) {
		/* the cell never saw it */
		dl_client_emit(node, DL_LEV_FAILED, -ECANCELED, lk, pending);
		dl_request_free(node, pending);
		if (lk->mode == DL_MODE_NONE)
			dl_local_free(node, lk);
		dl_node_leave(node);
		return 0;
	}
	/*
	 * Without memory for the CANCEL, the client timer sends it later:
	 * a caller that waits for the request's end once it asked (the
	 * chardev's interrupted blocking lock) would otherwise wait for ever
	 * on a resource that is never released.
	 */
	node->cause = DL_CAUSE_RELEASE;
	dl_client_cancel_send(node, pending, dl_node_now(node));
	dl_node_leave(node);
	return 0;
}

int dl_node_release_owner(struct dl_node *node, u64 owner)
{
	struct dl_request *rq, *tmp;
	struct dl_local_lock *lk, *ltmp;
	u32 i;

	if (!owner || owner >= DL_CACHE_OWNER_BASE)
		return -EINVAL;
	dl_classic_release_owner(node, owner);
	dl_node_enter(node, true);
	dl_local_drop_deferred(node, owner);
	dl_list_for_each_entry_safe(rq, tmp, &node->requests, link)
		if (rq->cmd.owner.id == owner && rq->kind != DL_REQ_LS)
			dl_request_free(node, rq);
	for (i = 0; i < DL_ARRAY_SIZE(node->local_hash); i++)
		dl_list_for_each_entry_safe(lk, ltmp, &node->local_hash[i],
					    link)
			if (lk->owner == owner)
				dl_local_free(node, lk);
	/* its share of cached cell locks: they may go idle or drain now */
	dl_cache_run_all(node);
	/*
	 * Not when it only ever used cached grants: the cell never knew it.
	 * Otherwise its RELEASE_OWNER goes out now or, lacking memory, from
	 * dl_client_timer() once there is some: the caller (a file's
	 * release) cannot fail, so the node owns the retry.
	 */
	if (dl_local_owner_gone(node, owner)) {
		node->cause = DL_CAUSE_RELEASE;
		dl_local_owners_release(node);
	}
	dl_node_leave(node);
	return 0;
}
