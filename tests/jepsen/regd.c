// SPDX-License-Identifier: GPL-2.0
/*
 * jepsen_regd: the fenced registers of a Jepsen run across separate
 * kernels, served over UDP, and the run's time base (protocol in
 * regnet.h).
 *
 *   jepsen_regd ADDR:PORT REGDIR
 *
 * Each register is register.c's append-only log REGDIR/reg.RES, with its
 * rules (no token below the highest seen, no write token not above the
 * last accepted write's) and its line format; only this process writes
 * it, so the logs need no lock shared between kernels.  Each line's time
 * is this server's CLOCK_MONOTONIC, the clock every guest's history is
 * converted to (regnet_sync).  Runs until killed: every operation's log
 * line is written before its reply is sent.
 */
#define _GNU_SOURCE
#include "history.h"
#include "register.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_REGS	16
#define MAX_CLIENTS	1024
#define NAME_MAX_LEN	32
#define MSG_MAX		256

struct reg_slot {
	char res[NAME_MAX_LEN];
	struct fenced_register reg;
};

/* The last request each client made, and the reply it was given. */
struct client_slot {
	char name[NAME_MAX_LEN];
	unsigned long long last_id;
	char reply[MSG_MAX];
	int reply_len;
};

static struct reg_slot regs[MAX_REGS];
static int n_regs;
static struct client_slot clients[MAX_CLIENTS];
static int n_clients;
static const char *reg_dir;

/* Names that go into file names and history fields: short, plain. */
static int plain_name(const char *s)
{
	size_t n = strlen(s), i;

	if (!n || n >= NAME_MAX_LEN)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == '_' ||
		      s[i] == '-'))
			return 0;
	return s[0] != '.';
}

static int reg_of(const char *res, struct fenced_register **out)
{
	int i, ret;

	for (i = 0; i < n_regs; i++) {
		if (!strcmp(regs[i].res, res)) {
			*out = &regs[i].reg;
			return 0;
		}
	}
	if (n_regs == MAX_REGS)
		return -ENOSPC;
	snprintf(regs[n_regs].res, sizeof(regs[0].res), "%s", res);
	ret = reg_open(&regs[n_regs].reg, reg_dir, regs[n_regs].res);
	if (ret)
		return ret;
	*out = &regs[n_regs++].reg;
	return 0;
}

static struct client_slot *client_of(const char *name)
{
	int i;

	for (i = 0; i < n_clients; i++)
		if (!strcmp(clients[i].name, name))
			return &clients[i];
	if (n_clients == MAX_CLIENTS)
		return NULL;
	snprintf(clients[n_clients].name, sizeof(clients[0].name), "%s", name);
	return &clients[n_clients++];
}

/* Do one R, W or V request; the reply's fields after the ID to @out. */
static int do_op(char type, const char *client, const char *args,
		 char *out, size_t len)
{
	char node[NAME_MAX_LEN], res[NAME_MAX_LEN], mode[8];
	struct fenced_register *reg;
	struct reg_result r;
	struct history h;
	long long token, value = 0, v;
	int ret;

	if (type == 'V') {
		if (sscanf(args, "%31s", res) != 1 || !plain_name(res))
			return -EINVAL;
		ret = reg_of(res, &reg);
		if (!ret)
			ret = reg_value(reg, &v);
		if (!ret)
			snprintf(out, len, "%lld", v);
		return ret;
	}
	if (sscanf(args, "%31s %31s %7s %lld %lld", node, res, mode, &token,
		   &value) < (type == 'W' ? 5 : 4) ||
	    !plain_name(node) || !plain_name(res) || !plain_name(mode) ||
	    token < 0)
		return -EINVAL;
	ret = reg_of(res, &reg);
	if (ret)
		return ret;
	/* The register logs the op as this client's, on its node. */
	h.fd = -1;
	h.node = node;
	h.client = client;
	if (type == 'R')
		ret = reg_read(reg, &h, mode, token, &r);
	else
		ret = reg_write(reg, &h, mode, token, value, &r);
	if (!ret)
		snprintf(out, len, "%d %lld %lld", r.accepted, r.value, r.seq);
	return ret;
}

static void serve(int fd)
{
	char buf[MSG_MAX + 1];
	char name[NAME_MAX_LEN], fields[MSG_MAX];
	struct sockaddr_in from;
	socklen_t flen;
	unsigned long long id;
	struct client_slot *c;
	ssize_t n;
	char type;
	int off, ret, len;

	for (;;) {
		flen = sizeof(from);
		n = recvfrom(fd, buf, MSG_MAX, 0, (struct sockaddr *)&from,
			     &flen);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("jepsen_regd: recvfrom");
			exit(1);
		}
		buf[n] = '\0';
		if (sscanf(buf, "%c %llu %31s %n", &type, &id, name, &off) != 3 ||
		    !plain_name(name))
			continue;	/* not a request: no ID to answer */
		if (type == 'T') {
			len = snprintf(fields, sizeof(fields), "T %llu %llu",
				       id, (unsigned long long)hist_now_ns());
			sendto(fd, fields, len, 0, (struct sockaddr *)&from, flen);
			continue;
		}
		c = client_of(name);
		if (!c)
			continue;
		if (id < c->last_id)
			continue;	/* a resend of a request answered since */
		if (id == c->last_id && c->reply_len) {
			/* Done already: the same reply, not the op again. */
			sendto(fd, c->reply, c->reply_len, 0,
			       (struct sockaddr *)&from, flen);
			continue;
		}
		if (type == 'R' || type == 'W' || type == 'V')
			ret = do_op(type, name, buf + off, fields,
				    sizeof(fields));
		else
			ret = -EINVAL;
		if (ret)
			len = snprintf(c->reply, sizeof(c->reply), "E %llu %d", id,
				       -ret);
		else
			len = snprintf(c->reply, sizeof(c->reply), "%c %llu %s",
				       type, id, fields);
		c->last_id = id;
		c->reply_len = len;
		sendto(fd, c->reply, len, 0, (struct sockaddr *)&from, flen);
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa;
	char host[64];
	const char *colon;
	int fd, one = 1;
	long port;

	if (argc != 3 || !(colon = strrchr(argv[1], ':')) ||
	    (size_t)(colon - argv[1]) >= sizeof(host)) {
		fprintf(stderr, "usage: jepsen_regd ADDR:PORT REGDIR\n");
		return 2;
	}
	memcpy(host, argv[1], colon - argv[1]);
	host[colon - argv[1]] = '\0';
	port = strtol(colon + 1, NULL, 10);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (port <= 0 || port > 65535 || inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		fprintf(stderr, "jepsen_regd: bad address %s\n", argv[1]);
		return 2;
	}
	reg_dir = argv[2];
	/* Every register's log goes there: refuse a directory it cannot use. */
	if (access(reg_dir, W_OK | X_OK)) {
		fprintf(stderr, "jepsen_regd: %s: %s\n", reg_dir, strerror(errno));
		return 2;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("jepsen_regd");
		return 1;
	}
	printf("jepsen_regd: serving %s, registers in %s\n", argv[1], reg_dir);
	fflush(stdout);
	serve(fd);
	return 0;
}
