/* SPDX-License-Identifier: GPL-2.0 */
/*
 * netlink.h - the "dlock" generic netlink family: administration of the
 * node of the caller's network namespace, and its events multicast group.
 */
#ifndef DLOCK_NETLINK_H
#define DLOCK_NETLINK_H

#include <linux/types.h>

struct dlock_net;

int dlock_genetlink_init(void);
void dlock_genetlink_uninit(void);

/*
 * Multicast an event (enum dlock_event_type) of @dn's node to the events
 * group of its namespace.  Process context; allocation failure loses it.
 */
void dlock_nl_notify(struct dlock_net *dn, u32 type);

#endif /* DLOCK_NETLINK_H */
