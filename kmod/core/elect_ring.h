/* SPDX-License-Identifier: GPL-2.0 */
/*
 * elect_ring.h - the Ring election of the slides, as a message-driven state
 * machine like elect_bully.h (whose node-list check and size it shares).
 *
 * Nodes form a logical ring in increasing id order.  The initiator sends
 * ELECTION to its successor; every node adds its id and passes it on,
 * skipping successors it suspects dead.  The node whose next hop is
 * already in the message closes the ring: it picks the highest id and
 * sends COORDINATOR around the ring, which stops before reaching it again.
 * That is (n - 1) ELECTION + (n - 1) COORDINATOR = 2(n - 1) messages, the
 * slides' count: the ring closes one hop early, at the initiator's
 * predecessor, instead of returning the message to the initiator.
 *
 * Concurrent elections: a node already taking part drops an ELECTION from
 * a lower initiator than the highest it forwarded (Chang and Roberts), and
 * every ELECTION that does go round carries every live id, so all of them
 * name the same coordinator.
 *
 * Dead successors: every ELECTION and COORDINATOR hop is acknowledged by an
 * ACK (Tanenbaum's "the sender skips over the successor"); a node without
 * ACK in ack_ms suspects its successor and passes the message to the next.
 * A node is unsuspected as soon as anything arrives from it.  The ACKs are
 * counted apart: 2(n - 1) of them per election, so 4(n - 1) ops in all;
 * the slides' model counts only ELECTION and COORDINATOR.  A participant
 * that sees no COORDINATOR in round_ms (a node died after its ACK) starts
 * over.  Failure of the coordinator: heartbeats to it, as in Bully.
 */
#ifndef DLOCK_CORE_ELECT_RING_H
#define DLOCK_CORE_ELECT_RING_H

#include "elect_bully.h"

enum dl_ring_msg_type {
	DL_RING_ELECTION,
	DL_RING_COORDINATOR,
	DL_RING_ACK,		/* hop-by-hop: got your ELECTION/COORDINATOR */
	DL_RING_HEARTBEAT,
	DL_RING_HEARTBEAT_ACK,
	DL_RING_MSG_COUNT,
};

/**
 * struct dl_ring_msg - one message
 * @type: enum dl_ring_msg_type
 * @from: sender
 * @to: destination
 * @epoch: ELECTION: highest epoch seen on the way; COORDINATOR: the new one
 * @origin: ELECTION: its initiator; COORDINATOR: the node that closed the
 *	ring and where the announcement stops
 * @leader: COORDINATOR: the winner; ACK: the type acknowledged
 * @nr_ids: ELECTION: ids collected so far
 * @ids: see @nr_ids
 */
struct dl_ring_msg {
	u8 type;
	u32 from;
	u32 to;
	u64 epoch;
	u32 origin;
	u32 leader;
	u32 nr_ids;
	u32 ids[DL_ELECT_MAX_NODES];
};

struct dl_ring_ops {
	void (*send)(void *ctx, const struct dl_ring_msg *m);
	void (*leader_change)(void *ctx, u32 leader, u64 epoch);
	void (*peer_down)(void *ctx, u32 id);
	void (*peer_up)(void *ctx, u32 id);
};

/**
 * struct dl_ring_config - one node's view of the cell
 * @self_id: this node, one of @nodes
 * @nr_nodes: 1..DL_ELECT_MAX_NODES
 * @nodes: distinct non-zero ids, any order (the ring sorts them)
 * @ack_ms: how long to wait for a successor's ACK before skipping it
 * @round_ms: how long a forwarded ELECTION may take to come back announced
 * @heartbeat_ms: heartbeat period to the coordinator
 * @dead_ms: silence after which the coordinator (or, on the coordinator,
 *	a node) is taken for dead
 * @epoch: the highest epoch seen in an earlier life (see elect_bully.h)
 */
struct dl_ring_config {
	u32 self_id;
	u32 nr_nodes;
	u32 nodes[DL_ELECT_MAX_NODES];
	u32 ack_ms;
	u32 round_ms;
	u32 heartbeat_ms;
	u32 dead_ms;
	u64 epoch;
};

struct dl_ring;

int dl_ring_create(const struct dl_ring_config *cfg,
		   const struct dl_ring_ops *ops, void *ctx, u64 now,
		   struct dl_ring **out);
void dl_ring_destroy(struct dl_ring *r);
void dl_ring_start_election(struct dl_ring *r, u64 now);
int dl_ring_recv(struct dl_ring *r, const struct dl_ring_msg *m, u64 now);
void dl_ring_tick(struct dl_ring *r, u64 now);
u64 dl_ring_next_deadline(const struct dl_ring *r);
u32 dl_ring_leader(const struct dl_ring *r);
u64 dl_ring_epoch(const struct dl_ring *r);
bool dl_ring_electing(const struct dl_ring *r);
u64 dl_ring_sent(const struct dl_ring *r, u32 type);
void dl_ring_reset_counts(struct dl_ring *r);
const char *dl_ring_msg_name(u32 type);

#endif /* DLOCK_CORE_ELECT_RING_H */
