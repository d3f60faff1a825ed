/* SPDX-License-Identifier: GPL-2.0 */
/*
 * counters.h - what a node counts, so that the slides' message-count table
 * (centralized 3 per acquire+release, Ricart-Agrawala 2(n-1), Ring 2(n-1)
 * per election, Bully O(n^2)) can be checked against the running code.
 *
 * Messages are counted per op (the unit an algorithm sends; a datagram may
 * batch several) by type and direction, and every op sent is also charged
 * to the cause that produced it: an acquire, a release, an election, session
 * upkeep or anything else.  Summing acquire_ops over every node of a cell and
 * dividing by the acquires completed gives the cell's messages per acquire.
 */
#ifndef DLOCK_CORE_COUNTERS_H
#define DLOCK_CORE_COUNTERS_H

#include "env.h"
#include "wire.h"

/* What an op sent was for. */
enum dl_cause {
	DL_CAUSE_OTHER,		/* idle Raft heartbeats, catch-up, admin */
	DL_CAUSE_ACQUIRE,	/* lock and conversion requests, their grants */
	DL_CAUSE_RELEASE,	/* unlock, cancel, owner release */
	DL_CAUSE_ELECTION,	/* votes and the new leader's first append */
	DL_CAUSE_SESSION,	/* member heartbeats, leases, hellos */
	DL_CAUSE_COUNT
};

/**
 * struct dl_counters - one node's counters; monotonic, never reset
 * @tx_datagrams: datagrams handed to the host
 * @rx_datagrams: datagrams accepted
 * @rx_batches: receive batches (dl_node_rx_begin()): rx_datagrams over
 *	this is how many datagrams one core entry handled on average
 * @tx_bytes: their bytes
 * @rx_bytes: their bytes
 * @tx_errors: sends the host refused
 * @tx_ops: ops sent, by enum dl_wire_op_type
 * @rx_ops: ops received, by type
 * @drops: datagrams refused, by enum dl_wire_drop
 * @cause_ops: ops sent, by enum dl_cause
 * @acquires: lock requests of local owners granted
 * @acquire_fails: lock requests of local owners failed
 * @releases: unlocks of local owners completed
 * @elections: elections this node started (Raft: campaigns)
 * @leader_changes: times this node saw a new leader
 * @retries: request retransmissions
 * @timeouts: requests failed with -ETIMEDOUT
 * @dup_requests: (leader) REQUESTs whose id is not above the highest seen
 *	from that node's session: retransmissions, polls of queued requests,
 *	network duplicates (and the rare reordering); the lock table answers
 *	them from its record
 * @leases_lost: times this node's own lease ran out
 * @nodes_expired: (leader) EXPIRE_NODE commands proposed
 * @revoked: local locks revoked
 * @cache_grants: local grants made from a cached cell lock, no message
 * @cache_drops: cached cell locks given back (blocking, idle, LRU)
 * @cache_blocked: BLOCKING notifications for cached cell locks
 * @apply_stalls: times applying the log stopped at a command that failed
 *	for memory here (it is applied again later; see node.c)
 * @follower_commits: (Raft follower) commits this node proved itself from
 *	an APPEND, the leader and it being a quorum: its owners' grants and
 *	unlocks completed without waiting for the leader's EVENT
 * @events_spared: (Raft leader) EVENTs not sent to a voter that had said
 *	it committed the entry itself, so applies it and learns the answer
 *	without being told (DL_RAFT_F_COMMITTED)
 */
struct dl_counters {
	u64 tx_datagrams;
	u64 rx_datagrams;
	u64 rx_batches;
	u64 tx_bytes;
	u64 rx_bytes;
	u64 tx_errors;
	u64 tx_ops[DL_OP_TYPE_COUNT];
	u64 rx_ops[DL_OP_TYPE_COUNT];
	u64 drops[DL_DROP_REASONS];
	u64 cause_ops[DL_CAUSE_COUNT];
	u64 acquires;
	u64 acquire_fails;
	u64 releases;
	u64 elections;
	u64 leader_changes;
	u64 retries;
	u64 timeouts;
	u64 dup_requests;
	u64 leases_lost;
	u64 nodes_expired;
	u64 revoked;
	u64 cache_grants;
	u64 cache_drops;
	u64 cache_blocked;
	u64 apply_stalls;
	u64 follower_commits;
	u64 events_spared;
};

/** dl_cause_name() - short name of an enum dl_cause, for dumps. */
const char *dl_cause_name(unsigned int cause);

/*
 * dl_counters_foreach() - call @fn for every counter, named by a group
 * ("tx_ops", "rx_ops", "drops", "cause_ops", or "" for scalars) and a name
 * ("request", "cell", "acquire", "acquires", ...), for netlink dumps; the
 * core has no snprintf, so the host joins the two.  Zero entries of the
 * per-type arrays are skipped.  Stops at and returns @fn's first non-zero
 * result.
 */
int dl_counters_foreach(const struct dl_counters *c,
			int (*fn)(void *arg, const char *group,
				  const char *name, u64 value),
			void *arg);

#endif /* DLOCK_CORE_COUNTERS_H */
