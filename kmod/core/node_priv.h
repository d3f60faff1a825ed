/* SPDX-License-Identifier: GPL-2.0 */
/*
 * node_priv.h - the inside of struct dl_node, shared by the files of the
 * node layer:
 *
 *   node.c      lifecycle, datagram dispatch, timer, batching of output,
 *               applying lock-table outputs
 *   members.c   the peer table (voters and up to thousands of members)
 *   session.c   leases and heartbeats, lease expiry, incarnations
 *   client.c    requests of local owners: routing, retries, timeouts
 *   local.c     the node's table of its local owners' locks
 *   cache.c     the node-level grant cache of caching lockspaces
 *   elect_raft.c  Raft behind struct dl_election_ops
 */
#ifndef DLOCK_CORE_NODE_PRIV_H
#define DLOCK_CORE_NODE_PRIV_H

#include "counters.h"
#include "election.h"
#include "list.h"
#include "locktable.h"
#include "node.h"
#include "wire.h"

#define DL_NS_PER_MS		1000000ULL
#define DL_NEVER		(~0ULL)
#define DL_PEER_HASH_BITS	8
#define DL_LOCAL_HASH_BITS	6
#define DL_EVENT_BODY_MAX	128	/* an encoded DL_OP_EVENT, lvb included */
/* Heartbeats awaiting their LEASE: a lease's worth (session.c sends four). */
#define DL_HB_OUT		4

/*
 * The node-level grant cache (cache.c).  A cached cell lock is held by a
 * cell owner of its own, in a range local owners may not use.  Fencing
 * tokens of a caching lockspace are (cell token << DL_CACHE_TOKEN_SHIFT |
 * local grant sequence); the sequence starts at 1 for every cell grant, and
 * a cell lock whose sequence reaches DL_CACHE_SEQ_DRAIN is given back so the
 * next one starts a fresh cell token.
 */
#define DL_CACHE_OWNER_BASE	0x4000000000000000ULL	/* 2^62 */
#define DL_CACHE_TOKEN_SHIFT	20
#define DL_CACHE_SEQ_MAX	((1U << DL_CACHE_TOKEN_SHIFT) - 1)
#define DL_CACHE_SEQ_DRAIN	(DL_CACHE_SEQ_MAX - (1U << 16))
#define DL_CACHE_IDLE_MS	10000	/* an unused cached lock goes after */
#define DL_CACHE_MAX_IDLE	1024	/* unused cached locks per node (LRU) */
#define DL_CACHE_RETRY_MS	10	/* a cell request that lacked memory */
/*
 * A member learns BLOCKING from an EVENT that nobody retransmits; were it
 * lost, a member that keeps using a cached lock would keep it from the
 * others for good.  So a member grants locally from one cell grant for
 * this long at most, then gives the lock back and asks again.
 */
#define DL_CACHE_MEMBER_HOLD_MS	5000
#define DL_CACHE_HASH_BITS	6

/*
 * A session id names one life of a node's session with the cell: it is the
 * owner incarnation the lock table sees.  It grows when the node restarts
 * (from the configured incarnation) and every time the node loses its lease,
 * so that NODE_INCARNATION releases whatever the previous session held.
 */
#define DL_SESSION_SHIFT	20
#if DL_SESSION_SHIFT + 44 != 64
#error "DL_NODE_INCARNATION_MAX (node.h) must leave DL_SESSION_SHIFT bits"
#endif

/*
 * ls_id of a command whose lockspace is named in the REQUEST for the leader
 * to resolve (the lock table refuses ls_id 0 in a LOCK).
 */
#define DL_LS_RESOLVE		0xffffffffU

/**
 * struct dl_peer - another node of the cell, as this node knows it
 * @id: its node id
 * @role: enum dl_node_role
 * @hash_link: in node->peer_hash
 * @link: in node->peers (creation order, for dumps)
 * @incarnation: last seen datagram incarnation
 * @session: last session id it announced (HELLO)
 * @last_heard_ns: when we last accepted a datagram from it
 * @lease_until_ns: (leader) its lease as the leader counts it
 * @expired: (leader) EXPIRE_NODE proposed since it was last heard
 * @hello_refused: (leader) its HELLO came in a datagram whose heartbeat we
 *	must not answer: its NODE_INCARNATION could not be proposed
 * @hello_wait: (leader) NODE_INCARNATION of @session proposed, not applied
 * @hello_hold: (leader) the heartbeat next handled came with a HELLO while
 *	@hello_wait: it is answered when the NODE_INCARNATION is applied
 * @hello_hb_seq: (leader) the heartbeat held so, 0 if none
 * @max_req_id: (leader) highest REQUEST id seen from its session
 * @max_req_session: the session @max_req_id belongs to
 * @tx: datagram being filled for it during this entry point, or NULL
 * @tx_link: in node->tx_pending while @tx is set
 */
struct dl_peer {
	u32 id;
	u32 role;
	struct dl_list hash_link;
	struct dl_list link;
	u64 incarnation;
	u64 session;
	u64 last_heard_ns;
	/* smoothed round trip (session.c), 0 until measured */
	u64 rtt_ns;
	/* leader: send time of the APPEND whose answer times the next sample */
	u64 rtt_probe_ns;
	u64 lease_until_ns;
	bool expired;
	bool hello_refused;
	bool hello_wait;
	bool hello_hold;
	u64 hello_hb_seq;
	u64 max_req_id;
	u64 max_req_session;
	/* leader: REVOKED events sent to this member, not yet acknowledged */
	struct dl_list revokes;
	u32 n_revokes;
	struct dl_wire_writer *tx;
	struct dl_list tx_link;
};

/* What a struct dl_request asks the cell. */
enum dl_req_kind {
	DL_REQ_LOCK,
	DL_REQ_UNLOCK,
	DL_REQ_CANCEL,
	DL_REQ_RELEASE,		/* RELEASE_OWNER: fire and forget, retried */
	DL_REQ_LS,		/* LS_CREATE / LS_REMOVE */
	DL_REQ_INCARNATION,	/* (leader) NODE_INCARNATION for a peer */
	DL_REQ_EXPIRE,		/* (leader) EXPIRE_NODE for a peer */
	DL_REQ_LOCAL,		/* waits in a grant cache: never sent */
};

/**
 * struct dl_request - a command this node wants the cell to apply
 * @link: in node->requests
 * @kind: enum dl_req_kind
 * @req_id: node-wide unique id (the lock table's dedup key with the owner)
 * @cookie: the owner's cookie
 * @cmd: the lock-table command
 * @ls_name: lockspace name for the leader to resolve (LOCK without CONVERT)
 * @ls_len: its length
 * @lock: the local lock it concerns, or NULL
 * @glock: the cached cell lock it is for (cache.c), or NULL
 * @sent: sent (or proposed) at least once
 * @acked: the leader said it is queued: only poll now
 * @orphan: its owner was told -ETIMEDOUT; undo whatever it still gets
 * @deadline_ns: owner's timeout, DL_NEVER when none
 * @retry_ns: next retransmission
 * @backoff_ms: current retransmission interval
 * @hlink: in node->req_hash by @req_id
 * @rtt_from_ns: when its only transmission left (or, on the leader, was
 *	proposed), 0 when it cannot give a round-trip sample (retransmitted:
 *	Karn's rule; no leader known; already sampled)
 */
struct dl_request {
	struct dl_list link;
	struct dl_list hlink;
	u64 rtt_from_ns;
	u32 kind;
	u64 req_id;
	u64 cookie;
	struct dl_lt_cmd cmd;
	u8 ls_name[DL_NODE_NAME_MAX];
	u8 ls_len;
	struct dl_local_lock *lock;
	struct dl_glock *glock;
	bool sent;
	bool acked;
	bool orphan;
	/* gives a conversion granted after its timeout back (client.c) */
	bool restore;
	/* a CANCEL of it lacked memory: the client timer sends it */
	bool cancel_wanted;
	u64 deadline_ns;
	u64 retry_ns;
	u32 backoff_ms;
};

/* State of a local lock. */
enum dl_local_state {
	DL_LL_WAITING,		/* new request in flight or queued */
	DL_LL_GRANTED,		/* held; may have a conversion in flight */
	DL_LL_UNLOCKING,	/* unlock in flight */
	DL_LL_ORPHAN,		/* owner gave up (timeout): undo when answered */
};

/**
 * struct dl_local_lock - one lock of a local owner
 * @id: node-local lock id handed to the owner
 * @owner: its owner
 * @cookie: the owner's cookie of the last request
 * @state: enum dl_local_state
 * @link: in node->local_hash by @id
 * @lt_link: in node->lt_hash by @lt_lock_id once known
 * @lt_lock_id: the lock table's id for it (0 until granted or queued)
 * @ls_id: its lockspace (0 until known)
 * @mode: granted mode, DL_MODE_NONE before the first grant
 * @token: fencing token of the current grant
 * @pending: the request in flight for it, or NULL (DL_REQ_LOCAL while it
 *	waits in a grant cache)
 * @glock: in a caching lockspace, the node's cell lock it is granted from
 *	(cache.c); NULL for a lock the cell grants to this owner directly
 * @glink: in @glock's holders while it holds a mode
 * @wlink: in @glock's waiters while it waits (a new lock or a conversion)
 * @req_mode: (@glock) the mode it waits for
 * @req_flags: (@glock) DL_LKF_* of that request
 * @stuck: (@glock) scratch mark of the conversion deadlock search
 */
struct dl_local_lock {
	u64 id;
	u64 owner;
	u64 cookie;
	u32 state;
	u32 ls_id;
	struct dl_list link;
	struct dl_list lt_link;
	u64 lt_lock_id;
	u64 token;
	struct dl_request *pending;
	struct dl_glock *glock;
	struct dl_list glink;
	struct dl_list wlink;
	/* the u8s together: one held lock of a local owner is 136 bytes */
	u8 mode;
	u8 req_mode;
	u8 req_flags;
	bool stuck;
};

/**
 * struct dl_glock - a cell lock this node holds for its local owners
 * @link: in node->glock_hash by (lockspace, resource) name
 * @lt_link: in node->glock_lt_hash by @lt_lock_id once granted
 * @lru: in node->cache_lru while idle (cell lock held, nobody uses it)
 * @owner: its owner id in the cell (DL_CACHE_OWNER_BASE + n)
 * @ls_name: the lockspace, @ls_len bytes
 * @res: the resource, @res_len bytes
 * @ls_id: the lockspace's id, once granted
 * @lt_lock_id: the cell's lock id (0 while it holds none)
 * @mode: the mode the cell granted, DL_MODE_NONE while none
 * @cell_token: the cell's fencing token of that grant
 * @granted_ns: when the cell granted it (the mode, not a conversion)
 * @seq: local grants made under @cell_token
 * @pending: the cell request in flight (lock, convert or unlock), or NULL
 * @pending_for: the waiter @pending was sent for, or NULL
 * @cancel_sent: a CANCEL of @pending is out (nobody waits for it any more)
 * @in_cell: the cell has state for @owner: RELEASE_OWNER it when freed
 * @draining: give the cell lock back once its holders are gone: the cell
 *	asked (BLOCKING), or @seq is nearly used up; no new local grants
 * @no_cache: the cell says the lockspace does not cache: never keep it idle
 * @holders: local locks granted (struct dl_local_lock.glink)
 * @waiters: local requests waiting: conversions first, then new locks, each
 *	in arrival order
 * @lvb: the latest value block (DL_NODE_LVB_MAX; @lvb_len of it used)
 * @lvb_len: the lockspace's value block size, 0 until the first grant
 * @lvb_dirty: a local PW/EX holder wrote @lvb; the cell has not got it yet
 * @idle_since_ns: when it became idle
 */
struct dl_glock {
	struct dl_list link;
	struct dl_list lt_link;
	struct dl_list lru;
	u64 owner;
	u8 ls_name[DL_NODE_NAME_MAX];
	u8 ls_len;
	u8 res[DL_NODE_NAME_MAX];
	u8 res_len;
	u32 ls_id;
	u64 lt_lock_id;
	u8 mode;
	u64 cell_token;
	u64 granted_ns;
	u32 seq;
	struct dl_request *pending;
	struct dl_local_lock *pending_for;
	bool cancel_sent;
	bool in_cell;
	bool draining;
	bool no_cache;
	struct dl_list holders;
	struct dl_list waiters;
	u8 lvb[DL_NODE_LVB_MAX];
	u8 lvb_len;
	bool lvb_dirty;
	u64 idle_since_ns;
};

/**
 * struct dl_cache_ls - a lockspace's cache setting as a member learned it
 * @link: in node->cache_ls
 * @name: the lockspace, @len bytes
 * @cache: its grants say DL_WEV_F_CACHE
 *
 * Voters read the setting from their lock table; members have none and
 * learn it from the flags of their grants.
 */
struct dl_cache_ls {
	struct dl_list link;
	u8 name[DL_NODE_NAME_MAX];
	u8 len;
	bool cache;
};

/* Requesters per entry whose datagrams dl_node_tx_flush() sends first. */
#define DL_NODE_TX_FIRST	8

/**
 * struct dl_node - one node (see node.h)
 */
struct dl_node {
	struct dl_env *env;
	const struct dl_node_ops *ops;
	void *host;
	struct dl_node_config cfg;
	const struct dl_election_ops *elect;
	void *elect_priv;
	/* Bully/Ring coordinator locks and RA lockspaces (classic.c) */
	struct dl_classic *classic;

	/* lock table replica (voters), NULL on members */
	struct dl_lt *lt;
	struct dl_lt_batch *batch;	/* commands to propose at flush */
	u32 batch_cause;
	struct dl_lt_cmd *scratch;	/* DL_LT_BATCH_MAX_CMDS decoded cmds */
	struct dl_raft_entry *rx_ents;	/* DL_RAFT_MAX_ENTRIES, for recv */
	u64 applying_index;
	/*
	 * Apply stopped at a command that failed for memory (node.c): entry
	 * @apply_index, its command @apply_pos (0: none stopped); retried at
	 * @apply_retry_ns, after @apply_backoff_ms that doubles per failure.
	 */
	u64 apply_index;
	u32 apply_pos;
	u32 apply_backoff_ms;
	u64 apply_retry_ns;
	u64 propose_retry_ns;		/* batch kept: propose failed (node.c) */

	/* peers */
	struct dl_list peers;
	struct dl_list peer_hash[1 << DL_PEER_HASH_BITS];
	u32 n_members;
	struct dl_list tx_pending;
	/* peers whose REQUESTs this entry proposed: sent to first */
	u32 tx_first[DL_NODE_TX_FIRST];
	u32 n_tx_first;
	u64 tx_seq;
	u32 cause;			/* enum dl_cause of what we send now */
	u64 expire_check_ns;		/* (leader) next EXPIRE_NODE scan */

	/* leadership as this node sees it */
	u32 leader;
	u64 term;
	bool was_leader;

	/* session */
	u64 session;
	bool lease_held;		/* a lease was granted and not lost */
	u64 lease_until_ns;
	u64 hb_seq;
	/*
	 * The last heartbeats sent, at hb_out[seq % DL_HB_OUT]: a LEASE
	 * answering any of them renews from its send time, so answers
	 * slower than the heartbeat interval still count.
	 */
	struct dl_hb_out {
		u64 seq;		/* 0: free, or answered already */
		u64 sent_ns;
		u64 session;		/* node->session when sent */
		bool hello;		/* our HELLO went with it */
	} hb_out[DL_HB_OUT];
	u64 hb_next_ns;
	u32 hb_probe;			/* members: voter to ask when leaderless */
	u32 hb_unanswered;		/* heartbeats since the last LEASE */
	/*
	 * Our session must be announced (HELLO) until its NODE_INCARNATION
	 * is known to be applied; hello_proposed: as the leader, we proposed
	 * it ourselves in this term.
	 */
	bool hello_due;
	bool hello_proposed;

	/* local owners */
	struct dl_list requests;	/* by req_id, ascending */
	struct dl_list req_hash[1 << DL_LOCAL_HASH_BITS];
	/*
	 * The request dl_client_timer() handles next, NULL outside it.  A
	 * timeout or a retransmission may free other requests than its own
	 * (a local waiter's timeout runs its glock, which grants the next
	 * waiter and frees that one's request), so the walk cannot keep a
	 * plain next pointer: dl_request_free() moves this one on instead.
	 */
	struct dl_request *req_next;
	/*
	 * Round trip of a request to the leader and back, smoothed as TCP
	 * does (RFC 6298): the first retransmission waits srtt + 4 rttvar,
	 * within [retry_ms, lease_ms].  0 until the first sample.
	 */
	u64 srtt_ns;
	u64 rttvar_ns;
	u32 n_requests;
	u64 next_req_id;
	u64 next_local_id;
	struct dl_list local_hash[1 << DL_LOCAL_HASH_BITS];
	struct dl_list lt_hash[1 << DL_LOCAL_HASH_BITS];
	u32 n_local;
	/*
	 * Local owners the cell has state for (they sent it a request), so
	 * that an owner that only ever used cached grants goes without a
	 * RELEASE_OWNER.  No request goes out before its owner's record is
	 * here.  Gone owners whose RELEASE_OWNER could not be allocated yet
	 * wait in @owners_releasing (local.c).
	 */
	struct dl_list cell_owners[1 << DL_LOCAL_HASH_BITS];
	struct dl_list owners_releasing;
	bool orphans_retry;		/* an orphan's undo lacked memory */
	bool cancels_retry;		/* a CANCEL lacked memory */

	/* the grant cache, see cache.c */
	struct dl_list glock_hash[1 << DL_CACHE_HASH_BITS];
	struct dl_list glock_lt_hash[1 << DL_CACHE_HASH_BITS];
	struct dl_list cache_lru;
	u32 n_cache_idle;
	bool cache_retry;		/* a glock's cell request lacked memory */
	u64 next_glock_owner;
	struct dl_list cache_ls;

	/* events for local owners raised inside a request call, see local.c */
	struct dl_list deferred;

	/*
	 * Encoding space, off the stack (kernel stacks are small): bodies are
	 * encoded here and copied into a datagram at once by
	 * dl_node_send_op(), so one buffer serves every sender in turn.
	 */
	u8 enc_buf[DL_WIRE_MAX_BODY];
	u8 cmd_buf[DL_LT_ENTRY_MAX];

	struct dl_counters ctr;
	bool in_entry;
	bool in_request;
	/*
	 * Set by dl_node_hold_events(): the host delivers the events of its
	 * next request call itself, so that call arms no timer for them.
	 */
	bool host_delivers;
	/* between dl_node_rx_begin() and dl_node_rx_end() */
	bool in_rx_batch;
};

/* Bucket of a node-local id (lock, request, owner) in its hash tables. */
static inline u32 dl_local_hash(u64 id)
{
	return (u32)((id * 0x9e3779b97f4a7c15ULL) >> (64 - DL_LOCAL_HASH_BITS));
}

static inline u64 dl_node_now(struct dl_node *node)
{
	return dl_env_now_ns(node->env);
}

static inline u64 dl_ms(u32 ms)
{
	return (u64)ms * DL_NS_PER_MS;
}

static inline bool dl_node_is_voter(const struct dl_node *node)
{
	return node->cfg.role == DL_NODE_VOTER;
}

static inline bool dl_node_is_leader(struct dl_node *node)
{
	return node->elect && node->elect->is_leader(node);
}

/* node.c */
void dl_node_enter(struct dl_node *node, bool request);
void dl_node_leave(struct dl_node *node);
void dl_node_tx_prefer(struct dl_node *node, u32 peer_id);
int dl_node_send_op(struct dl_node *node, u32 dst, u8 type, const void *body,
		    size_t len);
int dl_node_apply_entry(struct dl_node *node, u64 index, const void *data,
			size_t len);
int dl_node_apply_revoke_all(struct dl_node *node, u64 index);
void dl_node_apply_reset(struct dl_node *node);
bool dl_node_apply_partial(const struct dl_node *node);
bool dl_node_apply_stalled(const struct dl_node *node);
void dl_node_leader_changed(struct dl_node *node, u32 leader, u64 term);
u32 dl_cmd_cause(u8 cmd_type);
int dl_node_propose(struct dl_node *node, const struct dl_lt_cmd *cmd);

/* members.c */
int dl_peers_init(struct dl_node *node);
void dl_peers_destroy(struct dl_node *node);
struct dl_peer *dl_peer_find(struct dl_node *node, u32 id);
struct dl_peer *dl_peer_insert(struct dl_node *node, u32 id, u32 role);
void dl_peer_delete(struct dl_node *node, struct dl_peer *peer);

/* session.c */
void dl_session_start(struct dl_node *node);
void dl_session_heard(struct dl_node *node, struct dl_peer *peer,
		      const struct dl_wire_hdr *hdr);
int dl_session_recv(struct dl_node *node, struct dl_peer *peer,
		    const struct dl_wire_op *op);
void dl_session_follower_ack(struct dl_node *node, u32 from);
void dl_session_became_leader(struct dl_node *node);
int dl_session_new_session(struct dl_node *node, struct dl_peer *peer,
			   u32 node_id, u64 session);
u64 dl_session_timer(struct dl_node *node, u64 now);
bool dl_session_lease_valid(struct dl_node *node);
void dl_session_rtt_probe(struct dl_node *node, u32 to);
void dl_session_revoke_track(struct dl_node *node, struct dl_peer *peer,
			     const struct dl_wire_event *ev);
void dl_session_event_seen(struct dl_node *node, struct dl_peer *peer,
			   const struct dl_wire_op *op);
void dl_session_revokes_drop(struct dl_peer *peer, u64 below_session);
void dl_session_rtt_answer(struct dl_node *node, u32 from);
void dl_session_incarnation_applied(struct dl_node *node, u32 node_id,
				    u64 session);

/* client.c */
int dl_client_recv(struct dl_node *node, struct dl_peer *peer,
		   const struct dl_wire_hdr *hdr, const struct dl_wire_op *op);
void dl_client_output(struct dl_node *node, const struct dl_lt_out *out,
		      u64 index);
void dl_client_event(struct dl_node *node, const struct dl_wire_event *ev);
void dl_client_resend_all(struct dl_node *node);
void dl_client_fail_all(struct dl_node *node, int err);
u64 dl_client_timer(struct dl_node *node, u64 now);
struct dl_request *dl_request_new(struct dl_node *node, u32 kind);
struct dl_request *dl_request_find(struct dl_node *node, u64 req_id);
u32 dl_client_rto_ms(const struct dl_node *node);
void dl_client_queued(struct dl_node *node, u64 req_id, u64 session);
int dl_client_check_request(struct dl_node *node, u32 src,
			    const struct dl_wire_op *op);
void dl_request_submit(struct dl_node *node, struct dl_request *rq);
void dl_request_free(struct dl_node *node, struct dl_request *rq);

/* local.c */
void dl_local_init(struct dl_node *node);
struct dl_local_lock *dl_local_new(struct dl_node *node, u64 owner);
struct dl_local_lock *dl_local_find(struct dl_node *node, u64 id);
struct dl_local_lock *dl_local_find_lt(struct dl_node *node, u64 lt_lock_id);
void dl_local_set_lt(struct dl_node *node, struct dl_local_lock *lk,
		     u64 lt_lock_id);
void dl_local_free(struct dl_node *node, struct dl_local_lock *lk);
void dl_local_revoke_all(struct dl_node *node);
void dl_local_destroy(struct dl_node *node);
void dl_local_event(struct dl_node *node, const struct dl_lock_event *ev);
void dl_local_deliver_deferred(struct dl_node *node);
void dl_local_drop_deferred(struct dl_node *node, u64 owner);
bool dl_local_owner_in_cell(struct dl_node *node, u64 owner);
bool dl_local_owner_gone(struct dl_node *node, u64 owner);
bool dl_local_owner_releasing(struct dl_node *node, u64 owner);
bool dl_local_owners_release(struct dl_node *node);
void dl_local_owners_reset(struct dl_node *node);

/* cache.c */
void dl_cache_init(struct dl_node *node);
void dl_cache_destroy(struct dl_node *node);
bool dl_cache_enabled(struct dl_node *node, const u8 *ls, u32 ls_len);
void dl_cache_learn(struct dl_node *node, const u8 *ls, u32 ls_len,
		    bool cache);
int dl_cache_lock(struct dl_node *node, const struct dl_lock_args *a,
		  u64 *req_id, u64 *lock_id);
int dl_cache_convert(struct dl_node *node, struct dl_local_lock *lk,
		     const struct dl_lock_args *a, u64 *req_id);
int dl_cache_unlock(struct dl_node *node, struct dl_local_lock *lk,
		    const u8 *lvb, u32 lvb_len);
int dl_cache_cancel(struct dl_node *node, struct dl_local_lock *lk);
void dl_cache_local_timeout(struct dl_node *node, struct dl_request *rq);
void dl_cache_unlink(struct dl_local_lock *lk);
void dl_cache_run_all(struct dl_node *node);
void dl_cache_revoke_all(struct dl_node *node);
void dl_cache_answer(struct dl_node *node, struct dl_request *rq,
		     const struct dl_wire_event *ev);
void dl_cache_failed(struct dl_node *node, struct dl_request *rq, int status);
bool dl_cache_blocking(struct dl_node *node, u64 lt_lock_id, u32 mode);
bool dl_cache_revoked(struct dl_node *node, u64 lt_lock_id);
u64 dl_cache_timer(struct dl_node *node, u64 now);

#endif /* DLOCK_CORE_NODE_PRIV_H */
