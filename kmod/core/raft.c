// SPDX-License-Identifier: GPL-2.0
/*
 * raft.c - Raft entry points: roles and terms, PreVote and elections,
 * CheckQuorum, leader lease, membership changes, re-form and status.
 * Replication lives in raft_replicate.c, snapshots in raft_snapshot.c; the
 * rules are explained in raft.h.
 */
#include "raft_priv.h"

/* ---- small helpers ------------------------------------------------------ */

static u64 ms_to_ns(u32 ms)
{
	return (u64)ms * DL_RAFT_NS_PER_MS;
}

static u32 raft_random(struct dl_raft *r)
{
	u64 x;

	if (r->ops->random)
		return r->ops->random(r->ctx);
	/* xorshift64*, seeded per node and life in dl_raft_create() */
	x = r->rng;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	r->rng = x;
	return (u32)((x * 0x2545f4914f6cdd1dULL) >> 32);
}

static void reset_election_timer(struct dl_raft *r, u64 now)
{
	u32 span = r->cfg.election_max_ms - r->cfg.election_min_ms;
	u64 jitter = (u64)(raft_random(r) % (span * 1000U)) * 1000ULL;

	r->election_deadline = now + ms_to_ns(r->cfg.election_min_ms) + jitter;
}

bool dl_raft_conf_has(const struct dl_raft_conf *c, u32 id)
{
	u32 i;

	for (i = 0; i < c->nr; i++)
		if (c->ids[i] == id)
			return true;
	return false;
}

static bool conf_valid(const u32 *ids, u32 nr)
{
	u32 i, j;

	if (!nr || nr > DL_RAFT_MAX_VOTERS)
		return false;
	for (i = 0; i < nr; i++) {
		if (!ids[i])
			return false;
		for (j = 0; j < i; j++)
			if (ids[i] == ids[j])
				return false;
	}
	return true;
}

/* CONFIG and REFORM entries carry the voter ids as little-endian u32s. */
static u16 conf_encode(const struct dl_raft_conf *c, u8 *buf)
{
	u32 i;

	for (i = 0; i < c->nr; i++) {
		buf[4 * i] = (u8)c->ids[i];
		buf[4 * i + 1] = (u8)(c->ids[i] >> 8);
		buf[4 * i + 2] = (u8)(c->ids[i] >> 16);
		buf[4 * i + 3] = (u8)(c->ids[i] >> 24);
	}
	return (u16)(4 * c->nr);
}

bool dl_raft_conf_decode(const void *data, size_t len,
			 struct dl_raft_conf *out)
{
	const u8 *p = data;
	struct dl_raft_conf c;
	u32 i;

	if (!len || len % 4 || len / 4 > DL_RAFT_MAX_VOTERS)
		return false;
	c.nr = (u32)(len / 4);
	for (i = 0; i < c.nr; i++)
		c.ids[i] = (u32)p[4 * i] | (u32)p[4 * i + 1] << 8 |
			   (u32)p[4 * i + 2] << 16 | (u32)p[4 * i + 3] << 24;
	if (!conf_valid(c.ids, c.nr))
		return false;
	*out = c;
	return true;
}

static bool is_conf_entry(u8 type)
{
	return type == DL_RAFT_ENTRY_CONFIG || type == DL_RAFT_ENTRY_REFORM;
}

/*
 * The configuration in force at @index: the latest CONFIG/REFORM entry at
 * or before it, else the one at the log's base.  (Raft uses a configuration
 * as soon as it is in the log, committed or not.)
 */
static u64 conf_lookup(const struct dl_raft *r, u64 index,
		       struct dl_raft_conf *out)
{
	u64 i = DL_MIN(index, dl_raft_log_last(&r->log));

	for (; i > r->log.base_index; i--) {
		const struct dl_raft_log_entry *e = dl_raft_log_get(&r->log, i);

		if (is_conf_entry(e->type) &&
		    dl_raft_conf_decode(e->data, e->len, out))
			return i;
	}
	*out = r->base_conf;
	return 0;
}

void dl_raft_conf_at(const struct dl_raft *r, u64 index,
		     struct dl_raft_conf *out)
{
	conf_lookup(r, index, out);
}

struct dl_raft_peer *dl_raft_peer_find(struct dl_raft *r, u32 id)
{
	u32 i;

	for (i = 0; i < r->nr_peers; i++)
		if (r->peers[i].id == id)
			return &r->peers[i];
	return NULL;
}

/*
 * Take the latest configuration in the log and rebuild the peer table from
 * it in place, keeping what we knew of peers that stay (incarnation,
 * progress).
 */
void dl_raft_conf_recompute(struct dl_raft *r)
{
	u32 i, kept = 0;

	r->conf_index = conf_lookup(r, dl_raft_log_last(&r->log), &r->conf);
	for (i = 0; i < r->nr_peers; i++) {
		if (!dl_raft_conf_has(&r->conf, r->peers[i].id))
			continue;
		if (kept != i)
			r->peers[kept] = r->peers[i];
		kept++;
	}
	r->nr_peers = kept;
	for (i = 0; i < r->conf.nr; i++) {
		struct dl_raft_peer *p;
		u32 id = r->conf.ids[i];

		if (id == r->cfg.self_id || dl_raft_peer_find(r, id))
			continue;
		p = &r->peers[r->nr_peers++];
		memset(p, 0, sizeof(*p));
		p->id = id;
		if (r->role == DL_RAFT_LEADER)
			dl_raft_leader_init_peer(r, p);
	}
}

u32 dl_raft_quorum(const struct dl_raft *r)
{
	return r->conf.nr / 2 + 1;
}

static bool self_is_voter(const struct dl_raft *r)
{
	return dl_raft_conf_has(&r->conf, r->cfg.self_id);
}

static bool can_campaign(const struct dl_raft *r)
{
	return r->voting && !r->need_snapshot && self_is_voter(r) &&
	       r->role != DL_RAFT_LEADER;
}

void dl_raft_send(struct dl_raft *r, struct dl_raft_msg *m, u32 to)
{
	struct dl_raft_peer *p = dl_raft_peer_find(r, to);

	m->from = r->cfg.self_id;
	m->to = to;
	m->incarnation = r->cfg.incarnation;
	if (!m->to_incarnation && p)
		m->to_incarnation = p->incarnation;
	if (!r->voting)
		m->flags |= DL_RAFT_F_CATCHING_UP;
	r->ops->send(r->ctx, m);
}

/* Lease and follower stickiness both use this (thesis 4.2.3 and 6.4.1). */
static u64 lease_window_ns(const struct dl_raft *r)
{
	return ms_to_ns(r->cfg.election_min_ms);
}

/*
 * A follower that heard from a leader less than a minimum election timeout
 * ago ignores (pre)vote requests: this keeps a returning partitioned node
 * from disrupting a healthy leader, and it is what makes the leader lease
 * safe (no majority can elect anyone else before the lease runs out).
 */
static bool in_lease(const struct dl_raft *r, u64 now)
{
	if (r->role == DL_RAFT_LEADER)
		return true;
	return r->leader && r->leader_contact &&
	       now < r->leader_contact_ns + lease_window_ns(r);
}

static void clear_votes(struct dl_raft *r)
{
	u32 i;

	for (i = 0; i < r->nr_peers; i++)
		r->peers[i].vote_granted = false;
}

/*
 * A new epoch (re-form) supersedes our whole log: keep nothing of it and wait
 * for the new leader's snapshot, not counted and not voting until then.
 */
static void drop_for_new_epoch(struct dl_raft *r)
{
	dl_env_log(r->cfg.env, DL_LOG_WARN,
		   "raft %u: cell re-formed (epoch %u), dropping log",
		   r->cfg.self_id, dl_raft_term_epoch(r->term));
	dl_raft_log_reset(&r->log, 0, 0);
	r->commit = 0;
	r->applied = 0;
	dl_raft_snap_free(&r->snap);
	dl_raft_rx_abort(r);
	r->need_snapshot = true;
	r->voting = false;
	r->base_conf = r->conf;
	r->conf_index = 0;
}

void dl_raft_become_follower(struct dl_raft *r, u64 term, u32 leader,
			     u64 now)
{
	if (term > r->term) {
		u32 old_epoch = dl_raft_term_epoch(r->term);

		r->term = term;
		r->vote = 0;
		if (dl_raft_term_epoch(term) > old_epoch)
			drop_for_new_epoch(r);
	}
	r->role = r->voting ? DL_RAFT_FOLLOWER : DL_RAFT_CATCHING_UP;
	r->leader = leader;
	r->transfer_to = 0;
	r->committed_in_term = false;
	reset_election_timer(r, now);
}

void dl_raft_became_voter(struct dl_raft *r)
{
	r->voting = true;
	r->vote_floor = r->max_term_seen;
	if (r->role == DL_RAFT_CATCHING_UP)
		r->role = DL_RAFT_FOLLOWER;
	/*
	 * Elections ran above our leader's term while we caught up.  Move up
	 * to the highest such term, as if we had voted in it, so candidates
	 * that ask us about lower terms hear of it instead of being refused
	 * by the floor forever.
	 */
	if (r->vote_floor > r->term) {
		r->term = r->vote_floor;
		r->vote = r->cfg.self_id;
		r->leader = 0;
	}
	dl_env_log(r->cfg.env, DL_LOG_INFO,
		   "raft %u: caught up, voting above term %llu",
		   r->cfg.self_id, (unsigned long long)r->vote_floor);
}

static void become_leader(struct dl_raft *r, u64 now)
{
	u32 i;

	r->role = DL_RAFT_LEADER;
	r->leader = r->cfg.self_id;
	r->transfer_to = 0;
	r->committed_in_term = false;
	for (i = 0; i < r->nr_peers; i++)
		dl_raft_leader_init_peer(r, &r->peers[i]);
	r->heartbeat_deadline = now + ms_to_ns(r->cfg.heartbeat_ms);
	r->quorum_deadline = now + ms_to_ns(r->cfg.election_min_ms);
	/*
	 * The no-op of our term lets us commit everything before it (we may
	 * only commit by counting entries of our own term, Figure 8).
	 */
	if (dl_raft_append_local(r, DL_RAFT_ENTRY_NOOP, NULL, 0)) {
		dl_raft_become_follower(r, r->term, 0, now);
		return;
	}
	dl_env_log(r->cfg.env, DL_LOG_INFO, "raft %u: leader of term %llu",
		   r->cfg.self_id, (unsigned long long)r->term);
	for (i = 0; i < r->nr_peers; i++)
		dl_raft_send_append(r, &r->peers[i], now, false);
	dl_raft_maybe_commit(r);
}

static u32 count_votes(const struct dl_raft *r)
{
	u32 n = self_is_voter(r) ? 1 : 0, i;

	for (i = 0; i < r->nr_peers; i++)
		if (r->peers[i].vote_granted)
			n++;
	return n;
}

/*
 * Start an election.  With PreVote, first ask whether we could win at
 * term + 1 without changing our term, so a node that cannot win (for
 * instance one returning from a partition) never raises the cell's term.
 */
static void campaign(struct dl_raft *r, u64 now, bool pre, bool transfer)
{
	struct dl_raft_msg m;
	u64 term;
	u32 i;

	if (!can_campaign(r)) {
		reset_election_timer(r, now);
		return;
	}
	/* never vote for ourselves where our previous life may have voted */
	term = DL_MAX(r->term + 1, r->vote_floor + 1);
	clear_votes(r);
	r->leader = 0;
	if (pre) {
		r->role = DL_RAFT_PRECANDIDATE;
	} else {
		r->role = DL_RAFT_CANDIDATE;
		r->term = term;
		r->vote = r->cfg.self_id;
	}
	reset_election_timer(r, now);
	if (count_votes(r) >= dl_raft_quorum(r)) {
		if (pre)
			campaign(r, now, false, false);
		else
			become_leader(r, now);
		return;
	}
	for (i = 0; i < r->nr_peers; i++) {
		memset(&m, 0, sizeof(m));
		m.type = pre ? DL_RAFT_MSG_PREVOTE : DL_RAFT_MSG_VOTE;
		m.flags = transfer ? DL_RAFT_F_TRANSFER : 0;
		m.term = term;
		m.index = dl_raft_log_last(&r->log);
		m.log_term = dl_raft_log_last_term(&r->log);
		dl_raft_send(r, &m, r->peers[i].id);
	}
}

static void recv_vote(struct dl_raft *r, const struct dl_raft_msg *m,
		      u64 now)
{
	bool pre = m->type == DL_RAFT_MSG_PREVOTE;
	u64 last_term = dl_raft_log_last_term(&r->log);
	struct dl_raft_msg resp;
	bool log_ok, grant = false;

	log_ok = m->log_term > last_term ||
		 (m->log_term == last_term &&
		  m->index >= dl_raft_log_last(&r->log));
	if (r->voting && !r->need_snapshot && self_is_voter(r) && log_ok &&
	    m->term > r->vote_floor) {
		if (pre)
			grant = m->term > r->term;
		else
			grant = m->term == r->term &&
				(!r->vote || r->vote == m->from);
	}
	if (grant && !pre) {
		r->vote = m->from;
		reset_election_timer(r, now);
	}
	memset(&resp, 0, sizeof(resp));
	resp.type = pre ? DL_RAFT_MSG_PREVOTE_RESP : DL_RAFT_MSG_VOTE_RESP;
	/* a granted PreVote answers in the term it was asked for */
	resp.term = grant && pre ? m->term : r->term;
	resp.flags = grant ? 0 : DL_RAFT_F_REJECT;
	resp.to_incarnation = m->incarnation;
	dl_raft_send(r, &resp, m->from);
}

static void recv_vote_resp(struct dl_raft *r, const struct dl_raft_msg *m,
			   u64 now)
{
	bool pre = m->type == DL_RAFT_MSG_PREVOTE_RESP;
	struct dl_raft_peer *p = dl_raft_peer_find(r, m->from);

	if (!p || (m->flags & DL_RAFT_F_REJECT))
		return;
	if (pre && (r->role != DL_RAFT_PRECANDIDATE ||
		    m->term != DL_MAX(r->term + 1, r->vote_floor + 1)))
		return;
	if (!pre && (r->role != DL_RAFT_CANDIDATE || m->term != r->term))
		return;
	p->vote_granted = true;
	if (count_votes(r) < dl_raft_quorum(r))
		return;
	if (pre)
		campaign(r, now, false, false);
	else
		become_leader(r, now);
}

static void recv_timeout_now(struct dl_raft *r, const struct dl_raft_msg *m,
			     u64 now)
{
	if (m->from != r->leader || r->role != DL_RAFT_FOLLOWER)
		return;
	dl_env_log(r->cfg.env, DL_LOG_INFO, "raft %u: leadership handed over by %u",
		   r->cfg.self_id, m->from);
	campaign(r, now, false, true);
}

/* ---- validation of input ------------------------------------------------ */

static int check_entries(const struct dl_raft_msg *m)
{
	u64 prev_term = m->log_term;
	u32 i;

	if (m->nr_entries > DL_RAFT_MAX_ENTRIES ||
	    (m->nr_entries && !m->entries))
		return -EINVAL;
	if (m->nr_entries && m->type != DL_RAFT_MSG_APPEND)
		return -EINVAL;
	if (m->index + m->nr_entries < m->index)
		return -EINVAL;
	for (i = 0; i < m->nr_entries; i++) {
		const struct dl_raft_entry *e = &m->entries[i];
		struct dl_raft_conf c;

		/* Entry terms never decrease along a log nor pass the sender's */
		if (e->type >= DL_RAFT_ENTRY_TYPE_COUNT ||
		    e->len > DL_RAFT_MAX_ENTRY_DATA || (e->len && !e->data) ||
		    e->term < prev_term || e->term > m->term || !e->term)
			return -EINVAL;
		if (is_conf_entry(e->type) &&
		    !dl_raft_conf_decode(e->data, e->len, &c))
			return -EINVAL;
		prev_term = e->term;
	}
	return 0;
}

static int check_msg(const struct dl_raft *r, const struct dl_raft_msg *m)
{
	if (!m || m->type >= DL_RAFT_MSG_TYPE_COUNT ||
	    (m->flags & ~DL_RAFT_F_ALL) || m->to != r->cfg.self_id ||
	    !m->from || m->from == r->cfg.self_id)
		return -EINVAL;
	/* the flag byte is full: one flag's meaning is of one type only */
	if (m->flags & DL_RAFT_F_COMMITTED &&
	    m->type != DL_RAFT_MSG_APPEND_RESP)
		return -EINVAL;
	if (m->data_len > DL_RAFT_MAX_SNAPSHOT_CHUNK ||
	    (m->data_len && !m->data) ||
	    (m->data_len && m->type != DL_RAFT_MSG_SNAPSHOT) ||
	    m->nr_voters > DL_RAFT_MAX_VOTERS)
		return -EINVAL;
	if (m->type == DL_RAFT_MSG_SNAPSHOT &&
	    (!conf_valid(m->voters, m->nr_voters) ||
	     m->offset + m->data_len < m->offset || m->log_term > m->term))
		return -EINVAL;
	if ((m->type == DL_RAFT_MSG_APPEND || m->type == DL_RAFT_MSG_VOTE ||
	     m->type == DL_RAFT_MSG_PREVOTE) && m->log_term > m->term)
		return -EINVAL;
	return check_entries(m);
}

/* ---- entry points ------------------------------------------------------- */

/* Work every entry point ends with: send, commit, apply, compact, report. */
static void finish(struct dl_raft *r, u64 now)
{
	if (r->role == DL_RAFT_LEADER)
		dl_raft_flush(r, now);
	else
		dl_raft_apply_committed(r);
	dl_raft_maybe_compact(r, now);
	if (r->ops->role_change &&
	    (!r->told_any || r->told_role != dl_raft_role(r) ||
	     r->told_term != r->term || r->told_leader != r->leader)) {
		r->told_any = true;
		r->told_role = (u8)dl_raft_role(r);
		r->told_term = r->term;
		r->told_leader = r->leader;
		r->ops->role_change(r->ctx, dl_raft_role(r), r->term,
				    r->leader);
	}
}

/* A message from an older life of ours or of its sender: tell, drop. */
static int stale_incarnation(struct dl_raft *r, const struct dl_raft_msg *m)
{
	struct dl_raft_msg resp;

	/*
	 * The sender still addresses our previous life, so it believes our
	 * old log; answer once so it learns our incarnation and starts over.
	 */
	if (m->to_incarnation < r->cfg.incarnation &&
	    (m->type == DL_RAFT_MSG_APPEND ||
	     m->type == DL_RAFT_MSG_SNAPSHOT)) {
		memset(&resp, 0, sizeof(resp));
		resp.type = DL_RAFT_MSG_APPEND_RESP;
		resp.flags = DL_RAFT_F_REJECT;
		resp.term = r->term;
		resp.index = m->index;
		resp.ctx = m->ctx;
		resp.to_incarnation = m->incarnation;
		dl_raft_send(r, &resp, m->from);
	}
	return -ESTALE;
}

static void reply_stale_term(struct dl_raft *r, const struct dl_raft_msg *m)
{
	struct dl_raft_msg resp;

	memset(&resp, 0, sizeof(resp));
	resp.to_incarnation = m->incarnation;
	resp.term = r->term;
	resp.flags = DL_RAFT_F_REJECT;
	if (m->type == DL_RAFT_MSG_APPEND || m->type == DL_RAFT_MSG_SNAPSHOT) {
		/* tells a deposed leader (or stale sender) to step down */
		resp.type = DL_RAFT_MSG_APPEND_RESP;
		resp.index = m->index;
	} else if (m->type == DL_RAFT_MSG_PREVOTE) {
		resp.type = DL_RAFT_MSG_PREVOTE_RESP;
	} else {
		return;
	}
	dl_raft_send(r, &resp, m->from);
}

int dl_raft_step(struct dl_raft *r, const struct dl_raft_msg *m, u64 now)
{
	struct dl_raft_peer *p;
	int err;

	err = check_msg(r, m);
	if (err)
		return err;
	if (m->to_incarnation && m->to_incarnation != r->cfg.incarnation)
		return stale_incarnation(r, m);
	p = dl_raft_peer_find(r, m->from);
	if (p && m->incarnation < p->incarnation)
		return -ESTALE;
	if (p)
		dl_raft_peer_note_incarnation(r, p, m);
	/* PreVote terms are hypothetical: nobody voted in them */
	if (m->term > r->max_term_seen && m->type != DL_RAFT_MSG_PREVOTE &&
	    m->type != DL_RAFT_MSG_PREVOTE_RESP)
		r->max_term_seen = m->term;

	if (m->term > r->term) {
		bool vote_req = m->type == DL_RAFT_MSG_VOTE ||
				m->type == DL_RAFT_MSG_PREVOTE;
		bool leader_msg = m->type == DL_RAFT_MSG_APPEND ||
				  m->type == DL_RAFT_MSG_SNAPSHOT;

		if (vote_req && !(m->flags & DL_RAFT_F_TRANSFER) &&
		    in_lease(r, now))
			goto out;
		if (m->type != DL_RAFT_MSG_PREVOTE &&
		    !(m->type == DL_RAFT_MSG_PREVOTE_RESP &&
		      !(m->flags & DL_RAFT_F_REJECT)))
			dl_raft_become_follower(r, m->term,
						leader_msg ? m->from : 0, now);
	} else if (m->term < r->term) {
		/* a granted PreVote answers in a future term, never a past */
		reply_stale_term(r, m);
		goto out;
	}

	switch (m->type) {
	case DL_RAFT_MSG_PREVOTE:
	case DL_RAFT_MSG_VOTE:
		recv_vote(r, m, now);
		break;
	case DL_RAFT_MSG_PREVOTE_RESP:
	case DL_RAFT_MSG_VOTE_RESP:
		recv_vote_resp(r, m, now);
		break;
	case DL_RAFT_MSG_APPEND:
		dl_raft_recv_append(r, m, now);
		break;
	case DL_RAFT_MSG_APPEND_RESP:
		if (r->role == DL_RAFT_LEADER)
			dl_raft_recv_append_resp(r, m, now);
		break;
	case DL_RAFT_MSG_SNAPSHOT:
		dl_raft_recv_snapshot(r, m, now);
		break;
	case DL_RAFT_MSG_SNAPSHOT_RESP:
		if (r->role == DL_RAFT_LEADER)
			dl_raft_recv_snapshot_resp(r, m, now);
		break;
	case DL_RAFT_MSG_TIMEOUT_NOW:
		recv_timeout_now(r, m, now);
		break;
	}
out:
	finish(r, now);
	return 0;
}

/*
 * CheckQuorum: a leader that has not heard from a majority of voting peers
 * for a whole election timeout steps down, so a leader cut off from the cell
 * stops serving (its lease is gone anyway) and learns of the new term later.
 */
static void check_quorum(struct dl_raft *r, u64 now)
{
	u32 active = self_is_voter(r) ? 1 : 0, i;

	for (i = 0; i < r->nr_peers; i++) {
		struct dl_raft_peer *p = &r->peers[i];

		if (p->active)
			active++;
		p->active = false;
	}
	r->quorum_deadline = now + ms_to_ns(r->cfg.election_min_ms);
	if (active < dl_raft_quorum(r)) {
		dl_env_log(r->cfg.env, DL_LOG_WARN,
			   "raft %u: lost quorum in term %llu, stepping down",
			   r->cfg.self_id, (unsigned long long)r->term);
		dl_raft_become_follower(r, r->term, 0, now);
	}
}

void dl_raft_tick(struct dl_raft *r, u64 now)
{
	if (r->role == DL_RAFT_LEADER) {
		if (r->transfer_to && now >= r->transfer_deadline)
			r->transfer_to = 0;
		if (r->cfg.check_quorum && now >= r->quorum_deadline)
			check_quorum(r, now);
	}
	if (r->role == DL_RAFT_LEADER) {
		if (now >= r->heartbeat_deadline) {
			dl_raft_heartbeat(r, now);
			r->heartbeat_deadline = now +
						ms_to_ns(r->cfg.heartbeat_ms);
		}
	} else if (now >= r->election_deadline) {
		campaign(r, now, r->cfg.prevote, false);
	}
	finish(r, now);
}

u64 dl_raft_next_deadline(const struct dl_raft *r)
{
	u64 t;

	if (r->role != DL_RAFT_LEADER)
		return r->election_deadline;
	t = r->heartbeat_deadline;
	if (r->cfg.check_quorum)
		t = DL_MIN(t, r->quorum_deadline);
	if (r->transfer_to)
		t = DL_MIN(t, r->transfer_deadline);
	return t;
}

int dl_raft_propose(struct dl_raft *r, const void *data, size_t len,
		    u64 *index_out)
{
	int err;

	if (!data || !len || len > DL_RAFT_MAX_ENTRY_DATA)
		return -EINVAL;
	if (r->role != DL_RAFT_LEADER)
		return -ENOTCONN;
	if (r->transfer_to)
		return -EBUSY;
	if (r->log.count >= r->cfg.max_log_entries)
		return -ENOBUFS;
	err = dl_raft_append_local(r, DL_RAFT_ENTRY_NORMAL, data, (u16)len);
	if (err)
		return err;
	if (index_out)
		*index_out = dl_raft_log_last(&r->log);
	r->flush_pending = true;
	return 0;
}

void dl_raft_flush(struct dl_raft *r, u64 now)
{
	u32 i;

	r->flush_pending = false;
	if (r->role != DL_RAFT_LEADER)
		return;
	for (i = 0; i < r->nr_peers; i++)
		dl_raft_flush_peer(r, &r->peers[i], now);
	dl_raft_maybe_commit(r);
	/* peers the commit just made count hear it now (replicate.c) */
	for (i = 0; i < r->nr_peers && r->role == DL_RAFT_LEADER; i++)
		dl_raft_tell_caught_up(r, &r->peers[i], now);
}

bool dl_raft_lease_valid(const struct dl_raft *r, u64 now)
{
	u64 acks[DL_RAFT_MAX_VOTERS];
	u32 n = 0, i, j;

	if (r->role != DL_RAFT_LEADER || !r->committed_in_term ||
	    r->transfer_to)
		return false;
	/* the send time of the newest heartbeat each voter acknowledged */
	for (i = 0; i < r->conf.nr; i++) {
		const struct dl_raft_peer *p;
		u32 id = r->conf.ids[i];

		if (id == r->cfg.self_id) {
			acks[n++] = now;
			continue;
		}
		p = NULL;
		for (j = 0; j < r->nr_peers; j++)
			if (r->peers[j].id == id)
				p = &r->peers[j];
		acks[n++] = p && p->vstate == DL_RAFT_V_VOTING ? p->ack_ns : 0;
	}
	/* sort descending; the quorum-th newest bounds the lease */
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && acks[j] > acks[j - 1]; j--) {
			u64 t = acks[j];

			acks[j] = acks[j - 1];
			acks[j - 1] = t;
		}
	if (n < dl_raft_quorum(r) || !acks[dl_raft_quorum(r) - 1])
		return false;
	return now < acks[dl_raft_quorum(r) - 1] + r->lease_ns;
}

/* ---- membership --------------------------------------------------------- */

static int change_conf(struct dl_raft *r, const struct dl_raft_conf *c,
		       u64 now)
{
	u8 buf[4 * DL_RAFT_MAX_VOTERS];
	u16 len = conf_encode(c, buf);
	int err;

	err = dl_raft_append_local(r, DL_RAFT_ENTRY_CONFIG, buf, len);
	if (err)
		return err;
	dl_env_log(r->cfg.env, DL_LOG_INFO, "raft %u: configuration of %u voters",
		   r->cfg.self_id, c->nr);
	dl_raft_flush(r, now);
	finish(r, now);
	return 0;
}

/*
 * Single-server changes only, one in flight, and only once this leader has
 * committed in its term: then any two majorities of consecutive
 * configurations overlap, which is all Raft's safety needs (thesis 4.1, and
 * its erratum about changing before committing in the term).
 */
static int conf_change_allowed(const struct dl_raft *r)
{
	if (r->role != DL_RAFT_LEADER)
		return -ENOTCONN;
	if (!r->committed_in_term || r->conf_index > r->commit ||
	    r->transfer_to)
		return -EBUSY;
	return 0;
}

int dl_raft_add_voter(struct dl_raft *r, u32 id, u64 now)
{
	struct dl_raft_conf c = r->conf;
	int err;

	if (!id)
		return -EINVAL;
	err = conf_change_allowed(r);
	if (err)
		return err;
	if (dl_raft_conf_has(&c, id))
		return -EEXIST;
	if (c.nr >= DL_RAFT_MAX_VOTERS)
		return -E2BIG;
	c.ids[c.nr++] = id;
	return change_conf(r, &c, now);
}

int dl_raft_remove_voter(struct dl_raft *r, u32 id, u64 now)
{
	struct dl_raft_conf c;
	u32 i;
	int err;

	if (!id)
		return -EINVAL;
	err = conf_change_allowed(r);
	if (err)
		return err;
	if (!dl_raft_conf_has(&r->conf, id))
		return -ENOENT;
	if (r->conf.nr == 1)
		return -EINVAL;
	c.nr = 0;
	for (i = 0; i < r->conf.nr; i++)
		if (r->conf.ids[i] != id)
			c.ids[c.nr++] = r->conf.ids[i];
	return change_conf(r, &c, now);
}

int dl_raft_transfer_leadership(struct dl_raft *r, u32 id, u64 now)
{
	struct dl_raft_peer *p;

	if (r->role != DL_RAFT_LEADER)
		return -ENOTCONN;
	p = dl_raft_peer_find(r, id);
	if (!p)
		return -ENOENT;
	if (r->transfer_to || p->vstate != DL_RAFT_V_VOTING)
		return -EBUSY;
	r->transfer_to = id;
	r->transfer_deadline = now + ms_to_ns(r->cfg.election_min_ms);
	/* TIMEOUT_NOW goes out once its log matches ours (replicate.c) */
	dl_raft_send_append(r, p, now, false);
	dl_raft_maybe_send_timeout_now(r, p);
	finish(r, now);
	return 0;
}

/*
 * Where compaction may cut the log: snapshot_trailing entries below the
 * snapshot and, on a leader (@keep), not past what a follower still needs
 * that answers and is fed from the log: cutting there would cost it a whole
 * snapshot instead of a few entries, as right after it installed one.  A
 * follower silent for an election timeout, or a log at half its bound,
 * holds nothing back.
 */
static u64 compact_base(const struct dl_raft *r, u64 now, bool keep)
{
	u64 base = r->snap.index > r->cfg.snapshot_trailing ?
		   r->snap.index - r->cfg.snapshot_trailing : 0;
	u64 recent = ms_to_ns(r->cfg.election_max_ms);
	u32 i;

	if (!keep || r->role != DL_RAFT_LEADER ||
	    r->log.count >= r->cfg.max_log_entries / 2)
		return base;
	for (i = 0; i < r->nr_peers; i++) {
		const struct dl_raft_peer *p = &r->peers[i];

		if (p->pr != DL_RAFT_PR_SNAPSHOT && p->heard_ns &&
		    now - p->heard_ns < recent &&
		    p->match >= r->log.base_index)
			base = DL_MIN(base, p->match);
	}
	return base;
}

static void cut_log(struct dl_raft *r, u64 base)
{
	if (base > r->log.base_index) {
		dl_raft_conf_at(r, base, &r->base_conf);
		dl_raft_log_compact(&r->log, base);
	}
}

static int compact(struct dl_raft *r, u64 now, bool keep)
{
	int err;

	if (!r->ops->snapshot_save)
		return -EOPNOTSUPP;
	err = dl_raft_snapshot_take(r);
	if (err)
		return err;
	cut_log(r, compact_base(r, now, keep));
	return 0;
}

/*
 * The log kept for a follower that has since gone silent (or caught up)
 * goes as soon as it is a tenth of the compaction threshold, not only at
 * the next snapshot.
 */
void dl_raft_trim_log(struct dl_raft *r, u64 now)
{
	u64 base;

	if (!r->snap.valid || r->role != DL_RAFT_LEADER)
		return;
	base = compact_base(r, now, true);
	if (base >= r->log.base_index + r->cfg.snapshot_threshold / 10 + 1)
		cut_log(r, base);
}

int dl_raft_compact(struct dl_raft *r)
{
	return compact(r, 0, false);
}

int dl_raft_compact_auto(struct dl_raft *r, u64 now)
{
	return compact(r, now, true);
}

/*
 * Re-form (see raft.h): the epoch in the term's high half puts us above every
 * term of the old cell, so everyone who hears from us follows and drops its
 * old log; the snapshot we take now is what they restart from.
 */
int dl_raft_reform(struct dl_raft *r, const u32 *voters, u32 nr_voters,
		   u64 now)
{
	struct dl_raft_conf c;
	u8 buf[4 * DL_RAFT_MAX_VOTERS];
	u32 epoch, i;
	u16 len;
	int err;

	if (!voters || !conf_valid(voters, nr_voters))
		return -EINVAL;
	c.nr = nr_voters;
	memcpy(c.ids, voters, sizeof(u32) * nr_voters);
	if (!dl_raft_conf_has(&c, r->cfg.self_id))
		return -EINVAL;
	if (!r->ops->snapshot_save)
		return -EOPNOTSUPP;
	epoch = DL_MAX(dl_raft_term_epoch(r->term),
		       dl_raft_term_epoch(r->max_term_seen)) + 1;
	if (!epoch)
		return -EOVERFLOW;
	dl_raft_apply_committed(r);
	err = dl_raft_snapshot_take(r);
	if (err)
		return err;
	if (r->snap.index > r->log.base_index) {
		dl_raft_conf_at(r, r->snap.index, &r->base_conf);
		dl_raft_log_compact(&r->log, r->snap.index);
	}
	len = conf_encode(&c, buf);
	r->term = (u64)epoch << DL_RAFT_EPOCH_SHIFT;
	r->max_term_seen = DL_MAX(r->max_term_seen, r->term);
	r->vote = r->cfg.self_id;
	r->voting = true;
	r->need_snapshot = false;
	dl_raft_rx_abort(r);
	r->role = DL_RAFT_LEADER;
	r->leader = r->cfg.self_id;
	r->transfer_to = 0;
	r->committed_in_term = false;
	err = dl_raft_append_local(r, DL_RAFT_ENTRY_REFORM, buf, len);
	if (err) {
		/* our term is the new epoch's; an election can finish it */
		dl_raft_become_follower(r, r->term, 0, now);
		finish(r, now);
		return err;
	}
	for (i = 0; i < r->nr_peers; i++)
		dl_raft_leader_init_peer(r, &r->peers[i]);
	r->heartbeat_deadline = now + ms_to_ns(r->cfg.heartbeat_ms);
	r->quorum_deadline = now + ms_to_ns(r->cfg.election_min_ms);
	dl_env_log(r->cfg.env, DL_LOG_WARN,
		   "raft %u: re-formed the cell, epoch %u, %u voters",
		   r->cfg.self_id, epoch, c.nr);
	for (i = 0; i < r->nr_peers; i++)
		dl_raft_send_append(r, &r->peers[i], now, false);
	finish(r, now);
	return 0;
}

/* ---- create, destroy ---------------------------------------------------- */

static int config_fill(struct dl_raft_config *c)
{
	if (!c->self_id || !conf_valid(c->voters, c->nr_voters))
		return -EINVAL;
	if (!c->election_min_ms)
		c->election_min_ms = 150;
	if (!c->election_max_ms)
		c->election_max_ms = 2 * c->election_min_ms;
	if (!c->heartbeat_ms)
		c->heartbeat_ms = DL_MIN(50U, c->election_min_ms / 3);
	if (!c->lease_ms)
		c->lease_ms = c->election_min_ms * 2 / 3;
	if (!c->drift_ppm)
		c->drift_ppm = 1000;
	if (!c->max_append_entries)
		c->max_append_entries = DL_RAFT_MAX_ENTRIES;
	if (!c->max_append_bytes)
		c->max_append_bytes = DL_RAFT_MAX_APPEND_BYTES;
	if (!c->max_inflight)
		c->max_inflight = 16;
	if (!c->snapshot_threshold)
		c->snapshot_threshold = 4096;
	if (!c->snapshot_trailing)
		c->snapshot_trailing = 64;
	if (!c->max_log_entries)
		c->max_log_entries = 65536;
	if (c->election_max_ms <= c->election_min_ms ||
	    c->election_max_ms > 4000000 || !c->heartbeat_ms ||
	    c->heartbeat_ms >= c->election_min_ms ||
	    c->lease_ms >= c->election_min_ms || c->drift_ppm >= 1000000 ||
	    c->max_append_entries > DL_RAFT_MAX_ENTRIES ||
	    c->max_append_bytes > DL_RAFT_MAX_APPEND_BYTES ||
	    c->max_inflight > DL_RAFT_MAX_INFLIGHT ||
	    c->max_log_entries > DL_RAFT_MAX_LOG_ENTRIES)
		return -EINVAL;
	return 0;
}

struct dl_raft *dl_raft_create(const struct dl_raft_config *cfg,
			       const struct dl_raft_ops *ops, void *ctx,
			       u64 now)
{
	struct dl_raft *r;
	u64 lease_ns, safe_ns;
	u32 i;

	if (!cfg || !ops || !ops->send)
		return NULL;
	r = dl_zalloc(sizeof(*r));
	if (!r)
		return NULL;
	r->cfg = *cfg;
	if (config_fill(&r->cfg)) {
		dl_free(r);
		return NULL;
	}
	r->ops = ops;
	r->ctx = ctx;
	r->rng = ((u64)cfg->self_id << 32 ^ cfg->incarnation) *
		 0x9e3779b97f4a7c15ULL | 1;
	/*
	 * A follower ignores other candidates for election_min after our
	 * heartbeat reached it, by its clock; ours may run faster by drift.
	 */
	lease_ns = ms_to_ns(r->cfg.lease_ms);
	safe_ns = (u64)r->cfg.election_min_ms * (1000000ULL - r->cfg.drift_ppm);
	r->lease_ns = DL_MIN(lease_ns, safe_ns);
	dl_raft_log_init(&r->log);
	r->base_conf.nr = r->cfg.nr_voters;
	for (i = 0; i < r->cfg.nr_voters; i++)
		r->base_conf.ids[i] = r->cfg.voters[i];
	r->voting = r->cfg.bootstrap;
	r->role = r->voting ? DL_RAFT_FOLLOWER : DL_RAFT_CATCHING_UP;
	dl_raft_conf_recompute(r);
	reset_election_timer(r, now);
	return r;
}

void dl_raft_destroy(struct dl_raft *r)
{
	if (!r)
		return;
	dl_raft_log_destroy(&r->log);
	dl_raft_snap_free(&r->snap);
	dl_raft_snap_free(&r->rx);
	dl_free(r);
}

/* ---- status ------------------------------------------------------------- */

enum dl_raft_role dl_raft_role(const struct dl_raft *r)
{
	if (r->role == DL_RAFT_FOLLOWER && !r->voting)
		return DL_RAFT_CATCHING_UP;
	return (enum dl_raft_role)r->role;
}

u64 dl_raft_term(const struct dl_raft *r)
{
	return r->term;
}

u32 dl_raft_leader(const struct dl_raft *r)
{
	return r->leader;
}

u64 dl_raft_commit_index(const struct dl_raft *r)
{
	return r->commit;
}

u64 dl_raft_applied_index(const struct dl_raft *r)
{
	return r->applied;
}

u64 dl_raft_own_commits(const struct dl_raft *r)
{
	return r->own_commits;
}

u64 dl_raft_last_index(const struct dl_raft *r)
{
	return dl_raft_log_last(&r->log);
}

u64 dl_raft_peer_committed(const struct dl_raft *r, u32 id)
{
	u32 i;

	if (r->role != DL_RAFT_LEADER)
		return 0;
	for (i = 0; i < r->nr_peers; i++)
		if (r->peers[i].id == id)
			return r->peers[i].committed;
	return 0;
}

u64 dl_raft_peer_match(const struct dl_raft *r, u32 id)
{
	u32 i;

	if (r->role != DL_RAFT_LEADER)
		return 0;
	if (id == r->cfg.self_id)
		return dl_raft_log_last(&r->log);
	for (i = 0; i < r->nr_peers; i++)
		if (r->peers[i].id == id)
			return r->peers[i].match;
	return 0;
}

void dl_raft_status(const struct dl_raft *r, struct dl_raft_status *st)
{
	u32 i;

	memset(st, 0, sizeof(*st));
	st->role = dl_raft_role(r);
	st->term = r->term;
	st->leader = r->leader;
	st->voted_for = r->vote;
	st->epoch = dl_raft_term_epoch(r->term);
	st->first_index = dl_raft_log_first(&r->log);
	st->last_index = dl_raft_log_last(&r->log);
	st->commit = r->commit;
	st->applied = r->applied;
	st->snapshot_index = r->snap.valid ? r->snap.index : 0;
	st->voting = r->voting;
	st->own_commits = r->own_commits;
	st->nr_voters = r->conf.nr;
	for (i = 0; i < r->conf.nr; i++) {
		st->voters[i] = r->conf.ids[i];
		st->match[i] = dl_raft_peer_match(r, r->conf.ids[i]);
	}
}

const char *dl_raft_role_name(enum dl_raft_role role)
{
	static const char * const names[DL_RAFT_ROLE_COUNT] = {
		[DL_RAFT_FOLLOWER] = "follower",
		[DL_RAFT_PRECANDIDATE] = "precandidate",
		[DL_RAFT_CANDIDATE] = "candidate",
		[DL_RAFT_LEADER] = "leader",
		[DL_RAFT_CATCHING_UP] = "catching-up",
	};

	return (unsigned int)role < DL_RAFT_ROLE_COUNT ? names[role] : "?";
}

const char *dl_raft_msg_type_name(enum dl_raft_msg_type type)
{
	static const char * const names[DL_RAFT_MSG_TYPE_COUNT] = {
		[DL_RAFT_MSG_PREVOTE] = "prevote",
		[DL_RAFT_MSG_PREVOTE_RESP] = "prevote-resp",
		[DL_RAFT_MSG_VOTE] = "vote",
		[DL_RAFT_MSG_VOTE_RESP] = "vote-resp",
		[DL_RAFT_MSG_APPEND] = "append",
		[DL_RAFT_MSG_APPEND_RESP] = "append-resp",
		[DL_RAFT_MSG_SNAPSHOT] = "snapshot",
		[DL_RAFT_MSG_SNAPSHOT_RESP] = "snapshot-resp",
		[DL_RAFT_MSG_TIMEOUT_NOW] = "timeout-now",
	};

	return (unsigned int)type < DL_RAFT_MSG_TYPE_COUNT ? names[type] :
							      "?";
}
