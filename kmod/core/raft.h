/* SPDX-License-Identifier: GPL-2.0 */
/*
 * raft.h - Raft consensus as a pure, deterministic state machine.
 *
 * One struct dl_raft is one voter's view of the cell's replicated log.  It
 * never touches sockets, clocks or timers itself (like etcd's raft):
 *
 *   - input: dl_raft_step() for a message from a peer, dl_raft_tick() when
 *     the deadline reported by dl_raft_next_deadline() has come,
 *     dl_raft_propose() for a new command, plus admin calls;
 *   - output: through struct dl_raft_ops: send() a message, apply() a
 *     committed entry, role_change(), and the snapshot callbacks;
 *   - time: every entry point takes the host's monotonic time in ns; there
 *     is no hidden clock read, so a test (or the simulator) drives it by hand.
 *
 * The wire layer encodes struct dl_raft_msg into datagrams (wire.h); the
 * limits below are chosen so the largest message fits one DL_WIRE_MTU
 * datagram.  The log, the votes and the term live in memory only: a node that
 * restarts comes back under a new incarnation with an empty log, and the
 * rules in "Incarnations" below keep that safe.
 *
 * Extensions to textbook Raft (Ongaro's thesis, chapters 3, 4, 6, 9):
 * PreVote, CheckQuorum, leader lease, single-server membership changes,
 * batching and pipelining, chunked InstallSnapshot, catch-up of restarted
 * nodes, an explicit re-form of a cell that lost its majority, and, with
 * two or three voters, a follower that commits an entry of the current
 * term as soon as it stores it (it and the leader are a majority; see
 * commit_with_leader() in raft_replicate.c).
 *
 * Incarnations (a restarted voter has lost its log and its vote):
 *
 *   Why a rule is needed: with in-memory logs, a restarted voter that votes
 *   (or is counted) with an empty log can elect a leader that misses
 *   committed entries, or vote twice in one term.
 *
 *   A node created with cfg->bootstrap false is "catching up": it does not
 *   campaign, grants no PreVote or vote, and its acknowledgements count
 *   toward neither commit nor the leader lease (CheckQuorum does count it
 *   as reachable, so that a leader stays to finish its catch-up).  It says
 *   so in every reply (DL_RAFT_F_CATCHING_UP).  A leader that sees this flag
 *   appends a no-op, the barrier.  Once the peer holds the barrier and the
 *   barrier is committed (by voters other than the peer, which is not
 *   counted yet) the leader counts it and sets DL_RAFT_F_CAUGHT_UP on a
 *   heartbeat sent at once and on everything after; the node then becomes
 *   a voter.  A new incarnation seen in any message makes a leader forget
 *   the peer's progress (its acknowledgements died with it) and a candidate
 *   its vote, so votes are counted per (id, incarnation).  Messages carry
 *   both incarnations, so one from or to an older life of a node is
 *   dropped.
 *
 *   Double votes: once caught up, the node grants no vote in a term up to
 *   the highest real (not PreVote) term it heard of while catching up, its
 *   "floor" (at least the term of the leader that counted it), and moves
 *   its own term up to the floor, since its previous life may have voted
 *   there.  The commit of the barrier is what makes the floor enough: a
 *   majority without the peer acknowledged the leader's term after the
 *   peer came back, and it intersects every majority that elected someone
 *   with the old life's vote, so such a term is at most the leader's (see
 *   dl_raft_check_caught_up() in raft_replicate.c).  Counting from the
 *   leader's word alone let a leader of an older term, cut off from the
 *   election the old life voted in, elect a second leader of that term
 *   (unit test restarted_voter_never_votes_twice_in_a_term).  The price: a
 *   restarted voter counts only while a majority without it is reachable.
 *   The exception is the leader of a re-form's first term, which counts
 *   peers on their log alone (it has nobody else to commit with).

 *   Only bootstrap a brand-new cell (no committed entries anywhere).  A
 *   cell whose majority restarted at once cannot recover by itself (nobody
 *   may vote) and needs dl_raft_reform().

 * Re-form (an admin's decision after losing a majority):
 *
 *   dl_raft_reform() on a surviving node starts a new configuration epoch:
 *   the epoch is the high 32 bits of the term, so the re-formed cell's terms
 *   are above every term of the old one.  The node becomes leader of the new
 *   voter set without an election, snapshots its state machine at its applied
 *   index and appends a DL_RAFT_ENTRY_REFORM entry.  Other nodes drop their
 *   whole log when they hear of a newer epoch and install that snapshot.
 *   Trade-off: entries committed by the old majority but unknown to the
 *   re-forming node are lost; the state machine applies the REFORM entry by
 *   revoking every lock and advancing fencing tokens, so holders learn it.
 *   Never run two re-forms of one cell at the same time.
 */
#ifndef DLOCK_CORE_RAFT_H
#define DLOCK_CORE_RAFT_H

#include "env.h"

/* Limits: the wire format depends on these. */
#define DL_RAFT_MAX_VOTERS	7	/* == DLOCK_MAX_VOTERS */
#define DL_RAFT_MAX_ENTRIES	64	/* entries in one APPEND */
#define DL_RAFT_MAX_ENTRY_DATA	1024	/* bytes of one entry's data */
/*
 * Wire cost the leader charges per entry when it fills an APPEND up to
 * max_append_bytes: the entry's data length plus this (term 8, type 1,
 * length 2, spare 1).  An APPEND body is at most DL_RAFT_MSG_FIXED_WIRE for
 * its other fields plus DL_RAFT_MAX_APPEND_BYTES for its entries.
 */
#define DL_RAFT_ENTRY_WIRE_OVERHEAD	12
#define DL_RAFT_MAX_APPEND_BYTES \
	(DL_RAFT_MAX_ENTRY_DATA + DL_RAFT_ENTRY_WIRE_OVERHEAD + 4)
#define DL_RAFT_MSG_FIXED_WIRE	96
/* Snapshot bytes in one SNAPSHOT message (plus the fixed fields, voters). */
#define DL_RAFT_MAX_SNAPSHOT_CHUNK	960

/* Bounds on the in-memory log (entries between two snapshots). */
#define DL_RAFT_MAX_LOG_ENTRIES	0x100000U
#define DL_RAFT_MAX_INFLIGHT	64	/* APPENDs in flight per follower */

/* Epoch (re-form count) in the high half of a term. */
#define DL_RAFT_EPOCH_SHIFT	32
#define dl_raft_term_epoch(term)	((u32)((term) >> DL_RAFT_EPOCH_SHIFT))

/* Roles; CATCHING_UP is a follower that may not vote yet. */
enum dl_raft_role {
	DL_RAFT_FOLLOWER = 0,
	DL_RAFT_PRECANDIDATE,
	DL_RAFT_CANDIDATE,
	DL_RAFT_LEADER,
	DL_RAFT_CATCHING_UP,
	DL_RAFT_ROLE_COUNT
};

/* Message types; the wire op type is DL_OP_RAFT_BASE + type. */
enum dl_raft_msg_type {
	DL_RAFT_MSG_PREVOTE = 0,	/* would you vote for me at term+1? */
	DL_RAFT_MSG_PREVOTE_RESP,
	DL_RAFT_MSG_VOTE,		/* RequestVote */
	DL_RAFT_MSG_VOTE_RESP,
	DL_RAFT_MSG_APPEND,		/* AppendEntries, also the heartbeat */
	DL_RAFT_MSG_APPEND_RESP,
	DL_RAFT_MSG_SNAPSHOT,		/* one chunk of InstallSnapshot */
	DL_RAFT_MSG_SNAPSHOT_RESP,
	DL_RAFT_MSG_TIMEOUT_NOW,	/* leadership transfer: campaign now */
	DL_RAFT_MSG_TYPE_COUNT
};

/* Message flags (struct dl_raft_msg.flags). */
#define DL_RAFT_F_REJECT	0x01	/* *_RESP: refused */
#define DL_RAFT_F_HEARTBEAT	0x02	/* APPEND: no log check */
#define DL_RAFT_F_CATCHING_UP	0x04	/* *_RESP: sender not voting */
#define DL_RAFT_F_CAUGHT_UP	0x08	/* APPEND: you may vote now */
#define DL_RAFT_F_LAST		0x10	/* SNAPSHOT: final chunk */
#define DL_RAFT_F_TRANSFER	0x20	/* VOTE: leadership transfer */
#define DL_RAFT_F_NEED_SNAPSHOT	0x40	/* APPEND_RESP: log dropped, send one */
#define DL_RAFT_F_COMMITTED	0x80	/* APPEND_RESP: sender committed index */
#define DL_RAFT_F_ALL		0xff

/* Log entry types. */
enum dl_raft_entry_type {
	DL_RAFT_ENTRY_NORMAL = 0,	/* a state machine command */
	DL_RAFT_ENTRY_NOOP,		/* a new leader's first entry */
	DL_RAFT_ENTRY_CONFIG,		/* data: new voter set, u32 LE ids */
	DL_RAFT_ENTRY_REFORM,		/* data: voter set of the new epoch */
	DL_RAFT_ENTRY_TYPE_COUNT
};

/**
 * struct dl_raft_entry - one log entry, as carried in messages and applied
 * @term: term of the leader that created it
 * @type: enum dl_raft_entry_type
 * @len: bytes at @data, at most DL_RAFT_MAX_ENTRY_DATA
 * @data: borrowed for the duration of the call that presents it
 */
struct dl_raft_entry {
	u64 term;
	u8 type;
	u16 len;
	const void *data;
};

/**
 * struct dl_raft_msg - one Raft message, flat and bounded
 * @type: enum dl_raft_msg_type
 * @flags: DL_RAFT_F_*
 * @from: sender node id
 * @to: receiver node id
 * @incarnation: sender's incarnation
 * @to_incarnation: receiver's incarnation as the sender knows it, 0 if
 *	unknown; a node drops a message meant for another of its lives
 * @term: sender's current term (PREVOTE: the term it would campaign at)
 * @index: APPEND: index before the entries; VOTE/PREVOTE: candidate's last
 *	index; APPEND_RESP: accepted: last index now matching, rejected: the
 *	index that was refused; SNAPSHOT(_RESP): snapshot's last index
 * @log_term: APPEND: term at @index; VOTE/PREVOTE: term of the last entry;
 *	SNAPSHOT: term at the snapshot's last index; APPEND_RESP rejected:
 *	term of the follower's entry at @hint (0 if none)
 * @commit: APPEND: leader's commit index (HEARTBEAT: capped to what this
 *	follower is known to hold)
 * @hint: APPEND_RESP rejected: the follower's guess of the last index that
 *	may match (for fast backoff); SNAPSHOT_RESP: next offset wanted
 * @ctx: APPEND: leader's send time, echoed by APPEND_RESP (leader lease)
 * @offset: SNAPSHOT: byte offset of @data in the snapshot
 * @nr_entries: entries in @entries, at most DL_RAFT_MAX_ENTRIES
 * @entries: APPEND: the entries, borrowed
 * @data_len: SNAPSHOT: bytes at @data, at most DL_RAFT_MAX_SNAPSHOT_CHUNK
 * @data: SNAPSHOT: the chunk, borrowed
 * @nr_voters: SNAPSHOT: voters in the snapshot's configuration
 * @voters: SNAPSHOT: its voter ids
 */
struct dl_raft_msg {
	u8 type;
	u8 flags;
	u32 from;
	u32 to;
	u64 incarnation;
	u64 to_incarnation;
	u64 term;
	u64 index;
	u64 log_term;
	u64 commit;
	u64 hint;
	u64 ctx;
	u64 offset;
	u32 nr_entries;
	const struct dl_raft_entry *entries;
	u32 data_len;
	const void *data;
	u32 nr_voters;
	u32 voters[DL_RAFT_MAX_VOTERS];
};

/* Receives snapshot bytes; 0 or a negative errno that aborts the save. */
typedef int (*dl_raft_emit_fn)(void *sink, const void *buf, size_t len);

/**
 * struct dl_raft_ops - what a Raft instance calls; all optional but @send
 * @send: hand @m to the transport (best effort; @m is borrowed)
 * @apply: a committed entry, in index order, once per index per instance
 *	(also on followers); every type, so the state machine sees NOOP,
 *	CONFIG and REFORM (revoke everything) too.  0: applied.  A negative
 *	errno (-ENOMEM): the state machine could not apply it now; it is not
 *	counted as applied (nor snapshotted), and the same entry is handed
 *	over again at the next entry point, until it returns 0.  Replication
 *	and commit go on meanwhile
 * @role_change: role, term or known leader changed (leader 0: unknown)
 * @snapshot_save: serialize the state machine as of the last applied entry
 *	by calling @emit(@sink, ...) with the bytes in order; 0 or errno.  Without
 *	it the log is never compacted and lagging followers cannot be served
 *	past a compaction (there is none)
 * @snapshot_load: a snapshot arrives in order: offset 0 starts a new load
 *	(drop any partial one), @last completes it and replaces the state
 *	machine's state; 0, or a negative errno that rejects the snapshot and
 *	leaves the state machine as before the load began.  A load may be
 *	abandoned before @last (leader change, or the log caught up first):
 *	the partial one must not touch the state, and the next offset 0
 *	drops it
 * @random: 32 random bits for election timeouts (NULL: an internal
 *	generator seeded from the node id and incarnation)
 */
struct dl_raft_ops {
	void (*send)(void *ctx, const struct dl_raft_msg *m);
	int (*apply)(void *ctx, u64 index, const struct dl_raft_entry *e);
	void (*role_change)(void *ctx, enum dl_raft_role role, u64 term,
			    u32 leader_id);
	int (*snapshot_save)(void *ctx, dl_raft_emit_fn emit, void *sink);
	int (*snapshot_load)(void *ctx, u64 offset, const void *buf,
			     size_t len, bool last);
	u32 (*random)(void *ctx);
};

/**
 * struct dl_raft_config - parameters of one instance
 * @env: host context, only for dl_env_log() (may be NULL)
 * @self_id: this node's id (non-zero)
 * @incarnation: this life of the node, larger after every restart (e.g.
 *	from the wall clock); a peer seeing a larger one resets what it knew
 *	of our log
 * @bootstrap: true only when forming a brand-new cell (every log empty);
 *	false after a restart or when added to a running cell: catch up first
 * @nr_voters: voters in @voters, 1..DL_RAFT_MAX_VOTERS (3, 5, 7 in
 *	production; 1 for tests).  May exclude @self_id (a node waiting to be
 *	added)
 * @voters: initial voter set, distinct non-zero ids
 * @election_min_ms: election timeout range; each timeout is drawn uniformly
 * @election_max_ms: from [min, max)
 * @heartbeat_ms: leader's heartbeat (and probe retry) interval, < min
 * @lease_ms: leader lease, below @election_min_ms; it is further cut to
 *	@election_min_ms less the drift margin (see @drift_ppm)
 * @drift_ppm: assumed worst clock rate difference between two nodes, parts
 *	per million; the lease shrinks by it
 * @prevote: run PreVote before a real election
 * @check_quorum: a leader that did not hear from a majority within an
 *	election timeout steps down
 * @max_append_entries: entries per APPEND, 1..DL_RAFT_MAX_ENTRIES
 * @max_append_bytes: wire budget of entries per APPEND (see
 *	DL_RAFT_ENTRY_WIRE_OVERHEAD), up to DL_RAFT_MAX_APPEND_BYTES
 * @max_inflight: APPENDs sent to one follower not yet acknowledged,
 *	1..DL_RAFT_MAX_INFLIGHT
 * @snapshot_threshold: compact automatically once this many entries were
 *	applied since the last snapshot (needs ops->snapshot_save)
 * @snapshot_trailing: entries kept before the snapshot index at compaction,
 *	so followers slightly behind still get APPENDs
 * @max_log_entries: proposals fail with -ENOBUFS beyond this many entries
 *	in the log, up to DL_RAFT_MAX_LOG_ENTRIES
 *
 * Zero values of the tunables pick defaults (election 150..300 ms, or
 * min..2*min, heartbeat 50 ms, lease 2/3 of min, drift 1000 ppm, 64 entries,
 * DL_RAFT_MAX_APPEND_BYTES, 16 in flight, threshold 4096, trailing 64,
 * 65536 entries).
 */
struct dl_raft_config {
	struct dl_env *env;
	u32 self_id;
	u64 incarnation;
	bool bootstrap;
	u32 nr_voters;
	u32 voters[DL_RAFT_MAX_VOTERS];
	u32 election_min_ms;
	u32 election_max_ms;
	u32 heartbeat_ms;
	u32 lease_ms;
	u32 drift_ppm;
	bool prevote;
	bool check_quorum;
	u32 max_append_entries;
	u32 max_append_bytes;
	u32 max_inflight;
	u32 snapshot_threshold;
	u32 snapshot_trailing;
	u32 max_log_entries;
};

/**
 * struct dl_raft_status - a consistent copy of an instance's state
 * @role: enum dl_raft_role
 * @term: current term
 * @leader: known leader id, 0 if none
 * @voted_for: vote in @term, 0 if none
 * @epoch: configuration epoch (re-forms), dl_raft_term_epoch(@term)
 * @first_index: first index still in the log (snapshot index + 1)
 * @last_index: last index in the log
 * @commit: commit index
 * @applied: last index handed to ops->apply (or loaded by snapshot)
 * @snapshot_index: index of the latest snapshot held (0: none)
 * @voting: may vote and counts toward quorums (not catching up)
 * @nr_voters: voters in the current configuration
 * @voters: their ids
 * @match: leader only: match index of each voter (own: last index)
 * @own_commits: times this node, as a follower, moved its commit index on
 *	its own (it and the leader are a quorum, raft_replicate.c) before
 *	the leader told it
 */
struct dl_raft_status {
	enum dl_raft_role role;
	u64 term;
	u32 leader;
	u32 voted_for;
	u32 epoch;
	u64 first_index;
	u64 last_index;
	u64 commit;
	u64 applied;
	u64 snapshot_index;
	bool voting;
	u32 nr_voters;
	u32 voters[DL_RAFT_MAX_VOTERS];
	u64 match[DL_RAFT_MAX_VOTERS];
	u64 own_commits;
};

struct dl_raft;

/**
 * dl_raft_create() - a new instance, a follower in term 0 (or catching up)
 * @cfg: configuration, copied
 * @ops: callbacks, kept by reference
 * @ctx: passed back to every callback
 * @now: current time, ns
 *
 * Returns the instance, or NULL if @cfg is invalid or allocation failed.
 */
struct dl_raft *dl_raft_create(const struct dl_raft_config *cfg,
			       const struct dl_raft_ops *ops, void *ctx,
			       u64 now);

/** dl_raft_destroy() - free an instance (NULL is fine); sends nothing. */
void dl_raft_destroy(struct dl_raft *r);

/**
 * dl_raft_step() - process one message from a peer
 * @r: instance
 * @m: the message; m->to must be this node
 * @now: current time, ns
 *
 * Sends replies and flushes pending appends before returning.  Returns 0
 * when the message was processed (including "ignored as stale", which Raft
 * expects), -EINVAL for a malformed message (which changes nothing), or
 * -ESTALE for a message of an older incarnation of its sender or meant for
 * an older incarnation of this node.
 */
int dl_raft_step(struct dl_raft *r, const struct dl_raft_msg *m, u64 now);

/**
 * dl_raft_tick() - run what is due at @now: election timeout, heartbeats,
 * probe retries, CheckQuorum, automatic compaction.  Calling it early is
 * harmless.
 */
void dl_raft_tick(struct dl_raft *r, u64 now);

/** dl_raft_next_deadline() - earliest time dl_raft_tick() has work, ns. */
u64 dl_raft_next_deadline(const struct dl_raft *r);

/**
 * dl_raft_propose() - append a command to the log (leader only)
 * @r: instance
 * @data: the command, copied
 * @len: 1..DL_RAFT_MAX_ENTRY_DATA bytes
 * @index_out: where the entry went (it commits with the current term, see
 *	dl_raft_status(); if leadership is lost before, another entry may be
 *	applied at that index)
 *
 * The entry is sent at the next dl_raft_flush() (or end of step/tick), so
 * several proposals share one APPEND.  Returns 0; -ENOTCONN if this node is
 * not the leader; -EBUSY during a leadership transfer; -EINVAL for a bad
 * length; -ENOBUFS if the log is full; -ENOMEM.
 */
int dl_raft_propose(struct dl_raft *r, const void *data, size_t len,
		    u64 *index_out);

/** dl_raft_flush() - send proposals accumulated since the last flush. */
void dl_raft_flush(struct dl_raft *r, u64 now);

/**
 * dl_raft_lease_valid() - may the leader serve reads and grants now?
 * True only on a leader that committed an entry of its term and heard from
 * a majority (itself included) within the lease, measured from the send
 * time of the heartbeats they acknowledged and shortened by the drift.
 */
bool dl_raft_lease_valid(const struct dl_raft *r, u64 now);

/**
 * dl_raft_add_voter() - add @id to the voters, through the log
 * dl_raft_remove_voter() - remove @id (may be the leader itself: it steps
 * down once the change commits)
 *
 * One change at a time, after the leader committed an entry of its term.
 * A configuration is used as soon as it is in the log.  An added node
 * (created with bootstrap false) counts as absent until it has caught up,
 * so the quorum grows at once: add a node only while the others are up.
 * Returns 0; -ENOTCONN if not leader; -EBUSY if a change is pending or the
 * leader has not committed in its term yet; -EEXIST / -ENOENT if @id is
 * already / not a voter; -E2BIG past DL_RAFT_MAX_VOTERS; -EINVAL for id 0
 * or removing the last voter.
 */
int dl_raft_add_voter(struct dl_raft *r, u32 id, u64 now);
int dl_raft_remove_voter(struct dl_raft *r, u32 id, u64 now);

/**
 * dl_raft_transfer_leadership() - ask @id (a caught-up voter) to campaign
 * now; the leader stops accepting proposals until it steps down or an
 * election timeout passes.  Returns 0, -ENOTCONN, -ENOENT or -EBUSY.
 */
int dl_raft_transfer_leadership(struct dl_raft *r, u32 id, u64 now);

/**
 * dl_raft_compact() - snapshot the state machine at the applied index
 * (ops->snapshot_save) and drop log entries up to it, keeping
 * snapshot_trailing entries.  The index is always the applied one: that is
 * the only state the state machine can serialize.  Raft keeps the bytes to
 * send lagging followers; it also compacts by itself every
 * snapshot_threshold applied entries.  Returns 0, -EOPNOTSUPP without
 * snapshot_save, -ENOMEM, or the save's error (nothing changed then).
 */
int dl_raft_compact(struct dl_raft *r);

/**
 * dl_raft_reform() - start a new epoch with @voters (see the comment at the
 * top): this node becomes its leader at once.
 * @r: instance
 * @voters: the new voter set; must include this node
 * @nr_voters: 1..DL_RAFT_MAX_VOTERS
 * @now: current time, ns
 *
 * Returns 0; -EINVAL for a bad set; -EOPNOTSUPP without snapshot_save;
 * -ENOMEM or the save's error (nothing changed then).
 */
int dl_raft_reform(struct dl_raft *r, const u32 *voters, u32 nr_voters,
		   u64 now);

/* Status. */
void dl_raft_status(const struct dl_raft *r, struct dl_raft_status *st);
enum dl_raft_role dl_raft_role(const struct dl_raft *r);
u64 dl_raft_term(const struct dl_raft *r);
u32 dl_raft_leader(const struct dl_raft *r);
u64 dl_raft_commit_index(const struct dl_raft *r);
u64 dl_raft_applied_index(const struct dl_raft *r);
u64 dl_raft_last_index(const struct dl_raft *r);
/* Commits this node proved as a follower (see dl_raft_status.own_commits). */
u64 dl_raft_own_commits(const struct dl_raft *r);
/* Leader only: @id's match index; 0 if unknown or not leader. */
u64 dl_raft_peer_match(const struct dl_raft *r, u32 id);
/*
 * Leader only: the highest index @id said it committed itself as it
 * acknowledged it (DL_RAFT_F_COMMITTED): it applies every entry up to
 * there without being told.  0 if unknown or not leader.
 */
u64 dl_raft_peer_committed(const struct dl_raft *r, u32 id);
const char *dl_raft_role_name(enum dl_raft_role role);
const char *dl_raft_msg_type_name(enum dl_raft_msg_type type);

#endif /* DLOCK_CORE_RAFT_H */
