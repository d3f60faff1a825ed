/* SPDX-License-Identifier: GPL-2.0 */
/*
 * node.h - one dlock node: the protocol core's API to its host.
 *
 * A node joins the election (Raft by default, behind struct dl_election_ops),
 * the replicated lock table, the sessions that keep its locks alive, and the
 * local owners (open files, kernel clients) that take locks through it.  The
 * host (the kernel glue or the simulator) calls the entry points below,
 * serialized per node as env.h's execution model says, and learns outcomes
 * through struct dl_node_ops.  No entry point blocks and none calls an op
 * while it still needs the caller's arguments: every lock completion is
 * asynchronous, even one the node could answer at once, so a host never
 * sees a callback from inside its own request call.
 *
 * Every entry point ends by flushing the datagrams it queued (one per
 * destination, several ops batched) and re-arming the env timer at the
 * earliest of the node's deadlines.
 */
#ifndef DLOCK_CORE_NODE_H
#define DLOCK_CORE_NODE_H

#include "env.h"
#include "lockmode.h"	/* DL_MODE_*, DL_LKF_* */

struct dl_node;

#define DL_NODE_MAX_VOTERS	7
#define DL_NODE_NAME_MAX	64	/* lockspace and resource names */
#define DL_NODE_LVB_MAX		64
/*
 * Session ids (owner incarnations in the lock table) are the incarnation
 * shifted up by 20 bits, which count lease losses: an incarnation must fit
 * in the 44 bits left, or a later one could wrap below an earlier one.
 */
#define DL_NODE_INCARNATION_MAX	((1ULL << 44) - 1)

/* Role of a node in the cell (same numbers as uapi's dlock_peer_role). */
enum dl_node_role {
	DL_NODE_VOTER = 0,
	DL_NODE_MEMBER = 1,
};

/* Election algorithm (same numbers as uapi's dlock_election). */
enum dl_node_election {
	DL_ELECT_RAFT = 0,
	DL_ELECT_BULLY = 1,
	DL_ELECT_RING = 2,
	DL_ELECT_COUNT
};

/* What a node is doing (same numbers as uapi's dlock_node_state). */
enum dl_node_state {
	DL_STATE_UNCONFIGURED = 0,
	DL_STATE_FOLLOWER = 1,
	DL_STATE_CANDIDATE = 2,
	DL_STATE_LEADER = 3,
	DL_STATE_MEMBER = 4,
	DL_STATE_CATCHING_UP = 5,
};

/**
 * struct dl_node_timeouts - the cell's timing, identical on every node
 * @election_ms: Raft election timeout base (randomized up to 2x)
 * @heartbeat_ms: leader heartbeat and member heartbeat period
 * @lease_ms: session lease length a leader grants
 * @lock_delay_ms: extra wait after a lease expires before its locks go
 * @skew_ppm: bound on clock rate difference between any two nodes, in
 *	parts per million; the lease arithmetic adds this margin
 * @retry_ms: least first retransmission delay of a request; the delay is
 *	the measured round trip's RTO when longer (client.c), then doubles,
 *	capped at lease_ms
 *
 * Zero fields take defaults (150, 50, 1000, 500, 1000, 100).  They must
 * satisfy heartbeat_ms < election_ms and heartbeat_ms < lease_ms.
 */
struct dl_node_timeouts {
	u32 election_ms;
	u32 heartbeat_ms;
	u32 lease_ms;
	u32 lock_delay_ms;
	u32 skew_ppm;
	u32 retry_ms;
};

/**
 * struct dl_node_config - what a node needs to start
 * @node_id: this node, non-zero, unique in the cell
 * @cell_id: the cell; datagrams of other cells are dropped
 * @incarnation: changes (grows) every time the node restarts; a voter with a
 *	new incarnation has lost its log and catches up before voting.  At
 *	most DL_NODE_INCARNATION_MAX
 * @role: enum dl_node_role of this node
 * @election: enum dl_node_election
 * @n_voters: number of voters (1..DL_NODE_MAX_VOTERS, 3/5/7 in production)
 * @voters: their node ids (this node among them when it is a voter)
 * @timeouts: the cell's timing
 * @rejoin: the cell already runs (this voter restarted, or joins later): it
 *	catches up on the log before it may vote.  False only when forming a
 *	brand-new cell
 *
 * Members are added with dl_node_peer_add(); the voter set is fixed for the
 * life of the node object.
 */
struct dl_node_config {
	u32 node_id;
	u32 cell_id;
	u64 incarnation;
	u32 role;
	u32 election;
	u32 n_voters;
	u32 voters[DL_NODE_MAX_VOTERS];
	struct dl_node_timeouts timeouts;
	bool rejoin;
};

/* Kinds of struct dl_lock_event, as the uapi's DLOCK_EV_* order them. */
enum dl_lock_event_type {
	DL_LEV_GRANTED = 1,	/* request granted: lock_id, token, mode, lvb */
	DL_LEV_FAILED = 2,	/* request failed: status <0 */
	DL_LEV_BLOCKING = 3,	/* someone waits for a mode this lock blocks */
	DL_LEV_REVOKED = 4,	/* lock lost: lease expired or cell re-formed */
	DL_LEV_UNLOCKED = 5,	/* unlock or cancel completed */
	DL_LEV_DONE = 6,	/* lockspace create/remove completed (status) */
};

/**
 * struct dl_lock_event - a completion or notification for a local owner
 * @type: enum dl_lock_event_type
 * @status: 0 or negative errno
 * @owner: the owner the event is for
 * @cookie: the owner's cookie from the request (0 for notifications)
 * @req_id: the request it completes (0 for notifications)
 * @lock_id: the node-local lock id (stable for the life of the lock)
 * @token: fencing token of the grant (GRANTED, REVOKED)
 * @mode: granted mode, or for BLOCKING the mode the waiter wants
 * @lvb_len: value block bytes in @lvb
 * @lvb: value block (GRANTED with DL_LKF_VALBLK)
 */
struct dl_lock_event {
	u32 type;
	int status;
	u64 owner;
	u64 cookie;
	u64 req_id;
	u64 lock_id;
	u64 token;
	u32 mode;
	u32 lvb_len;
	u8 lvb[DL_NODE_LVB_MAX];
};

struct dl_node_status;

/**
 * struct dl_node_ops - how the node tells its host about things
 * @lock_event: a completion or notification for a local owner; called from
 *	inside an entry point with the node's serialization held; must not
 *	call back into the node
 * @state_change: role, leader or term changed (for netlink events)
 * @lease_lost: this node lost its session; every local lock was revoked
 *
 * Any op may be NULL.
 */
struct dl_node_ops {
	void (*lock_event)(void *host, const struct dl_lock_event *ev);
	void (*state_change)(void *host, const struct dl_node_status *st);
	void (*lease_lost)(void *host);
};

/**
 * dl_node_create() - make a node and start it
 * @env: host context (clock, timer, send); must outlive the node
 * @cfg: configuration; copied
 * @ops: callbacks; must outlive the node
 * @host: passed back to every op
 *
 * The node arms its timer and, as a voter, starts its election clock; a
 * member or a restarted node announces itself with DL_OP_HELLO.
 *
 * Return: the node, or NULL on bad configuration or allocation failure.
 */
struct dl_node *dl_node_create(struct dl_env *env,
			       const struct dl_node_config *cfg,
			       const struct dl_node_ops *ops, void *host);

/**
 * dl_node_destroy() - stop and free a node
 * @node: node, may be NULL
 *
 * Cancels the timer; sends nothing and calls no op.
 */
void dl_node_destroy(struct dl_node *node);

/**
 * dl_node_recv() - a datagram arrived for this node
 * @node: node
 * @buf: the datagram, already unsealed by the transport
 * @len: its length
 *
 * Return: 0 when accepted, else the reason it was dropped (a DL_WIRE_E*
 * code, -ESTALE for an old incarnation, -ENOENT for an unknown sender); the
 * node has counted the drop and changed nothing.
 */
int dl_node_recv(struct dl_node *node, const void *buf, size_t len);

/**
 * dl_node_rx_begin() - open one core entry for a batch of datagrams
 * @node: node
 *
 * Every dl_node_recv() until dl_node_rx_end() runs inside this one entry:
 * what the datagrams cause is sent when the batch ends, one datagram per
 * destination, and the lock-table commands they carry are proposed as one
 * entry (so the leader sends one APPEND per follower for the whole batch,
 * not one per request).  A host that drains a receive queue calls this
 * once per drain.  Nothing but dl_node_recv() may be called in between.
 */
void dl_node_rx_begin(struct dl_node *node);

/**
 * dl_node_rx_end() - close the batch dl_node_rx_begin() opened
 * @node: node
 *
 * Proposes, sends and re-arms the timer as any entry point's end does.
 */
void dl_node_rx_end(struct dl_node *node);

/**
 * dl_node_timer() - the env timer fired
 * @node: node
 *
 * Runs every deadline that is due (election, heartbeats, leases, request
 * retries and timeouts) and re-arms the timer.  Spurious calls are harmless.
 */
void dl_node_timer(struct dl_node *node);

/**
 * dl_node_deliver_events() - deliver now what a request call deferred
 * @node: node
 *
 * Events that arise inside the host's own request call (dl_node_lock()
 * and friends; a grant from the node's grant cache is one) are deferred
 * to a timer call armed for "now".  A host that is ready for them once
 * the request call returned, still holding the node's serialization, may
 * call this instead of waiting for that timer: a grant the node could
 * make locally then completes without a trip through the host's timer.
 */
void dl_node_deliver_events(struct dl_node *node);

/**
 * dl_node_hold_events() - the host takes the next request call's events
 * @node: node
 *
 * Called before a request call (dl_node_lock(), dl_node_unlock()...): the
 * host promises to call dl_node_deliver_events() once that call returned,
 * whatever it returned, still holding the node's serialization.  The
 * call's deferred events then wait for it alone, and no timer call is
 * armed for them, so a grant from the node's cache completes in the
 * caller's own context: no timer, no worker, no second entry.
 */
void dl_node_hold_events(struct dl_node *node);

/**
 * dl_node_peer_add() - add a member to the cell
 * @node: node
 * @peer_id: the member's node id
 * @role: DL_NODE_MEMBER (voters are fixed at create time: -EOPNOTSUPP)
 *
 * Return: 0, -EEXIST, -EINVAL, -ENOMEM.
 */
int dl_node_peer_add(struct dl_node *node, u32 peer_id, u32 role);

/**
 * dl_node_peer_remove() - forget a member; its locks go (EXPIRE_NODE)
 * @node: node
 * @peer_id: the member
 *
 * Return: 0, -ENOENT, -EOPNOTSUPP for a voter.
 */
int dl_node_peer_remove(struct dl_node *node, u32 peer_id);

/**
 * dl_node_reform() - re-form the cell from the voters this node reaches
 * @node: node, a voter
 * @n_voters: out: the size of the new voter set (may be NULL)
 *
 * An administrator's decision after a majority of the voters is gone for
 * good (etcd's --force-new-cluster): this node becomes the leader of a new
 * configuration made of itself and the voters it heard from within four
 * election timeouts, every lock in the cell is revoked and the fencing
 * tokens move on.  Entries the old majority committed that this node never saw are
 * lost, so a lost voter must not come back with its old state.
 *
 * Return: 0; -EPERM on a member; -EOPNOTSUPP when the election algorithm
 * cannot re-form; -EBUSY when the cell still works (this node leads with a
 * valid lease, or heard its leader within four election timeouts) or it
 * still reaches a majority of the voters (it elects by itself); -ENOMEM.
 * On error nothing changed.
 */
int dl_node_reform(struct dl_node *node, u32 *n_voters);

/**
 * struct dl_lock_args - a local owner's lock or conversion request
 * @owner: owner id on this node (e.g. the open file), non-zero
 * @cookie: returned in the completion
 * @lockspace: lockspace name, @ls_len bytes (1..DL_NODE_NAME_MAX)
 * @ls_len: its length
 * @resource: resource name, @res_len bytes (1..DL_NODE_NAME_MAX)
 * @res_len: its length
 * @mode: requested mode (0..5, NL..EX)
 * @flags: DL_LKF_*
 * @lock_id: with DL_LKF_CONVERT, the lock to convert
 * @timeout_ms: 0 waits forever; else the node cancels the request at the
 *	deadline and fails it with -ETIMEDOUT
 * @lvb: with DL_LKF_VALBLK on a conversion down from PW/EX, the value to
 *	write; may be NULL
 * @lvb_len: its length
 */
struct dl_lock_args {
	u64 owner;
	u64 cookie;
	const u8 *lockspace;
	u32 ls_len;
	const u8 *resource;
	u32 res_len;
	u32 mode;
	u32 flags;
	u64 lock_id;
	u32 timeout_ms;
	const u8 *lvb;
	u32 lvb_len;
};

/**
 * dl_node_lock() - request a lock or a conversion for a local owner
 * @node: node
 * @args: the request; copied
 * @req_id: out: the request id the completion will carry
 * @lock_id: out: the node-local id of the lock (new, or args->lock_id)
 *
 * The outcome always arrives later through ops->lock_event: GRANTED or
 * FAILED (-EAGAIN for NOQUEUE, -ETIMEDOUT, -ECANCELED, -ENOENT for an
 * unknown lockspace, ...).
 *
 * Return: 0 when accepted; -EINVAL for a bad argument, -ENOENT for
 * CONVERT of an unknown lock, -EBUSY when the lock has a request in flight
 * or @args->owner was released and its release is not sent yet, -ENOMEM.
 * On error nothing changed and no event will follow.
 */
int dl_node_lock(struct dl_node *node, const struct dl_lock_args *args,
		 u64 *req_id, u64 *lock_id);

/**
 * dl_node_unlock() - release a granted lock
 * @node: node
 * @owner: its owner
 * @lock_id: the node-local lock id
 * @lvb: with a PW/EX lock, the value block to write, or NULL
 * @lvb_len: its length
 *
 * Completion: UNLOCKED.  Return: 0, -ENOENT, -EPERM (another owner's
 * lock), -EBUSY (a request is in flight: cancel it first), -EINVAL.
 */
int dl_node_unlock(struct dl_node *node, u64 owner, u64 lock_id,
		   const u8 *lvb, u32 lvb_len);

/**
 * dl_node_cancel() - cancel the waiting request of a lock
 * @node: node
 * @owner: its owner
 * @lock_id: the node-local lock id
 *
 * The request fails with -ECANCELED unless the grant won the race (then it
 * is GRANTED and the owner unlocks it).  Return: 0, -ENOENT, -EPERM,
 * -EALREADY (nothing waiting).
 */
int dl_node_cancel(struct dl_node *node, u64 owner, u64 lock_id);

/**
 * dl_node_release_owner() - an owner is gone (fd closed, process died)
 * @node: node
 * @owner: the owner
 *
 * Drops all its locks and requests in the cell, without events to it.
 * Its local state goes at once; the cell's goes with a RELEASE_OWNER the
 * node sends, at once or, when it lacks the memory for it, from its timer
 * once it has some: the release is never lost.
 * Return: 0 (also when it had nothing, or no memory), -EINVAL for owner 0
 * or an id in the grant cache's range.
 */
int dl_node_release_owner(struct dl_node *node, u64 owner);

/**
 * dl_node_ls_create() - create a lockspace in the cell
 * @node: node
 * @name: name, @len bytes, 1..DL_NODE_NAME_MAX
 * @len: its length
 * @algo: 0: through the leader (the only one for now)
 * @lvb_len: 32 or 64
 * @flags: DL_NODE_LS_CACHE: nodes keep grants of this lockspace cached
 *	after their last local owner lets go (see cache.c); 0 for none
 * @cookie: returned in the DONE event (owner 0)
 * @req_id: out: request id of the DONE event
 *
 * Return: 0 when accepted (DONE follows with status 0 or -EEXIST...),
 * -EINVAL, -ENOMEM.
 */
int dl_node_ls_create(struct dl_node *node, const u8 *name, u32 len, u32 algo,
		      u32 lvb_len, u32 flags, u64 cookie, u64 *req_id);

#define DL_NODE_LS_CACHE	0x1U	/* the node-level grant cache is on */
#define DL_NODE_LS_FLAGS	DL_NODE_LS_CACHE

/** dl_node_ls_remove() - remove a lockspace; as dl_node_ls_create(). */
int dl_node_ls_remove(struct dl_node *node, const u8 *name, u32 len,
		      u64 cookie, u64 *req_id);

/**
 * struct dl_node_status - a snapshot of what the node knows
 * @node_id: this node
 * @cell_id: its cell
 * @incarnation: its incarnation
 * @state: enum dl_node_state
 * @role: enum dl_node_role
 * @election: enum dl_node_election
 * @leader_id: the leader it follows, 0 when unknown
 * @term: current term (or election epoch)
 * @commit_index: highest log index known committed (0 for members)
 * @applied_index: highest log index applied (0 for members)
 * @lease_valid: this node's session lease is valid now
 * @lease_expiry_ns: when it ends, env clock
 * @n_voters: voters in the configuration
 * @n_members: members known to this node
 * @pending_requests: local requests not yet answered
 * @local_locks: locks of local owners
 */
struct dl_node_status {
	u32 node_id;
	u32 cell_id;
	u64 incarnation;
	u32 state;
	u32 role;
	u32 election;
	u32 leader_id;
	u64 term;
	u64 commit_index;
	u64 applied_index;
	bool lease_valid;
	u64 lease_expiry_ns;
	u32 n_voters;
	u32 n_members;
	u32 pending_requests;
	u32 local_locks;
};

/** dl_node_get_status() - fill @st.  Return: 0. */
int dl_node_get_status(struct dl_node *node, struct dl_node_status *st);

/**
 * struct dl_node_peer_info - what a node knows about one peer
 * @id: peer node id
 * @role: enum dl_node_role
 * @alive: heard from within the lease time
 * @last_heard_ns: env clock of the last datagram from it, 0 never
 * @incarnation: its last seen incarnation
 * @match_index: (leader, voters) highest log index known replicated there
 * @rtt_us: smoothed round-trip time to it, microseconds; 0 until measured
 *	(a follower or member times its heartbeats to the leader, a leader
 *	its APPENDs to the voters)
 */
struct dl_node_peer_info {
	u32 id;
	u32 role;
	bool alive;
	u32 rtt_us;
	u64 last_heard_ns;
	u64 incarnation;
	u64 match_index;
};

/**
 * dl_node_get_peer() - peer number @idx (0-based, voters first, then members)
 * @node: node
 * @idx: index
 * @pi: out
 *
 * Return: 0, or -ENOENT past the last peer (for dumps).
 */
int dl_node_get_peer(struct dl_node *node, u32 idx,
		     struct dl_node_peer_info *pi);

struct dl_counters;

/** dl_node_counters() - the node's counters (see counters.h); never NULL. */
const struct dl_counters *dl_node_counters(struct dl_node *node);

struct dl_lt;

/**
 * dl_node_lt() - the node's replica of the lock table, for dumps
 * @node: node
 *
 * Read it only under the node's serialization (see env.h), with the
 * dl_lt_* query functions of locktable.h.
 *
 * Return: the table, or NULL on a member (members hold no replica).
 */
const struct dl_lt *dl_node_lt(struct dl_node *node);

#endif /* DLOCK_CORE_NODE_H */
