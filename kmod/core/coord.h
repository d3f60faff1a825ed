/* SPDX-License-Identifier: GPL-2.0 */
/*
 * coord.h - the slides' "elections + centralized locking": the coordinator
 * elected by Bully or Ring keeps the lock table alone (unreplicated); the
 * other nodes ask it for each lock and tell it when they are done.
 *
 *   acquire + release from a non-coordinator: REQUEST, GRANT, RELEASE = 3
 *   messages, the slides' 2 + 1; on the coordinator itself: none.
 *
 * After a failover the new coordinator knows nothing.  It sends QUERY to
 * every node it does not know to be down, and each answers with one REPORT
 * of the locks it holds (with their fencing tokens) and waits for.  Until
 * every live node has reported the coordinator grants nothing, so a lock
 * held under the old coordinator cannot be granted twice.  Locks of nodes
 * that died are released simply by nobody reporting them.
 *
 * Fencing tokens: a token is (epoch << 32) + a counter, and a rebuilt
 * coordinator starts its counter above max(epoch << 32, every reported
 * token).  Epochs grow with every election, so every token a new
 * coordinator issues is above any token an earlier one issued, even for a
 * holder that died without reporting.  The election hosts must keep epochs
 * across restarts for that; the reported tokens bound what survives.
 */
#ifndef DLOCK_CORE_COORD_H
#define DLOCK_CORE_COORD_H

#include "env.h"
#include "list.h"

#define DL_COORD_MAX_NODES	16
#define DL_COORD_NAME_MAX	64
/* per node: what one REPORT carries in one datagram (wire_classic.h) */
#define DL_COORD_MAX_LOCKS	12
#define DL_COORD_EPOCH_SHIFT	32

enum dl_coord_msg_type {
	DL_COORD_REQUEST,	/* node -> coordinator: lock name in mode */
	DL_COORD_GRANT,		/* coordinator -> node: granted, token */
	DL_COORD_RELEASE,	/* node -> coordinator: unlock or give up */
	DL_COORD_QUERY,		/* new coordinator -> node: report */
	DL_COORD_REPORT,	/* node -> new coordinator: my locks */
	DL_COORD_MSG_COUNT,
};

/**
 * struct dl_coord_lock - one lock of a node as it reports it
 * @req_id: the node's request id (unique per node)
 * @mode: DL_MODE_*
 * @granted: held (else waiting)
 * @token: fencing token when held
 * @name_len: 1..DL_COORD_NAME_MAX
 * @name: the resource
 */
struct dl_coord_lock {
	u64 req_id;
	u8 mode;
	bool granted;
	u64 token;
	u8 name_len;
	u8 name[DL_COORD_NAME_MAX];
};

/**
 * struct dl_coord_msg - one message
 * @type: enum dl_coord_msg_type
 * @from: sender
 * @to: destination
 * @epoch: the coordinator epoch it belongs to
 * @incarnation: the sender's life (dl_coord_config.incarnation)
 * @lock: REQUEST, GRANT, RELEASE: the lock (req_id, mode, token, name)
 * @nr_locks: REPORT: entries in @locks
 * @locks: REPORT: the sender's locks
 */
struct dl_coord_msg {
	u8 type;
	u32 from;
	u32 to;
	u64 epoch;
	u64 incarnation;
	struct dl_coord_lock lock;
	u32 nr_locks;
	struct dl_coord_lock locks[DL_COORD_MAX_LOCKS];
};

/**
 * struct dl_coord_ops - what the host does
 * @send: carry @m (best effort)
 * @granted: a lock of this node was granted with @token
 */
struct dl_coord_ops {
	void (*send)(void *ctx, const struct dl_coord_msg *m);
	void (*granted)(void *ctx, u64 req_id, u64 token);
};

/**
 * struct dl_coord_config - the cell as one node sees it
 * @self_id: this node, one of @nodes
 * @nr_nodes: 1..DL_COORD_MAX_NODES
 * @nodes: distinct non-zero ids
 * @retry_ms: resend period of QUERY (coordinator) and REQUEST (node)
 * @incarnation: grows with every restart of the node: the coordinator
 *	releases the locks of a node's earlier life when it hears of a later
 *	one, and ignores messages of an earlier life
 */
struct dl_coord_config {
	u32 self_id;
	u32 nr_nodes;
	u32 nodes[DL_COORD_MAX_NODES];
	u32 retry_ms;
	u64 incarnation;
};

struct dl_coord;

int dl_coord_create(const struct dl_coord_config *cfg,
		    const struct dl_coord_ops *ops, void *ctx,
		    struct dl_coord **out);
void dl_coord_destroy(struct dl_coord *c);

/* The election says @leader (0: none) leads in @epoch. */
void dl_coord_set_leader(struct dl_coord *c, u32 leader, u64 epoch, u64 now);
/* (coordinator) the election's failure detector lost/found @id. */
void dl_coord_peer_down(struct dl_coord *c, u32 id);
void dl_coord_peer_up(struct dl_coord *c, u32 id);

/* Ask for @name in @mode: a request id > 0, or -EINVAL, -EEXIST, -ENOSPC. */
s64 dl_coord_lock(struct dl_coord *c, const void *name, u8 name_len, u8 mode,
		  u64 now);
/* Unlock (or cancel) request @req_id: 0 or -ENOENT. */
int dl_coord_unlock(struct dl_coord *c, u64 req_id);

int dl_coord_recv(struct dl_coord *c, const struct dl_coord_msg *m, u64 now);
void dl_coord_tick(struct dl_coord *c, u64 now);
u64 dl_coord_next_deadline(const struct dl_coord *c);

/* The coordinator has rebuilt its table and grants. */
bool dl_coord_serving(const struct dl_coord *c);
/* This node holds @req_id; its token in *@token. */
bool dl_coord_holds(const struct dl_coord *c, u64 req_id, u64 *token);
u64 dl_coord_sent(const struct dl_coord *c, u32 type);
void dl_coord_reset_counts(struct dl_coord *c);
const char *dl_coord_msg_name(u32 type);

#endif /* DLOCK_CORE_COORD_H */
