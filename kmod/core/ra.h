/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ra.h - Ricart-Agrawala: exclusive locks without a coordinator, the
 * slides' "distributed approach".
 *
 * A node that wants a resource stamps a REQUEST with its Lamport clock,
 * sends it to every other member and enters when all of them replied.  A
 * node answers a REQUEST at once unless it holds the resource, or wants it
 * and its own request is older ((clock, node id) is smaller); then it
 * defers the REPLY until it leaves.  Per acquire: n - 1 REQUEST + n - 1
 * REPLY = 2(n - 1) messages; the release sends only the deferred REPLY,
 * which belong to the acquires of others.
 *
 * A crashed node would block everyone waiting for its REPLY: the
 * membership view (dl_ra_peer_down()) takes it out of every pending set.
 * That is only as safe as the view: a node declared down while alive and
 * inside the critical section breaks mutual exclusion, as in any
 * algorithm without leases.  Lost messages are covered by resending the
 * REQUEST to whoever has not replied; a REPLY is idempotent.  A node that
 * defers a REQUEST it already deferred (a resend) answers it with DEFER:
 * not a permission, only a sign of life, so that a host whose membership
 * view is "who answers" (classic.c) does not take a long holder for dead.
 * A first REQUEST is never answered that way, so the counts stay 2(n - 1).
 */
#ifndef DLOCK_CORE_RA_H
#define DLOCK_CORE_RA_H

#include "env.h"

#define DL_RA_MAX_NODES		16
#define DL_RA_MAX_RES		32	/* resources a node wants at once */
#define DL_RA_NAME_MAX		64

enum dl_ra_msg_type {
	DL_RA_REQUEST,
	DL_RA_REPLY,
	DL_RA_DEFER,	/* a resent REQUEST is deferred: I live, wait */
	DL_RA_MSG_COUNT,
};

/**
 * struct dl_ra_msg - one message
 * @type: enum dl_ra_msg_type
 * @from: sender
 * @to: destination
 * @clock: REQUEST: its Lamport timestamp; REPLY: the timestamp of the
 *	request it answers (so an old REPLY cannot count for a new request)
 * @sender_clock: REPLY: the sender's clock, for Lamport's rule
 * @incarnation: REQUEST: the requester's life; REPLY: the same, echoed (a
 *	REPLY to an earlier life of a restarted node must not count)
 * @name_len: 1..DL_RA_NAME_MAX
 * @name: the resource
 */
struct dl_ra_msg {
	u8 type;
	u32 from;
	u32 to;
	u64 clock;
	u64 sender_clock;
	u64 incarnation;
	u8 name_len;
	u8 name[DL_RA_NAME_MAX];
};

struct dl_ra_ops {
	void (*send)(void *ctx, const struct dl_ra_msg *m);
	/* this node entered the critical section of @name */
	void (*granted)(void *ctx, const u8 *name, u8 name_len);
};

/**
 * struct dl_ra_config - the lockspace as one node sees it
 * @self_id: this node, one of @nodes
 * @nr_nodes: 1..DL_RA_MAX_NODES
 * @nodes: distinct non-zero ids
 * @retry_ms: resend period of a REQUEST not yet answered
 * @incarnation: grows with every restart of the node
 */
struct dl_ra_config {
	u32 self_id;
	u32 nr_nodes;
	u32 nodes[DL_RA_MAX_NODES];
	u32 retry_ms;
	u64 incarnation;
};

struct dl_ra;

int dl_ra_create(const struct dl_ra_config *cfg, const struct dl_ra_ops *ops,
		 void *ctx, struct dl_ra **out);
void dl_ra_destroy(struct dl_ra *ra);
/* Want @name: 0 (granted later through ops->granted), -EINVAL, -EBUSY
 * (already wanted or held), -ENOSPC.
 */
int dl_ra_lock(struct dl_ra *ra, const void *name, u8 name_len, u64 now);
/* Leave (or give up) @name: 0 or -ENOENT. */
int dl_ra_unlock(struct dl_ra *ra, const void *name, u8 name_len);
int dl_ra_recv(struct dl_ra *ra, const struct dl_ra_msg *m, u64 now);
void dl_ra_tick(struct dl_ra *ra, u64 now);
u64 dl_ra_next_deadline(const struct dl_ra *ra);
/* The membership view: @id crashed / is back. */
void dl_ra_peer_down(struct dl_ra *ra, u32 id);
void dl_ra_peer_up(struct dl_ra *ra, u32 id);
bool dl_ra_holds(const struct dl_ra *ra, const void *name, u8 name_len);
bool dl_ra_wants(const struct dl_ra *ra, const void *name, u8 name_len);
u64 dl_ra_clock(const struct dl_ra *ra);
u64 dl_ra_sent(const struct dl_ra *ra, u32 type);
void dl_ra_reset_counts(struct dl_ra *ra);
const char *dl_ra_msg_name(u32 type);

#endif /* DLOCK_CORE_RA_H */
