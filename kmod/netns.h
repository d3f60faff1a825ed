/* SPDX-License-Identifier: GPL-2.0 */
/*
 * netns.h - the dlock node of one network namespace.
 *
 * Every network namespace is one dlock node: its configuration, and later
 * its live cell (UDP socket, protocol core instance, peers, lockspaces), hang
 * off struct dlock_net, which the kernel allocates with the namespace
 * (register_pernet_subsys() with .id/.size, looked up with net_generic()).
 */
#ifndef DLOCK_NETNS_H
#define DLOCK_NETNS_H

#include <linux/mutex.h>
#include <linux/types.h>
#include <net/net_namespace.h>

#include <linux/dlock.h>

struct dlock_net {
	/* The namespace this node belongs to; it owns us, no reference. */
	struct net *net;

	/*
	 * Serializes configuration (netlink) and protocol work of this node,
	 * and guards every field below.  Readers that only report (status,
	 * ioctl VERSION) take it too: the fields change together.
	 */
	struct mutex lock;

	/* This node's id in its cell; 0 until an administrator sets it. */
	u32 node_id;

	/* The cell this node belongs to, as configured. */
	u32 cell_id;

	/* Role in the cell: DLOCK_STATE_UNCONFIGURED until the cell runs. */
	enum dlock_node_state state;
};

struct dlock_net *dlock_net(const struct net *net);

int dlock_netns_init(void);
void dlock_netns_uninit(void);

#endif /* DLOCK_NETNS_H */
