// SPDX-License-Identifier: GPL-2.0
/*
 * session.c - leases: how a node keeps its locks, and how the cell takes
 * them back from a node that went silent.
 *
 * Each node holds a lease with the leader and renews it with HEARTBEAT ->
 * LEASE, four times per lease, voters and members alike.  (Voters first
 * renewed from Raft's APPENDs; the simulator showed why not: with a one-way
 * cut a follower keeps hearing the leader's APPENDs while its answers are
 * lost, so it renewed a lease the leader had stopped counting.  A lease
 * must start from a message the leader answered.)  The leader also extends
 * its books, never the node's own lease, on any other sign of life
 * (APPEND_RESP, REQUEST): a later expiry on the leader's side is always
 * safe.
 *
 * Safety argument (why a new holder never overlaps an old one):
 *
 *   The node counts its lease from when it SENT the heartbeat (s); the
 *   leader counts it from when it RECEIVED it (r >= s), and only answers
 *   while its Raft leader lease is valid (no other leader can exist).  The
 *   node's lease ends at s + L(1 - rho) on its clock (rho: the clock rate
 *   bound, skew_ppm); the leader proposes EXPIRE_NODE no earlier than
 *   r + L + D on its clock (D: the lock-delay).  In real time the node
 *   stops by s + L and the leader acts no earlier than r + (L + D)(1 - rho),
 *   which is later as long as D >= rho (L + D): dl_node_create() requires
 *   twice that.  The command must then commit before the table grants
 *   anything, so the new grant comes strictly after the old holder's node
 *   revoked the lock locally (REVOKED to its owners).  Fencing tokens catch
 *   the rest (an owner that ignores REVOKED).
 *
 *   A new leader does not know when peers last renewed: it grants every
 *   peer a fresh lease in its books when it takes office (Chubby's grace
 *   period), so it expires nobody before L + D after its election.  Any
 *   lease a node got from the old leader was answered while the old
 *   leader's Raft lease was valid, so before the new leader was elected:
 *   it ends before L after the election.  dl_node_create() also requires
 *   D >= 2 * election timeout, a margin for the old leader's last answers.

 * A node whose own lease ran out revokes all its local locks, fails its
 * requests, and starts a new session: owner incarnations in the lock table
 * are session ids, and the HELLO of the new session makes the leader
 * propose NODE_INCARNATION, which releases whatever the old session held
 * even if the leader had not expired it yet.
 */
#include "node_priv.h"
#include "raft.h"

/* Renew four times per lease: three losses in a row are survived. */
static u64 dl_session_hb_interval(struct dl_node *node)
{
	return dl_ms(node->cfg.timeouts.lease_ms) / 4;
}

/* The lease length the node itself may count, shortened by the drift. */
static u64 dl_session_own_lease(struct dl_node *node, u32 lease_ms)
{
	u64 l = dl_ms(lease_ms);

	return l - l / 1000000 * node->cfg.timeouts.skew_ppm;
}

bool dl_session_lease_valid(struct dl_node *node)
{
	return node->lease_held && dl_node_now(node) < node->lease_until_ns;
}

void dl_session_start(struct dl_node *node)
{
	node->hello_due = true;
	node->hb_next_ns = dl_node_now(node);
}

static void dl_session_renew(struct dl_node *node, u64 until)
{
	if (!node->lease_held || until > node->lease_until_ns)
		node->lease_until_ns = until;
	node->lease_held = true;
}

/*
 * Round trips, for operators (peer show): a smoothed average as TCP keeps
 * it (srtt += (sample - srtt) / 8), so one slow answer does not dominate.
 * Samples come from exchanges that are answered one for one: a heartbeat
 * and the LEASE echoing its seq, and on a Raft leader an APPEND and the
 * next APPEND_RESP of that voter.
 */
static void dl_session_rtt_sample(struct dl_peer *peer, u64 sample)
{
	if (!sample)
		sample = 1;
	if (!peer->rtt_ns)
		peer->rtt_ns = sample;
	else if (sample >= peer->rtt_ns)
		peer->rtt_ns += (sample - peer->rtt_ns) / 8;
	else
		peer->rtt_ns -= (peer->rtt_ns - sample) / 8;
}

/*
 * Leader: an APPEND goes to @to.  Only one is timed at a time; a probe
 * whose answer never came (lost) is replaced after an election timeout.
 */
void dl_session_rtt_probe(struct dl_node *node, u32 to)
{
	struct dl_peer *peer = dl_peer_find(node, to);
	u64 now = dl_node_now(node);

	if (peer && (!peer->rtt_probe_ns ||
		     now - peer->rtt_probe_ns >
		     dl_ms(node->cfg.timeouts.election_ms)))
		peer->rtt_probe_ns = now;
}

/* Leader: @from answered an APPEND; time the probe. */
void dl_session_rtt_answer(struct dl_node *node, u32 from)
{
	struct dl_peer *peer = dl_peer_find(node, from);

	if (!peer || !peer->rtt_probe_ns)
		return;
	dl_session_rtt_sample(peer, dl_node_now(node) - peer->rtt_probe_ns);
	peer->rtt_probe_ns = 0;
}

/*
 * REVOKED to members, sent until acknowledged.  A member learns that the
 * cell took a lock away only from the leader's REVOKED EVENT (voters apply
 * the log themselves); were it lost, the member's owner would go on
 * believing it holds the lock.  So the leader keeps every REVOKED it sent
 * a member and sends it again, backing off up to a heartbeat interval,
 * until the member answers with DL_OP_EVENT_ACK.
 *
 * Every other voter keeps the REVOKEDs it applies for members too, without
 * sending them: the acknowledgment goes to the leader only, so a REVOKED
 * lost around a leader change was never sent again (the new leader had
 * not sent it, the old one had stopped).  A node that takes office sends
 * every one it keeps at once; a member acknowledges (and otherwise
 * ignores) a REVOKED of a lock it no longer holds, and lock ids are never
 * reused.  They are forgotten when the member starts a new session (its
 * own lease ran out, and it revoked every local lock itself then), when
 * the leader expires the member (the same, seen from the leader), when the
 * member is removed, and on acknowledgment (leader).  At most
 * DL_REVOKES_MAX are kept per member; beyond, the oldest is given up, with
 * a warning on the leader (a follower keeps the newest silently).
 */
#define DL_REVOKES_MAX		256

struct dl_revoke_out {
	struct dl_list link;
	struct dl_wire_event ev;
	u64 due_ns;
	u64 backoff_ns;
};

static void dl_session_revoke_free(struct dl_peer *peer,
				   struct dl_revoke_out *ro)
{
	dl_list_del(&ro->link);
	peer->n_revokes--;
	dl_free(ro);
}

/* Forget what was sent for sessions before @below_session (all: DL_NEVER). */
void dl_session_revokes_drop(struct dl_peer *peer, u64 below_session)
{
	struct dl_revoke_out *ro, *tmp;

	if (!peer->n_revokes)
		return;
	dl_list_for_each_entry_safe(ro, tmp, &peer->revokes, link)
		if (below_session == DL_NEVER || ro->ev.session < below_session)
			dl_session_revoke_free(peer, ro);
}

/* Leader: a REVOKED EVENT was just sent to member @peer; keep it. */
void dl_session_revoke_track(struct dl_node *node, struct dl_peer *peer,
			     const struct dl_wire_event *ev)
{
	struct dl_revoke_out *ro;

	if (peer->n_revokes >= DL_REVOKES_MAX) {
		if (dl_node_is_leader(node))
			dl_env_log(node->env, DL_LOG_WARN,
				   "node %u: %u REVOKED unacknowledged by node %u, giving up the oldest",
				   node->cfg.node_id, peer->n_revokes,
				   peer->id);
		ro = dl_list_first_entry(&peer->revokes, struct dl_revoke_out,
					 link);
		dl_session_revoke_free(peer, ro);
	}
	ro = dl_zalloc(sizeof(*ro));
	if (!ro)
		return;
	ro->ev = *ev;
	ro->backoff_ns = dl_ms(node->cfg.timeouts.retry_ms);
	ro->due_ns = dl_node_now(node) + ro->backoff_ns;
	dl_list_add_tail(&ro->link, &peer->revokes);
	peer->n_revokes++;
}

/* Leader: send again what is due; returns the next due time. */
static u64 dl_session_revokes_resend(struct dl_node *node, u64 now)
{
	u64 next = DL_NEVER, cap = dl_session_hb_interval(node);
	struct dl_revoke_out *ro;
	struct dl_peer *peer;
	u8 body[DL_EVENT_BODY_MAX];
	int n;

	dl_list_for_each_entry(peer, &node->peers, link) {
		dl_list_for_each_entry(ro, &peer->revokes, link) {
			if (now >= ro->due_ns) {
				n = dl_wire_enc_event(body, sizeof(body),
						      &ro->ev);
				node->cause = DL_CAUSE_SESSION;
				if (n > 0)
					dl_node_send_op(node, peer->id,
							DL_OP_EVENT, body, n);
				node->cause = DL_CAUSE_OTHER;
				ro->backoff_ns = DL_MIN(2 * ro->backoff_ns,
							cap);
				ro->due_ns = now + ro->backoff_ns;
			}
			next = DL_MIN(next, ro->due_ns);
		}
	}
	return next;
}

/* Any node: an EVENT arrived from the leader; a REVOKED is acknowledged. */
void dl_session_event_seen(struct dl_node *node, struct dl_peer *peer,
			   const struct dl_wire_op *op)
{
	struct dl_wire_event ev;
	struct dl_wire_event_ack ack;
	u8 body[32];
	u32 saved = node->cause;
	int n;

	if (dl_wire_dec_event(op, &ev) || ev.kind != DL_WEV_REVOKED)
		return;
	ack.index = ev.index;
	ack.lock_id = ev.lock_id;
	n = dl_wire_enc_event_ack(body, sizeof(body), &ack);
	node->cause = DL_CAUSE_SESSION;
	if (n > 0)
		dl_node_send_op(node, peer->id, DL_OP_EVENT_ACK, body, n);
	node->cause = saved;
}

static int dl_session_on_event_ack(struct dl_node *node, struct dl_peer *peer,
				   const struct dl_wire_op *op)
{
	struct dl_wire_event_ack ack;
	struct dl_revoke_out *ro;
	int err = dl_wire_dec_event_ack(op, &ack);

	(void)node;
	if (err)
		return err;
	dl_list_for_each_entry(ro, &peer->revokes, link) {
		if (ro->ev.index == ack.index &&
		    ro->ev.lock_id == ack.lock_id) {
			dl_session_revoke_free(peer, ro);
			return 0;
		}
	}
	return 0;	/* acknowledged twice */
}

/*
 * Leader: propose NODE_INCARNATION when a peer announces a new session.
 * Return: 0 when proposed (or known already), else the error of
 * dl_node_propose(): the caller must see that the HELLO comes again.
 */
int dl_session_new_session(struct dl_node *node, struct dl_peer *peer,
			   u32 node_id, u64 session)
{
	struct dl_lt_cmd cmd = { .type = DL_LT_CMD_NODE_INCARNATION };
	u32 saved = node->cause;
	int err;

	if (peer && session <= peer->session)
		return 0;
	if (peer)
		dl_session_revokes_drop(peer, session);
	cmd.owner.node = node_id;
	cmd.owner.incarnation = session;
	node->cause = DL_CAUSE_SESSION;
	err = dl_node_propose(node, &cmd);
	if (!err && peer) {
		peer->session = session;
		peer->hello_wait = true;
		peer->hello_hb_seq = 0;
	}
	node->cause = saved;
	return err;
}

/* Send a heartbeat (and the HELLO of a new session) to @dst. */
static void dl_session_send_hb(struct dl_node *node, u32 dst, u64 now)
{
	struct dl_wire_heartbeat hb = { .seq = ++node->hb_seq };
	struct dl_wire_hello he = { .incarnation = node->session,
				    .role = (u8)node->cfg.role };
	struct dl_hb_out *out = &node->hb_out[hb.seq % DL_HB_OUT];
	u8 body[32];
	int n;

	node->cause = DL_CAUSE_SESSION;
	out->seq = hb.seq;
	out->sent_ns = now;
	out->session = node->session;
	out->hello = false;
	node->hb_unanswered++;
	if (node->hello_due) {
		/*
		 * Only a HELLO that was queued counts as sent with this
		 * heartbeat.  Were a HELLO that failed for memory counted,
		 * the answer to the heartbeat would end the HELLOs: no
		 * leader would propose NODE_INCARNATION, and the old
		 * session's locks would stay in the cell for good.
		 */
		n = dl_wire_enc_hello(body, sizeof(body), &he);
		if (n > 0 &&
		    !dl_node_send_op(node, dst, DL_OP_HELLO, body, n))
			out->hello = true;
	}
	n = dl_wire_enc_heartbeat(body, sizeof(body), &hb);
	if (n > 0)
		dl_node_send_op(node, dst, DL_OP_HEARTBEAT, body, n);
	node->cause = DL_CAUSE_OTHER;
}

/* Every datagram from a peer: liveness, and a restart of the peer. */
void dl_session_heard(struct dl_node *node, struct dl_peer *peer,
		      const struct dl_wire_hdr *hdr)
{
	peer->last_heard_ns = dl_node_now(node);
	if (hdr->incarnation > peer->incarnation)
		peer->incarnation = hdr->incarnation;
}

static void dl_session_send_lease(struct dl_node *node, u32 dst, u64 seq)
{
	struct dl_wire_lease ls = {
		.seq = seq,
		.term = node->term,
		.lease_ms = node->cfg.timeouts.lease_ms,
	};
	u8 body[32];
	int n = dl_wire_enc_lease(body, sizeof(body), &ls);
	u32 saved = node->cause;

	node->cause = DL_CAUSE_SESSION;
	if (n > 0)
		dl_node_send_op(node, dst, DL_OP_LEASE, body, n);
	node->cause = saved;
}

static void dl_session_send_redirect(struct dl_node *node, u32 dst, u64 req)
{
	struct dl_wire_redirect rd = {
		.req_id = req, .leader = node->leader, .term = node->term,
	};
	u8 body[32];
	int n = dl_wire_enc_redirect(body, sizeof(body), &rd);

	if (n > 0)
		dl_node_send_op(node, dst, DL_OP_REDIRECT, body, n);
}

/*
 * Any node, on applying NODE_INCARNATION of @node_id's @session.  The
 * announcement of a session ends only here: a leader that answered a
 * HELLO as soon as it proposed the command, then lost office before it
 * committed, left the node thinking it had announced a session that no
 * leader knew of (a new leader forgets every peer's session); a node with
 * no more requests then kept its old session's locks in the cell for good.
 * So the leader answers a heartbeat that came with a HELLO only once the
 * NODE_INCARNATION is applied, and its own session is announced until it
 * sees it applied.
 */
void dl_session_incarnation_applied(struct dl_node *node, u32 node_id,
				    u64 session)
{
	struct dl_peer *peer;
	u64 seq;

	if (node_id == node->cfg.node_id) {
		if (session == node->session)
			node->hello_due = false;
		return;
	}
	peer = dl_peer_find(node, node_id);
	if (!peer)
		return;
	/* what the old sessions were told is moot now (on every voter) */
	dl_session_revokes_drop(peer, session);
	if (!peer->hello_wait || session != peer->session)
		return;
	peer->hello_wait = false;
	seq = peer->hello_hb_seq;
	peer->hello_hb_seq = 0;
	if (!seq || !dl_node_is_leader(node) || !node->elect->lease_valid(node))
		return;	/* its next HELLO is answered at once */
	peer->lease_until_ns = dl_node_now(node) +
			       dl_ms(node->cfg.timeouts.lease_ms);
	peer->expired = false;
	dl_session_send_lease(node, peer->id, seq);
}

static int dl_session_on_heartbeat(struct dl_node *node, struct dl_peer *peer,
				   const struct dl_wire_op *op)
{
	struct dl_wire_heartbeat hb;
	u64 now = dl_node_now(node);
	int err = dl_wire_dec_heartbeat(op, &hb);

	if (err)
		return err;
	node->cause = DL_CAUSE_SESSION;
	if (!dl_node_is_leader(node) || !node->elect->lease_valid(node)) {
		dl_session_send_redirect(node, peer->id, 0);
		return 0;
	}
	if (peer->hello_refused) {
		/* unanswered, the peer sends its HELLO again (on_hello) */
		peer->hello_refused = false;
		return 0;
	}
	if (peer->hello_hold) {
		peer->hello_hold = false;
		if (peer->hello_wait) {
			/* answered when the NODE_INCARNATION is applied */
			peer->hello_hb_seq = hb.seq;
			return 0;
		}
	}
	peer->lease_until_ns = now + dl_ms(node->cfg.timeouts.lease_ms);
	peer->expired = false;
	dl_session_send_lease(node, peer->id, hb.seq);
	return 0;
}

static int dl_session_on_lease(struct dl_node *node, struct dl_peer *peer,
			       const struct dl_wire_op *op)
{
	struct dl_wire_lease ls;
	struct dl_hb_out *out;
	int err = dl_wire_dec_lease(op, &ls);

	if (err)
		return err;
	if (ls.term < node->term)
		return 0;	/* a deposed leader's */
	if (!dl_node_is_voter(node) &&
	    (peer->id != node->leader || ls.term > node->term))
		dl_node_leader_changed(node, peer->id, ls.term);
	if (peer->id != node->leader)
		return 0;
	/*
	 * The answer to one of our last heartbeats of this session: its send
	 * time is the start the node may count from (seq 0 is a new leader's
	 * greeting).  Not only the last one's: when a round trip takes more
	 * than a quarter lease (a loaded host, a slow kernel) every answer
	 * comes back after the next heartbeat has left, and a node that
	 * waited for the last one's would lose its lease while every
	 * heartbeat was answered.  The HELLO of a new session is known to
	 * have arrived when a heartbeat it went with is answered.
	 */
	out = &node->hb_out[ls.seq % DL_HB_OUT];
	if (ls.seq && out->seq == ls.seq && out->session == node->session) {
		dl_session_rtt_sample(peer, dl_node_now(node) - out->sent_ns);
		dl_session_renew(node, out->sent_ns +
				 dl_session_own_lease(node, ls.lease_ms));
		node->hb_unanswered = 0;
		if (out->hello)
			node->hello_due = false;
		out->seq = 0;
	}
	return 0;
}

static int dl_session_on_hello(struct dl_node *node, struct dl_peer *peer,
			       const struct dl_wire_op *op)
{
	struct dl_wire_hello he;
	int err = dl_wire_dec_hello(op, &he);

	if (err)
		return err;
	if (he.role != peer->role)
		return DL_WIRE_EBODY;
	/*
	 * The answer to the heartbeat that follows is what ends the peer's
	 * HELLOs: when NODE_INCARNATION could not be proposed, that answer
	 * is withheld, so the HELLO comes again.
	 */
	if (!dl_node_is_leader(node))
		return 0;
	if (dl_session_new_session(node, peer, peer->id, he.incarnation))
		peer->hello_refused = true;
	else
		peer->hello_hold = peer->hello_wait;
	return 0;
}

int dl_session_recv(struct dl_node *node, struct dl_peer *peer,
		    const struct dl_wire_op *op)
{
	switch (op->type) {
	case DL_OP_HEARTBEAT:
		return dl_session_on_heartbeat(node, peer, op);
	case DL_OP_LEASE:
		return dl_session_on_lease(node, peer, op);
	case DL_OP_HELLO:
		return dl_session_on_hello(node, peer, op);
	case DL_OP_EVENT_ACK:
		return dl_session_on_event_ack(node, peer, op);
	default:
		return DL_WIRE_ETYPE;
	}
}

/* Leader: a follower answered an APPEND; renew it in our books. */
void dl_session_follower_ack(struct dl_node *node, u32 from)
{
	struct dl_peer *peer = dl_peer_find(node, from);

	if (!peer)
		return;
	peer->lease_until_ns = dl_node_now(node) +
			       dl_ms(node->cfg.timeouts.lease_ms);
	peer->expired = false;
}

/* Grace period: every peer gets a full lease from the new leader. */
void dl_session_became_leader(struct dl_node *node)
{
	u64 now = dl_node_now(node);
	u64 until = now + dl_ms(node->cfg.timeouts.lease_ms);
	struct dl_peer *peer;

	dl_list_for_each_entry(peer, &node->peers, link) {
		struct dl_revoke_out *ro;

		/* what the last leader may not have delivered goes now */
		dl_list_for_each_entry(ro, &peer->revokes, link) {
			ro->backoff_ns = dl_ms(node->cfg.timeouts.retry_ms);
			ro->due_ns = now;
		}
		peer->lease_until_ns = until;
		peer->expired = false;
		peer->session = 0;
		peer->hello_wait = false;
		peer->hello_hold = false;
		peer->hello_hb_seq = 0;
		/* members learn the new leader without waiting a heartbeat */
		if (peer->role == DL_NODE_MEMBER)
			dl_session_send_lease(node, peer->id, 0);
	}
	node->expire_check_ns = until + dl_ms(node->cfg.timeouts.lock_delay_ms);
	node->hello_due = true;
	node->hello_proposed = false;
}

/* Our own lease ran out: the cell may give our locks away. */
static void dl_session_lost(struct dl_node *node)
{
	node->lease_held = false;
	node->ctr.leases_lost++;
	dl_env_log(node->env, DL_LOG_WARN, "node %u: lease lost",
		   node->cfg.node_id);
	dl_local_revoke_all(node);
	dl_client_fail_all(node, -ENOLINK);
	node->session++;
	node->hello_due = true;
	node->hello_proposed = false;
	if (node->ops->lease_lost)
		node->ops->lease_lost(node->host);
}

/* Leader: EXPIRE_NODE for every peer silent for lease + lock-delay. */
static u64 dl_session_expire_scan(struct dl_node *node, u64 now)
{
	u64 delay = dl_ms(node->cfg.timeouts.lock_delay_ms);
	u64 next = DL_NEVER, due;
	struct dl_peer *peer;

	dl_list_for_each_entry(peer, &node->peers, link) {
		struct dl_lt_cmd cmd = { .type = DL_LT_CMD_EXPIRE_NODE };

		if (peer->expired)
			continue;
		due = peer->lease_until_ns + delay;
		if (now < due) {
			next = DL_MIN(next, due);
			continue;
		}
		cmd.owner.node = peer->id;
		node->cause = DL_CAUSE_SESSION;
		if (!dl_node_propose(node, &cmd)) {
			peer->expired = true;
			peer->session = 0;
			peer->hello_wait = false;
			peer->hello_hb_seq = 0;
			dl_session_revokes_drop(peer, DL_NEVER);
			node->ctr.nodes_expired++;
		}
		node->cause = DL_CAUSE_OTHER;
	}
	/* at most one scan per heartbeat period, however many peers */
	return DL_MAX(next, now + dl_ms(node->cfg.timeouts.heartbeat_ms));
}

u64 dl_session_timer(struct dl_node *node, u64 now)
{
	u64 next = DL_NEVER;
	bool leader = dl_node_is_leader(node);

	if (leader && node->elect->lease_valid(node))
		dl_session_renew(node, now +
				 dl_session_own_lease(node,
						      node->cfg.timeouts.lease_ms));
	if (leader) {
		/*
		 * Once per term; hello_due ends when it is applied (or a
		 * later leader's LEASE answers our HELLO).  Not proposed
		 * (memory): again at the next timer call.
		 */
		if (node->hello_due && !node->hello_proposed &&
		    !dl_session_new_session(node, NULL, node->cfg.node_id,
					    node->session))
			node->hello_proposed = true;
		if (now >= node->expire_check_ns)
			node->expire_check_ns =
				dl_session_expire_scan(node, now);
		next = node->expire_check_ns;
		next = DL_MIN(next, dl_session_revokes_resend(node, now));
	}
	if (node->lease_held && now >= node->lease_until_ns)
		dl_session_lost(node);
	if (node->lease_held)
		next = DL_MIN(next, node->lease_until_ns);
	if (leader)
		return next;

	/* everybody but the leader renews by heartbeat */
	if (now >= node->hb_next_ns) {
		u32 dst = node->leader;

		/*
		 * A member whose leader stopped answering (it is gone, and
		 * the new leader's greeting was lost) asks the voters in
		 * turn: the leader answers, the others redirect to it.
		 * Voters learn their leader from the election instead.
		 */
		if (!dl_node_is_voter(node) && node->hb_unanswered >= 3)
			dst = 0;
		if (!dst || dst == node->cfg.node_id) {
			/* no leader known: ask the voters in turn */
			dst = node->cfg.voters[node->hb_probe++ %
					       node->cfg.n_voters];
		}
		if (dst != node->cfg.node_id)
			dl_session_send_hb(node, dst, now);
		node->hb_next_ns = now + (node->leader ?
			dl_session_hb_interval(node) :
			dl_ms(node->cfg.timeouts.heartbeat_ms));
	}
	return DL_MIN(next, node->hb_next_ns);
}
