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
 *   bully, ring  the elected coordinator applies commands alone, and local
 *          owners' locks go to it through coord.c, whose table it rebuilds
 *          after a failover from the survivors' reports (classic.c).
 *
 * Either way the algorithm hands commands to the node in one total order
 * through dl_node_apply_entry() (node_priv.h), and the node turns the lock
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
 * @tick: run what is due at env time @now (calling it early is harmless)
 * @next_deadline: earliest time @tick has work, ns
 * @propose: order an encoded batch of lock-table commands (one entry); 0
 *	when accepted (the node sees it again through dl_node_apply_entry()),
 *	-ENOTCONN when not leader
 * @flush: send what proposals and steps left pending, at the end of every
 *	entry point of the node
 * @leader: current leader id, 0 when unknown
 * @is_leader: this node leads and may propose
 * @lease_valid: this node leads and knows no other node can (Raft: its
 *	leader lease is valid); only then does it renew sessions
 * @term: current term or epoch
 * @status: fill the algorithm's fields of @st (state, commit/applied)
 * @peer: fill the algorithm's fields of @pi (match index)
 * @peer_applies: optional: whether voter @peer applies the entry at
 *	@index on its own, without the leader's EVENT (leader only)
 * @reform: optional: make this node the leader of a new configuration of
 *	@voters (it among them) after the cell lost its majority; every lock
 *	is revoked when the change applies.  0 or negative errno
 */
struct dl_election_ops {
	const char *name;
	u32 algo;
	int (*init)(struct dl_node *node);
	void (*destroy)(struct dl_node *node);
	int (*recv)(struct dl_node *node, u32 from, const struct dl_wire_op *op);
	void (*tick)(struct dl_node *node, u64 now);
	u64 (*next_deadline)(struct dl_node *node);
	int (*propose)(struct dl_node *node, const void *cmd, size_t len);
	void (*flush)(struct dl_node *node, u64 now);
	u32 (*leader)(struct dl_node *node);
	bool (*is_leader)(struct dl_node *node);
	bool (*lease_valid)(struct dl_node *node);
	u64 (*term)(struct dl_node *node);
	void (*status)(struct dl_node *node, struct dl_node_status *st);
	void (*peer)(struct dl_node *node, struct dl_node_peer_info *pi);
	int (*reform)(struct dl_node *node, const u32 *voters, u32 n_voters);
	bool (*peer_applies)(struct dl_node *node, u32 peer, u64 index);
};

/* The algorithms built in; NULL for one not (yet) available. */
const struct dl_election_ops *dl_election_find(u32 algo);

extern const struct dl_election_ops dl_election_raft;
/* classic.c: coordinator locking on the winner, no replicated log */
extern const struct dl_election_ops dl_election_bully;
extern const struct dl_election_ops dl_election_ring;

#endif /* DLOCK_CORE_ELECTION_H */
