// SPDX-License-Identifier: GPL-2.0
/*
 * elect_bully.c - the Bully election (elect_bully.h).
 *
 * Message counts, which the unit tests check: with all n nodes up and the
 * lowest id starting, every node k sends ELECTION to the n - k ids above
 * it once and gets an OK for each, and the highest sends n - 1 COORDINATOR:
 * n(n - 1) + (n - 1) = n^2 - 1 messages.  When the second-highest starts
 * after the coordinator died it sends one ELECTION (to the dead one), gets
 * no OK and sends n - 2 COORDINATOR.
 */
#include "elect_bully.h"

#define DL_BULLY_NS_PER_MS	1000000ULL
#define DL_BULLY_NEVER		(~0ULL)

enum dl_bully_state {
	DL_BULLY_FOLLOWER,	/* knows a coordinator, or waits to */
	DL_BULLY_WAIT_OK,	/* sent ELECTION up, waiting for OK */
	DL_BULLY_WAIT_COORD,	/* got OK, waiting for COORDINATOR */
	DL_BULLY_LEADER,
};

struct dl_bully {
	struct dl_bully_config cfg;
	const struct dl_bully_ops *ops;
	void *ctx;
	u32 state;
	u32 leader;
	u64 epoch;
	u64 state_deadline;		/* end of WAIT_OK / WAIT_COORD */
	u64 won_at;			/* (leader) when it won */
	u64 hb_next;			/* next heartbeat (follower) */
	u64 leader_heard;		/* last word from the coordinator */
	u64 heard[DL_ELECT_MAX_NODES];	/* (leader) last word from it */
	bool probed[DL_ELECT_MAX_NODES];	/* (leader) silent, probed */
	bool down[DL_ELECT_MAX_NODES];	/* (leader) reported down */
	u64 sent[DL_BULLY_MSG_COUNT];
};

static u64 dl_bully_ms(u32 ms)
{
	return (u64)ms * DL_BULLY_NS_PER_MS;
}

/* Shared with elect_ring.c: ids distinct, non-zero, self among them. */
int dl_elect_check_nodes(u32 self, u32 nr, const u32 *nodes)
{
	bool found = false;
	u32 i, j;

	if (!nr || nr > DL_ELECT_MAX_NODES || !self)
		return -EINVAL;
	for (i = 0; i < nr; i++) {
		if (!nodes[i])
			return -EINVAL;
		for (j = 0; j < i; j++)
			if (nodes[j] == nodes[i])
				return -EINVAL;
		if (nodes[i] == self)
			found = true;
	}
	return found ? 0 : -EINVAL;
}

static int dl_bully_index(const struct dl_bully *b, u32 id)
{
	u32 i;

	for (i = 0; i < b->cfg.nr_nodes; i++)
		if (b->cfg.nodes[i] == id)
			return i;
	return -1;
}

static void dl_bully_send(struct dl_bully *b, u8 type, u32 to)
{
	struct dl_bully_msg m = {
		.type = type,
		.from = b->cfg.self_id,
		.to = to,
		.epoch = b->epoch,
	};

	b->sent[type]++;
	b->ops->send(b->ctx, &m);
}

static void dl_bully_set_leader(struct dl_bully *b, u32 leader, u64 epoch,
				u64 now)
{
	bool changed = leader != b->leader || epoch != b->epoch;
	u32 i;

	b->leader = leader;
	b->epoch = epoch;
	b->leader_heard = now;
	b->hb_next = now;
	if (leader == b->cfg.self_id) {
		/* everyone gets a full dead_ms to show up */
		for (i = 0; i < b->cfg.nr_nodes; i++) {
			b->heard[i] = now;
			b->probed[i] = false;
			b->down[i] = false;
		}
	}
	if (changed && b->ops->leader_change)
		b->ops->leader_change(b->ctx, leader, epoch);
}

static void dl_bully_win(struct dl_bully *b, u64 now)
{
	u32 i;

	b->state = DL_BULLY_LEADER;
	b->won_at = now;
	dl_bully_set_leader(b, b->cfg.self_id, b->epoch + 1, now);
	for (i = 0; i < b->cfg.nr_nodes; i++)
		if (b->cfg.nodes[i] < b->cfg.self_id)
			dl_bully_send(b, DL_BULLY_COORDINATOR, b->cfg.nodes[i]);
}

void dl_bully_start_election(struct dl_bully *b, u64 now)
{
	bool higher = false;
	u32 i;

	if (b->leader && b->leader != b->cfg.self_id)
		dl_bully_set_leader(b, 0, b->epoch, now);
	for (i = 0; i < b->cfg.nr_nodes; i++) {
		if (b->cfg.nodes[i] > b->cfg.self_id) {
			dl_bully_send(b, DL_BULLY_ELECTION, b->cfg.nodes[i]);
			higher = true;
		}
	}
	if (!higher) {
		dl_bully_win(b, now);
		return;
	}
	b->state = DL_BULLY_WAIT_OK;
	b->state_deadline = now + dl_bully_ms(b->cfg.answer_ms);
}

int dl_bully_create(const struct dl_bully_config *cfg,
		    const struct dl_bully_ops *ops, void *ctx, u64 now,
		    struct dl_bully **out)
{
	struct dl_bully *b;
	int err;

	*out = NULL;
	err = dl_elect_check_nodes(cfg->self_id, cfg->nr_nodes, cfg->nodes);
	if (err)
		return err;
	if (!cfg->answer_ms || !cfg->announce_ms || !cfg->heartbeat_ms ||
	    cfg->dead_ms <= cfg->heartbeat_ms || !ops || !ops->send)
		return -EINVAL;
	b = dl_zalloc(sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->cfg = *cfg;
	b->ops = ops;
	b->ctx = ctx;
	b->state = DL_BULLY_FOLLOWER;
	b->epoch = cfg->epoch;
	b->leader_heard = now;
	b->hb_next = DL_BULLY_NEVER;
	*out = b;
	return 0;
}

void dl_bully_destroy(struct dl_bully *b)
{
	dl_free(b);
}

int dl_bully_recv(struct dl_bully *b, const struct dl_bully_msg *m, u64 now)
{
	int idx = dl_bully_index(b, m->from);

	if (idx < 0 || m->to != b->cfg.self_id || m->from == b->cfg.self_id ||
	    m->type >= DL_BULLY_MSG_COUNT)
		return -EINVAL;
	/*
	 * Any message proves the sender alive, whoever it follows: a
	 * coordinator must not take it for dead (and drop its locks) while
	 * it may hold locks granted by a rival coordinator.
	 */
	b->heard[idx] = now;
	b->probed[idx] = false;
	if (b->state == DL_BULLY_LEADER && b->down[idx]) {
		b->down[idx] = false;
		if (b->ops->peer_up)
			b->ops->peer_up(b->ctx, m->from);
	}
	switch (m->type) {
	case DL_BULLY_ELECTION:
		if (m->from > b->cfg.self_id)
			return -EINVAL;
		/* answer OK, and bully: start our own unless already at it */
		dl_bully_send(b, DL_BULLY_OK, m->from);
		/*
		 * The leader tells it alone, same epoch, unless our COORDINATOR
		 * to it may still be in flight: an ELECTION sent before our
		 * win does not mean the announcement was lost, and if it was
		 * the sender asks again after announce_ms.
		 */
		if (b->state == DL_BULLY_LEADER) {
			if (now >= b->won_at + dl_bully_ms(b->cfg.announce_ms))
				dl_bully_send(b, DL_BULLY_COORDINATOR,
					      m->from);
		} else if (!dl_bully_electing(b)) {
			dl_bully_start_election(b, now);
		}
		break;
	case DL_BULLY_OK:
		if (m->from < b->cfg.self_id) {
			/* our COORDINATOR's epoch was not above its own */
			if (b->state == DL_BULLY_LEADER && m->epoch >= b->epoch) {
				b->epoch = m->epoch;
				dl_bully_win(b, now);
			}
			break;
		}
		if (b->state == DL_BULLY_WAIT_OK) {
			b->state = DL_BULLY_WAIT_COORD;
			b->state_deadline = now +
				dl_bully_ms(b->cfg.announce_ms);
		}
		break;
	case DL_BULLY_COORDINATOR:
		if (m->from < b->cfg.self_id) {
			/* a lower id claims it while we live: bully it */
			if (!dl_bully_electing(b))
				dl_bully_start_election(b, now);
			break;
		}
		if (m->epoch < b->epoch ||
		    (m->epoch == b->epoch && m->from != b->leader)) {
			/*
			 * A coordinator (restarted, or cut off) reuses an
			 * epoch: tokens would repeat.  Tell it ours in an OK;
			 * it wins again above it.  A higher id wins anyway:
			 * step down and wait for that announcement.
			 */
			dl_bully_send(b, DL_BULLY_OK, m->from);
			if (b->state == DL_BULLY_LEADER) {
				b->state = DL_BULLY_WAIT_COORD;
				b->state_deadline = now +
					dl_bully_ms(b->cfg.announce_ms);
				dl_bully_set_leader(b, 0, b->epoch, now);
			}
			break;
		}
		b->state = DL_BULLY_FOLLOWER;
		dl_bully_set_leader(b, m->from, m->epoch, now);
		break;
	case DL_BULLY_HEARTBEAT:
		/* not ours to answer: the sender's silence timer re-elects */
		if (b->state != DL_BULLY_LEADER)
			break;
		/* our win reached it at a later epoch than ours */
		if (m->epoch > b->epoch)
			dl_bully_set_leader(b, b->cfg.self_id, m->epoch, now);
		dl_bully_send(b, DL_BULLY_HEARTBEAT_ACK, m->from);
		break;
	case DL_BULLY_HEARTBEAT_ACK:
		if (m->from != b->leader)
			break;
		b->leader_heard = now;
		/* we missed its announcement of a later epoch: catch up */
		if (m->epoch > b->epoch)
			dl_bully_set_leader(b, m->from, m->epoch, now);
		break;
	}
	return 0;
}

void dl_bully_tick(struct dl_bully *b, u64 now)
{
	u64 dead = dl_bully_ms(b->cfg.dead_ms);
	u32 i;

	switch (b->state) {
	case DL_BULLY_WAIT_OK:
		if (now >= b->state_deadline)
			dl_bully_win(b, now);
		return;
	case DL_BULLY_WAIT_COORD:
		if (now >= b->state_deadline)
			dl_bully_start_election(b, now);
		return;
	case DL_BULLY_LEADER:
		for (i = 0; i < b->cfg.nr_nodes; i++) {
			if (b->cfg.nodes[i] == b->cfg.self_id ||
			    now < b->heard[i] + dead)
				continue;
			/*
			 * Silent for dead_ms, then every dead_ms: tell it we
			 * lead, in case it lives following another
			 * coordinator (a concurrent election, a healed
			 * partition).  A live node answers that probe
			 * whatever it follows: an OK when our epoch is stale,
			 * heartbeats when it joins us, its own election when
			 * its id is higher.  Only a node that stays silent
			 * through a second dead_ms is taken for dead, so a
			 * node holding a rival coordinator's grants keeps us
			 * from rebuilding without it.
			 */
			b->heard[i] = now;
			dl_bully_send(b, DL_BULLY_COORDINATOR, b->cfg.nodes[i]);
			if (!b->probed[i]) {
				b->probed[i] = true;
				continue;
			}
			if (b->down[i])
				continue;
			b->down[i] = true;
			if (b->ops->peer_down)
				b->ops->peer_down(b->ctx, b->cfg.nodes[i]);
		}
		return;
	default:
		break;
	}
	if (!b->leader || now >= b->leader_heard + dead) {
		dl_bully_start_election(b, now);
		return;
	}
	if (now >= b->hb_next) {
		dl_bully_send(b, DL_BULLY_HEARTBEAT, b->leader);
		b->hb_next = now + dl_bully_ms(b->cfg.heartbeat_ms);
	}
}

u64 dl_bully_next_deadline(const struct dl_bully *b)
{
	u64 dead = dl_bully_ms(b->cfg.dead_ms);
	u64 t = DL_BULLY_NEVER;
	u32 i;

	switch (b->state) {
	case DL_BULLY_WAIT_OK:
	case DL_BULLY_WAIT_COORD:
		return b->state_deadline;
	case DL_BULLY_LEADER:
		for (i = 0; i < b->cfg.nr_nodes; i++)
			if (b->cfg.nodes[i] != b->cfg.self_id)
				t = DL_MIN(t, b->heard[i] + dead);
		return t;
	default:
		if (!b->leader)
			return b->leader_heard + dead;
		return DL_MIN(b->hb_next, b->leader_heard + dead);
	}
}

u32 dl_bully_leader(const struct dl_bully *b)
{
	return b->leader;
}

u64 dl_bully_epoch(const struct dl_bully *b)
{
	return b->epoch;
}

bool dl_bully_electing(const struct dl_bully *b)
{
	return b->state == DL_BULLY_WAIT_OK || b->state == DL_BULLY_WAIT_COORD;
}

u64 dl_bully_sent(const struct dl_bully *b, u32 type)
{
	return type < DL_BULLY_MSG_COUNT ? b->sent[type] : 0;
}

void dl_bully_reset_counts(struct dl_bully *b)
{
	memset(b->sent, 0, sizeof(b->sent));
}

const char *dl_bully_msg_name(u32 type)
{
	static const char *const names[DL_BULLY_MSG_COUNT] = {
		"ELECTION", "OK", "COORDINATOR", "HEARTBEAT", "HEARTBEAT_ACK",
	};

	return type < DL_BULLY_MSG_COUNT ? names[type] : "?";
}
