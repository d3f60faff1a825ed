/* SPDX-License-Identifier: GPL-2.0 */
/*
 * netns.h - the dlock node of one network namespace.
 *
 * Every network namespace is one dlock node: its configuration, and its live
 * cell (UDP sockets, protocol core instance, peers, local owners), hang off
 * struct dlock_net, which the kernel allocates with the namespace
 * (register_pernet_subsys() with .id/.size, looked up with net_generic()).
 */
#ifndef DLOCK_NETNS_H
#define DLOCK_NETNS_H

#include "node.h"

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/wait.h>
#include <linux/types.h>
#include <linux/xarray.h>
#include <net/net_namespace.h>

#include <linux/dlock.h>

struct dlock_net {
	/* The namespace this node belongs to; it owns us, no reference. */
	struct net *net;

	/*
	 * Serializes configuration (netlink), local requests (ioctls, the
	 * in-kernel API) and protocol work of this node: every call into the
	 * core is made under it.  Guards every field below.
	 */
	struct mutex lock;

	/* This node's id in its cell; 0 until an administrator sets it. */
	u32 node_id;

	/* The cell this node belongs to, as configured. */
	u32 cell_id;

	/* Role in the cell: DLOCK_STATE_UNCONFIGURED until the cell runs. */
	enum dlock_node_state state;

	/* Everything SET_NODE configured (node_id/cell_id mirror it). */
	struct dlock_node_cfg cfg;

	/* Peers by node id: struct dlock_peer, ADD_PEER/DEL_PEER. */
	struct xarray peers;

	/* Local owners by id: struct dlock_owner. */
	struct xarray owners;
	/* Next owner id to try: ids are handed out cyclically (node.c). */
	u32 owner_next;

	/* The running node, NULL while unconfigured. */
	struct dlock_node *node;

	/* Bumped every time a node starts, so owners see restarts. */
	u32 generation;

	/* Netlink requests waiting for a lockspace DONE (node.c). */
	struct list_head admin_waiters;
	wait_queue_head_t admin_wq;
};

struct dlock_net *dlock_net(const struct net *net);

int dlock_netns_init(void);
void dlock_netns_uninit(void);

#endif /* DLOCK_NETNS_H */
