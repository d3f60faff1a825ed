/* SPDX-License-Identifier: GPL-2.0 */
/*
 * socket.h - the UDP transport of one node: an IPv4 and (when the kernel has
 * IPv6) an IPv6 kernel socket on the configured port, with a receive hook
 * set up the way WireGuard's socket.c does it.
 */
#ifndef DLOCK_SOCKET_H
#define DLOCK_SOCKET_H

#include <linux/in.h>
#include <linux/in6.h>
#include <linux/net.h>
#include <linux/socket.h>
#include <linux/types.h>

struct dlock_node;
struct net;

struct dlock_socket {
	struct socket *sock4;
	struct socket *sock6;
};

/*
 * Open the sockets of @node in @net on @port, bound to @addr4 (or any) and
 * @addr6 (or any, when NULL).  IPv6 is optional: without it only the IPv4
 * socket exists.  Returns 0 or -errno (-EADDRINUSE for a taken port).
 */
int dlock_socket_open(struct dlock_socket *s, struct net *net,
		      struct dlock_node *node, u16 port, __be32 addr4,
		      const struct in6_addr *addr6);

/*
 * Close them.  After this returns the receive hook runs no more for @node
 * (it waits for softirq readers, as WireGuard does).
 */
void dlock_socket_close(struct dlock_socket *s);

/* Send @len bytes to @addr from process context; 0 or -errno. */
int dlock_socket_send(struct dlock_socket *s,
		      const struct sockaddr_storage *addr,
		      const void *buf, size_t len);

#endif /* DLOCK_SOCKET_H */
