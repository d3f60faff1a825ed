// SPDX-License-Identifier: GPL-2.0
/*
 * node.c - the live node of a namespace: builds the protocol core from the
 * configuration, feeds it datagrams and timer expiries from its ordered
 * work, seals what it sends, and tears it all down again.
 *
 * Receive is bounded: the socket hook (softirq) only queues skbs, at most
 * DLOCK_RXQ_MAX of them, and counts what it drops; it allocates nothing.
 * The work then drains the queue under one hold of dn->lock and in one
 * core entry: it copies each datagram into the node's buffer, checks cell,
 * sender, seal and replay window in that order, and hands the plaintext to
 * the core.
 */

#include "netlink.h"
#include "netns.h"
#include "node.h"
#include "trace.h"

#include <linux/ktime.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

#include "core/wire.h"

/* Datagrams one run of the receive work handles before yielding. */
#define DLOCK_RX_BUDGET		64

static const char * const dlock_drop_names[DLOCK_DROP_COUNT] = {
	[DLOCK_DROP_MALFORMED]		= "malformed",
	[DLOCK_DROP_FORGED]		= "forged",
	[DLOCK_DROP_REPLAYED]		= "replayed",
	[DLOCK_DROP_WRONG_CELL]		= "wrong_cell",
	[DLOCK_DROP_UNKNOWN_PEER]	= "unknown_peer",
	[DLOCK_DROP_QUEUE_FULL]		= "queue_full",
	[DLOCK_DROP_NOT_RUNNING]	= "not_running",
};

const char *dlock_drop_name(unsigned int reason)
{
	return reason < DLOCK_DROP_COUNT ? dlock_drop_names[reason] : "unknown";
}

u64 dlock_node_drops(struct dlock_node *node, unsigned int reason)
{
	return atomic64_read(&node->drops[reason]);
}

static void dlock_node_drop(struct dlock_node *node, unsigned int reason)
{
	atomic64_inc(&node->drops[reason]);
	trace_dlock_drop(node->node_id, reason);
}

void dlock_node_queue_rx(struct dlock_node *node, struct sk_buff *skb)
{
	struct sk_buff_head *q = &node->rxq;
	unsigned long flags;

	if (skb->len < DLOCK_SEAL_OVERHEAD + DL_WIRE_HDR_LEN ||
	    skb->len > DLOCK_SEALED_MAX) {
		dlock_node_drop(node, DLOCK_DROP_MALFORMED);
		kfree_skb(skb);
		return;
	}
	spin_lock_irqsave(&q->lock, flags);
	if (skb_queue_len(q) >= DLOCK_RXQ_MAX) {
		spin_unlock_irqrestore(&q->lock, flags);
		dlock_node_drop(node, DLOCK_DROP_QUEUE_FULL);
		kfree_skb(skb);
		return;
	}
	__skb_queue_tail(q, skb);
	spin_unlock_irqrestore(&q->lock, flags);
	queue_work(node->wq, &node->rx_work);
}

void dlock_node_timer_fired(struct dlock_node *node)
{
	queue_work(node->wq, &node->timer_work);
}

int dlock_node_send(struct dlock_node *node, u32 dst, const void *buf,
		    size_t len)
{
	struct dlock_peer *peer;

	lockdep_assert_held(&node->dn->lock);
	if (len > DL_WIRE_MTU)
		return -EMSGSIZE;
	peer = xa_load(&node->dn->peers, dst);
	if (!peer)
		return -EHOSTUNREACH;
	dlock_seal(node->txbuf, buf, len, node->cell_id, node->node_id,
		   node->tx_counter++, node->key);
	return dlock_socket_send(&node->sock, &peer->addr, node->txbuf,
				 len + DLOCK_SEAL_OVERHEAD);
}

/* One datagram from the queue: check it all, then give it to the core. */
static void dlock_node_rx_one(struct dlock_node *node, struct sk_buff *skb)
{
	struct dlock_seal_hdr hdr;
	struct dlock_peer *peer;
	unsigned int len = skb->len;

	if (skb_copy_bits(skb, 0, node->rxbuf, len) < 0 ||
	    !dlock_seal_peek(node->rxbuf, len, &hdr)) {
		dlock_node_drop(node, DLOCK_DROP_MALFORMED);
		return;
	}
	if (hdr.cell_id != node->cell_id) {
		dlock_node_drop(node, DLOCK_DROP_WRONG_CELL);
		return;
	}
	peer = xa_load(&node->dn->peers, hdr.src);
	if (!peer || hdr.src == node->node_id) {
		dlock_node_drop(node, DLOCK_DROP_UNKNOWN_PEER);
		return;
	}
	if (!dlock_unseal(node->plainbuf, node->rxbuf, len, &hdr, node->key)) {
		dlock_node_drop(node, DLOCK_DROP_FORGED);
		return;
	}
	/* Only an authentic counter may move the window. */
	if (!dlock_replay_check(&peer->replay, hdr.counter)) {
		dlock_node_drop(node, DLOCK_DROP_REPLAYED);
		return;
	}
	peer->last_rx_ns = ktime_get_ns();
	/* The core counts and traces nothing of ours: it counts its drops. */
	dl_node_recv(node->core, node->plainbuf, len - DLOCK_SEAL_OVERHEAD);
}

/*
 * Drain the receive queue under one hold of dn->lock and in one core entry
 * (dl_node_rx_begin/end): whatever the datagrams of one drain cause leaves
 * in one datagram per destination, and the requests they carry become one
 * Raft entry.  Taking the mutex once per datagram cost a sleep and a
 * wake-up per datagram whenever a client held it, and gave every reply and
 * APPEND its own packet.  The budget bounds how long the clients' ioctls
 * and the timer wait for the mutex.
 */
static void dlock_node_rx_work(struct work_struct *work)
{
	struct dlock_node *node = container_of(work, struct dlock_node,
					       rx_work);
	struct dlock_net *dn = node->dn;
	struct sk_buff *skb;
	int n;

	if (skb_queue_empty_lockless(&node->rxq))
		return;
	mutex_lock(&dn->lock);
	if (node->dead) {
		mutex_unlock(&dn->lock);
		while ((skb = skb_dequeue(&node->rxq))) {
			dlock_node_drop(node, DLOCK_DROP_NOT_RUNNING);
			kfree_skb(skb);
		}
		return;
	}
	dl_node_rx_begin(node->core);
	for (n = 0; n < DLOCK_RX_BUDGET; n++) {
		skb = skb_dequeue(&node->rxq);
		if (!skb)
			break;
		dlock_node_rx_one(node, skb);
		consume_skb(skb);
	}
	dl_node_rx_end(node->core);
	mutex_unlock(&dn->lock);
	/* More left: let other work (the timer) run in between. */
	if (!skb_queue_empty_lockless(&node->rxq))
		queue_work(node->wq, &node->rx_work);
}

static void dlock_node_timer_work(struct work_struct *work)
{
	struct dlock_node *node = container_of(work, struct dlock_node,
					       timer_work);
	struct dlock_net *dn = node->dn;

	mutex_lock(&dn->lock);
	if (!node->dead)
		dl_node_timer(node->core);
	mutex_unlock(&dn->lock);
}

/* A netlink request waiting for a lockspace create/remove to complete. */
struct dlock_admin_wait {
	struct list_head entry;
	u64 req_id;
	int status;
	bool done;
};

static void dlock_admin_done(struct dlock_net *dn, u64 req_id, int status)
{
	struct dlock_admin_wait *w;

	list_for_each_entry(w, &dn->admin_waiters, entry) {
		if (!w->done && (!req_id || w->req_id == req_id)) {
			w->status = status;
			w->done = true;
		}
	}
	wake_up_all(&dn->admin_wq);
}

/* Long enough for a leader election and a commit under TCG. */
#define DLOCK_ADMIN_TIMEOUT	(10 * HZ)

int dlock_node_ls_change(struct dlock_net *dn, bool create, const u8 *name,
			 u32 len, u32 algo, u32 lvb_len, u32 flags)
{
	struct dlock_admin_wait w = { };
	long left;
	int ret;

	lockdep_assert_held(&dn->lock);
	if (!dn->node)
		return -ENOTCONN;
	if (create)
		ret = dl_node_ls_create(dn->node->core, name, len, algo,
					lvb_len, flags, 0, &w.req_id);
	else
		ret = dl_node_ls_remove(dn->node->core, name, len, 0,
					&w.req_id);
	if (ret)
		return ret;
	list_add_tail(&w.entry, &dn->admin_waiters);
	mutex_unlock(&dn->lock);
	left = wait_event_interruptible_timeout(dn->admin_wq, READ_ONCE(w.done),
						DLOCK_ADMIN_TIMEOUT);
	mutex_lock(&dn->lock);
	list_del(&w.entry);
	if (w.done)
		return w.status;
	return left < 0 ? -EINTR : -ETIMEDOUT;
}

/* Core ops: called under dn->lock from inside a core entry point. */

static void dlock_node_lock_event(void *host, const struct dl_lock_event *ev)
{
	struct dlock_node *node = host;
	struct dlock_owner *owner;

	switch (ev->type) {
	case DL_LEV_GRANTED:
		trace_dlock_grant(node->node_id, ev->owner, ev->lock_id,
				  ev->mode, ev->token);
		break;
	case DL_LEV_UNLOCKED:
		trace_dlock_release(node->node_id, ev->owner, ev->lock_id);
		break;
	case DL_LEV_REVOKED:
		trace_dlock_revoke(node->node_id, ev->owner, ev->lock_id,
				   ev->token);
		dlock_nl_notify(node->dn, DLOCK_EVENT_LOCK_REVOKED);
		break;
	}
	if (ev->type == DL_LEV_DONE && !ev->owner) {
		dlock_admin_done(node->dn, ev->req_id, ev->status);
		return;
	}
	owner = xa_load(&node->dn->owners, (unsigned long)ev->owner);
	if (owner && ev->owner <= U32_MAX)
		owner->ops->event(owner, ev);
}

static void dlock_node_state_change(void *host, const struct dl_node_status *st)
{
	struct dlock_node *node = host;
	struct dlock_net *dn = node->dn;

	dn->state = st->state;
	if (st->leader_id != node->last_leader) {
		trace_dlock_leader(node->node_id, st->leader_id, st->term,
				   st->state);
		node->last_leader = st->leader_id;
		dlock_nl_notify(dn, DLOCK_EVENT_LEADER_CHANGE);
	}
	node->last_state = st->state;
}

static void dlock_node_lease_lost(void *host)
{
	struct dlock_node *node = host;

	dlock_nl_notify(node->dn, DLOCK_EVENT_LEASE_LOST);
}

static const struct dl_node_ops dlock_node_ops = {
	.lock_event = dlock_node_lock_event,
	.state_change = dlock_node_state_change,
	.lease_lost = dlock_node_lease_lost,
};

/*
 * Incarnations grow across restarts of a node, as the core requires, and
 * fit in DL_NODE_INCARNATION_MAX (44 bits), because session ids are the
 * incarnation shifted up by 20 bits.  The wall clock in nanoseconds did
 * not fit: its shifted value wrapped every 4.9 hours, and a node restarted
 * across a wrap had a session "older" than its last one, so the leader
 * refused all its requests with -ESTALE.  Units of 2^20 ns (about a
 * millisecond) last until the year 2554; a restart within one unit takes
 * the next.
 */
static u64 dlock_next_incarnation(void)
{
	static atomic64_t last = ATOMIC64_INIT(0);
	s64 now = ktime_get_real_ns() >> 20, prev;

	do {
		prev = atomic64_read(&last);
		if (now <= prev)
			now = prev + 1;
	} while (atomic64_cmpxchg(&last, prev, now) != prev);
	return now;
}

/* The core's configuration: this node and the voters among its peers. */
static int dlock_node_core_cfg(struct dlock_net *dn, struct dl_node_config *c,
			       const char **msg)
{
	struct dlock_peer *peer;
	unsigned long id;

	memset(c, 0, sizeof(*c));
	c->node_id = dn->cfg.node_id;
	c->cell_id = dn->cfg.cell_id;
	c->incarnation = dlock_next_incarnation();
	c->role = dn->cfg.role;
	c->election = dn->cfg.election;
	c->timeouts = dn->cfg.timeouts;
	if (c->role == DLOCK_ROLE_VOTER)
		c->voters[c->n_voters++] = c->node_id;
	xa_for_each(&dn->peers, id, peer) {
		if (peer->role != DLOCK_ROLE_VOTER || peer->removing)
			continue;
		if (c->n_voters == DL_NODE_MAX_VOTERS) {
			*msg = "more than 7 voters in the cell";
			return -E2BIG;
		}
		c->voters[c->n_voters++] = peer->id;
	}
	if (!c->n_voters) {
		*msg = "the cell has no voter: add voter peers first";
		return -EINVAL;
	}
	return 0;
}

/*
 * Free a node marked dead.  Its work takes dn->lock, so the lock is dropped
 * while we wait for the work to finish (it sees @dead and does nothing).
 * Sockets go first, so no more receive work is queued; then the timer, so
 * no more timer work; then the work itself.
 */
static void dlock_node_teardown(struct dlock_net *dn, struct dlock_node *node)
{
	mutex_unlock(&dn->lock);
	dlock_socket_close(&node->sock);
	hrtimer_cancel(&node->env.timer);
	cancel_work_sync(&node->rx_work);
	cancel_work_sync(&node->timer_work);
	destroy_workqueue(node->wq);
	skb_queue_purge(&node->rxq);
	mutex_lock(&dn->lock);

	dl_node_destroy(node->core);
	memzero_explicit(node->key, sizeof(node->key));
	kfree(node);
}

int dlock_node_start(struct dlock_net *dn, bool rejoin, const char **msg)
{
	struct dl_node_config ccfg;
	struct dlock_node *node;
	struct dlock_peer *peer;
	unsigned long id;
	int ret;

	lockdep_assert_held(&dn->lock);
	if (WARN_ON_ONCE(dn->node))
		return -EBUSY;
	if (!dn->cfg.node_id || !dn->cfg.key_set) {
		*msg = "a node needs a node id and a cell key to run";
		return -EINVAL;
	}
	ret = dlock_node_core_cfg(dn, &ccfg, msg);
	if (ret)
		return ret;
	ccfg.rejoin = rejoin;

	node = kzalloc(sizeof(*node), GFP_KERNEL);
	if (!node)
		return -ENOMEM;
	node->dn = dn;
	node->node_id = dn->cfg.node_id;
	node->cell_id = dn->cfg.cell_id;
	memcpy(node->key, dn->cfg.key, DLOCK_KEY_LEN);
	node->tx_counter = ktime_get_real_ns();
	skb_queue_head_init(&node->rxq);
	INIT_WORK(&node->rx_work, dlock_node_rx_work);
	INIT_WORK(&node->timer_work, dlock_node_timer_work);
	dlock_env_init(&node->env);
	node->wq = alloc_ordered_workqueue("dlock-%u", 0, node->node_id);
	if (!node->wq) {
		ret = -ENOMEM;
		goto err_free;
	}

	ret = dlock_socket_open(&node->sock, dn->net, node, dn->cfg.port,
				dn->cfg.has_addr4 ? dn->cfg.addr4 : 0,
				dn->cfg.has_addr6 ? &dn->cfg.addr6 : NULL);
	if (ret) {
		*msg = ret == -EADDRINUSE ? "listen port already in use" :
					    "cannot open the UDP socket";
		goto err_wq;
	}

	node->core = dl_node_create(&node->env, &ccfg, &dlock_node_ops, node);
	if (!node->core) {
		*msg = "the protocol core refused the configuration";
		ret = -EINVAL;
		goto err_core;
	}
	xa_for_each(&dn->peers, id, peer) {
		if (peer->role == DLOCK_ROLE_VOTER)
			continue;
		ret = dl_node_peer_add(node->core, peer->id, peer->role);
		if (ret) {
			*msg = "the protocol core refused a member peer";
			goto err_core;
		}
	}

	dn->node = node;
	dn->generation++;
	return 0;

err_core:
	/* Receive work may be queued already: tear down as a running node. */
	node->dead = true;
	dlock_node_teardown(dn, node);
	return ret;
err_wq:
	destroy_workqueue(node->wq);
err_free:
	kfree(node);
	return ret;
}

void dlock_node_stop(struct dlock_net *dn)
{
	struct dlock_node *node = dn->node;
	struct dlock_owner *owner;
	unsigned long id;

	lockdep_assert_held(&dn->lock);
	if (!node)
		return;
	node->dead = true;
	dn->node = NULL;
	dn->state = DLOCK_STATE_UNCONFIGURED;
	xa_for_each(&dn->owners, id, owner)
		if (owner->ops->node_gone)
			owner->ops->node_gone(owner);
	/* Lockspace requests in flight have no node to finish them. */
	dlock_admin_done(dn, 0, -ENOTCONN);

	dlock_node_teardown(dn, node);
}

int dlock_owner_register(struct dlock_net *dn, struct dlock_owner *owner)
{
	int ret;

	lockdep_assert_held(&dn->lock);
	/*
	 * Cyclically, never the lowest free id: a closed file's RELEASE_OWNER
	 * may still be on its way to the leader (lost once, sent again), and
	 * arriving after a new file of the same id took a lock it would
	 * release that lock under its new holder.
	 */
	ret = xa_alloc_cyclic(&dn->owners, &owner->id, owner, xa_limit_31b,
			      &dn->owner_next, GFP_KERNEL);
	return ret < 0 ? ret : 0;
}

void dlock_owner_unregister(struct dlock_net *dn, struct dlock_owner *owner)
{
	lockdep_assert_held(&dn->lock);
	if (dn->node)
		dl_node_release_owner(dn->node->core, owner->id);
	xa_erase(&dn->owners, owner->id);
}
