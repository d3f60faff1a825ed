// SPDX-License-Identifier: GPL-2.0
/*
 * register.c: the fenced register (see register.h).
 */
#include "register.h"
#include "regnet.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

struct reg_state {
	long long seq, value, seen, last_write;
};

/*
 * One connection to the server for all the registers of a process: the
 * server expects a client's request IDs to grow, whatever the register.
 */
static struct regnet reg_net;
static bool reg_net_open;

int reg_open(struct fenced_register *r, const char *dir, const char *res)
{
	char path[PATH_MAX];

	r->res = res;
	r->net = NULL;
	if (!strncmp(dir, "udp:", 4)) {
		r->fd = -1;
		if (!reg_net_open) {
			int ret = regnet_open(&reg_net, dir + 4, "-");

			if (ret)
				return ret;
			reg_net_open = true;
		}
		r->net = &reg_net;
		return 0;
	}
	snprintf(path, sizeof(path), "%s/reg.%s", dir, res);
	r->fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	return r->fd < 0 ? -errno : 0;
}

void reg_close(struct fenced_register *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
}

/* The state in the last line of the file; all zero for an empty file. */
static int reg_load(struct fenced_register *r, struct reg_state *st)
{
	char buf[HIST_LINE_MAX + 64];
	struct stat sb;
	off_t from;
	ssize_t n;
	char *line;

	memset(st, 0, sizeof(*st));
	if (fstat(r->fd, &sb))
		return -errno;
	if (!sb.st_size)
		return 0;
	from = sb.st_size > (off_t)sizeof(buf) - 1 ?
	       sb.st_size - (off_t)sizeof(buf) + 1 : 0;
	n = pread(r->fd, buf, sizeof(buf) - 1, from);
	if (n <= 0 || buf[n - 1] != '\n')
		return -EIO;
	buf[n - 1] = '\0';
	line = strrchr(buf, '\n');
	line = line ? line + 1 : buf;
	if (sscanf(line, "%lld %lld %lld %lld", &st->seq, &st->value,
		   &st->seen, &st->last_write) != 4)
		return -EIO;
	return 0;
}

static int reg_append(struct fenced_register *r, struct history *h,
		      const struct reg_state *st, const char *op,
		      const char *mode, bool ok, long long token,
		      long long value)
{
	char line[HIST_LINE_MAX + 96];
	int head, n;

	head = snprintf(line, sizeof(line), "%lld %lld %lld %lld ", st->seq,
			st->value, st->seen, st->last_write);
	n = hist_format(line + head, hist_now_ns(), h->client, h->node, "reg",
			op, r->res, mode, ok ? "ok" : "stale", token, value,
			st->seq);
	if (n <= 0 || n >= HIST_LINE_MAX)
		return -EOVERFLOW;
	n += head;
	return write(r->fd, line, n) == n ? 0 : -EIO;
}

/* The same operation, done by the server (regd.c) for this client. */
static int reg_op_net(struct fenced_register *r, struct history *h,
		      const char *mode, bool write, long long token,
		      long long value, struct reg_result *out)
{
	char args[160], reply[96];
	int accepted, ret;

	snprintf(args, sizeof(args), "%s %s %s %lld %lld", h->node, r->res,
		 mode, token, value);
	r->net->client = h->client;
	ret = regnet_call(r->net, write ? 'W' : 'R', args, reply,
			  sizeof(reply), 10000);
	if (ret)
		return ret;
	if (sscanf(reply, "%d %lld %lld", &accepted, &out->value,
		   &out->seq) != 3)
		return -EPROTO;
	out->accepted = accepted;
	return 0;
}

static int reg_op(struct fenced_register *r, struct history *h,
		  const char *mode, bool write, long long token,
		  long long value, struct reg_result *out)
{
	struct reg_state st;
	int ret;

	if (r->net)
		return reg_op_net(r, h, mode, write, token, value, out);
	if (flock(r->fd, LOCK_EX))
		return -errno;
	ret = reg_load(r, &st);
	if (ret)
		goto out;
	st.seq++;
	if (!write) {
		out->accepted = token >= st.seen;
		if (out->accepted)
			st.seen = token;
		out->value = st.value;
	} else {
		out->accepted = token >= st.seen && token > st.last_write;
		if (out->accepted) {
			st.value = value;
			st.seen = token;
			st.last_write = token;
		}
		out->value = value;
	}
	out->seq = st.seq;
	ret = reg_append(r, h, &st, write ? "write" : "read", mode,
			 out->accepted, token, out->value);
out:
	flock(r->fd, LOCK_UN);
	return ret;
}

int reg_read(struct fenced_register *r, struct history *h, const char *mode,
	     long long token, struct reg_result *out)
{
	return reg_op(r, h, mode, false, token, 0, out);
}

int reg_write(struct fenced_register *r, struct history *h, const char *mode,
	      long long token, long long value, struct reg_result *out)
{
	return reg_op(r, h, mode, true, token, value, out);
}

int reg_value(struct fenced_register *r, long long *value)
{
	struct reg_state st;
	int ret;

	if (r->net) {
		char reply[32];

		r->net->client = "runner";
		ret = regnet_call(r->net, 'V', r->res, reply, sizeof(reply),
				  10000);
		if (!ret && sscanf(reply, "%lld", value) != 1)
			ret = -EPROTO;
		return ret;
	}
	if (flock(r->fd, LOCK_SH))
		return -errno;
	ret = reg_load(r, &st);
	flock(r->fd, LOCK_UN);
	*value = st.value;
	return ret;
}
