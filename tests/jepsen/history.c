// SPDX-License-Identifier: GPL-2.0
/*
 * history.c: writing Jepsen history lines (see history.h).
 */
#include "history.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int64_t hist_offset_ns;

void hist_set_offset(int64_t offset_ns)
{
	hist_offset_ns = offset_ns;
}

uint64_t hist_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec +
	       (uint64_t)hist_offset_ns;
}

int hist_open(struct history *h, const char *path, const char *client,
	      const char *node)
{
	h->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	h->client = client;
	h->node = node;
	return h->fd < 0 ? -errno : 0;
}

static void put_num(char *buf, size_t len, long long v)
{
	if (v == HIST_NONE)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%lld", v);
}

int hist_format(char *buf, uint64_t t, const char *client, const char *node,
		const char *type, const char *op, const char *res,
		const char *mode, const char *result, long long token,
		long long value, long long seq)
{
	char tok[24], val[24], sq[24];

	put_num(tok, sizeof(tok), token);
	put_num(val, sizeof(val), value);
	put_num(sq, sizeof(sq), seq);
	return snprintf(buf, HIST_LINE_MAX,
			"%llu %s %s %s %s %s %s %s %s %s %s\n",
			(unsigned long long)t, client, node, type, op,
			res ? res : "-", mode ? mode : "-",
			result ? result : "-", tok, val, sq);
}

void hist_event(struct history *h, const char *type, const char *op,
		const char *res, const char *mode, const char *result,
		long long token, long long value, long long seq)
{
	char line[HIST_LINE_MAX];
	int n;

	n = hist_format(line, hist_now_ns(), h->client, h->node, type, op,
			res, mode, result, token, value, seq);
	if (n > 0 && n < (int)sizeof(line) && write(h->fd, line, n) != n)
		perror("jepsen: history write");
}

const char *hist_errname(int err)
{
	static char other[16];

	switch (-err) {
	case EAGAIN: return "EAGAIN";
	case ETIMEDOUT: return "ETIMEDOUT";
	case ENOTCONN: return "ENOTCONN";
	case ECONNRESET: return "ECONNRESET";
	case ENOLINK: return "ENOLINK";
	case ESTALE: return "ESTALE";
	case ENOENT: return "ENOENT";
	case ECANCELED: return "ECANCELED";
	case EINTR: return "EINTR";
	case EIO: return "EIO";
	case EINVAL: return "EINVAL";
	case EBUSY: return "EBUSY";
	case EDEADLK: return "EDEADLK";
	case ENOMEM: return "ENOMEM";
	case EBADF: return "EBADF";
	case EPERM: return "EPERM";
	case EHOSTUNREACH: return "EHOSTUNREACH";
	case ENOLCK: return "ENOLCK";
	default:
		snprintf(other, sizeof(other), "E%d", -err);
		return other;
	}
}
