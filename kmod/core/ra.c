// SPDX-License-Identifier: GPL-2.0
/*
 * ra.c - Ricart-Agrawala lockspaces (ra.h).
 *
 * Sets of nodes are bit masks over the index of a node in the config.
 */
#include "ra.h"

#define DL_RA_NS_PER_MS		1000000ULL
#define DL_RA_NEVER		(~0ULL)

enum dl_ra_state {
	DL_RA_FREE,		/* slot unused: not interested */
	DL_RA_WANTED,
	DL_RA_HELD,
};

struct dl_ra_res {
	u32 state;
	u64 ts;			/* our request's timestamp */
	u32 waiting;		/* nodes whose REPLY we still need */
	u32 deferred;		/* nodes we owe a REPLY (their ts in @owed) */
	u64 owed[DL_RA_MAX_NODES];
	u64 owed_inc[DL_RA_MAX_NODES];
	u64 retry_at;
	u8 name_len;
	u8 name[DL_RA_NAME_MAX];
};

struct dl_ra {
	struct dl_ra_config cfg;
	const struct dl_ra_ops *ops;
	void *ctx;
	u32 self_idx;
	u32 live;		/* the membership view, self included */
	u64 clock;
	struct dl_ra_res res[DL_RA_MAX_RES];
	u64 sent[DL_RA_MSG_COUNT];
};

static int dl_ra_index(const struct dl_ra *ra, u32 id)
{
	u32 i;

	for (i = 0; i < ra->cfg.nr_nodes; i++)
		if (ra->cfg.nodes[i] == id)
			return i;
	return -1;
}

static struct dl_ra_res *dl_ra_find(struct dl_ra *ra, const void *name,
				    u8 name_len)
{
	u32 i;

	for (i = 0; i < DL_RA_MAX_RES; i++) {
		struct dl_ra_res *r = &ra->res[i];

		if (r->state != DL_RA_FREE && r->name_len == name_len &&
		    !memcmp(r->name, name, name_len))
			return r;
	}
	return NULL;
}

static void dl_ra_send(struct dl_ra *ra, u8 type, u32 idx, u64 clock,
		       u64 inc, const struct dl_ra_res *r, const u8 *name,
		       u8 name_len)
{
	struct dl_ra_msg m = {
		.type = type,
		.from = ra->cfg.self_id,
		.to = ra->cfg.nodes[idx],
		.clock = clock,
		.sender_clock = ra->clock,
		.incarnation = inc,
		.name_len = name_len,
	};

	memcpy(m.name, r ? r->name : name, name_len);
	ra->sent[type]++;
	ra->ops->send(ra->ctx, &m);
}

static void dl_ra_enter_if_ready(struct dl_ra *ra, struct dl_ra_res *r)
{
	if (r->state != DL_RA_WANTED || (r->waiting & ra->live))
		return;
	r->state = DL_RA_HELD;
	r->waiting = 0;
	if (ra->ops->granted)
		ra->ops->granted(ra->ctx, r->name, r->name_len);
}

static void dl_ra_request_all(struct dl_ra *ra, struct dl_ra_res *r, u64 now)
{
	u32 i;

	for (i = 0; i < ra->cfg.nr_nodes; i++)
		if (r->waiting & ra->live & (1U << i))
			dl_ra_send(ra, DL_RA_REQUEST, i, r->ts,
				   ra->cfg.incarnation, r, NULL, r->name_len);
	r->retry_at = now + (u64)ra->cfg.retry_ms * DL_RA_NS_PER_MS;
}

int dl_ra_lock(struct dl_ra *ra, const void *name, u8 name_len, u64 now)
{
	struct dl_ra_res *r = NULL;
	u32 i;

	if (!name || !name_len || name_len > DL_RA_NAME_MAX)
		return -EINVAL;
	if (dl_ra_find(ra, name, name_len))
		return -EBUSY;
	for (i = 0; i < DL_RA_MAX_RES && !r; i++)
		if (ra->res[i].state == DL_RA_FREE)
			r = &ra->res[i];
	if (!r)
		return -ENOSPC;
	memset(r, 0, sizeof(*r));
	r->state = DL_RA_WANTED;
	r->ts = ++ra->clock;
	r->name_len = name_len;
	memcpy(r->name, name, name_len);
	r->waiting = ra->live & ~(1U << ra->self_idx);
	dl_ra_request_all(ra, r, now);
	dl_ra_enter_if_ready(ra, r);
	return 0;
}

int dl_ra_unlock(struct dl_ra *ra, const void *name, u8 name_len)
{
	struct dl_ra_res *r;
	u32 i;

	if (!name || !name_len || name_len > DL_RA_NAME_MAX)
		return -EINVAL;
	r = dl_ra_find(ra, name, name_len);
	if (!r)
		return -ENOENT;
	/* "When done with a lock: send OK to anybody in queue" */
	for (i = 0; i < ra->cfg.nr_nodes; i++)
		if (r->deferred & ra->live & (1U << i))
			dl_ra_send(ra, DL_RA_REPLY, i, r->owed[i],
				   r->owed_inc[i], r, NULL, r->name_len);
	r->state = DL_RA_FREE;
	return 0;
}

/* (a.ts, a.id) < (b.ts, b.id): Lamport's total order of requests. */
static bool dl_ra_before(u64 ts_a, u32 id_a, u64 ts_b, u32 id_b)
{
	return ts_a < ts_b || (ts_a == ts_b && id_a < id_b);
}

int dl_ra_recv(struct dl_ra *ra, const struct dl_ra_msg *m, u64 now)
{
	int idx = dl_ra_index(ra, m->from);
	struct dl_ra_res *r;

	if (idx < 0 || m->to != ra->cfg.self_id ||
	    m->from == ra->cfg.self_id || m->type >= DL_RA_MSG_COUNT ||
	    !m->name_len || m->name_len > DL_RA_NAME_MAX || !m->clock)
		return -EINVAL;
	r = dl_ra_find(ra, m->name, m->name_len);
	switch (m->type) {
	case DL_RA_REQUEST:
		ra->clock = DL_MAX(ra->clock, m->clock) + 1;
		if (r && (r->state == DL_RA_HELD ||
			  dl_ra_before(r->ts, ra->cfg.self_id, m->clock,
				       m->from))) {
			if ((r->deferred & (1U << idx)) &&
			    r->owed[idx] == m->clock &&
			    r->owed_inc[idx] == m->incarnation)
				dl_ra_send(ra, DL_RA_DEFER, idx, m->clock,
					   m->incarnation, NULL, m->name,
					   m->name_len);
			r->deferred |= 1U << idx;
			r->owed[idx] = m->clock;
			r->owed_inc[idx] = m->incarnation;
			break;
		}
		dl_ra_send(ra, DL_RA_REPLY, idx, m->clock, m->incarnation, NULL,
			   m->name, m->name_len);
		break;
	case DL_RA_REPLY:
		ra->clock = DL_MAX(ra->clock, m->sender_clock) + 1;
		if (!r || r->state != DL_RA_WANTED || m->clock != r->ts ||
		    m->incarnation != ra->cfg.incarnation)
			break;	/* for a request we gave up, or an earlier life */
		r->waiting &= ~(1U << idx);
		dl_ra_enter_if_ready(ra, r);
		break;
	case DL_RA_DEFER:
		/* only a sign of life for the host's membership view */
		ra->clock = DL_MAX(ra->clock, m->sender_clock) + 1;
		break;
	}
	(void)now;
	return 0;
}

void dl_ra_tick(struct dl_ra *ra, u64 now)
{
	u32 i;

	for (i = 0; i < DL_RA_MAX_RES; i++) {
		struct dl_ra_res *r = &ra->res[i];

		if (r->state == DL_RA_WANTED && now >= r->retry_at)
			dl_ra_request_all(ra, r, now);
	}
}

u64 dl_ra_next_deadline(const struct dl_ra *ra)
{
	u64 t = DL_RA_NEVER;
	u32 i;

	for (i = 0; i < DL_RA_MAX_RES; i++)
		if (ra->res[i].state == DL_RA_WANTED)
			t = DL_MIN(t, ra->res[i].retry_at);
	return t;
}

void dl_ra_peer_down(struct dl_ra *ra, u32 id)
{
	int idx = dl_ra_index(ra, id);
	u32 i;

	if (idx < 0 || (u32)idx == ra->self_idx)
		return;
	ra->live &= ~(1U << idx);
	for (i = 0; i < DL_RA_MAX_RES; i++) {
		struct dl_ra_res *r = &ra->res[i];

		if (r->state == DL_RA_FREE)
			continue;
		r->deferred &= ~(1U << idx);
		r->waiting &= ~(1U << idx);
		dl_ra_enter_if_ready(ra, r);
	}
}

/*
 * A node back from a crash: a request of ours still waiting must wait for
 * its REPLY too, or it could enter next to us with a request it stamps
 * from its fresh (low) clock.  One we hold is safe: we defer it.
 */
void dl_ra_peer_up(struct dl_ra *ra, u32 id)
{
	int idx = dl_ra_index(ra, id);
	u32 i;

	if (idx < 0 || (u32)idx == ra->self_idx)
		return;
	ra->live |= 1U << idx;
	for (i = 0; i < DL_RA_MAX_RES; i++) {
		struct dl_ra_res *r = &ra->res[i];

		if (r->state != DL_RA_WANTED)
			continue;
		r->waiting |= 1U << idx;
		dl_ra_send(ra, DL_RA_REQUEST, idx, r->ts, ra->cfg.incarnation,
			   r, NULL, r->name_len);
	}
}

int dl_ra_create(const struct dl_ra_config *cfg, const struct dl_ra_ops *ops,
		 void *ctx, struct dl_ra **out)
{
	struct dl_ra *ra;
	u32 i, j;
	int self = -1;

	*out = NULL;
	if (!cfg->nr_nodes || cfg->nr_nodes > DL_RA_MAX_NODES ||
	    !cfg->self_id || !cfg->retry_ms || !ops || !ops->send)
		return -EINVAL;
	for (i = 0; i < cfg->nr_nodes; i++) {
		if (!cfg->nodes[i])
			return -EINVAL;
		for (j = 0; j < i; j++)
			if (cfg->nodes[j] == cfg->nodes[i])
				return -EINVAL;
		if (cfg->nodes[i] == cfg->self_id)
			self = i;
	}
	if (self < 0)
		return -EINVAL;
	ra = dl_zalloc(sizeof(*ra));
	if (!ra)
		return -ENOMEM;
	ra->cfg = *cfg;
	ra->ops = ops;
	ra->ctx = ctx;
	ra->self_idx = self;
	ra->live = (1U << cfg->nr_nodes) - 1;
	*out = ra;
	return 0;
}

void dl_ra_destroy(struct dl_ra *ra)
{
	dl_free(ra);
}

bool dl_ra_holds(const struct dl_ra *ra, const void *name, u8 name_len)
{
	struct dl_ra_res *r = dl_ra_find((struct dl_ra *)ra, name, name_len);

	return r && r->state == DL_RA_HELD;
}

bool dl_ra_wants(const struct dl_ra *ra, const void *name, u8 name_len)
{
	struct dl_ra_res *r = dl_ra_find((struct dl_ra *)ra, name, name_len);

	return r && r->state == DL_RA_WANTED;
}

u64 dl_ra_clock(const struct dl_ra *ra)
{
	return ra->clock;
}

u64 dl_ra_sent(const struct dl_ra *ra, u32 type)
{
	return type < DL_RA_MSG_COUNT ? ra->sent[type] : 0;
}

void dl_ra_reset_counts(struct dl_ra *ra)
{
	memset(ra->sent, 0, sizeof(ra->sent));
}

const char *dl_ra_msg_name(u32 type)
{
	static const char *const names[DL_RA_MSG_COUNT] = {
		"REQUEST", "REPLY", "DEFER",
	};

	return type < DL_RA_MSG_COUNT ? names[type] : "?";
}
