/* SPDX-License-Identifier: GPL-2.0 */
/*
 * elect_bully.h - the Bully election of the slides, as a message-driven
 * state machine in the style of raft.h: the host feeds it messages and
 * ticks and carries what it sends.
 *
 * The biggest id wins.  A node that suspects the coordinator sends ELECTION
 * to every higher id and waits for OK; an OK makes it drop out and wait for
 * COORDINATOR ("I won"); no OK in time makes it the coordinator, and it
 * sends COORDINATOR to every lower id.  A node that gets ELECTION answers
 * OK and starts its own election.  Failure detection is by heartbeats to
 * the coordinator, which answers each one.
 */
#ifndef DLOCK_CORE_ELECT_BULLY_H
#define DLOCK_CORE_ELECT_BULLY_H

#include "env.h"

#define DL_ELECT_MAX_NODES	16

enum dl_bully_msg_type {
	DL_BULLY_ELECTION,
	DL_BULLY_OK,
	DL_BULLY_COORDINATOR,
	DL_BULLY_HEARTBEAT,		/* node -> coordinator */
	DL_BULLY_HEARTBEAT_ACK,		/* coordinator -> node */
	DL_BULLY_MSG_COUNT,
};

/**
 * struct dl_bully_msg - one protocol message
 * @type: enum dl_bully_msg_type
 * @from: sender id
 * @to: destination id
 * @epoch: COORDINATOR: the new coordinator's epoch; others: sender's epoch
 */
struct dl_bully_msg {
	u8 type;
	u32 from;
	u32 to;
	u64 epoch;
};

/**
 * struct dl_bully_ops - what the host does for the engine
 * @send: carry @m (best effort)
 * @leader_change: the coordinator is now @leader (0: none) in @epoch
 * @peer_down: (coordinator) no heartbeat from @id for dead_ms
 * @peer_up: (coordinator) a heartbeat from @id after its peer_down
 */
struct dl_bully_ops {
	void (*send)(void *ctx, const struct dl_bully_msg *m);
	void (*leader_change)(void *ctx, u32 leader, u64 epoch);
	void (*peer_down)(void *ctx, u32 id);
	void (*peer_up)(void *ctx, u32 id);
};

/**
 * struct dl_bully_config - one node's view of the cell
 * @self_id: this node, one of @nodes
 * @nr_nodes: 1..DL_ELECT_MAX_NODES
 * @nodes: distinct non-zero ids
 * @answer_ms: how long to wait for OK after ELECTION
 * @announce_ms: how long to wait for COORDINATOR after an OK
 * @heartbeat_ms: heartbeat period to the coordinator
 * @dead_ms: silence after which the coordinator (or, on the coordinator,
 *	a node) is taken for dead
 * @epoch: the highest epoch this node saw in an earlier life (the host
 *	keeps it across restarts so that epochs, and fencing tokens, grow)
 */
struct dl_bully_config {
	u32 self_id;
	u32 nr_nodes;
	u32 nodes[DL_ELECT_MAX_NODES];
	u32 answer_ms;
	u32 announce_ms;
	u32 heartbeat_ms;
	u32 dead_ms;
	u64 epoch;
};

struct dl_bully;

int dl_elect_check_nodes(u32 self, u32 nr, const u32 *nodes);
int dl_bully_create(const struct dl_bully_config *cfg,
		    const struct dl_bully_ops *ops, void *ctx, u64 now,
		    struct dl_bully **out);
void dl_bully_destroy(struct dl_bully *b);
void dl_bully_start_election(struct dl_bully *b, u64 now);
int dl_bully_recv(struct dl_bully *b, const struct dl_bully_msg *m, u64 now);
void dl_bully_tick(struct dl_bully *b, u64 now);
u64 dl_bully_next_deadline(const struct dl_bully *b);
u32 dl_bully_leader(const struct dl_bully *b);
u64 dl_bully_epoch(const struct dl_bully *b);
bool dl_bully_electing(const struct dl_bully *b);
/* Messages of @type this node sent since creation (or the last reset). */
u64 dl_bully_sent(const struct dl_bully *b, u32 type);
void dl_bully_reset_counts(struct dl_bully *b);
const char *dl_bully_msg_name(u32 type);

#endif /* DLOCK_CORE_ELECT_BULLY_H */
