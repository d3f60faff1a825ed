/* SPDX-License-Identifier: GPL-2.0 */
/*
 * election.h - the election algorithm of a cell, behind an ops table the way
 * TCP congestion control sits behind tcp_congestion_ops.
 *
 * The node owns the network, sessions, local owners and the lock table; an
 * election algorithm owns who leads and how lock-table commands get ordered:
 *
 *   raft   a replicated log; every voter applies every command; a new leader
 *          already holds the whole lock table;
 *   bully, ring (later)  the elected coordinator applies commands alone and
 *          rebuilds its table after a failover from the survivors' reports.
 *
 * Either way the algorithm hands commands to the node in one total order
 * through dl_node_apply_cmd() (node_priv.h), and the node turns the lock
 * table's outputs into events for local owners and DL_OP_EVENT ops for other
 * nodes.
 */
#ifndef DLOCK_CORE_ELECTION_H
#define DLOCK_CORE_ELECTION_H

#include "env.h"
#include "wire.h"

struct dl_node;
struct dl_node_status;
struct dl_node_peer_info;

/**
 * struct dl_election_ops - one election algorithm
 * @name: "raft", "bully", "ring"
 * @algo: enum dl_node_election
 * @init: set up state in node->elect_priv; 0 or negative errno
 * @destroy: free it
 * @recv: an op of the algorithm's type range arrived from @from; 0 or a
 *	negative drop reason (DL_WIRE_EBODY for a bad body)
 * @timer: run due deadlines at env time @now; return the next deadline
 *	(ns), or U64 max when none
 * @propose: order an encoded lock-table command; 0 when accepted (the node
 *	will see it through dl_node_apply_cmd()), -EAGAIN when not leader
 * @leader: current leader id, 0 when unknown
 * @is_leader: this node leads, and may serve requests now (Raft: its leader
 *	lease is valid and it committed an entry of its term)
 * @term: current term or epoch
 * @status: fill the algorithm's fields of @st (state, commit/applied)
 * @peer: fill the algorithm's fields of @pi (match index)
 */
struct dl_election_ops {
	const char *name;
	u32 algo;
	int (*init)(struct dl_node *node);
	void (*destroy)(struct dl_node *node);
	int (*recv)(struct dl_node *node, u32 from, const struct dl_wire_op *op);
	u64 (*timer)(struct dl_node *node, u64 now);
	int (*propose)(struct dl_node *node, const void *cmd, size_t len);
	u32 (*leader)(struct dl_node *node);
	bool (*is_leader)(struct dl_node *node);
	u64 (*term)(struct dl_node *node);
	void (*status)(struct dl_node *node, struct dl_node_status *st);
	void (*peer)(struct dl_node *node, struct dl_node_peer_info *pi);
};

/* The algorithms built in; NULL for one not (yet) available. */
const struct dl_election_ops *dl_election_find(u32 algo);

extern const struct dl_election_ops dl_election_raft;

#endif /* DLOCK_CORE_ELECTION_H */
