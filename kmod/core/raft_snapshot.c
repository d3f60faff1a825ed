// SPDX-License-Identifier: GPL-2.0
/*
 * raft_snapshot.c - snapshots: taking one from the state machine (for
 * compaction and re-form), sending it in chunks to a follower whose next
 * entry was compacted away, and receiving and installing one.
 *
 * The leader keeps the bytes of its latest snapshot, so every follower is
 * sent the same stable image however long the transfer takes while the
 * state machine moves on.  Flow control is stop-and-wait: one chunk per
 * follower is out at a time, the next goes when the follower confirms the
 * offset after it, and an unanswered chunk is resent only after a retry
 * interval (a heartbeat), never on every heartbeat or every stale answer.
 * A larger window would need the follower to buffer chunks that overtake
 * each other on the network, and resending a whole window on every gap or
 * stale answer is what once turned one large table into millions of
 * datagrams (tests/sim/FINDINGS.md, finding 7).  The cost is one round trip
 * per chunk: ~1,400 round trips for a 1.3 MB table of 20,000 locks.
 *
 * Compaction waits while a transfer of the current snapshot still moves,
 * since a new snapshot would restart every transfer from offset 0.
 */
#include "raft_priv.h"

static int snap_reserve(struct dl_raft_snap *s, size_t more)
{
	size_t cap = s->cap ? s->cap : 4096;
	u8 *buf;

	if (s->len + more < s->len)
		return -ENOMEM;
	while (cap < s->len + more) {
		if (cap * 2 < cap)
			return -ENOMEM;
		cap *= 2;
	}
	if (cap == s->cap)
		return 0;
	buf = dl_zalloc(cap);
	if (!buf)
		return -ENOMEM;
	if (s->len)
		memcpy(buf, s->buf, s->len);
	dl_free(s->buf);
	s->buf = buf;
	s->cap = cap;
	return 0;
}

static int snap_emit(void *sink, const void *buf, size_t len)
{
	struct dl_raft_snap *s = sink;
	int err;

	if (!len)
		return 0;
	if (!buf)
		return -EINVAL;
	err = snap_reserve(s, len);
	if (err)
		return err;
	memcpy(s->buf + s->len, buf, len);
	s->len += len;
	return 0;
}

void dl_raft_snap_free(struct dl_raft_snap *s)
{
	dl_free(s->buf);
	memset(s, 0, sizeof(*s));
}

void dl_raft_rx_abort(struct dl_raft *r)
{
	dl_raft_snap_free(&r->rx);
	r->rx_active = false;
	r->rx_next = 0;
}

int dl_raft_snapshot_take(struct dl_raft *r)
{
	struct dl_raft_snap s;
	struct dl_raft_conf c;
	int err;

	if (!r->ops->snapshot_save)
		return -EOPNOTSUPP;
	memset(&s, 0, sizeof(s));
	s.index = r->applied;
	if (dl_raft_log_term(&r->log, s.index, &s.term))
		return -EINVAL;	/* applied below the log base: a bug */
	dl_raft_conf_at(r, s.index, &c);
	s.nr_voters = c.nr;
	memcpy(s.voters, c.ids, sizeof(s.voters));
	err = r->ops->snapshot_save(r->ctx, snap_emit, &s);
	if (err) {
		dl_raft_snap_free(&s);
		return err;
	}
	s.valid = true;
	dl_raft_snap_free(&r->snap);
	r->snap = s;
	return 0;
}

/*
 * A follower is being sent our current snapshot and confirmed a chunk
 * within an election timeout: replacing the snapshot now would restart its
 * transfer from the top.  The log bounds the wait (half of max_log_entries).
 */
static bool transfer_moving(const struct dl_raft *r, u64 now)
{
	u64 recent = (u64)r->cfg.election_max_ms * DL_RAFT_NS_PER_MS;
	u32 i;

	if (r->role != DL_RAFT_LEADER ||
	    r->log.count >= r->cfg.max_log_entries / 2)
		return false;
	for (i = 0; i < r->nr_peers; i++) {
		const struct dl_raft_peer *p = &r->peers[i];

		if (p->pr == DL_RAFT_PR_SNAPSHOT &&
		    p->snap_index == r->snap.index && p->snap_progress_ns &&
		    now - p->snap_progress_ns < recent)
			return true;
	}
	return false;
}

/*
 * When to compact (snapshot the state machine and drop the log up to it):
 *
 *  - snapshot_threshold entries were applied since the last snapshot;
 *  - nothing was applied for a quiet spell and the snapshot is behind: a
 *    table that emptied after a million locks would otherwise keep its
 *    million-lock snapshot, and the log of its release, until
 *    snapshot_threshold more entries come.  Once per quiet spell; a spell
 *    is an election timeout, or DL_RAFT_QUIET_NS_PER_BYTE per byte of the
 *    current snapshot when that is longer (17 s for the ~67 MB of a
 *    million-lock table), so that a big table with a lock now and then
 *    is not serialized again after every one.  Deterministic (no clock
 *    read of its own), like everything else here.
 */
#define DL_RAFT_QUIET_NS_PER_BYTE	256ULL

static bool compaction_due(struct dl_raft *r, u64 since, u64 now)
{
	u64 quiet = DL_MAX((u64)r->cfg.election_max_ms * DL_RAFT_NS_PER_MS,
			   DL_RAFT_QUIET_NS_PER_BYTE * r->snap.len);

	if (r->applied != r->quiet_applied) {
		r->quiet_applied = r->applied;
		r->quiet_since_ns = now;
	} else if (r->applied > since && now - r->quiet_since_ns >= quiet) {
		return true;
	}
	return r->applied - since >= r->cfg.snapshot_threshold;
}

void dl_raft_maybe_compact(struct dl_raft *r, u64 now)
{
	u64 since = r->snap.valid ? r->snap.index : r->log.base_index;
	int err;

	if (!r->ops->snapshot_save)
		return;
	if (!compaction_due(r, since, now) || transfer_moving(r, now)) {
		dl_raft_trim_log(r, now);
		return;
	}
	err = dl_raft_compact_auto(r, now);
	if (err)
		dl_env_log(r->cfg.env, DL_LOG_WARN,
			   "raft %u: compaction failed: %d", r->cfg.self_id,
			   err);
}

/* ---- leader side -------------------------------------------------------- */

static void start_transfer(struct dl_raft *r, struct dl_raft_peer *p, u64 now)
{
	p->pr = DL_RAFT_PR_SNAPSHOT;
	p->snap_index = r->snap.index;
	p->snap_acked = 0;
	p->snap_outstanding = false;
	p->snap_start_ns = now;
	p->snap_progress_ns = 0;	/* moving once a chunk is confirmed */
	p->progress = true;
	dl_raft_inflight_reset(p);
	dl_env_log(r->cfg.env, DL_LOG_INFO,
		   "raft %u: sending snapshot at %llu (%zu bytes) to %u",
		   r->cfg.self_id, (unsigned long long)r->snap.index,
		   r->snap.len, p->id);
}

/* The chunk at the confirmed offset; the final one carries F_LAST. */
static void send_chunk(struct dl_raft *r, struct dl_raft_peer *p, u64 now)
{
	const struct dl_raft_snap *s = &r->snap;
	size_t len = DL_MIN((size_t)DL_RAFT_MAX_SNAPSHOT_CHUNK,
			    s->len - (size_t)p->snap_acked);
	struct dl_raft_msg m;

	memset(&m, 0, sizeof(m));
	m.type = DL_RAFT_MSG_SNAPSHOT;
	m.term = r->term;
	m.index = s->index;
	m.log_term = s->term;
	m.offset = p->snap_acked;
	m.data_len = (u32)len;
	m.data = len ? s->buf + p->snap_acked : NULL;
	m.ctx = now;
	m.nr_voters = s->nr_voters;
	memcpy(m.voters, s->voters, sizeof(m.voters));
	if (p->snap_acked + len == s->len)
		m.flags = DL_RAFT_F_LAST;
	p->snap_outstanding = true;
	p->snap_sent_ns = now;
	/* the heartbeat checks this: a moving transfer is never resent */
	p->snap_retry_ns = now + (u64)r->cfg.heartbeat_ms * DL_RAFT_NS_PER_MS;
	dl_raft_send(r, &m, p->id);
}

/*
 * Send the follower the next chunk of our current snapshot if none is out
 * (@resend: the one out was not answered in time, send it again).  Starts
 * a transfer when the follower is not in one, or in one of an older
 * snapshot, which we no longer hold.
 */
void dl_raft_send_snapshot(struct dl_raft *r, struct dl_raft_peer *p,
			   u64 now, bool resend)
{
	const struct dl_raft_snap *s = &r->snap;

	/* a follower re-forming from scratch needs one even of an empty log */
	if (!s->valid && dl_raft_snapshot_take(r))
		return;
	if (p->pr != DL_RAFT_PR_SNAPSHOT || p->snap_index != s->index)
		start_transfer(r, p, now);
	else if (p->snap_outstanding && !resend)
		return;
	send_chunk(r, p, now);
}

void dl_raft_recv_snapshot_resp(struct dl_raft *r,
				const struct dl_raft_msg *m, u64 now)
{
	struct dl_raft_peer *p = dl_raft_peer_find(r, m->from);

	if (!p)
		return;
	dl_raft_note_reply(r, p, m, now);
	if (p->pr != DL_RAFT_PR_SNAPSHOT || m->index != p->snap_index ||
	    m->index != r->snap.index)
		return;
	if (m->flags & DL_RAFT_F_REJECT) {
		/*
		 * It could not take the chunk (it holds part of another
		 * snapshot, or loading failed): from the top, once per
		 * refusal of a chunk sent since the last restart, so stale
		 * and duplicated refusals cannot multiply the transfer.
		 */
		if (m->ctx < p->snap_start_ns)
			return;
		p->snap_acked = 0;
		p->snap_outstanding = false;
		p->snap_start_ns = now;
		send_chunk(r, p, now);
		return;
	}
	if (m->flags & DL_RAFT_F_LAST) {
		dl_raft_note_match(r, p, m->index);
		dl_raft_become_probe(r, p, now);
		dl_raft_maybe_commit(r);
		if (r->role == DL_RAFT_LEADER) {
			dl_raft_tell_caught_up(r, p, now);
			dl_raft_flush_peer(r, p, now);
		}
		return;
	}
	if (m->hint > r->snap.len)
		return;
	if (m->hint <= p->snap_acked) {
		/*
		 * An answer to an older or duplicated chunk: nothing new.
		 * But the answer to the chunk out now, asking for an earlier
		 * offset, means the follower lost what it confirmed: its
		 * load failed and the refusal was lost, then a stale first
		 * chunk started it again.  Go back to where it is; ignoring
		 * it would resend the same chunk for ever.
		 */
		if (m->ctx < p->snap_sent_ns || m->hint == p->snap_acked)
			return;
		p->snap_acked = m->hint;
		p->snap_outstanding = false;
		p->progress = true;
		send_chunk(r, p, now);
		return;
	}
	p->snap_acked = m->hint;
	p->snap_outstanding = false;
	p->snap_progress_ns = now;
	p->progress = true;
	send_chunk(r, p, now);
}

/* ---- follower side ------------------------------------------------------ */

static void rx_start(struct dl_raft *r, const struct dl_raft_msg *m)
{
	dl_raft_rx_abort(r);
	r->rx_from = m->from;
	r->rx_leader_term = m->term;
	r->rx.index = m->index;
	r->rx.term = m->log_term;
	r->rx.nr_voters = m->nr_voters;
	memcpy(r->rx.voters, m->voters, sizeof(r->rx.voters));
	r->rx_active = true;
	r->rx_next = 0;
}

/* The last chunk loaded: the snapshot replaces our log and state. */
static void install(struct dl_raft *r)
{
	dl_env_log(r->cfg.env, DL_LOG_INFO,
		   "raft %u: installed snapshot at %llu (%zu bytes)",
		   r->cfg.self_id, (unsigned long long)r->rx.index,
		   r->rx.len);
	dl_raft_log_reset(&r->log, r->rx.index, r->rx.term);
	r->commit = r->rx.index;
	r->applied = r->rx.index;
	r->base_conf.nr = r->rx.nr_voters;
	memcpy(r->base_conf.ids, r->rx.voters, sizeof(r->base_conf.ids));
	dl_raft_snap_free(&r->snap);
	r->snap = r->rx;
	r->snap.valid = true;
	memset(&r->rx, 0, sizeof(r->rx));
	r->rx_active = false;
	r->rx_next = 0;
	r->need_snapshot = false;
	dl_raft_conf_recompute(r);
}

/*
 * The chunk belongs to the transfer we are loading: same leader, term and
 * snapshot.  A repeated first chunk of it (a retry, a duplicate) must not
 * throw away what we loaded; it is answered with the offset we want.
 */
static bool rx_same_transfer(const struct dl_raft *r,
			     const struct dl_raft_msg *m)
{
	return r->rx_active && r->rx_from == m->from &&
	       r->rx_leader_term == m->term && r->rx.index == m->index &&
	       r->rx.term == m->log_term;
}

void dl_raft_recv_snapshot(struct dl_raft *r, const struct dl_raft_msg *m,
			   u64 now)
{
	bool last = m->flags & DL_RAFT_F_LAST;
	struct dl_raft_msg resp;
	int err;
	u64 t;

	if (r->role == DL_RAFT_LEADER)
		return;
	dl_raft_become_follower(r, r->term, m->from, now);
	r->leader_contact = true;
	r->leader_contact_ns = now;

	memset(&resp, 0, sizeof(resp));
	resp.type = DL_RAFT_MSG_SNAPSHOT_RESP;
	resp.term = r->term;
	resp.index = m->index;
	resp.ctx = m->ctx;
	resp.to_incarnation = m->incarnation;
	if (!r->need_snapshot && m->index <= r->commit) {
		/* we hold all of it already: continue with APPENDs */
		resp.type = DL_RAFT_MSG_APPEND_RESP;
		resp.index = r->commit;
		goto send;
	}
	if (!r->need_snapshot && !dl_raft_log_term(&r->log, m->index, &t) &&
	    t == m->log_term) {
		/*
		 * Our log holds the snapshot's last entry, so (Log Matching)
		 * everything before it: never trade acknowledged entries for
		 * the snapshot; commit up to it and go on with APPENDs.
		 */
		dl_raft_rx_abort(r);
		if (m->index > r->commit)
			r->commit = m->index;
		resp.type = DL_RAFT_MSG_APPEND_RESP;
		resp.index = m->index;
		goto send;
	}
	if (!r->ops->snapshot_load) {
		resp.flags = DL_RAFT_F_REJECT;
		goto send;
	}
	if (m->offset == 0 && !rx_same_transfer(r, m)) {
		rx_start(r, m);
	} else if (m->offset && !rx_same_transfer(r, m)) {
		resp.flags = DL_RAFT_F_REJECT;
		goto send;
	}
	if (m->offset != r->rx_next) {
		resp.hint = r->rx_next;	/* a gap or a duplicate */
		goto send;
	}
	err = snap_emit(&r->rx, m->data, m->data_len);
	if (!err)
		err = r->ops->snapshot_load(r->ctx, m->offset, m->data,
					    m->data_len, last);
	if (err) {
		dl_env_log(r->cfg.env, DL_LOG_WARN,
			   "raft %u: snapshot from %u refused: %d",
			   r->cfg.self_id, m->from, err);
		dl_raft_rx_abort(r);
		resp.flags = DL_RAFT_F_REJECT;
		goto send;
	}
	r->rx_next += m->data_len;
	resp.hint = r->rx_next;
	if (last) {
		install(r);
		resp.flags = DL_RAFT_F_LAST;
	}
send:
	dl_raft_send(r, &resp, m->from);
}
