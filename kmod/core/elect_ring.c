// SPDX-License-Identifier: GPL-2.0
/*
 * elect_ring.c - the Ring election (elect_ring.h).
 */
#include "elect_ring.h"

#define DL_RING_NS_PER_MS	1000000ULL
#define DL_RING_NEVER		(~0ULL)

struct dl_ring {
	struct dl_ring_config cfg;	/* nodes sorted: the ring */
	const struct dl_ring_ops *ops;
	void *ctx;
	u32 self_idx;
	u32 leader;
	u64 epoch;
	bool participant;		/* forwarded an ELECTION, no answer */
	u32 best_origin;		/* highest initiator forwarded */
	u64 round_deadline;
	struct dl_ring_msg hop;		/* last ELECTION/COORDINATOR passed */
	bool hop_pending;		/* ... and not acknowledged yet */
	u64 hop_deadline;
	u64 hb_next;
	u64 leader_heard;
	bool suspect[DL_ELECT_MAX_NODES];
	u64 heard[DL_ELECT_MAX_NODES];	/* (leader) last word from it */
	bool probed[DL_ELECT_MAX_NODES];	/* (leader) silent, probed */
	bool down[DL_ELECT_MAX_NODES];	/* (leader) reported down */
	u64 sent[DL_RING_MSG_COUNT];
};

static u64 dl_ring_ms(u32 ms)
{
	return (u64)ms * DL_RING_NS_PER_MS;
}

static int dl_ring_index(const struct dl_ring *r, u32 id)
{
	u32 i;

	for (i = 0; i < r->cfg.nr_nodes; i++)
		if (r->cfg.nodes[i] == id)
			return i;
	return -1;
}

static bool dl_ring_has(const struct dl_ring_msg *m, u32 id)
{
	u32 i;

	for (i = 0; i < m->nr_ids; i++)
		if (m->ids[i] == id)
			return true;
	return false;
}

/* The next node round the ring not suspected dead; 0 when alone. */
static u32 dl_ring_successor(const struct dl_ring *r)
{
	u32 n = r->cfg.nr_nodes, k, i;

	for (k = 1; k < n; k++) {
		i = (r->self_idx + k) % n;
		if (!r->suspect[i])
			return r->cfg.nodes[i];
	}
	return 0;
}

static void dl_ring_send(struct dl_ring *r, struct dl_ring_msg *m, u8 type,
			 u32 to)
{
	m->type = type;
	m->from = r->cfg.self_id;
	m->to = to;
	r->sent[type]++;
	r->ops->send(r->ctx, m);
}

static void dl_ring_send_simple(struct dl_ring *r, u8 type, u32 to)
{
	struct dl_ring_msg m = { .epoch = r->epoch };

	dl_ring_send(r, &m, type, to);
}

static void dl_ring_set_leader(struct dl_ring *r, u32 leader, u64 epoch,
			       u64 now)
{
	bool changed = leader != r->leader || epoch != r->epoch;
	u32 i;

	r->leader = leader;
	r->epoch = epoch;
	r->leader_heard = now;
	r->hb_next = now;
	r->participant = false;
	r->best_origin = 0;
	if (leader == r->cfg.self_id) {
		for (i = 0; i < r->cfg.nr_nodes; i++) {
			r->heard[i] = now;
			r->probed[i] = false;
			r->down[i] = false;
		}
	}
	if (changed && r->ops->leader_change)
		r->ops->leader_change(r->ctx, leader, epoch);
}

static void dl_ring_pass(struct dl_ring *r, struct dl_ring_msg *m, u64 now);

/* The ring closed here: announce the highest id round it. */
static void dl_ring_close(struct dl_ring *r, const struct dl_ring_msg *e,
			  u64 now)
{
	struct dl_ring_msg m = { .origin = r->cfg.self_id };
	u32 i, best = 0;

	for (i = 0; i < e->nr_ids; i++)
		best = DL_MAX(best, e->ids[i]);
	m.leader = best;
	m.epoch = DL_MAX(e->epoch, r->epoch) + 1;
	m.type = DL_RING_COORDINATOR;
	dl_ring_set_leader(r, best, m.epoch, now);
	dl_ring_pass(r, &m, now);
}

/*
 * Pass ELECTION or COORDINATOR @m to the next live successor, and keep it
 * until that one acknowledges.  An ELECTION whose next hop already signed
 * it closes the ring here; a COORDINATOR stops before its origin.
 */
static void dl_ring_pass(struct dl_ring *r, struct dl_ring_msg *m, u64 now)
{
	u32 next = dl_ring_successor(r);

	r->hop_pending = false;
	if (m->type == DL_RING_ELECTION) {
		if (!next || dl_ring_has(m, next)) {
			dl_ring_close(r, m, now);
			return;
		}
	} else if (!next || next == m->origin) {
		return;
	}
	dl_ring_send(r, m, m->type, next);
	r->hop = *m;
	r->hop_pending = true;
	r->hop_deadline = now + dl_ring_ms(r->cfg.ack_ms);
}

/* Add our id to @m and pass it on, or close the ring. */
static void dl_ring_forward_election(struct dl_ring *r, struct dl_ring_msg *m,
				     u64 now)
{
	if (!dl_ring_has(m, r->cfg.self_id) && m->nr_ids < DL_ELECT_MAX_NODES)
		m->ids[m->nr_ids++] = r->cfg.self_id;
	m->epoch = DL_MAX(m->epoch, r->epoch);
	m->type = DL_RING_ELECTION;
	r->participant = true;
	r->best_origin = DL_MAX(r->best_origin, m->origin);
	r->round_deadline = now + dl_ring_ms(r->cfg.round_ms);
	dl_ring_pass(r, m, now);
}

void dl_ring_start_election(struct dl_ring *r, u64 now)
{
	struct dl_ring_msg m = { .origin = r->cfg.self_id };

	if (r->leader && r->leader != r->cfg.self_id)
		dl_ring_set_leader(r, 0, r->epoch, now);
	r->best_origin = 0;
	dl_ring_forward_election(r, &m, now);
}

int dl_ring_create(const struct dl_ring_config *cfg,
		   const struct dl_ring_ops *ops, void *ctx, u64 now,
		   struct dl_ring **out)
{
	struct dl_ring *r;
	u32 i, j, t;
	int err;

	*out = NULL;
	err = dl_elect_check_nodes(cfg->self_id, cfg->nr_nodes, cfg->nodes);
	if (err)
		return err;
	if (!cfg->ack_ms || cfg->round_ms <= cfg->ack_ms || !cfg->heartbeat_ms ||
	    cfg->dead_ms <= cfg->heartbeat_ms || !ops || !ops->send)
		return -EINVAL;
	r = dl_zalloc(sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->cfg = *cfg;
	for (i = 1; i < r->cfg.nr_nodes; i++) {
		for (j = i; j && r->cfg.nodes[j - 1] > r->cfg.nodes[j]; j--) {
			t = r->cfg.nodes[j];
			r->cfg.nodes[j] = r->cfg.nodes[j - 1];
			r->cfg.nodes[j - 1] = t;
		}
	}
	r->self_idx = dl_ring_index(r, cfg->self_id);
	r->ops = ops;
	r->ctx = ctx;
	r->epoch = cfg->epoch;
	r->leader_heard = now;
	r->hb_next = DL_RING_NEVER;
	*out = r;
	return 0;
}

void dl_ring_destroy(struct dl_ring *r)
{
	dl_free(r);
}

static int dl_ring_check(const struct dl_ring *r, const struct dl_ring_msg *m)
{
	u32 i;

	if (dl_ring_index(r, m->from) < 0 || m->to != r->cfg.self_id ||
	    m->from == r->cfg.self_id || m->type >= DL_RING_MSG_COUNT)
		return -EINVAL;
	if (m->type == DL_RING_ELECTION) {
		if (!m->nr_ids || m->nr_ids > r->cfg.nr_nodes ||
		    dl_ring_index(r, m->origin) < 0)
			return -EINVAL;
		for (i = 0; i < m->nr_ids; i++)
			if (dl_ring_index(r, m->ids[i]) < 0)
				return -EINVAL;
	}
	if (m->type == DL_RING_COORDINATOR &&
	    (dl_ring_index(r, m->leader) < 0 ||
	     dl_ring_index(r, m->origin) < 0))
		return -EINVAL;
	return 0;
}

int dl_ring_recv(struct dl_ring *r, const struct dl_ring_msg *m, u64 now)
{
	struct dl_ring_msg fwd;
	int idx, err;
	u32 i;

	err = dl_ring_check(r, m);
	if (err)
		return err;
	idx = dl_ring_index(r, m->from);
	r->suspect[idx] = false;
	/* any message proves it alive, whoever it follows (elect_bully.c) */
	r->heard[idx] = now;
	r->probed[idx] = false;
	if (r->leader == r->cfg.self_id && r->down[idx]) {
		r->down[idx] = false;
		if (r->ops->peer_up)
			r->ops->peer_up(r->ctx, m->from);
	}
	if (m->type == DL_RING_ELECTION || m->type == DL_RING_COORDINATOR) {
		struct dl_ring_msg ack = {
			.epoch = m->epoch, .origin = m->origin,
			.leader = m->type,
		};

		dl_ring_send(r, &ack, DL_RING_ACK, m->from);
	}
	switch (m->type) {
	case DL_RING_ACK:
		/* @leader carries the acknowledged type */
		if (r->hop_pending && r->hop.to == m->from &&
		    r->hop.type == m->leader && r->hop.origin == m->origin &&
		    r->hop.epoch == m->epoch)
			r->hop_pending = false;
		break;
	case DL_RING_ELECTION:
		/* a lower concurrent election dies here (Chang-Roberts) */
		if (r->participant && m->origin < r->best_origin)
			break;
		/* whoever signed it was alive a moment ago */
		for (i = 0; i < m->nr_ids; i++)
			r->suspect[dl_ring_index(r, m->ids[i])] = false;
		fwd = *m;
		dl_ring_forward_election(r, &fwd, now);
		break;
	case DL_RING_COORDINATOR:
		/*
		 * Stop a round that is complete, stale, or already known here
		 * (a concurrent round, or one that went round a node the
		 * closer skipped): each node passes an announcement on once.
		 */
		if (m->origin == r->cfg.self_id ||
		    (m->epoch == r->epoch && m->leader == r->leader)) {
			/* our own round may have been suppressed for it */
			r->participant = false;
			break;
		}
		/*
		 * A round that skipped us names a lower id than ours; or
		 * two coordinators (a healed partition): elect again.
		 */
		if (m->leader < r->cfg.self_id || m->epoch < r->epoch ||
		    (m->epoch == r->epoch && m->leader != r->leader)) {
			if (!r->participant && m->leader != r->leader)
				dl_ring_start_election(r, now);
			break;
		}
		r->suspect[dl_ring_index(r, m->leader)] = false;
		dl_ring_set_leader(r, m->leader, m->epoch, now);
		fwd = *m;
		dl_ring_pass(r, &fwd, now);
		break;
	case DL_RING_HEARTBEAT:
		if (r->leader != r->cfg.self_id)
			break;
		/* a round named us at a later epoch than we heard of */
		if (m->epoch > r->epoch)
			dl_ring_set_leader(r, r->cfg.self_id, m->epoch, now);
		dl_ring_send_simple(r, DL_RING_HEARTBEAT_ACK, m->from);
		break;
	case DL_RING_HEARTBEAT_ACK:
		if (m->from != r->leader)
			break;
		r->leader_heard = now;
		/* we missed its announcement of a later epoch: catch up */
		if (m->epoch > r->epoch)
			dl_ring_set_leader(r, m->from, m->epoch, now);
		break;
	}
	return 0;
}

void dl_ring_tick(struct dl_ring *r, u64 now)
{
	u64 dead = dl_ring_ms(r->cfg.dead_ms);
	int idx;
	u32 i;

	if (r->hop_pending && now >= r->hop_deadline) {
		/* no ACK: the successor is dead, skip it */
		struct dl_ring_msg m = r->hop;

		idx = dl_ring_index(r, m.to);
		if (idx >= 0)
			r->suspect[idx] = true;
		dl_ring_pass(r, &m, now);
	}
	if (r->participant && now >= r->round_deadline) {
		/* lost further on (a node died after its ACK): start over */
		dl_ring_start_election(r, now);
		return;
	}
	if (r->leader == r->cfg.self_id) {
		for (i = 0; i < r->cfg.nr_nodes; i++) {
			struct dl_ring_msg m = {
				.epoch = r->epoch, .origin = r->cfg.self_id,
				.leader = r->cfg.self_id,
			};

			if (i == r->self_idx || now < r->heard[i] + dead)
				continue;
			/*
			 * Probe it every dead_ms, and take it for dead only
			 * after a probe went unanswered (every node ACKs a
			 * COORDINATOR): see elect_bully.c.
			 */
			r->heard[i] = now;
			dl_ring_send(r, &m, DL_RING_COORDINATOR,
				     r->cfg.nodes[i]);
			if (!r->probed[i]) {
				r->probed[i] = true;
				continue;
			}
			if (r->down[i])
				continue;
			r->down[i] = true;
			r->suspect[i] = true;
			if (r->ops->peer_down)
				r->ops->peer_down(r->ctx, r->cfg.nodes[i]);
		}
		return;
	}
	if (r->participant && !r->leader)
		return;	/* the round is on its way */
	if (!r->leader || now >= r->leader_heard + dead) {
		idx = dl_ring_index(r, r->leader);
		if (idx >= 0)
			r->suspect[idx] = true;
		dl_ring_start_election(r, now);
		return;
	}
	if (now >= r->hb_next) {
		dl_ring_send_simple(r, DL_RING_HEARTBEAT, r->leader);
		r->hb_next = now + dl_ring_ms(r->cfg.heartbeat_ms);
	}
}

u64 dl_ring_next_deadline(const struct dl_ring *r)
{
	u64 dead = dl_ring_ms(r->cfg.dead_ms);
	u64 t = DL_RING_NEVER;
	u32 i;

	if (r->hop_pending)
		t = r->hop_deadline;
	if (r->participant)
		return DL_MIN(t, r->round_deadline);
	if (r->leader == r->cfg.self_id) {
		for (i = 0; i < r->cfg.nr_nodes; i++)
			if (i != r->self_idx)
				t = DL_MIN(t, r->heard[i] + dead);
		return t;
	}
	if (!r->leader)
		return DL_MIN(t, r->leader_heard + dead);
	return DL_MIN(t, DL_MIN(r->hb_next, r->leader_heard + dead));
}

u32 dl_ring_leader(const struct dl_ring *r)
{
	return r->leader;
}

u64 dl_ring_epoch(const struct dl_ring *r)
{
	return r->epoch;
}

bool dl_ring_electing(const struct dl_ring *r)
{
	return r->participant;
}

u64 dl_ring_sent(const struct dl_ring *r, u32 type)
{
	return type < DL_RING_MSG_COUNT ? r->sent[type] : 0;
}

void dl_ring_reset_counts(struct dl_ring *r)
{
	memset(r->sent, 0, sizeof(r->sent));
}

const char *dl_ring_msg_name(u32 type)
{
	static const char *const names[DL_RING_MSG_COUNT] = {
		"ELECTION", "COORDINATOR", "ACK", "HEARTBEAT", "HEARTBEAT_ACK",
	};

	return type < DL_RING_MSG_COUNT ? names[type] : "?";
}
