// SPDX-License-Identifier: GPL-2.0
/*
 * coord.c - centralized locking on the elected coordinator (coord.h).
 *
 * Every node runs one struct dl_coord: the node side keeps its own locks
 * (what it reports after a failover); the coordinator side keeps the cell's
 * table, a list of resources each with its entries in arrival order,
 * granted ones and waiters mixed.  Waiters are granted first come first
 * served: a waiter that cannot be granted blocks those behind it, so a
 * stream of shared locks cannot starve an exclusive one.
 */
#include "coord.h"
#include "lockmode.h"

#define DL_COORD_NS_PER_MS	1000000ULL
#define DL_COORD_NEVER		(~0ULL)
#define DL_COORD_RELEASED_RING	16
#define DL_COORD_AUDIT_RETRIES	4

struct dl_coord_entry {
	struct dl_list link;
	u64 since;			/* queued or granted at */
	u32 node;
	u64 req_id;
	u8 mode;
	bool granted;
	u64 token;
};

struct dl_coord_res {
	struct dl_list link;
	struct dl_list entries;
	u8 name_len;
	u8 name[DL_COORD_NAME_MAX];
};

/*
 * What the coordinator knows of a node.  @released remembers its last
 * RELEASEs so that a REQUEST or REPORT overtaken by the RELEASE of the same
 * request does not bring the lock back.
 */
struct dl_coord_peer {
	u32 id;
	u64 incarnation;
	bool seen;			/* @incarnation is from a message */
	bool down;
	bool reported;
	u64 audit_at;			/* no audit QUERY before */
	u64 released[DL_COORD_RELEASED_RING];
	u32 released_pos;
};

struct dl_coord_mine {
	bool used;
	u64 sent_at;
	struct dl_coord_lock lk;
};

struct dl_coord {
	struct dl_coord_config cfg;
	const struct dl_coord_ops *ops;
	void *ctx;
	u32 leader;
	u64 epoch;
	bool rebuilding;
	bool serving;
	bool hello_due;			/* report to the first leader we learn */
	u64 next_token;
	u64 query_at;
	struct dl_list resources;
	struct dl_coord_peer peers[DL_COORD_MAX_NODES];
	struct dl_coord_mine mine[DL_COORD_MAX_LOCKS];
	u64 next_req_id;
	u64 max_token;			/* highest token granted to us */
	u64 now;			/* of the current entry point */
	u64 sent[DL_COORD_MSG_COUNT];
};

static u64 dl_coord_ms(u32 ms)
{
	return (u64)ms * DL_COORD_NS_PER_MS;
}

static struct dl_coord_peer *dl_coord_peer(struct dl_coord *c, u32 id)
{
	u32 i;

	for (i = 0; i < c->cfg.nr_nodes; i++)
		if (c->peers[i].id == id)
			return &c->peers[i];
	return NULL;
}

static bool dl_coord_is_leader(const struct dl_coord *c)
{
	return c->leader && c->leader == c->cfg.self_id;
}

static void dl_coord_send(struct dl_coord *c, struct dl_coord_msg *m,
			  u8 type, u32 to)
{
	m->type = type;
	m->from = c->cfg.self_id;
	m->to = to;
	m->epoch = c->epoch;
	m->incarnation = c->cfg.incarnation;
	c->sent[type]++;
	c->ops->send(c->ctx, m);
}

static void dl_coord_send_lock(struct dl_coord *c, u8 type, u32 to,
			       const struct dl_coord_lock *lk)
{
	struct dl_coord_msg *m = dl_zalloc(sizeof(*m));

	if (!m)
		return;	/* lost like a datagram; retries cover it */
	m->lock = *lk;
	dl_coord_send(c, m, type, to);
	dl_free(m);
}

/* --- node side: this node's own locks --- */

static struct dl_coord_mine *dl_coord_mine_find(struct dl_coord *c,
						u64 req_id)
{
	u32 i;

	for (i = 0; i < DL_COORD_MAX_LOCKS; i++)
		if (c->mine[i].used && c->mine[i].lk.req_id == req_id)
			return &c->mine[i];
	return NULL;
}

static void dl_coord_mine_granted(struct dl_coord *c, u64 req_id, u64 token)
{
	struct dl_coord_mine *mi = dl_coord_mine_find(c, req_id);

	c->max_token = DL_MAX(c->max_token, token);
	if (!mi || mi->lk.granted)
		return;
	mi->lk.granted = true;
	mi->lk.token = token;
	if (c->ops->granted)
		c->ops->granted(c->ctx, req_id, token);
}

/* --- coordinator side: the table --- */

static struct dl_coord_res *dl_coord_res_get(struct dl_coord *c,
					     const struct dl_coord_lock *lk,
					     bool create)
{
	struct dl_coord_res *r;

	dl_list_for_each_entry(r, &c->resources, link)
		if (r->name_len == lk->name_len &&
		    !memcmp(r->name, lk->name, lk->name_len))
			return r;
	if (!create)
		return NULL;
	r = dl_zalloc(sizeof(*r));
	if (!r)
		return NULL;
	dl_list_init(&r->entries);
	r->name_len = lk->name_len;
	memcpy(r->name, lk->name, lk->name_len);
	dl_list_add_tail(&r->link, &c->resources);
	return r;
}

static void dl_coord_res_put(struct dl_coord_res *r)
{
	if (!dl_list_empty(&r->entries))
		return;
	dl_list_del(&r->link);
	dl_free(r);
}

static void dl_coord_table_clear(struct dl_coord *c)
{
	struct dl_coord_res *r, *rn;
	struct dl_coord_entry *e, *en;

	dl_list_for_each_entry_safe(r, rn, &c->resources, link) {
		dl_list_for_each_entry_safe(e, en, &r->entries, link) {
			dl_list_del(&e->link);
			dl_free(e);
		}
		dl_list_del(&r->link);
		dl_free(r);
	}
}

static void dl_coord_grant_res(struct dl_coord *c, struct dl_coord_res *r)
{
	struct dl_coord_entry *e, *h;
	struct dl_coord_lock lk;

	if (!c->serving)
		return;	/* rebuilding: nothing is granted before it ends */
	dl_list_for_each_entry(e, &r->entries, link) {
		if (e->granted)
			continue;
		dl_list_for_each_entry(h, &r->entries, link)
			if (h->granted && !dl_mode_compat(h->mode, e->mode))
				return;	/* first come first served */
		e->granted = true;
		e->since = c->now;
		e->token = ++c->next_token;
		if (e->node == c->cfg.self_id) {
			dl_coord_mine_granted(c, e->req_id, e->token);
			continue;
		}
		memset(&lk, 0, sizeof(lk));
		lk.req_id = e->req_id;
		lk.mode = e->mode;
		lk.granted = true;
		lk.token = e->token;
		lk.name_len = r->name_len;
		memcpy(lk.name, r->name, r->name_len);
		dl_coord_send_lock(c, DL_COORD_GRANT, e->node, &lk);
	}
}

static void dl_coord_grant_all(struct dl_coord *c)
{
	struct dl_coord_res *r;

	if (!c->serving)
		return;
	dl_list_for_each_entry(r, &c->resources, link)
		dl_coord_grant_res(c, r);
}

static bool dl_coord_was_released(const struct dl_coord_peer *p, u64 req_id)
{
	u32 i;

	for (i = 0; i < DL_COORD_RELEASED_RING; i++)
		if (p->released[i] == req_id)
			return true;
	return false;
}

static struct dl_coord_entry *dl_coord_entry_find(struct dl_coord_res *r,
						  u32 node, u64 req_id)
{
	struct dl_coord_entry *e;

	dl_list_for_each_entry(e, &r->entries, link)
		if (e->node == node && e->req_id == req_id)
			return e;
	return NULL;
}

/*
 * Put @lk of @node in the table: a new waiter, or (from a REPORT) a lock it
 * holds.  A duplicate REQUEST of a granted lock gets its GRANT again.
 */
static void dl_coord_table_add(struct dl_coord *c, u32 node,
			       const struct dl_coord_lock *lk)
{
	struct dl_coord_peer *p = dl_coord_peer(c, node);
	struct dl_coord_entry *e;
	struct dl_coord_res *r;

	if (!p || p->down || dl_coord_was_released(p, lk->req_id))
		return;
	r = dl_coord_res_get(c, lk, true);
	if (!r)
		return;	/* out of memory: the node's retry asks again */
	e = dl_coord_entry_find(r, node, lk->req_id);
	if (e && lk->granted && !e->granted) {
		/*
		 * Its REQUEST reached us during the rebuild, and now its
		 * REPORT says the deposed coordinator granted it: it holds
		 * the lock, ahead of every waiter (ours included).
		 */
		e->granted = true;
		e->token = lk->token;
		dl_list_del(&e->link);
		dl_list_add(&e->link, &r->entries);
		c->next_token = DL_MAX(c->next_token, lk->token);
		return;
	}
	if (e) {
		if (e->granted && node != c->cfg.self_id && c->serving) {
			struct dl_coord_lock g = *lk;

			g.granted = true;
			g.token = e->token;
			g.mode = e->mode;
			dl_coord_send_lock(c, DL_COORD_GRANT, node, &g);
		}
		return;
	}
	e = dl_zalloc(sizeof(*e));
	if (!e) {
		dl_coord_res_put(r);
		return;
	}
	e->node = node;
	e->since = c->now;
	e->req_id = lk->req_id;
	e->mode = lk->mode;
	e->granted = lk->granted;
	e->token = lk->granted ? lk->token : 0;
	if (lk->granted) {
		/* held locks go before every waiter */
		dl_list_add(&e->link, &r->entries);
		c->next_token = DL_MAX(c->next_token, lk->token);
	} else {
		dl_list_add_tail(&e->link, &r->entries);
	}
}

static void dl_coord_table_remove(struct dl_coord *c, u32 node,
				  const struct dl_coord_lock *lk)
{
	struct dl_coord_entry *e;
	struct dl_coord_res *r = dl_coord_res_get(c, lk, false);

	if (!r)
		return;
	e = dl_coord_entry_find(r, node, lk->req_id);
	if (!e)
		return;
	dl_list_del(&e->link);
	dl_free(e);
	dl_coord_grant_res(c, r);
	dl_coord_res_put(r);
}

static void dl_coord_remove_node(struct dl_coord *c, u32 node)
{
	struct dl_coord_res *r, *rn;
	struct dl_coord_entry *e, *en;

	dl_list_for_each_entry_safe(r, rn, &c->resources, link) {
		dl_list_for_each_entry_safe(e, en, &r->entries, link) {
			if (e->node != node)
				continue;
			dl_list_del(&e->link);
			dl_free(e);
		}
		if (dl_list_empty(&r->entries)) {
			dl_coord_res_put(r);
			continue;
		}
		dl_coord_grant_res(c, r);
	}
}

/* Every live node reported: tokens restart above all, grants resume. */
static void dl_coord_check_rebuilt(struct dl_coord *c)
{
	u32 i;

	if (!c->rebuilding)
		return;
	for (i = 0; i < c->cfg.nr_nodes; i++)
		if (!c->peers[i].down && !c->peers[i].reported)
			return;
	c->rebuilding = false;
	c->serving = true;
	c->next_token = DL_MAX(c->next_token,
			       c->epoch << DL_COORD_EPOCH_SHIFT);
	dl_coord_grant_all(c);
}

static void dl_coord_send_queries(struct dl_coord *c, u64 now)
{
	struct dl_coord_msg *m;
	u32 i;

	m = dl_zalloc(sizeof(*m));
	if (!m)
		return;
	for (i = 0; i < c->cfg.nr_nodes; i++)
		if (!c->peers[i].down && !c->peers[i].reported)
			dl_coord_send(c, m, DL_COORD_QUERY, c->peers[i].id);
	dl_free(m);
	c->query_at = now + dl_coord_ms(c->cfg.retry_ms);
}

static void dl_coord_report(struct dl_coord *c, u64 now);

void dl_coord_set_leader(struct dl_coord *c, u32 leader, u64 epoch, u64 now)
{
	u32 i;

	c->now = now;
	if (leader == c->leader && epoch == c->epoch)
		return;
	dl_coord_table_clear(c);
	c->leader = leader;
	c->epoch = epoch;
	c->serving = false;
	c->rebuilding = false;
	if (!dl_coord_is_leader(c)) {
		/*
		 * A (re)started node announces its incarnation: the
		 * coordinator drops what an earlier life of it held.
		 */
		if (leader && c->hello_due) {
			c->hello_due = false;
			dl_coord_report(c, now);
		}
		return;
	}
	c->hello_due = false;
	c->rebuilding = true;
	for (i = 0; i < c->cfg.nr_nodes; i++) {
		c->peers[i].reported = c->peers[i].id == c->cfg.self_id;
		memset(c->peers[i].released, 0, sizeof(c->peers[i].released));
	}
	for (i = 0; i < DL_COORD_MAX_LOCKS; i++)
		if (c->mine[i].used)
			dl_coord_table_add(c, c->cfg.self_id, &c->mine[i].lk);
	dl_coord_send_queries(c, now);
	dl_coord_check_rebuilt(c);
}

void dl_coord_peer_down(struct dl_coord *c, u32 id)
{
	struct dl_coord_peer *p = dl_coord_peer(c, id);

	if (!p || id == c->cfg.self_id || p->down)
		return;
	p->down = true;
	if (!dl_coord_is_leader(c))
		return;
	dl_coord_remove_node(c, id);
	dl_coord_check_rebuilt(c);
}

void dl_coord_peer_up(struct dl_coord *c, u32 id)
{
	struct dl_coord_peer *p = dl_coord_peer(c, id);

	if (p)
		p->down = false;
}

static void dl_coord_report(struct dl_coord *c, u64 now)
{
	struct dl_coord_msg *m = dl_zalloc(sizeof(*m));
	u32 i;

	if (!m)
		return;
	for (i = 0; i < DL_COORD_MAX_LOCKS; i++) {
		if (!c->mine[i].used)
			continue;
		m->locks[m->nr_locks++] = c->mine[i].lk;
		c->mine[i].sent_at = now;
	}
	/* the header says how far the list goes and what tokens we saw */
	m->lock.req_id = c->next_req_id;
	m->lock.token = c->max_token;
	dl_coord_send(c, m, DL_COORD_REPORT, c->leader);
	dl_free(m);
}

static bool dl_coord_lock_ok(const struct dl_coord_lock *lk)
{
	return lk->name_len && lk->name_len <= DL_COORD_NAME_MAX &&
	       dl_mode_valid(lk->mode) && lk->req_id;
}

/*
 * An audit REPORT while serving: the node's locks up to the request id in
 * its header are exactly the listed ones.  A lock it no longer lists was
 * released (its RELEASE was lost); a listed one we lack was requested.
 */
static void dl_coord_reconcile(struct dl_coord *c, u32 node,
			       const struct dl_coord_msg *m)
{
	struct dl_coord_res *r, *rn;
	struct dl_coord_entry *e, *en;
	bool listed;
	u32 i;

	dl_list_for_each_entry_safe(r, rn, &c->resources, link) {
		dl_list_for_each_entry_safe(e, en, &r->entries, link) {
			if (e->node != node || e->req_id > m->lock.req_id)
				continue;
			listed = false;
			for (i = 0; i < m->nr_locks; i++)
				if (m->locks[i].req_id == e->req_id)
					listed = true;
			if (listed)
				continue;
			dl_list_del(&e->link);
			dl_free(e);
		}
		if (dl_list_empty(&r->entries)) {
			dl_coord_res_put(r);
			continue;
		}
		dl_coord_grant_res(c, r);
	}
	for (i = 0; i < m->nr_locks; i++)
		if (!m->locks[i].granted)
			dl_coord_table_add(c, node, &m->locks[i]);
	dl_coord_grant_all(c);
}

int dl_coord_recv(struct dl_coord *c, const struct dl_coord_msg *m, u64 now)
{
	struct dl_coord_peer *p = dl_coord_peer(c, m->from);
	u32 i;

	c->now = now;
	if (!p || m->to != c->cfg.self_id || m->from == c->cfg.self_id ||
	    m->type >= DL_COORD_MSG_COUNT)
		return -EINVAL;
	if (m->incarnation < p->incarnation)
		return 0;	/* from an earlier life of the sender */
	switch (m->type) {
	case DL_COORD_REQUEST:
	case DL_COORD_RELEASE:
	case DL_COORD_GRANT:
		if (!dl_coord_lock_ok(&m->lock))
			return -EINVAL;
		break;
	case DL_COORD_REPORT:
		if (m->nr_locks > DL_COORD_MAX_LOCKS)
			return -EINVAL;
		for (i = 0; i < m->nr_locks; i++)
			if (!dl_coord_lock_ok(&m->locks[i]))
				return -EINVAL;
		break;
	}
	if (m->incarnation > p->incarnation || !p->seen) {
		/* it restarted: whatever its earlier life held is gone */
		if (p->seen && dl_coord_is_leader(c))
			dl_coord_remove_node(c, m->from);
		if (p->seen)
			memset(p->released, 0, sizeof(p->released));
		p->incarnation = m->incarnation;
		p->seen = true;
	}
	/* any message is a proof of life, whatever the detector said */
	p->down = false;
	switch (m->type) {
	case DL_COORD_REQUEST:
		if (!dl_coord_is_leader(c))
			break;	/* the sender learns the leader and retries */
		dl_coord_table_add(c, m->from, &m->lock);
		if (c->serving) {
			struct dl_coord_res *r;

			r = dl_coord_res_get(c, &m->lock, false);
			if (r)
				dl_coord_grant_res(c, r);
		}
		break;
	case DL_COORD_RELEASE:
		if (!dl_coord_is_leader(c))
			break;
		p->released[p->released_pos++ % DL_COORD_RELEASED_RING] =
			m->lock.req_id;
		dl_coord_table_remove(c, m->from, &m->lock);
		break;
	case DL_COORD_GRANT:
		if (m->from != c->leader || m->epoch != c->epoch)
			break;	/* from a deposed coordinator */
		dl_coord_mine_granted(c, m->lock.req_id, m->lock.token);
		break;
	case DL_COORD_QUERY:
		/*
		 * Only from the coordinator our election follows: a node
		 * that reported to a coordinator it does not heartbeat
		 * would be found dead by it while holding what it got.
		 */
		if (m->from != c->leader || m->epoch < c->epoch)
			break;
		c->epoch = m->epoch;
		dl_coord_table_clear(c);
		c->serving = false;
		c->rebuilding = false;
		dl_coord_report(c, now);
		break;
	case DL_COORD_REPORT:
		if (c->serving && m->epoch == c->epoch && !p->down) {
			dl_coord_reconcile(c, m->from, m);
			break;
		}
		if (!c->rebuilding || m->epoch != c->epoch || p->reported ||
		    p->down)
			break;
		p->reported = true;
		c->next_token = DL_MAX(c->next_token, m->lock.token);
		for (i = 0; i < m->nr_locks; i++)
			dl_coord_table_add(c, m->from, &m->locks[i]);
		dl_coord_check_rebuilt(c);
		break;
	}
	return 0;
}

s64 dl_coord_lock(struct dl_coord *c, const void *name, u8 name_len, u8 mode,
		  u64 now)
{
	struct dl_coord_mine *slot = NULL;
	u32 i;

	if (!name || !name_len || name_len > DL_COORD_NAME_MAX ||
	    !dl_mode_valid(mode))
		return -EINVAL;
	for (i = 0; i < DL_COORD_MAX_LOCKS; i++) {
		struct dl_coord_mine *mi = &c->mine[i];

		if (!mi->used) {
			if (!slot)
				slot = mi;
			continue;
		}
		if (mi->lk.name_len == name_len &&
		    !memcmp(mi->lk.name, name, name_len))
			return -EEXIST;
	}
	if (!slot)
		return -ENOSPC;
	c->now = now;
	memset(slot, 0, sizeof(*slot));
	slot->used = true;
	slot->sent_at = now;
	slot->lk.req_id = ++c->next_req_id;
	slot->lk.mode = mode;
	slot->lk.name_len = name_len;
	memcpy(slot->lk.name, name, name_len);
	if (dl_coord_is_leader(c)) {
		struct dl_coord_res *r;

		dl_coord_table_add(c, c->cfg.self_id, &slot->lk);
		r = dl_coord_res_get(c, &slot->lk, false);
		if (r && c->serving)
			dl_coord_grant_res(c, r);
	} else if (c->leader) {
		dl_coord_send_lock(c, DL_COORD_REQUEST, c->leader, &slot->lk);
	}
	return (s64)slot->lk.req_id;
}

int dl_coord_unlock(struct dl_coord *c, u64 req_id)
{
	struct dl_coord_mine *mi = dl_coord_mine_find(c, req_id);
	struct dl_coord_lock lk;

	if (!mi)
		return -ENOENT;
	lk = mi->lk;
	mi->used = false;
	if (dl_coord_is_leader(c))
		dl_coord_table_remove(c, c->cfg.self_id, &lk);
	else if (c->leader)
		dl_coord_send_lock(c, DL_COORD_RELEASE, c->leader, &lk);
	/* no leader: the next coordinator never hears of it */
	return 0;
}

/*
 * A RELEASE is not answered (the slides' 3 messages), so one that is lost
 * would keep a lock forever.  When a remote holder has blocked a waiter
 * for DL_COORD_AUDIT_RETRIES retry periods, ask it for a REPORT.
 */
static void dl_coord_audit(struct dl_coord *c, u64 now)
{
	u64 wait = DL_COORD_AUDIT_RETRIES * dl_coord_ms(c->cfg.retry_ms);
	struct dl_coord_entry *e, *w;
	struct dl_coord_peer *p;
	struct dl_coord_msg *m;
	struct dl_coord_res *r;

	dl_list_for_each_entry(r, &c->resources, link) {
		bool waiter = false;

		dl_list_for_each_entry(w, &r->entries, link)
			waiter |= !w->granted;
		if (!waiter)
			continue;
		dl_list_for_each_entry(e, &r->entries, link) {
			if (!e->granted || e->node == c->cfg.self_id ||
			    now < e->since + wait)
				continue;
			p = dl_coord_peer(c, e->node);
			if (!p || now < p->audit_at)
				continue;
			p->audit_at = now + wait;
			m = dl_zalloc(sizeof(*m));
			if (!m)
				return;
			dl_coord_send(c, m, DL_COORD_QUERY, e->node);
			dl_free(m);
		}
	}
}

void dl_coord_tick(struct dl_coord *c, u64 now)
{
	u64 retry = dl_coord_ms(c->cfg.retry_ms);
	u32 i;

	c->now = now;
	if (dl_coord_is_leader(c)) {
		if (c->rebuilding && now >= c->query_at)
			dl_coord_send_queries(c, now);
		if (c->serving)
			dl_coord_audit(c, now);
		return;
	}
	if (!c->leader)
		return;
	for (i = 0; i < DL_COORD_MAX_LOCKS; i++) {
		struct dl_coord_mine *mi = &c->mine[i];

		if (!mi->used || mi->lk.granted || now < mi->sent_at + retry)
			continue;
		mi->sent_at = now;
		dl_coord_send_lock(c, DL_COORD_REQUEST, c->leader, &mi->lk);
	}
}

u64 dl_coord_next_deadline(const struct dl_coord *c)
{
	u64 retry = dl_coord_ms(c->cfg.retry_ms);
	u64 t = DL_COORD_NEVER;
	u32 i;

	if (dl_coord_is_leader(c))
		return c->rebuilding ? c->query_at : DL_COORD_NEVER;
	if (!c->leader)
		return DL_COORD_NEVER;
	for (i = 0; i < DL_COORD_MAX_LOCKS; i++)
		if (c->mine[i].used && !c->mine[i].lk.granted)
			t = DL_MIN(t, c->mine[i].sent_at + retry);
	return t;
}

int dl_coord_create(const struct dl_coord_config *cfg,
		    const struct dl_coord_ops *ops, void *ctx,
		    struct dl_coord **out)
{
	bool found = false;
	struct dl_coord *c;
	u32 i, j;

	*out = NULL;
	if (!cfg->nr_nodes || cfg->nr_nodes > DL_COORD_MAX_NODES ||
	    !cfg->self_id || !cfg->retry_ms || !ops || !ops->send)
		return -EINVAL;
	for (i = 0; i < cfg->nr_nodes; i++) {
		if (!cfg->nodes[i])
			return -EINVAL;
		for (j = 0; j < i; j++)
			if (cfg->nodes[j] == cfg->nodes[i])
				return -EINVAL;
		found |= cfg->nodes[i] == cfg->self_id;
	}
	if (!found)
		return -EINVAL;
	c = dl_zalloc(sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->cfg = *cfg;
	c->ops = ops;
	c->ctx = ctx;
	dl_list_init(&c->resources);
	c->hello_due = true;
	for (i = 0; i < cfg->nr_nodes; i++)
		c->peers[i].id = cfg->nodes[i];
	*out = c;
	return 0;
}

void dl_coord_destroy(struct dl_coord *c)
{
	if (!c)
		return;
	dl_coord_table_clear(c);
	dl_free(c);
}

bool dl_coord_serving(const struct dl_coord *c)
{
	return c->serving;
}

bool dl_coord_holds(const struct dl_coord *c, u64 req_id, u64 *token)
{
	u32 i;

	for (i = 0; i < DL_COORD_MAX_LOCKS; i++) {
		const struct dl_coord_mine *mi = &c->mine[i];

		if (mi->used && mi->lk.req_id == req_id && mi->lk.granted) {
			if (token)
				*token = mi->lk.token;
			return true;
		}
	}
	return false;
}

u64 dl_coord_sent(const struct dl_coord *c, u32 type)
{
	return type < DL_COORD_MSG_COUNT ? c->sent[type] : 0;
}

void dl_coord_reset_counts(struct dl_coord *c)
{
	memset(c->sent, 0, sizeof(c->sent));
}

const char *dl_coord_msg_name(u32 type)
{
	static const char *const names[DL_COORD_MSG_COUNT] = {
		"REQUEST", "GRANT", "RELEASE", "QUERY", "REPORT",
	};

	return type < DL_COORD_MSG_COUNT ? names[type] : "?";
}
