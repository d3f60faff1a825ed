// SPDX-License-Identifier: GPL-2.0
/*
 * netns.c - one dlock node per network namespace.
 *
 * The node is created with its namespace and destroyed with it.  Kernel
 * sockets a node will own are created without a reference on their
 * namespace (as WireGuard's are), so a namespace can go away while its node
 * is configured; its .exit is where the node is torn down.  Module unload
 * runs .exit for every namespace still alive, after the netlink family and
 * the misc device are gone, so nothing can reach a node being torn down.
 */

#include "netns.h"

#include <linux/dlock.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/netns/generic.h>

static unsigned int dlock_net_id __read_mostly;

struct dlock_net *dlock_net(const struct net *net)
{
	return net_generic(net, dlock_net_id);
}

static int __net_init dlock_net_init(struct net *net)
{
	struct dlock_net *dn = dlock_net(net);

	/* net_generic() storage comes zeroed: node id 0 means "not set". */
	dn->net = net;
	mutex_init(&dn->lock);
	dn->state = DLOCK_STATE_UNCONFIGURED;
	xa_init(&dn->peers);
	INIT_LIST_HEAD(&dn->admin_waiters);
	init_waitqueue_head(&dn->admin_wq);
	xa_init_flags(&dn->owners, XA_FLAGS_ALLOC1);
	return 0;
}

static void __net_exit dlock_net_exit(struct net *net)
{
	struct dlock_net *dn = dlock_net(net);

	/*
	 * Nothing else can reach the node any more (see the top of this
	 * file), but its state only ever changes under its lock, so that the
	 * helpers teardown will call may assert the lock is held.
	 */
	struct dlock_peer *peer;
	unsigned long id;

	mutex_lock(&dn->lock);
	dlock_node_stop(dn);
	dn->state = DLOCK_STATE_UNCONFIGURED;
	dn->node_id = 0;
	dn->cell_id = 0;
	xa_for_each(&dn->peers, id, peer)
		kfree(peer);
	xa_destroy(&dn->peers);
	memzero_explicit(&dn->cfg, sizeof(dn->cfg));
	/*
	 * Open files hold a reference on the namespace, so none is left;
	 * in-kernel clients close their lockspaces before they go.
	 */
	WARN_ON_ONCE(!xa_empty(&dn->owners));
	xa_destroy(&dn->owners);
	mutex_unlock(&dn->lock);
	mutex_destroy(&dn->lock);
}

static struct pernet_operations dlock_net_ops = {
	.init = dlock_net_init,
	.exit = dlock_net_exit,
	.id = &dlock_net_id,
	.size = sizeof(struct dlock_net),
};

int __init dlock_netns_init(void)
{
	return register_pernet_subsys(&dlock_net_ops);
}

void dlock_netns_uninit(void)
{
	unregister_pernet_subsys(&dlock_net_ops);
}
