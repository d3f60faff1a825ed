/* SPDX-License-Identifier: GPL-2.0 */
/*
 * regnet.h: the fenced register and the history's clock over UDP, for a
 * cell whose nodes are separate kernels (tests/jepsen/multivm.sh).  One
 * guest runs jepsen_regd (regd.c), which keeps the registers with
 * register.c's rules and is the time base of the whole history; the
 * clients of every guest talk to it.
 *
 * Requests and replies are one text datagram each:
 *
 *   T ID CLIENT                         ->  T ID NOW_NS
 *   R ID CLIENT NODE RES MODE TOKEN     ->  R ID ACCEPTED VALUE SEQ
 *   W ID CLIENT NODE RES MODE TOKEN VAL ->  W ID ACCEPTED VALUE SEQ
 *   V ID CLIENT RES                     ->  V ID VALUE
 *   (an error)                          ->  E ID ERRNO
 *
 * A client resends R, W and V until their reply comes (loss, delay: the
 * nemesis puts both on the guests' links).  IDs grow per client name, and
 * the server answers a request it has already done with the reply it gave
 * then, without doing it again: a resent write is applied once.  T is
 * never resent (a late answer would be a wrong clock reading).
 */
#ifndef JEPSEN_REGNET_H
#define JEPSEN_REGNET_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

#define REGNET_MSG_MAX	256

struct regnet {
	int fd;
	struct sockaddr_in server;
	unsigned long long next_id;
	const char *client;	/* the requests' CLIENT field */
};

/* "HOST:PORT" (an IPv4 address): a socket toward the register server. */
int regnet_open(struct regnet *rn, const char *spec, const char *client);
void regnet_close(struct regnet *rn);

/*
 * Send "TYPE ID CLIENT ARGS" with a new ID and wait for the reply of that
 * ID, resending every 300 ms, at most @total_ms.  Puts the reply's fields
 * after the ID in @reply.  Returns 0, -ETIMEDOUT, -errno of an E reply,
 * or another negative errno.
 */
int regnet_call(struct regnet *rn, char type, const char *args,
		char *reply, size_t reply_len, unsigned int total_ms);

/*
 * The offset from this clock (CLOCK_MONOTONIC) to the server's, by
 * ping-pong: of @n round trips, the shortest one's midpoint.  Its error is
 * at most half that round trip (*err_ns), whatever the two directions'
 * delays: the server's reading was taken between send and receive.
 */
int regnet_sync(struct regnet *rn, unsigned int n, int64_t *offset_ns,
		int64_t *err_ns, int64_t *rtt_ns);

#endif /* JEPSEN_REGNET_H */
