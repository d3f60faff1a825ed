// SPDX-License-Identifier: GPL-2.0
/*
 * socket.c - UDP kernel sockets of a node (see socket.h).
 *
 * Sockets are made with udp_sock_create() and turned into encapsulation
 * sockets with setup_udp_tunnel_sock(), as WireGuard's socket.c does: every
 * datagram reaches dlock_socket_rcv() in softirq with its checksum already
 * verified, instead of waiting in a socket queue nobody reads.  They are
 * kernel sockets, which hold no reference on their namespace, so a
 * namespace with a configured node can still go away (netns.c tears the
 * node down in its .exit).  Sending happens from the node's work in process
 * context, so plain kernel_sendmsg() does, without building skbs by hand.
 */

#include "socket.h"
#include "node.h"

#include <linux/net.h>
#include <linux/skbuff.h>
#include <linux/udp.h>
#include <net/sock.h>
#include <net/udp_tunnel.h>

/*
 * Receive hook, softirq with RCU held.  0 means the skb is ours (queued or
 * freed); it never goes on to the normal UDP receive path.
 */
static int dlock_socket_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct dlock_node *node = rcu_dereference_sk_user_data(sk);
	unsigned int off;

	/*
	 * The UDP header is still in front of the payload; its position is
	 * known from the transport header, as in WireGuard's receive path.
	 */
	off = skb_transport_offset(skb) + sizeof(struct udphdr);
	if (!node || !pskb_may_pull(skb, off)) {
		kfree_skb(skb);
		return 0;
	}
	__skb_pull(skb, off);
	dlock_node_queue_rx(node, skb);
	return 0;
}

static void dlock_socket_setup(struct net *net, struct socket *sock,
			       struct dlock_node *node)
{
	struct udp_tunnel_sock_cfg cfg = {
		.sk_user_data = node,
		.encap_type = 1,
		.encap_rcv = dlock_socket_rcv,
	};

	setup_udp_tunnel_sock(net, sock, &cfg);
}

int dlock_socket_open(struct dlock_socket *s, struct net *net,
		      struct dlock_node *node, u16 port, __be32 addr4,
		      const struct in6_addr *addr6)
{
	struct udp_port_cfg port4 = {
		.family = AF_INET,
		.local_ip.s_addr = addr4,
		.local_udp_port = htons(port),
		.use_udp_checksums = true,
	};
	int ret;

	s->sock4 = NULL;
	s->sock6 = NULL;
	ret = udp_sock_create(net, &port4, &s->sock4);
	if (ret < 0)
		return ret;
	dlock_socket_setup(net, s->sock4, node);

#if IS_ENABLED(CONFIG_IPV6)
	{
		struct udp_port_cfg port6 = {
			.family = AF_INET6,
			.local_ip6 = addr6 ? *addr6 : in6addr_any,
			.local_udp_port = htons(port),
			.use_udp6_tx_checksums = true,
			.use_udp6_rx_checksums = true,
			.ipv6_v6only = true,
		};

		ret = udp_sock_create(net, &port6, &s->sock6);
		if (ret < 0) {
			/* A kernel booted with ipv6.disable=1 is fine. */
			s->sock6 = NULL;
			if (ret != -EAFNOSUPPORT) {
				dlock_socket_close(s);
				return ret;
			}
		} else {
			dlock_socket_setup(net, s->sock6, node);
		}
	}
#endif
	return 0;
}

void dlock_socket_close(struct dlock_socket *s)
{
	if (s->sock4)
		udp_tunnel_sock_release(s->sock4);
	if (s->sock6)
		udp_tunnel_sock_release(s->sock6);
	s->sock4 = NULL;
	s->sock6 = NULL;
	/* No receive hook still runs with a pointer to the node. */
	synchronize_net();
}

int dlock_socket_send(struct dlock_socket *s,
		      const struct sockaddr_storage *addr,
		      const void *buf, size_t len)
{
	struct kvec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = {
		.msg_name = (void *)addr,
		.msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL,
	};
	struct socket *sock;
	int ret;

	if (addr->ss_family == AF_INET) {
		sock = s->sock4;
		msg.msg_namelen = sizeof(struct sockaddr_in);
	} else {
		sock = s->sock6;
		msg.msg_namelen = sizeof(struct sockaddr_in6);
	}
	if (!sock)
		return -EAFNOSUPPORT;
	ret = kernel_sendmsg(sock, &msg, &iov, 1, len);
	return ret < 0 ? ret : 0;
}
