/* SPDX-License-Identifier: GPL-2.0 */
/*
 * netlink.h - the "dlock" generic netlink family: administration of the
 * node of the caller's network namespace.
 */
#ifndef DLOCK_NETLINK_H
#define DLOCK_NETLINK_H

int dlock_genetlink_init(void);
void dlock_genetlink_uninit(void);

#endif /* DLOCK_NETLINK_H */
