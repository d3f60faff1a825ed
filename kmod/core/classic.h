/* SPDX-License-Identifier: GPL-2.0 */
/*
 * classic.h - the slides' algorithms in a live node (classic.c):
 *
 *   - a cell whose election is "bully" or "ring" runs elect_bully.c or
 *     elect_ring.c behind struct dl_election_ops, and its local owners'
 *     locks go to the elected coordinator through coord.c (REQUEST, GRANT,
 *     RELEASE; rebuilt from the survivors' REPORTs after a failover);
 *   - a lockspace declared "ra" on a node takes its local owners'
 *     exclusive locks through Ricart-Agrawala (ra.c) among the cell's
 *     voters, whatever the cell's election.
 *
 * The node layer calls in here at the points below; nothing here touches
 * the replicated lock table except the coordinator's unreplicated copy
 * for lockspace commands (see dl_election_bully's propose).
 */
#ifndef DLOCK_CORE_CLASSIC_H
#define DLOCK_CORE_CLASSIC_H

#include "env.h"
#include "wire.h"

/* Lockspace algorithms, the uapi's DLOCK_LS_* numbers. */
#define DL_NODE_LS_CELL		0
#define DL_NODE_LS_RA		1

struct dl_node;
struct dl_peer;
struct dl_lock_args;
struct dl_classic;

/* node.c: the node's part, for voters; created before the election. */
int dl_classic_create(struct dl_node *node);
void dl_classic_destroy(struct dl_node *node);

/* node.c: ops of the Bully, Ring, coordinator and RA ranges. */
int dl_classic_check_op(struct dl_node *node, const struct dl_wire_hdr *hdr,
			const struct dl_wire_op *op);
int dl_classic_recv(struct dl_node *node, struct dl_peer *peer,
		    const struct dl_wire_hdr *hdr, const struct dl_wire_op *op);
/* node.c: RA retries and membership view, lock timeouts. */
void dl_classic_tick(struct dl_node *node, u64 now);
u64 dl_classic_next_deadline(struct dl_node *node);

/*
 * client.c: a local owner's request.  dl_classic_takes() says whether
 * @a (a new lock, or a conversion of @a->lock_id) is ours,
 * dl_classic_owns() whether lock @lock_id is; the others return -ENOENT
 * for a lock id that is not ours, else their result.
 */
bool dl_classic_takes(struct dl_node *node, const struct dl_lock_args *a);
bool dl_classic_owns(struct dl_node *node, u64 lock_id);
int dl_classic_lock(struct dl_node *node, const struct dl_lock_args *a,
		    u64 *req_id, u64 *lock_id);
int dl_classic_unlock(struct dl_node *node, u64 owner, u64 lock_id,
		      u32 lvb_len);
int dl_classic_cancel(struct dl_node *node, u64 owner, u64 lock_id);
void dl_classic_release_owner(struct dl_node *node, u64 owner);

/*
 * node.c: declare lockspace @name an "ra" lockspace on this node; the
 * DL_LEV_DONE of request *@req_id follows.  0, -EINVAL, -EEXIST, -ENOMEM,
 * -EOPNOTSUPP on a member.
 */
int dl_classic_ra_declare(struct dl_node *node, const u8 *name, u32 len,
			  u64 cookie, u64 *req_id);
int dl_classic_ra_remove(struct dl_node *node, const u8 *name, u32 len,
			 u64 cookie, u64 *req_id);

#endif /* DLOCK_CORE_CLASSIC_H */
