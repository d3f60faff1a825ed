// SPDX-License-Identifier: GPL-2.0
/*
 * elect_raft.c - Raft (raft.h) behind struct dl_election_ops: the default
 * election of a cell, and the replicated log that orders the lock table.
 *
 * Raft knows nothing of datagrams, sessions or lock tables; this file turns
 * its messages into wire ops, its committed entries into lock-table
 * commands, its snapshots into lock-table snapshots, and tells the session
 * layer which of its messages renew a lease.
 */
#include "node_priv.h"
#include "raft.h"

struct dl_elect_raft {
	struct dl_raft *raft;
	struct dl_lt_loader *loader;	/* snapshot being received */
};

static struct dl_raft *dl_er(struct dl_node *node)
{
	return ((struct dl_elect_raft *)node->elect_priv)->raft;
}

static void dl_er_send(void *ctx, const struct dl_raft_msg *m)
{
	struct dl_node *node = ctx;
	u8 *body = node->enc_buf;
	u32 saved = node->cause;
	int n;

	n = dl_wire_enc_raft(body, sizeof(node->enc_buf), m);
	if (n < 0) {
		dl_env_log(node->env, DL_LOG_ERR, "raft %s not encodable: %d",
			   dl_raft_msg_type_name(m->type), n);
		return;
	}
	switch (m->type) {
	case DL_RAFT_MSG_PREVOTE:
	case DL_RAFT_MSG_PREVOTE_RESP:
	case DL_RAFT_MSG_VOTE:
	case DL_RAFT_MSG_VOTE_RESP:
	case DL_RAFT_MSG_TIMEOUT_NOW:
		node->cause = DL_CAUSE_ELECTION;
		break;
	}
	if (m->type == DL_RAFT_MSG_APPEND)
		dl_session_rtt_probe(node, m->to);
	dl_node_send_op(node, m->to, dl_wire_raft_op(m->type), body, n);
	node->cause = saved;
}

/* -ENOMEM: not applied, Raft hands the entry over again (node.c). */
static int dl_er_apply(void *ctx, u64 index, const struct dl_raft_entry *e)
{
	struct dl_node *node = ctx;

	switch (e->type) {
	case DL_RAFT_ENTRY_NORMAL:
		return dl_node_apply_entry(node, index, e->data, e->len);
	case DL_RAFT_ENTRY_REFORM:
		return dl_node_apply_revoke_all(node, index);
	default:
		return 0;	/* NOOP, CONFIG: nothing for the lock table */
	}
}

static void dl_er_role_change(void *ctx, enum dl_raft_role role, u64 term,
			      u32 leader_id)
{
	struct dl_node *node = ctx;

	if (role == DL_RAFT_CANDIDATE)
		node->ctr.elections++;
	dl_node_leader_changed(node, leader_id, term);
}

static int dl_er_snapshot_save(void *ctx, dl_raft_emit_fn emit, void *sink)
{
	struct dl_node *node = ctx;

	/* half an entry is applied: the table is no state of any index */
	if (dl_node_apply_partial(node))
		return -EAGAIN;
	return dl_lt_snapshot_save(node->lt, emit, sink);
}

static int dl_er_snapshot_load(void *ctx, u64 offset, const void *buf,
			       size_t len, bool last)
{
	struct dl_node *node = ctx;
	struct dl_elect_raft *er = node->elect_priv;
	struct dl_lt *lt = NULL;
	int err;

	if (!offset) {
		if (er->loader)
			dl_lt_load_end(er->loader, &lt);
		dl_lt_destroy(lt);
		lt = NULL;
		er->loader = dl_lt_load_begin();
	}
	if (!er->loader)
		return -ENOMEM;
	err = dl_lt_load_chunk(er->loader, buf, len);
	if (!err && !last)
		return 0;
	if (err) {
		dl_lt_load_end(er->loader, &lt);
		er->loader = NULL;
		return err;
	}
	err = dl_lt_load_end(er->loader, &lt);
	er->loader = NULL;
	if (err)
		return err;
	dl_lt_destroy(node->lt);
	node->lt = lt;
	dl_node_apply_reset(node);
	return 0;
}

static u32 dl_er_random(void *ctx)
{
	struct dl_node *node = ctx;

	return dl_env_random(node->env);
}

static const struct dl_raft_ops dl_er_ops = {
	.send = dl_er_send,
	.apply = dl_er_apply,
	.role_change = dl_er_role_change,
	.snapshot_save = dl_er_snapshot_save,
	.snapshot_load = dl_er_snapshot_load,
	.random = dl_er_random,
};

static int dl_er_init(struct dl_node *node)
{
	const struct dl_node_timeouts *t = &node->cfg.timeouts;
	struct dl_raft_config rc = {
		.self_id = node->cfg.node_id,
		.incarnation = node->cfg.incarnation,
		.bootstrap = !node->cfg.rejoin,
		.nr_voters = node->cfg.n_voters,
		.election_min_ms = t->election_ms,
		.election_max_ms = 2 * t->election_ms,
		.heartbeat_ms = t->heartbeat_ms,
		/* well inside the election timeout, as raft.h asks */
		.lease_ms = t->election_ms / 2,
		.drift_ppm = t->skew_ppm,
		.prevote = true,
		.check_quorum = true,
	};
	struct dl_elect_raft *er;

	memcpy(rc.voters, node->cfg.voters, sizeof(rc.voters));
	er = dl_zalloc(sizeof(*er));
	if (!er)
		return -ENOMEM;
	er->raft = dl_raft_create(&rc, &dl_er_ops, node, dl_node_now(node));
	if (!er->raft) {
		dl_free(er);
		return -EINVAL;
	}
	node->elect_priv = er;
	return 0;
}

static void dl_er_destroy(struct dl_node *node)
{
	struct dl_elect_raft *er = node->elect_priv;
	struct dl_lt *lt = NULL;

	if (!er)
		return;
	if (er->loader) {
		dl_lt_load_end(er->loader, &lt);
		dl_lt_destroy(lt);
	}
	dl_raft_destroy(er->raft);
	dl_free(er);
	node->elect_priv = NULL;
}

/* What an APPEND carries decides what its answer is charged to. */
static u32 dl_er_append_cause(struct dl_node *node, const struct dl_raft_msg *m)
{
	u32 i;

	for (i = 0; i < m->nr_entries; i++) {
		const struct dl_raft_entry *e = &m->entries[i];

		if (e->type == DL_RAFT_ENTRY_NORMAL &&
		    dl_lt_batch_decode(e->data, e->len, node->scratch,
				       DL_LT_BATCH_MAX_CMDS) > 0)
			return dl_cmd_cause(node->scratch[0].type);
	}
	return DL_CAUSE_OTHER;
}

static int dl_er_recv(struct dl_node *node, u32 from,
		      const struct dl_wire_op *op)
{
	struct dl_raft *r = dl_er(node);
	struct dl_wire_hdr hdr = {
		.src = from,
		.dst = node->cfg.node_id,
	};
	struct dl_peer *peer = dl_peer_find(node, from);
	struct dl_raft_msg m;
	u64 now = dl_node_now(node);
	int err;

	if (!peer || peer->role != DL_NODE_VOTER)
		return -EPERM;
	hdr.incarnation = peer->incarnation;
	err = dl_wire_dec_raft(op, &hdr, &m, node->rx_ents);
	if (err)
		return err;
	if (m.type == DL_RAFT_MSG_APPEND)
		node->cause = dl_er_append_cause(node, &m);
	err = dl_raft_step(r, &m, now);
	if (err)
		return err;
	if (m.type == DL_RAFT_MSG_APPEND)
		node->ctr.follower_commits = dl_raft_own_commits(r);
	if (m.type == DL_RAFT_MSG_APPEND_RESP && m.term == node->term &&
	    dl_raft_role(r) == DL_RAFT_LEADER) {
		dl_session_follower_ack(node, from);
		dl_session_rtt_answer(node, from);
	}
	return 0;
}

static void dl_er_tick(struct dl_node *node, u64 now)
{
	dl_raft_tick(dl_er(node), now);
}

static u64 dl_er_next_deadline(struct dl_node *node)
{
	return dl_raft_next_deadline(dl_er(node));
}

static int dl_er_propose(struct dl_node *node, const void *cmd, size_t len)
{
	u64 index;

	return dl_raft_propose(dl_er(node), cmd, len, &index);
}

static void dl_er_flush(struct dl_node *node, u64 now)
{
	dl_raft_flush(dl_er(node), now);
}

static u32 dl_er_leader(struct dl_node *node)
{
	return dl_raft_leader(dl_er(node));
}

static bool dl_er_is_leader(struct dl_node *node)
{
	return dl_raft_role(dl_er(node)) == DL_RAFT_LEADER;
}

static bool dl_er_lease_valid(struct dl_node *node)
{
	return dl_raft_lease_valid(dl_er(node), dl_node_now(node));
}

static u64 dl_er_term(struct dl_node *node)
{
	return dl_raft_term(dl_er(node));
}

static void dl_er_status(struct dl_node *node, struct dl_node_status *st)
{
	static const u32 state[DL_RAFT_ROLE_COUNT] = {
		[DL_RAFT_FOLLOWER] = DL_STATE_FOLLOWER,
		[DL_RAFT_PRECANDIDATE] = DL_STATE_CANDIDATE,
		[DL_RAFT_CANDIDATE] = DL_STATE_CANDIDATE,
		[DL_RAFT_LEADER] = DL_STATE_LEADER,
		[DL_RAFT_CATCHING_UP] = DL_STATE_CATCHING_UP,
	};
	struct dl_raft_status rs;

	dl_raft_status(dl_er(node), &rs);
	st->state = state[rs.role];
	st->term = rs.term;
	st->leader_id = rs.leader;
	st->commit_index = rs.commit;
	st->applied_index = rs.applied;
}

static void dl_er_peer(struct dl_node *node, struct dl_node_peer_info *pi)
{
	pi->match_index = dl_raft_peer_match(dl_er(node), pi->id);
}

/* It said it committed @index itself: it applies it without our word. */
static bool dl_er_peer_applies(struct dl_node *node, u32 peer, u64 index)
{
	return index && dl_raft_peer_committed(dl_er(node), peer) >= index;
}

static int dl_er_reform(struct dl_node *node, const u32 *voters,
			u32 n_voters)
{
	return dl_raft_reform(dl_er(node), voters, n_voters,
			      dl_node_now(node));
}

const struct dl_election_ops dl_election_raft = {
	.name = "raft",
	.algo = DL_ELECT_RAFT,
	.init = dl_er_init,
	.destroy = dl_er_destroy,
	.recv = dl_er_recv,
	.tick = dl_er_tick,
	.next_deadline = dl_er_next_deadline,
	.propose = dl_er_propose,
	.flush = dl_er_flush,
	.leader = dl_er_leader,
	.is_leader = dl_er_is_leader,
	.lease_valid = dl_er_lease_valid,
	.term = dl_er_term,
	.status = dl_er_status,
	.peer = dl_er_peer,
	.reform = dl_er_reform,
	.peer_applies = dl_er_peer_applies,
};

const struct dl_election_ops *dl_election_find(u32 algo)
{
	switch (algo) {
	case DL_ELECT_RAFT:
		return &dl_election_raft;
	case DL_ELECT_BULLY:
		return &dl_election_bully;
	case DL_ELECT_RING:
		return &dl_election_ring;
	default:
		return NULL;
	}
}
