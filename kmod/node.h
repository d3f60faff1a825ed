/* SPDX-License-Identifier: GPL-2.0 */
/*
 * node.h - the live cell member of one network namespace: the protocol core
 * instance (core/node.h) and everything the kernel gives it (timer, work,
 * UDP sockets, peers, sealing).
 *
 * Locking: everything here, and every call into the core, happens under the
 * namespace's dlock_net.lock, in process context.  Softirq only touches the
 * receive queue (its own lock) and the drop counters (atomics).
 */
#ifndef DLOCK_NODE_H
#define DLOCK_NODE_H

#include "crypto.h"
#include "socket.h"

#include <linux/atomic.h>
#include <linux/hrtimer.h>
#include <linux/skbuff.h>
#include <linux/socket.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "core/node.h"
#include "core/wire.h"

struct dlock_net;

/* A bound on datagrams waiting for the node's work: receive never grows. */
#define DLOCK_RXQ_MAX		512

/* Largest sealed datagram accepted or sent. */
#define DLOCK_SEALED_MAX	(DL_WIRE_MTU + DLOCK_SEAL_OVERHEAD)

/* Why the transport dropped a datagram, before the core saw it. */
enum dlock_drop {
	DLOCK_DROP_MALFORMED,	/* too short or too long to be sealed */
	DLOCK_DROP_FORGED,	/* authentication failed */
	DLOCK_DROP_REPLAYED,	/* counter seen already or too old */
	DLOCK_DROP_WRONG_CELL,	/* another cell's header */
	DLOCK_DROP_UNKNOWN_PEER, /* sender not among our peers */
	DLOCK_DROP_QUEUE_FULL,	/* receive queue at DLOCK_RXQ_MAX */
	DLOCK_DROP_NOT_RUNNING,	/* arrived while the node was stopping */
	DLOCK_DROP_COUNT
};

/* The core's host context (core/env.h): its one timer. */
struct dl_env {
	struct hrtimer timer;
};

/* A peer of this node, by node id, as configured over netlink. */
struct dlock_peer {
	u32 id;
	u32 role;			/* enum dlock_peer_role */
	struct sockaddr_storage addr;	/* sockaddr_in or sockaddr_in6 */
	struct dlock_replay replay;
	/* Kernel clock of the last datagram authenticated from it, 0 none. */
	u64 last_rx_ns;
	/* DEL_PEER in progress: the restarting node leaves it out. */
	bool removing;
};

/* What SET_NODE and ADD_PEER configured; the node is built from it. */
struct dlock_node_cfg {
	u32 node_id;
	u32 cell_id;
	u16 port;			/* host order */
	bool has_addr4, has_addr6;
	__be32 addr4;
	struct in6_addr addr6;
	bool key_set;
	u8 key[DLOCK_KEY_LEN];
	u32 role;
	u32 election;
	struct dl_node_timeouts timeouts;
};

struct dlock_node {
	struct dlock_net *dn;		/* owner; dn->lock serializes us */
	struct dl_env env;
	struct dl_node *core;
	u32 node_id;
	u32 cell_id;
	u8 key[DLOCK_KEY_LEN];
	u64 tx_counter;

	/* Set under dn->lock before teardown: work must not touch core. */
	bool dead;

	struct workqueue_struct *wq;
	struct work_struct timer_work;
	struct work_struct rx_work;
	struct sk_buff_head rxq;

	struct dlock_socket sock;

	/* Seal and unseal buffers, used under dn->lock only. */
	u8 txbuf[DLOCK_SEALED_MAX];
	u8 rxbuf[DLOCK_SEALED_MAX];
	u8 plainbuf[DLOCK_SEALED_MAX];

	/* Last leader and state reported, to send events on change only. */
	u32 last_leader;
	u32 last_state;

	atomic64_t drops[DLOCK_DROP_COUNT];
};

/* Short name of an enum dlock_drop, for counters and tracepoints. */
const char *dlock_drop_name(unsigned int reason);

/*
 * Build and start the node of @dn from its configuration and peers; the
 * caller holds dn->lock and dn has no node.  @rejoin: the cell already runs
 * (this is a restart), so the node catches up before it may vote.  Returns
 * 0 or -errno, with @msg set to a reason for the administrator.
 */
int dlock_node_start(struct dlock_net *dn, bool rejoin, const char **msg);

/*
 * Stop and free @dn's node, if any.  Called with dn->lock held; drops and
 * retakes it while waiting for the node's work to finish.
 */
void dlock_node_stop(struct dlock_net *dn);

/* From the socket's receive hook, in softirq: queue @skb or drop it. */
void dlock_node_queue_rx(struct dlock_node *node, struct sk_buff *skb);

/* The env timer fired (hrtimer, hard or soft irq): schedule the work. */
void dlock_node_timer_fired(struct dlock_node *node);

/* Seal and send one core datagram (core/env.h dl_env_send()). */
int dlock_node_send(struct dlock_node *node, u32 dst, const void *buf,
		    size_t len);

/*
 * A local owner of locks: an open /dev/dlock file or an in-kernel client.
 * Its id is the core's owner id; completions and notifications for it come
 * through @ops, called under dn->lock (they must not call into the node).
 */
struct dlock_owner;

struct dlock_owner_ops {
	void (*event)(struct dlock_owner *owner, const struct dl_lock_event *ev);
	/* The node stopped (reconfiguration, namespace exit): locks are gone. */
	void (*node_gone)(struct dlock_owner *owner);
};

struct dlock_owner {
	u32 id;
	const struct dlock_owner_ops *ops;
};

/* Give @owner an id in @dn; 0 or -errno.  Caller holds dn->lock. */
int dlock_owner_register(struct dlock_net *dn, struct dlock_owner *owner);

/*
 * Forget @owner: its locks and requests in the cell are released.  Caller
 * holds dn->lock.
 */
void dlock_owner_unregister(struct dlock_net *dn, struct dlock_owner *owner);

/*
 * Create (@create) or remove lockspace @name in the cell and wait for the
 * outcome: 0, -EEXIST, -ENOENT, -EBUSY, -ETIMEDOUT, -ENOTCONN...  @flags:
 * DL_NODE_LS_* of a new lockspace.  Caller holds dn->lock, which is
 * dropped while waiting.
 */
int dlock_node_ls_change(struct dlock_net *dn, bool create, const u8 *name,
			 u32 len, u32 algo, u32 lvb_len, u32 flags);

/* Counters of @node's transport, for GET_COUNTERS. */
u64 dlock_node_drops(struct dlock_node *node, unsigned int reason);

/* Initialize the env of a new node (env.c). */
void dlock_env_init(struct dl_env *env);

/*
 * The typed objects' caches (env.c): all created at load, before any node
 * exists, and destroyed at unload, nodes all gone.
 */
int dlock_obj_caches_create(void);
void dlock_obj_caches_destroy(void);

/*
 * The debugfs fault attribute that fails dl_zalloc() (env.c): created at
 * module load, removed at unload; nothing on kernels without
 * CONFIG_FAULT_INJECTION_DEBUG_FS.
 */
#ifdef CONFIG_FAULT_INJECTION_DEBUG_FS
void dlock_fail_alloc_init(void);
void dlock_fail_alloc_exit(void);
#else
static inline void dlock_fail_alloc_init(void)
{
}

static inline void dlock_fail_alloc_exit(void)
{
}
#endif

#endif /* DLOCK_NODE_H */
