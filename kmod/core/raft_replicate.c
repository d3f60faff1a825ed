// SPDX-License-Identifier: GPL-2.0
/*
 * raft_replicate.c - log replication: the leader's progress per follower
 * (probe, pipelined replicate, snapshot), APPEND and its reply on both
 * sides, commit by counting replicas of the current term, and apply.
 */
#include "raft_priv.h"

void dl_raft_inflight_reset(struct dl_raft_peer *p)
{
	p->in_head = 0;
	p->in_count = 0;
}

static void inflight_push(struct dl_raft_peer *p, u64 last)
{
	u32 slot = (p->in_head + p->in_count) % DL_RAFT_MAX_INFLIGHT;

	p->inflight[slot] = last;
	p->in_count++;
}

/* Acknowledged up to @index: everything sent up to there has landed. */
static void inflight_free_to(struct dl_raft_peer *p, u64 index)
{
	while (p->in_count && p->inflight[p->in_head] <= index) {
		p->in_head = (p->in_head + 1) % DL_RAFT_MAX_INFLIGHT;
		p->in_count--;
	}
}

void dl_raft_become_probe(struct dl_raft *r, struct dl_raft_peer *p,
			  u64 now)
{
	p->pr = DL_RAFT_PR_PROBE;
	p->next = p->match + 1;
	p->probe_paused = false;
	p->pr_since_ns = now;
	dl_raft_inflight_reset(p);
	(void)r;
}

void dl_raft_leader_init_peer(struct dl_raft *r, struct dl_raft_peer *p)
{
	p->pr = DL_RAFT_PR_PROBE;
	p->next = dl_raft_log_last(&r->log) + 1;
	p->match = 0;
	p->committed = 0;
	p->probe_paused = false;
	p->pr_since_ns = 0;
	p->progress = false;
	p->active = false;
	p->ack_ns = 0;
	p->heard_ns = 0;
	p->vstate = DL_RAFT_V_UNKNOWN;
	p->barrier = 0;
	p->tell_caught_up = false;
	p->snap_index = 0;
	p->snap_acked = 0;
	p->snap_outstanding = false;
	p->snap_sent_ns = 0;
	dl_raft_inflight_reset(p);
}

/*
 * A peer came back under a new incarnation: whatever it acknowledged before
 * is gone with its memory.  Forget its progress (it must not be counted) and
 * any vote its previous life gave us.
 */
void dl_raft_peer_note_incarnation(struct dl_raft *r, struct dl_raft_peer *p,
				   const struct dl_raft_msg *m)
{
	bool known = p->incarnation != 0;

	if (m->incarnation <= p->incarnation)
		return;
	p->incarnation = m->incarnation;
	if (!known)
		return;
	dl_env_log(r->cfg.env, DL_LOG_INFO,
		   "raft %u: peer %u restarted (incarnation %llu)",
		   r->cfg.self_id, p->id, (unsigned long long)m->incarnation);
	p->vote_granted = false;
	if (r->role == DL_RAFT_LEADER)
		dl_raft_leader_init_peer(r, p);
}

int dl_raft_append_local(struct dl_raft *r, u8 type, const void *data,
			 u16 len)
{
	int err = dl_raft_log_append(&r->log, r->term, type, data, len);

	if (err)
		return err;
	if (type == DL_RAFT_ENTRY_CONFIG || type == DL_RAFT_ENTRY_REFORM)
		dl_raft_conf_recompute(r);
	return 0;
}

/* ---- leader: sending ---------------------------------------------------- */

/* Every APPEND tells a counted follower so; this one now carries it. */
static u8 caught_up_flag(struct dl_raft_peer *p)
{
	if (p->vstate != DL_RAFT_V_VOTING)
		return 0;
	p->tell_caught_up = false;
	return DL_RAFT_F_CAUGHT_UP;
}

static void send_heartbeat(struct dl_raft *r, struct dl_raft_peer *p,
			   u64 now)
{
	struct dl_raft_msg m;

	memset(&m, 0, sizeof(m));
	m.type = DL_RAFT_MSG_APPEND;
	m.flags = DL_RAFT_F_HEARTBEAT | caught_up_flag(p);
	m.term = r->term;
	/* only what it is known to hold may be committed there */
	m.commit = DL_MIN(p->match, r->commit);
	m.ctx = now;
	dl_raft_send(r, &m, p->id);
}

/*
 * One APPEND from p->next, as many entries as the count and byte budgets
 * allow (always at least one, which DL_RAFT_MAX_APPEND_BYTES covers).
 */
/*
 * The follower was just found caught up: tell it now (finding 1 of
 * tests/sim/FINDINGS.md), unless the reply we are handling already sent it
 * an APPEND with the flag.  Waiting for the next heartbeat left a window in
 * which a leader crash kept a voter that holds the whole log from voting.
 */
void dl_raft_tell_caught_up(struct dl_raft *r, struct dl_raft_peer *p,
			    u64 now)
{
	if (p->tell_caught_up && r->role == DL_RAFT_LEADER)
		send_heartbeat(r, p, now);
}

void dl_raft_send_append(struct dl_raft *r, struct dl_raft_peer *p, u64 now,
			 bool heartbeat)
{
	u64 prev = p->next - 1, last = dl_raft_log_last(&r->log), prev_term;
	u32 n = 0, bytes = 0;
	struct dl_raft_msg m;

	if (heartbeat) {
		send_heartbeat(r, p, now);
		return;
	}
	if (p->pr == DL_RAFT_PR_SNAPSHOT ||
	    dl_raft_log_term(&r->log, prev, &prev_term)) {
		dl_raft_send_snapshot(r, p, now, false);
		return;
	}
	while (prev + n < last && n < r->cfg.max_append_entries) {
		const struct dl_raft_log_entry *e =
			dl_raft_log_get(&r->log, prev + n + 1);
		u32 cost = e->len + DL_RAFT_ENTRY_WIRE_OVERHEAD;

		if (n && bytes + cost > r->cfg.max_append_bytes)
			break;
		r->scratch[n].term = e->term;
		r->scratch[n].type = e->type;
		r->scratch[n].len = e->len;
		r->scratch[n].data = e->data;
		bytes += cost;
		n++;
	}
	memset(&m, 0, sizeof(m));
	m.type = DL_RAFT_MSG_APPEND;
	m.flags = caught_up_flag(p);
	m.term = r->term;
	m.index = prev;
	m.log_term = prev_term;
	m.commit = r->commit;
	m.ctx = now;
	m.nr_entries = n;
	m.entries = n ? r->scratch : NULL;
	if (p->pr == DL_RAFT_PR_REPLICATE && n) {
		/* pipelining: assume it lands, fall back to probing if not */
		p->next = prev + n + 1;
		inflight_push(p, prev + n);
	} else if (p->pr == DL_RAFT_PR_PROBE) {
		p->probe_paused = true;
	}
	dl_raft_send(r, &m, p->id);
}

/* Send what this follower may take now. */
void dl_raft_flush_peer(struct dl_raft *r, struct dl_raft_peer *p, u64 now)
{
	u64 last = dl_raft_log_last(&r->log);

	switch (p->pr) {
	case DL_RAFT_PR_PROBE:
		if (!p->probe_paused)
			dl_raft_send_append(r, p, now, false);
		break;
	case DL_RAFT_PR_REPLICATE:
		while (p->pr == DL_RAFT_PR_REPLICATE && p->next <= last &&
		       p->in_count < r->cfg.max_inflight)
			dl_raft_send_append(r, p, now, false);
		break;
	case DL_RAFT_PR_SNAPSHOT:
		dl_raft_send_snapshot(r, p, now, false);
		break;
	}
}

/*
 * Every heartbeat interval each follower hears from us: a retried probe,
 * new entries or an empty heartbeat.  A follower being sent a snapshot
 * hears its chunks; only a chunk unanswered for an interval goes again.  A
 * pipeline that made no progress for a whole interval lost something: probe
 * again.
 */
void dl_raft_heartbeat(struct dl_raft *r, u64 now)
{
	u32 i;

	for (i = 0; i < r->nr_peers; i++) {
		struct dl_raft_peer *p = &r->peers[i];

		switch (p->pr) {
		case DL_RAFT_PR_PROBE:
			p->probe_paused = false;
			dl_raft_send_append(r, p, now, false);
			break;
		case DL_RAFT_PR_REPLICATE:
			if (p->in_count && !p->progress) {
				dl_raft_become_probe(r, p, now);
				dl_raft_send_append(r, p, now, false);
			} else if (p->next <= dl_raft_log_last(&r->log) &&
				   p->in_count < r->cfg.max_inflight) {
				dl_raft_flush_peer(r, p, now);
			} else {
				send_heartbeat(r, p, now);
			}
			break;
		case DL_RAFT_PR_SNAPSHOT:
			/* the chunks are its heartbeat; resend one overdue */
			dl_raft_send_snapshot(r, p, now,
					      now >= p->snap_retry_ns);
			break;
		}
		p->progress = false;
	}
}

void dl_raft_maybe_send_timeout_now(struct dl_raft *r, struct dl_raft_peer *p)
{
	struct dl_raft_msg m;

	if (r->transfer_to != p->id ||
	    p->match != dl_raft_log_last(&r->log))
		return;
	memset(&m, 0, sizeof(m));
	m.type = DL_RAFT_MSG_TIMEOUT_NOW;
	m.term = r->term;
	dl_raft_send(r, &m, p->id);
}

/* ---- leader: replies ---------------------------------------------------- */

/*
 * What a reply tells about the follower's right to be counted, and the
 * liveness and lease credit it earns (lease only when it is counted).
 */
void dl_raft_note_reply(struct dl_raft *r, struct dl_raft_peer *p,
			const struct dl_raft_msg *m, u64 now)
{
	if (!(m->flags & DL_RAFT_F_CATCHING_UP)) {
		p->vstate = DL_RAFT_V_VOTING;
	} else if (p->vstate == DL_RAFT_V_UNKNOWN &&
		   !dl_raft_append_local(r, DL_RAFT_ENTRY_NOOP, NULL, 0)) {
		/* the barrier: an entry of ours from after it came back */
		p->vstate = DL_RAFT_V_CATCHING_UP;
		p->barrier = dl_raft_log_last(&r->log);
		dl_env_log(r->cfg.env, DL_LOG_INFO,
			   "raft %u: peer %u catching up to %llu",
			   r->cfg.self_id, p->id,
			   (unsigned long long)p->barrier);
	}
	/*
	 * Reachable counts for CheckQuorum even while catching up: stepping
	 * down would leave no leader to finish its catch-up from.
	 */
	p->active = true;
	p->heard_ns = now;
	if (p->vstate != DL_RAFT_V_VOTING)
		return;
	if (m->ctx <= now && m->ctx > p->ack_ns)
		p->ack_ns = m->ctx;
}

void dl_raft_note_match(struct dl_raft *r, struct dl_raft_peer *p, u64 index)
{
	if (index > p->match) {
		p->match = index;
		p->progress = true;
	}
	if (p->next <= p->match)
		p->next = p->match + 1;
	dl_raft_check_caught_up(r, p);
}

/*
 * A peer catching up counts (and may vote) once it holds the barrier entry
 * and that entry is committed by voters other than it.  The commit matters:
 * it means a majority that excludes the peer acknowledged our term after
 * the peer came back, so any term its previous life voted in to elect
 * someone is at most ours (a voter of that election is in the majority and
 * either had already moved to that term, or would refuse the candidate's
 * log for lacking the barrier).  The peer learns our term from CAUGHT_UP
 * and sets its vote floor there: no second vote in a term its old life
 * voted in.  Catching up from the leader alone (the old rule) let a
 * leader of an older term, cut off from that election, elect a second
 * leader of its term with the new life's vote.
 *
 * One exception: the leader of the term a re-form created (the first of a
 * new epoch, taken by an admin's decision without an election) while it
 * has heard of no later term.  It has no majority to commit with until the
 * peers it catches up count, and their previous lives voted in older
 * epochs' terms, all below ours.
 */
static bool reform_leader(const struct dl_raft *r)
{
	u64 low = (1ULL << DL_RAFT_EPOCH_SHIFT) - 1;

	return r->role == DL_RAFT_LEADER && !(r->term & low) &&
	       r->max_term_seen == r->term;
}

void dl_raft_check_caught_up(struct dl_raft *r, struct dl_raft_peer *p)
{
	if (p->vstate != DL_RAFT_V_CATCHING_UP || p->match < p->barrier ||
	    (r->commit < p->barrier && !reform_leader(r)))
		return;
	p->vstate = DL_RAFT_V_VOTING;
	p->tell_caught_up = true;
	dl_env_log(r->cfg.env, DL_LOG_INFO, "raft %u: peer %u caught up at %llu",
		   r->cfg.self_id, p->id, (unsigned long long)p->match);
}

/*
 * Largest index <= @index whose term is <= @term: the follower's log cannot
 * match ours beyond it (both sides use this to skip a whole term at once).
 */
static u64 find_conflict_by_term(const struct dl_raft *r, u64 index,
				 u64 term)
{
	u64 t;

	index = DL_MIN(index, dl_raft_log_last(&r->log));
	for (; index > r->log.base_index; index--)
		if (!dl_raft_log_term(&r->log, index, &t) && t <= term)
			break;
	return index;
}

/*
 * A refusal moves the peer only if it answers an APPEND of the current
 * probe or pipeline (etcd's MaybeDecrTo, plus the send time: the network
 * duplicates and reorders, so the index alone can match a refusal from an
 * older round).  A stale one that reset the peer sent a new probe each
 * time, and with the stale acceptances below fed the storm of FINDINGS 12.
 */
static void on_reject(struct dl_raft *r, struct dl_raft_peer *p,
		      const struct dl_raft_msg *m, u64 now)
{
	u64 probe;

	if (p->pr != DL_RAFT_PR_SNAPSHOT && m->ctx < p->pr_since_ns)
		return;		/* sent before the current round */
	if (m->flags & DL_RAFT_F_NEED_SNAPSHOT) {
		dl_raft_send_snapshot(r, p, now, false);
		return;
	}
	if (p->pr == DL_RAFT_PR_REPLICATE) {
		if (m->index <= p->match)
			return;		/* stale */
		dl_raft_become_probe(r, p, now);
	} else if (p->pr == DL_RAFT_PR_PROBE) {
		if (m->index != p->next - 1)
			return;		/* answers an older probe */
		probe = m->hint;
		if (m->log_term)
			probe = find_conflict_by_term(r, m->hint, m->log_term);
		p->next = DL_MAX(DL_MIN(m->index, probe + 1), p->match + 1);
		p->probe_paused = false;
	} else {
		return;
	}
	dl_raft_send_append(r, p, now, false);
}

void dl_raft_recv_append_resp(struct dl_raft *r, const struct dl_raft_msg *m,
			      u64 now)
{
	struct dl_raft_peer *p = dl_raft_peer_find(r, m->from);
	bool raised;

	if (!p)
		return;
	dl_raft_note_reply(r, p, m, now);
	if (m->flags & DL_RAFT_F_HEARTBEAT) {
		p->probe_paused = false;
		if (p->match < dl_raft_log_last(&r->log))
			dl_raft_flush_peer(r, p, now);
		return;
	}
	if (m->flags & DL_RAFT_F_REJECT) {
		on_reject(r, p, m, now);
		return;
	}
	if (p->pr == DL_RAFT_PR_SNAPSHOT && m->index < p->snap_index)
		return;
	/*
	 * PROBE -> REPLICATE only on an answer that raised match or answers
	 * a probe of this round (etcd's MaybeUpdate).  A duplicated or late
	 * acceptance at or below match switched a probing peer to REPLICATE,
	 * whose burst of max_inflight APPENDs drew out-of-order refusals that
	 * switched it back: the messages in flight grew geometrically (seed
	 * 300934, FINDINGS 12).
	 */
	raised = m->index > p->match;
	dl_raft_note_match(r, p, m->index);
	/* before our own commit applies the entries: see dl_client_output() */
	if (m->flags & DL_RAFT_F_COMMITTED && m->index > p->committed &&
	    m->index <= p->match)
		p->committed = m->index;
	inflight_free_to(p, m->index);
	if (p->pr == DL_RAFT_PR_SNAPSHOT ||
	    (p->pr == DL_RAFT_PR_PROBE &&
	     (raised || (m->index == p->match && m->ctx >= p->pr_since_ns)))) {
		p->pr = DL_RAFT_PR_REPLICATE;
		p->next = p->match + 1;
		p->pr_since_ns = now;
		dl_raft_inflight_reset(p);
	}
	dl_raft_maybe_commit(r);
	if (r->role != DL_RAFT_LEADER)
		return;
	dl_raft_maybe_send_timeout_now(r, p);
	dl_raft_flush_peer(r, p, now);
	dl_raft_tell_caught_up(r, p, now);
}

/*
 * Commit the highest index a majority of counted voters holds, but only if
 * it is of our term: an older entry on a majority may still be overwritten
 * (Figure 8 of the Raft paper); it commits with the first entry of ours.
 */
void dl_raft_maybe_commit(struct dl_raft *r)
{
	u64 v[DL_RAFT_MAX_VOTERS], idx, t;
	u32 n = 0, i, j, q = dl_raft_quorum(r);

	if (r->role != DL_RAFT_LEADER)
		return;
	for (i = 0; i < r->conf.nr; i++) {
		struct dl_raft_peer *p;

		if (r->conf.ids[i] == r->cfg.self_id) {
			v[n++] = dl_raft_log_last(&r->log);
			continue;
		}
		p = dl_raft_peer_find(r, r->conf.ids[i]);
		v[n++] = p && p->vstate == DL_RAFT_V_VOTING ? p->match : 0;
	}
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && v[j] > v[j - 1]; j--) {
			t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	if (n < q)
		return;
	idx = v[q - 1];
	if (idx > r->commit && !dl_raft_log_term(&r->log, idx, &t) &&
	    t == r->term) {
		r->commit = idx;
		r->committed_in_term = true;
		for (i = 0; i < r->nr_peers; i++)
			dl_raft_check_caught_up(r, &r->peers[i]);
	}
	dl_raft_apply_committed(r);
	/* a leader removed from the voters leads until that commits */
	if (r->role == DL_RAFT_LEADER &&
	    !dl_raft_conf_has(&r->conf, r->cfg.self_id) &&
	    r->commit >= r->conf_index) {
		dl_env_log(r->cfg.env, DL_LOG_INFO,
			   "raft %u: removed from the voters, stepping down",
			   r->cfg.self_id);
		r->role = DL_RAFT_FOLLOWER;
		r->leader = 0;
	}
}

void dl_raft_apply_committed(struct dl_raft *r)
{
	while (r->applied < r->commit) {
		const struct dl_raft_log_entry *e =
			dl_raft_log_get(&r->log, r->applied + 1);
		struct dl_raft_entry pub;

		if (!e)
			break;
		pub.term = e->term;
		pub.type = e->type;
		pub.len = e->len;
		pub.data = e->data;
		/* not applied yet (out of memory): again from here next time */
		if (r->ops->apply && r->ops->apply(r->ctx, r->applied + 1, &pub))
			break;
		r->applied++;
	}
}

/* ---- follower ----------------------------------------------------------- */

static void commit_to(struct dl_raft *r, u64 index)
{
	if (index > r->commit)
		r->commit = index;
}

/*
 * Follower-side commit: the entry at @index, just stored by us from an
 * APPEND of our term's leader, is committed if the leader and we make a
 * quorum of the configuration.  An entry of the current term stored on a
 * majority of voters is committed (Raft's Leader Completeness argument
 * needs no more than that; that the leader counts the acks is only how it
 * learns it).  We know of two copies: ours, and the leader's, which
 * appended the entry before it sent it and never drops its own entries
 * while it leads.  So with a quorum of two (2 or 3 voters) the requester's
 * node may apply at once instead of waiting a round trip for the leader's
 * commit; with more voters it cannot prove a majority alone and waits.
 *
 * Each guard is needed (Documentation/protocol.rst, "Committing on the
 * follower"):
 *   - we vote (not catching up, no snapshot awaited): a copy held by a
 *     node that does not vote does not make elections see it;
 *   - we and the leader are both voters of the configuration, and it is
 *     committed as far as we know: no change of voters is pending in our
 *     log.  One uncommitted change can follow in the leader's log (one at
 *     a time, single-server), and any majority of a set one server away
 *     from ours still meets {leader, us};
 *   - the entry is of the current term: an older term's entry on a
 *     majority can still be overwritten (Figure 8), exactly as for the
 *     leader's own count.  Entries before it commit with it (Log
 *     Matching).
 */
static void commit_with_leader(struct dl_raft *r, const struct dl_raft_msg *m,
			       u64 index)
{
	u64 t;

	if (index <= r->commit || !r->voting || r->need_snapshot ||
	    r->role != DL_RAFT_FOLLOWER || r->leader != m->from ||
	    m->term != r->term)
		return;
	if (dl_raft_quorum(r) > 2 || r->conf_index > r->commit ||
	    !dl_raft_conf_has(&r->conf, r->cfg.self_id) ||
	    !dl_raft_conf_has(&r->conf, m->from))
		return;
	if (dl_raft_log_term(&r->log, index, &t) || t != r->term)
		return;
	r->commit = index;
	r->own_commits++;
}

/*
 * Append the entries after m->index, which matches our log.  An entry we
 * hold with another term is where our log diverges: drop from there on.
 * Returns the last index now known to match the leader's log.
 */
static u64 append_entries(struct dl_raft *r, const struct dl_raft_msg *m)
{
	bool conf_changed = false;
	u64 idx = m->index, t;
	u32 i;

	for (i = 0; i < m->nr_entries; i++) {
		const struct dl_raft_entry *e = &m->entries[i];

		idx++;
		if (!dl_raft_log_term(&r->log, idx, &t)) {
			if (t == e->term)
				continue;
			if (idx <= r->commit) {
				/* Raft forbids it; never undo committed state */
				dl_env_log(r->cfg.env, DL_LOG_ERR,
					   "raft %u: leader %u conflicts at committed %llu",
					   r->cfg.self_id, m->from,
					   (unsigned long long)idx);
				return idx - 1;
			}
			dl_raft_log_truncate_after(&r->log, idx - 1);
			conf_changed = true;
		}
		if (dl_raft_log_append(&r->log, e->term, e->type, e->data,
				       e->len)) {
			idx--;
			break;
		}
		if (e->type == DL_RAFT_ENTRY_CONFIG ||
		    e->type == DL_RAFT_ENTRY_REFORM)
			conf_changed = true;
	}
	if (conf_changed)
		dl_raft_conf_recompute(r);
	return idx;
}

int dl_raft_recv_append(struct dl_raft *r, const struct dl_raft_msg *m,
			u64 now)
{
	struct dl_raft_msg resp;
	u64 t, last;

	if (r->role == DL_RAFT_LEADER) {
		/* two leaders in one term cannot happen; refuse to guess */
		dl_env_log(r->cfg.env, DL_LOG_ERR,
			   "raft %u: APPEND from %u in my own term %llu",
			   r->cfg.self_id, m->from,
			   (unsigned long long)r->term);
		return -EINVAL;
	}
	/* the leader of our term: follow it, and wait before campaigning */
	dl_raft_become_follower(r, r->term, m->from, now);
	r->leader_contact = true;
	r->leader_contact_ns = now;
	if ((m->flags & DL_RAFT_F_CAUGHT_UP) && !r->voting &&
	    !r->need_snapshot)
		dl_raft_became_voter(r);

	memset(&resp, 0, sizeof(resp));
	resp.type = DL_RAFT_MSG_APPEND_RESP;
	resp.term = r->term;
	resp.ctx = m->ctx;
	resp.to_incarnation = m->incarnation;
	last = dl_raft_log_last(&r->log);
	if (r->need_snapshot) {
		resp.flags = DL_RAFT_F_REJECT | DL_RAFT_F_NEED_SNAPSHOT;
		resp.index = m->index;
	} else if (m->flags & DL_RAFT_F_HEARTBEAT) {
		commit_to(r, DL_MIN(m->commit, last));
		resp.flags = DL_RAFT_F_HEARTBEAT;
		resp.index = last;
	} else if (m->index < r->commit) {
		/* what we committed matches; tell where to continue */
		resp.index = r->commit;
	} else if (!dl_raft_log_term(&r->log, m->index, &t) &&
		   t == m->log_term) {
		resp.index = append_entries(r, m);
		commit_to(r, DL_MIN(m->commit, resp.index));
		if (m->nr_entries)
			commit_with_leader(r, m, resp.index);
		/*
		 * We apply everything up to resp.index without the leader's
		 * word: it need not send our own requests' answers (client.c).
		 */
		if (m->nr_entries && r->commit >= resp.index)
			resp.flags |= DL_RAFT_F_COMMITTED;
	} else {
		resp.flags = DL_RAFT_F_REJECT;
		resp.index = m->index;
		resp.hint = find_conflict_by_term(r, DL_MIN(m->index, last),
						  m->log_term);
		if (dl_raft_log_term(&r->log, resp.hint, &resp.log_term))
			resp.log_term = 0;
	}
	dl_raft_send(r, &resp, m->from);
	return 0;
}
