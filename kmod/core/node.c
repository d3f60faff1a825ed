// SPDX-License-Identifier: GPL-2.0
/*
 * node.c - a dlock node: lifecycle, datagram dispatch, the timer, batching
 * of everything sent during one entry point, and applying the lock table.
 *
 * Every entry point (dl_node_recv, dl_node_timer, the local requests) runs
 * between dl_node_enter() and dl_node_leave().  Inside, nothing goes to the
 * network directly: ops are appended to one datagram per destination, and
 * lock-table commands to one batch (one Raft entry).  dl_node_leave() runs
 * what is due, proposes the batch, lets the election send its messages,
 * sends one datagram per destination and re-arms the timer at the earliest
 * deadline.  So a burst of requests costs one entry and one APPEND per
 * follower, and a grant and the lease that travels with it share a packet.
 */
#include "classic.h"
#include "node_priv.h"
#include "raft.h"

/* ---- Output ------------------------------------------------------------ */

static void dl_node_tx_flush_peer(struct dl_node *node, struct dl_peer *peer)
{
	size_t len = dl_wire_writer_finish(peer->tx);
	int err;

	if (len) {
		err = dl_env_send(node->env, peer->id, peer->tx->buf, len);
		if (err) {
			node->ctr.tx_errors++;
		} else {
			node->ctr.tx_datagrams++;
			node->ctr.tx_bytes += len;
		}
	}
	dl_free(peer->tx);
	peer->tx = NULL;
	dl_list_del(&peer->tx_link);
}

/*
 * Node @peer_id's REQUEST was proposed in this entry: its datagram (the
 * APPEND that carries the request, when we lead) leaves before the other
 * peers'.  A host's sends are serial, and a kernel's veth runs the
 * receiver's softirq inside the sender's send, so the first destination
 * hears first.  The requester, a voter of a 3-voter cell, then commits
 * and answers its owner first (raft_replicate.c), and its APPEND_RESP,
 * saying it committed, tends to reach us before the other follower's, so
 * no EVENT is needed for it (client.c).
 */
void dl_node_tx_prefer(struct dl_node *node, u32 peer_id)
{
	u32 i;

	for (i = 0; i < node->n_tx_first; i++)
		if (node->tx_first[i] == peer_id)
			return;
	if (node->n_tx_first < DL_NODE_TX_FIRST)
		node->tx_first[node->n_tx_first++] = peer_id;
}

static void dl_node_tx_flush(struct dl_node *node)
{
	struct dl_peer *peer, *tmp;
	u32 i;

	for (i = 0; i < node->n_tx_first; i++)
		dl_list_for_each_entry(peer, &node->tx_pending, tx_link)
			if (peer->id == node->tx_first[i]) {
				dl_node_tx_flush_peer(node, peer);
				break;
			}
	node->n_tx_first = 0;
	dl_list_for_each_entry_safe(peer, tmp, &node->tx_pending, tx_link)
		dl_node_tx_flush_peer(node, peer);
}

static int dl_node_tx_start(struct dl_node *node, struct dl_peer *peer)
{
	struct dl_wire_hdr hdr = {
		.cell_id = node->cfg.cell_id,
		.src = node->cfg.node_id,
		.dst = peer->id,
		.incarnation = node->cfg.incarnation,
		.seq = ++node->tx_seq,
	};

	peer->tx = dl_zalloc(sizeof(*peer->tx));
	if (!peer->tx)
		return -ENOMEM;
	dl_wire_writer_init(peer->tx, &hdr);
	dl_list_add_tail(&peer->tx_link, &node->tx_pending);
	return 0;
}

/**
 * dl_node_send_op() - queue one op for @dst; sent when the entry point ends
 * @node: node
 * @dst: destination node id (a known peer)
 * @type: op type
 * @body: encoded body
 * @len: its length
 *
 * The op is charged to node->cause.  Return: 0, -ENOENT for an unknown
 * peer, -EINVAL for a bad op, -ENOMEM.
 */
int dl_node_send_op(struct dl_node *node, u32 dst, u8 type, const void *body,
		    size_t len)
{
	struct dl_peer *peer = dl_peer_find(node, dst);
	int err;

	if (!peer)
		return -ENOENT;
	if (!peer->tx) {
		err = dl_node_tx_start(node, peer);
		if (err)
			return err;
	}
	err = dl_wire_writer_add(peer->tx, type, body, len);
	if (err == -ENOSPC) {
		/* full: send it now and start the next datagram */
		dl_node_tx_flush_peer(node, peer);
		err = dl_node_tx_start(node, peer);
		if (err)
			return err;
		err = dl_wire_writer_add(peer->tx, type, body, len);
	}
	if (err)
		return err;
	node->ctr.tx_ops[type]++;
	node->ctr.cause_ops[node->cause]++;
	/* outside an entry point (create), nothing else would flush */
	if (!node->in_entry)
		dl_node_tx_flush(node);
	return 0;
}

/* ---- The lock table ---------------------------------------------------- */

/* Which counter a command's messages are charged to. */
u32 dl_cmd_cause(u8 cmd_type)
{
	switch (cmd_type) {
	case DL_LT_CMD_LOCK:
		return DL_CAUSE_ACQUIRE;
	case DL_LT_CMD_UNLOCK:
	case DL_LT_CMD_CANCEL:
	case DL_LT_CMD_RELEASE_OWNER:
		return DL_CAUSE_RELEASE;
	case DL_LT_CMD_EXPIRE_NODE:
	case DL_LT_CMD_NODE_INCARNATION:
		return DL_CAUSE_SESSION;
	default:
		return DL_CAUSE_OTHER;
	}
}

/**
 * dl_node_propose() - add a command to the entry proposed at the end of
 * this entry point (leader only)
 * @node: node
 * @cmd: the command
 *
 * Return: 0, -ENOTCONN when not the leader, -EINVAL for a bad command.
 */
int dl_node_propose(struct dl_node *node, const struct dl_lt_cmd *cmd)
{
	int err;

	if (!dl_node_is_leader(node))
		return -ENOTCONN;
	if (!node->batch->count)
		node->batch_cause = dl_cmd_cause(cmd->type);
	err = dl_lt_batch_add(node->batch, cmd);
	if (err == -ENOSPC) {
		err = node->elect->propose(node, node->batch->buf,
					   node->batch->len);
		/* not proposed: the full batch waits for dl_node_leave() */
		if (err)
			return err;
		dl_lt_batch_init(node->batch);
		node->batch_cause = dl_cmd_cause(cmd->type);
		err = dl_lt_batch_add(node->batch, cmd);
	}
	return err;
}

struct dl_apply_ctx {
	struct dl_node *node;
	const struct dl_lt_cmd *cmd;
	u64 index;
	bool answered;
};

static void dl_node_lt_out(void *arg, const struct dl_lt_out *out)
{
	struct dl_apply_ctx *ac = arg;

	if (out->req_id && out->req_id == ac->cmd->req_id &&
	    out->owner.node == ac->cmd->owner.node)
		ac->answered = true;
	dl_client_output(ac->node, out, ac->index);
}

/* First retry of a stalled apply; the backoff doubles up to the maximum. */
#define DL_APPLY_RETRY_MIN_MS	10
#define DL_APPLY_RETRY_MAX_MS	1000

/*
 * Apply one command.  -ENOMEM: it failed for memory on this node and left
 * the table as it was, with no output; the caller stops there.  Any other
 * error is the same on every replica (a command the table rejects): it is
 * logged and the log goes on.
 */
static int dl_node_apply_one(struct dl_node *node, const struct dl_lt_cmd *cmd,
			     u64 index)
{
	struct dl_apply_ctx ac = { .node = node, .cmd = cmd, .index = index };
	u32 saved = node->cause;
	int err;

	node->cause = dl_cmd_cause(cmd->type);
	err = dl_lt_apply(node->lt, cmd, dl_node_lt_out, &ac);
	if (!err && cmd->type == DL_LT_CMD_NODE_INCARNATION)
		dl_session_incarnation_applied(node, cmd->owner.node,
					       cmd->owner.incarnation);
	if (err && err != -ENOMEM)
		dl_env_log(node->env, DL_LOG_ERR,
			   "apply of command %u at %llu failed: %d",
			   cmd->type, (unsigned long long)index, err);
	/*
	 * A remote request now waiting in a queue got no answer: tell its node
	 * so it stops retransmitting and only polls (a lost grant is then
	 * recovered by the poll, which the table answers from its record).
	 */
	if (!err && !ac.answered && cmd->type == DL_LT_CMD_LOCK &&
	    cmd->owner.node == node->cfg.node_id && dl_node_is_leader(node)) {
		/* the leader's own: the same, without a message */
		dl_client_queued(node, cmd->req_id, cmd->owner.incarnation);
	} else if (!err && !ac.answered && cmd->type == DL_LT_CMD_LOCK &&
		   cmd->owner.node != node->cfg.node_id &&
		   dl_node_is_leader(node)) {
		struct dl_wire_response rs = {
			.req_id = cmd->req_id, .status = 0, .index = index,
		};
		u8 body[32];
		int n = dl_wire_enc_response(body, sizeof(body), &rs);

		if (n > 0)
			dl_node_send_op(node, cmd->owner.node, DL_OP_RESPONSE,
					body, n);
	}
	node->cause = saved;
	return err == -ENOMEM ? err : 0;
}

/*
 * Command @pos of entry @index failed for memory: remember where, so that
 * the next call for that entry starts there (the commands before it are
 * applied and must not run twice), and have the timer try again soon.
 */
static void dl_node_apply_stall(struct dl_node *node, u64 index, u32 pos)
{
	u32 ms = node->apply_backoff_ms;

	if (node->apply_index != index || node->apply_pos != pos || !ms)
		ms = DL_APPLY_RETRY_MIN_MS;
	else
		ms = DL_MIN(ms * 2, DL_APPLY_RETRY_MAX_MS);
	if (!node->apply_retry_ns)
		dl_env_log(node->env, DL_LOG_WARN,
			   "apply of entry %llu stopped at command %u: out of memory, retrying",
			   (unsigned long long)index, pos);
	node->apply_index = index;
	node->apply_pos = pos;
	node->apply_backoff_ms = ms;
	node->apply_retry_ns = dl_node_now(node) + dl_ms(ms);
	node->ctr.apply_stalls++;
}

static void dl_node_apply_done(struct dl_node *node)
{
	if (node->apply_retry_ns)
		dl_env_log(node->env, DL_LOG_INFO,
			   "apply of entry %llu resumed",
			   (unsigned long long)node->apply_index);
	node->apply_index = 0;
	node->apply_pos = 0;
	node->apply_backoff_ms = 0;
	node->apply_retry_ns = 0;
}

/**
 * dl_node_apply_entry() - apply one committed entry of lock-table commands
 * @node: node
 * @index: its log index
 * @data: the entry
 * @len: its length
 *
 * Every replica must apply every command of the log, in order, whatever its
 * own allocator does.  So when a command fails for memory here, the entry
 * stops at it: nothing of that command happened (dl_lt_apply() is atomic),
 * and the caller does not count the entry as applied but hands it over
 * again later; this call then resumes at that command, not at the first.
 *
 * Return: 0 when the whole entry is applied (a malformed entry, the same
 * everywhere, is skipped), -ENOMEM when it stopped.
 */
int dl_node_apply_entry(struct dl_node *node, u64 index, const void *data,
			size_t len)
{
	int n, i, err = 0;

	n = dl_lt_batch_decode(data, len, node->scratch, DL_LT_BATCH_MAX_CMDS);
	if (n < 0) {
		dl_env_log(node->env, DL_LOG_ERR,
			   "malformed entry at %llu: %d",
			   (unsigned long long)index, n);
		dl_node_apply_done(node);
		return 0;
	}
	i = node->apply_index == index ? (int)node->apply_pos : 0;
	node->applying_index = index;
	for (; i < n && !err; i++)
		err = dl_node_apply_one(node, &node->scratch[i], index);
	node->applying_index = 0;
	if (err) {
		dl_node_apply_stall(node, index, i - 1);
		return err;
	}
	dl_node_apply_done(node);
	return 0;
}

/* A re-formed cell: every lock is revoked and fencing tokens move on. */
int dl_node_apply_revoke_all(struct dl_node *node, u64 index)
{
	struct dl_lt_cmd cmd = { .type = DL_LT_CMD_REVOKE_ALL };
	int err = dl_node_apply_one(node, &cmd, index);

	if (err) {
		dl_node_apply_stall(node, index, 0);
		return err;
	}
	dl_node_apply_done(node);
	return 0;
}

/*
 * The table was replaced (a snapshot installed): a position inside an entry
 * no longer means anything.
 */
void dl_node_apply_reset(struct dl_node *node)
{
	node->apply_retry_ns = 0;
	dl_node_apply_done(node);
}

/*
 * The table holds part of an entry that is not applied as a whole: it is
 * no state of any log index, so no snapshot may be taken of it.
 */
bool dl_node_apply_partial(const struct dl_node *node)
{
	return node->apply_retry_ns && node->apply_pos;
}

/*
 * Apply stalled: a leader whose table lags its log must not answer from
 * it what it has not applied (name lookups, see client.c).
 */
bool dl_node_apply_stalled(const struct dl_node *node)
{
	return node->apply_retry_ns;
}

/* ---- Leadership ---------------------------------------------------------- */

void dl_node_leader_changed(struct dl_node *node, u32 leader, u64 term)
{
	struct dl_node_status st;
	bool changed = leader != node->leader || term != node->term;

	if (leader && leader != node->leader)
		node->ctr.leader_changes++;
	node->leader = leader;
	node->term = term;
	if (leader == node->cfg.node_id && !node->was_leader) {
		node->was_leader = true;
		dl_session_became_leader(node);
	} else if (leader != node->cfg.node_id) {
		node->was_leader = false;
	}
	if (leader)
		dl_client_resend_all(node);
	if (changed && node->ops->state_change) {
		dl_node_get_status(node, &st);
		node->ops->state_change(node->host, &st);
	}
}

/* ---- Entry points ---------------------------------------------------------- */

/*
 * @request: the host's own request call (lock, unlock...): events for local
 * owners are deferred to a timer call (local.c).
 */
void dl_node_enter(struct dl_node *node, bool request)
{
	node->in_entry = true;
	node->in_request = request;
	node->cause = DL_CAUSE_OTHER;
	if (!request)
		dl_local_deliver_deferred(node);
}

void dl_node_leave(struct dl_node *node)
{
	u64 now = dl_node_now(node), next, t;

	next = dl_cache_timer(node, now);
	t = dl_session_timer(node, now);
	next = DL_MIN(next, t);
	t = dl_client_timer(node, now);
	next = DL_MIN(next, t);
	if (node->batch && node->batch->count) {
		int err;

		node->cause = node->batch_cause;
		err = node->elect->propose(node, node->batch->buf,
					   node->batch->len);
		if (err)
			dl_env_log(node->env, DL_LOG_DEBUG,
				   "propose of %u commands: %d",
				   node->batch->count, err);
		if (err == -ENOMEM || err == -EBUSY || err == -ENOBUFS) {
			/*
			 * Still the leader, only short of memory or log
			 * room, or handing leadership over: keep the batch
			 * and propose it again.  Requests would be sent
			 * again by their nodes, but what the leader proposes
			 * for itself (NODE_INCARNATION, EXPIRE_NODE) would
			 * be lost: the old session's locks stayed forever.
			 */
			node->propose_retry_ns = now +
						 dl_ms(DL_APPLY_RETRY_MIN_MS);
		} else {
			/* requests stay pending; their retries re-route them */
			dl_lt_batch_init(node->batch);
			node->propose_retry_ns = 0;
		}
	} else {
		node->propose_retry_ns = 0;
	}
	if (node->elect) {
		node->elect->flush(node, now);
		node->cause = DL_CAUSE_OTHER;
		t = node->elect->next_deadline(node);
		next = DL_MIN(next, t);
	}
	t = dl_classic_next_deadline(node);
	next = DL_MIN(next, t);
	/* a stalled apply is tried again by any entry point, this one too */
	if (node->apply_retry_ns)
		next = DL_MIN(next, DL_MAX(node->apply_retry_ns, now));
	if (node->propose_retry_ns)
		next = DL_MIN(next, node->propose_retry_ns);
	dl_node_tx_flush(node);
	node->in_entry = false;
	node->in_request = false;
	/* deferred events go on a timer call now, unless the host takes them */
	if (!dl_list_empty(&node->deferred) && !node->host_delivers)
		next = now;
	if (next != DL_NEVER)
		dl_env_timer_arm(node->env, next);
	else
		dl_env_timer_cancel(node->env);
}

static int dl_node_check_config(const struct dl_node_config *cfg)
{
	u32 i, j;
	bool self_voter = false, voter = cfg->role == DL_NODE_VOTER;

	if (!cfg->node_id || cfg->role > DL_NODE_MEMBER ||
	    cfg->election >= DL_ELECT_COUNT || !cfg->n_voters ||
	    cfg->n_voters > DL_NODE_MAX_VOTERS ||
	    cfg->incarnation > DL_NODE_INCARNATION_MAX)
		return -EINVAL;
	for (i = 0; i < cfg->n_voters; i++) {
		if (!cfg->voters[i])
			return -EINVAL;
		for (j = 0; j < i; j++)
			if (cfg->voters[j] == cfg->voters[i])
				return -EINVAL;
		if (cfg->voters[i] == cfg->node_id)
			self_voter = true;
	}
	/* a voter is in the voter list, a member is not */
	if (self_voter != voter)
		return -EINVAL;
	return 0;
}

static void dl_node_default_timeouts(struct dl_node_timeouts *t)
{
	if (!t->election_ms)
		t->election_ms = 150;
	if (!t->heartbeat_ms)
		t->heartbeat_ms = 50;
	if (!t->lease_ms)
		t->lease_ms = 1000;
	if (!t->lock_delay_ms)
		t->lock_delay_ms = 500;
	if (!t->skew_ppm)
		t->skew_ppm = 1000;
	if (!t->retry_ms)
		t->retry_ms = 100;
}

struct dl_node *dl_node_create(struct dl_env *env,
			       const struct dl_node_config *cfg,
			       const struct dl_node_ops *ops, void *host)
{
	static const struct dl_node_ops no_ops;
	struct dl_node *node;
	struct dl_node_timeouts *t;
	u32 i;

	if (!cfg || dl_node_check_config(cfg))
		return NULL;
	node = dl_zalloc(sizeof(*node));
	if (!node)
		return NULL;
	node->env = env;
	node->ops = ops ? ops : &no_ops;
	node->host = host;
	node->cfg = *cfg;
	dl_list_init(&node->tx_pending);
	dl_list_init(&node->requests);
	dl_local_init(node);
	dl_peers_init(node);
	t = &node->cfg.timeouts;
	dl_node_default_timeouts(t);
	if (t->heartbeat_ms >= t->election_ms ||
	    t->heartbeat_ms >= t->lease_ms ||
	    /* the lock-delay must cover the drift over a lease (see session.c) */
	    (u64)t->lock_delay_ms * 1000000 <
	    (u64)t->skew_ppm * 2 * (t->lease_ms + t->lock_delay_ms) ||
	    /* and an old leader's last APPENDs (see session.c) */
	    t->lock_delay_ms < 2 * t->election_ms)
		goto fail;
	node->next_req_id = 1;
	node->next_local_id = 1;
	node->session = node->cfg.incarnation << DL_SESSION_SHIFT;
	for (i = 0; i < cfg->n_voters; i++)
		if (cfg->voters[i] != cfg->node_id &&
		    !dl_peer_insert(node, cfg->voters[i], DL_NODE_VOTER))
			goto fail;
	if (dl_node_is_voter(node)) {
		node->elect = dl_election_find(cfg->election);
		node->lt = dl_lt_create();
		node->batch = dl_zalloc(sizeof(*node->batch));
		node->scratch = dl_zalloc(sizeof(*node->scratch) *
					  DL_LT_BATCH_MAX_CMDS);
		node->rx_ents = dl_zalloc(sizeof(*node->rx_ents) *
					  DL_RAFT_MAX_ENTRIES);
		if (!node->elect || !node->lt || !node->batch ||
		    !node->scratch || !node->rx_ents)
			goto fail;
		dl_lt_batch_init(node->batch);
		if (dl_classic_create(node)) {
			node->elect = NULL;
			goto fail;
		}
		if (node->elect->init(node)) {
			node->elect = NULL;
			goto fail;
		}
	} else {
		node->rx_ents = dl_zalloc(sizeof(*node->rx_ents) *
					  DL_RAFT_MAX_ENTRIES);
		if (!node->rx_ents)
			goto fail;
	}
	dl_node_enter(node, false);
	dl_session_start(node);
	dl_node_leave(node);
	return node;
fail:
	dl_node_destroy(node);
	return NULL;
}

void dl_node_destroy(struct dl_node *node)
{
	struct dl_peer *peer, *tmp;

	if (!node)
		return;
	dl_env_timer_cancel(node->env);
	if (node->elect)
		node->elect->destroy(node);
	dl_classic_destroy(node);
	dl_list_for_each_entry_safe(peer, tmp, &node->tx_pending, tx_link) {
		dl_free(peer->tx);
		peer->tx = NULL;
		dl_list_del(&peer->tx_link);
	}
	dl_client_fail_all(node, 0);
	dl_local_destroy(node);
	dl_peers_destroy(node);
	dl_lt_destroy(node->lt);
	dl_free(node->batch);
	dl_free(node->scratch);
	dl_free(node->rx_ents);
	dl_free(node);
}

/* Decode-only pass: is every op's body valid?  Nothing acts before. */
static int dl_node_check_op(struct dl_node *node, const struct dl_wire_hdr *hdr,
			    const struct dl_wire_op *op)
{
	union {
		struct dl_wire_request rq;
		struct dl_wire_response rs;
		struct dl_wire_event ev;
		struct dl_wire_redirect rd;
		struct dl_wire_heartbeat hb;
		struct dl_wire_lease ls;
		struct dl_wire_hello he;
		struct dl_wire_event_ack ea;
		struct dl_raft_msg rm;
	} u;

	if (op->type >= DL_OP_RAFT_BASE && op->type <= DL_OP_RAFT_LAST)
		return dl_wire_dec_raft(op, hdr, &u.rm, node->rx_ents);
	if (op->type >= DL_OP_BULLY_BASE && op->type <= DL_OP_COORD_LAST)
		return dl_classic_check_op(node, hdr, op);
	switch (op->type) {
	case DL_OP_REQUEST:
		return dl_client_check_request(node, hdr->src, op);
	case DL_OP_RESPONSE:
		return dl_wire_dec_response(op, &u.rs);
	case DL_OP_EVENT:
		return dl_wire_dec_event(op, &u.ev);
	case DL_OP_REDIRECT:
		return dl_wire_dec_redirect(op, &u.rd);
	case DL_OP_HEARTBEAT:
		return dl_wire_dec_heartbeat(op, &u.hb);
	case DL_OP_LEASE:
		return dl_wire_dec_lease(op, &u.ls);
	case DL_OP_HELLO:
		return dl_wire_dec_hello(op, &u.he);
	case DL_OP_EVENT_ACK:
		return dl_wire_dec_event_ack(op, &u.ea);
	default:
		/* known to the framing but not served by this node */
		return DL_WIRE_ETYPE;
	}
}

static int dl_node_dispatch(struct dl_node *node, struct dl_peer *peer,
			    const struct dl_wire_hdr *hdr,
			    const struct dl_wire_op *op)
{
	node->cause = DL_CAUSE_OTHER;
	if (op->type >= DL_OP_RAFT_BASE && op->type <= DL_OP_RAFT_LAST) {
		if (!node->elect)
			return DL_WIRE_ETYPE;
		return node->elect->recv(node, peer->id, op);
	}
	if (op->type >= DL_OP_BULLY_BASE && op->type <= DL_OP_COORD_LAST)
		return dl_classic_recv(node, peer, hdr, op);
	switch (op->type) {
	case DL_OP_EVENT:
		/* a REVOKED is answered, or the leader sends it again */
		dl_session_event_seen(node, peer, op);
		return dl_client_recv(node, peer, hdr, op);
	case DL_OP_REQUEST:
	case DL_OP_RESPONSE:
	case DL_OP_REDIRECT:
		return dl_client_recv(node, peer, hdr, op);
	default:
		return dl_session_recv(node, peer, op);
	}
}

int dl_node_recv(struct dl_node *node, const void *buf, size_t len)
{
	struct dl_wire_reader rd, check;
	struct dl_wire_hdr hdr;
	struct dl_wire_op op;
	struct dl_peer *peer;
	int err;

	err = dl_wire_open(buf, len, node->cfg.cell_id, node->cfg.node_id,
			   &hdr, &rd);
	if (err)
		goto drop;
	peer = dl_peer_find(node, hdr.src);
	if (!peer) {
		err = -ENOENT;
		goto drop;
	}
	if (hdr.incarnation < peer->incarnation) {
		err = -ESTALE;
		goto drop;
	}
	check = rd;
	while (dl_wire_next(&check, &op)) {
		err = dl_node_check_op(node, &hdr, &op);
		if (err)
			goto drop;
	}

	if (!node->in_rx_batch)
		dl_node_enter(node, false);
	node->ctr.rx_datagrams++;
	node->ctr.rx_bytes += len;
	dl_session_heard(node, peer, &hdr);
	while (dl_wire_next(&rd, &op)) {
		node->ctr.rx_ops[op.type]++;
		err = dl_node_dispatch(node, peer, &hdr, &op);
		if (err)
			/* a valid op the state refused (stale term...) */
			dl_env_log(node->env, DL_LOG_DEBUG,
				   "op %s from %u: %d", dl_wire_op_name(op.type),
				   peer->id, err);
	}
	if (!node->in_rx_batch)
		dl_node_leave(node);
	return 0;
drop:
	node->ctr.drops[dl_wire_drop_index(err)]++;
	return err;
}

void dl_node_rx_begin(struct dl_node *node)
{
	dl_node_enter(node, false);
	node->in_rx_batch = true;
	node->ctr.rx_batches++;
}

void dl_node_rx_end(struct dl_node *node)
{
	node->in_rx_batch = false;
	dl_node_leave(node);
}

void dl_node_timer(struct dl_node *node)
{
	dl_node_enter(node, false);
	if (node->elect)
		node->elect->tick(node, dl_node_now(node));
	dl_classic_tick(node, dl_node_now(node));
	dl_node_leave(node);
}

/* ---- Admin --------------------------------------------------------------- */

int dl_node_peer_add(struct dl_node *node, u32 peer_id, u32 role)
{
	if (!peer_id || peer_id == node->cfg.node_id || role > DL_NODE_MEMBER)
		return -EINVAL;
	if (role == DL_NODE_VOTER)
		return -EOPNOTSUPP;
	/*
	 * A member's locks live in the lock table, which a Bully or Ring
	 * coordinator keeps unreplicated: a failover would lose them unseen.
	 */
	if (node->cfg.election != DL_ELECT_RAFT)
		return -EOPNOTSUPP;
	if (dl_peer_find(node, peer_id))
		return -EEXIST;
	if (!dl_peer_insert(node, peer_id, role))
		return -ENOMEM;
	return 0;
}

int dl_node_peer_remove(struct dl_node *node, u32 peer_id)
{
	struct dl_peer *peer = dl_peer_find(node, peer_id);
	struct dl_lt_cmd cmd = { .type = DL_LT_CMD_EXPIRE_NODE };

	if (!peer)
		return -ENOENT;
	if (peer->role == DL_NODE_VOTER)
		return -EOPNOTSUPP;
	dl_node_enter(node, true);
	cmd.owner.node = peer_id;
	/* its locks go with it; only the leader can say so for the cell */
	if (dl_node_is_leader(node) && !dl_node_propose(node, &cmd))
		node->ctr.nodes_expired++;
	dl_peer_delete(node, peer);
	dl_node_leave(node);
	return 0;
}

int dl_node_reform(struct dl_node *node, u32 *n_voters)
{
	/*
	 * Heard within four election timeouts: a leader sends every
	 * heartbeat_ms, and leaderless voters campaign at least every two
	 * election timeouts.  Shorter than a lease, so that members and the
	 * survivors can still hold their sessions when the new leader greets
	 * them.
	 */
	u64 alive_ns = 4 * dl_ms(node->cfg.timeouts.election_ms);
	u64 now = dl_node_now(node);
	u32 voters[DL_NODE_MAX_VOTERS], n = 0, i;
	struct dl_peer *peer;
	int err;

	if (!dl_node_is_voter(node))
		return -EPERM;
	if (!node->elect || !node->elect->reform)
		return -EOPNOTSUPP;
	/*
	 * A leader that still leads (its lease is valid), or one this node
	 * still hears, means the cell works: nothing to re-form.  (Followers
	 * hear only the leader, so counting them is no test of that.)
	 */
	if (dl_node_is_leader(node) && node->elect->lease_valid(node))
		return -EBUSY;
	peer = node->leader ? dl_peer_find(node, node->leader) : NULL;
	if (peer && peer->last_heard_ns && now - peer->last_heard_ns < alive_ns)
		return -EBUSY;
	/*
	 * Without a leader the voters campaign, and their (pre)votes reach
	 * every survivor: those heard recently are the new set.
	 */
	voters[n++] = node->cfg.node_id;
	for (i = 0; i < node->cfg.n_voters; i++) {
		peer = dl_peer_find(node, node->cfg.voters[i]);
		if (peer && peer->last_heard_ns &&
		    now - peer->last_heard_ns < alive_ns)
			voters[n++] = peer->id;
	}
	/* a majority still answers: it elects a leader by itself */
	if (n > node->cfg.n_voters / 2)
		return -EBUSY;
	dl_node_enter(node, true);
	err = node->elect->reform(node, voters, n);
	if (!err) {
		/* later re-forms count majorities of this set */
		memcpy(node->cfg.voters, voters, sizeof(u32) * n);
		node->cfg.n_voters = n;
	}
	dl_node_leave(node);
	if (!err && n_voters)
		*n_voters = n;
	return err;
}

static int dl_node_ls_request(struct dl_node *node, u8 type, const u8 *name,
			      u32 len, u32 lvb_len, u32 flags, u64 cookie,
			      u64 *req_id)
{
	struct dl_request *rq;

	if (!name || !len || len > DL_NODE_NAME_MAX || !req_id ||
	    (flags & ~DL_NODE_LS_FLAGS))
		return -EINVAL;
	if (type == DL_LT_CMD_LS_CREATE && lvb_len != DL_LT_LVB_MIN &&
	    lvb_len != DL_LT_LVB_MAX)
		return -EINVAL;
	rq = dl_request_new(node, DL_REQ_LS);
	if (!rq)
		return -ENOMEM;
	rq->cookie = cookie;
	rq->cmd.type = type;
	if (type == DL_LT_CMD_LS_CREATE) {
		rq->cmd.name_len = (u8)len;
		memcpy(rq->cmd.name, name, len);
		rq->cmd.lvb_len = (u8)lvb_len;
		if (flags & DL_NODE_LS_CACHE)
			rq->cmd.flags = DL_LT_LS_CACHE;
	} else {
		/* the leader resolves the name into ls_id */
		rq->cmd.ls_id = DL_LS_RESOLVE;
		rq->ls_len = (u8)len;
		memcpy(rq->ls_name, name, len);
	}
	*req_id = rq->req_id;
	dl_node_enter(node, true);
	dl_request_submit(node, rq);
	dl_node_leave(node);
	return 0;
}

int dl_node_ls_create(struct dl_node *node, const u8 *name, u32 len, u32 algo,
		      u32 lvb_len, u32 flags, u64 cookie, u64 *req_id)
{
	/* an "ra" lockspace is this node's: no lock table (classic.c) */
	if (algo == DL_NODE_LS_RA)
		return dl_classic_ra_declare(node, name, len, cookie, req_id);
	if (algo != 0)
		return -EOPNOTSUPP;
	return dl_node_ls_request(node, DL_LT_CMD_LS_CREATE, name, len,
				  lvb_len, flags, cookie, req_id);
}

int dl_node_ls_remove(struct dl_node *node, const u8 *name, u32 len,
		      u64 cookie, u64 *req_id)
{
	int err = dl_classic_ra_remove(node, name, len, cookie, req_id);

	if (err != -ENOENT)
		return err;
	return dl_node_ls_request(node, DL_LT_CMD_LS_REMOVE, name, len, 0, 0,
				  cookie, req_id);
}

/* ---- Status ---------------------------------------------------------------- */

int dl_node_get_status(struct dl_node *node, struct dl_node_status *st)
{
	memset(st, 0, sizeof(*st));
	st->node_id = node->cfg.node_id;
	st->cell_id = node->cfg.cell_id;
	st->incarnation = node->cfg.incarnation;
	st->role = node->cfg.role;
	st->election = node->cfg.election;
	st->leader_id = node->leader;
	st->term = node->term;
	st->state = dl_node_is_voter(node) ? DL_STATE_FOLLOWER :
					     DL_STATE_MEMBER;
	if (node->elect)
		node->elect->status(node, st);
	st->lease_valid = dl_session_lease_valid(node);
	st->lease_expiry_ns = node->lease_until_ns;
	st->n_voters = node->cfg.n_voters;
	st->n_members = node->n_members;
	st->pending_requests = node->n_requests;
	st->local_locks = node->n_local;
	return 0;
}

int dl_node_get_peer(struct dl_node *node, u32 idx,
		     struct dl_node_peer_info *pi)
{
	struct dl_peer *peer;
	u64 now = dl_node_now(node);
	u64 alive_ns = dl_ms(node->cfg.timeouts.lease_ms);

	dl_list_for_each_entry(peer, &node->peers, link) {
		if (idx--)
			continue;
		memset(pi, 0, sizeof(*pi));
		pi->id = peer->id;
		pi->role = peer->role;
		pi->last_heard_ns = peer->last_heard_ns;
		pi->alive = peer->last_heard_ns &&
			    now - peer->last_heard_ns < alive_ns;
		pi->incarnation = peer->incarnation;
		/* a measured round trip is never shown as "none" */
		if (peer->rtt_ns)
			pi->rtt_us = (u32)DL_MAX(peer->rtt_ns / 1000, 1ULL);
		if (node->elect && node->elect->peer)
			node->elect->peer(node, pi);
		return 0;
	}
	return -ENOENT;
}

const struct dl_counters *dl_node_counters(struct dl_node *node)
{
	return &node->ctr;
}

const struct dl_lt *dl_node_lt(struct dl_node *node)
{
	return node->lt;
}
