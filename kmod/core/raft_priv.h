/* SPDX-License-Identifier: GPL-2.0 */
/*
 * raft_priv.h - the state of one Raft instance, shared by raft*.c only:
 *
 *   raft.c            entry points, roles, terms, elections, membership,
 *                     re-form, status
 *   raft_replicate.c  leader progress per follower, APPEND both ways,
 *                     commit and apply
 *   raft_snapshot.c   compaction and chunked InstallSnapshot both ways
 *   raft_log.c        the in-memory log
 */
#ifndef DLOCK_CORE_RAFT_PRIV_H
#define DLOCK_CORE_RAFT_PRIV_H

#include "raft.h"
#include "raft_log.h"

#define DL_RAFT_NEVER		(~0ULL)
#define DL_RAFT_NS_PER_MS	1000000ULL

/* How the leader feeds one follower (etcd's progress states). */
enum dl_raft_progress {
	DL_RAFT_PR_PROBE = 0,	/* one APPEND at a time until the log matches */
	DL_RAFT_PR_REPLICATE,	/* pipelined APPENDs, up to max_inflight */
	DL_RAFT_PR_SNAPSHOT,	/* sending the snapshot, no APPENDs */
};

/*
 * What the leader knows of a follower's right to be counted (see
 * "Incarnations" in raft.h).  UNKNOWN until its first reply of this
 * incarnation; only VOTING peers count toward commit, lease, CheckQuorum.
 */
enum dl_raft_vstate {
	DL_RAFT_V_UNKNOWN = 0,
	DL_RAFT_V_CATCHING_UP,
	DL_RAFT_V_VOTING,
};

/**
 * struct dl_raft_peer - another voter of the current configuration
 * @id: node id
 * @incarnation: latest incarnation heard from it (0: none yet)
 * @vote_granted: candidate: it granted (pre)vote in this election
 * @vstate: enum dl_raft_vstate (leader)
 * @barrier: CATCHING_UP: our entry it must hold, committed, to count
 * @pr: enum dl_raft_progress (leader)
 * @next: next index to send (leader)
 * @match: highest index known to match ours (leader)
 * @probe_paused: PROBE: an APPEND is out, wait for a reply or heartbeat
 * @pr_since_ns: when the current PROBE or REPLICATE round began.  An
 *	answer to an APPEND sent before it is stale (duplicated or late) and
 *	must not move the peer's state.  Not each probe's send time: a round
 *	trip longer than the heartbeat, which resends the probe, would make
 *	every answer stale
 * @progress: match or snapshot offset moved since the last heartbeat
 * @active: heard from it since the last CheckQuorum round
 * @ack_ns: leader's send time of the newest APPEND it acknowledged
 * @heard_ns: leader: when its latest reply arrived (0: none this term)
 * @inflight: last index of each APPEND in flight, oldest first (ring)
 * @in_head: ring start
 * @in_count: APPENDs in flight
 * @tell_caught_up: just counted as voting; tell it before anything else
 * @snap_index: SNAPSHOT: index of the snapshot being sent
 * @snap_acked: SNAPSHOT: bytes the follower confirmed
 * @snap_outstanding: SNAPSHOT: the chunk at @snap_acked is out, unanswered
 * @snap_start_ns: SNAPSHOT: when the transfer (re)started from offset 0;
 *	a refusal of a chunk sent before that is stale
 * @snap_retry_ns: SNAPSHOT: resend the outstanding chunk from then on
 * @snap_sent_ns: SNAPSHOT: when the outstanding chunk was last sent (its
 *	ctx); only an answer to that send may move the transfer back
 * @snap_progress_ns: SNAPSHOT: when @snap_acked last moved (compaction
 *	waits for a transfer that moves)
 */
struct dl_raft_peer {
	u32 id;
	u64 incarnation;
	bool vote_granted;
	u8 vstate;
	u64 barrier;
	u8 pr;
	u64 next;
	u64 match;
	/* what it committed itself (APPEND_RESP with DL_RAFT_F_COMMITTED) */
	u64 committed;
	bool probe_paused;
	u64 pr_since_ns;
	bool progress;
	bool active;
	u64 ack_ns;
	u64 heard_ns;
	u64 inflight[DL_RAFT_MAX_INFLIGHT];
	u32 in_head;
	u32 in_count;
	bool tell_caught_up;
	u64 snap_index;
	u64 snap_acked;
	bool snap_outstanding;
	u64 snap_start_ns;
	u64 snap_retry_ns;
	u64 snap_sent_ns;
	u64 snap_progress_ns;
};

/**
 * struct dl_raft_snap - a serialized state machine and where it stands
 * @valid: holds a complete snapshot
 * @index: last index it covers
 * @term: term at @index
 * @nr_voters: configuration as of @index
 * @voters: its voter ids
 * @buf: the bytes
 * @len: bytes used
 * @cap: bytes allocated
 */
struct dl_raft_snap {
	bool valid;
	u64 index;
	u64 term;
	u32 nr_voters;
	u32 voters[DL_RAFT_MAX_VOTERS];
	u8 *buf;
	size_t len;
	size_t cap;
};

/**
 * struct dl_raft_conf - a voter set
 * @nr: voters in @ids
 * @ids: their node ids
 */
struct dl_raft_conf {
	u32 nr;
	u32 ids[DL_RAFT_MAX_VOTERS];
};

/**
 * struct dl_raft - one instance (fields described inline)
 */
struct dl_raft {
	struct dl_raft_config cfg;	/* with defaults filled in */
	const struct dl_raft_ops *ops;
	void *ctx;
	u64 rng;			/* when ops->random is NULL */

	/* Roles and terms */
	u8 role;			/* enum dl_raft_role */
	u64 term;
	u32 vote;			/* whom we voted for in @term */
	u32 leader;			/* known leader of @term, 0 if none */
	bool voting;			/* not catching up (see raft.h) */
	u64 vote_floor;			/* grant no vote at or below this */
	u64 max_term_seen;		/* highest term in any valid message */

	/* Log, commit, apply */
	struct dl_raft_log log;
	u64 commit;
	u64 applied;
	bool need_snapshot;		/* dropped the log for a new epoch */
	u64 own_commits;		/* follower: commits it proved itself */

	/* Configuration: the latest in the log is in force */
	struct dl_raft_conf conf;
	struct dl_raft_conf base_conf;	/* as of the log's base index */
	u64 conf_index;			/* latest CONFIG/REFORM entry, 0: base */
	struct dl_raft_peer peers[DL_RAFT_MAX_VOTERS];
	u32 nr_peers;

	/* Timers */
	u64 election_deadline;		/* not leader: campaign then */
	u64 heartbeat_deadline;		/* leader */
	u64 quorum_deadline;		/* leader: next CheckQuorum round */
	u64 leader_contact_ns;		/* follower: last APPEND/SNAPSHOT */
	bool leader_contact;		/* ... and there was one */

	/* Leader */
	bool committed_in_term;		/* an entry of @term is committed */
	u64 lease_ns;			/* effective lease after drift */
	bool flush_pending;		/* proposals not yet sent */
	u32 transfer_to;		/* leadership transfer target, 0: none */
	u64 transfer_deadline;

	/* Snapshots */
	struct dl_raft_snap snap;	/* latest one we hold */
	struct dl_raft_snap rx;		/* one being received */
	u64 rx_next;			/* next offset expected in @rx */
	bool rx_active;
	u32 rx_from;			/* leader sending @rx ... */
	u64 rx_leader_term;		/* ... and its term */
	u64 quiet_applied;		/* @applied when it last moved ... */
	u64 quiet_since_ns;		/* ... and when: idle compaction */

	/* Scratch for building an APPEND (kept off the kernel stack) */
	struct dl_raft_entry scratch[DL_RAFT_MAX_ENTRIES];

	/* role_change: last tuple reported */
	u8 told_role;
	u64 told_term;
	u32 told_leader;
	bool told_any;
};

/* raft.c */
struct dl_raft_peer *dl_raft_peer_find(struct dl_raft *r, u32 id);
bool dl_raft_conf_has(const struct dl_raft_conf *c, u32 id);
void dl_raft_become_follower(struct dl_raft *r, u64 term, u32 leader,
			     u64 now);
void dl_raft_send(struct dl_raft *r, struct dl_raft_msg *m, u32 to);
void dl_raft_conf_recompute(struct dl_raft *r);
void dl_raft_conf_at(const struct dl_raft *r, u64 index,
		     struct dl_raft_conf *out);
bool dl_raft_conf_decode(const void *data, size_t len,
			 struct dl_raft_conf *out);
void dl_raft_became_voter(struct dl_raft *r);
int dl_raft_compact_auto(struct dl_raft *r, u64 now);
void dl_raft_trim_log(struct dl_raft *r, u64 now);
u32 dl_raft_quorum(const struct dl_raft *r);

/* raft_replicate.c */
void dl_raft_leader_init_peer(struct dl_raft *r, struct dl_raft_peer *p);
void dl_raft_send_append(struct dl_raft *r, struct dl_raft_peer *p, u64 now,
			 bool heartbeat);
void dl_raft_flush_peer(struct dl_raft *r, struct dl_raft_peer *p, u64 now);
void dl_raft_heartbeat(struct dl_raft *r, u64 now);
int dl_raft_recv_append(struct dl_raft *r, const struct dl_raft_msg *m,
			u64 now);
void dl_raft_recv_append_resp(struct dl_raft *r, const struct dl_raft_msg *m,
			      u64 now);
void dl_raft_maybe_commit(struct dl_raft *r);
void dl_raft_apply_committed(struct dl_raft *r);
int dl_raft_append_local(struct dl_raft *r, u8 type, const void *data,
			 u16 len);
void dl_raft_become_probe(struct dl_raft *r, struct dl_raft_peer *p,
			  u64 now);
void dl_raft_inflight_reset(struct dl_raft_peer *p);
void dl_raft_note_reply(struct dl_raft *r, struct dl_raft_peer *p,
			const struct dl_raft_msg *m, u64 now);
void dl_raft_note_match(struct dl_raft *r, struct dl_raft_peer *p, u64 index);
void dl_raft_check_caught_up(struct dl_raft *r, struct dl_raft_peer *p);
void dl_raft_tell_caught_up(struct dl_raft *r, struct dl_raft_peer *p,
			    u64 now);
void dl_raft_maybe_send_timeout_now(struct dl_raft *r,
				    struct dl_raft_peer *p);
void dl_raft_peer_note_incarnation(struct dl_raft *r, struct dl_raft_peer *p,
				   const struct dl_raft_msg *m);

/* raft_snapshot.c */
int dl_raft_snapshot_take(struct dl_raft *r);
void dl_raft_snap_free(struct dl_raft_snap *s);
void dl_raft_send_snapshot(struct dl_raft *r, struct dl_raft_peer *p,
			   u64 now, bool resend);
void dl_raft_recv_snapshot(struct dl_raft *r, const struct dl_raft_msg *m,
			   u64 now);
void dl_raft_recv_snapshot_resp(struct dl_raft *r,
				const struct dl_raft_msg *m, u64 now);
void dl_raft_maybe_compact(struct dl_raft *r, u64 now);
void dl_raft_rx_abort(struct dl_raft *r);

#endif /* DLOCK_CORE_RAFT_PRIV_H */
