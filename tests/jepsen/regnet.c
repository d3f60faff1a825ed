// SPDX-License-Identifier: GPL-2.0
/*
 * regnet.c: the client side of the register server (see regnet.h).
 */
#define _GNU_SOURCE
#include "regnet.h"
#include "history.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int regnet_open(struct regnet *rn, const char *spec, const char *client)
{
	char host[64];
	const char *colon = strrchr(spec, ':');
	long port;

	memset(rn, 0, sizeof(*rn));
	rn->fd = -1;
	if (!colon || colon == spec || (size_t)(colon - spec) >= sizeof(host))
		return -EINVAL;
	memcpy(host, spec, colon - spec);
	host[colon - spec] = '\0';
	port = strtol(colon + 1, NULL, 10);
	if (port <= 0 || port > 65535)
		return -EINVAL;
	rn->server.sin_family = AF_INET;
	rn->server.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &rn->server.sin_addr) != 1)
		return -EINVAL;
	rn->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (rn->fd < 0)
		return -errno;
	/* connect: replies from anyone but the server are not ours. */
	if (connect(rn->fd, (struct sockaddr *)&rn->server,
		    sizeof(rn->server))) {
		int ret = -errno;

		close(rn->fd);
		rn->fd = -1;
		return ret;
	}
	/* IDs of a client name must grow across its processes' lifetimes. */
	rn->next_id = (unsigned long long)mono_ns();
	rn->client = client;
	return 0;
}

void regnet_close(struct regnet *rn)
{
	if (rn->fd >= 0)
		close(rn->fd);
	rn->fd = -1;
}

/*
 * Wait until @deadline for the reply to @id; its fields after the ID go
 * to @reply.  1: got it, 0: not by then, <0: error.
 */
static int recv_reply(struct regnet *rn, char type, unsigned long long id,
		      int64_t deadline, char *reply, size_t reply_len)
{
	char buf[REGNET_MSG_MAX + 1];
	unsigned long long got;
	struct pollfd pfd = { .fd = rn->fd, .events = POLLIN };
	int64_t now;
	ssize_t n;
	char t;
	int off;

	while ((now = mono_ns()) < deadline) {
		int ms = (int)((deadline - now + 999999) / 1000000);

		if (poll(&pfd, 1, ms) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (!(pfd.revents & POLLIN))
			continue;
		n = recv(rn->fd, buf, REGNET_MSG_MAX, 0);
		if (n < 0) {
			/* ECONNREFUSED: the server is not up (yet); retry. */
			if (errno == EINTR || errno == ECONNREFUSED)
				continue;
			return -errno;
		}
		buf[n] = '\0';
		if (sscanf(buf, "%c %llu %n", &t, &got, &off) != 2 ||
		    got != id || (t != type && t != 'E'))
			continue;	/* a late reply to an earlier request */
		if (t == 'E') {
			int err = atoi(buf + off);

			return err > 0 ? -err : -EIO;
		}
		snprintf(reply, reply_len, "%s", buf + off);
		return 1;
	}
	return 0;
}

int regnet_call(struct regnet *rn, char type, const char *args,
		char *reply, size_t reply_len, unsigned int total_ms)
{
	int64_t end = mono_ns() + (int64_t)total_ms * 1000000LL;
	unsigned long long id = rn->next_id++;
	char req[REGNET_MSG_MAX];
	int n, ret;

	n = snprintf(req, sizeof(req), "%c %llu %s %s", type, id, rn->client,
		     args);
	if (n <= 0 || n >= (int)sizeof(req))
		return -EOVERFLOW;
	while (mono_ns() < end) {
		int64_t try_end = mono_ns() + 300000000LL;

		if (try_end > end)
			try_end = end;
		if (send(rn->fd, req, n, 0) < 0 && errno != ECONNREFUSED &&
		    errno != EHOSTUNREACH && errno != ENETUNREACH &&
		    errno != EPERM && errno != ENOBUFS)
			return -errno;
		ret = recv_reply(rn, type, id, try_end, reply, reply_len);
		if (ret)
			return ret < 0 ? ret : 0;
	}
	return -ETIMEDOUT;
}

int regnet_sync(struct regnet *rn, unsigned int n, int64_t *offset_ns,
		int64_t *err_ns, int64_t *rtt_ns)
{
	int64_t best_rtt = -1, best_off = 0;
	char req[REGNET_MSG_MAX], reply[64];
	unsigned long long id;
	long long server;
	unsigned int i;
	int ret;

	for (i = 0; i < n; i++) {
		int64_t t0, t1;
		int len;

		id = rn->next_id++;
		len = snprintf(req, sizeof(req), "T %llu %s", id, rn->client);
		t0 = mono_ns();
		if (send(rn->fd, req, len, 0) < 0)
			continue;
		/* Never resent: only the answer to this send brackets it. */
		ret = recv_reply(rn, 'T', id, t0 + 500000000LL, reply,
				 sizeof(reply));
		t1 = mono_ns();
		if (ret < 0)
			return ret;
		if (!ret || sscanf(reply, "%lld", &server) != 1)
			continue;
		if (best_rtt < 0 || t1 - t0 < best_rtt) {
			best_rtt = t1 - t0;
			best_off = server - (t0 + (t1 - t0) / 2);
		}
	}
	if (best_rtt < 0)
		return -ETIMEDOUT;
	*offset_ns = best_off;
	/* Rounded up: the midpoint's own rounding is inside it too. */
	*err_ns = best_rtt / 2 + 1;
	*rtt_ns = best_rtt;
	return 0;
}
