// SPDX-License-Identifier: GPL-2.0
/*
 * classic.c - the slides' algorithms in a live node (classic.h): the same
 * engines the simulator drives (elect_bully.c, elect_ring.c, coord.c,
 * ra.c), fed by the node's datagrams and timer.
 *
 * A Bully or Ring cell: dl_election_bully / dl_election_ring stand behind
 * the node's election ops.  Local owners' locks do not go through the
 * replicated lock table but to the coordinator, through coord.c: on a
 * follower REQUEST, GRANT, RELEASE (the slides' 3 messages), on the
 * coordinator none.  Lock-table commands the node layer still proposes
 * (lockspace add/remove, session upkeep) are applied by the coordinator
 * alone, unreplicated, in the order proposed.
 *
 * An "ra" lockspace: its local owners' exclusive locks go through one
 * Ricart-Agrawala engine per node among the cell's voters.  Its membership
 * view is "who answers": a voter that stays silent while this node waits
 * for it (lease_ms, and at least 8 RA resends of one election timeout
 * each) is taken for dead until it is heard again.  A live holder
 * answers every resend with DEFER, so a long critical section is not
 * mistaken for a crash.
 *
 * The engines take one request per resource name and node; further local
 * owners of the same name queue here, in arrival order, and go to the
 * engine when the one before them leaves.  Names are the lockspace and the
 * resource, length-prefixed: 1 + ls_len + res_len <= 64 bytes.
 */
#include "classic.h"
#include "coord.h"
#include "elect_bully.h"
#include "elect_ring.h"
#include "node_priv.h"
#include "ra.h"
#include "wire_classic.h"

#define DL_CL_NAME_MAX	DL_COORD_NAME_MAX

/**
 * struct dl_cl_lock - a local owner's lock taken the classic way
 * @link: in dl_classic.locks, arrival order
 * @lock_id: node-local lock id
 * @owner: its owner
 * @cookie: the owner's cookie
 * @req_id: the request id its completion carries
 * @ra: through Ricart-Agrawala (else the coordinator)
 * @queued: another local owner has this name in the engine; waits here
 * @granted: held
 * @mode: DL_MODE_*
 * @coord_req: coord.c's request id, 0 while @queued
 * @token: fencing token of the grant (0 for ra: it has none)
 * @since: asked at
 * @deadline: the owner's timeout, DL_NEVER when none
 * @name_len: @name's length
 * @name: ls_len, lockspace, resource
 */
struct dl_cl_lock {
	struct dl_list link;
	u64 lock_id;
	u64 owner;
	u64 cookie;
	u64 req_id;
	bool ra;
	bool queued;
	bool granted;
	u8 mode;
	s64 coord_req;
	u64 token;
	u64 since;
	u64 deadline;
	u8 name_len;
	u8 name[DL_CL_NAME_MAX];
};

/* A lockspace declared "ra" on this node. */
struct dl_cl_ra_ls {
	struct dl_list link;
	u8 len;
	u8 name[DL_NODE_NAME_MAX];
};

/* A lock-table command proposed on the coordinator, applied at flush. */
struct dl_cl_entry {
	struct dl_list link;
	size_t len;
	u8 data[];
};

struct dl_classic {
	struct dl_node *node;
	struct dl_bully *bully;
	struct dl_ring *ring;
	struct dl_coord *coord;
	struct dl_ra *ra;
	struct dl_list locks;
	struct dl_list ra_ls;
	struct dl_list entries;
	u64 applied;
	bool ra_down[DL_NODE_MAX_VOTERS];
};

static struct dl_classic *dl_cl(struct dl_node *node)
{
	return node->classic;
}

/* ---- Sending --------------------------------------------------------- */

static void dl_cl_send(struct dl_node *node, u32 to, int n, u8 type,
		       u32 cause)
{
	u32 saved = node->cause;

	if (n < 0) {
		dl_env_log(node->env, DL_LOG_ERR, "%s not encodable: %d",
			   dl_wire_op_name(type), n);
		return;
	}
	node->cause = cause;
	dl_node_send_op(node, to, type, node->enc_buf, n);
	node->cause = saved;
}

static void dl_cl_bully_send(void *ctx, const struct dl_bully_msg *m)
{
	struct dl_node *node = ((struct dl_classic *)ctx)->node;
	u8 type = 0;
	int n = dl_wire_enc_bully(node->enc_buf, sizeof(node->enc_buf), m,
				  &type);

	dl_cl_send(node, m->to, n, type, m->type >= DL_BULLY_HEARTBEAT ?
		   DL_CAUSE_SESSION : DL_CAUSE_ELECTION);
}

static void dl_cl_ring_send(void *ctx, const struct dl_ring_msg *m)
{
	struct dl_node *node = ((struct dl_classic *)ctx)->node;
	u8 type = 0;
	int n = dl_wire_enc_ring(node->enc_buf, sizeof(node->enc_buf), m,
				 &type);

	dl_cl_send(node, m->to, n, type, m->type >= DL_RING_HEARTBEAT ?
		   DL_CAUSE_SESSION : DL_CAUSE_ELECTION);
}

static void dl_cl_coord_send(void *ctx, const struct dl_coord_msg *m)
{
	static const u32 cause[DL_COORD_MSG_COUNT] = {
		[DL_COORD_REQUEST] = DL_CAUSE_ACQUIRE,
		[DL_COORD_GRANT] = DL_CAUSE_ACQUIRE,
		[DL_COORD_RELEASE] = DL_CAUSE_RELEASE,
		[DL_COORD_QUERY] = DL_CAUSE_ELECTION,
		[DL_COORD_REPORT] = DL_CAUSE_ELECTION,
	};
	struct dl_node *node = ((struct dl_classic *)ctx)->node;
	u8 type = 0;
	int n = dl_wire_enc_coord(node->enc_buf, sizeof(node->enc_buf), m,
				  &type);

	dl_cl_send(node, m->to, n, type, cause[m->type]);
}

static void dl_cl_ra_send(void *ctx, const struct dl_ra_msg *m)
{
	struct dl_node *node = ((struct dl_classic *)ctx)->node;
	u8 type = 0;
	int n = dl_wire_enc_ra(node->enc_buf, sizeof(node->enc_buf), m,
			       &type);

	dl_cl_send(node, m->to, n, type, DL_CAUSE_ACQUIRE);
}

/* ---- Local owners' locks -------------------------------------------- */

static void dl_cl_emit(struct dl_node *node, u32 type, int status,
		       const struct dl_cl_lock *lk, u64 req_id)
{
	struct dl_lock_event ev = {
		.type = type,
		.status = status,
		.owner = lk->owner,
		.cookie = lk->cookie,
		.req_id = req_id,
		.lock_id = lk->lock_id,
		.token = lk->token,
		.mode = lk->mode,
	};

	dl_local_event(node, &ev);
}

static struct dl_cl_lock *dl_cl_find(struct dl_classic *c, u64 lock_id)
{
	struct dl_cl_lock *lk;

	dl_list_for_each_entry(lk, &c->locks, link)
		if (lk->lock_id == lock_id)
			return lk;
	return NULL;
}

static void dl_cl_granted(struct dl_node *node, struct dl_cl_lock *lk,
			  u64 token)
{
	lk->granted = true;
	lk->token = token;
	node->ctr.acquires++;
	dl_cl_emit(node, DL_LEV_GRANTED, 0, lk, lk->req_id);
}

static void dl_cl_coord_granted(void *ctx, u64 req_id, u64 token)
{
	struct dl_classic *c = ctx;
	struct dl_cl_lock *lk;

	dl_list_for_each_entry(lk, &c->locks, link) {
		if (!lk->ra && !lk->queued && !lk->granted &&
		    lk->coord_req == (s64)req_id) {
			dl_cl_granted(c->node, lk, token);
			return;
		}
	}
}

static void dl_cl_ra_granted(void *ctx, const u8 *name, u8 name_len)
{
	struct dl_classic *c = ctx;
	struct dl_cl_lock *lk;

	dl_list_for_each_entry(lk, &c->locks, link) {
		if (lk->ra && !lk->queued && !lk->granted &&
		    lk->name_len == name_len &&
		    !memcmp(lk->name, name, name_len)) {
			dl_cl_granted(c->node, lk, 0);
			return;
		}
	}
}

/* Hand @lk to its engine; it may be granted at once (coordinator). */
static int dl_cl_engine_lock(struct dl_classic *c, struct dl_cl_lock *lk,
			     u64 now)
{
	s64 r;
	u64 token;

	lk->queued = false;
	if (lk->ra)
		return dl_ra_lock(c->ra, lk->name, lk->name_len, now);
	r = dl_coord_lock(c->coord, lk->name, lk->name_len, lk->mode, now);
	if (r < 0)
		return (int)r;
	lk->coord_req = r;
	if (dl_coord_holds(c->coord, r, &token))
		dl_cl_granted(c->node, lk, token);
	return 0;
}

static void dl_cl_engine_unlock(struct dl_classic *c, struct dl_cl_lock *lk)
{
	if (lk->queued)
		return;
	if (lk->ra)
		dl_ra_unlock(c->ra, lk->name, lk->name_len);
	else
		dl_coord_unlock(c->coord, lk->coord_req);
}

/* @gone leaves: the first local owner queued behind it goes to the engine. */
static void dl_cl_free(struct dl_classic *c, struct dl_cl_lock *gone, u64 now)
{
	struct dl_cl_lock *lk;
	bool was_queued = gone->queued;

	dl_cl_engine_unlock(c, gone);
	dl_list_del(&gone->link);
	if (!was_queued) {
		dl_list_for_each_entry(lk, &c->locks, link) {
			if (!lk->queued || lk->ra != gone->ra ||
			    lk->name_len != gone->name_len ||
			    memcmp(lk->name, gone->name, gone->name_len))
				continue;
			if (dl_cl_engine_lock(c, lk, now)) {
				/* the engine is full: fail it, not hang */
				lk->queued = true;
				dl_cl_emit(c->node, DL_LEV_FAILED, -ENOSPC, lk,
					   lk->req_id);
				dl_list_del(&lk->link);
				dl_free(lk);
			}
			break;
		}
	}
	dl_free(gone);
}

static struct dl_cl_ra_ls *dl_cl_ra_ls_find(struct dl_classic *c,
					    const u8 *name, u32 len)
{
	struct dl_cl_ra_ls *ls;

	dl_list_for_each_entry(ls, &c->ra_ls, link)
		if (ls->len == len && !memcmp(ls->name, name, len))
			return ls;
	return NULL;
}

bool dl_classic_takes(struct dl_node *node, const struct dl_lock_args *a)
{
	struct dl_classic *c = dl_cl(node);

	if (!c || !a)
		return false;
	if (a->flags & DL_LKF_CONVERT)
		return dl_cl_find(c, a->lock_id);
	if (c->coord)
		return true;
	return a->lockspace && a->ls_len <= DL_NODE_NAME_MAX &&
	       dl_cl_ra_ls_find(c, a->lockspace, a->ls_len);
}

bool dl_classic_owns(struct dl_node *node, u64 lock_id)
{
	struct dl_classic *c = dl_cl(node);

	return c && dl_cl_find(c, lock_id);
}

int dl_classic_lock(struct dl_node *node, const struct dl_lock_args *a,
		    u64 *req_id, u64 *lock_id)
{
	struct dl_classic *c = dl_cl(node);
	u64 now = dl_node_now(node);
	struct dl_cl_lock *lk, *other;
	bool ra;
	int err = 0;

	if (!c || !a || !req_id || !lock_id || !a->owner ||
	    !dl_mode_valid(a->mode) || (a->flags & ~DL_LKF_ALL) ||
	    a->lvb_len > DL_NODE_LVB_MAX || (a->lvb_len && !a->lvb))
		return -EINVAL;
	/* the slides' algorithms have no conversion, try-lock, value block */
	if (a->flags || a->lvb_len)
		return -EOPNOTSUPP;
	if (!a->lockspace || !a->ls_len || a->ls_len > DL_NODE_NAME_MAX ||
	    !a->resource || !a->res_len || a->res_len > DL_NODE_NAME_MAX)
		return -EINVAL;
	if (1 + a->ls_len + a->res_len > DL_CL_NAME_MAX)
		return -ENAMETOOLONG;
	ra = dl_cl_ra_ls_find(c, a->lockspace, a->ls_len);
	if (ra && a->mode != DL_MODE_EX)
		return -EOPNOTSUPP;	/* Ricart-Agrawala: exclusive only */
	if (!ra && !c->coord)
		return -EINVAL;
	lk = dl_zalloc(sizeof(*lk));
	if (!lk)
		return -ENOMEM;
	lk->ra = ra;
	lk->owner = a->owner;
	lk->cookie = a->cookie;
	lk->mode = (u8)a->mode;
	lk->since = now;
	lk->deadline = a->timeout_ms ? now + dl_ms(a->timeout_ms) : DL_NEVER;
	lk->name_len = (u8)(1 + a->ls_len + a->res_len);
	lk->name[0] = (u8)a->ls_len;
	memcpy(lk->name + 1, a->lockspace, a->ls_len);
	memcpy(lk->name + 1 + a->ls_len, a->resource, a->res_len);
	lk->lock_id = node->next_local_id++;
	lk->req_id = node->next_req_id++;
	/* another local owner of the name is in the engine: queue here */
	lk->queued = false;
	dl_list_for_each_entry(other, &c->locks, link)
		if (other->ra == ra && other->name_len == lk->name_len &&
		    !memcmp(other->name, lk->name, lk->name_len))
			lk->queued = true;
	dl_node_enter(node, true);
	node->cause = DL_CAUSE_ACQUIRE;
	dl_list_add_tail(&lk->link, &c->locks);
	if (!lk->queued)
		err = dl_cl_engine_lock(c, lk, now);
	if (err) {
		dl_list_del(&lk->link);
		dl_free(lk);
	} else {
		*req_id = lk->req_id;
		*lock_id = lk->lock_id;
	}
	dl_node_leave(node);
	return err == -EBUSY || err == -EEXIST ? -EBUSY : err;
}

int dl_classic_unlock(struct dl_node *node, u64 owner, u64 lock_id,
		      u32 lvb_len)
{
	struct dl_classic *c = dl_cl(node);
	struct dl_cl_lock *lk = c ? dl_cl_find(c, lock_id) : NULL;

	if (!lk)
		return -ENOENT;
	if (lk->owner != owner)
		return -EPERM;
	if (lvb_len)
		return -EOPNOTSUPP;	/* no value blocks here */
	if (!lk->granted)
		return -EBUSY;
	dl_node_enter(node, true);
	node->cause = DL_CAUSE_RELEASE;
	node->ctr.releases++;
	dl_cl_emit(node, DL_LEV_UNLOCKED, 0, lk, node->next_req_id++);
	dl_cl_free(c, lk, dl_node_now(node));
	dl_node_leave(node);
	return 0;
}

int dl_classic_cancel(struct dl_node *node, u64 owner, u64 lock_id)
{
	struct dl_classic *c = dl_cl(node);
	struct dl_cl_lock *lk = c ? dl_cl_find(c, lock_id) : NULL;

	if (!lk)
		return -ENOENT;
	if (lk->owner != owner)
		return -EPERM;
	if (lk->granted)
		return -EALREADY;
	dl_node_enter(node, true);
	node->cause = DL_CAUSE_RELEASE;
	node->ctr.acquire_fails++;
	dl_cl_emit(node, DL_LEV_FAILED, -ECANCELED, lk, lk->req_id);
	dl_cl_free(c, lk, dl_node_now(node));
	dl_node_leave(node);
	return 0;
}

void dl_classic_release_owner(struct dl_node *node, u64 owner)
{
	struct dl_classic *c = dl_cl(node);
	struct dl_cl_lock *lk, *tmp;
	u64 now = dl_node_now(node);

	if (!c)
		return;
	dl_node_enter(node, true);
	node->cause = DL_CAUSE_RELEASE;
	/* queued ones first, so none is handed a lock its owner drops */
	dl_list_for_each_entry_safe(lk, tmp, &c->locks, link)
		if (lk->owner == owner && lk->queued)
			dl_cl_free(c, lk, now);
	dl_list_for_each_entry_safe(lk, tmp, &c->locks, link)
		if (lk->owner == owner)
			dl_cl_free(c, lk, now);
	dl_node_leave(node);
}

/* ---- RA lockspaces ----------------------------------------------------- */

static void dl_cl_done(struct dl_node *node, u64 cookie, u64 req_id, int err)
{
	struct dl_lock_event ev = {
		.type = DL_LEV_DONE, .status = err, .cookie = cookie,
		.req_id = req_id,
	};

	dl_local_event(node, &ev);
}

int dl_classic_ra_declare(struct dl_node *node, const u8 *name, u32 len,
			  u64 cookie, u64 *req_id)
{
	struct dl_classic *c = dl_cl(node);
	struct dl_cl_ra_ls *ls;

	if (!name || !len || len > DL_NODE_NAME_MAX || !req_id)
		return -EINVAL;
	if (!c)
		return -EOPNOTSUPP;
	if (dl_cl_ra_ls_find(c, name, len))
		return -EEXIST;
	ls = dl_zalloc(sizeof(*ls));
	if (!ls)
		return -ENOMEM;
	ls->len = (u8)len;
	memcpy(ls->name, name, len);
	dl_list_add_tail(&ls->link, &c->ra_ls);
	*req_id = node->next_req_id++;
	dl_node_enter(node, true);
	dl_cl_done(node, cookie, *req_id, 0);
	dl_node_leave(node);
	return 0;
}

int dl_classic_ra_remove(struct dl_node *node, const u8 *name, u32 len,
			 u64 cookie, u64 *req_id)
{
	struct dl_classic *c = dl_cl(node);
	struct dl_cl_ra_ls *ls;
	struct dl_cl_lock *lk;

	if (!name || !len || len > DL_NODE_NAME_MAX || !req_id)
		return -EINVAL;
	ls = c ? dl_cl_ra_ls_find(c, name, len) : NULL;
	if (!ls)
		return -ENOENT;
	dl_list_for_each_entry(lk, &c->locks, link)
		if (lk->ra && lk->name[0] == len &&
		    !memcmp(lk->name + 1, name, len))
			return -EBUSY;
	dl_list_del(&ls->link);
	dl_free(ls);
	*req_id = node->next_req_id++;
	dl_node_enter(node, true);
	dl_cl_done(node, cookie, *req_id, 0);
	dl_node_leave(node);
	return 0;
}

/*
 * The membership view of RA: while this node waits, a voter silent for
 * the window since the wait began (or since last heard) is down.
 */
static u64 dl_cl_ra_window(struct dl_node *node)
{
	return DL_MAX(dl_ms(node->cfg.timeouts.lease_ms),
		      8 * dl_ms(node->cfg.timeouts.election_ms));
}

/* When voter @i is taken for dead if it stays silent; DL_NEVER: not. */
static u64 dl_cl_ra_due(struct dl_classic *c, u32 i, u64 oldest)
{
	struct dl_node *node = c->node;
	struct dl_peer *peer;
	u64 heard;

	if (oldest == DL_NEVER || node->cfg.voters[i] == node->cfg.node_id)
		return DL_NEVER;
	peer = dl_peer_find(node, node->cfg.voters[i]);
	heard = peer ? peer->last_heard_ns : 0;
	return DL_MAX(heard, oldest) + dl_cl_ra_window(node);
}

/* Since when this node waits for an RA grant; DL_NEVER when it does not. */
static u64 dl_cl_ra_oldest(struct dl_classic *c)
{
	struct dl_cl_lock *lk;
	u64 oldest = DL_NEVER;

	dl_list_for_each_entry(lk, &c->locks, link)
		if (lk->ra && !lk->queued && !lk->granted)
			oldest = DL_MIN(oldest, lk->since);
	return oldest;
}

static void dl_cl_ra_view(struct dl_classic *c, u64 now)
{
	struct dl_node *node = c->node;
	u64 oldest = dl_cl_ra_oldest(c);
	bool down;
	u32 i;

	for (i = 0; i < node->cfg.n_voters; i++) {
		down = now >= dl_cl_ra_due(c, i, oldest);
		if (down == c->ra_down[i])
			continue;
		c->ra_down[i] = down;
		if (down)
			dl_ra_peer_down(c->ra, node->cfg.voters[i]);
		else
			dl_ra_peer_up(c->ra, node->cfg.voters[i]);
	}
}

/* ---- Node hooks ---------------------------------------------------------- */

static const struct dl_ra_ops dl_cl_ra_ops = {
	.send = dl_cl_ra_send,
	.granted = dl_cl_ra_granted,
};

int dl_classic_create(struct dl_node *node)
{
	struct dl_ra_config rc = {
		.self_id = node->cfg.node_id,
		.nr_nodes = node->cfg.n_voters,
		/* a resend is a lost message, not a slow one: see dl_cl_init */
		.retry_ms = node->cfg.timeouts.election_ms,
		.incarnation = node->cfg.incarnation,
	};
	struct dl_classic *c;
	int err;

	memcpy(rc.nodes, node->cfg.voters, sizeof(u32) * node->cfg.n_voters);
	c = dl_zalloc(sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->node = node;
	dl_list_init(&c->locks);
	dl_list_init(&c->ra_ls);
	dl_list_init(&c->entries);
	err = dl_ra_create(&rc, &dl_cl_ra_ops, c, &c->ra);
	if (err) {
		dl_free(c);
		return err;
	}
	node->classic = c;
	return 0;
}

void dl_classic_destroy(struct dl_node *node)
{
	struct dl_classic *c = dl_cl(node);
	struct dl_cl_lock *lk, *tmp;
	struct dl_cl_ra_ls *ls, *ltmp;

	if (!c)
		return;
	dl_list_for_each_entry_safe(lk, tmp, &c->locks, link) {
		dl_list_del(&lk->link);
		dl_free(lk);
	}
	dl_list_for_each_entry_safe(ls, ltmp, &c->ra_ls, link) {
		dl_list_del(&ls->link);
		dl_free(ls);
	}
	dl_ra_destroy(c->ra);
	dl_free(c);
	node->classic = NULL;
}

int dl_classic_check_op(struct dl_node *node, const struct dl_wire_hdr *hdr,
			const struct dl_wire_op *op)
{
	union {
		struct dl_bully_msg b;
		struct dl_ring_msg r;
		struct dl_ra_msg a;
	} u;
	struct dl_coord_msg *m;
	int err;

	(void)node;
	if (op->type <= DL_OP_BULLY_LAST)
		return dl_wire_dec_bully(op, hdr, &u.b);
	if (op->type <= DL_OP_RING_LAST)
		return dl_wire_dec_ring(op, hdr, &u.r);
	if (op->type <= DL_OP_RA_LAST)
		return dl_wire_dec_ra(op, hdr, &u.a);
	/* a REPORT is too big for a kernel stack */
	m = dl_zalloc(sizeof(*m));
	if (!m)
		return -ENOMEM;
	err = dl_wire_dec_coord(op, hdr, m);
	dl_free(m);
	return err;
}

/* Count an election when this node starts one (or wins outright). */
static bool dl_cl_electing(struct dl_classic *c)
{
	u32 self = c->node->cfg.node_id;

	if (c->bully)
		return dl_bully_electing(c->bully) ||
		       dl_bully_leader(c->bully) == self;
	return dl_ring_electing(c->ring) || dl_ring_leader(c->ring) == self;
}

int dl_classic_recv(struct dl_node *node, struct dl_peer *peer,
		    const struct dl_wire_hdr *hdr, const struct dl_wire_op *op)
{
	struct dl_classic *c = dl_cl(node);
	u64 now = dl_node_now(node);
	struct dl_coord_msg *cm;
	bool was;
	int err;

	if (!c || peer->role != DL_NODE_VOTER)
		return -EPERM;
	if (op->type >= DL_OP_RA_BASE && op->type <= DL_OP_RA_LAST) {
		struct dl_ra_msg m;

		err = dl_wire_dec_ra(op, hdr, &m);
		return err ? err : dl_ra_recv(c->ra, &m, now);
	}
	/* the election's messages belong to a cell running it */
	if ((op->type <= DL_OP_BULLY_LAST && !c->bully) ||
	    (op->type >= DL_OP_RING_BASE && op->type <= DL_OP_RING_LAST &&
	     !c->ring) || !c->coord)
		return DL_WIRE_ETYPE;
	was = dl_cl_electing(c);
	if (op->type <= DL_OP_BULLY_LAST) {
		struct dl_bully_msg m;

		err = dl_wire_dec_bully(op, hdr, &m);
		if (!err)
			err = dl_bully_recv(c->bully, &m, now);
	} else if (op->type <= DL_OP_RING_LAST) {
		struct dl_ring_msg m;

		err = dl_wire_dec_ring(op, hdr, &m);
		if (!err)
			err = dl_ring_recv(c->ring, &m, now);
	} else {
		cm = dl_zalloc(sizeof(*cm));
		if (!cm)
			return -ENOMEM;
		err = dl_wire_dec_coord(op, hdr, cm);
		if (!err)
			err = dl_coord_recv(c->coord, cm, now);
		dl_free(cm);
	}
	if (!was && dl_cl_electing(c))
		node->ctr.elections++;
	return err;
}

void dl_classic_tick(struct dl_node *node, u64 now)
{
	struct dl_classic *c = dl_cl(node);
	struct dl_cl_lock *lk;
	bool again = true;

	if (!c)
		return;
	/* freeing one may hand a queued one to the engine: rescan */
	while (again) {
		again = false;
		dl_list_for_each_entry(lk, &c->locks, link) {
			if (lk->granted || now < lk->deadline)
				continue;
			node->ctr.timeouts++;
			node->ctr.acquire_fails++;
			dl_cl_emit(node, DL_LEV_FAILED, -ETIMEDOUT, lk,
				   lk->req_id);
			dl_cl_free(c, lk, now);
			again = true;
			break;
		}
	}
	dl_cl_ra_view(c, now);
	dl_ra_tick(c->ra, now);
}

u64 dl_classic_next_deadline(struct dl_node *node)
{
	struct dl_classic *c = dl_cl(node);
	struct dl_cl_lock *lk;
	u64 t, oldest;
	u32 i;

	if (!c)
		return DL_NEVER;
	t = dl_ra_next_deadline(c->ra);
	dl_list_for_each_entry(lk, &c->locks, link)
		if (!lk->granted)
			t = DL_MIN(t, lk->deadline);
	/* the next change of the RA view, if one is ahead */
	oldest = dl_cl_ra_oldest(c);
	for (i = 0; i < node->cfg.n_voters; i++)
		if (!c->ra_down[i])
			t = DL_MIN(t, dl_cl_ra_due(c, i, oldest));
	return t;
}

/* ---- Bully and Ring behind struct dl_election_ops ------------------- */

static void dl_cl_leader_change(void *ctx, u32 leader, u64 epoch)
{
	struct dl_classic *c = ctx;
	struct dl_node *node = c->node;

	dl_coord_set_leader(c->coord, leader, epoch, dl_node_now(node));
	dl_node_leader_changed(node, leader, epoch);
}

static void dl_cl_peer_down(void *ctx, u32 id)
{
	dl_coord_peer_down(((struct dl_classic *)ctx)->coord, id);
}

static void dl_cl_peer_up(void *ctx, u32 id)
{
	dl_coord_peer_up(((struct dl_classic *)ctx)->coord, id);
}

static const struct dl_bully_ops dl_cl_bully_ops = {
	.send = dl_cl_bully_send,
	.leader_change = dl_cl_leader_change,
	.peer_down = dl_cl_peer_down,
	.peer_up = dl_cl_peer_up,
};

static const struct dl_ring_ops dl_cl_ring_ops = {
	.send = dl_cl_ring_send,
	.leader_change = dl_cl_leader_change,
	.peer_down = dl_cl_peer_down,
	.peer_up = dl_cl_peer_up,
};

static const struct dl_coord_ops dl_cl_coord_ops = {
	.send = dl_cl_coord_send,
	.granted = dl_cl_coord_granted,
};

/*
 * Timing from the cell's: heartbeats as configured; a coordinator silent
 * for two election timeouts (at least four heartbeats) is dead; OK and
 * ACK are awaited one election timeout, COORDINATOR two.
 */
static int dl_cl_init(struct dl_node *node)
{
	const struct dl_node_timeouts *t = &node->cfg.timeouts;
	struct dl_classic *c = dl_cl(node);
	u32 dead = DL_MAX(2 * t->election_ms, 4 * t->heartbeat_ms);
	struct dl_coord_config cc = {
		.self_id = node->cfg.node_id,
		.nr_nodes = node->cfg.n_voters,
		/*
		 * Resends cover lost messages: one election timeout, so that a
		 * slow round trip is not counted twice (3 messages per
		 * acquire + release stay 3 on a loaded host).
		 */
		.retry_ms = DL_MAX(t->retry_ms, t->election_ms),
		.incarnation = node->cfg.incarnation,
	};
	u64 now = dl_node_now(node);
	int err;

	if (!c || c->coord)
		return -EINVAL;
	memcpy(cc.nodes, node->cfg.voters, sizeof(u32) * node->cfg.n_voters);
	err = dl_coord_create(&cc, &dl_cl_coord_ops, c, &c->coord);
	if (err)
		return err;
	if (node->cfg.election == DL_ELECT_BULLY) {
		struct dl_bully_config bc = {
			.self_id = node->cfg.node_id,
			.nr_nodes = node->cfg.n_voters,
			.answer_ms = t->election_ms,
			.announce_ms = 2 * t->election_ms,
			.heartbeat_ms = t->heartbeat_ms,
			.dead_ms = dead,
		};

		memcpy(bc.nodes, node->cfg.voters,
		       sizeof(u32) * node->cfg.n_voters);
		err = dl_bully_create(&bc, &dl_cl_bully_ops, c, now,
				      &c->bully);
	} else {
		struct dl_ring_config rc = {
			.self_id = node->cfg.node_id,
			.nr_nodes = node->cfg.n_voters,
			.ack_ms = t->election_ms,
			/* every hop may wait out one dead successor */
			.round_ms = (2 * node->cfg.n_voters + 1) *
				    t->election_ms,
			.heartbeat_ms = t->heartbeat_ms,
			.dead_ms = dead,
		};

		memcpy(rc.nodes, node->cfg.voters,
		       sizeof(u32) * node->cfg.n_voters);
		err = dl_ring_create(&rc, &dl_cl_ring_ops, c, now, &c->ring);
	}
	if (err) {
		dl_coord_destroy(c->coord);
		c->coord = NULL;
		return err;
	}
	node->elect_priv = c;
	return 0;
}

static void dl_cl_destroy(struct dl_node *node)
{
	struct dl_classic *c = dl_cl(node);
	struct dl_cl_entry *e, *tmp;

	if (!c)
		return;
	dl_list_for_each_entry_safe(e, tmp, &c->entries, link) {
		dl_list_del(&e->link);
		dl_free(e);
	}
	dl_bully_destroy(c->bully);
	dl_ring_destroy(c->ring);
	dl_coord_destroy(c->coord);
	c->bully = NULL;
	c->ring = NULL;
	c->coord = NULL;
	node->elect_priv = NULL;
}

/* Raft's ops come through dl_node_dispatch: not ours. */
static int dl_cl_recv(struct dl_node *node, u32 from,
		      const struct dl_wire_op *op)
{
	(void)node;
	(void)from;
	(void)op;
	return DL_WIRE_ETYPE;
}

static u32 dl_cl_leader(struct dl_node *node)
{
	struct dl_classic *c = dl_cl(node);

	return c->bully ? dl_bully_leader(c->bully) : dl_ring_leader(c->ring);
}

static bool dl_cl_is_leader(struct dl_node *node)
{
	return dl_cl_leader(node) == node->cfg.node_id;
}

static void dl_cl_tick(struct dl_node *node, u64 now)
{
	struct dl_classic *c = dl_cl(node);
	bool was = dl_cl_electing(c);

	if (c->bully)
		dl_bully_tick(c->bully, now);
	else
		dl_ring_tick(c->ring, now);
	if (!was && dl_cl_electing(c))
		node->ctr.elections++;
	dl_coord_tick(c->coord, now);
}

static u64 dl_cl_next_deadline(struct dl_node *node)
{
	struct dl_classic *c = dl_cl(node);
	u64 t = c->bully ? dl_bully_next_deadline(c->bully) :
			   dl_ring_next_deadline(c->ring);

	return DL_MIN(t, dl_coord_next_deadline(c->coord));
}

/*
 * Lock-table commands (lockspaces, sessions): the coordinator applies them
 * alone, in order, at the end of the entry point, as Raft would after a
 * commit.  Nothing is replicated: a new coordinator starts empty.
 */
static int dl_cl_propose(struct dl_node *node, const void *cmd, size_t len)
{
	struct dl_classic *c = dl_cl(node);
	struct dl_cl_entry *e;

	if (!dl_cl_is_leader(node))
		return -ENOTCONN;
	e = dl_zalloc(sizeof(*e) + len);
	if (!e)
		return -ENOMEM;
	e->len = len;
	memcpy(e->data, cmd, len);
	dl_list_add_tail(&e->link, &c->entries);
	return 0;
}

static void dl_cl_flush(struct dl_node *node, u64 now)
{
	struct dl_classic *c = dl_cl(node);
	struct dl_cl_entry *e;

	(void)now;
	while (!dl_list_empty(&c->entries)) {
		e = dl_list_first_entry(&c->entries, struct dl_cl_entry, link);
		/* out of memory: the entry waits for the next entry point */
		if (dl_cl_is_leader(node) &&
		    dl_node_apply_entry(node, c->applied + 1, e->data, e->len))
			break;
		if (dl_cl_is_leader(node))
			c->applied++;
		dl_list_del(&e->link);
		dl_free(e);
	}
}

/* No leases in the slides: the coordinator vouches for itself. */
static bool dl_cl_lease_valid(struct dl_node *node)
{
	return dl_cl_is_leader(node);
}

static u64 dl_cl_term(struct dl_node *node)
{
	struct dl_classic *c = dl_cl(node);

	return c->bully ? dl_bully_epoch(c->bully) : dl_ring_epoch(c->ring);
}

static void dl_cl_status(struct dl_node *node, struct dl_node_status *st)
{
	struct dl_classic *c = dl_cl(node);
	bool electing = c->bully ? dl_bully_electing(c->bully) :
				   dl_ring_electing(c->ring);

	st->leader_id = dl_cl_leader(node);
	st->term = dl_cl_term(node);
	st->state = dl_cl_is_leader(node) ? DL_STATE_LEADER :
		    electing ? DL_STATE_CANDIDATE : DL_STATE_FOLLOWER;
	st->commit_index = c->applied;
	st->applied_index = c->applied;
}

/* Nothing per peer: no log to match. */
static void dl_cl_peer(struct dl_node *node, struct dl_node_peer_info *pi)
{
	(void)node;
	(void)pi;
}

const struct dl_election_ops dl_election_bully = {
	.name = "bully",
	.algo = DL_ELECT_BULLY,
	.init = dl_cl_init,
	.destroy = dl_cl_destroy,
	.recv = dl_cl_recv,
	.tick = dl_cl_tick,
	.next_deadline = dl_cl_next_deadline,
	.propose = dl_cl_propose,
	.flush = dl_cl_flush,
	.leader = dl_cl_leader,
	.is_leader = dl_cl_is_leader,
	.lease_valid = dl_cl_lease_valid,
	.term = dl_cl_term,
	.status = dl_cl_status,
	.peer = dl_cl_peer,
};

const struct dl_election_ops dl_election_ring = {
	.name = "ring",
	.algo = DL_ELECT_RING,
	.init = dl_cl_init,
	.destroy = dl_cl_destroy,
	.recv = dl_cl_recv,
	.tick = dl_cl_tick,
	.next_deadline = dl_cl_next_deadline,
	.propose = dl_cl_propose,
	.flush = dl_cl_flush,
	.leader = dl_cl_leader,
	.is_leader = dl_cl_is_leader,
	.lease_valid = dl_cl_lease_valid,
	.term = dl_cl_term,
	.status = dl_cl_status,
	.peer = dl_cl_peer,
};
